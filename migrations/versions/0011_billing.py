"""billing: invoices and credit notes, their lines, runs, a number series per issuing organisation

- ``billing_invoices``, ``billing_invoice_lines``, ``billing_runs``: tenant data,
  row-level security like every tenant table. One invoice per agreement and
  billing period: a UNIQUE index over (agreement, period) for ``kind = 'invoice'``.
- ``billing_number_series``: one row per issuing organisation, not a tenant's.
  The application role sees and uses only the series of organisations party to
  an agreement in its signed tenant; the cross-tenant role all of them.

PostgreSQL triggers hold what the code holds:

- an invoice is inserted as a draft; once issued, only its state moves on
  (issued -> sent -> paid, or credited; a credit note issued -> sent) and the
  sending and payment are recorded once; it is never deleted, and its lines
  never change;
- issuing takes exactly the series' current number (the issuing transaction
  has just moved it), and the lines add up to the total;
- a series starts at 1, moves one step at a time, is never deleted, and at
  commit every number it has reached belongs to an invoice of that
  organisation: no number is consumed without an invoice.

The table owner (the migration role) may still delete, for a purge.

Revision ID: 0011_billing
Revises: 0010_rls_per_role
Create Date: 2026-12-12 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from core.tenancy import rls
from core.tenancy.rls import CROSS_POLICY, CROSS_ROLE, POLICY, disable_tenant_rls, enable_tenant_rls

revision = "0011_billing"
down_revision = "0010_rls_per_role"
branch_labels = None
depends_on = None

TENANT_TABLES = ("billing_runs", "billing_invoices", "billing_invoice_lines")

_OWNER = "pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')"

TRIGGERS = f"""
CREATE FUNCTION samvirke_billing_invoice_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  allowed text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.state <> 'draft' OR NEW.number IS NOT NULL THEN
      RAISE EXCEPTION 'an invoice is inserted as a draft without a number';
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'DELETE' THEN
    IF OLD.state <> 'draft' AND NOT {_OWNER} THEN
      RAISE EXCEPTION 'invoice % is issued and is never deleted', OLD.id;
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.state = 'draft' THEN
    IF NEW.state = 'draft' THEN
      IF NEW.number IS NOT NULL THEN
        RAISE EXCEPTION 'a draft has no number';
      END IF;
      RETURN NEW;
    END IF;
    IF NEW.state <> 'issued' THEN
      RAISE EXCEPTION 'a draft can only be issued';
    END IF;
    IF NEW.number IS DISTINCT FROM (SELECT last_number FROM billing_number_series WHERE organisation_id = NEW.issuer_organisation_id) THEN
      RAISE EXCEPTION 'invoice % must take the number its series has just reached', NEW.id;
    END IF;
    IF NEW.total IS DISTINCT FROM (SELECT coalesce(sum(amount), 0) FROM billing_invoice_lines WHERE invoice_id = NEW.id) THEN
      RAISE EXCEPTION 'invoice % total is not the sum of its lines', NEW.id;
    END IF;
    RETURN NEW;
  END IF;
  IF (NEW.tenant_id, NEW.kind, NEW.agreement_id, NEW.issuer_organisation_id, NEW.period_label, NEW.period_start, NEW.period_end,
      NEW.number, NEW.issue_date, NEW.due_date, NEW.currency, NEW.total, NEW.buyer_reference, NEW.contract_reference,
      NEW.supplier::jsonb, NEW.buyer::jsonb, NEW.payment::jsonb, NEW.credited_invoice_id, NEW.credit_reason,
      NEW.created_at, NEW.created_by, NEW.issued_at, NEW.id)
     IS DISTINCT FROM
     (OLD.tenant_id, OLD.kind, OLD.agreement_id, OLD.issuer_organisation_id, OLD.period_label, OLD.period_start, OLD.period_end,
      OLD.number, OLD.issue_date, OLD.due_date, OLD.currency, OLD.total, OLD.buyer_reference, OLD.contract_reference,
      OLD.supplier::jsonb, OLD.buyer::jsonb, OLD.payment::jsonb, OLD.credited_invoice_id, OLD.credit_reason,
      OLD.created_at, OLD.created_by, OLD.issued_at, OLD.id) THEN
    RAISE EXCEPTION 'invoice % is %: it never changes (correct it with a credit note)', OLD.id, OLD.state;
  END IF;
  IF (OLD.sent_at IS NOT NULL AND NEW.sent_at IS DISTINCT FROM OLD.sent_at)
     OR (OLD.sent_by IS NOT NULL AND NEW.sent_by IS DISTINCT FROM OLD.sent_by)
     OR (OLD.paid_on IS NOT NULL AND NEW.paid_on IS DISTINCT FROM OLD.paid_on)
     OR (OLD.paid_amount IS NOT NULL AND NEW.paid_amount IS DISTINCT FROM OLD.paid_amount)
     OR (OLD.paid_recorded_by IS NOT NULL AND NEW.paid_recorded_by IS DISTINCT FROM OLD.paid_recorded_by) THEN
    RAISE EXCEPTION 'invoice %: sending and payment are recorded once', OLD.id;
  END IF;
  IF NEW.state <> OLD.state THEN
    allowed := CASE
      WHEN OLD.kind = 'invoice' AND OLD.state = 'issued' THEN ARRAY['sent', 'paid', 'credited']
      WHEN OLD.kind = 'invoice' AND OLD.state = 'sent' THEN ARRAY['paid', 'credited']
      WHEN OLD.kind = 'invoice' AND OLD.state = 'paid' THEN ARRAY['credited']
      WHEN OLD.kind = 'credit_note' AND OLD.state = 'issued' THEN ARRAY['sent']
      ELSE ARRAY[]::text[] END;
    IF NOT NEW.state = ANY(allowed) THEN
      RAISE EXCEPTION 'invoice %: % -> % is not allowed', OLD.id, OLD.state, NEW.state;
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER billing_invoices_guard BEFORE INSERT OR UPDATE OR DELETE ON billing_invoices
  FOR EACH ROW EXECUTE FUNCTION samvirke_billing_invoice_guard();

