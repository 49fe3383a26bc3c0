"""HTML forms generated from marshmallow schemas, with CSRF protection.

A view loads ``request.form`` with ``load_form(schema)``; on errors it
renders the same template again with ``form_fields(schema, values, errors)``
and the ``form`` macro in ``templates/macros/forms.html`` shows each field's
errors next to it (in the UI language, see ``core.schemas``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from marshmallow import Schema, ValidationError, fields, validate

csrf = CSRFProtect()


@dataclass
class FormField:
    name: str
    label: str
    input_type: str
    required: bool
    value: Any = ""
    errors: list[str] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)
    hint: str = ""


def _input_type(f: fields.Field) -> str:
    if f.metadata.get("widget") in ("textarea", "time"):
        return f.metadata["widget"]
    if isinstance(f, fields.List) and any(isinstance(v, validate.OneOf) for v in f.inner.validators):
        return "checkboxes"
    if any(isinstance(v, validate.OneOf) for v in f.validators):
        return "select"
    for cls, kind in (
        (fields.Boolean, "checkbox"),
        (fields.Email, "email"),
        (fields.Url, "url"),
        (fields.DateTime, "datetime-local"),
        (fields.Date, "date"),
        (fields.Integer, "number"),
        (fields.Number, "text"),
    ):
        if isinstance(f, cls):
            return kind
    return "text"


def _choices(f: fields.Field) -> list[tuple[str, str]]:
    labels = f.metadata.get("choice_labels", {})
    if isinstance(f, fields.List):
        f = f.inner
        labels = labels or f.metadata.get("choice_labels", {})
    for v in f.validators:
        if isinstance(v, validate.OneOf):
            return [(str(c), str(labels.get(c, c))) for c in v.choices]
    return []


def _flat_errors(messages: Any) -> list[str]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flat_errors(value)]
    if isinstance(messages, list):
        return [str(m) for m in messages]
    return [str(messages)]


def form_fields(
    schema: Schema,
    values: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    choices: dict[str, list[tuple[Any, str]]] | None = None,
) -> list[FormField]:
    """The schema's input fields for the ``form`` macro.

    ``choices``: options for fields whose values come from the database
    (e.g. a course or a housing area): rendered as a select.
    """
    values, errors, choices = values or {}, errors or {}, choices or {}
    out = []
    from core.schemas import is_partner_only, may_see_partner_only

    partner = may_see_partner_only()
    for name, f in schema.load_fields.items():
        if f.dump_only or (is_partner_only(f) and not partner):
            continue
        key = f.data_key or name
        dynamic = [(str(v), str(label)) for v, label in choices.get(key, [])] if key in choices else None
        value = values.getlist(key) if hasattr(values, "getlist") and isinstance(f, fields.List) else values.get(key, "")
        out.append(
            FormField(
                name=key,
                label=str(f.metadata.get("label", name.replace("_", " ").capitalize())),
                input_type="select" if dynamic is not None else _input_type(f),
                required=f.required,
                value="" if value is None else value,
                errors=_flat_errors(errors.get(key, [])),
                choices=dynamic if dynamic is not None else _choices(f),
                hint=str(f.metadata.get("hint", "")),
            )
        )
    return out


def form_errors(errors: dict[str, Any]) -> list[str]:
    """Errors not tied to one field (shown at the top of the form)."""
    return _flat_errors(errors.get("_schema", []))


def load_form(schema: Schema, formdata: Any) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Validate submitted form data; returns (data, {}) or (None, errors).

    Empty inputs count as not given, an unticked checkbox as False.
    """
    from core.schemas import is_partner_only, may_see_partner_only

    partner = may_see_partner_only()
    raw: dict[str, Any] = {}
    for name, f in schema.load_fields.items():
        key = f.data_key or name
        if is_partner_only(f) and not partner:
            continue
        if isinstance(f, fields.Boolean):
            raw[key] = key in formdata
        elif isinstance(f, fields.List):
            items = [v for v in formdata.getlist(key) if v != ""]
            if items:
                raw[key] = items
        else:
            value = formdata.get(key, "")
            if value != "":
                raw[key] = value
    try:
        return schema.load(raw), {}
    except ValidationError as exc:
        return None, exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}


def parse_id(value: str | None) -> int | None:
    """An id sent in a query or a hidden form field, or None when it cannot be one.

    Only ASCII digits within an INTEGER column: ``"²".isdigit()`` is true but
    ``int("²")`` fails, and 99999999999999999999 is no row's id.
    """
    from core.schemas import INTEGER_MAX

    if not value or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= INTEGER_MAX else None


def init_forms(app: Flask) -> None:
    csrf.init_app(app)
    app.jinja_env.globals["form_fields"] = form_fields
    app.jinja_env.globals["form_errors"] = form_errors
