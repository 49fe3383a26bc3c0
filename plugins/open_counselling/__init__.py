"""Open counselling (Mødrehjælpen's åben rådgivning): anonymous-by-default contacts,
socio-economic registration, notifications of concern, opening hours and closures,
governance, an annual report that counts families, and a fixed annual fee billed quarterly.

Thin hook implementations; the work is in the modules beside this one.
"""
from __future__ import annotations

from pathlib import Path

from core.plugins import hookimpl
from core.plugins.types import Migrations, Programme
from plugins.open_counselling import models

KEY = "open_counselling"
DEFAULT_RETENTION_DAYS = 365  # after the family's last contact; tenant setting retention_days


@hookimpl
def samvirke_programme() -> Programme:
    return Programme(key=KEY, name_da="Åben rådgivning", name_en="Open counselling", partner_organisation="Mødrehjælpen")


@hookimpl
def samvirke_models():
    return models.ALL_MODELS


@hookimpl
def samvirke_migrations() -> Migrations:
    return Migrations(branch=KEY, path=Path(__file__).parent / "migrations")
