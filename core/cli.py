"""The ``samvirke`` command: a Flask CLI group around ``create_app``."""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from sqlalchemy import select

from core.db import db
from core.plugins.host import plugin_host
from core.plugins.scaffold.command import new_command
from core.schemas import N_
from core.tenancy.files import TenantFileError
from core.tenancy.models import Tenant


def _create_app(config: Any = None):
    from core.app import create_app

    return create_app(config)


class UserError(click.ClickException):
    """A mistake of the person at the keyboard (an unknown name, a bad value): one line, exit code 1, never a traceback.

    ``message`` is an English msgid (``N_``); ``samvirke`` shows it in the
    platform's default language (Danish), through the app's catalogue.
    """

    def __init__(self, message: str, **values: Any) -> None:
        self.msgid, self.values = str.__str__(message), values
        self.translated: str | None = None
        super().__init__(self.msgid % values if values else self.msgid)

    def translate(self, app: Any) -> None:
        from flask_babel import force_locale, gettext

        with app.app_context(), force_locale(app.config.get("BABEL_DEFAULT_LOCALE") or "da"):
            self.translated = gettext(self.msgid, **self.values)

    def format_message(self) -> str:
        return self.translated or self.message


def _user_error(exc: Exception) -> click.ClickException | None:
    """The message for an exception that is the input's fault, or None for a fault of the program (which keeps its traceback).

    Each known kind is named here, at one place for every command, so a new
    command gets the same treatment without a try/except of its own.
    """
    from core.billing.periods import PeriodError
    from core.jobs.runner import UnknownJob
    from core.partnerships.reminders import NoticeDateError
    from core.reports.params import BadParameters

    if isinstance(exc, UnknownJob):
        return UserError(N_("There is no job named %(name)s; `samvirke jobs list` shows the jobs."), name=repr(exc.name))
    if isinstance(exc, (TenantFileError, PeriodError, BadParameters, NoticeDateError)):
        return click.ClickException(str(exc))  # their messages name the file, field or value and what is accepted
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return UserError(N_("The file or folder %(path)s does not exist."), path=repr(exc.filename or str(exc)))
    if isinstance(exc, (PermissionError, IsADirectoryError)):
        return UserError(N_("%(path)s cannot be written or read here."), path=repr(exc.filename or str(exc)))
    return None


