"""Bad input never gives a 500, and nothing is half-written (issue 10).

The URL map and the pages are walked, as tests/test_authorization.py does, so a
new route, form or plugin is covered without being listed here:

- every API operation with a JSON body gets, field by field (nested ones too):
  a NUL byte in text, integers beyond the column's range, a missing and another
  tenant's id for references, a time with a UTC offset; and every API write
  gets a body nested 50,000 deep;
- every form on every page (as each kind of person) gets, field by field: a
  NUL byte, and non-numeric, odd-digit and out-of-range values in number,
  hidden and select fields (the ids), a time with a UTC offset;
- every query parameter the API documents, and every one found on the pages
  (links and search forms), gets the same, and a made-up one on every route
  a NUL byte;
- every integer path segment gets a number beyond the column's range;
- any ``Authorization: Bearer`` header on a URL that does not exist.

Each answer is a 4xx in Danish (the API: a JSON problem naming the field), and
nothing is written: the tenant's row counts are the same before and after.
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from marshmallow import fields, validate
from sqlalchemy import func, literal, select, union_all

from core.db import db
from core.identity import roles as R
from core.identity.authz import PUBLIC, allowed_roles
from core.tenancy.context import tenant_context
from core.testing.fixtures import sign_in
from tests.test_authorization import FOREIGN, OWN, SKIP_METHODS, _rules, _url, objects  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parent.parent
# Who walks a route: the first of these the matrix admits (each signed in once).
WALKERS = [
    (R.PARTNER_STAFF, "testforeningen"),
    (R.TENANT_ADMIN, None),
    (R.MUNICIPAL_STAFF, None),
    (R.FINANCE, None),
    (R.VOLUNTEER, "testforeningen"),
]
MISSING_ID = 987654
HUGE_INTEGERS = ("99999999999999999999", str(2**31), str(-(2**31) - 1))
NOT_NUMBERS = ("abc", "²", "1.5")  # "²".isdigit() is True, int("²") fails
OFFSET_TIME = "10:00+02:00"
NUL = "\x00"
NOT_DATA = {"audit_events"}  # written on purpose by refusals


# --- what counts as Danish and as nothing written ------------------------------------


def _english_patterns() -> list[re.Pattern]:
    """Every English text a user might be shown untranslated: our message ids and the libraries' defaults."""
    import marshmallow
    import werkzeug.exceptions

    texts = set()
    for catalogue in [ROOT / "core", *sorted((ROOT / "plugins").glob("*/"))]:  # core's ids and each plugin's
        pot = catalogue / "translations" / "messages.pot"
        if pot.exists():
            texts |= {m.encode().decode("unicode_escape") for m in re.findall(r'^msgid "(.+)"$', pot.read_text(), re.M)}
    for cls in vars(marshmallow.fields).values():
        if isinstance(cls, type) and issubclass(cls, marshmallow.fields.Field):
            texts |= {str(t) for t in getattr(cls, "default_error_messages", {}).values()}
    texts |= {str(t) for t in marshmallow.Schema._default_error_messages.values()}
    for cls in vars(werkzeug.exceptions).values():
        if isinstance(cls, type) and issubclass(cls, werkzeug.exceptions.HTTPException) and isinstance(cls.description, str):
            texts.add(cls.description)
    texts |= {"Invalid JSON body.", "Not Found", "Bad Request", "Unprocessable Entity", "Conflict"}
    patterns = []
    for text in texts:
        if not isinstance(text, str) or len(text) < 4 or text.startswith("%(") or text == "Samvirke":
            continue
        escaped = re.escape(text)
        escaped = re.sub(r"\\\{[^}]*\\\}|%\\\([a-z_]+\\\)[sd]", ".+", escaped)
        patterns.append(re.compile(f"^{escaped}$"))
    return patterns


ENGLISH = _english_patterns()


def untranslated(messages: list[str]) -> list[str]:
    return [m for m in messages if any(p.match(m.strip()) for p in ENGLISH)]


