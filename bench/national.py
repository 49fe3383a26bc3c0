"""``python -m bench national``: the national view's server time against the raw SQL it needs, as the tables' owner.

In-process (one request at a time, no network): the dashboard for a national
coordinator of DRC Integration (every fake municipality's agreement names
it), the median of ``--repeat`` requests, beside its cross-tenant queries
replayed on a plain psycopg connection as the tables' owner (no row-level
security, no ORM) and as the cross-tenant role. Also: where the request's
time goes (the figures' SQL, disclosure control with its LP audit, the
charts, the page), and each file format. Needs ``python -m bench generate``
first; PostgreSQL only (the replay is of PostgreSQL's SQL).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.run import DRC, national_timing
from bench.target import Target

TARGET_RATIO = 1.5


def _timed(module: Any, name: str, spent: list[float]) -> Callable[[], None]:
    """Wrap ``module.name`` to add its time to ``spent``; returns the undo."""
    original = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append((time.perf_counter() - started) * 1000)

    setattr(module, name, wrapper)
    return lambda: setattr(module, name, original)


# Where a request's time goes: each part's functions, timed wherever the request calls them.
PARTS = ("sql", "agreed", "protect", "cells", "charts", "page")


def breakdown(app: Any, who: Any, url: str, repeat: int, *, fresh_charts: bool = False) -> dict[str, float]:
    """Median ms per request of the whole request and of its parts: the figures' SQL (the agreements, each
    programme's aggregate, what was invoiced), the agreed co-financing (billing-rule previews, Python),
    disclosure control (protect + audit), the cells put into words, the charts, the template."""
    import core.national.figures as figures
    import core.national.report as national_report
    import core.national.views as views
    import core.reports.charts as charts
    import core.reports.engine as engine

    client = app.test_client(use_cookies=False)
    client.get(url, headers=who.headers)
    parts: dict[str, list[float]] = {"request": [], **{p: [] for p in PARTS}}
    per_request: dict[str, list[float]] = {p: [] for p in PARTS}
    # The agreements' query sits where the page's report is prepared (views, or the module it calls).
    scope_holders = [m for m in (views, _module("core.national.exports")) if m is not None and hasattr(m, "coverage")]
    undo = [
        *(_timed(m, "coverage", parts["sql"]) for m in scope_holders),
        _timed(figures, "programme", parts["sql"]),
        _timed(figures, "invoiced", parts["sql"]),
        _timed(figures, "agreed", parts["agreed"]),
        _timed(engine, "protect", parts["protect"]),  # the tables the engine protects itself (a programme's old national table)
        _timed(national_report, "protect", parts["protect"]),  # each programme's canonical table set
        _timed(engine, "_render_table", parts["cells"]),
        _timed(charts, "render_charts", parts["charts"]),
        _timed(views, "render_template", parts["page"]),
    ]
    try:
        for _ in range(repeat):
            seen = {p: len(parts[p]) for p in PARTS}
            if fresh_charts:
                charts._DRAWINGS.clear()  # a first view: every chart drawn by pygal again
            started = time.perf_counter()
            response = client.get(url, headers=who.headers)
            parts["request"].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            for p in PARTS:  # a part may run several times a request (once per programme, per table)
                per_request[p].append(sum(parts[p][seen[p] :]))
    finally:
        for u in reversed(undo):
            u()
    out = {"request": statistics.median(parts["request"])}
    out.update({p: statistics.median(v) if v else 0.0 for p, v in per_request.items()})
    return out


def _module(name: str) -> Any:
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def interleaved(app: Any, target: Target, who: Any, url: str, repeat: int) -> dict[str, float]:
    """The request and its cross-tenant SQL replayed as the tables' owner, one after the other in each round.

    On a machine shared with other work the load moves by a factor of two within a minute; a ratio of
    two medians taken a minute apart measures the load as much as the page. Here each round times the
    request and then its own SQL at once, and the ratio is the median of the rounds' ratios.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    from bench.counting import count_statements

    client = app.test_client(use_cookies=False)
    with count_statements() as seen:
        if client.get(url, headers=who.headers).status_code != 200:
            raise RuntimeError(f"{url} did not answer 200")
    queries = [s for s in seen.queries() if s.cross_tenant]
    conninfo = make_url(target.owner_url).set(drivername="postgresql").render_as_string(hide_password=False)
    requests, sql, ratios = [], [], []
    with psycopg.connect(conninfo, autocommit=True) as connection:
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url, headers=who.headers)
            requests.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            for statement in queries:
                connection.execute(statement.sql, statement.parameters).fetchall()
            sql.append((time.perf_counter() - started) * 1000)
            ratios.append(requests[-1] / sql[-1])
    return {
        "request_ms": statistics.median(requests),
        "sql_as_owner_ms": statistics.median(sql),
        "ratio": statistics.median(ratios),
        "statements": float(seen.count),
        "cross_tenant_queries": float(len(queries)),
    }


