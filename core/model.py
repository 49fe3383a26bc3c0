"""``Model``, the base class every model subclasses: ``db.Model``, spelled so the type checker can read it.

At run time it is ``db.Model``, the declarative base Flask-SQLAlchemy builds
from ``core.db.Base`` (same metadata and registry, plus the ``query``
property and bind keys). mypy cannot take an attribute of an instance as a
base class (python/mypy#8603), so ``class X(db.Model)`` leaves every model
untyped; ``class X(Model)`` gives typed columns, relationships and ``query``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.db import Base, db

if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskModel

    class Model(_FlaskModel, Base):
        """What ``db.Model`` offers: the declarative base and Flask-SQLAlchemy's additions."""

else:
    Model = db.Model

__all__ = ["Model"]
