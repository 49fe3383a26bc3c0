"""HTML forms generated from marshmallow schemas, with CSRF protection.

A view loads ``request.form`` with ``load_form(schema)``; on errors it
renders the same template again with ``form_fields(schema, values, errors)``
and the ``form`` macro in ``templates/macros/forms.html`` shows each field's
errors next to it (in the UI language, see ``core.schemas``).

Inputs follow the field types: numbers are text inputs with a numeric phone
keyboard (``inputmode``), so Danish ``1.234,50`` can be typed; dates use the
browser's date picker. ``error_messages`` words errors for a message outside
the form (by label, never by field key), and ``flash_style`` gives each flash
category (``success``, ``info``, ``warning``, ``error``) its DKFDS alert.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import Flask
from flask_babel import get_locale
from flask_wtf.csrf import CSRFProtect
from marshmallow import Schema, ValidationError, fields, validate

from core.schemas import N_

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
    # The phone keyboard for a number typed as text (Danish ``1.234,50`` is no HTML number).
    inputmode: str = ""


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
        (fields.Date, "date"),  # the browser's date picker; it sends ISO dates whatever the UI language
    ):
        if isinstance(f, cls):
            return kind
    return "text"  # numbers too: type="number" refuses Danish "1.234,50" in the browser


def _inputmode(f: fields.Field, input_type: str) -> str:
    """A numeric keyboard on phones for number fields (rendered as text inputs)."""
    if input_type != "text":
        return ""
    if isinstance(f, fields.Integer):
        return "numeric"
    if isinstance(f, fields.Number):
        return "decimal"
    return ""


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
        return [m for value in messages for m in _flat_errors(value)]
    return [str(messages)]


def _label(name: str, f: fields.Field) -> str:
    return str(f.metadata.get("label", name.replace("_", " ").capitalize()))


def error_messages(schema: Schema, errors: dict[str, Any] | list[Any] | str) -> list[str]:
    """Errors as people read them: ``"Course: Choose a course."``, never ``"course_id: ..."``.

    For a message outside the form (a flash after a refused change): each
    field's errors behind the field's label; errors of the whole form, or of
    a key the schema does not know, as the bare message. The internal field
    key is never shown.
    """
    if not isinstance(errors, dict):
        return _flat_errors(errors)
    labels = {(f.data_key or name): _label(name, f) for name, f in schema.fields.items()}
    out: list[str] = []
    for key, messages in errors.items():
        text = " ".join(_flat_errors(messages))
        if not text:
            continue
        label = labels.get(key) if isinstance(key, str) else None
        out.append(f"{label}: {text}" if label else text)
    return out


def _field_value(value: Any) -> Any:
    """A stored value as its input expects it.

    ``datetime-local`` wants ``2026-12-01T10:00``; a stored amount is shown
    with a decimal comma in Danish (``1250,50``), as people type it and as
    the schemas read it back.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M")  # no offset: datetime-local takes none
    if isinstance(value, (Decimal, float)) and not isinstance(value, bool) and str(get_locale() or "da") == "da":
        return str(value).replace(".", ",")
    return value


def form_fields(
    schema: Schema,
    values: Mapping[str, Any] | None = None,
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
        input_type = "select" if dynamic is not None else _input_type(f)
        out.append(
            FormField(
                name=key,
                label=_label(name, f),
                input_type=input_type,
                required=f.required,
                value=_field_value(value),
                errors=_flat_errors(errors.get(key, [])),
                choices=dynamic if dynamic is not None else _choices(f),
                hint=str(f.metadata.get("hint", "")),
                inputmode=_inputmode(f, input_type),
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
        return None, field_errors(exc)


def field_errors(exc: ValidationError) -> dict[str, Any]:
    """A refusal's messages by field; those of the whole form under ``_schema``, where the form shows them."""
    return exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}


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


@dataclass(frozen=True)
class FlashStyle:
    """How a flash message of one category looks: a DKFDS alert variant, an icon that names it, an ARIA role."""

    variant: str
    icon: str
    label: Any  # a lazily translated text: the icon's name for screen readers (not colour alone)
    role: str


# Errors interrupt (role="alert"), the rest is announced politely; Flask's
# uncategorised "message" counts as information.
FLASH_STYLES = {
    "success": FlashStyle("alert-success", "check", N_("Success"), "status"),
    "info": FlashStyle("alert-info", "info", N_("Information"), "status"),
    "warning": FlashStyle("alert-warning", "warning", N_("Warning"), "status"),
    "error": FlashStyle("alert-error", "error", N_("Error"), "alert"),
}
FLASH_CATEGORIES = frozenset(FLASH_STYLES)


def flash_style(category: str) -> FlashStyle:
    """The look of a flash message's category (``flash(text, "error")``); unknown ones are information."""
    return FLASH_STYLES.get(category, FLASH_STYLES["info"])


def init_forms(app: Flask) -> None:
    csrf.init_app(app)
    app.jinja_env.globals["form_fields"] = form_fields
    app.jinja_env.globals["form_errors"] = form_errors
    app.jinja_env.globals["flash_style"] = flash_style
