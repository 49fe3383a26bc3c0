"""OpenAPI links between a tenant's operations, derived from the paths.

A collection ``.../courses`` (its list, or the object or list a POST on it
creates) links to the operations on its items, ``.../courses/{course_id}``
and below, wherever in the same programme the item's id is a path
parameter (``/mother_groups/sessions/{session_id}`` from
``/mother_groups/courses/{course_id}/sessions``). The item's id comes from the
response (``$response.body#/id``, or the first item's of a list), any other
path parameter from the request. Clients and stateful API tests follow
these links from one call to the next.
"""

from __future__ import annotations

import re
from typing import Any

_PARAMETER = re.compile(r"\{([^}]+)\}")
_SUCCESS = ("201", "200")


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


def _pointer(path: str, method: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def _success_body(operation: dict[str, Any], components: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(status, schema) of the operation's success response with a JSON body."""
    for status in _SUCCESS:
        response = operation.get("responses", {}).get(status)
        schema = (response or {}).get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            return status, schema
    return None


def _id_expression(schema: dict[str, Any], components: dict[str, Any]) -> str | None:
    """Where a response's item id is: ``#/id`` of an object, ``#/0/id`` of a list, None without one."""

    def resolved(node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref", "")
        return components.get("schemas", {}).get(ref.rsplit("/", 1)[-1], {}) if ref else node

    node = resolved(schema)
    prefix = "$response.body#"
    if node.get("type") == "array":
        node, prefix = resolved(node.get("items", {})), "$response.body#/0"
    return f"{prefix}/id" if "id" in node.get("properties", {}) else None


def add_links(doc: dict[str, Any]) -> None:
    """Add the links of each collection operation of ``doc`` (a tenant's document) to its success response."""
    paths: dict[str, Any] = doc.get("paths", {})
    components = doc.get("components", {})
    for source, item in paths.items():
        segments = source.strip("/").split("/")
        if not segments or _PARAMETER.fullmatch(segments[-1]):
            continue  # an item, not a collection
        collection = segments[-1]
        ids = {f"{_singular(collection)}_id", f"{collection}_id"}
        source_parameters = set(_PARAMETER.findall(source))
        for method, operation in item.items():
            if method not in ("get", "post") or not isinstance(operation, dict):
                continue
            body = _success_body(operation, components)
            expression = _id_expression(body[1], components) if body else None
            if body is None or expression is None:
                continue
            links: dict[str, Any] = {}
            for target, target_item in paths.items():
                target_segments = target.strip("/").split("/")
                if target_segments[0] != segments[0]:
                    continue  # another programme
                found = [i for i, s in enumerate(target_segments[1:], 1) if s in {"{" + n + "}" for n in ids}]
                if not found or target_segments[found[0] - 1] != collection:
                    continue
                id_name = target_segments[found[0]][1:-1]
                parameters = {id_name: expression}
                missing = False
                for name in _PARAMETER.findall(target):
                    if name == id_name:
                        continue
                    if name in source_parameters:
                        parameters[name] = f"$request.path.{name}"
                    else:
                        missing = True
                if missing:
                    continue
                for target_method in target_item:
                    if target_method == "parameters":
                        continue
                    name = f"{target_method}_{target.strip('/').replace('/', '_').replace('{', '').replace('}', '')}"
                    links[name] = {"operationRef": _pointer(target, target_method), "parameters": parameters}
            if links:
                operation["responses"][body[0]].setdefault("links", {}).update(links)
