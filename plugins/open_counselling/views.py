"""The counsellors' pages: register contacts and families (partner staff only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.programme import (
    PageBlueprint,
    contains,
    copenhagen_today,
    form_errors,
    form_fields,
    get_or_404,
    load_form,
    paginate,
    record,
    search_text,
    signed_in,
)
from plugins.open_counselling import services
from plugins.open_counselling.access import COUNSELLORS
from plugins.open_counselling.models import Contact, Family
from plugins.open_counselling.schemas import LABELS, NEED_LEVEL_LABELS, ContactSchema, FamilySchema

# The authority-free room (access.COUNSELLORS): every page here.
bp = PageBlueprint("open_counselling", __name__)
bp.add_app_template_filter(lambda code: str(LABELS.get(code, code or "")), "oc_label")


def _actor() -> str:
    return signed_in().audit_label


@bp.get("/", roles=COUNSELLORS)
def index(values=None, errors=None, status=200):
    # Each row shows the contact's reasons: loaded with the contacts in one more query, not one per contact.
    paged = paginate(
        select(Contact, Family.family_number)
        .options(selectinload(Contact.reasons))
        .join(Family, Family.id == Contact.family_id)
        .order_by(Contact.day.desc(), Contact.id.desc()),
        scalars=False,
    )
    recent = paged.items
    record("search", criterion="recent contacts", subjects=sorted({f"open_counselling.family:{c.family_id}" for c, _ in recent}))
    return render_template(
        "open_counselling/index.html",
        recent=recent,
        paged=paged,
        need_labels=NEED_LEVEL_LABELS,
        fields=form_fields(ContactSchema(), values or {"day": copenhagen_today().isoformat()}, errors),
        general_errors=form_errors(errors or {}),
    ), status


@bp.post("/contacts", roles=COUNSELLORS)
def create_contact():
    data, errors = load_form(ContactSchema(), request.form)
    if data is None:
        return index(request.form, errors, 422)
    contact = services.register_contact(data, _actor())
    record("create", subject=f"open_counselling.family:{contact.family_id}")
    flash(gettext("The contact has been registered."), "success")
    return redirect(url_for("open_counselling.index"))


@bp.get("/contacts/<int:contact_id>", roles=COUNSELLORS)
def contact(contact_id: int):
    row = get_or_404(Contact, contact_id)
    record("view", subject=f"open_counselling.family:{row.family_id}", purpose=request.args.get("purpose"))
    return render_template("open_counselling/contact.html", contact=row, need_labels=NEED_LEVEL_LABELS)


@bp.get("/families/", roles=COUNSELLORS)
def families():
    query = select(Family).where(Family.anonymised_at.is_(None)).order_by(Family.family_number, Family.id)
    wanted = search_text()
    if wanted:
        query = query.where(contains(Family.family_number, wanted))
    paged = paginate(query)
    record(
        "search",
        criterion="family list, number search" if wanted else "family list",
        subjects=[f"open_counselling.family:{f.id}" for f in paged.items],
    )
    return render_template("open_counselling/families.html", families=paged.items, paged=paged, wanted=wanted)


@bp.route("/families/<int:family_id>", methods=["GET", "POST"], roles=COUNSELLORS)
def family(family_id: int):
    row = get_or_404(Family, family_id)
    values: Mapping[str, Any] | None = None
    errors: dict[str, Any] = {}
    if request.method == "POST":
        data, errors = load_form(FamilySchema(), request.form)
        if data is not None and data["family_number"] != row.family_number and services.family_by_number(data["family_number"]):
            data, errors = None, {"family_number": [gettext("The number is already in use.")]}
        if data is not None:
            row.family_number = data["family_number"]
            services.save_family(data, _actor(), row)
            record("change", subject=f"open_counselling.family:{row.id}")
            return redirect(url_for("open_counselling.family", family_id=row.id))
        values = request.form
    else:
        stored = {k: getattr(row, k) for k in ("family_number", "name", *services.FAMILY_FIELDS)}
        values = {k: ("" if v is None else v) for k, v in stored.items()}
        values["consent"] = bool(row.consent_given_on and not row.consent_withdrawn_on)
        record("view", subject=f"open_counselling.family:{row.id}")
    return render_template(
        "open_counselling/family.html",
        family=row,
        fields=form_fields(FamilySchema(), values, errors),
        general_errors=form_errors(errors),
        need_labels=NEED_LEVEL_LABELS,
    ), (422 if errors else 200)


@bp.post("/families/<int:family_id>/erase", roles=COUNSELLORS)
def erase_family(family_id: int):
    row = get_or_404(Family, family_id)
    services.anonymise_family(row)
    record("delete", subject=f"open_counselling.family:{row.id}", purpose=request.form.get("purpose") or "anmodning om sletning")
    flash(gettext("Identity and free text have been erased; the statistics are kept."), "success")
    return redirect(url_for("open_counselling.families"))