CREATE FUNCTION samvirke_billing_line_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  invoice_state text;
BEGIN
  IF TG_OP = 'DELETE' AND {_OWNER} THEN
    RETURN OLD;
  END IF;
  SELECT state INTO invoice_state FROM billing_invoices
   WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.invoice_id ELSE NEW.invoice_id END;
  -- Not found: the invoice itself is being deleted (a draft, checked by its own trigger).
  IF invoice_state IS NOT NULL AND invoice_state <> 'draft' THEN
    RAISE EXCEPTION 'the lines of an issued invoice never change';
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.invoice_id IS DISTINCT FROM OLD.invoice_id THEN
    RAISE EXCEPTION 'a line stays on its invoice';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER billing_invoice_lines_guard BEFORE INSERT OR UPDATE OR DELETE ON billing_invoice_lines
  FOR EACH ROW EXECUTE FUNCTION samvirke_billing_line_guard();

CREATE FUNCTION samvirke_billing_series_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF NOT {_OWNER} THEN
      RAISE EXCEPTION 'an invoice-number series is never deleted';
    END IF;
    RETURN OLD;
  END IF;
  IF TG_OP = 'INSERT' AND NEW.last_number <> 1 THEN
    RAISE EXCEPTION 'a series starts at 1';
  END IF;
  IF TG_OP = 'UPDATE' AND (NEW.organisation_id <> OLD.organisation_id OR NEW.last_number <> OLD.last_number + 1) THEN
    RAISE EXCEPTION 'a series moves one number at a time';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER billing_number_series_guard BEFORE INSERT OR UPDATE OR DELETE ON billing_number_series
  FOR EACH ROW EXECUTE FUNCTION samvirke_billing_series_guard();

