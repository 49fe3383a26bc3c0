"""A report export made in the background: its state while it runs, then the file, until it expires.

Tenant data (``TenantScoped``: the ORM filter and row-level security keep it
in its tenant) that only its owner may see: every read filters on the owner
too. The file is kept in the row (no shared folder to secure) and deleted
with it when it expires (``core.purge_report_exports``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core.model import Model
from core.tenancy.models import utcnow
from core.tenancy.scoped import TenantScoped

STATUSES = ("queued", "running", "done", "failed")
FORMATS = ("csv", "xlsx", "pdf", "html")


class ReportExport(TenantScoped, Model):
    __tablename__ = "report_exports"
    __tenant_table_args__ = (
        Index("ix_report_exports_owner", "tenant_id", "owner_user_id", "created_at"),
        Index("ix_report_exports_expires_at", "expires_at"),
    )

    owner_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
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
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # loaded only for a download
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
