"""The ORM session that keeps every statement inside the tenant in context.

Scoping lives here, in one place, so no view or job has to remember it:

- SELECT, UPDATE and DELETE on tenant-scoped models get a
  ``tenant_id = :current`` criterion (``do_orm_execute`` +
  ``with_loader_criteria``), including relationship and column loads.
- ``Session.get`` may answer from the identity map without SQL; it is
  re-checked here so an object of another tenant already in the session is
  not handed out.
- Before every flush, new rows are stamped with the tenant and any row whose
  tenant differs from the context is refused.

Inside ``cross_tenant(reason)`` the session sends its statements to the
cross-tenant bind (``CROSS_TENANT_DATABASE_URL``, a role of its own), so the
wall in PostgreSQL does not rest on anything the application role can set.
A unit of work that mixes both holds two connections: commit what the other
side must see before switching.

Known limit: statements run on the engine or a Core connection bypass the ORM;
PostgreSQL row-level security is the second wall for those.
"""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria

from core.tenancy.context import (
    CrossTenantWrite,
    cross_tenant_reason,
    current_tenant_id,
    reading_for_reports,
    require_tenant_id,
)
from core.tenancy.rls import install_session_hooks
from core.tenancy.scoped import TenantScoped

# The bind key of the cross-tenant engine (core.db adds it; core.db imports this module).
CROSS_TENANT_BIND = "cross_tenant"
# The bind key of the reporting replica (REPORTING_DATABASE_URL), for cross-tenant reads in reporting_reads().
REPORTING_BIND = "reporting"


class TenantSession(FlaskSQLAlchemySession):
    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        # Inside cross_tenant() every statement goes to the cross-tenant bind
        # (its own database role, see core.tenancy.rls) when one is configured.
        if bind is None and cross_tenant_reason() is not None:
            engine = (self._db.engines.get(REPORTING_BIND) if reading_for_reports() else None) or self._db.engines.get(CROSS_TENANT_BIND)
            if engine is not None:
                return engine
        return super().get_bind(mapper, clause, bind, **kwargs)

    def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        obj = super().get(entity, ident, **kwargs)
        return _visible_or_none(obj)

    def get_one(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        from sqlalchemy.orm.exc import NoResultFound

        obj = self.get(entity, ident, **kwargs)
        if obj is None:
            raise NoResultFound("No row was found when one was required")
        return obj


def _visible_or_none(obj: Any) -> Any:
    """Hide an identity-map hit that belongs to another tenant."""
    if obj is None or not isinstance(obj, TenantScoped):
        return obj
    if cross_tenant_reason() is not None:
        return obj
    return obj if obj.tenant_id == require_tenant_id() else None


def _touches_tenant_data(state: ORMExecuteState) -> bool:
    for mapper in state.all_mappers:
        if issubclass(mapper.class_, TenantScoped):
            return True
    return False


install_session_hooks(TenantSession)


@event.listens_for(TenantSession, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if cross_tenant_reason() is not None:
        return
    tenant_id = current_tenant_id()
    if tenant_id is None:
        if _touches_tenant_data(state):
            require_tenant_id()  # raises with the explanation
        return
    state.statement = state.statement.options(_tenant_criterion(tenant_id))


# One option per tenant id, built once per process: building it (and tracking its lambda) cost
# more than the rest of the scoping on every statement. Bounded, as the tenants are.
_CRITERIA: dict[int, Any] = {}
_MAX_CRITERIA = 10_000


def _tenant_criterion(tenant_id: int) -> Any:
    """``tenant_id = :tenant`` on every tenant-scoped entity of a statement, for ``tenant_id``.

    The criterion is evaluated per statement with its own tenant id as a
    bound parameter, also for lazy, selectin and refresh loads, so a loader
    that carries an older option still ANDs in the current tenant.
    """
    option = _CRITERIA.get(tenant_id)
    if option is None:
        option = with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
            propagate_to_loaders=True,
        )
        if len(_CRITERIA) < _MAX_CRITERIA:
            _CRITERIA[tenant_id] = option
    return option


@event.listens_for(TenantSession, "before_flush")
def _stamp_and_check_tenant(session: TenantSession, flush_context: Any, instances: Any) -> None:
    crossing = cross_tenant_reason() is not None
    tenant_id = current_tenant_id()
    # ``session.new`` builds a new set on every access: read it once, so a
    # flush of n new rows is linear, not n x n (tests/test_bad_input.py).
    new = session.new
    for obj in list(new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        if crossing:
            if obj.tenant_id is None:
                raise CrossTenantWrite(f"{type(obj).__name__} needs an explicit tenant_id inside cross_tenant()")
            continue
        if tenant_id is None:
            require_tenant_id()
        if obj.tenant_id is None and obj in new:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"Refusing to write {type(obj).__name__} of tenant {obj.tenant_id} while acting for tenant {tenant_id}")
