from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.model import Model
from core.tenancy.models import TenantScoped, tenant_reference


class Household(TenantScoped, Model):
    __tablename__ = "example_households"

    name: Mapped[str] = mapped_column(String(100))
    # Free text for the partner's staff only (the "authority-free room").
    note: Mapped[str | None] = mapped_column(Text)
    # Counts written by the periodic job (to prove a job touches only its tenant).
    counted: Mapped[int] = mapped_column(default=0)

    members: Mapped[list[Member]] = relationship(back_populates="household", cascade="all, delete-orphan", order_by="Member.id")


class Member(TenantScoped, Model):
    __tablename__ = "example_members"
    __tenant_table_args__ = (tenant_reference("household_id", "example_households", ondelete="CASCADE"),)

    household_id: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(100))

    household: Mapped[Household] = relationship(back_populates="members")
