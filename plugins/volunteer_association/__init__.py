"""The volunteer association and its shop (Mødrehjælpen's lokalforening med butik).

Thin hook implementations; the work is in the modules beside this one.
"""
from __future__ import annotations

from pathlib import Path

from core.plugins import hookimpl
from core.plugins.types import Migrations, Programme
from plugins.volunteer_association import models

KEY = "volunteer_association"


@hookimpl
def samvirke_programme() -> Programme:
    return Programme(key=KEY, name_da="Lokalforening med butik", name_en="Local association with a shop", partner_organisation="Mødrehjælpen")


@hookimpl
def samvirke_models():
    return models.ALL_MODELS


@hookimpl
def samvirke_migrations() -> Migrations:
    return Migrations(branch=KEY, path=Path(__file__).parent / "migrations")
