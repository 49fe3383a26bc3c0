"""The OpenAPI document of one tenant, cut from the generated specification.

Its server URL is the tenant's, it lists only the programmes the tenant has
enabled, its security requirements come from the authorization matrix
(``core.api.spec.secure``), and its links from the paths (``core.api.links``).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify

from core.api import links, spec

bp = Blueprint("openapi", __name__)
TENANT_PATH_PREFIX = "/{tenant}/api/v1"


def _strip_tenant_parameter(params: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for p in params if not (p.get("in") == "path" and p.get("name") == "tenant")]


def _referenced_schemas(node: Any, components: dict[str, Any]) -> set[str]:
    """Names of component schemas reachable from ``node`` (follows $ref chains)."""
    found: set[str] = set()
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in found:
                    found.add(name)
                    pending.append(components.get(name, {}))
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return found


def tenant_document(full: dict[str, Any], slug: str, disabled_tags: set[str]) -> dict[str, Any]:
    doc = copy.deepcopy(full)
    paths: dict[str, Any] = {}
    for path, item in doc.get("paths", {}).items():
        if not path.startswith(TENANT_PATH_PREFIX):
            continue
        operations = {}
        for method, op in item.items():
            if method == "parameters":
                continue
            if set(op.get("tags", ())) & disabled_tags:
                continue
            op["parameters"] = _strip_tenant_parameter(op.get("parameters", []))
            if not op["parameters"]:
                del op["parameters"]
            operations[method] = op
        if operations:
            shared = _strip_tenant_parameter(item.get("parameters", []))
            if shared:
                operations["parameters"] = shared
            paths[path[len(TENANT_PATH_PREFIX) :] or "/"] = operations
    doc["paths"] = paths
    doc["servers"] = [{"url": f"/{slug}/api/v1"}]
    doc["tags"] = [t for t in doc.get("tags", []) if t.get("name") not in disabled_tags]
    components = doc.get("components", {})
    schemas = components.get("schemas", {})
    if schemas:
        used = {"paths": paths, "responses": components.get("responses", {}), "headers": components.get("headers", {})}
        keep = _referenced_schemas(used, schemas)
        components["schemas"] = {k: v for k, v in schemas.items() if k in keep}
    return doc


def _rules_by_path(app: Flask) -> dict[str, str]:
    """The Flask rule of each path of a tenant's document (``/volunteers/{volunteer_id}``)."""
    api = app.extensions["samvirke_api"]
    rules = {}
    for rule in app.url_map.iter_rules():
        path = api.flask_plugin.flaskpath2openapi(rule.rule)
        if path.startswith(TENANT_PATH_PREFIX):
            rules[path[len(TENANT_PATH_PREFIX) :] or "/"] = rule.rule
    return rules


@bp.get("/openapi.json")
def document():
    """The tenant's OpenAPI document; no log-in, it holds no data."""
    api = current_app.extensions["samvirke_api"]
    built = current_app.extensions.get("samvirke_openapi_full")
    if built is None:  # built once per process: it only changes with the code
        built = json.loads(json.dumps(api.spec.to_dict(), default=str)), _rules_by_path(current_app)
        current_app.extensions["samvirke_openapi_full"] = built
    full, rules = built
    enabled = g.tenant.enabled_programmes
    disabled_tags = {name for name, key in current_app.extensions["samvirke_blueprint_programmes"].items() if key not in enabled}
    doc = tenant_document(full, g.tenant.slug, disabled_tags)
    spec.secure(doc, current_app, rules, g.tenant.slug)
    links.add_links(doc)
    return jsonify(doc)
