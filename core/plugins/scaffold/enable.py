"""Declaring the plugin and switching it on: the entry point, the demo tenant's file, the test tenants.

Files are edited as text (the comments in them stay) and read back with
``tomllib`` before they are written, so a broken file is never left behind.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from core.calendar import copenhagen_today

ENTRY_POINTS = '[project.entry-points."samvirke.plugins"]\n'
ENABLED = re.compile(r"^(enabled\s*=\s*\[)([^\]]*)(\])", re.MULTILINE)
PROGRAMMES = re.compile(r"^(programmes\s*=\s*\[)([^\]]*)(\])", re.MULTILINE)


def _write_checked(path: Path, text: str) -> Path:
    tomllib.loads(text)
    path.write_text(text, encoding="utf-8")
    return path


def _with_key(match: re.Match[str], key: str) -> str:
    items = match.group(2).rstrip().rstrip(",")
    return f'{match.group(1)}{items}, "{key}"{match.group(3)}' if items.strip() else f'{match.group(1)}"{key}"{match.group(3)}'


def register_entry_point(pyproject: Path, key: str) -> list[Path]:
    """Add ``KEY = "plugins.KEY"`` to the ``samvirke.plugins`` entry points (installed by ``pip install -e .``)."""
    text = pyproject.read_text(encoding="utf-8")
    start = text.index(ENTRY_POINTS) + len(ENTRY_POINTS)
    end = text.find("\n\n", start)
    end = len(text.rstrip("\n")) if end < 0 else end
    text = f'{text[:end]}\n{key} = "plugins.{key}"{text[end:]}'
    if tomllib.loads(text)["project"]["entry-points"]["samvirke.plugins"].get(key) != f"plugins.{key}":
        raise RuntimeError("pyproject.toml: the entry point could not be added")
    return [_write_checked(pyproject, text)]


def _enable(text: str, key: str) -> str:
    """``key`` appended to the ``[programmes]`` table's ``enabled`` list."""
    section = text.index("\n[programmes]")
    found = ENABLED.search(text, section)
    if found is None:
        raise RuntimeError("no `enabled = [...]` under [programmes]")
    return text[: found.start()] + _with_key(found, key) + text[found.end() :]


def enable_for_tenant(path: Path, key: str, name: str, partner: str) -> list[Path]:
    """Enable the programme in a demo tenant's file with a DEMO agreement (fixed fee) that a partner of the tenant runs."""
    text = _enable(path.read_text(encoding="utf-8"), key)
    data = tomllib.loads(text)
    year = copenhagen_today().year
    agreement = f"""
# DEMO agreement made by `samvirke plugins new {key}`: the programme's demo partner and fee; not a real agreement.
[[agreements]]
key = "{key.replace("_", "-")}-demo"
title = "{name} (demo)"
demo = true
status = "approved"
partners = ["{partner}"]
programmes = ["{key}"]
start = "{year}-01-01"
notice = {{ working_days = 30 }}

[agreements.billing]
rule = "{key}.fixed_fee"
parameters = {{ amount_per_year = 10000 }}

[agreements.payer]
ean = "{data["invoice_ean"]}"   # DEMO: the tenant's demo EAN
buyer_reference = "DEMO-{key.upper()[:50]}"
"""
    return [_write_checked(path, text.rstrip("\n") + "\n" + agreement)]


def enable_for_test_tenants(folder: Path, key: str) -> list[Path]:
    """Enable the programme in the test tenants whose agreement covers every programme (alpha, beta), for the kit's tests."""
    changed = []
    for path in sorted(folder.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
        enabled = data.get("programmes", {}).get("enabled", [])
        covering = [a for a in data.get("agreements", []) if set(enabled) <= set(a.get("programmes", []))]
        if not enabled or key in enabled or len(covering) != 1:
            continue
        text = _enable(text, key)
        agreement = text.index("[[agreements]]")
        block = text.find(f'key = "{covering[0]["key"]}"', agreement)
        found = PROGRAMMES.search(text, block)
        if found is None:
            continue
        changed.append(_write_checked(path, text[: found.start()] + _with_key(found, key) + text[found.end() :]))
    return changed
