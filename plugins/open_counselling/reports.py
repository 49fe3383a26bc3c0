"""The programme's figures for its reports: the annual report, and notifications sent (for the municipality).

The reports themselves (tables, headings, charts, the sums disclosure control
needs) are declared in ``plugins.open_counselling.annual``; this module
computes their figures.

The annual report is the documentation the agreement asks of Mødrehjælpen: it
COUNTS FAMILIES, NOT CONTACTS. A family is its family number (a row of
``Family``; anonymous or not), so a family with five contacts in the year
counts once, and two anonymous families with different numbers count twice.

Rows, grouped by section (``families`` is the number of families with a
contact in the year that fall in the row; ``contacts`` the number of contacts
in the year that the row covers, or None where it does not apply):

- ``total``: families and contacts in the year.
- ``reason``: families with at least one contact for that reason (a family
  counts once per reason, so the rows may add up to more than the total);
  contacts with that reason.
- ``need_level``: families by their HIGHEST need level in the year (each
  family in exactly one row); contacts recorded at that level.
- ``income_basis``, ``employment``, ``parent_age``, ``household``,
  ``pregnancy``: the family's registration (as it stands now); contacts by
  those families in the year. ``unknown``: not registered.
- ``children_age``: families with at least one child aged 0, 1-2, 3-6 or 7+
  (a family with children in two bands counts in both); ``unknown``: no age
  recorded. Counted in SQL per distinct list of ages; only those lists are parsed in Python.
- ``referral``: families referred; contacts column = referrals made.
- ``notifications``: the NUMBER of notifications of concern dated in the
  year, in the ``families`` column. Nothing else about them.
- ``other_programmes``: one row per ``AnnualFigure`` the tenant's other
  enabled programmes contribute (``samvirke_annual_figures``); the figure's
  value in the ``families`` column.

Parameter ``year`` (a calendar year): by default the previous year before
1 March (the report on last year is written in January and February), the
current year from 1 March on.

Every figure is aggregated in SQL from selected columns, one query per
breakdown. ``build`` runs in the tenant's context (the ORM filters every table
to it); ``build_national`` runs inside ``cross_tenant()`` (the caller enters
it) and returns counts per tenant id only. Never names, family numbers or free
text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any, Literal, overload

from sqlalchemy import func, select

from core.programme import AnnualFigure, ReportResult, Tenant, TenantProgramme, contributed_figures, copenhagen_today, db, require_tenant_id
from plugins.open_counselling.models import (
    AGE_BANDS,
    EMPLOYMENT,
    HOUSEHOLDS,
    INCOME_BASES,
    NEED_LEVELS,
    REASONS,
    REFERRALS,
    Contact,
    ContactReason,
    ContactReferral,
    Family,
    Notification,
)

KEY = "open_counselling"
UNKNOWN = "unknown"
CHILD_AGE_BANDS = ("age_0", "age_1_2", "age_3_6", "age_7_plus")
ANNUAL_COLUMNS = ["section", "category", "families", "contacts"]
CURRENT_YEAR_FROM = (3, 1)  # from 1 March on, the default year is the current one


# --- Parameters ------------------------------------------------------------


def default_year(today: date | None = None) -> int:
    """The previous calendar year before 1 March, else the current one."""
    today = today or copenhagen_today()
    return today.year - 1 if (today.month, today.day) < CURRENT_YEAR_FROM else today.year


@overload
def _year_param(params: dict[str, Any], *, required: Literal[True] = True) -> int: ...
@overload
def _year_param(params: dict[str, Any], *, required: bool) -> int | None: ...


def _year_param(params: dict[str, Any], *, required: bool = True) -> int | None:
    value = str(params.get("year") or "").strip()
    if not value:
        return default_year() if required else None
    try:
        year = int(value)
    except ValueError:
        raise ValueError("year must be a whole number") from None
    if not 1900 <= year <= 9999:
        raise ValueError("year is out of range")
    return year


def _in_year(column, year: int):
    return column.between(date(year, 1, 1), date(year, 12, 31))


def child_age_band(age: int) -> str:
    if age <= 0:
        return "age_0"
    if age <= 2:
        return "age_1_2"
    if age <= 6:
        return "age_3_6"
    return "age_7_plus"


def parse_children_ages(text: str | None) -> list[int]:
    """``"0, 2,5"`` -> [0, 2, 5]; anything that is not a whole number of years is left out."""
    ages = []
    for part in (text or "").split(","):
        part = part.strip()
        if part.isdigit():
            ages.append(int(part))
    return ages


# --- The annual report -----------------------------------------------------


def _ordered(known, found: Mapping[Any, Any], unknown_last: bool = False) -> Iterator[Any]:
    """Every known value (zeros too, so the report keeps its shape), then unexpected ones, then unknown."""
    yield from known
    yield from sorted((k for k in found if k not in known and k != UNKNOWN), key=str)
    if unknown_last:
        yield UNKNOWN


def _distribution(section: str, column, known, year: int) -> list[tuple]:
    """Families and their contacts in the year, by one of the family's registration fields (text)."""
    key = func.coalesce(column, UNKNOWN)
    counts = {
        value: (families, contacts)
        for value, families, contacts in db.session.execute(
            select(key, func.count(func.distinct(Contact.family_id)), func.count(Contact.id))
            .join(Family, Family.id == Contact.family_id)
            .where(_in_year(Contact.day, year))
            .group_by(key)
        )
    }
    return [(section, v, *counts.get(v, (0, 0))) for v in _ordered(known, counts, unknown_last=True)]


