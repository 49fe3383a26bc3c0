"""Paging and searching the UI's long lists, in one place.

A list view calls ``paginate(query)``: it reads ``?page=`` (from 1) and
``?per_page=`` (1 to ``MAX_PER_PAGE``, default the view's) from the request,
refuses anything else with a 400 in the UI language, and sends exactly two
statements whatever the data: a ``COUNT`` of the query and the page's rows
(``LIMIT``/``OFFSET``). A page past the last one shows the last page, so a
bookmarked link still shows rows after some were deleted. The template shows
the page links with ``macros/pagination.html``, which keeps the request's
other query parameters (a search, a filter).

``search_text()`` reads ``?q=``: trimmed, at most ``MAX_SEARCH_LENGTH``
characters (longer is a 400); ``contains(column, text)`` is the SQL criterion,
case-insensitive, with ``%`` and ``_`` matched literally.

The JSON API has its own paging (``core.api.pagination``, flask-smorest).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import abort, request
from flask_babel import gettext
from sqlalchemy import ColumnElement, Select, func, select

from core.db import db
from core.schemas import INTEGER_MAX

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_SEARCH_LENGTH = 100
# Page links shown on either side of the current page; the first and last are always shown.
WINDOW = 2


@dataclass(frozen=True)
class Paged:
    """One page of a list: its rows, where it is, and the links to the others."""

    items: list[Any]
    page: int
    per_page: int
    total: int
    endpoint_path: str
    args: tuple[tuple[str, str], ...]  # the request's other query parameters, kept in every link

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_number(self) -> int:
        """The 1-based number of the first row shown (0 when there are none)."""
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_number(self) -> int:
        return min(self.total, self.page * self.per_page)

    def window(self) -> list[int | None]:
        """The page numbers to link, with None where pages are left out (an ellipsis)."""
        shown = {1, self.pages, *range(self.page - WINDOW, self.page + WINDOW + 1)}
        numbers = sorted(n for n in shown if 1 <= n <= self.pages)
        out: list[int | None] = []
        for n in numbers:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out

    def url(self, page: int) -> str:
        """This list's URL on ``page``, every other query parameter as it was."""
        params = [(k, v) for k, v in self.args if k != "page"]
        if page != 1:
            params.append(("page", str(page)))
        return self.endpoint_path + ("?" + urlencode(params) if params else "")


def _number(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    # Digits only: "+3", " 3" and "3.0" are refused like "abc", never half-read.
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= maximum:
        abort(400, description=gettext("The %(name)s parameter must be a whole number from 1 to %(maximum)s.", name=name, maximum=maximum))
    return int(raw)


def page_request(default_per_page: int = DEFAULT_PER_PAGE) -> tuple[int, int]:
    """(page, per page) asked for; a bad value is a 400 naming the parameter."""
    return _number("page", 1, INTEGER_MAX), _number("per_page", default_per_page, MAX_PER_PAGE)


def paginate(query: Select, *, per_page: int = DEFAULT_PER_PAGE, scalars: bool = True) -> Paged:
    """The page of ``query`` (ordered, so pages do not overlap) the request asks for: a count, then the rows.

    ``scalars=False`` for a query of several columns or entities (rows of tuples).
    """
    page, size = page_request(per_page)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    last = max(1, -(-total // size))
    page = min(page, last)
    limited = query.limit(size).offset((page - 1) * size)
    items: Sequence[Any] = db.session.scalars(limited).all() if scalars else db.session.execute(limited).all()
    return Paged(
        items=list(items),
        page=page,
        per_page=size,
        total=total,
        endpoint_path=request.path,
        args=tuple(request.args.items(multi=True)),
    )


def search_text(name: str = "q") -> str:
    """The search asked for, trimmed ('' for none); longer than ``MAX_SEARCH_LENGTH`` is a 400."""
    text = (request.args.get(name) or "").strip()
    if len(text) > MAX_SEARCH_LENGTH:
        abort(400, description=gettext("The search may be at most %(maximum)s characters long.", maximum=MAX_SEARCH_LENGTH))
    return text


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, ignoring case; ``%`` and ``_`` in ``text`` are matched as themselves.

    PostgreSQL folds every letter (æ, ø, å too); SQLite, the development
    default, folds ASCII letters only.
    """
    return func.lower(column).contains(text.lower(), autoescape=True)
