"""Jobs per second: a Samvirke job that does nothing, against a raw RQ job that does nothing.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
    TEST_REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m bench.jobs [--jobs 300] [--rounds 3]

(``scripts/services.sh start DIR`` prints both.) It makes a throw-away database
beside TEST_DATABASE_URL (migrated, the repository's tenants synced, the app
connected as ``samvirke_app`` as in production), empties the queue in
TEST_REDIS_URL, and measures, one worker each, draining N queued jobs:

- raw RQ: ``rq.Worker`` (a fork per job) and ``rq.SimpleWorker`` on a no-op function;
- Samvirke: ``bench.noop`` (a tenant job of this module, which is also its
  plugin) enqueued with ``core.jobs.enqueue`` over the tenants, worked by what
  ``samvirke worker`` runs (``core.jobs.worker.run_worker``), without and with
  ``--fork``. Where that module does not exist (an older tree) RQ's forking
  ``Worker`` is used, as ``samvirke worker`` then did.

The overhead of a Samvirke job is its time per job over raw RQ's with the same
kind of worker: each run is recorded in ``job_runs`` (queued, running,
succeeded), in its tenant's context under row-level security. The four
measurements run in turn, ``--rounds`` times, and the best round of each is
shown: on a machine busy with other work that is the one it disturbed least.
A benchmark, not a test: it prints a table and exits.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

from core.plugins import hookimpl
from core.plugins.types import JobDefinition

ROOT = Path(__file__).resolve().parent.parent


def noop(tenant_id: int) -> None:
    """The Samvirke job: nothing but what the platform does around it."""


def raw_noop() -> None:
    """The raw RQ job."""


@hookimpl
def samvirke_jobs() -> Iterable[JobDefinition]:
    return [JobDefinition(name="bench.noop", func=noop, description="Benchmark: does nothing")]


def _app():
    from sqlalchemy import select

    from core.db import db
    from core.migrations import upgrade_all
    from core.tenancy.models import Tenant
    from core.tenancy.sync import sync_tenants
    from core.testing.fixtures import PostgresDatabases, create_app_for_tests

    databases = PostgresDatabases(os.environ["TEST_DATABASE_URL"])
    app = create_app_for_tests(
        databases.create(),
        TENANTS_DIR=str(ROOT / "tenants"),
        ORGANISATIONS_DIR=str(ROOT / "organisations"),
        SAMVIRKE_EXTRA_PLUGINS=["bench.jobs"],
    )
    app.config["REDIS_URL"] = os.environ["TEST_REDIS_URL"]
    with app.app_context():
        upgrade_all()
        sync_tenants(app.config["TENANTS_DIR"], ["mother_groups", "open_counselling", "volunteer_association"])
        db.session.commit()
        tenants = list(db.session.scalars(select(Tenant.id).order_by(Tenant.id)))
        db.session.remove()
    return app, databases, tenants


def _timed(label: str, jobs: int, enqueue: Callable[[], object], work: Callable[[], object]) -> tuple[str, float, float]:
    started = time.perf_counter()
    enqueue()
    queued = time.perf_counter()
    work()
    done = time.perf_counter()
    return label, jobs / (queued - started), jobs / (done - queued)


def _best(rounds: list[list[tuple[str, float, float]]]) -> list[tuple[str, float, float]]:
    """Per measurement, its best round (the highest jobs/s): the one least disturbed by the machine's other work."""
    return [max((r[i] for r in rounds), key=lambda row: row[2]) for i in range(len(rounds[0]))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=300, help="jobs per measurement (default 300)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of all four measurements, alternating; the best of each is shown (default 3)"
    )
    args = parser.parse_args(argv)
    if not (os.environ.get("TEST_DATABASE_URL") and os.environ.get("TEST_REDIS_URL")):
        print("set TEST_DATABASE_URL and TEST_REDIS_URL (scripts/services.sh start DIR prints them)", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)  # one log line per job would be measured too
    from rq import Queue, SimpleWorker, Worker

    from core.jobs.runner import QUEUE_NAME, enqueue

    app, databases, tenants = _app()
    n = args.jobs
    rounds: list[list[tuple[str, float, float]]] = []
    try:
        with app.app_context():
            try:
                from core.jobs.runner import redis_connection

                connection = redis_connection(app)
            except ImportError:  # an older tree
                from redis import Redis

                connection = Redis.from_url(app.config["REDIS_URL"])
            queue = Queue(QUEUE_NAME, connection=connection)
            queue.empty()

            def raw_enqueue() -> None:
                for _ in range(n):
                    queue.enqueue("bench.jobs.raw_noop")

            def samvirke_enqueue() -> None:
                for i in range(n):
                    enqueue("bench.noop", tenants[i % len(tenants)])

            for _ in range(max(1, args.rounds)):
                results = []
                for label, worker_class in (("raw RQ no-op, Worker (fork)", Worker), ("raw RQ no-op, SimpleWorker", SimpleWorker)):
                    results.append(_timed(label, n, raw_enqueue, partial(worker_class([queue], connection=connection).work, burst=True)))
                try:
                    from core.jobs.worker import run_worker

                    for label, fork in (("Samvirke no-op, samvirke worker --fork", True), ("Samvirke no-op, samvirke worker", False)):
                        results.append(_timed(label, n, samvirke_enqueue, partial(run_worker, app, burst=True, fork=fork)))
                except ImportError:  # an older tree: `samvirke worker` was RQ's forking Worker
                    results.append(
                        _timed(
                            "Samvirke no-op, samvirke worker (Worker, fork)",
                            n,
                            samvirke_enqueue,
                            lambda: Worker([queue], connection=connection).work(burst=True),
                        )
                    )
                rounds.append(results)
    finally:
        from core.db import db

        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
        databases.drop_all()
    results = _best(rounds)
    raw = {"fork": results[0][2], "simple": results[1][2]}
    print(f"\n{n} jobs, one worker, best of {len(rounds)} rounds\n")
    print(f"{'':48s} {'enqueued/s':>10s} {'jobs/s':>8s} {'ms/job':>7s} {'x raw':>6s}")
    for label, enqueued, per_second in results:
        base = raw["fork"] if "fork" in label.lower() else raw["simple"]
        print(f"{label:48s} {enqueued:10.0f} {per_second:8.1f} {1000 / per_second:7.2f} {base / per_second:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