def row_counts(app) -> dict[str, int]:
    """Rows per tenant table (every tenant: a write to the wrong one counts too)."""
    with app.app_context(), tenant_context(_tenant(app, OWN)):
        tables = [t for t in db.metadata.sorted_tables if "tenant_id" in t.c and t.name not in NOT_DATA]
        query = union_all(*(select(literal(t.name), func.count()).select_from(t) for t in tables))
        counts = dict(db.session.execute(query).all())
        db.session.rollback()
        return counts


def _tenant(app, slug):
    from core.testing.fixtures import tenant_id

    cache = app.extensions.setdefault("_bad_input_tenants", {})
    if slug not in cache:
        cache[slug] = tenant_id(app, slug)
    return cache[slug]


def written(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


# --- who walks ---------------------------------------------------------------------------


class Walkers:
    def __init__(self, app):
        self.app, self.clients = app, {}

    def client(self, role: str, organisation: str | None):
        if (role, organisation) not in self.clients:
            c = self.app.test_client()
            sign_in(self.app, c, role, OWN, organisation)
            self.clients[(role, organisation)] = c
        return self.clients[(role, organisation)]

    def for_rule(self, rule, method: str):
        allowed = allowed_roles(rule.rule, method, self.app) or frozenset()
        if PUBLIC in allowed:
            return self.app.test_client()
        for role, organisation in WALKERS:
            if role in allowed:
                return self.client(role, organisation)
        return None


@pytest.fixture
def sample(app, objects):  # noqa: F811 (the imported fixture)
    """The authorization test's objects, plus what a valid write needs: a housing area, a mother not
    yet enrolled, a referral still pending, a granted grant."""
    from decimal import Decimal

    from plugins.mother_groups.models import HousingArea, Referral
    from plugins.mother_groups.services import create_mother
    from plugins.volunteer_association.models import GrantApplication

    ids = {slug: dict(values) for slug, values in objects.items()}
    with app.app_context():
        for slug in (OWN, FOREIGN):
            with tenant_context(_tenant(app, slug)):
                area = HousingArea(name=f"Boligområde {slug}")
                mother = create_mother({"name": f"Ny mor {slug}"}, "test")
                referred = create_mother({"name": f"Henvist mor {slug}"}, "test")
                referral = Referral(mother_id=referred.id, referred_by="test", referred_on=date(2026, 1, 2))
                grant = db.session.get(GrantApplication, ids[slug]["grant_id"])
                grant.status, grant.amount_granted = "granted", Decimal("1000")
                db.session.add_all([area, referral])
                db.session.commit()
                ids[slug].update(housing_area_id=area.id, mother_id=mother.id, referral_id=referral.id)
        db.session.remove()
    return ids


def reference_key(name: str, ids: dict[str, int]) -> str | None:
    """The sample object a field or parameter refers to (``hours_office_id`` -> office, ``volunteers`` and
    ``volunteer_ids`` -> volunteer)."""
    single = name.removesuffix("s")  # volunteers, volunteer_ids
    candidates = {name, f"{name}_id", single, f"{single}_id"}
    for key in ids:
        if key in candidates or name.endswith("_" + key):
            return key
    return None


@pytest.fixture
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False  # the walks are about input, not CSRF (tests/test_web.py has that)
    yield
    app.config["WTF_CSRF_ENABLED"] = True


# --- the API -------------------------------------------------------------------------------


def body_schema(app, endpoint: str):
    for parameter in getattr(app.view_functions[endpoint], "_apidoc", {}).get("arguments", {}).get("parameters", []):
        if parameter["in"] == "json":
            schema = parameter["schema"]
            return schema() if isinstance(schema, type) else schema
    return None


def api_writes(app):
    for rule in _rules(app):
        if "/api/" not in rule.rule or "<tenant>" not in rule.rule:
            continue
        for method in sorted(rule.methods - SKIP_METHODS - {"GET"}):
            if PUBLIC not in (allowed_roles(rule.rule, method, app) or ()):
                yield rule, method


# Values a generated payload cannot guess; keyed by field name.
VALID = {
    "end_date": "2026-10-20",
    "ends": "14:00",
    "closes": "16:00",
    "cpr": None,
    "children_ages": None,
    "family_number": "F-100",
    "phone": "70 20 90 50",
    "phone_counselling": "70 20 90 50",
    "funding": "grant",
    "certificate_result": None,
    "certificate_assessed_on": None,
    "certificate_valid_until": None,
    "certificate_document_deleted_on": None,
    "insured_until": None,
    "organisation_id": None,
    "decline_reason": None,
}


def valid_value(f: fields.Field, name: str, ids: dict[str, int]):
    if name in VALID:
        return VALID[name]
    key = reference_key(name, ids)
    if isinstance(f, fields.List):
        inner = valid_value(f.inner, name, ids)
        return [inner] if inner is not None else []
    if isinstance(f, fields.Nested):
        return valid_payload(f.schema, ids)
    if key and isinstance(f, fields.Integer):
        return ids[key]
    for v in f.validators:
        if isinstance(v, validate.OneOf):
            return list(v.choices)[0]
    if isinstance(f, fields.Boolean):
        return True
    if isinstance(f, fields.Email):
        return "test@example.dk"
    if isinstance(f, fields.Url):
        return "https://example.dk"
    if isinstance(f, fields.DateTime):
        return "2026-03-03T10:00:00"
    if isinstance(f, fields.Date):
        return "2026-01-06"
    if isinstance(f, fields.Time):
        return "10:00"
    low = next((v.min for v in f.validators if isinstance(v, validate.Range) and v.min is not None), None)
    if isinstance(f, fields.Decimal):
        return str(max(low or 0, 1))
    if isinstance(f, fields.Float):
        return float(max(low or 0, 1))
    if isinstance(f, fields.Integer):
        return max(low or 0, 1)
    if isinstance(f, fields.String):
        length = next((v for v in f.validators if isinstance(v, validate.Length)), None)
        size = max(6, (length.min or 0) if length else 0)
        if length and length.max:
            size = min(size, length.max)
        return "Prøve nummer to"[:size]
    return None


def valid_payload(schema, ids: dict[str, int]) -> dict:
    payload = {}
    for name, f in schema.load_fields.items():
        key = f.data_key or name
        value = valid_value(f, key, ids)
        if value is not None:
            payload[key] = value
    return payload


def bad_values(f: fields.Field, name: str, ids: dict[str, int], foreign: dict[str, int]):
    """(label, value) pairs a field must refuse; for a list, the item's."""
    if isinstance(f, fields.List):
        for label, value in bad_values(f.inner, name, ids, foreign):
            yield label, [value]
        return
    if isinstance(f, fields.String):
        yield "NUL byte", f"Prø{NUL}ve"
    if isinstance(f, fields.Integer):
        for huge in HUGE_INTEGERS:
            yield f"integer {huge}", int(huge)
        key = reference_key(name, ids)
        if key:
            yield "missing id", MISSING_ID
            yield "another tenant's id", foreign[key]
    if isinstance(f, (fields.Decimal, fields.Float)):
        yield "huge number", 1e300 if isinstance(f, fields.Float) else "1e300"
    if isinstance(f, fields.Time):
        yield "time with offset", OFFSET_TIME


def mutations(schema, ids, foreign, path=()):
    """(path into the payload, label, value) for every field, nested ones included."""
    for name, f in schema.load_fields.items():
        key = f.data_key or name
        if isinstance(f, fields.Nested) or (isinstance(f, fields.List) and isinstance(f.inner, fields.Nested)):
            nested = f.schema if isinstance(f, fields.Nested) else f.inner.schema
            inner_path = (*path, key) if isinstance(f, fields.Nested) else (*path, key, 0)
            yield from mutations(nested, ids, foreign, inner_path)
            continue
        for label, value in bad_values(f, key, ids, foreign):
            yield (*path, key), label, value


def with_value(payload: dict, path: tuple, value) -> dict:
    import copy

    out = copy.deepcopy(payload)
    node = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return out


def problem_messages(body: dict) -> list[str]:
    detail = body.get("detail")
    found: list[str] = [detail] if isinstance(detail, str) else []

    def walk(node):
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            found.append(node)

    walk(body.get("errors", {}))
    return found


def names_field(errors: dict, path: tuple) -> bool:
    """The error names the field: its path, or at least its top-level key."""
    node = errors.get("json", {})
    return isinstance(node, dict) and path[0] in node


def test_every_api_field_refuses_bad_input_with_a_danish_problem_naming_it(app, sample):
    walkers = Walkers(app)
    failures, checked = [], 0
    for rule, method in api_writes(app):
        schema = body_schema(app, rule.endpoint)
        client = walkers.for_rule(rule, method)
        if schema is None or client is None:
            continue
        url = _url(rule, OWN, sample[OWN])
        base = valid_payload(schema, sample[OWN])
        for path, label, value in mutations(schema, sample[OWN], sample[FOREIGN]):
            before = row_counts(app)
            response = client.open(url, method=method, json=with_value(base, path, value))
            where = f"{method} {url} {'.'.join(map(str, path))} = {label}"
            checked += 1
            if response.status_code >= 500 or response.status_code < 400:
                failures.append(f"{where}: {response.status_code}")
                continue
            body = response.get_json(silent=True) or {}
            if response.mimetype != "application/problem+json" or body.get("status") != response.status_code:
                failures.append(f"{where}: not a JSON problem ({response.mimetype}, {body})")
            if response.status_code == 422 and not names_field(body.get("errors", {}), path):
                failures.append(f"{where}: the problem does not name the field: {body}")
            messages = problem_messages(body)
            if not messages or untranslated(messages):
                failures.append(f"{where}: not in Danish: {messages}")
            if changed := written(before, row_counts(app)):
                failures.append(f"{where}: wrote {changed}")
    assert failures == [], "\n".join(failures)
    assert checked > 100


def test_the_walk_starts_from_payloads_the_api_accepts(app, sample):
    """The base payloads are valid, so each refusal above is about the one field changed."""
    walkers = Walkers(app)
    failures = []
    for rule, method in api_writes(app):
        schema = body_schema(app, rule.endpoint)
        client = walkers.for_rule(rule, method)
        if schema is None or client is None:
            continue
        response = client.open(_url(rule, OWN, sample[OWN]), method=method, json=valid_payload(schema, sample[OWN]))
        if response.status_code >= 300:
            failures.append(f"{method} {rule.rule}: {response.status_code} {response.get_data(as_text=True)[:300]}")
    assert failures == [], "\n".join(failures)


def query_schema(app, endpoint: str):
    apidoc = getattr(app.view_functions[endpoint], "_apidoc", {})
    paging = [apidoc["pagination"]["parameters"]] if "pagination" in apidoc else []  # @blp.paginate() (core.api.pagination)
    for parameter in [*apidoc.get("arguments", {}).get("parameters", []), *paging]:
        if parameter["in"] == "query":
            schema = parameter["schema"]
            return schema() if isinstance(schema, type) else schema
    return None


def test_every_api_query_parameter_refuses_bad_input_with_a_problem_naming_it(app, sample):
    walkers = Walkers(app)
    failures, checked = [], 0
    for rule in _rules(app):
        if "/api/" not in rule.rule or "GET" not in rule.methods:
            continue
        schema, client = query_schema(app, rule.endpoint), walkers.for_rule(rule, "GET")
        if schema is None or client is None:
            continue
        for path, label, value in mutations(schema, sample[OWN], sample[FOREIGN]):
            if label in ("missing id", "another tenant's id"):
                continue  # a filter on a missing id finds nothing; that is an answer, not an error
            url = f"{_url(rule, OWN, sample[OWN])}?{urlencode({path[0]: value if not isinstance(value, list) else value[0]})}"
            response = client.get(url)
            checked += 1
            problem = response.get_json(silent=True) or {}
            if not 400 <= response.status_code < 500 or path[0] not in problem.get("errors", {}).get("query", {}):
                failures.append(f"GET {url} ({label}): {response.status_code} {problem}")
            elif untranslated(problem_messages(problem)):
                failures.append(f"GET {url} ({label}): not in Danish: {problem}")
    assert failures == [], "\n".join(failures)
    assert checked >= 3


def test_json_nested_50000_deep_is_a_danish_400_on_every_api_write(app, sample):
    deep = "[" * 50_000 + "]" * 50_000
    walkers = Walkers(app)
    failures, checked = [], 0
    for rule, method in api_writes(app):
        client = walkers.for_rule(rule, method)
        if client is None:
            continue
        before = row_counts(app)
        for body in (deep, '{"a":' * 50_000 + "1" + "}" * 50_000):
            response = client.open(_url(rule, OWN, sample[OWN]), method=method, data=body, content_type="application/json")
            checked += 1
            problem = response.get_json(silent=True) or {}
            if response.status_code != 400 or response.mimetype != "application/problem+json":
                failures.append(f"{method} {rule.rule}: {response.status_code} {response.mimetype}")
            elif untranslated(problem_messages(problem)) or not problem.get("detail"):
                failures.append(f"{method} {rule.rule}: not in Danish: {problem}")
        if changed := written(before, row_counts(app)):
            failures.append(f"{method} {rule.rule}: wrote {changed}")
    assert failures == [], "\n".join(failures)
    assert checked >= 10


def test_json_within_the_depth_limit_is_read(client_for):
    """The limit (32 levels) is far above any document of the API: 30 levels reach the schema, which names the field."""
    nested = "[" * 30 + "]" * 30
    response = client_for(OWN).post(
        "/alpha/api/v1/example/households",
        data=f'{{"name": "Familien Dyb", "extra": {nested}}}',
        content_type="application/json",
    )
    assert response.status_code == 422 and list(response.get_json()["errors"]["json"]) == ["extra"]
    assert untranslated(problem_messages(response.get_json())) == []


def test_a_body_that_is_not_json_is_a_danish_400(client_for):
    response = client_for(OWN).post("/alpha/api/v1/example/households", data='{"name": ', content_type="application/json")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert untranslated(problem_messages(response.get_json())) == []


# --- pages and forms ----------------------------------------------------------------------------


class _Forms(HTMLParser):
    """The forms of a page (method, action, fields) and the query strings of its links."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "?" in (a.get("href") or ""):
            self.links.append(a["href"])
        if tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(), "action": a.get("action") or "", "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a and kind == "radio":
                return
            self._form["fields"].append({"name": a["name"], "type": kind, "value": a.get("value") or "", "options": []})
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "type": "select", "value": "", "options": []}
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
            if "selected" in a:
                self._select["value"] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"name": a["name"], "type": "textarea", "value": "", "options": []}
            self._form["fields"].append(self._textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data


class _Messages(HTMLParser):
    """The texts a page shows as errors: field errors, the error summary, an error page's heading and detail."""

    def __init__(self):
        super().__init__()
        self.messages: list[str] = []
        self._depth = 0
        self._sr = 0

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if self._depth:
            self._depth += 1
            if "sr-only" in cls:
                self._sr = self._depth
        elif "form-error-message" in cls or "alert-text" in cls or "error-detail" in cls or tag == "h1":
            self._depth = 1
            self.messages.append("")

    def handle_endtag(self, tag):
        if self._depth:
            if self._sr == self._depth:
                self._sr = 0
            self._depth -= 1

    def handle_data(self, data):
        if self._depth and not self._sr:
            self.messages[-1] += data

    def texts(self) -> list[str]:
        out = []
        for text in self.messages:
            out += [t.strip() for t in re.split(r"\n|(?<=\.) ", text) if t.strip()]
        return out


def page_messages(html: str) -> list[str]:
    parser = _Messages()
    parser.feed(html)
    return parser.texts()


def page_rules(app):
    for rule in _rules(app):
        if rule.rule.startswith("/<tenant>/") and "/api/" not in rule.rule and "GET" in rule.methods:
            if not rule.rule.endswith((".csv", ".ics", "/callback", "/login")):
                yield rule


def crawl(app, sample):
    """Every form and link query on every page, as each walker who may open the page."""
    walkers = Walkers(app)
    forms, queries, seen = [], [], set()
    for role, organisation in WALKERS:
        client = walkers.client(role, organisation)
        for rule in page_rules(app):
            if role not in (allowed_roles(rule.rule, "GET", app) or ()):
                continue
            url = _url(rule, OWN, sample[OWN])
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.mimetype:
                continue
            parser = _Forms()
            parser.feed(response.get_data(as_text=True))
            for form in parser.forms:
                action = form["action"] or url
                if not action.startswith(f"/{OWN}/"):
                    continue  # the language switch and log-out are not a tenant's forms
                key = (role, form["method"], urlsplit(action).path, tuple(sorted(f["name"] for f in form["fields"])))
                if key in seen:
                    continue
                seen.add(key)
                (forms if form["method"] == "post" else queries).append((client, role, action, form["fields"]))
            for link in parser.links:
                parts = urlsplit(link)
                if parts.path.startswith(f"/{OWN}/"):
                    names = [{"name": k, "type": "query", "value": v, "options": []} for k, v in parse_qsl(parts.query)]
                    key = (role, "get", parts.path, tuple(sorted(n["name"] for n in names)))
                    if key not in seen:
                        seen.add(key)
                        queries.append((client, role, parts.path, names))
    return forms, queries


def form_value(f: dict) -> str | None:
    if f["type"] == "select":
        return f["value"] or next((o for o in f["options"] if o), "")
    if f["type"] in ("checkbox", "radio"):
        return f["value"] or "1"
    if f["value"]:
        return f["value"]
    return {"number": "1", "date": "2026-03-03", "time": "10:00", "email": "test@example.dk", "datetime-local": "2026-03-03T10:00"}.get(
        f["type"], "Prøve"
    )


def looks_numeric(f: dict) -> bool:
    if f["type"] == "number":
        return True
    if f["type"] == "select":
        return any(o.isdigit() for o in f["options"])
    return f["type"] in ("hidden", "query") and f["value"].isdigit() and f["name"] != "csrf_token"


def form_mutations(f: dict, ids: dict[str, int], foreign: dict[str, int]):
    yield "NUL byte", (f["value"] or form_value(f) or "x") + NUL
    if looks_numeric(f):
        for value in (*NOT_NUMBERS, *HUGE_INTEGERS):
            yield f"value {value!r}", value
        yield "missing id", str(MISSING_ID)
        key = reference_key(f["name"], ids)
        if key and f["type"] == "select":
            yield "another tenant's id", str(foreign[key])
    if f["type"] == "time":
        yield "time with offset", OFFSET_TIME


def test_every_form_refuses_bad_input_with_a_danish_4xx_and_writes_nothing(app, sample, no_csrf):
    forms, _ = crawl(app, sample)
    assert len(forms) >= 20, forms  # the crawl reached the programmes' forms
    failures, checked = [], 0
    for client, role, action, form_fields in forms:
        base = {f["name"]: form_value(f) for f in form_fields if f["name"] != "csrf_token"}
        for f in form_fields:
            if f["name"] == "csrf_token":
                continue
            for label, value in form_mutations(f, sample[OWN], sample[FOREIGN]):
                before = row_counts(app)
                response = client.post(action, data={**base, f["name"]: value})
                checked += 1
                where = f"POST {action} as {role}: {f['name']} = {label}"
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code}")
                    continue
                # A number input may take 987654 (a count); an id chosen or carried in the form may not.
                refused = label == "NUL byte" or (looks_numeric(f) and (label != "missing id" or f["type"] in ("select", "hidden")))
                if refused:
                    # Refused: a clear 4xx; and shown in Danish.
                    if not 400 <= response.status_code < 500:
                        failures.append(f"{where}: {response.status_code}, expected a 4xx")
                        continue
                    messages = page_messages(response.get_data(as_text=True))
                    if not messages or untranslated(messages):
                        failures.append(f"{where}: not in Danish: {messages}")
                    if changed := written(before, row_counts(app)):
                        failures.append(f"{where}: wrote {changed}")
                elif label == "time with offset" and response.status_code < 400:
                    failures.append(f"{where}: accepted ({response.status_code})")
    assert failures == [], "\n".join(failures)
    assert checked > 200


