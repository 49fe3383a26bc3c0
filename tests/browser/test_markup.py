"""The design system's server side, without a browser: the form macro's inputs, error texts, flash categories."""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path

import pytest
from flask import flash, render_template_string
from marshmallow import ValidationError, fields, validate, validates_schema

from core.schemas import N_, Schema
from core.web.forms import FLASH_CATEGORIES, error_messages, flash_style, form_fields

ROOT = Path(__file__).parent.parent.parent
MACRO = '{% from "macros/forms.html" import field, form %}'


class Sample(Schema):
    count = fields.Integer(metadata={"label": N_("Count")})
    amount = fields.Decimal(metadata={"label": N_("Amount")})
    day = fields.Date(metadata={"label": N_("Day")})
    at = fields.DateTime(metadata={"label": N_("Time")})
    course_id = fields.Integer(required=True, metadata={"label": "Forløb"})
    pregnant = fields.Boolean(metadata={"label": "Gravid", "hint": "Sæt kryds hvis hun er gravid"})
    kind = fields.String(validate=validate.OneOf(["a", "b"]), metadata={"label": "Art"})

    @validates_schema
    def _whole(self, data, **kwargs):
        raise ValidationError("Hele formularen er forkert.")


class AmountOnly(Schema):
    amount = fields.Decimal()


def test_numbers_are_text_inputs_with_a_numeric_keyboard_and_dates_use_the_date_picker(app):
    with app.test_request_context():
        found = {f.name: f for f in form_fields(Sample(), {"at": datetime(2026, 12, 1, 10, 30)})}
        # type="number" would refuse Danish "1.234,50" in the browser; inputmode gives phones the number keyboard.
        assert (found["count"].input_type, found["count"].inputmode) == ("text", "numeric")
        assert (found["amount"].input_type, found["amount"].inputmode) == ("text", "decimal")
        assert (found["day"].input_type, found["day"].inputmode) == ("date", "")
        assert found["at"].input_type == "datetime-local" and found["at"].value == "2026-12-01T10:30"
        assert found["kind"].inputmode == "" and found["pregnant"].inputmode == ""
        html = render_template_string(MACRO + "{% for f in fs %}{{ field(f) }}{% endfor %}", fs=list(found.values()))
    assert 'type="text" id="field-amount" name="amount" value="" inputmode="decimal"' in html
    assert 'id="field-count" name="count" value="" inputmode="numeric"' in html
    assert 'type="date" id="field-day"' in html
    assert "ÅÅÅÅ" not in html and "placeholder" not in html


def test_a_stored_amount_is_shown_with_a_decimal_comma_in_danish_and_a_point_in_english(app):
    from decimal import Decimal

    from flask import session

    with app.test_request_context():
        [amount] = [f for f in form_fields(Sample(), {"amount": Decimal("1250.50")}) if f.name == "amount"]
        assert amount.value == "1250,50"  # what the schema reads back (core.schemas parse_number_text)
        assert AmountOnly().load({"amount": amount.value})["amount"] == Decimal("1250.50")
    with app.test_request_context():
        session["lang"] = "en"
        [amount] = [f for f in form_fields(Sample(), {"amount": Decimal("1250.50")}) if f.name == "amount"]
        assert amount.value == Decimal("1250.50")


def test_a_single_checkbox_sits_in_its_dkfds_group_before_its_label_with_hint_and_error(app):
    with app.test_request_context():
        [pregnant] = [f for f in form_fields(Sample(), {}, {"pregnant": ["Vælg ja eller nej."]}) if f.name == "pregnant"]
        html = render_template_string(MACRO + "{{ field(f) }}", f=pregnant)
    # DKFDS positions the box absolutely inside .form-group-checkbox: without it, it floats to the page's corner.
    group = html[html.index('<div class="form-group-checkbox">') :]
    assert group.index('<input class="form-checkbox" type="checkbox" id="field-pregnant"') < group.index(
        '<label for="field-pregnant">Gravid</label>'
    )
    assert 'aria-invalid="true"' in group and 'aria-describedby="field-pregnant-hint field-pregnant-error"' in group
    assert group.index("<label") < group.index('id="field-pregnant-hint"')  # the hint under the label, indented with it
    assert html.count('id="field-pregnant-error"') == 1 and html.count('id="field-pregnant-hint"') == 1


def test_error_messages_name_the_field_by_its_label_never_its_key(app):
    with app.test_request_context():
        errors = {"course_id": ["Vælg et forløb."], "_schema": ["Hele formularen er forkert."], "no_such_key": ["Noget andet."]}
        messages = error_messages(Sample(), errors)
        assert messages == ["Forløb: Vælg et forløb.", "Hele formularen er forkert.", "Noget andet."]
        assert not any("course_id" in m or "_schema" in m or "no_such_key" in m for m in messages)
        assert error_messages(Sample(), ["Kun en liste."]) == ["Kun en liste."]
        nested = error_messages(Sample(), {"kind": {0: ["Forkert."]}})
        assert nested == ["Art: Forkert."]


def _flash_calls() -> list[tuple[str, int, ast.Call]]:
    calls = []
    for folder in ("core", "plugins"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "flash":
                    calls.append((str(path.relative_to(ROOT)), node.lineno, node))
    return calls


def test_every_flash_call_in_core_and_the_plugins_has_a_category():
    calls = _flash_calls()
    assert len(calls) >= 20  # the scan sees them
    wrong = []
    for path, line, node in calls:
        category = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "category"), None)
        if not (isinstance(category, ast.Constant) and category.value in FLASH_CATEGORIES):
            wrong.append(f"{path}:{line}")
    assert wrong == [], "flash(text, 'success'|'info'|'warning'|'error')"


def test_a_refused_decision_is_flashed_as_an_error():
    [decision] = [(p, n) for p, _, n in _flash_calls() if "The decision could not be saved" in ast.unparse(n)]
    assert decision[1].args[1].value == "error"


@pytest.mark.parametrize(
    ("category", "variant", "role"),
    [
        ("success", "alert-success", "status"),
        ("info", "alert-info", "status"),
        ("warning", "alert-warning", "status"),
        ("error", "alert-error", "alert"),
        ("message", "alert-info", "status"),
    ],
)
def test_flash_messages_render_with_their_dkfds_alert(app, category, variant, role):
    with app.test_request_context("/"):
        flash("Beskeden", category)
        html = render_template_string('{% extends "base.html" %}')
        label = str(flash_style(category).label)  # in the UI language: "Fejl", "Udført", ...
    assert f'<div class="alert {variant} mt-4" role="{role}" data-flash="{category}">' in html
    assert f'aria-label="{label}"' in html and label not in ("Error", "Success", "Warning")
