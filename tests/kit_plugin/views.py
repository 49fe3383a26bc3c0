"""The probe's pages and API: correct unless ``BROKEN`` says otherwise."""

from __future__ import annotations

from flask.views import MethodView
from markupsafe import Markup, escape
from sqlalchemy import func, select

from core.programme import ApiBlueprint, PageBlueprint, current_principal, db, get_or_404
from core.tenancy.context import cross_tenant
from tests import kit_plugin
from tests.example_plugin.models import Household, Member

bp = PageBlueprint("kit_probe", __name__)
blp = ApiBlueprint("kit_probe_api", __name__, description="Kit probe")


def _households() -> list[Household]:
    if "leak" in kit_plugin.BROKEN:
        with cross_tenant("kit self-test: a leak on purpose"):
            return list(db.session.scalars(select(Household).order_by(Household.id)))
    return list(db.session.scalars(select(Household).order_by(Household.id)))


def _line(household: Household) -> str:
    shown = escape(household.name)
    if "n_plus_one" in kit_plugin.BROKEN:
        members = db.session.scalar(select(func.count(Member.id)).where(Member.household_id == household.id))
        shown += f" ({members})"
    principal = current_principal()
    if "confidential" in kit_plugin.BROKEN or (principal is not None and "partner_staff" in principal.roles):
        shown += Markup(" &ndash; ") + escape(household.note or "")
    return shown


def _page(body: str) -> str:
    image = '<img src="/static/nowhere.png">' if "inaccessible" in kit_plugin.BROKEN else ""
    return (
        '<!doctype html><html lang="da"><head><meta charset="utf-8"><title>Kit</title></head>'
        f"<body><main><h1>Kit</h1>{image}{body}</main></body></html>"
    )


@bp.get("/", roles=["programme_managers", "municipal_staff"])
def index() -> str:
    return _page("<ul>" + "".join(f"<li>{_line(h)}</li>" for h in _households()) + "</ul>")


@bp.get("/households/<int:household_id>", roles=["programme_managers", "municipal_staff"])
def household(household_id: int) -> str:
    if "leak" in kit_plugin.BROKEN:
        with cross_tenant("kit self-test: a leak on purpose"):
            found = db.session.get(Household, household_id)
        return _page(f"<p>{_line(found)}</p>") if found else ("", 404)  # type: ignore[return-value]
    return _page(f"<p>{_line(get_or_404(Household, household_id))}</p>")


@blp.route("/households", roles=["programme_managers"])
class Households(MethodView):  # type: ignore[type-var]  # flask-smorest types a decorated class loosely
    def get(self) -> list[dict[str, str]]:
        return [{"name": _line(h)} for h in _households()]
