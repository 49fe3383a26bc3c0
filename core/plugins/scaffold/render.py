"""The plugin's files from ``template/``: ``$key`` and ``$name`` filled in (``string.Template``), ``__key__`` in paths."""

from __future__ import annotations

from pathlib import Path
from string import Template

TEMPLATE = Path(__file__).with_name("template")
SUFFIX = ".tmpl"


def write_package(folder: Path, *, key: str, name: str) -> list[Path]:
    """Render every template file into ``folder`` (which must not exist); returns the files written."""
    folder.mkdir(parents=True)
    (folder / "migrations").mkdir()  # the branch's folder, found by convention; the first revision follows
    written = []
    for source in sorted(TEMPLATE.rglob(f"*{SUFFIX}")):
        relative = source.relative_to(TEMPLATE).as_posix().replace("__key__", key).removesuffix(SUFFIX)
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(Template(source.read_text(encoding="utf-8")).substitute(key=key, name=name), encoding="utf-8")
        written.append(target)
    return written