class _Group(FlaskGroup):
    """The ``samvirke`` group: a user error raised by any command below it becomes a message (see ``_user_error``)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            self._translate(ctx, exc)
            raise
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            mapped = _user_error(exc)
            if mapped is None:
                raise
            if isinstance(mapped, UserError):
                self._translate(ctx, mapped)
            raise mapped from None

    @staticmethod
    def _translate(ctx: click.Context, exc: UserError) -> None:
        from flask.cli import ScriptInfo

        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except Exception:  # no app to translate with: the English text stands
            return
        exc.translate(app)


@click.group(cls=_Group, create_app=_create_app, add_version_option=False, load_dotenv=False)
def main() -> None:
    """Samvirke: partnerships between municipalities and civil society."""


def register_cli(app) -> None:
    from core.billing.cli import billing
    from core.reports.cli import reports

    for command in (tenants, agreements, db_group, demo, plugins, jobs, worker, scheduler, serve, crypto, billing, reports):
        app.cli.add_command(command)


# --- tenants ---------------------------------------------------------------


@click.group(cls=AppGroup)
def tenants() -> None:
    """Tenants (municipalities) and their declarative files."""


@tenants.command("sync")
@click.option("--dir", "folder", type=click.Path(file_okay=False), help="Folder of tenant files (default: TENANTS_DIR).")
def tenants_sync(folder: str | None) -> None:
    """Apply the tenant folder: create, update, deactivate. Idempotent."""
    from core.tenancy.sync import sync_tenants

    try:
        report = sync_tenants(folder or current_app.config["TENANTS_DIR"], plugin_host().programmes())
    except TenantFileError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for kind in ("created", "updated", "deactivated"):
        for slug in getattr(report.organisations, kind):
            click.echo(f"{kind}: organisation {slug}")
        for slug in getattr(report, kind):
            click.echo(f"{kind}: {slug}")
    click.echo(f"{len(report.unchanged)} unchanged" if not report.changed else "done")


@tenants.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--all", "include_inactive", is_flag=True, help="Include deactivated tenants.")
def tenants_list(as_json: bool, include_inactive: bool) -> None:
    """List tenants."""
    query = select(Tenant).order_by(Tenant.slug)
    if not include_inactive:
        query = query.where(Tenant.active.is_(True))
    rows: list[dict[str, Any]] = [
        {
            "slug": t.slug,
            "name": t.name,
            "municipality_code": t.municipality_code,
            "cvr": t.cvr,
            "invoice_ean": t.invoice_ean,
            "active": t.active,
            "programmes": sorted(t.enabled_programmes),
            "source_file": t.source_file,
        }
        for t in db.session.scalars(query)
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(f"{r['slug']:<14} {r['municipality_code']}  {r['name']:<28} {', '.join(r['programmes']) or '-'}")


# --- agreements ------------------------------------------------------------


@click.group(cls=AppGroup)
def agreements() -> None:
    """Partnership agreements of a tenant."""


def _iso_date(ctx, param, value: str):
    """A date written YYYY-MM-DD (BadParameter, exit code 2, otherwise)."""
    from datetime import date

    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date as YYYY-MM-DD") from None


@agreements.command("notice")
@click.option("--tenant", "slug", required=True, help="Tenant slug.")
@click.option("--given", required=True, callback=_iso_date, help="The day notice would be given (YYYY-MM-DD).")
@click.option("--agreement", "key", default=None, help="One agreement's key (default: every agreement of the tenant).")
def agreements_notice(slug: str, given, key: str | None) -> None:
    """The earliest end of each agreement if notice is given on GIVEN (Danish working days, declared days off)."""
    from core.partnerships.models import Agreement
    from core.partnerships.reminders import NoticeDateError, earliest_end_for, notice_terms
    from core.tenancy.context import tenant_context

    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.active.is_(True)))
    if tenant is None:
        raise click.BadParameter(f"no active tenant {slug!r}", param_hint="--tenant")
    with tenant_context(tenant.id):
        query = select(Agreement).where(Agreement.active.is_(True)).order_by(Agreement.key)
        if key is not None:
            query = query.where(Agreement.key == key)
        found = db.session.scalars(query).all()
        if not found:
            if key is not None:
                raise click.BadParameter(f"tenant {slug!r} has no agreement {key!r}", param_hint="--agreement")
            click.echo(f"tenant {slug!r} has no agreements")
            return
        for agreement in found:
            try:
                outcome = f"earliest end {earliest_end_for(agreement, given).isoformat()}"
            except NoticeDateError as exc:
                when = "starts" if exc.reason == "before_start" else "ends"
                outcome = f"no notice on {given.isoformat()}: the agreement {when} {exc.limit.isoformat()}"
            click.echo(f"{agreement.key}: {notice_terms(agreement).describe()}; {outcome}")


# --- database --------------------------------------------------------------


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Database migrations: core and every plugin branch."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Migrate core to its head, then every installed plugin's branch."""
    from core.migrations import upgrade_all

    for branch in upgrade_all():
        click.echo(f"upgraded: {branch}")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--plugin", "branch", default="core", show_default=True, help="Branch (programme key) to add the revision to.")
@click.option("--autogenerate/--empty", default=True)
def db_revision(message: str, branch: str, autogenerate: bool) -> None:
    """Write a new revision on one lineage, comparing only that lineage's tables."""
    from alembic import command

    from core.migrations import alembic_config, lineages

    found = {m.branch: m for m in lineages()}
    if branch not in found:
        raise click.BadParameter(f"no lineage {branch!r}; known: {', '.join(found)}", param_hint="--plugin")
    config = alembic_config()
    config.cmd_opts = type("Opts", (), {"x": [f"lineage={branch}"]})()
    command.revision(config, message=message, autogenerate=autogenerate, head=f"{branch}@head", version_path=str(found[branch].path))


@db_group.command("heads")
def db_heads() -> None:
    """Show the head of every lineage."""
    from core.migrations import lineages, script_directory

    script = script_directory()
    for lineage in lineages():
        for head in script.get_revisions(f"{lineage.branch}@head"):
            click.echo(f"{lineage.branch:<24} {head.revision}  {head.doc}")


