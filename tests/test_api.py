"""The JSON API under /<tenant>/api/v1/ and its per-tenant OpenAPI document."""

from __future__ import annotations

import json

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


# --- the OpenAPI document: security, problems, schemas, links, paging -----------------------------

PROBLEM = "application/problem+json"


def _operations(doc: dict):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, operation


def _resolved(doc: dict, node: dict) -> dict:
    ref = node.get("$ref")
    if ref is None:
        return node
    kind, name = ref.split("/")[-2:]
    return doc["components"][kind][name]


def test_every_operation_declares_its_security_and_its_problems(client):
    doc = client.get("/alpha/api/v1/openapi.json").get_json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert schemes["oauth2"]["flows"]["clientCredentials"]["tokenUrl"] == "/alpha/api/v1/oauth/token"
    assert doc["security"] == [{"bearer": []}, {"oauth2": ["read"]}]
    for path, method, operation in _operations(doc):
        responses = operation["responses"]
        assert "default" not in responses, f"{method} {path}: a catch-all hides undocumented statuses"
        wanted = {"400", "401", "403", "404", "422"} | ({"409"} if method != "get" else set())
        assert wanted <= set(responses), f"{method} {path}: {sorted(responses)}"
        for code in wanted:
            content = _resolved(doc, responses[code])["content"]
            assert list(content) == [PROBLEM] and content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
        if method != "get":
            assert operation["security"] == [{"bearer": []}, {"oauth2": ["write"]}], f"{method} {path}"


def test_problems_are_served_as_documented(client_for):
    staff = client_for("alpha")
    missing = staff.get("/alpha/api/v1/example/households/999999")
    assert missing.status_code == 404 and missing.mimetype == PROBLEM and missing.get_json()["status"] == 404
    # Whitespace is no JSON document: a 400 problem in Danish, its errors per location as documented.
    blank = staff.post("/alpha/api/v1/example/households", data="\n", content_type="application/json")
    assert blank.status_code == 400 and blank.mimetype == PROBLEM
    assert blank.get_json()["detail"] == "Indholdet er ikke gyldig JSON."


def test_decimals_are_documented_as_the_strings_they_are(client):
    doc = client.get("/alpha/api/v1/openapi.json").get_json()
    grant = doc["components"]["schemas"]["VolunteerAssociationGrant"]["properties"]["amount_applied"]
    assert grant == {
        "type": "string",
        "format": "decimal",
        "pattern": "^[0-9]{1,10}(\\.[0-9]{1,2})?$",
        "x-minimum": "0.00",
        "x-maximum": "9999999999.99",
    }
    # No range keyword anywhere holds a string (the document was invalid with "maximum": "1000000.00").
    pending = [doc]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            for key in ("minimum", "maximum"):
                assert not isinstance(node.get(key), str), node
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)


def test_fields_that_can_be_empty_are_nullable(client):
    schemas = client.get("/alpha/api/v1/openapi.json").get_json()["components"]["schemas"]
    enrolment = schemas["MotherGroupsEnrolment"]["properties"]
    assert all(enrolment[name].get("nullable") for name in ("waitlisted_on", "left_on", "leave_reason"))
    assert schemas["MotherGroupsSession"]["properties"]["moved_from"].get("nullable")


def test_collections_link_to_their_items(client):
    doc = client.get("/alpha/api/v1/openapi.json").get_json()
    created = doc["paths"]["/mother_groups/courses"]["post"]["responses"]["201"]["links"]
    assert created["get_mother_groups_courses_course_id"] == {
        "operationRef": "#/paths/~1mother_groups~1courses~1{course_id}/get",
        "parameters": {"course_id": "$response.body#/id"},
    }
    listed = doc["paths"]["/mother_groups/courses/{course_id}/sessions"]["get"]["responses"]["200"]["links"]
    assert listed["put_mother_groups_sessions_session_id"]["parameters"] == {"session_id": "$response.body#/0/id"}


def test_lists_page_with_flask_smorest(client_for, lookalike_data, app, tenant_a):
    from core.tenancy.context import tenant_context

    with app.app_context(), tenant_context(tenant_a):
        db.session.add_all(Household(name=f"Familien {n}") for n in range(4))
        db.session.commit()
        db.session.remove()
    alpha = client_for("alpha")
    first = alpha.get("/alpha/api/v1/example/households?page_size=2")
    assert first.status_code == 200 and len(first.get_json()) == 2
    assert json.loads(first.headers["X-Pagination"]) == {
        "total": 5,
        "total_pages": 3,
        "first_page": 1,
        "last_page": 3,
        "page": 1,
        "next_page": 2,
    }
    last = alpha.get("/alpha/api/v1/example/households?page=3&page_size=2")
    assert len(last.get_json()) == 1 and json.loads(last.headers["X-Pagination"])["previous_page"] == 2
    beyond = alpha.get("/alpha/api/v1/example/households?page=99")
    assert beyond.get_json() == [] and json.loads(beyond.headers["X-Pagination"])["total"] == 5
    for query, field, message in (
        ("page_size=101", "page_size", "Angiv en værdi fra 1 til 100."),
        ("page_size=0", "page_size", "Angiv en værdi fra 1 til 100."),
        ("page=0", "page", "Angiv en værdi fra 1 til 2147483647."),
        ("page=abc", "page", "Skriv et helt tal."),
    ):
        refused = alpha.get(f"/alpha/api/v1/example/households?{query}")
        assert refused.status_code == 422 and refused.mimetype == PROBLEM, query
        assert refused.get_json()["errors"] == {"query": {field: [message]}}, query
    doc = alpha.get("/alpha/api/v1/openapi.json").get_json()
    listed = doc["paths"]["/example/households"]["get"]
    assert {p["name"] for p in listed["parameters"]} == {"page", "page_size"}
    header = _resolved(doc, listed["responses"]["200"]["headers"]["X-Pagination"])
    assert header["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PaginationMetadata"}
