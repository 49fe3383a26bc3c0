"""Exactly one invoice per agreement and period with real RQ workers on PostgreSQL, whatever happens.

Two `samvirke worker` processes and a Redis of the test's own; the real tenants plus 30 fake ones
(bench/tenants.py), each with DRC Integration's staircase and Mødrehjælpen's quarterly agreement,
so both organisations' series run through 40 tenants at once:

- concurrent runs of the same period;
- workers SIGKILLed at random points while they run a job (at least 20 times), then a rerun;
- Redis killed and restarted mid-run, then a rerun.

Each ends with zero duplicates, zero missing invoices, zero gaps in any series, and no invoice
without its lines or its number.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import ROOT
from core.db import db
from core.tenancy.context import cross_tenant, tenant_context
from tests.billing.helpers import purge_billing, with_staircase_end

pytestmark = pytest.mark.skipif(
    not (os.environ.get("TEST_DATABASE_URL") and os.environ.get("TEST_REDIS_URL")),
    reason="PostgreSQL and Redis only (TEST_DATABASE_URL, TEST_REDIS_URL)",
)
FAKE_TENANTS = 15
SAMVIRKE = str(Path(sys.executable).with_name("samvirke"))
# `samvirke worker --fork` runs each job in a forked work horse (where the option exists).
FORK_OPTION = "--fork" in subprocess.run([SAMVIRKE, "worker", "--help"], capture_output=True, text=True, cwd=ROOT).stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A Redis of this test's own (no persistence: a restart loses every queued job)."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        binary = shutil.which("redis-server") or "redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        from redis import Redis

        for _ in range(100):
            try:
                if Redis.from_url(self.url).ping():
                    return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


class Workers:
    """`samvirke worker` processes, each in a process group of its own (the worker and its work horse)."""

    def __init__(self, app, redis_url: str, folder: Path, logs: Path):
        self.redis_url, self.logs = redis_url, logs
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_") and k != "SAMVIRKE_CONFIG"}
        self.env.update(
            DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
            CROSS_TENANT_DATABASE_URL=app.config["CROSS_TENANT_DATABASE_URL"],
            REDIS_URL=redis_url,
            SAMVIRKE_TENANTS_DIR=str(folder),
            SAMVIRKE_ORGANISATIONS_DIR=str(ROOT / "organisations"),
        )
        self.processes: list[subprocess.Popen] = []

    def start(self, count: int = 1, *, fork: bool = False) -> None:
        for _ in range(count):
            command = [SAMVIRKE, "worker", *(["--fork"] if fork else [])]
            # The child keeps its own copy of the file descriptor; ours is closed at once (an open
            # handle left to the garbage collector is a ResourceWarning, an error in this suite).
            with open(self.logs / f"worker-{len(self.processes)}.log", "wb") as log:
                process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            process.forks = fork  # type: ignore[attr-defined]
            self.processes.append(process)

    def horse_of(self, process: subprocess.Popen) -> int | None:
        """The work horse a forking worker runs its job in (None: none now, or not forking)."""
        try:
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        except OSError:
            return None
        return int(children[0]) if children else None

    def alive(self) -> list[subprocess.Popen]:
        return [p for p in self.processes if p.poll() is None]

    def kill(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def busy(self) -> list[subprocess.Popen]:
        """Live workers running a job right now (RQ's own record of them)."""
        from redis import Redis
        from rq import Worker

        try:
            busy_pids = {w.pid for w in Worker.all(connection=Redis.from_url(self.redis_url)) if w.get_current_job_id()}
        except Exception:
            return []
        return [p for p in self.alive() if p.pid in busy_pids]

    def stop(self) -> None:
        for process in self.alive():
            self.kill(process)


@pytest.fixture(scope="module")
def world(database_factory, tmp_path_factory):
    from bench.tenants import write_tenant_folder
    from core.testing.fixtures import build_app

    folder = tmp_path_factory.mktemp("tenants")
    write_tenant_folder(folder, FAKE_TENANTS, years=2, today=date(2026, 6, 1))
    with_staircase_end(folder, "2026-12-31")
    app = build_app(database_factory(), TENANTS_DIR=str(folder), ORGANISATIONS_DIR=str(ROOT / "organisations"))
    redis = RedisServer(tmp_path_factory.mktemp("redis"))
    app.config["REDIS_URL"] = redis.url
    workers = Workers(app, redis.url, folder, tmp_path_factory.mktemp("logs"))
    workers.start(2)
    yield app, redis, workers
    workers.stop()
    redis.kill()
    app.config["REDIS_URL"] = ""
    purge_billing(app)


def _tenants(app) -> list[int]:
    from core.tenancy.models import Tenant

    with app.app_context():
        ids = list(db.session.scalars(select(Tenant.id).where(Tenant.active.is_(True)).order_by(Tenant.id)))
        db.session.remove()
    return ids


def _start(app, periods: list[str]) -> list[tuple[int, int]]:
    """Queue a run of every tenant for each period (through RQ); returns (tenant, run) pairs."""
    from core.billing.periods import parse_period
    from core.billing.runs import start_runs

    tenants = _tenants(app)
    pairs = []
    with app.app_context():
        for period in periods:
            runs = start_runs(parse_period(period), tenant_ids=tenants, organisation_id=None, issue=True, actor="test")
            pairs += list(zip(tenants, runs, strict=True))
        db.session.remove()
    return pairs


def _wait(app, pairs, timeout: float, workers: Workers | None = None) -> None:
    """Until every run is done, restarting (as a supervisor would) any worker that died."""
    from core.billing.runs import wait_for

    deadline = time.monotonic() + timeout
    with app.app_context():
        while not wait_for(pairs, timeout=1, poll=0.2):
            assert time.monotonic() < deadline, "the runs did not finish"
            if workers is not None and len(workers.alive()) < 2:
                workers.start(2 - len(workers.alive()))
        db.session.remove()


def _expected(app, periods: list[str]) -> set[tuple[int, int, str]]:
    """(tenant, agreement, canonical period) of every invoice the agreements give for the periods (computed, nothing written)."""
    from core.billing.periods import parse_period
    from core.billing.services import BillingRefused, plan
    from core.partnerships.models import Agreement

    keys = set()
    with app.app_context():
        for tenant_id in _tenants(app):
            with tenant_context(tenant_id):
                for agreement in db.session.scalars(
                    select(Agreement).where(Agreement.active.is_(True), Agreement.declared_status != "draft")
                ):
                    for period in periods:
                        try:
                            planned = plan(agreement, parse_period(period))
                        except BillingRefused:
                            continue
                        keys |= {(tenant_id, agreement.id, p.period.label) for p in planned if p.total > 0}
        db.session.remove()
    return keys


def _check(app, expected: set[tuple[int, int, str]]) -> int:
    """Zero duplicates, zero missing, zero gaps, nothing half-written; returns the number of invoices."""
    from core.billing.models import Invoice, InvoiceItem, NumberSeries

    with app.app_context(), cross_tenant("test: every invoice"):
        lines = (
            select(InvoiceItem.invoice_id, func.sum(InvoiceItem.amount).label("sum"), func.count().label("n"))
            .group_by(InvoiceItem.invoice_id)
            .subquery()
        )
        rows = db.session.execute(
            select(
                Invoice.tenant_id,
                Invoice.agreement_id,
                Invoice.period_label,
                Invoice.issuer_organisation_id,
                Invoice.number,
                Invoice.state,
                Invoice.total,
                lines.c.sum,
                lines.c.n,
            ).outerjoin(lines, lines.c.invoice_id == Invoice.id)
        ).all()
        last = dict(db.session.execute(select(NumberSeries.organisation_id, NumberSeries.last_number)).all())
        db.session.remove()
    keys = [(r.tenant_id, r.agreement_id, r.period_label) for r in rows]
    assert len(keys) == len(set(keys)), "duplicates"
    assert set(keys) == expected, f"missing {len(expected - set(keys))}, unexpected {len(set(keys) - expected)}"
    for r in rows:
        assert r.state == "issued" and r.number is not None, r
        assert r.n and Decimal(r.sum) == r.total, f"half-written invoice {r}"
    numbers: dict[int, list[int]] = {}
    for r in rows:
        numbers.setdefault(r.issuer_organisation_id, []).append(r.number)
    for organisation, used in numbers.items():
        assert sorted(used) == list(range(1, len(used) + 1)), f"gaps or reuse in organisation {organisation}'s series"
        assert last[organisation] == len(used), "a number taken without an invoice"
    assert set(last) == set(numbers)
    return len(rows)


def test_two_workers_running_the_same_period_at_once_write_each_invoice_once(world):
    app, _redis, _workers = world
    periods = ["2024"]
    pairs = _start(app, periods) + _start(app, periods)  # the same period twice, both queued at once
    _wait(app, pairs, timeout=60)
    count = _check(app, _expected(app, periods))
    assert count >= FAKE_TENANTS * 5  # a staircase year and four quarters each


def test_workers_killed_mid_job_twenty_times_then_a_rerun(world):
    """SIGKILL at a random point of a running job, at least 20 times: the whole worker (it runs its jobs
    itself, as `samvirke worker` does by default), or the work horse of a `--fork` worker."""
    app, _redis, workers = world
    periods = ["2025-Q1", "2025-Q2"]
    # Four during the kills (two forking), so the kills are not paced by the workers' start-up.
    workers.start(2, fork=FORK_OPTION)
    pairs = _start(app, periods)
    kills = {"worker": 0, "horse": 0}
    deadline, rng = time.monotonic() + 60, random.Random(12)
    while sum(kills.values()) < 20 and time.monotonic() < deadline:
        busy = workers.busy()
        if not busy:
            from redis import Redis

            if Redis.from_url(workers.redis_url).llen("rq:queue:samvirke") == 0:
                pairs += _start(app, [rng.choice(periods)])  # more work to be killed in (reruns write nothing new)
            time.sleep(0.02)
            continue
        time.sleep(rng.uniform(0, 0.05))  # a random point in the job
        horses = [(p, workers.horse_of(p)) for p in busy if getattr(p, "forks", False)]
        horses = [(p, h) for p, h in horses if h is not None]
        victim = rng.choice(busy)
        horse = None
        if horses and (kills["worker"] >= 5 or rng.random() < 0.6):
            victim, horse = rng.choice(horses)
        if horse is not None:
            os.kill(horse, signal.SIGKILL)
            kills["horse"] += 1
        else:
            workers.kill(victim)
            kills["worker"] += 1
            workers.start(1, fork=getattr(victim, "forks", False))
    print(f"kills while a job ran: {kills} in {time.monotonic() - deadline + 60:.1f} s")
    assert sum(kills.values()) >= 20, f"only {kills} kills landed while a job was running"
    assert kills["worker"] >= 5, kills
    for process in workers.alive()[2:]:  # back to two
        workers.kill(process)
    from redis import Redis
    from rq import Queue

    Queue("samvirke", connection=Redis.from_url(workers.redis_url)).empty()  # what was left queued is lost
    started = time.monotonic()
    rerun = _start(app, periods)
    _wait(app, rerun, timeout=90, workers=workers)
    print(f"rerun: {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    _check(app, _expected(app, ["2024", *periods]))
    print(f"check: {time.monotonic() - started:.1f} s")


def test_redis_restarted_mid_run_then_a_rerun(world):
    app, redis, workers = world
    periods = ["2026-Q1", "2026-Q2"]
    _start(app, periods)
    deadline = time.monotonic() + 20
    while not workers.busy() and time.monotonic() < deadline:
        time.sleep(0.02)
    redis.kill()  # everything queued is lost with it
    time.sleep(0.3)
    redis.start()
    rerun = _start(app, periods)
    _wait(app, rerun, timeout=60, workers=workers)  # RQ workers exit when Redis goes: the supervisor brings them back
    _check(app, _expected(app, ["2024", "2025-Q1", "2025-Q2", *periods]))
