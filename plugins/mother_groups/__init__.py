"""Mother groups ("Ny mor i Danmark"): DRC Integration's programme for refugee and
immigrant mothers with babies aged 0-1, run with the municipality.

Thin hook implementations; the work is in the modules beside this one.
"""
from __future__ import annotations

from pathlib import Path

from core.plugins import hookimpl
from core.plugins.types import Migrations, Programme
from plugins.mother_groups import models

KEY = "mother_groups"


@hookimpl
def samvirke_programme() -> Programme:
    return Programme(key=KEY, name_da="Ny mor i Danmark (mødregrupper)", name_en="New mother in Denmark (mother groups)", partner_organisation="DRC Integration")


@hookimpl
def samvirke_models():
    return models.ALL_MODELS


@hookimpl
def samvirke_migrations() -> Migrations:
    return Migrations(branch=KEY, path=Path(__file__).parent / "migrations")
