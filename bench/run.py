"""The load run: the app served as in production next to hello-world, measured alternately, and its report.

For each page, ``wrk`` loads the hello-world app and then the page for the
same number of seconds with the same connections, so both see the same
machine at nearly the same moment; the ratio is the page's requests/s over
that hello-world run's. Afterwards, in-process: the SQL statements each page
sends (on the fake tenant and on a real tenant with the demo data), the
national view's time against its own SQL replayed as the tables' owner (no
row-level security) and as the cross-tenant role, the workers' memory, and
``bench/jobs.py``'s jobs/s against raw RQ when that module is there.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from bench.counting import count_statements
from bench.load import Server, WrkResult, status_of, wrk
from bench.principals import Credentials, api_token_for, session_for
from bench.setup import bench_app
from bench.target import Target
from config import ROOT

DRC = "drc-integration"
MH = "modrehjaelpen"
DEMO_TENANT = "fredericia"  # the real tenant with all three programmes and the demo data


@dataclass
class PageRun:
    name: str
    path: str
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    not_ok: int = 0
    hello_rps: float = 0.0
    statements: int | None = None
    settings: int | None = None
    demo_statements: int | None = None

    @property
    def ratio(self) -> float:
        return self.rps / self.hello_rps if self.hello_rps else 0.0


@dataclass
class Report:
    scale: str
    started: str
    seconds_per_run: int
    connections: int
    workers: int
    pages: list[PageRun] = field(default_factory=list)
    hello_rps: list[float] = field(default_factory=list)
    worker_rss_mb: list[float] = field(default_factory=list)
    national: dict[str, float] = field(default_factory=dict)
    jobs: str = ""

    def as_json(self) -> str:
        data = asdict(self)
        for page, run in zip(data["pages"], self.pages, strict=True):
            page["ratio"] = run.ratio
        return json.dumps(data, indent=2)


def _running_course(app: Flask, slug: str) -> int:
    """The running course with the most sessions (the page with the longest list)."""
    from core.db import db
    from core.tenancy.context import tenant_context
    from core.tenancy.models import Tenant
    from plugins.mother_groups.models import Course, CourseSession

    with app.app_context():
        tenant_id = db.session.scalars(select(Tenant.id).where(Tenant.slug == slug)).one()
        with tenant_context(tenant_id):
            found = db.session.scalar(
                select(Course.id)
                .join(CourseSession, CourseSession.course_id == Course.id)
                .where(Course.status.in_(("running", "completed")))
                .group_by(Course.id)
                .order_by(func.count(CourseSession.id).desc(), Course.id.desc())
                .limit(1)
            )
        db.session.remove()
    if found is None:
        raise LookupError(f"{slug} has no course: generate the data first")
    return found


def page_plan(app: Flask, slug: str) -> list[tuple[str, str, Credentials]]:
    """(name, path, who) of each page measured in ``slug``: the issue's pages, as the people who use them."""
    municipal = session_for(app, "municipal_staff", slug)
    drc = session_for(app, "partner_staff", slug, DRC)
    mh = session_for(app, "partner_staff", slug, MH)
    api = api_token_for(app, slug, MH)
    course = _running_course(app, slug)
    return [
        # The floor: the app's cheapest answers (one statement; signed in, no data), then the pages.
        ("floor: /healthz", "/healthz", Credentials({})),
        ("floor: reports list (signed in)", f"/{slug}/reports/", municipal),
        ("tenant home", f"/{slug}/", municipal),
        ("course page", f"/{slug}/mother_groups/courses/{course}", drc),
        ("mother groups overview", f"/{slug}/mother_groups/", drc),
        ("counselling contacts list", f"/{slug}/open_counselling/", mh),
        ("shop shifts", f"/{slug}/volunteer_association/", mh),
        ("shop hours and expenses", f"/{slug}/volunteer_association/shop/", mh),
        ("volunteer registry", f"/{slug}/volunteers/", mh),
        ("API contacts list", f"/{slug}/api/v1/open_counselling/contacts", api),
        ("report: courses", f"/{slug}/reports/mother_groups.course", municipal),
        ("report: counselling annual", f"/{slug}/reports/open_counselling.annual", municipal),
        ("report: shop month", f"/{slug}/reports/volunteer_association.shop_month", municipal),
    ]


def _statements(app: Flask, path: str, who: Credentials) -> tuple[int, int]:
    """(statements, of which settings) of the second request of ``path`` in-process."""
    client = app.test_client(use_cookies=False)  # the credentials' own cookie, not one the app sets back
    client.get(path, headers=who.headers)
    with count_statements() as seen:
        response = client.get(path, headers=who.headers)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code} in-process")
    return seen.count, seen.settings


def national_timing(app: Flask, target: Target, who: Credentials, repeat: int = 7) -> dict[str, float]:
    """The national view in-process (median ms) against its cross-tenant SQL replayed as owner and as the cross role."""
    import psycopg
    from sqlalchemy.engine import make_url

    client = app.test_client(use_cookies=False)
    client.get("/national/", headers=who.headers)
    times = []
    for _ in range(repeat):
        with count_statements() as seen:
            started = time.perf_counter()
            response = client.get("/national/", headers=who.headers)
            times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"/national/ answered {response.status_code}")
    queries = [s for s in seen.queries() if s.cross_tenant]

    def replay(url: str) -> float:
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        runs = []
        with psycopg.connect(conninfo, autocommit=True) as connection:
            for _ in range(repeat):
                started = time.perf_counter()
                for statement in queries:
                    connection.execute(statement.sql, statement.parameters).fetchall()
                runs.append((time.perf_counter() - started) * 1000)
        return statistics.median(runs)

    return {
        "request_ms": statistics.median(times),
        "statements": float(seen.count),
        "cross_tenant_queries": float(len(queries)),
        "sql_as_owner_ms": replay(target.owner_url),
        "sql_as_cross_role_ms": replay(target.cross_url),
    }


