"""The marshmallow base schema plugins build forms and API input on.

Its only addition: field and validator error messages go through Flask-Babel,
so a form shows "Feltet skal udfyldes." in Danish and the same key gives
"This field is required." in English.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext
from marshmallow import Schema as _Schema
from marshmallow import fields, post_dump, validate


class _Translated(str):
    """An English message id that translates itself when marshmallow formats it.

    A ``str`` (marshmallow only formats strings), whose ``format`` looks up
    the UI language at error time, not when the schema was declared.
    """

    def format(self, *args: Any, **kwargs: Any) -> str:
        return gettext(str.__str__(self)).format(*args, **kwargs)

    def __str__(self) -> str:
        return gettext(str.__str__(self))


def N_(message: str) -> _Translated:  # noqa: N802 (the gettext marker pybabel extracts)
    return _Translated(message)

FIELD_MESSAGES: dict[str, Any] = {
    "required": N_("This field is required."),
    "null": N_("This field may not be empty."),
    "validator_failed": N_("The value is not valid."),
}
TYPE_MESSAGES: dict[type, Any] = {
    fields.String: N_("Enter text."),
    fields.Integer: N_("Enter a whole number."),
    fields.Decimal: N_("Enter a number."),
    fields.Float: N_("Enter a number."),
    fields.Boolean: N_("Choose yes or no."),
    fields.Date: N_("Enter a date as YYYY-MM-DD."),
    fields.DateTime: N_("Enter a date and time."),
    fields.Email: N_("Enter a valid e-mail address."),
    fields.Url: N_("Enter a valid web address."),
    fields.List: N_("Enter a list."),
}
VALIDATOR_MESSAGES: dict[type, dict[str, Any]] = {
    validate.Length: {
        "message_min": N_("Enter at least {min} characters."),
        "message_max": N_("Enter at most {max} characters."),
        "message_all": N_("Enter between {min} and {max} characters."),
        "message_equal": N_("Enter exactly {equal} characters."),
    },
    validate.Range: {
        "message_min": N_("Enter {min} or more."),
        "message_max": N_("Enter {max} or less."),
        "message_all": N_("Enter a value from {min} to {max}."),
        "message_gte": N_("Enter {min} or more."),
        "message_lte": N_("Enter {max} or less."),
        "message_gt": N_("Enter more than {min}."),
        "message_lt": N_("Enter less than {max}."),
    },
    validate.OneOf: {"default_message": N_("Choose one of the options.")},
    validate.Regexp: {"default_message": N_("The value has the wrong format.")},
    validate.Email: {"default_message": N_("Enter a valid e-mail address.")},
}


def may_see_partner_only() -> bool:
    """Whether the acting person may see data marked partner-only.

    Outside a request (jobs, commands) nobody does: such code works with
    aggregates or must not dump partner-only fields.
    """
    from flask import has_request_context

    if not has_request_context():
        return False
    from core.identity.sessions import current_principal

    from core.tenancy.context import current_tenant_id

    principal = current_principal()
    return principal is not None and principal.may_see_partner_only(current_tenant_id())


def is_partner_only(field_obj: fields.Field) -> bool:
    return bool(field_obj.metadata.get("partner_only"))


class Schema(_Schema):
    """Base for every form and API schema.

    - Error messages follow the UI language.
    - Fields with ``metadata={"partner_only": True}`` (the partner's
      "authority-free room", e.g. a counsellor's notes) are left out of every
      dump for anyone but partner staff and the tenant administrator, and
      of the forms they see.
    """

    @post_dump
    def _hide_partner_only(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if not may_see_partner_only():
            for name, field_obj in self.dump_fields.items():
                if is_partner_only(field_obj):
                    data.pop(field_obj.data_key or name, None)
        return data

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        messages = dict(field_obj.error_messages)
        for key, text in FIELD_MESSAGES.items():
            if key in messages:
                messages[key] = text
        for cls in type(field_obj).__mro__:
            if cls in TYPE_MESSAGES and "invalid" in messages:
                messages["invalid"] = TYPE_MESSAGES[cls]
                break
        field_obj.error_messages = messages
        for validator in field_obj.validators:
            for cls, attributes in VALIDATOR_MESSAGES.items():
                if not isinstance(validator, cls):
                    continue
                for attribute, text in attributes.items():
                    if attribute == "default_message":
                        # OneOf, Regexp, Email copy their default into .error at
                        # init; replace only that default, never an author's text.
                        if validator.error == cls.default_message:  # type: ignore[attr-defined]
                            validator.error = text  # type: ignore[attr-defined]
                    elif getattr(validator, "error", None) is None:
                        setattr(validator, attribute, text)
