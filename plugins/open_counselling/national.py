"""The programme's national key figures (``samvirke_national_figures``): contacts and the families they were with.

Per tenant and year of the window core gives, one statement for every
municipality; core runs it across tenants and puts the counts under
disclosure control.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from core.programme import Measure, NationalFigures, Window
from plugins.open_counselling.models import Contact

MEASURES = [Measure("contacts", _l("Contacts")), Measure("families", _l("Families"))]


def figures_select(window: Window) -> Any:
    y = window.table
    contacts = Contact.__table__  # the table, not the ORM entity: a plain aggregate outside any tenant's criteria
    c = contacts.c
    return (
        select(
            c.tenant_id.label("tenant_id"),
            y.c.year.label("year"),
            func.count(c.id).label("contacts"),
            func.count(func.distinct(c.family_id)).label("families"),
        )
        .select_from(y)
        .join(contacts, and_(window.during(c.day), window.of_tenants(c.tenant_id)))
        .group_by(c.tenant_id, y.c.year)
    )


FIGURES = NationalFigures(MEASURES, figures_select, main="families")