CREATE FUNCTION samvirke_billing_series_used() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM billing_invoices WHERE issuer_organisation_id = NEW.organisation_id AND number = NEW.last_number) THEN
    RAISE EXCEPTION 'number % of organisation % was taken without an invoice', NEW.last_number, NEW.organisation_id;
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER billing_number_series_used AFTER INSERT OR UPDATE ON billing_number_series
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION samvirke_billing_series_used();
"""

# A series is visible to the application role only for organisations party to an
# agreement in its signed tenant: it can number its own tenant's invoices, and
# read or move no other organisation's series.
SERIES_CONDITION = (
    "EXISTS (SELECT 1 FROM agreement_parties p WHERE p.organisation_id = billing_number_series.organisation_id "
    "AND p.tenant_id = (SELECT samvirke_rls_tenant()))"
)


def upgrade():
    op.create_table(
        "billing_number_series",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_billing_number_series_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_billing_number_series")),
    )
    op.create_table(
        "billing_runs",
        sa.Column("period_label", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("issue", sa.Boolean(), nullable=False),
        sa.Column("job_run_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("started_by", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["job_run_id"], ["job_runs.id"], name=op.f("fk_billing_runs_job_run_id_job_runs"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], name=op.f("fk_billing_runs_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_billing_runs_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_runs")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_billing_runs_tenant_id_id")),
    )
    with op.batch_alter_table("billing_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_billing_runs_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "billing_invoices",
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("issuer_organisation_id", sa.Integer(), nullable=False),
        sa.Column("period_label", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("buyer_reference", sa.String(length=60), nullable=False),
        sa.Column("contract_reference", sa.String(length=200), nullable=False),
        sa.Column("supplier", sa.JSON(), nullable=False),
        sa.Column("buyer", sa.JSON(), nullable=False),
        sa.Column("payment", sa.JSON(), nullable=False),
        sa.Column("credited_invoice_id", sa.Integer(), nullable=True),
        sa.Column("credit_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.String(length=60), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("paid_amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("paid_recorded_by", sa.String(length=60), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'credit_note') = (credited_invoice_id IS NOT NULL)", name=op.f("ck_billing_invoices_credit_note_refers")
        ),
        sa.CheckConstraint("(number IS NULL) = (state = 'draft')", name=op.f("ck_billing_invoices_numbered_when_issued")),
        sa.CheckConstraint("kind IN ('invoice', 'credit_note')", name=op.f("ck_billing_invoices_kind")),
        sa.CheckConstraint("period_start <= period_end", name=op.f("ck_billing_invoices_period")),
        sa.CheckConstraint("state IN ('draft', 'issued', 'sent', 'paid', 'credited')", name=op.f("ck_billing_invoices_state")),
        sa.CheckConstraint("total >= 0", name=op.f("ck_billing_invoices_total_not_negative")),
        sa.ForeignKeyConstraint(
            ["issuer_organisation_id"], ["organisations.id"], name=op.f("fk_billing_invoices_issuer_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "agreement_id"],
            ["agreements.tenant_id", "agreements.id"],
            name=op.f("fk_billing_invoices_tenant_id_agreement_id_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "credited_invoice_id"],
            ["billing_invoices.tenant_id", "billing_invoices.id"],
            name=op.f("fk_billing_invoices_tenant_id_credited_invoice_id_billing_invoices"),
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_billing_invoices_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_invoices")),
        sa.UniqueConstraint("issuer_organisation_id", "number", name=op.f("uq_billing_invoices_issuer_organisation_id_number")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_billing_invoices_tenant_id_id")),
    )
    with op.batch_alter_table("billing_invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_billing_invoices_agreement_id"), ["agreement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_billing_invoices_credited_invoice_id"), ["credited_invoice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_billing_invoices_issuer_organisation_id"), ["issuer_organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_billing_invoices_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_billing_invoices_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "uq_billing_invoices_agreement_period",
            ["agreement_id", "period_start", "period_end"],
            unique=True,
            postgresql_where=sa.text("kind = 'invoice'"),
            sqlite_where=sa.text("kind = 'invoice'"),
        )

    op.create_table(
        "billing_invoice_lines",
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["billing_invoices.tenant_id", "billing_invoices.id"],
            name=op.f("fk_billing_invoice_lines_tenant_id_invoice_id_billing_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_billing_invoice_lines_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_invoice_lines")),
        sa.UniqueConstraint("invoice_id", "position", name=op.f("uq_billing_invoice_lines_invoice_id_position")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_billing_invoice_lines_tenant_id_id")),
    )
    with op.batch_alter_table("billing_invoice_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_billing_invoice_lines_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_billing_invoice_lines_tenant_id"), ["tenant_id"], unique=False)

    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE billing_number_series ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE billing_number_series FORCE ROW LEVEL SECURITY")
        # Like the tenant policies since 0010: for the application's role (a member of the scoped group) only.
        scoped = getattr(rls, "SCOPED_ROLE", None)
        to = f" TO {scoped}" if scoped else ""
        op.execute(f"CREATE POLICY {POLICY} ON billing_number_series{to} USING ({SERIES_CONDITION}) WITH CHECK ({SERIES_CONDITION})")
        op.execute(f"CREATE POLICY {CROSS_POLICY} ON billing_number_series TO {CROSS_ROLE} USING (true) WITH CHECK (true)")
        op.execute(TRIGGERS)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for trigger, table in (
            ("billing_number_series_used", "billing_number_series"),
            ("billing_number_series_guard", "billing_number_series"),
            ("billing_invoice_lines_guard", "billing_invoice_lines"),
            ("billing_invoices_guard", "billing_invoices"),
        ):
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
        for function in ("series_used", "series_guard", "line_guard", "invoice_guard"):
            op.execute(f"DROP FUNCTION samvirke_billing_{function}()")
    for table in TENANT_TABLES:
        disable_tenant_rls(op, table)
    with op.batch_alter_table("billing_invoice_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_billing_invoice_lines_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_billing_invoice_lines_invoice_id"))
    op.drop_table("billing_invoice_lines")
    with op.batch_alter_table("billing_invoices", schema=None) as batch_op:
        batch_op.drop_index("uq_billing_invoices_agreement_period")
        batch_op.drop_index(batch_op.f("ix_billing_invoices_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_billing_invoices_state"))
        batch_op.drop_index(batch_op.f("ix_billing_invoices_issuer_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_billing_invoices_credited_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_billing_invoices_agreement_id"))
    op.drop_table("billing_invoices")
    with op.batch_alter_table("billing_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_billing_runs_tenant_id"))
    op.drop_table("billing_runs")
    op.drop_table("billing_number_series")  # its policies go with it