def test_every_query_parameter_refuses_bad_input(app, sample):
    _, queries = crawl(app, sample)
    failures, checked = [], 0
    for client, role, action, params in queries:
        base = {p["name"]: form_value(p) for p in params}
        for p in params:
            for label, value in form_mutations(p, sample[OWN], sample[FOREIGN]):
                url = f"{urlsplit(action).path}?{urlencode({**base, p['name']: value})}"
                response = client.get(url)
                checked += 1
                if response.status_code >= 500:
                    failures.append(f"GET {url} as {role}: {response.status_code}")
                elif label == "NUL byte" and response.status_code != 400:
                    failures.append(f"GET {url} as {role}: {response.status_code}, expected 400")
    assert failures == [], "\n".join(failures)
    assert checked >= 10


def test_a_nul_byte_in_any_query_parameter_is_a_danish_400(app, sample):
    """On every route (pages, the API, public pages), a made-up parameter carrying a NUL byte."""
    walkers = Walkers(app)
    failures = []
    for rule in _rules(app):
        if "GET" not in rule.methods or rule.rule.startswith("/static") or "<realm>" in rule.rule:
            continue
        client = walkers.for_rule(rule, "GET") or app.test_client()
        url = _url(rule, OWN, sample[OWN]) + "?q=Pr%C3%B8ve%00&subject=%00"
        response = client.get(url)
        body = response.get_data(as_text=True)
        if "/api/" in rule.rule:
            problem = response.get_json(silent=True) or {}
            ok = (
                response.status_code == 400
                and response.mimetype == "application/problem+json"
                and "q" in problem.get("errors", {}).get("query", {})
            )
            messages = problem_messages(problem)
        else:
            ok = response.status_code == 400
            messages = page_messages(body)
        if not ok or not messages or untranslated(messages):
            failures.append(f"GET {url}: {response.status_code} {messages}")
    assert failures == [], "\n".join(failures)


