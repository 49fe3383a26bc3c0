"""The JSON API under /<tenant>/api/v1/ and its per-tenant OpenAPI document."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import db
from core.tenancy.context import cross_tenant
from tests.example_plugin.models import Household


def test_openapi_is_public_and_generated_from_the_schemas(client):
    response = client.get("/alpha/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    assert doc["servers"] == [{"url": "/alpha/api/v1"}]
    assert {"/tenant", "/example/households", "/example/households/{household_id}"} <= set(doc["paths"])
    post = doc["paths"]["/example/households"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ExampleHousehold"}
    assert "422" in post["responses"]
    assert all(
        p.get("name") != "tenant"
        for path in doc["paths"].values()
        for op in path.values()
        if isinstance(op, dict)
        for p in op.get("parameters", [])
    )


def test_openapi_lists_only_enabled_programmes(client):
    doc = client.get("/gamma/api/v1/openapi.json").get_json()
    assert doc["servers"] == [{"url": "/gamma/api/v1"}]
    assert "/tenant" in doc["paths"]
    assert not [p for p in doc["paths"] if p.startswith(("/example", "/mother_groups"))]
    assert "ExampleHousehold" not in doc.get("components", {}).get("schemas", {})
    assert all(tag["name"] != "example_api" for tag in doc.get("tags", []))


def test_api_needs_sign_in(client):
    response = client.get("/alpha/api/v1/example/households")
    assert response.status_code == 401 and response.is_json


def test_list_and_get_stay_in_the_tenant(client_for, lookalike_data):
    alpha = client_for("alpha")
    listed = alpha.get("/alpha/api/v1/example/households").get_json()
    assert [h["id"] for h in listed] == [lookalike_data["alpha"]["household"]]
    own = alpha.get(f"/alpha/api/v1/example/households/{lookalike_data['alpha']['household']}")
    assert own.status_code == 200 and own.get_json()["name"] == "Familien Hansen"


def test_foreign_id_gets_exactly_the_answer_of_a_missing_id(client_for, lookalike_data):
    alpha = client_for("alpha")
    foreign = alpha.get(f"/alpha/api/v1/example/households/{lookalike_data['beta']['household']}")
    missing = alpha.get("/alpha/api/v1/example/households/999999")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_data() == missing.get_data()


def test_user_of_another_tenant_gets_404(client_for, lookalike_data):
    beta = client_for("beta")
    response = beta.get("/alpha/api/v1/example/households")
    assert response.status_code == 404
    assert b"Hansen" not in response.get_data()


def test_create_writes_in_the_tenant(app, client_for, tenant_a):
    response = client_for("alpha").post("/alpha/api/v1/example/households", json={"name": "Familien Olsen"})
    assert response.status_code == 201, response.get_json()
    with app.app_context(), cross_tenant("test: check where the row landed"):
        row = db.session.scalars(select(Household)).one()
    assert (row.name, row.tenant_id) == ("Familien Olsen", tenant_a)


def test_invalid_input_gets_422_per_field_and_writes_nothing(app, client_for):
    response = client_for("alpha").post("/alpha/api/v1/example/households", json={"name": "X", "size": 99})
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    # Danish by default, like the rest of the UI.
    assert errors == {"name": ["Skriv mellem 2 og 100 tegn."], "size": ["Angiv en værdi fra 1 til 20."]}
    missing = client_for("alpha").post("/alpha/api/v1/example/households", json={})
    assert missing.status_code == 422 and "name" in missing.get_json()["errors"]["json"]
    with app.app_context(), cross_tenant("test: nothing written"):
        assert db.session.scalar(select(func.count()).select_from(Household)) == 0
