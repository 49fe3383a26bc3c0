"""The billing pages: runs with progress, invoices, documents, sent, paid, credit, the statement.

Who sees which invoice: the municipality's finance staff and platform
administrators every invoice of the tenant; a partner organisation's finance
staff only those their organisation issues (anything else answers 404 like a
missing id). The roles per route are in ``core.billing.plugin``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate
from sqlalchemy import select

from core.audit import record
from core.billing import messages
from core.billing.mapping import NotIssued, document_of, file_name, pdf_bytes
from core.billing.models import DRAFT, INVOICE, ISSUED, PAID, SENT, BillingRun, Invoice
from core.billing.periods import PeriodError, parse_period
from core.billing.services import BillingRefused, credit, credit_notes_of, issue_draft, mark_paid, mark_sent, open_amount
from core.calendar import copenhagen_today
from core.db import db
from core.identity import roles as R
from core.identity.sessions import current_principal
from core.partnerships.models import Agreement, AgreementParty, Organisation
from core.schemas import N_, Schema
from core.tenancy.web import get_or_404
from core.web.forms import form_fields, load_form

bp = Blueprint("billing", __name__, url_prefix="/<tenant>/billing")
PAGE_SIZE = 100


def init_billing_views(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_filter(messages.kroner, "billing_kroner")
    app.add_template_filter(messages.day, "billing_day")
    for name in ("reason_text", "state_label", "kind_label", "outcome_label"):
        app.add_template_global(getattr(messages, name), f"billing_{name}")


# --- who sees and does what ------------------------------------------------------------


def _organisation_scope(principal: Any) -> int | None:
    """The organisation a person acts for here (None: the municipality or a platform administrator)."""
    if principal is not None and principal.acts_for_organisation:
        return principal.organisation_id if principal.organisation_id is not None else -1  # -1: no organisation, nothing
    return None


def visible(query: Any) -> Any:
    scope = _organisation_scope(current_principal())
    return query if scope is None else query.where(Invoice.issuer_organisation_id == scope)


def _actor() -> str:
    principal = current_principal()
    if principal is None:  # the matrix lets no one anonymous this far
        abort(401)
    return principal.audit_label


def _may_write(principal: Any) -> bool:
    return principal is not None and (principal.is_platform_admin or R.PARTNER_FINANCE in principal.roles)


def _load(invoice_id: int) -> Invoice:
    invoice = get_or_404(Invoice, invoice_id)
    scope = _organisation_scope(current_principal())
    if scope is not None and invoice.issuer_organisation_id != scope:
        abort(404)  # another organisation's invoice looks missing
    return invoice


def _load_run(run_id: int) -> BillingRun:
    run = get_or_404(BillingRun, run_id)
    scope = _organisation_scope(current_principal())
    if scope is not None and run.organisation_id != scope:
        abort(404)
    return run


def _visible_agreements() -> list[Agreement]:
    query = select(Agreement).where(Agreement.active.is_(True)).order_by(Agreement.starts_on, Agreement.id)
    scope = _organisation_scope(current_principal())
    if scope is not None:
        query = query.where(Agreement.id.in_(select(AgreementParty.agreement_id).where(AgreementParty.organisation_id == scope)))
    return list(db.session.scalars(query))


# --- forms -------------------------------------------------------------------------------


class Kroner(fields.Decimal):
    """An amount in kroner as people write it: ``40000``, ``40.000,00`` or ``40000.50``."""

    def __init__(self, **kwargs: Any):
        super().__init__(places=2, validate=validate.Range(min=0, min_inclusive=False), **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        text = str(value).replace("kr.", "").replace("kr", "").replace(" ", "").replace("\u00a0", "").strip()
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite() or len(text) > 20 or amount >= Decimal("1e10"):  # NaN, Infinity, 1e999: not kroner
            raise ValidationError(_("Enter an amount in kroner, e.g. 40.000,00."))
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(_("Enter the amount in kroner and øre, at most 2 decimals."))
        return super()._deserialize(text, attr, data, **kwargs)


class RunSchema(Schema):
    period = fields.String(
        required=True,
        validate=validate.Length(max=10),
        metadata={"label": N_("Billing period"), "hint": N_("A year (2024), a quarter (2024-Q1) or a month (2024-03).")},
    )
    draft = fields.Boolean(load_default=False, metadata={"label": N_("Drafts only (issue them later)")})


class PaidSchema(Schema):
    paid_on = fields.Date(required=True, metadata={"label": N_("Paid on")})
    amount = Kroner(required=True, metadata={"label": N_("Amount paid")})


class CreditSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=500), metadata={"label": N_("Reason"), "widget": "textarea"})
    amount = Kroner(load_default=None, metadata={"label": N_("Amount"), "hint": N_("Leave empty to credit everything not yet credited.")})


# --- pages -------------------------------------------------------------------------------


def _render_index(*, values: Any = None, errors: dict[str, Any] | None = None, general: list[str] | None = None, status: int = 200):
    principal = current_principal()
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 100_000)  # bounded: no offset the database cannot hold
    invoices = db.session.scalars(
        visible(select(Invoice))
        .order_by(Invoice.period_start.desc(), Invoice.issuer_organisation_id, Invoice.number.desc(), Invoice.id.desc())
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    runs_query = select(BillingRun).order_by(BillingRun.id.desc()).limit(10)
    scope = _organisation_scope(principal)
    if scope is not None:
        runs_query = runs_query.where(BillingRun.organisation_id == scope)
    issuers = {o.id: o.name for o in db.session.scalars(select(Organisation))}
    return render_template(
        "billing/index.html",
        invoices=invoices[:PAGE_SIZE],
        more=len(invoices) > PAGE_SIZE,
        page=page,
        runs=db.session.scalars(runs_query).all(),
        issuers=issuers,
        may_run=_may_write(principal),
        run_fields=form_fields(RunSchema(), values or {}, errors) if _may_write(principal) else [],
        run_errors=general or [],
    ), status


@bp.get("/")
def index():
    return _render_index()


@bp.post("/runs")
def start_run():
    from core.billing.runs import start_runs

    principal = current_principal()
    data, errors = load_form(RunSchema(), request.form)
    if data is None:
        return _render_index(values=request.form, errors=errors, status=422)
    try:
        period = parse_period(data["period"])
    except PeriodError:
        errors = {"period": [_("Enter the period as a year (2024), a quarter (2024-Q1) or a month (2024-03).")]}
        return _render_index(values=request.form, errors=errors, status=422)
    organisation_id = _organisation_scope(principal)
    if organisation_id == -1:
        abort(403)
    (run_id,) = start_runs(period, tenant_ids=[g.tenant.id], organisation_id=organisation_id, issue=not data["draft"], actor=_actor())
    record("create", subject=f"billing-run:{run_id}", criterion=f"invoice run {period.label}")
    return redirect(url_for("billing.show_run", run_id=run_id), 303)


@bp.get("/runs/<int:run_id>")
def show_run(run_id: int):
    run = _load_run(run_id)
    job_failed = False
    if run.job_run_id is not None and run.state not in ("done", "failed"):
        from core.jobs.models import JobRun

        job_failed = db.session.scalar(select(JobRun.status).where(JobRun.id == run.job_run_id)) == "failed"
    ids = [i for r in run.results or [] for i in r.get("invoice_ids", [])]
    numbers = {i: n for i, n in db.session.execute(visible(select(Invoice.id, Invoice.number)).where(Invoice.id.in_(ids)))} if ids else {}
    response = Response(render_template("billing/run.html", run=run, job_failed=job_failed, numbers=numbers))
    if run.state not in ("done", "failed") and not job_failed:
        response.headers["Refresh"] = "2"  # the progress bar moves without script (the CSP allows none inline)
    return response


def _render_invoice(
    invoice: Invoice,
    *,
    status: int = 200,
    findings: list[Any] | None = None,
    errors: list[str] | None = None,
    forms: dict[str, Any] | None = None,
):
    principal = current_principal()
    forms = forms or {}
    may_write = _may_write(principal)
    agreement = db.session.get(Agreement, invoice.agreement_id)
    credited = db.session.get(Invoice, invoice.credited_invoice_id) if invoice.credited_invoice_id else None
    open_ = open_amount(invoice) if invoice.kind == INVOICE else None
    return render_template(
        "billing/invoice.html",
        invoice=invoice,
        agreement=agreement,
        credited=credited,
        credit_notes=credit_notes_of(invoice) if invoice.kind == INVOICE else [],
        open_amount=open_,
        issuer=db.session.get(Organisation, invoice.issuer_organisation_id),
        findings=findings or [],
        errors=errors or [],
        may_issue=may_write and invoice.state == DRAFT,
        may_send=may_write and invoice.state == ISSUED,
        may_pay=may_write and invoice.kind == INVOICE and invoice.state in (ISSUED, SENT),
        may_credit=may_write and invoice.kind == INVOICE and invoice.state in (ISSUED, SENT, PAID),
        paid_fields=form_fields(
            PaidSchema(), forms.get("paid", {"paid_on": copenhagen_today().isoformat(), "amount": open_}), forms.get("paid_errors")
        ),
        credit_fields=form_fields(CreditSchema(), forms.get("credit", {}), forms.get("credit_errors")),
    ), status


@bp.get("/invoices/<int:invoice_id>")
def show_invoice(invoice_id: int):
    return _render_invoice(_load(invoice_id))


def _download(invoice_id: int, kind: str) -> Any:
    from core.billing import documents

    invoice = _load(invoice_id)
    try:
        doc = document_of(invoice)
    except NotIssued:
        return _render_invoice(invoice, status=409, errors=[_("A draft has no document yet: issue it first.")])
    if kind == "pdf":
        body, mimetype, name = pdf_bytes(doc), "application/pdf", file_name(invoice, "pdf")
    else:
        body, mimetype, name = documents.ubl_xml(doc), "application/xml", file_name(invoice, "xml")
    record("export", subject=f"invoice:{invoice.id}", criterion=f"document {kind}")
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/invoices/<int:invoice_id>.pdf")
def invoice_pdf(invoice_id: int):
    return _download(invoice_id, "pdf")


@bp.get("/invoices/<int:invoice_id>.xml")
def invoice_xml(invoice_id: int):
    return _download(invoice_id, "xml")


def _refused(invoice_id: int, refused: BillingRefused, **forms: Any):
    db.session.rollback()
    return _render_invoice(_load(invoice_id), status=422, errors=[messages.reason_text(refused.code, refused.params)], forms=forms)


@bp.post("/invoices/<int:invoice_id>/issue")
def issue(invoice_id: int):
    invoice = _load(invoice_id)
    try:
        issue_draft(invoice, today=copenhagen_today())
    except BillingRefused as refused:
        return _refused(invoice_id, refused)
    record("change", subject=f"invoice:{invoice.id}", criterion="issued")
    flash(_("Invoice %(number)s is issued.", number=invoice.display_number), "success")
    return redirect(url_for("billing.show_invoice", invoice_id=invoice.id), 303)


@bp.post("/invoices/<int:invoice_id>/send")
def send(invoice_id: int):
    from core.billing import documents
    from core.billing.outbox import DocumentRefused, OutboxError, access_point_from_config
    from core.billing.outbox import send as deliver

    invoice = _load(invoice_id)
    if invoice.state != ISSUED:
        return _refused(invoice_id, BillingRefused("state", state=invoice.state, action=SENT))
    xml = documents.ubl_xml(document_of(invoice))
    try:
        # Validated by the outbox before any adapter sees it; delivering the same document twice is harmless.
        deliver(xml, access_point_from_config(current_app.config))
    except DocumentRefused as refused:
        record("refused", subject=f"invoice:{invoice.id}", criterion="document fails validation")
        fatal = [f for f in refused.findings if f.severity == "fatal"]
        message = messages.reason_text("invalid_document", {"count": len(fatal)})
        return _render_invoice(invoice, status=422, findings=refused.findings, errors=[message])
    except OutboxError as failed:
        return _render_invoice(invoice, status=503, errors=[str(failed.explanation)])
    try:
        mark_sent(invoice, actor=_actor())
    except BillingRefused as refused:
        return _refused(invoice_id, refused)
    record("change", subject=f"invoice:{invoice.id}", criterion="sent")
    flash(_("%(kind)s %(number)s is validated and sent.", kind=messages.kind_label(invoice.kind), number=invoice.display_number), "success")
    return redirect(url_for("billing.show_invoice", invoice_id=invoice.id), 303)


@bp.post("/invoices/<int:invoice_id>/paid")
def paid(invoice_id: int):
    invoice = _load(invoice_id)
    data, errors = load_form(PaidSchema(), request.form)
    if data is None:
        return _render_invoice(invoice, status=422, forms={"paid": request.form, "paid_errors": errors})
    try:
        mark_paid(invoice, paid_on=data["paid_on"], amount=data["amount"], actor=_actor(), today=copenhagen_today())
    except BillingRefused as refused:
        return _refused(invoice_id, refused, paid=request.form)
    record("change", subject=f"invoice:{invoice.id}", criterion="paid")
    flash(_("The payment of invoice %(number)s is recorded.", number=invoice.display_number), "success")
    return redirect(url_for("billing.show_invoice", invoice_id=invoice.id), 303)


@bp.post("/invoices/<int:invoice_id>/credit")
def credit_invoice(invoice_id: int):
    invoice = _load(invoice_id)
    data, errors = load_form(CreditSchema(), request.form)
    if data is None:
        return _render_invoice(invoice, status=422, forms={"credit": request.form, "credit_errors": errors})
    try:
        note = credit(invoice, reason=data["reason"], amount=data.get("amount"), actor=_actor(), today=copenhagen_today())
    except BillingRefused as refused:
        return _refused(invoice_id, refused, credit=request.form)
    record("create", subject=f"invoice:{note.id}", criterion=f"credit note for invoice {invoice.id}")
    flash(_("Credit note %(number)s is issued.", number=note.display_number), "success")
    return redirect(url_for("billing.show_invoice", invoice_id=note.id), 303)


@bp.get("/statement")
def statement():
    from core.billing.statement import statements

    scope = _organisation_scope(current_principal())
    rows = statements(_visible_agreements(), today=copenhagen_today(), organisation_id=scope)
    return render_template("billing/statement.html", statements=rows)


__all__ = ["bp", "init_billing_views", "visible"]