def test_integers_beyond_the_column_range_in_a_path_are_404(app, sample, no_csrf):
    walkers = Walkers(app)
    failures, checked = [], 0
    for rule in _rules(app):
        if "<int:" not in rule.rule:
            continue
        for method in sorted(rule.methods - SKIP_METHODS):
            client = walkers.for_rule(rule, method)
            if client is None:
                continue
            for huge in ("99999999999999999999", str(2**31), str(2**63)):
                url = _url(rule, OWN, {k: int(huge) for k in sample[OWN]})
                response = client.open(url, method=method, json={} if "/api/" in rule.rule and method != "GET" else None)
                checked += 1
                if response.status_code != 404:
                    failures.append(f"{method} {url}: {response.status_code}")
    assert failures == [], "\n".join(failures)
    assert checked > 30


@pytest.mark.parametrize("path", ["/alpha%00/", "/alpha/reports/%00", "/alpha/api/v1/volunteers/%00", "/%00"])
def test_a_nul_byte_in_a_path_is_404(client, path):
    assert client.get(path, follow_redirects=True).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/finnes-ikke",
        "/alpha/finnes-ikke",
        "/alpha/api/v1/finnes-ikke",
        "/ukendt/api/v1/volunteers",
        "/ukendt/mother_groups/",
        "/alpha/mother_groups/finnes-ikke",
        "/static/finnes-ikke.css",
        "/dev-idp/ukendt/jwks/x",
    ],
)
@pytest.mark.parametrize("token", ["x", "", "ikke et token", "a" * 500])
def test_a_bearer_header_on_a_url_that_does_not_exist_is_404(client, path, token):
    response = client.get(path, headers={"Authorization": f"Bearer {token}"}, follow_redirects=True)
    assert response.status_code == 404
    if "/api/" in path:
        assert response.mimetype == "application/problem+json" and response.get_json()["status"] == 404
        assert untranslated(problem_messages(response.get_json())) == []
    else:
        assert untranslated(page_messages(response.get_data(as_text=True))) == []


