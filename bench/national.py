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


def breakdown(app: Any, who: Any, url: str, repeat: int) -> dict[str, float]:
    """Median ms per request of: the whole request, disclosure control (protect + audit), the charts, the template."""
    import core.national.report as national_report
    import core.national.views as views
    import core.reports.charts as charts
    import core.reports.engine as engine

    client = app.test_client(use_cookies=False)
    client.get(url, headers=who.headers)
    parts: dict[str, list[float]] = {"request": [], "protect": [], "charts": [], "page": []}
    undo = [
        _timed(engine, "protect", parts["protect"]),  # the tables the engine protects itself (a programme's old national table)
        _timed(national_report, "protect", parts["protect"]),  # each programme's canonical table set
        _timed(charts, "render_charts", parts["charts"]),
        _timed(views, "render_template", parts["page"]),
    ]
    try:
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url, headers=who.headers)
            parts["request"].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
    finally:
        for u in undo:
            u()
    per_request = {k: v for k, v in parts.items() if k != "protect"}
    out = {k: statistics.median(v) if v else 0.0 for k, v in per_request.items()}
    calls = max(1, len(parts["protect"]) // max(1, repeat))  # protect runs once per programme per request
    out["protect"] = statistics.median([sum(parts["protect"][i : i + calls]) for i in range(0, len(parts["protect"]), calls)] or [0.0])
    return out


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


def run(repeat: int = 7, organisation: str = DRC, year: int | None = None) -> dict[str, Any]:
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
    parts = breakdown(app, who, f"/national/?year={year}", repeat)
    made = files(app, who, year)
    return {"timing": timing, "parts": parts, "files": made, "year": year}


def markdown(result: dict[str, Any]) -> str:
    t, p = result["timing"], result["parts"]
    ratio = t["request_ms"] / t["sql_as_owner_ms"] if t["sql_as_owner_ms"] else float("inf")
    lines = [
        f"National view, year {result['year']} (median of the requests, in-process):",
        "",
        "| measure | ms |",
        "|---|---:|",
        f"| request (server time) | {t['request_ms']:.1f} |",
        f"| its {int(t['cross_tenant_queries'])} cross-tenant queries replayed as the tables' owner | {t['sql_as_owner_ms']:.1f} |",
        f"| the same as the cross-tenant role | {t['sql_as_cross_role_ms']:.1f} |",
        f"| of the request: disclosure control (protect + LP audit) | {p['protect']:.1f} |",
        f"| of the request: charts (pygal) | {p['charts']:.1f} |",
        f"| of the request: the page (template) | {p['page']:.1f} |",
        "",
        f"Statements per request: {int(t['statements'])}. Ratio request / SQL as owner: {ratio:.2f} "
        f"(target <= {TARGET_RATIO}: {'met' if ratio <= TARGET_RATIO else 'not met'}).",
        "",
        "| file | ms | bytes |",
        "|---|---:|---:|",
        *(f"| {fmt} | {ms:.0f} | {size:,} |" for fmt, (ms, size) in result["files"].items()),
    ]
    return "\n".join(lines)


def main(args: Any) -> int:
    print(markdown(run(repeat=args.repeat, organisation=args.organisation, year=args.year)))
    return 0
