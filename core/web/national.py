"""The national view (``core.national``): mounted by ``core.web`` under ``/national/``."""

from core.national.views import bp

__all__ = ["bp"]