def test_problems_have_the_shape_the_openapi_document_declares(client_for):
    """RFC 9457 members, plus ``code`` and ``errors`` per field."""
    response = client_for(OWN).post("/alpha/api/v1/example/households", json={"name": "x" * 500})
    problem = response.get_json()
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert problem["status"] == 422 and problem["code"] == 422 and problem["title"] and problem["type"] == "about:blank"
    assert "name" in problem["errors"]["json"] and problem["detail"]
    document = client_for(OWN).get("/alpha/api/v1/openapi.json").get_json()
    declared = document["components"]["schemas"]["Problem"]["properties"]
    assert set(problem) <= set(declared)


# --- an integrity refusal by the database is a 4xx, never a 500 -----------------------------------


def test_a_unique_violation_the_code_did_not_foresee_is_a_409_problem(app, client_for, monkeypatch):
    """The database is the last check: a refusal it makes becomes a Danish 409, rolled back.

    A second writer racing to the same key is simulated by a row that takes the
    primary key of one already stored.
    """
    from tests.example_plugin import api as example_api

    client = client_for(OWN)
    first = client.post("/alpha/api/v1/example/households", json={"name": "Familien Unik"})
    assert first.status_code == 201
    original = example_api.Household

    def racing_household(**kwargs):
        row = original(**kwargs)
        row.id = first.get_json()["id"]
        return row

    monkeypatch.setattr(example_api, "Household", racing_household)
    before = row_counts(app)
    response = client.post("/alpha/api/v1/example/households", json={"name": "Familien Unik"})
    problem = response.get_json()
    assert response.status_code == 409 and response.mimetype == "application/problem+json", response.get_data(as_text=True)
    assert problem["status"] == 409 and problem["detail"] and untranslated(problem_messages(problem)) == []
    assert "Familien Unik" not in response.get_data(as_text=True)  # no values echoed from the database's message
    assert written(before, row_counts(app)) == {}


# --- bounded work in the ORM -----------------------------------------------------------------------


def test_before_flush_is_linear_in_the_number_of_new_rows(app, monkeypatch):
    """Stamping 2,000 new rows reads the session's new objects once, not once per object."""
    from core.tenancy.session import TenantSession
    from tests.example_plugin.models import Household

    original = TenantSession.new
    seen = {"objects": 0}

    def counting(self):
        found = original.fget(self)
        seen["objects"] += len(found)
        return found

    monkeypatch.setattr(TenantSession, "new", property(counting))
    with app.app_context(), tenant_context(_tenant(app, OWN)):
        rows = [Household(name=f"Familie {i}") for i in range(2000)]
        db.session.add_all(rows)
        seen["objects"] = 0
        db.session.flush()
        assert seen["objects"] <= 3 * len(rows), seen  # quadratic: 2,000 x 2,000
        assert {h.tenant_id for h in rows} == {_tenant(app, OWN)}  # and every row is stamped
        db.session.rollback()
