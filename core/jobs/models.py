"""The record of every job run (platform-level, read by administrators)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Model
from core.tenancy.models import utcnow


class JobRun(Model):
    __tablename__ = "job_runs"
    # A periodic run is identified by its job, where it runs and its due time:
    # a second scheduler or a re-delivered dispatch cannot make it run twice.
    # (scope_key, not tenant_id, because NULLs never collide in a UNIQUE.)
    __table_args__ = (UniqueConstraint("job_name", "scope_key", "run_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_name: Mapped[str] = mapped_column(String(120), index=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    scope_key: Mapped[str] = mapped_column(String(30))  # "tenant:<id>" or "platform"
    run_key: Mapped[str | None] = mapped_column(String(60))
    # Ids and flags only: plugin authors pass no personal data to jobs.
    kwargs: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
