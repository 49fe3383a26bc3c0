"""``python -m bench generate | run | statements | national | cost``: see bench/README.md."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bench.profile import Profile
from bench.target import Target


def _generate(args: argparse.Namespace) -> int:
    from bench.setup import prepare

    target = Target()
    where = "PostgreSQL (BENCH_DATABASE_URL)" if target.postgres else f"SQLite {target.owner_url}"
    print(f"{args.tenants} fake tenants x {args.years} years into {where}")
    prepared = prepare(target, args.tenants, Profile(years=args.years), fresh=args.fresh)
    print(f"done in {prepared.seconds:.0f} s: {prepared.generated.total:,} rows")
    for table, n in prepared.generated.rows.most_common():
        print(f"  {table:45s} {n:>10,}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from bench.run import markdown, run, save

    target = Target()
    report = run(
        target,
        slug=args.tenant,
        scale=args.scale,
        seconds=args.seconds,
        connections=args.connections,
        workers=args.workers,
        jobs=args.jobs,
    )
    path = save(report, target.folder)
    print()
    print(markdown(report))
    print(f"\n(saved in {path} and report.json)")
    return 0


def _statements(args: argparse.Namespace) -> int:
    """Every page of a tenant (bench/pages.py), per admitted role: the statements it sends."""
    from flask import g

    from bench.counting import count_statements
    from bench.pages import TRIED_ROLES, tenant_pages
    from bench.principals import session_for
    from bench.setup import bench_app
    from core.db import db
    from core.tenancy.context import tenant_context
    from core.tenancy.models import Tenant

    app = bench_app(Target())
    organisation = {"partner_staff": args.organisation, "volunteer": args.organisation, "partner_finance": args.organisation}
    who = {role: session_for(app, role, args.tenant, organisation.get(role)) for role in TRIED_ROLES}
    with app.app_context():
        tenant = db.session.scalars(db.select(Tenant).where(Tenant.slug == args.tenant)).one()
        with app.test_request_context(f"/{args.tenant}/"), tenant_context(tenant.id):
            g.tenant = tenant
            pages = [
                (p, p.url(args.tenant))
                for p in tenant_pages(app, args.tenant, users={r: c.user_id for r, c in who.items() if c.user_id is not None})
            ]
        db.session.remove()
    client = app.test_client(use_cookies=False)
    rows: list[tuple[Any, ...]] = []
    for page, url in pages:
        headers = who[page.role].headers if page.role else {}
        client.get(url, headers=headers)
        with count_statements() as seen:
            status = client.get(url, headers=headers).status_code
        rows.append((page.endpoint, page.role or "public", status, seen.count, url))
    for endpoint, role, status, count, url in rows:
        print(f"{count:4d}  {status}  {role:16s} {endpoint:50s} {url}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Samvirke's benchmark (bench/README.md).")
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="build the bench database: fake tenants beside the real ones, bulk data")
    generate.add_argument("--tenants", type=int, default=98, help="fake municipalities (default 98)")
    generate.add_argument("--years", type=int, default=5, help="years of history each (default 5)")
    generate.add_argument("--fresh", action="store_true", help="drop the bench database first")
    generate.set_defaults(func=_generate)
    load = commands.add_parser("run", help="serve as in production beside hello-world, load both alternately with wrk, report")
    load.add_argument("--tenant", default="bench-001", help="the fake tenant whose pages are loaded")
    load.add_argument("--seconds", type=int, default=10, help="seconds per wrk run (default 10)")
    load.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    load.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2, as README's production section)")
    load.add_argument("--jobs", type=int, default=300, help="jobs per bench/jobs.py measurement (0: skip)")
    load.add_argument("--scale", default="98 x 5", help="what the data is, for the report (e.g. '98 x 5')")
    load.set_defaults(func=_run)
    statements = commands.add_parser("statements", help="statements per page of one tenant, every page and role")
    statements.add_argument("--tenant", default="fredericia")
    statements.add_argument("--organisation", default="modrehjaelpen", help="the organisation partner staff and volunteers act for")
    statements.set_defaults(func=_statements)
    national = commands.add_parser("national", help="the national view's server time against its raw SQL as the tables' owner")
    national.add_argument("--repeat", type=int, default=7, help="requests measured (the median is reported)")
    national.add_argument("--organisation", default="drc-integration", help="the national coordinator's organisation")
    national.add_argument("--year", type=int, default=None, help="the year asked for (default: the page's default)")
    national.set_defaults(func=lambda a: __import__("bench.national", fromlist=["main"]).main(a))
    cost = commands.add_parser("cost", help="per page, in-process as production serves it: CPU ms per request, statements, round trips")
    cost.add_argument("--tenant", default="bench-001", help="the fake tenant whose pages are measured")
    cost.add_argument("--repeat", type=int, default=30, help="requests measured per page (medians are reported)")
    cost.add_argument("only", nargs="*", help="only pages whose name contains one of these")
    cost.set_defaults(func=lambda a: __import__("bench.cost", fromlist=["main"]).main(a))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