def annual_rows(year: int) -> list[tuple]:
    in_year = _in_year(Contact.day, year)
    rows: list[tuple] = []

    families, contacts = db.session.execute(
        select(func.count(func.distinct(Contact.family_id)), func.count(Contact.id)).where(in_year)
    ).one()
    rows.append(("total", "all", families, contacts))

    # A contact has each reason at most once (UNIQUE), so COUNT(*) counts contacts.
    by_reason = {
        reason: (f, c)
        for reason, f, c in db.session.execute(
            select(ContactReason.reason, func.count(func.distinct(Contact.family_id)), func.count(ContactReason.id))
            .join(Contact, Contact.id == ContactReason.contact_id)
            .where(in_year)
            .group_by(ContactReason.reason)
        )
    }
    rows += [("reason", r, *by_reason.get(r, (0, 0))) for r in _ordered(REASONS, by_reason)]

    highest = select(Contact.family_id, func.max(Contact.need_level).label("level")).where(in_year).group_by(Contact.family_id).subquery()
    families_by_level: dict[Any, Any] = dict(db.session.execute(select(highest.c.level, func.count()).group_by(highest.c.level)).all())
    contacts_by_level = dict(
        db.session.execute(select(Contact.need_level, func.count(Contact.id)).where(in_year).group_by(Contact.need_level)).all()
    )
    for level in _ordered(NEED_LEVELS, {**families_by_level, **contacts_by_level}):
        rows.append(("need_level", f"level_{level}", families_by_level.get(level, 0), contacts_by_level.get(level, 0)))

    rows += _distribution("income_basis", Family.income_basis, INCOME_BASES, year)
    rows += _distribution("employment", Family.employment_status, EMPLOYMENT, year)
    rows += _distribution("parent_age", Family.parent_age_band, AGE_BANDS, year)

    # Families and contacts counted in SQL per distinct list of ages ("0,2,5"); only
    # those few lists are taken apart here, a comma list not being portable to split in SQL.
    per_family = (
        select(Contact.family_id.label("family_id"), func.count(Contact.id).label("n"))
        .where(in_year)
        .group_by(Contact.family_id)
        .subquery()
    )
    child_families: Counter[str] = Counter()
    child_contacts: Counter[str] = Counter()
    for ages, n_families, n_contacts in db.session.execute(
        select(Family.children_ages, func.count(Family.id), func.sum(per_family.c.n))
        .join(per_family, per_family.c.family_id == Family.id)
        .group_by(Family.children_ages)
    ):
        bands = {child_age_band(a) for a in parse_children_ages(ages)} or {UNKNOWN}
        for band in bands:
            child_families[band] += int(n_families)
            child_contacts[band] += int(n_contacts)
    rows += [("children_age", b, child_families[b], child_contacts[b]) for b in (*CHILD_AGE_BANDS, UNKNOWN)]

    rows += _distribution("household", Family.household, HOUSEHOLDS, year)

    by_referral = {
        referral: (f, c)
        for referral, f, c in db.session.execute(
            select(ContactReferral.referral, func.count(func.distinct(Contact.family_id)), func.count(ContactReferral.id))
            .join(Contact, Contact.id == ContactReferral.contact_id)
            .where(in_year)
            .group_by(ContactReferral.referral)
        )
    }
    rows += [("referral", r, *by_referral.get(r, (0, 0))) for r in _ordered(REFERRALS, by_referral)]

    notifications = db.session.scalar(select(func.count(Notification.id)).where(_in_year(Notification.day, year)))
    rows.append(("notifications", "notifications_sent", notifications, None))

    pregnant, pregnant_contacts = db.session.execute(
        select(func.count(func.distinct(Contact.family_id)), func.count(Contact.id))
        .join(Family, Family.id == Contact.family_id)
        .where(in_year, Family.pregnant.is_(True))
    ).one()
    rows.append(("pregnancy", "pregnant", pregnant, pregnant_contacts))
    return rows


