"""The tenant table and the base for every tenant-scoped model."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.model import Model
from core.tenancy.scoped import TenantScoped, tenant_reference

__all__ = ["DirectoryVersion", "Tenant", "TenantProgramme", "TenantScoped", "tenant_reference"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Tenant(Model):
    """A municipality. Written only by ``samvirke tenants sync`` from ``tenants/``."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    municipality_code: Mapped[str] = mapped_column(String(3), unique=True)
    cvr: Mapped[str] = mapped_column(String(8))
    invoice_ean: Mapped[str] = mapped_column(String(13))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # From the tenant file's ``demo``: a demo tenant, labelled as such on the front page and in its header.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    identity_provider: Mapped[dict] = mapped_column(JSON, default=dict)
    # Which file last set this tenant, and its digest: a sync that finds the
    # same digest changes nothing.
    source_file: Mapped[str] = mapped_column(String(255))
    source_digest: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    programmes: Mapped[list[TenantProgramme]] = relationship(
        back_populates="tenant",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="TenantProgramme.programme_key",
    )

    @property
    def enabled_programmes(self) -> frozenset[str]:
        return frozenset(p.programme_key for p in self.programmes)

    def programme_settings(self, key: str) -> dict:
        """The tenant file's settings for one programme ({} when none)."""
        return next((dict(p.settings or {}) for p in self.programmes if p.programme_key == key), {})

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class TenantProgramme(Model):
    """A programme (plugin key) enabled for a tenant by its tenant file."""

    __tablename__ = "tenant_programmes"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    programme_key: Mapped[str] = mapped_column(String(60), primary_key=True)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)

    tenant: Mapped[Tenant] = relationship(back_populates="programmes")


class DirectoryVersion(Model):
    """One row: a counter raised by every write to the directory (tenants, their programmes,
    organisations, agreements), so each process can tell whether its cached copy is current
    (core/tenancy/directory.py)."""

    __tablename__ = "directory_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
