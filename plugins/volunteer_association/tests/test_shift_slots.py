"""One shift per day and time, one sign-up per volunteer, one taker per offered slot: also at once (issue 10).

The database's UNIQUE constraints decide, in the same transaction as the
write; a duplicate from the API is a 409 problem naming ``starts``, from the
form a 422 with the field error, and concurrent submissions store one row and
never give a 500.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.programme import copenhagen_today, db
from core.testing import tenant_context
from core.testing.fixtures import csrf_from, sign_in
from plugins.volunteer_association.models import Shift, ShiftSignup
from plugins.volunteer_association.tests.test_shifts import _post, shift_id, volunteer_client  # noqa: F401 (fixture)

API = "/alpha/api/v1/volunteer_association"
TAKEN = "Der er allerede en vagt på det tidspunkt."
DAY = (copenhagen_today() + timedelta(days=2)).isoformat()


def _count(app, tenant, model) -> int:
    with app.app_context(), tenant_context(tenant):
        return db.session.scalars(select(func.count()).select_from(model)).one()


def at_once(calls) -> list:
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def _staff(app, n: int):
    clients = []
    for _ in range(n):
        client = app.test_client()
        sign_in(app, client, "partner_staff", "alpha")
        clients.append(client)
    return clients


def test_a_duplicate_shift_from_the_api_is_a_409_problem_naming_the_start(app, client_for, tenant_a):
    client = client_for("alpha")
    body = {"day": DAY, "starts": "10:00", "ends": "14:00"}
    assert client.post(f"{API}/shifts", json=body).status_code == 201
    again = client.post(f"{API}/shifts", json=body)
    problem = again.get_json()
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert problem["errors"]["json"] == {"starts": [TAKEN]} and problem["detail"] == TAKEN
    assert _count(app, tenant_a, Shift) == 1


def test_a_duplicate_shift_from_the_form_is_a_422_with_the_field_error(app, client_for, tenant_a):
    client = client_for("alpha")
    token = csrf_from(client.get("/alpha/volunteer_association/").get_data(as_text=True))
    form = {"csrf_token": token, "day": DAY, "starts": "10:00", "ends": "14:00", "needed": "2"}
    assert client.post("/alpha/volunteer_association/shifts", data=form).status_code == 302
    again = client.post("/alpha/volunteer_association/shifts", data=form)
    assert again.status_code == 422 and TAKEN in again.get_data(as_text=True)
    assert _count(app, tenant_a, Shift) == 1


@pytest.mark.parametrize("via", ["api", "form"])
def test_concurrent_submissions_of_one_shift_store_one(app, tenant_a, via):
    clients = _staff(app, 6)
    if via == "api":
        calls = [lambda c=c: c.post(f"{API}/shifts", json={"day": DAY, "starts": "09:00", "ends": "12:00"}) for c in clients]
        expected_refusal = 409
    else:
        tokens = [csrf_from(c.get("/alpha/volunteer_association/").get_data(as_text=True)) for c in clients]
        calls = [
            lambda c=c, t=t: c.post(
                "/alpha/volunteer_association/shifts", data={"csrf_token": t, "day": DAY, "starts": "09:00", "ends": "12:00"}
            )
            for c, t in zip(clients, tokens, strict=False)
        ]
        expected_refusal = 422
    statuses = sorted(r.status_code if not isinstance(r, Exception) else repr(r) for r in at_once(calls))
    accepted = 201 if via == "api" else 302
    assert statuses == sorted([accepted] + [expected_refusal] * (len(clients) - 1)), statuses
    assert _count(app, tenant_a, Shift) == 1


def test_concurrent_sign_ups_of_one_volunteer_are_one_sign_up(app, tenant_a, shift_id):  # noqa: F811
    client, volunteer_id = volunteer_client(app, tenant_a)
    token = csrf_from(client.get("/alpha/volunteer_association/").get_data(as_text=True))
    url = f"/alpha/volunteer_association/shifts/{shift_id}/signup"
    results = at_once([lambda: client.post(url, data={"csrf_token": token}) for _ in range(6)])
    assert [getattr(r, "status_code", r) for r in results] == [302] * 6
    api = at_once([lambda: client.post(f"{API}/shifts/{shift_id}/signups") for _ in range(4)])
    assert [getattr(r, "status_code", r) for r in api] == [201] * 4
    with app.app_context(), tenant_context(tenant_a):
        assert db.session.scalars(select(ShiftSignup.volunteer_id)).all() == [volunteer_id]


def test_two_takers_of_one_offered_slot_one_gets_it(app, tenant_a, shift_id):  # noqa: F811
    first, _ = volunteer_client(app, tenant_a, "Inge")
    _post(first, f"/alpha/volunteer_association/shifts/{shift_id}/signup")
    _post(first, f"/alpha/volunteer_association/shifts/{shift_id}/offer")
    takers = [volunteer_client(app, tenant_a, name) for name in ("Lis", "Bodil", "Jytte")]
    tokens = [csrf_from(c.get("/alpha/volunteer_association/").get_data(as_text=True)) for c, _ in takers]
    url = f"/alpha/volunteer_association/shifts/{shift_id}/take"
    results = at_once(
        [lambda c=c, t=t: c.post(url, data={"csrf_token": t}, follow_redirects=True) for (c, _), t in zip(takers, tokens, strict=False)]
    )
    assert [getattr(r, "status_code", r) for r in results] == [200] * 3
    told = [i for i, r in enumerate(results) if "Du har overtaget vagten." in r.get_data(as_text=True)]
    assert len(told) == 1  # the others are told there is no shift to take
    with app.app_context(), tenant_context(tenant_a):
        rows = db.session.execute(select(ShiftSignup.volunteer_id, ShiftSignup.status)).all()
    assert rows == [(takers[told[0]][1], "signed_up")]


def test_a_shift_time_with_a_utc_offset_is_refused(app, client_for, tenant_a):
    client = client_for("alpha")
    for starts, ends in (("10:00+02:00", "14:00"), ("10:00+02:00", "14:00+02:00"), ("10:00Z", "14:00Z")):
        refused = client.post(f"{API}/shifts", json={"day": DAY, "starts": starts, "ends": ends})
        assert refused.status_code == 422 and "starts" in refused.get_json()["errors"]["json"], refused.get_data(as_text=True)
        assert refused.get_json()["errors"]["json"]["starts"] == ["Skriv klokkeslættet uden tidszone, f.eks. 10:00."]
    assert _count(app, tenant_a, Shift) == 0


@pytest.mark.parametrize("chosen", ["²", "abc", "99999999999999999999", "-1", "1\x00"])
def test_staff_choosing_a_volunteer_by_a_non_numeric_id_get_a_4xx(app, client_for, tenant_a, shift_id, chosen):  # noqa: F811
    client = client_for("alpha")
    token = csrf_from(client.get("/alpha/volunteer_association/").get_data(as_text=True))
    response = client.post(f"/alpha/volunteer_association/shifts/{shift_id}/signup", data={"csrf_token": token, "volunteer_id": chosen})
    assert response.status_code == 400
    assert _count(app, tenant_a, ShiftSignup) == 0