# --- field encryption -------------------------------------------------------


@click.group(cls=AppGroup)
def crypto() -> None:
    """Encrypted columns (CPR numbers) and their keys (FIELD_ENCRYPTION_KEY)."""


@crypto.command("rotate")
def crypto_rotate() -> None:
    """Re-encrypt every encrypted column under the newest key: one transaction per tenant.

    Run it after putting a new key first (FIELD_ENCRYPTION_KEYS, or
    FIELD_ENCRYPTION_KEY with the previous one in FIELD_ENCRYPTION_OLD_KEYS);
    when it reports no failures, the old keys can be removed. Safe to run again.
    """
    from cryptography.fernet import InvalidToken

    from core.crypto import encrypted_columns, rotate_rows
    from core.tenancy.context import tenant_context

    columns = encrypted_columns(db.metadata)
    click.echo("encrypted columns: " + (", ".join(str(c) for c in columns) or "none"))
    failed = []
    # Every tenant, deactivated ones too: their rows are still stored.
    scopes = [(tid, slug) for tid, slug in db.session.execute(select(Tenant.id, Tenant.slug).order_by(Tenant.slug))]
    db.session.commit()
    for tenant_id, label in [*scopes, (None, "(tables without tenant)")]:
        try:
            if tenant_id is None:
                counts = list(rotate_rows(db.session, columns, None))
            else:
                with tenant_context(tenant_id):
                    counts = list(rotate_rows(db.session, columns, tenant_id))
            db.session.commit()
        except InvalidToken:
            db.session.rollback()
            failed.append(label)
            click.echo(f"{label}: a value opens with none of the configured keys; nothing changed for it", err=True)
            continue
        if tenant_id is not None or any(n for _, n in counts):
            click.echo(f"{label}: {sum(n for _, n in counts)} values re-encrypted")
    if failed:
        click.echo(f"failed: {', '.join(failed)} (add the key they were written with to the old keys and run again)", err=True)
        sys.exit(1)
    click.echo("done: every value is encrypted under the newest key")


# --- demo data, plugins, jobs ------------------------------------------------


@click.group(cls=AppGroup)
def demo() -> None:
    """Demo data."""


@demo.command("load")
def demo_load() -> None:
    """Load every enabled plugin's demo data into every active tenant."""
    from core.demo import load_demo_data

    for slug in load_demo_data():
        click.echo(f"demo data: {slug}")


@click.group(cls=AppGroup)
def plugins() -> None:
    """Installed plugins."""


plugins.add_command(new_command(_create_app))  # `samvirke plugins new` (core/plugins/scaffold/)


