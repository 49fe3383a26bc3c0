"""Governance pages of the mother-groups programme: joint meetings, milestones, evaluations."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from core.programme import copenhagen_today, db
from core.testing import cross_tenant, tenant_context
from core.testing.fixtures import csrf_from
from plugins.mother_groups.models import Evaluation, JointMeeting, Milestone

PAGE = "/alpha/mother_groups/governance/"
MISSING_ID = 987654
POLITICAL_PROCESS = "Politisk proces om videreførelse igangsat"


@pytest.fixture(autouse=True)
def _clean_governance(app):
    yield
    with app.app_context():
        db.session.rollback()
        with cross_tenant("test clean-up"):
            for model in (JointMeeting, Milestone, Evaluation):
                db.session.execute(delete(model))
        db.session.commit()
        db.session.remove()


def add(app, tenant_id: int, model, **fields) -> int:
    with app.app_context(), tenant_context(tenant_id):
        row = model(**fields)
        db.session.add(row)
        db.session.commit()
        row_id = row.id
        db.session.remove()
    return row_id


def get(app, tenant_id: int, model, row_id: int):
    with app.app_context(), tenant_context(tenant_id):
        row = db.session.get(model, row_id)
        if row is not None:
            db.session.expunge(row)
        db.session.remove()
    return row


def count(app, model) -> int:
    with app.app_context(), cross_tenant("test: count every tenant's rows"):
        return db.session.scalars(select(func.count(model.id))).one()


def post(client, url: str, data: dict[str, str]):
    token = csrf_from(client.get(PAGE).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def milestone_row(html: str, milestone_id: int) -> str:
    match = re.search(rf'<tr id="milestone-{milestone_id}"[^>]*>.*?</tr>', html, re.DOTALL)
    assert match, f"milestone {milestone_id} is not listed"
    return match.group(0)


def test_create_and_list_meetings_milestones_and_evaluations(app, client_for, tenant_a):
    staff = client_for("alpha", "partner_staff")
    meeting = post(
        staff,
        f"{PAGE}meetings",
        {"meeting_date": "2025-02-10", "organisations": "DRC Integration, Alfa Kommune", "minutes": "Status på forløb 1."},
    )
    milestone = post(
        staff,
        f"{PAGE}milestones",
        {"title": POLITICAL_PROCESS, "due_on": "2025-06-30", "status": "in_progress", "note": "Sag til udvalget"},
    )
    evaluation = post(staff, f"{PAGE}evaluations", {"evaluation_date": "2025-03-01", "kind": "focus_group", "notes": "Fem mødre deltog."})
    for response in (meeting, milestone, evaluation):
        assert response.status_code == 303 and response.headers["Location"].endswith(PAGE)
    html = staff.get(PAGE).get_data(as_text=True)
    for text in (
        "10.2.2025",
        "DRC Integration, Alfa Kommune",
        "Status på forløb 1.",
        POLITICAL_PROCESS,
        "30.6.2025",
        "Sag til udvalget",
        "1.3.2025",
        "Fem mødre deltog.",
    ):
        assert text in html
    with app.app_context(), tenant_context(tenant_a):
        stored = db.session.scalars(select(Milestone)).one()
        assert (stored.status, stored.done_on) == ("in_progress", None)
        assert db.session.scalars(select(Evaluation.kind)).all() == ["focus_group"]


def test_milestone_done_gets_a_done_date_and_reopening_clears_it(app, client_for, tenant_a):
    milestone_id = add(app, tenant_a, Milestone, title="Inspirationsmanual", due_on=copenhagen_today() + timedelta(days=10))
    staff = client_for("alpha", "tenant_admin")
    assert post(staff, f"{PAGE}milestones/{milestone_id}", {"status": "done"}).status_code == 303
    stored = get(app, tenant_a, Milestone, milestone_id)
    assert (stored.status, stored.done_on) == ("done", copenhagen_today())
    assert post(staff, f"{PAGE}milestones/{milestone_id}", {"status": "done", "done_on": "2025-05-02"}).status_code == 303
    assert get(app, tenant_a, Milestone, milestone_id).done_on == date(2025, 5, 2)
    assert post(staff, f"{PAGE}milestones/{milestone_id}", {"status": "open"}).status_code == 303
    stored = get(app, tenant_a, Milestone, milestone_id)
    assert (stored.status, stored.done_on) == ("open", None)


def test_invalid_forms_give_422_danish_errors_and_write_nothing(app, client_for):
    staff = client_for("alpha", "partner_staff")
    meeting = post(staff, f"{PAGE}meetings", {"meeting_date": "", "organisations": "DRC"})
    html = meeting.get_data(as_text=True)
    assert meeting.status_code == 422 and "Feltet skal udfyldes." in html and 'id="field-meeting_date-error"' in html
    assert 'value="DRC"' in html  # the input is kept
    evaluation = post(staff, f"{PAGE}evaluations", {"evaluation_date": "10/3", "kind": "party"})
    html = evaluation.get_data(as_text=True)
    assert evaluation.status_code == 422 and "Vælg en af mulighederne." in html and "Skriv en dato som ÅÅÅÅ-MM-DD." in html
    milestone = post(staff, f"{PAGE}milestones", {"title": "X", "due_on": "2025-06-30", "status": "open", "done_on": "2025-06-01"})
    assert milestone.status_code == 422 and 'id="field-done_on-error"' in milestone.get_data(as_text=True)
    assert post(staff, f"{PAGE}milestones", {"due_on": "2025-06-30"}).status_code == 422
    assert (count(app, JointMeeting), count(app, Milestone), count(app, Evaluation)) == (0, 0, 0)


def test_invalid_status_change_changes_nothing(app, client_for, tenant_a):
    milestone_id = add(app, tenant_a, Milestone, title="Film", due_on=date(2025, 9, 1), status="in_progress")
    staff = client_for("alpha", "partner_staff")
    refused = post(staff, f"{PAGE}milestones/{milestone_id}", {"status": "finished"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Vælg en af mulighederne." in milestone_row(html, milestone_id)
    assert get(app, tenant_a, Milestone, milestone_id).status == "in_progress"


def test_overdue_milestones_are_flagged(app, client_for, tenant_a):
    today = copenhagen_today()
    political = add(app, tenant_a, Milestone, title=POLITICAL_PROCESS, due_on=date(2025, 6, 30), status="open")
    started = add(app, tenant_a, Milestone, title="Nyhedsartikel", due_on=today - timedelta(days=1), status="in_progress")
    done_late = add(app, tenant_a, Milestone, title="Forankringsmodel", due_on=today - timedelta(days=30), status="done", done_on=today)
    due_today = add(app, tenant_a, Milestone, title="Fællesmøde", due_on=today, status="open")
    html = client_for("alpha", "municipal_staff").get(PAGE).get_data(as_text=True)
    flags = {m: 'data-overdue="true"' in milestone_row(html, m) for m in (political, started, done_late, due_today)}
    assert flags == {political: True, started: True, done_late: False, due_today: False}
    assert 'class="badge badge-error"' in milestone_row(html, political)


# --- isolation ----------------------------------------------------------------------


def test_lists_show_only_the_own_tenants_records(app, client_for, tenant_a, tenant_b):
    for tid, slug in ((tenant_a, "alpha"), (tenant_b, "beta")):
        add(app, tid, Milestone, title=POLITICAL_PROCESS, due_on=date(2025, 6, 30), note=f"Notat {slug}")
        add(app, tid, JointMeeting, held_on=date(2025, 2, 1), organisations="DRC", minutes=f"Referat {slug}")
        add(app, tid, Evaluation, held_on=date(2025, 2, 2), kind="survey", notes=f"Evaluering {slug}")
    html = client_for("alpha").get(PAGE).get_data(as_text=True)
    assert "Notat alpha" in html and "Referat alpha" in html and "Evaluering alpha" in html
    assert "beta" not in html.lower()


def test_foreign_milestone_id_answers_exactly_like_a_missing_one(app, client_for, tenant_b):
    foreign = add(app, tenant_b, Milestone, title=POLITICAL_PROCESS, due_on=date(2025, 6, 30), note="Notat beta")
    staff = client_for("alpha", "tenant_admin")
    for data in ({"status": "done"}, {"status": "nonsense"}):  # invalid input: still 404, never 422
        answer_foreign = post(staff, f"{PAGE}milestones/{foreign}", data)
        answer_missing = post(staff, f"{PAGE}milestones/{MISSING_ID}", data)
        assert answer_foreign.status_code == answer_missing.status_code == 404
        assert answer_foreign.get_data() == answer_missing.get_data()
        assert b"beta" not in answer_foreign.get_data().lower()
    assert get(app, tenant_b, Milestone, foreign).status == "open"


def test_another_tenants_page_is_not_found(client_for):
    staff = client_for("alpha", "tenant_admin")
    assert staff.get("/beta/mother_groups/governance/").status_code == 404


def test_a_tenant_without_the_programme_has_no_governance_page(client_for):
    assert client_for("gamma", "tenant_admin").get("/gamma/mother_groups/governance/").status_code == 404


# --- roles --------------------------------------------------------------------------


def test_municipal_staff_read_but_do_not_write(app, client_for, tenant_a):
    milestone_id = add(app, tenant_a, Milestone, title=POLITICAL_PROCESS, due_on=date(2025, 6, 30))
    staff = client_for("alpha", "municipal_staff")
    page = staff.get(PAGE)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and POLITICAL_PROCESS in html
    assert "/governance/meetings" not in html and f"/governance/milestones/{milestone_id}" not in html  # no forms
    for url, data in (
        (f"{PAGE}meetings", {"meeting_date": "2025-02-10", "organisations": "DRC"}),
        (f"{PAGE}milestones", {"title": "X", "due_on": "2025-06-30"}),
        (f"{PAGE}evaluations", {"evaluation_date": "2025-03-01", "kind": "survey"}),
        (f"{PAGE}milestones/{milestone_id}", {"status": "done"}),
    ):
        assert post(staff, url, data).status_code == 403
    assert (count(app, JointMeeting), count(app, Milestone), count(app, Evaluation)) == (0, 1, 0)
    assert get(app, tenant_a, Milestone, milestone_id).status == "open"


@pytest.mark.parametrize("role", ["volunteer", "finance"])
def test_other_roles_get_403(client_for, role):
    client = client_for("alpha", role)
    assert client.get(PAGE).status_code == 403
    token = csrf_from(client.get("/alpha/").get_data(as_text=True))
    assert (
        client.post(f"{PAGE}meetings", data={"meeting_date": "2025-02-10", "organisations": "DRC", "csrf_token": token}).status_code == 403
    )


@pytest.mark.parametrize("role", ["tenant_admin", "partner_staff"])
def test_writers_see_the_forms(client_for, role):
    html = client_for("alpha", role).get(PAGE).get_data(as_text=True)
    for path in ("meetings", "milestones", "evaluations"):
        assert f'action="{PAGE}{path}"' in html


def test_platform_admin_sees_the_page(client_for):
    assert client_for(None).get(PAGE).status_code == 200
