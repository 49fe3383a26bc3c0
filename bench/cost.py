"""``python -m bench cost``: what one request of each page costs, in-process, as the production configuration serves it.

Per page of the load run (``bench.run.page_plan``), one request at a time: the
CPU time of this process per request (median), which a busy machine disturbs
far less than wall time or wrk's throughput; the wall time (median); the SQL
statements; and the round trips to PostgreSQL, every wait of a psycopg
connection on the server (statements, ``BEGIN``, ``COMMIT``/``ROLLBACK``, pool
pings). Comparing two trees on one machine: run it in each, one after the other.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from bench.counting import count_statements
from bench.target import Target


def _count_round_trips() -> list[int]:
    """Counts every ``psycopg.Connection.wait`` (one exchange with the server) of the process."""
    import psycopg

    counter = [0]
    original = psycopg.Connection.wait

    def wait(self: Any, *args: Any, **kwargs: Any) -> Any:
        counter[0] += 1
        return original(self, *args, **kwargs)

    psycopg.Connection.wait = wait  # type: ignore[method-assign]
    return counter


def main(args: Any) -> int:
    from bench.run import page_plan
    from bench.setup import bench_app

    target = Target()
    if not target.postgres:
        raise SystemExit("cost measures the production configuration: set BENCH_DATABASE_URL and BENCH_REDIS_URL")
    plan = page_plan(bench_app(target), args.tenant)
    os.environ.update(target.production_env())
    from core.app import create_app

    app = create_app()
    trips = _count_round_trips()
    client = app.test_client(use_cookies=False)
    print("| page | CPU ms per request | wall ms | SQL statements | round trips |")
    print("|---|---:|---:|---:|---:|")
    for name, path, who in plan:
        if args.only and not any(part in name for part in args.only):
            continue
        for _ in range(3):  # what a process caches is filled
            client.get(path, headers=who.headers, base_url="https://localhost")
        cpu, wall = [], []
        trips[0] = 0
        for _ in range(args.repeat):
            started, used = time.perf_counter(), time.process_time()
            status = client.get(path, headers=who.headers, base_url="https://localhost").status_code
            cpu.append((time.process_time() - used) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"{name}: {path} answered {status}")
        round_trips = trips[0] / args.repeat
        with count_statements() as seen:
            client.get(path, headers=who.headers, base_url="https://localhost")
        print(f"| {name} | {statistics.median(cpu):.2f} | {statistics.median(wall):.1f} | {seen.count} | {round_trips:.1f} |", flush=True)
    return 0
