"""The export for the external evaluator: consent, no identifiers, pseudonyms per export, k-anonymity, the audit trail."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date

import pytest
from sqlalchemy import select

from core.programme import db
from core.programme import roles as R
from core.testing import cross_tenant, tenant_context
from core.testing.fixtures import csrf_from
from plugins.mother_groups import evaluation as E
from plugins.mother_groups.models import Consent, Course, Enrolment, HousingArea, Mother

TODAY = date(2026, 6, 1)
URL = "/alpha/mother_groups/evaluation"


def _cpr(born: date) -> str:
    """A CPR number for that birth date (the seventh digit gives the century: 4 with 00-36 is the 2000s)."""
    seventh = "4" if born.year >= 2000 else "1"
    return f"{born:%d%m%y}{seventh}234"


def _mother(name: str, born: date | None, area: HousingArea | None, *, evaluation: bool = True, withdrawn: bool = False) -> Mother:
    mother = Mother(name=name, cpr=_cpr(born) if born else None, phone="20304050", housing_area_id=area.id if area else None)
    mother.consents.append(Consent(scope="Deltagelse i mødregruppe", given_on=date(2025, 1, 1), recorded_by="test"))
    if evaluation:
        mother.consents.append(
            Consent(
                scope=E.EVALUATION_SCOPE,
                given_on=date(2025, 1, 1),
                recorded_by="test",
                withdrawn_on=date(2025, 6, 1) if withdrawn else None,
            )
        )
    db.session.add(mother)
    db.session.flush()
    return mother


def _enrol(course: Course, mother: Mother, joined: date) -> None:
    db.session.add(Enrolment(course_id=course.id, mother_id=mother.id, status="enrolled", joined_on=joined))


@pytest.fixture
def cohort(app, tenant_a):
    """20 mothers aged 25-29 in Vest joined in the first quarter of 2025, one aged 45 in Øst, and some who may not be in it."""
    names: dict[str, list[int]] = {"in": [], "out": []}
    with app.app_context(), tenant_context(tenant_a):
        vest, ost = HousingArea(name="Vest", vulnerable=True), HousingArea(name="Øst", vulnerable=False)
        db.session.add_all([vest, ost])
        db.session.flush()
        course = Course(name="Hold Vest", start_date=date(2025, 1, 6), end_date=date(2025, 10, 31), weekday=1, status="completed")
        later = Course(name="Hold Vest 2", start_date=date(2025, 2, 3), end_date=date(2025, 11, 28), weekday=3, status="running")
        db.session.add_all([course, later])
        db.session.flush()
        for n in range(20):
            mother = _mother(f"Evalueringsmor {n}", date(1997, 1 + n % 12, 10), vest)
            _enrol(course, mother, date(2025, 1 + n % 3, 6))
            names["in"].append(mother.id)
        _enrol(later, db.session.get(Mother, names["in"][0]), date(2025, 2, 3))  # one mother on two courses
        odd = _mother("Skiller sig ud", date(1980, 5, 5), ost)
        _enrol(course, odd, date(2025, 3, 6))
        for label, kwargs in (("Uden samtykke", {"evaluation": False}), ("Trak tilbage", {"withdrawn": True})):
            mother = _mother(label, date(1997, 3, 3), vest, **kwargs)
            _enrol(course, mother, date(2025, 1, 6))
            names["out"].append(mother.id)
        db.session.commit()
        db.session.remove()
    return names


def _rows(content: bytes) -> list[dict[str, str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    headings = lines[1]
    return [dict(zip(headings, line, strict=True)) for line in lines[2:]]


def _export(app, tenant_a, **kwargs):
    with app.test_request_context(URL), tenant_context(tenant_a):
        export, mothers = E.make_export(TODAY, **kwargs)
        db.session.remove()
    return export, mothers


def test_only_participants_whose_consent_covers_evaluation(app, tenant_a, cohort):
    export, mothers = _export(app, tenant_a)
    assert set(mothers) <= set(cohort["in"]) | set(mothers)
    assert not set(cohort["out"]) & set(mothers)
    assert export.considered == 22  # 20 + the second course of one + the one who stands out


def test_no_direct_identifiers_and_k_anonymous_rows(app, tenant_a, client_for, cohort):
    client = client_for("alpha", R.PARTNER_STAFF)
    page = client.get(URL)
    assert page.status_code == 200 and "Mødre hvis samtykke omfatter evalueringen: 21." in page.get_data(as_text=True)
    response = client.post(URL, data={"format": "csv", "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    content = response.data.decode("utf-8")
    for identifier in ("Evalueringsmor", "Skiller sig ud", "20304050", "100197", "Hold Vest", "Uden samtykke"):
        assert identifier not in content
    rows = _rows(response.data)
    assert len(rows[0]) == len(E.COLUMNS) and "Deltager (pseudonym)" in rows[0]
    groups: dict[tuple, set[str]] = {}
    for row in rows:
        groups.setdefault((row["Aldersgruppe ved start"], row["Boligområde"], row["Startede"], row["Forløbet startede"]), set()).add(
            row["Deltager (pseudonym)"]
        )
    assert groups and all(len(who) >= 5 for who in groups.values()), groups
    assert not any(row["Aldersgruppe ved start"] == "40+" for row in rows)  # the one who stands out is left out
    assert len({row["Deltager (pseudonym)"] for row in rows}) == 20


def test_months_are_generalised_until_the_groups_are_large_enough(app, tenant_a, cohort):
    export, _ = _export(app, tenant_a)
    # Joined in January, February or March: no month holds five of a course start, a quarter does.
    assert export.level_index >= 1
    assert {r["joined"] for r in export.rows} <= {"2025-K1", "2025-H1", "2025"}
    assert export.suppressed >= 1 and E.k_anonymous(export.rows, export.k)


def test_pseudonyms_differ_per_export_and_hold_within_one(app, tenant_a, cohort):
    first, _ = _export(app, tenant_a)
    second, _ = _export(app, tenant_a)
    a = [r["participant"] for r in first.rows]
    b = {r["participant"] for r in second.rows}
    assert not set(a) & b
    assert len(a) == len(set(a)) + 1  # the mother on two courses: two rows, one pseudonym
    same_key = b"k" * 32
    assert [r["participant"] for r in _export(app, tenant_a, key=same_key)[0].rows] == [
        r["participant"] for r in _export(app, tenant_a, key=same_key)[0].rows
    ]


def test_the_export_step_refuses_rows_that_are_not_k_anonymous(app, tenant_a, cohort, monkeypatch):
    """The last check holds whatever generalisation did: with it made a no-op, the export is refused."""
    monkeypatch.setattr(
        E, "generalise", lambda found, k: E.Generalised(E.LEVELS[0], 0, [(p, E.quasi_identifiers(p, E.LEVELS[0])) for p in found], 0)
    )
    with pytest.raises(AssertionError, match="k-anonymous"):
        _export(app, tenant_a)


def test_every_export_is_audited_without_personal_data(app, tenant_a, client_for, cohort):
    from core.testing import AuditEvent

    client = client_for("alpha", R.PARTNER_STAFF)
    token = csrf_from(client.get(URL).get_data(as_text=True))
    response = client.post(URL, data={"format": "xlsx", "csrf_token": token})
    assert response.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.data)).active
    pseudonyms = {row[0] for row in sheet.iter_rows(min_row=3, values_only=True)}
    with app.app_context(), cross_tenant("test: read the audit trail"):
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.criterion.like("evaluation export (xlsx)%"))).all()
        db.session.remove()
    assert len(events) == 20  # one per mother whose data left, each in her own trail
    digest = hashlib.sha256("\n".join(sorted(pseudonyms)).encode()).hexdigest()[:16]
    assert all(e.criterion == f"evaluation export (xlsx): 21 rows, pseudonym set {digest}" for e in events)
    assert {e.subject for e in events} == {f"mother_groups.mother:{m}" for m in cohort["in"]}
    for event in events:
        assert "Evalueringsmor" not in (event.criterion or "") + (event.purpose or "")
        assert not any(p in (event.criterion or "") for p in pseudonyms)


@pytest.mark.parametrize(
    ("role", "organisation", "status"),
    [
        (R.PARTNER_STAFF, "testforeningen", 200),
        (R.PARTNER_STAFF, "andenforening", 404),
        (R.MUNICIPAL_STAFF, None, 403),
        (R.TENANT_ADMIN, None, 403),
        (R.VOLUNTEER, "testforeningen", 403),
    ],
)
def test_only_the_running_organisations_staff_may_export(app, client_for, cohort, role, organisation, status):
    assert client_for("alpha", role, organisation).get(URL).status_code == status


def test_a_bad_format_is_refused_in_danish(app, client_for):
    client = client_for("alpha", R.PARTNER_STAFF)
    token = csrf_from(client.get(URL).get_data(as_text=True))
    response = client.post(URL, data={"format": "pdf", "csrf_token": token})
    assert response.status_code == 400 and "filformat" in response.get_data(as_text=True).lower()


@pytest.mark.parametrize(
    ("age", "width", "band"),
    [(None, 5, "ukendt"), (17, 5, "under 20"), (20, 5, "20-24"), (29, 5, "25-29"), (31, 10, "30-39"), (44, 5, "40+"), (27, 0, "alle")],
)
def test_age_bands(age, width, band):
    assert E.age_band(age, width) == band