@plugins.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins_list(as_json: bool) -> None:
    """Each plugin with its programme and the hooks it implements."""
    rows: list[dict[str, Any]] = [
        {
            "name": p.name,
            "programme": None
            if p.programme is None
            else {
                "key": p.programme.key,
                "name": str(p.programme.name),  # in the platform's language (Danish), as the CLI speaks
            },
            "hooks": list(p.hooks),
        }
        for p in plugin_host().plugins()
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        key = r["programme"]["key"] if r["programme"] else "-"
        click.echo(f"{r['name']:<40} {key:<24} {len(r['hooks'])} hooks")


@plugins.command("permissions")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins_permissions(as_json: bool) -> None:
    """The permissions plugins declare, with the roles granted them (groups expanded)."""
    from core.identity.permissions import permissions

    rows = [{"name": p.name, "description": str(p.description), "roles": list(p.roles)} for p in permissions()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(f"{r['name']:<40} {', '.join(r['roles']):<48} {r['description']}")


@click.group(cls=AppGroup)
def jobs() -> None:
    """Background jobs."""


@jobs.command("list")
def jobs_list() -> None:
    """Every job, with its schedule."""
    from core.jobs.runner import registry

    for name, (programme, job) in sorted(registry().items()):
        click.echo(f"{name:<40} {job.cron or 'on demand':<16} {programme or 'core'}")


@jobs.command("failed")
@click.option("--json", "as_json", is_flag=True)
def jobs_failed(as_json: bool) -> None:
    """Failed job runs with their errors (newest first)."""
    from core.jobs.runner import failed_runs

    rows: list[dict[str, Any]] = [
        {
            "id": r.id,
            "job": r.job_name,
            "tenant_id": r.tenant_id,
            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            "error": r.error,
        }
        for r in failed_runs()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(f"#{r['id']} {r['job']} tenant={r['tenant_id']} {r['finished_at']}\n    {r['error']}")


@jobs.command("run")
@click.argument("name")
@click.option("--tenant", "slug", default=None, help="Tenant slug (tenant jobs; a platform job takes none).")
def jobs_run(name: str, slug: str | None) -> None:
    """Queue one job for one tenant, or a platform job (runs at once without Redis)."""
    from core.jobs.runner import UnknownJob, enqueue, registry

    found = registry().get(name)
    if found is None:
        raise UnknownJob(name)
    platform = found[1].scope == "platform"
    if platform and slug is not None:
        raise UserError(N_("%(name)s is a platform job: run it without --tenant."), name=name)
    if not platform and slug is None:
        raise UserError(N_("%(name)s runs for one tenant: give --tenant."), name=name)
    tenant_id = None
    if slug is not None:
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.active.is_(True)))
        if tenant is None:
            raise UserError(N_("There is no active tenant %(slug)s; `samvirke tenants list` shows them."), slug=repr(slug))
        tenant_id = tenant.id
    run = enqueue(name, tenant_id)
    click.echo(f"job run #{run.id}: {run.status}" if run else "already queued")


@click.command()
@with_appcontext
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--fork", is_flag=True, help="Run each job in a forked work horse (RQ's Worker) instead of in the worker process.")
def worker(burst: bool, fork: bool) -> None:
    """Run an RQ worker (needs REDIS_URL); see core/jobs/worker.py."""
    from core.jobs.worker import run_worker

    if not current_app.config["REDIS_URL"]:
        raise click.UsageError("REDIS_URL is not set: without Redis, jobs run in-process and need no worker.")
    run_worker(current_app._get_current_object(), burst=burst, fork=fork)  # type: ignore[attr-defined]


@click.command()
@with_appcontext
def scheduler() -> None:
    """Enqueue the periodic jobs plugins declare, on their cron schedules (needs REDIS_URL)."""
    from redis import Redis
    from rq.cron import CronScheduler

    from core.jobs.runner import QUEUE_NAME, dispatch_periodic, periodic_jobs, use_danish_time_for_cron

    url = current_app.config["REDIS_URL"]
    if not url:
        raise click.UsageError("REDIS_URL is not set: the embedded default runs periodic jobs in `samvirke serve`.")
    use_danish_time_for_cron()  # rq.cron reads cron in local time: Danish, as the embedded scheduler does
    cron = CronScheduler(connection=Redis.from_url(url))
    for name, expression in periodic_jobs():
        cron.register(dispatch_periodic, QUEUE_NAME, args=(name,), cron=expression)
        click.echo(f"scheduled: {name} ({expression})")
    cron.start()


def _embedded_scheduler(app) -> None:
    from core.jobs.runner import EMBEDDED_TICK, run_due_periodic_jobs

    def loop() -> None:
        since = datetime.now(UTC)
        while True:
            time.sleep(EMBEDDED_TICK.total_seconds())
            until = datetime.now(UTC)
            with app.app_context():
                try:
                    run_due_periodic_jobs(since, until)
                except Exception:
                    app.logger.exception("periodic jobs failed")
                finally:
                    db.session.remove()
            since = until

    threading.Thread(target=loop, name="samvirke-scheduler", daemon=True).start()


@click.command()
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def serve(host: str, port: int) -> None:
    """Serve the embedded default (development server, periodic jobs in-process)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types the proxy as Flask
    if app.config["EMBEDDED_SCHEDULER"] and not app.config["REDIS_URL"]:
        _embedded_scheduler(app)
    from werkzeug.serving import run_simple

    # Flask's app.run() declines to run inside a CLI command; werkzeug's server is what it would use.
    run_simple(host, port, app, threaded=True, use_reloader=False)
