"""A tiny programme for the kit's self-tests (tests/test_programme_routes.py), broken on purpose when asked.

It has no tables of its own: it shows the example plugin's households. Its
views read ``BROKEN`` (a test sets it): ``"leak"`` reads across tenants,
``"n_plus_one"`` sends a query per row, ``"confidential"`` shows the partner's
note to everyone, ``"inaccessible"`` renders an image without a text. Each kit
check must fail on the matching breakage, and pass without any.
"""

from __future__ import annotations

from core.plugins.types import Programme, SampleRows
from core.programme import db, hookimpl

KEY = "kit_probe"
BROKEN: set[str] = set()


@hookimpl
def samvirke_programme() -> Programme:
    return Programme(key=KEY, name="Kit probe")


@hookimpl
def samvirke_sample_rows(marker: str) -> SampleRows:
    from tests.example_plugin.models import Household, Member

    household = Household(name=f"Husstand {marker}", note=f"Hemmeligt {marker}", members=[Member(name=f"Medlem {marker}")])
    db.session.add(household)
    db.session.flush()
    return SampleRows(ids={"household_id": household.id}, confidential=(f"Hemmeligt {marker}",))
