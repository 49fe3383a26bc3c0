"""JSON API: contacts and families (partner staff). Under /<tenant>/api/v1/open_counselling/."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from core.programme import ApiBlueprint, page_of, record, signed_in
from core.programme import get_or_404 as _get_or_404
from plugins.open_counselling import services
from plugins.open_counselling.access import COUNSELLORS
from plugins.open_counselling.models import Contact, Family
from plugins.open_counselling.schemas import ContactSchema, FamilySchema

blp = ApiBlueprint(
    "open_counselling_api", __name__, description="Open counselling (the authority-free room: the running organisation's counsellors only)"
)


def _contact_out(c: Contact) -> dict:
    return {
        "id": c.id,
        "family_number": c.family.family_number,
        "day": c.day,
        "channel": c.channel,
        "duration_minutes": c.duration_minutes,
        "reasons": [r.reason for r in c.reasons],
        "description": c.description,
        "need_level": c.need_level,
        "referrals": [r.referral for r in c.referrals],
        "format": c.format,
    }


@blp.route("/contacts", roles=COUNSELLORS)
@blp.response(200, ContactSchema(many=True))
@blp.paginate()
def list_contacts(pagination_parameters):
    """The contacts, newest first."""
    # The family, reasons and referrals of the page's contacts in three queries, not three per contact.
    query = (
        select(Contact)
        .options(joinedload(Contact.family), selectinload(Contact.reasons), selectinload(Contact.referrals))
        .order_by(Contact.day.desc(), Contact.id.desc())
    )
    contacts = page_of(query, pagination_parameters)
    record("search", criterion="contacts", subjects=sorted({f"open_counselling.family:{c.family_id}" for c in contacts}))
    return [_contact_out(c) for c in contacts]


@blp.route("/contacts", methods=["POST"], roles=COUNSELLORS)
@blp.arguments(ContactSchema)
@blp.response(201, ContactSchema)
def create_contact(data):
    contact = services.register_contact(data, signed_in().audit_label)
    record("create", subject=f"open_counselling.family:{contact.family_id}")
    return _contact_out(contact)


@blp.route("/contacts/<int:contact_id>", roles=COUNSELLORS)
@blp.response(200, ContactSchema)
def get_contact(contact_id: int):
    contact = _get_or_404(Contact, contact_id)
    record("view", subject=f"open_counselling.family:{contact.family_id}")
    return _contact_out(contact)


@blp.route("/families", roles=COUNSELLORS)
@blp.response(200, FamilySchema(many=True))
@blp.paginate()
def list_families(pagination_parameters):
    """The families not anonymised, by family number."""
    query = select(Family).where(Family.anonymised_at.is_(None)).order_by(Family.family_number, Family.id)
    families = page_of(query, pagination_parameters)
    record("search", criterion="families", subjects=[f"open_counselling.family:{f.id}" for f in families])
    return families


@blp.route("/families/<int:family_id>", roles=COUNSELLORS)
@blp.response(200, FamilySchema)
def get_family(family_id: int):
    family = _get_or_404(Family, family_id)
    record("view", subject=f"open_counselling.family:{family.id}")
    return family


@blp.route("/families/<int:family_id>", methods=["PUT"], roles=COUNSELLORS)
@blp.arguments(FamilySchema)
@blp.response(200, FamilySchema)
def update_family(data, family_id: int):
    family = _get_or_404(Family, family_id)
    services.save_family(data, signed_in().audit_label, family)
    record("change", subject=f"open_counselling.family:{family.id}")
    return family