def other_programme_figures(year: int) -> list[AnnualFigure]:
    """Figures the tenant's other enabled programmes contribute (``samvirke_annual_figures``), without importing them."""
    return contributed_figures(year, asking=KEY)


def _other_programmes(year: int) -> list[tuple]:
    return [("other_programmes", figure.key, int(figure.value), None) for figure in other_programme_figures(year)]


def annual_result(params: dict[str, Any]) -> ReportResult:
    """The annual report's figures as one list of (section, category, families, contacts) rows."""
    year = _year_param(params) or default_year()
    require_tenant_id()  # never without a tenant: the ORM filter needs one
    return ReportResult(columns=ANNUAL_COLUMNS, rows=annual_rows(year) + _other_programmes(year))


def _enabled_tenants():
    """Active tenants with the programme enabled: every one gets a row, zero or not."""
    return (
        select(Tenant.id)
        .join(TenantProgramme, TenantProgramme.tenant_id == Tenant.id)
        .where(TenantProgramme.programme_key == KEY, Tenant.active.is_(True))
    ).subquery()


def annual_national(params: dict[str, Any]) -> ReportResult:
    year = _year_param(params)
    tenants = _enabled_tenants()
    contacts = (
        select(
            Contact.tenant_id.label("k"),
            func.count(func.distinct(Contact.family_id)).label("families"),
            func.count(Contact.id).label("contacts"),
        )
        .where(_in_year(Contact.day, year))
        .group_by(Contact.tenant_id)
        .subquery()
    )
    notifications = (
        select(Notification.tenant_id.label("k"), func.count(Notification.id).label("n"))
        .where(_in_year(Notification.day, year))
        .group_by(Notification.tenant_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            tenants.c.id,
            func.coalesce(contacts.c.families, 0),
            func.coalesce(contacts.c.contacts, 0),
            func.coalesce(notifications.c.n, 0),
        )
        .outerjoin(contacts, contacts.c.k == tenants.c.id)
        .outerjoin(notifications, notifications.c.k == tenants.c.id)
        .order_by(tenants.c.id)
    ).all()
    return ReportResult(columns=["tenant_id", "families", "contacts", "notifications"], rows=[tuple(r) for r in rows])


# --- Notifications sent (for municipal staff) ------------------------------


def notifications_sent_result(params: dict[str, Any]) -> ReportResult:
    """That notifications were sent and when: day, recipient unit, receipt date. No ground, no family.

    ``year`` (optional) narrows to one calendar year; without it, every notification.
    """
    year = _year_param(params, required=False)
    query = select(Notification.day, Notification.recipient_unit, Notification.receipt_confirmed_on).order_by(
        Notification.day, Notification.id
    )
    if year is not None:
        query = query.where(_in_year(Notification.day, year))
    return ReportResult(columns=["day", "recipient_unit", "receipt_confirmed"], rows=[tuple(r) for r in db.session.execute(query)])


def report_definitions() -> list:
    """The programme's reports (``samvirke_reports``), declared in ``plugins.open_counselling.annual``."""
    from plugins.open_counselling.annual import REPORTS

    return list(REPORTS)
