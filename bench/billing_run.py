"""Invoice runs for 98 tenants: runs per second with 1 and 2 workers, and the job overhead.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
    TEST_REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m bench.billing_run [--tenants 98] [--period 2025]

(``scripts/services.sh start DIR`` prints both.) It makes a throw-away database
beside TEST_DATABASE_URL (migrated, the repository's tenants plus fake ones from
``bench/tenants.py`` up to ``--tenants``, the app connected as ``samvirke_app``),
empties the queue in TEST_REDIS_URL, and measures an invoice run of every tenant
for the period (DRC Integration's staircase and Mødrehjælpen's four quarters in
each fake tenant: five invoices, two number series shared by all tenants):

- in-process (the embedded default, no Redis): one job after another;
- ``samvirke worker`` processes, 1 and 2, started and ready before the run is
  queued (their start-up is not measured): runs (tenants) per second;
- the job overhead, one worker in this process (RQ's ``SimpleWorker``, as
  ``samvirke worker`` runs): a raw RQ no-op job, a Samvirke no-op job
  (``bench.noop``: the ``job_runs`` record and the tenant context around
  nothing) and a tenant's invoice run, in milliseconds per job.

A benchmark, not a test: it prints a table and exits; every invoice written is
checked (one per agreement and period, every series gapless) before it is deleted.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMVIRKE = str(Path(sys.executable).with_name("samvirke"))


def _app(tenants: int, folder: Path):
    from sqlalchemy import select

    from bench.tenants import write_tenant_folder
    from core.db import db
    from core.migrations import upgrade_all
    from core.tenancy.models import Tenant
    from core.tenancy.sync import sync_tenants
    from core.testing.fixtures import PostgresDatabases, create_app_for_tests
    from tests.billing.helpers import with_staircase_end

    real = len(list((ROOT / "tenants").glob("*.toml")))
    write_tenant_folder(folder, max(0, tenants - real), years=2, today=date(2026, 6, 1))
    with_staircase_end(folder, "2026-12-31")
    databases = PostgresDatabases(os.environ["TEST_DATABASE_URL"])
    app = create_app_for_tests(
        databases.create(), TENANTS_DIR=str(folder), ORGANISATIONS_DIR=str(ROOT / "organisations"), SAMVIRKE_EXTRA_PLUGINS=["bench.jobs"]
    )
    with app.app_context():
        upgrade_all()
        sync_tenants(app.config["TENANTS_DIR"], ["mother_groups", "open_counselling", "volunteer_association"])
        db.session.commit()
        ids = list(db.session.scalars(select(Tenant.id).where(Tenant.active.is_(True)).order_by(Tenant.id)))
        db.session.remove()
    return app, databases, ids


def _check_and_purge(app) -> int:
    """Zero duplicates and gapless series (as the tests check), then delete; returns the invoices written."""
    from sqlalchemy import select

    from core.billing.models import Invoice, NumberSeries
    from core.db import db
    from core.tenancy.context import cross_tenant
    from tests.billing.helpers import purge_billing

    with app.app_context(), cross_tenant("benchmark: check the invoices"):
        rows = db.session.execute(select(Invoice.agreement_id, Invoice.period_label, Invoice.issuer_organisation_id, Invoice.number)).all()
        last = dict(db.session.execute(select(NumberSeries.organisation_id, NumberSeries.last_number)).all())
        db.session.remove()
    keys = [(r.agreement_id, r.period_label) for r in rows]
    assert len(keys) == len(set(keys)), "a duplicate invoice"
    by_issuer: dict[int, list[int]] = {}
    for r in rows:
        by_issuer.setdefault(r.issuer_organisation_id, []).append(r.number)
    for issuer, numbers in by_issuer.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)) and last[issuer] == len(numbers), f"a gap in {issuer}'s series"
    purge_billing(app)
    return len(rows)


def _run_all(app, tenants: list[int], period: str) -> list[tuple[int, int]]:
    from core.billing.periods import parse_period
    from core.billing.runs import start_runs
    from core.db import db

    with app.app_context():
        runs = start_runs(parse_period(period), tenant_ids=tenants, organisation_id=None, issue=True, actor="bench")
        db.session.remove()
    return list(zip(tenants, runs, strict=True))


def _wait(app, pairs) -> None:
    from core.billing.runs import wait_for
    from core.db import db

    with app.app_context():
        if not wait_for(pairs, timeout=600, poll=0.05):
            raise RuntimeError("the runs did not finish in 10 minutes")
        db.session.remove()


def _workers(app, count: int, logs: Path) -> list[subprocess.Popen]:
    """``count`` `samvirke worker` processes, returned once RQ lists them all (start-up not measured)."""
    from rq import Worker

    from core.jobs.runner import redis_connection

    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_") and k != "SAMVIRKE_CONFIG"}
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        CROSS_TENANT_DATABASE_URL=app.config["CROSS_TENANT_DATABASE_URL"],
        REDIS_URL=app.config["REDIS_URL"],
        SAMVIRKE_TENANTS_DIR=app.config["TENANTS_DIR"],
        SAMVIRKE_ORGANISATIONS_DIR=app.config["ORGANISATIONS_DIR"],
    )
    processes = [
        subprocess.Popen(
            [SAMVIRKE, "worker"],
            cwd=ROOT,
            env=env,
            stdout=open(logs / f"worker-{i}.log", "wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for i in range(count)
    ]
    connection = redis_connection(app)
    deadline = time.monotonic() + 60
    while len({w.pid for w in Worker.all(connection=connection)} & {p.pid for p in processes}) < count:
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            raise RuntimeError(f"the workers did not start; see {logs}")
        time.sleep(0.1)
    return processes


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        process.wait(timeout=30)


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=98, help="tenants in all, the real ones included (default 98)")
    parser.add_argument("--period", default="2025", help="the billing period (default 2025)")
    parser.add_argument("--noop-jobs", type=int, default=300, help="no-op jobs per overhead measurement (default 300)")
    args = parser.parse_args(argv)
    if not (os.environ.get("TEST_DATABASE_URL") and os.environ.get("TEST_REDIS_URL")):
        print("set TEST_DATABASE_URL and TEST_REDIS_URL (scripts/services.sh start DIR prints them)", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)  # a log line per job would be measured too
    from rq import Queue, SimpleWorker

    from core.db import db
    from core.jobs.runner import QUEUE_NAME, enqueue, redis_connection

    scratch = Path(tempfile.mkdtemp(prefix="samvirke-bench-billing-"))
    (scratch / "tenants").mkdir()
    app, databases, tenants = _app(args.tenants, scratch / "tenants")
    rows: list[tuple[str, float, int, int]] = []  # label, seconds, runs, invoices
    try:
        # In-process: the embedded default runs each job as it is queued.
        app.config["REDIS_URL"] = ""
        seconds = _timed(lambda: _run_all(app, tenants, args.period))
        rows.append(("in-process (embedded, no Redis)", seconds, len(tenants), _check_and_purge(app)))

        app.config["REDIS_URL"] = os.environ["TEST_REDIS_URL"]
        with app.app_context():
            connection = redis_connection(app)
        queue = Queue(QUEUE_NAME, connection=connection)
        queue.empty()
        for count in (1, 2):
            workers = _workers(app, count, scratch)
            try:
                seconds = _timed(lambda: _wait(app, _run_all(app, tenants, args.period)))
            finally:
                _stop(workers)
            rows.append((f"samvirke worker x {count}", seconds, len(tenants), _check_and_purge(app)))

        # The overhead, one SimpleWorker in this process (what `samvirke worker` runs).
        n = args.noop_jobs
        per_job: list[tuple[str, float]] = []
        with app.app_context():
            for _ in range(n):
                queue.enqueue("bench.jobs.raw_noop")
            per_job.append(("raw RQ no-op job", _timed(lambda: SimpleWorker([queue], connection=connection).work(burst=True)) / n))
            for i in range(n):
                enqueue("bench.noop", tenants[i % len(tenants)])
            per_job.append(
                (
                    "Samvirke no-op job (job_runs, tenant context)",
                    _timed(lambda: SimpleWorker([queue], connection=connection).work(burst=True)) / n,
                )
            )
            db.session.remove()
        pairs = _run_all(app, tenants, args.period)
        with app.app_context():
            seconds = _timed(lambda: SimpleWorker([queue], connection=connection).work(burst=True))
            db.session.remove()
        _wait(app, pairs)
        invoices = _check_and_purge(app)
        per_job.append((f"invoice run of one tenant ({invoices / len(tenants):.1f} invoices)", seconds / len(tenants)))
    finally:
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
        databases.drop_all()

    print(f"\nInvoice run {args.period} for {len(tenants)} tenants\n")
    print(f"{'':36s} {'seconds':>8s} {'runs/s':>8s} {'invoices/s':>11s} {'invoices':>9s}")
    for label, seconds, runs, invoices in rows:
        print(f"{label:36s} {seconds:8.2f} {runs / seconds:8.1f} {invoices / seconds:11.1f} {invoices:9d}")
    print("\nPer job, one worker in-process (RQ SimpleWorker)\n")
    raw = per_job[0][1]
    for label, seconds in per_job:
        print(f"{label:50s} {1000 * seconds:8.2f} ms  {seconds / raw:6.1f} x raw")
    print(f"\njob overhead (Samvirke no-op - raw no-op): {1000 * (per_job[1][1] - raw):.2f} ms per job")
    return 0


if __name__ == "__main__":
    sys.exit(main())
