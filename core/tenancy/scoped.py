"""The base for tenant-scoped models (no database handle needed here)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship


class TenantScoped:
    """Mixin for every model that holds one tenant's data.

    Gives the table an integer ``id``, a non-null ``tenant_id`` and a UNIQUE
    (tenant_id, id) that other tenant tables point their composite foreign
    keys at (see ``tenant_reference``). Queries on these models are filtered
    to the tenant in context and inserts are stamped with it
    (``core.tenancy.scoping``); nothing in a view has to remember.

    A model adds its own constraints in ``__tenant_table_args__``.
    """

    id: Mapped[int] = mapped_column(Integer, primary_key=True)

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenants.id"), nullable=False, index=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        extra = tuple(getattr(cls, "__tenant_table_args__", ()))
        return (*extra, UniqueConstraint("tenant_id", "id"))


def tenant_reference(column: str, target_table: str, *, ondelete: str | None = None) -> ForeignKeyConstraint:
    """A foreign key from ``column`` to ``target_table`` that includes the tenant.

    (tenant_id, column) -> target_table(tenant_id, id): the database itself
    refuses a row that points at another tenant's row. Put it in the model's
    ``__tenant_table_args__``.
    """
    return ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{target_table}.tenant_id", f"{target_table}.id"],
        ondelete=ondelete,
    )


def tenant_many_to_one(owner: str, target: str, fk: str, **kwargs: Any) -> Any:
    """``owner.<fk>`` -> ``target``, joined on the tenant too, writing only ``fk``.

    The tenant is stamped from the context, never copied by a relationship,
    so a model may have several references without their writes overlapping;
    the composite foreign key still makes the database check it.
    """
    return relationship(
        target,
        primaryjoin=f"and_(foreign({owner}.{fk}) == {target}.id, {owner}.tenant_id == {target}.tenant_id)",
        **kwargs,
    )


def tenant_one_to_many(owner: str, target: str, fk: str, **kwargs: Any) -> Any:
    """The collection side of ``tenant_many_to_one``: ``target.<fk>`` points at ``owner``."""
    return relationship(
        target,
        primaryjoin=f"and_({owner}.id == foreign({target}.{fk}), {owner}.tenant_id == {target}.tenant_id)",
        **kwargs,
    )
