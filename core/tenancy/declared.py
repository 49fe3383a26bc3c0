"""Reading a folder of declarative TOML files (tenants, organisations) with a marshmallow schema.

All or nothing, with every problem reported as (file, field, reason): a
syntax error, a field the schema refuses, a slug that is not the file name, a
value two files claim that must be unique.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError

Problem = tuple[str, str, str]


def flatten_messages(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    """marshmallow's nested messages as (dotted field, reason) pairs."""
    if isinstance(messages, dict):
        out: list[tuple[str, str]] = []
        for key, value in messages.items():
            out += flatten_messages(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        return [(prefix or "(file)", "; ".join(messages))]
    if isinstance(messages, list):
        return [pair for m in messages for pair in flatten_messages(m, prefix)]
    return [(prefix or "(file)", str(messages))]


def read_folder(folder: Path | str, schema: Schema, label: str = "") -> tuple[list[tuple[Path, dict[str, Any]]], list[Problem]]:
    """Every ``*.toml`` in ``folder`` loaded by ``schema``; problems name ``label`` + the file name."""
    folder = Path(folder)
    if not folder.is_dir():
        return [], [(str(folder), "(folder)", "does not exist")]
    problems: list[Problem] = []
    loaded: list[tuple[Path, dict[str, Any]]] = []
    for path in sorted(folder.glob("*.toml")):
        name = f"{label}{path.name}"
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append((name, "(syntax)", str(exc)))
            continue
        try:
            data = schema.load(raw)
        except ValidationError as exc:
            problems += [(name, field, reason) for field, reason in flatten_messages(exc.messages)]
            continue
        if path.stem != data["slug"]:
            problems.append((name, "slug", f"must equal the file name ({path.stem!r})"))
            continue
        loaded.append((path, data))
    return loaded, problems


def duplicates(
    loaded: Iterable[tuple[Path, dict[str, Any]]], field: str, value_of: Callable[[dict[str, Any]], Any], label: str = ""
) -> list[Problem]:
    """A problem for each file whose ``field`` repeats an earlier file's."""
    problems: list[Problem] = []
    seen: dict[Any, str] = {}
    for path, data in loaded:
        value = value_of(data)
        if value in seen:
            problems.append((f"{label}{path.name}", field, f"{value!r} is also used by {seen[value]}"))
        seen[value] = path.name
    return problems
