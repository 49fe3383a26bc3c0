"""A report export made in the background: its state while it runs, then the file, until it expires.

One shape, two owners. ``ReportExport`` (``report_exports``) is a tenant's:
tenant data (``TenantScoped``: the ORM filter and row-level security keep it
in its tenant) that only its owner may see. ``PlatformExport``
(``platform_exports``) is the platform's, for the national view's
cross-tenant aggregates: no tenant, and on PostgreSQL row-level security
lets the application's role reach a row only in the platform scope and only
for the person whose session it is (revision 0016). Every read filters on the
owner too. The file is kept in the row (no shared folder to secure) and
deleted with it when it expires (the purge jobs of ``core.reports.exports``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from core.model import Model
from core.tenancy.models import utcnow
from core.tenancy.scoped import TenantScoped

STATUSES = ("queued", "running", "done", "failed")
FORMATS = ("csv", "xlsx", "pdf", "html")


class ExportRecord:
    """The columns every export has, whoever owns it."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)

    @declared_attr
    def owner_user_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    report_key: Mapped[str] = mapped_column(String(120))
    format: Mapped[str] = mapped_column(String(8))
    # The loaded parameters as text (year, period, ...): no personal data.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    locale: Mapped[str] = mapped_column(String(5), default="da")
    disclose: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    error: Mapped[str | None] = mapped_column(Text)  # a sentence for the owner, never data
    filename: Mapped[str | None] = mapped_column(String(200))
    mimetype: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # loaded only for a download
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReportExport(TenantScoped, ExportRecord, Model):
    __tablename__ = "report_exports"
    __tenant_table_args__ = (
        Index("ix_report_exports_owner", "tenant_id", "owner_user_id", "created_at"),
        Index("ix_report_exports_expires_at", "expires_at"),
    )


class PlatformExport(ExportRecord, Model):
    """A national (cross-tenant, aggregated) export; ``coverage`` is whose agreements it covers."""

    __tablename__ = "platform_exports"
    __table_args__ = (
        Index("ix_platform_exports_owner", "owner_user_id", "created_at"),
        Index("ix_platform_exports_expires_at", "expires_at"),
    )

    # What the person covered when they asked, stated, never implied: "organisation:<id>" (a
    # national coordinator: that organisation's agreements) or "all" (a platform administrator).
    # The job reads the agreements with it; roles live on the session, which the job has not.
    coverage: Mapped[str] = mapped_column(String(40))