def files(app: Any, who: Any, year: int) -> dict[str, tuple[float, int]]:
    client = app.test_client(use_cookies=False)
    out = {}
    for fmt in ("csv", "xlsx", "html", "pdf"):
        started = time.perf_counter()
        response = client.get(f"/national/download?format={fmt}&year={year}", headers=who.headers)
        if response.status_code != 200:
            raise RuntimeError(f"{fmt} answered {response.status_code}")
        out[fmt] = ((time.perf_counter() - started) * 1000, len(response.data))
    return out


def run(repeat: int = 7, organisation: str = DRC, year: int | None = None, with_files: bool = True) -> dict[str, Any]:
    from bench.principals import session_for
    from bench.setup import bench_app
    from core.reports.params import default_year

    target = Target()
    if not target.postgres:
        raise SystemExit("python -m bench national replays PostgreSQL's SQL: set BENCH_DATABASE_URL (bench/README.md)")
    app = bench_app(target)
    who = session_for(app, "national_coordinator", None, organisation)
    year = year or default_year()
    timing = national_timing(app, target, who, repeat=repeat)
    paired = interleaved(app, target, who, "/national/", repeat)
    parts = breakdown(app, who, f"/national/?year={year}", repeat)
    fresh = breakdown(app, who, f"/national/?year={year}", repeat, fresh_charts=True)
    made = files(app, who, year) if with_files else {}
    return {"timing": timing, "interleaved": paired, "parts": parts, "fresh": fresh, "files": made, "year": year, "repeat": repeat}


def markdown(result: dict[str, Any]) -> str:
    t, p, i, f = result["timing"], result["parts"], result["interleaved"], result["fresh"]
    ratio = t["request_ms"] / t["sql_as_owner_ms"] if t["sql_as_owner_ms"] else float("inf")
    lines = [
        f"National view, year {result['year']} (median of the requests, in-process):",
        "",
        "| measure | ms |",
        "|---|---:|",
        f"| request (server time) | {t['request_ms']:.1f} |",
        f"| its {int(t['cross_tenant_queries'])} cross-tenant queries replayed as the tables' owner | {t['sql_as_owner_ms']:.1f} |",
        f"| the same as the cross-tenant role | {t['sql_as_cross_role_ms']:.1f} |",
        f"| the request again, with its parts timed | {p['request']:.1f} |",
        f"| of it: the figures' SQL (agreements, each programme's aggregate, invoiced) | {p['sql']:.1f} |",
        f"| of it: co-financing agreed (billing-rule previews) | {p['agreed']:.1f} |",
        f"| of it: disclosure control (protect + LP audit) | {p['protect']:.1f} |",
        f"| of it: the cells put into words | {p['cells']:.1f} |",
        f"| of it: charts (pygal) | {p['charts']:.1f} |",
        f"| of it: the page (template) | {p['page']:.1f} |",
        f"| the request with every chart drawn afresh (a first view; charts are kept per content) | {f['request']:.1f} |",
        f"| of it: charts (pygal) | {f['charts']:.1f} |",
        "",
        f"Statements per request: {int(t['statements'])}. Ratio request / SQL as owner: {ratio:.2f} "
        f"(target <= {TARGET_RATIO}: {'met' if ratio <= TARGET_RATIO else 'not met'}).",
        "",
        f"Interleaved (each round: the request, then its SQL as the owner; median of {result.get('repeat', '')} rounds): "
        f"request {i['request_ms']:.1f} ms, SQL {i['sql_as_owner_ms']:.1f} ms, ratio {i['ratio']:.2f} "
        f"(target <= {TARGET_RATIO}: {'met' if i['ratio'] <= TARGET_RATIO else 'not met'}).",
        "",
        "| file | ms | bytes |",
        "|---|---:|---:|",
        *(f"| {fmt} | {ms:.0f} | {size:,} |" for fmt, (ms, size) in result["files"].items()),
    ]
    return "\n".join(lines)


def main(args: Any) -> int:
    print(markdown(run(repeat=args.repeat, organisation=args.organisation, year=args.year)))
    return 0
