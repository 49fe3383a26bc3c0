"""Paging of the JSON API's lists, with flask-smorest's pagination.

Every list endpoint is decorated ``@blp.paginate()`` (under ``@blp.response``)
on a ``core.api.pagination.Blueprint``: it takes ``?page=`` (from 1) and
``?page_size=`` (1 to ``MAX_PAGE_SIZE``, default ``DEFAULT_PAGE_SIZE``) and
answers with flask-smorest's ``X-Pagination`` header (``total``,
``total_pages``, ``page``, ``next_page`` ...). The view gets
``pagination_parameters`` and returns ``page_of(query, pagination_parameters)``
(or hands a list to ``page_of_list``), so it can audit the persons on the page
and eager-load what it dumps.

The parameters are read with the platform's base schema, so a bad one is a
422 problem naming it (``errors.query.page_size``) in the UI language like any
other field, and a page beyond the INTEGER range is refused the same way. A
page past the last one is an empty list, and costs no query with a huge offset.
"""

from __future__ import annotations

import http
from collections.abc import Callable, Sequence
from copy import deepcopy
from functools import wraps
from typing import Any

import flask_smorest
from flask import current_app, request
from flask_smorest.pagination import Page, PaginationParameters
from flask_smorest.utils import unpack_tuple_response
from marshmallow import EXCLUDE, fields, post_load, validate
from sqlalchemy import Select, func, select

from core.db import db
from core.schemas import INTEGER_MAX, Schema

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50


class PaginationParametersSchema(Schema):
    """``?page=`` and ``?page_size=``, read into flask-smorest's ``PaginationParameters``."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=INTEGER_MAX), metadata={"description": "From 1."})
    page_size = fields.Integer(
        load_default=DEFAULT_PAGE_SIZE,
        validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"Items per page (at most {MAX_PAGE_SIZE})."},
    )

    @post_load
    def _parameters(self, data: dict[str, int], **kwargs: Any) -> PaginationParameters:
        return PaginationParameters(**data)


class QueryPage(Page):
    """One page of a SQLAlchemy ``select``: a count, then the page's rows (none past the last page)."""

    collection: Select

    @property
    def item_count(self) -> int:
        return db.session.scalar(select(func.count()).select_from(self.collection.order_by(None).subquery())) or 0

    @property
    def items(self) -> list[Any]:
        params = self.page_params
        if params.item_count is None or params.first_item >= params.item_count:
            return []
        return list(db.session.scalars(self.collection.offset(params.first_item).limit(params.page_size)))


def page_of(query: Select, params: PaginationParameters) -> list[Any]:
    """The rows of ``query`` on the page asked for; sets the total for the ``X-Pagination`` header."""
    return QueryPage(query, page_params=params).items


def page_of_list(items: Sequence[Any], params: PaginationParameters) -> list[Any]:
    """The page asked for of a list built in Python (e.g. computed closures)."""
    return Page(items, page_params=params).items


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's blueprint, whose ``paginate`` reads the page with the platform's base schema.

    Everything else is flask-smorest's own: ``PaginationParameters``, the
    pagers, the ``X-Pagination`` header and how it is documented.
    """

    def paginate(self, pager: type[Page] | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Paginate the view: with ``pager``, of what it returns; without, it gets ``pagination_parameters``."""
        parser = self.PAGINATION_ARGUMENTS_PARSER
        error_status = parser.DEFAULT_VALIDATION_STATUS

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            @wraps(func)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                params = parser.parse(PaginationParametersSchema(), request, location="query")
                if pager is None:
                    kwargs["pagination_parameters"] = params
                result, status, headers = unpack_tuple_response(current_app.ensure_sync(func)(*args, **kwargs))
                if pager is not None:
                    result = pager(result, page_params=params).items
                if params.item_count is None:
                    raise RuntimeError(f"{request.endpoint}: a paginated view must count its items (page_of)")
                result, headers = self._set_pagination_metadata(params, result, headers)
                return result, status, headers

            wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))  # type: ignore[attr-defined]
            wrapper._apidoc["pagination"] = {  # type: ignore[attr-defined]
                "parameters": {"in": "query", "schema": PaginationParametersSchema},
                "response": {error_status: http.HTTPStatus(error_status).name},
            }
            return wrapper

        return decorator
