"""Invoice runs: one job per tenant (RQ in production, in-process in the embedded default).

``start_runs`` records a ``BillingRun`` per tenant and queues the job
``core.billing_run`` for it through ``core.jobs`` (the same function either
way). The job asks each approved agreement of its tenant (optionally only
those of one organisation) for the period's lines, and writes each invoice in
a transaction of its own together with the run's progress, so a page can show
how far it is and a job killed half-way leaves whole invoices only. Running it
again, or twice at once, writes nothing twice: the (agreement, period) key and
the agreement's lock see to that (``core.billing.services``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select, update

from core.billing.models import BillingRun
from core.billing.periods import BillingPeriod, parse_period
from core.billing.services import BillingRefused, Outcome, plan, write_planned
from core.calendar import copenhagen_today
from core.db import db
from core.partnerships.models import Agreement, AgreementParty
from core.tenancy.context import tenant_context
from core.tenancy.models import utcnow

log = logging.getLogger(__name__)
JOB_NAME = "core.billing_run"
FINISHED = ("done", "failed")


def _agreements(run: BillingRun) -> list[Agreement]:
    query = select(Agreement).where(Agreement.active.is_(True), Agreement.declared_status != "draft").order_by(Agreement.id)
    if run.organisation_id is not None:
        query = query.where(
            Agreement.id.in_(select(AgreementParty.agreement_id).where(AgreementParty.organisation_id == run.organisation_id))
        )
    return list(db.session.scalars(query))


class _Progress:
    """The run's progress as this job writes it: one UPDATE a step, nothing read back.

    The job holds the run's results itself (it started them empty), so a step
    is one statement in the invoice's transaction, not a read and a write while
    the invoice's number series is locked for every other worker.
    """

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.results: list[dict] = []

    def add(self, outcomes: Iterable[Outcome], *, step: int) -> None:
        self.results.extend(o.as_dict() for o in outcomes)
        self._set(results=list(self.results), done=BillingRun.done + step, updated_at=utcnow())

    def end(self, state: str) -> None:
        now = utcnow()
        self._set(state=state, finished_at=now, updated_at=now)

    def _set(self, **values: object) -> None:
        db.session.execute(
            update(BillingRun).where(BillingRun.id == self.run_id).values(**values), execution_options={"synchronize_session": False}
        )


def _bill(progress: _Progress, agreement: Agreement, period: BillingPeriod, *, issue: bool, actor: str) -> None:
    """Every invoice one agreement gives for the period: one transaction each, progress included."""
    today = copenhagen_today()
    agreement_id, title = agreement.id, agreement.title
    try:
        planned = plan(agreement, period)
    except BillingRefused as refused:
        kind = "outside" if refused.code == "outside" else "refused"
        progress.add([Outcome(agreement_id, title, kind, refused.code, refused.params)], step=1)
        db.session.commit()
        return
    if not planned:
        progress.add([Outcome(agreement_id, title, "nothing", "nothing", {"period": period.label})], step=1)
        db.session.commit()
        return
    for index, one in enumerate(planned):
        last = 1 if index == len(planned) - 1 else 0
        try:
            outcome = write_planned(agreement_id, one, issue=issue, actor=actor, today=today)  # read again under its lock
        except BillingRefused as refused:
            db.session.rollback()  # nothing of this invoice stays
            outcome = Outcome(agreement_id, title, "refused", refused.code, refused.params)
        progress.add([outcome], step=last)
        db.session.commit()  # the invoice, its lines, its number and the progress: together or not at all


def run_billing(tenant_id: int, billing_run_id: int) -> None:
    """The job: bill every approved agreement of the tenant for the run's period. Safe to run twice."""
    run = db.session.get(BillingRun, billing_run_id)
    if run is None:
        raise LookupError(f"billing run {billing_run_id} does not exist in tenant {tenant_id}")
    if run.state == "done":
        return
    period = parse_period(run.period_label)
    agreements = _agreements(run)
    issue, actor = run.issue, run.started_by
    run.state, run.total, run.done, run.results, run.updated_at = "running", len(agreements), 0, [], utcnow()
    db.session.commit()
    progress = _Progress(billing_run_id)
    try:
        for agreement in agreements:
            _bill(progress, agreement, period, issue=issue, actor=actor)
    except Exception:
        db.session.rollback()
        progress.end("failed")
        db.session.commit()
        raise
    progress.end("done")
    db.session.commit()


def start_runs(period: BillingPeriod, *, tenant_ids: Sequence[int], organisation_id: int | None, issue: bool, actor: str) -> list[int]:
    """Record a run per tenant and queue its job; returns the runs' ids (in the order of ``tenant_ids``).

    A tenant's run and its job's run are one transaction (linked, nothing read
    back), then the job is handed to the workers: queueing 98 tenants is not
    what a run with more workers waits for.
    """
    from core.jobs.runner import dispatch, record

    run_ids = []
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            run = BillingRun(
                period_label=period.label,
                period_start=period.start,
                period_end=period.end,
                organisation_id=organisation_id,
                issue=issue,
                started_by=actor[:60],
            )
            db.session.add(run)
            db.session.flush()
            run_id = run.id
            queued = record(JOB_NAME, tenant_id, billing_run_id=run_id)
            run.job_run_id = queued.run_id
            db.session.commit()
        dispatch(queued)
        run_ids.append(run_id)
    return run_ids


@dataclass(frozen=True)
class RunState:
    """A run as read in its tenant, usable outside it."""

    id: int
    state: str
    total: int
    done: int
    results: list


def runs_state(pairs: Sequence[tuple[int, int]]) -> list[RunState]:
    """The runs, as (tenant id, run id) pairs, each read in its tenant."""
    found = []
    for tenant_id, run_id in pairs:
        with tenant_context(tenant_id):
            db.session.expire_all()
            run = db.session.get_one(BillingRun, run_id)
            found.append(RunState(run.id, run.state, run.total, run.done, list(run.results or [])))
        db.session.commit()
    return found


def wait_for(pairs: Sequence[tuple[int, int]], *, timeout: float, poll: float = 0.5) -> bool:
    """Wait until every run is done or failed; False on timeout. One query per poll, whatever the number of runs."""
    from sqlalchemy import func

    from core.tenancy.context import cross_tenant

    run_ids = [run_id for _tenant, run_id in pairs]
    deadline = time.monotonic() + timeout
    while True:
        # The command that started the runs watches them all: an administrator's view across tenants (counts only).
        with cross_tenant("billing run: how many runs are still going"):
            pending = db.session.scalar(
                select(func.count()).select_from(BillingRun).where(BillingRun.id.in_(run_ids), BillingRun.state.not_in(FINISHED))
            )
            db.session.commit()
        if not pending:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(poll)


__all__ = ["JOB_NAME", "parse_period", "run_billing", "start_runs", "wait_for"]
