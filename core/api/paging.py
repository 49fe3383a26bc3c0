"""Paging of JSON API lists (core and plugins): ``?page=`` and ``?page_size=``, the total in ``X-Total-Count``.

The query parameters are read with the platform's base schema, so a bad one
is a 422 naming it in the UI language like any other field; a page past the
last one is an empty list (and no query with a huge offset).
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, fields, validate
from sqlalchemy import func, select

from core.db import db
from core.schemas import Schema

MAX_PAGE_SIZE = 100
PAGE_HEADERS = {
    "X-Total-Count": {"description": "How many items there are in all pages", "schema": {"type": "integer", "minimum": 0}},
}


class PageArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=2_147_483_647), metadata={"description": "From 1."})
    page_size = fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE), metadata={"description": "Items per page."}
    )


def page_of(query: Any, page: int, page_size: int) -> tuple[list[Any], dict[str, str]]:
    """One page of ``query``'s rows and the response headers."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    first = (page - 1) * page_size
    rows = list(db.session.scalars(query.offset(first).limit(page_size))) if first < total else []
    return rows, {"X-Total-Count": str(total)}