def jobs_table(target: Target, jobs: int) -> str:
    """bench/jobs.py's table (H4's: Samvirke jobs/s against raw RQ), when the module is there."""
    if not (ROOT / "bench" / "jobs.py").exists():
        return "(bench/jobs.py not present)"
    env = {**os.environ, "TEST_DATABASE_URL": target.admin_url or "", "TEST_REDIS_URL": target.redis_url}
    done = subprocess.run(
        [sys.executable, "-m", "bench.jobs", "--jobs", str(jobs)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800
    )
    return done.stdout.strip() or done.stderr.strip()[-2000:]


def run(
    target: Target,
    *,
    slug: str,
    scale: str,
    seconds: int,
    connections: int,
    workers: int = 2,
    jobs: int = 300,
    log: Any = print,
) -> Report:
    if not target.postgres or not target.redis_url:
        raise SystemExit("the load run serves the production configuration: set BENCH_DATABASE_URL and BENCH_REDIS_URL")
    app = bench_app(target)
    plan = page_plan(app, slug)
    demo_plan = {name: (path, who) for name, path, who in page_plan(app, DEMO_TENANT)}
    coordinator = session_for(app, "national_coordinator", None, DRC)
    plan.insert(6, ("/national/ (DRC coordinator)", "/national/", coordinator))
    report = Report(scale=scale, started=date.today().isoformat(), seconds_per_run=seconds, connections=connections, workers=workers)
    logs = target.folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = target.production_env()
    served = Server("core.app:create_app()", env, workers=workers, log=logs / "app.log")
    hello = Server("bench.hello:app", env, workers=workers, log=logs / "hello.log")
    served.start("/healthz")
    hello.start("/")
    try:
        for name, path, who in plan:
            status = status_of(served.base + path, who.headers)
            if status != 200:
                raise RuntimeError(f"{name}: {path} answered {status} from the production server")
        log("warming up")
        for _, path, who in plan:
            wrk(served.base + path, who.headers, seconds=2, connections=connections)
        wrk(hello.base + "/", {}, seconds=2, connections=connections)
        for name, path, who in plan:
            base: WrkResult = wrk(hello.base + "/", who.headers, seconds=seconds, connections=connections)
            measured = wrk(served.base + path, who.headers, seconds=seconds, connections=connections)
            run = PageRun(
                name, path, measured.requests_per_second, measured.p50_ms, measured.p99_ms, measured.not_ok, base.requests_per_second
            )
            report.pages.append(run)
            report.hello_rps.append(base.requests_per_second)
            log(f"{name:32s} {run.rps:8.1f} req/s  p50 {run.p50_ms:7.1f} ms  p99 {run.p99_ms:7.1f} ms  x{run.ratio:.3f} of hello-world")
        report.worker_rss_mb = served.worker_rss_mb()
    finally:
        served.stop()
        hello.stop()
    log("statements per page (in-process)")
    for run_, (name, path, who) in zip(report.pages, plan, strict=True):
        run_.statements, run_.settings = _statements(app, path, who)
        if name in demo_plan:
            run_.demo_statements = _statements(app, *demo_plan[name])[0]
    run_national = next(r for r in report.pages if r.path == "/national/")
    run_national.demo_statements = run_national.statements
    log("national view against its SQL")
    report.national = national_timing(app, target, coordinator)
    if jobs:
        log("jobs (bench/jobs.py)")
        report.jobs = jobs_table(target, jobs)
    return report


def markdown(report: Report) -> str:
    lines = [
        f"Scale: {report.scale}; gunicorn sync `-w {report.workers}`, PostgreSQL as the app role; `wrk -t1 -c{report.connections}`, "
        f"{report.seconds_per_run} s per run, hello-world and page alternating; {report.started}.",
        "",
        "| page | req/s | p50 ms | p99 ms | hello-world req/s | ratio | SQL statements (demo tenant → bench tenant) | of which set_config |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for p in report.pages:
        demo = "–" if p.demo_statements is None else str(p.demo_statements)
        errors = f" ({p.not_ok} not 2xx)" if p.not_ok else ""
        lines.append(
            f"| {p.name}{errors} | {p.rps:.1f} | {p.p50_ms:.1f} | {p.p99_ms:.1f} | {p.hello_rps:.0f} | {p.ratio:.3f} | "
            f"{demo} → {p.statements} | {p.settings} |"
        )
    n = report.national
    lines += [
        "",
        f"National view in-process: {n.get('request_ms', 0):.1f} ms (median), {n.get('statements', 0):.0f} statements, "
        f"{n.get('cross_tenant_queries', 0):.0f} of them cross-tenant queries; those queries replayed: "
        f"{n.get('sql_as_owner_ms', 0):.1f} ms as the tables' owner (no row-level security), "
        f"{n.get('sql_as_cross_role_ms', 0):.1f} ms as the cross-tenant role; "
        f"request / owner SQL = {n.get('request_ms', 0) / max(n.get('sql_as_owner_ms', 0), 0.001):.2f}×.",
        "",
        "Web worker RSS after the run: " + ", ".join(f"{mb:.0f} MB" for mb in report.worker_rss_mb),
    ]
    if report.jobs:
        lines += ["", "Jobs (bench/jobs.py):", "", "```", report.jobs, "```"]
    return "\n".join(lines)


def save(report: Report, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(report.as_json())
    path = folder / "report.md"
    path.write_text(markdown(report) + "\n")
    return path
