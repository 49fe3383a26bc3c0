"""Reading and validating the declarative tenant files in ``tenants/``.

One TOML file per municipality. Validation is strict and complete before
anything is applied: a malformed file is reported with the file, the field
and the reason (``TenantFileError``).
"""
from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)
from stdnum import ean as stdnum_ean
from stdnum.dk import cvr as stdnum_cvr
from stdnum.exceptions import ValidationError as StdnumError

SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,39}$"
PROGRAMME_KEY_PATTERN = r"^[a-z][a-z0-9_]{1,59}$"


class TenantFileError(ValueError):
    """One or more tenant files are malformed; ``problems`` lists (file, field, reason)."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        lines = [f"{file}: {field}: {reason}" for file, field, reason in problems]
        super().__init__("Tenant files are invalid; nothing was applied.\n" + "\n".join(lines))


class ProgrammesSchema(Schema):
    class Meta:
        unknown = RAISE

    demo = fields.Boolean(load_default=False)
    enabled = fields.List(
        fields.String(validate=validate.Regexp(PROGRAMME_KEY_PATTERN)), load_default=list
    )
    # Per-programme settings of this tenant, e.g. [programmes.settings.mother_groups]
    # retention_days = 730. Each plugin documents and validates its own keys.
    settings = fields.Dict(keys=fields.String(validate=validate.Regexp(PROGRAMME_KEY_PATTERN)), values=fields.Dict(), load_default=dict)

    @validates("enabled")
    def _unique(self, value: list[str], **kwargs: Any) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("lists a programme more than once")


class IdentityProviderSchema(Schema):
    class Meta:
        unknown = RAISE

    demo = fields.Boolean(load_default=False)
    issuer = fields.Url(require_tld=False, schemes={"http", "https"})
    metadata_url = fields.Url(require_tld=False, schemes={"http", "https"})
    client_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    client_secret_env = fields.String(
        required=True, validate=validate.Regexp(r"^[A-Z][A-Z0-9_]*$", error="must be the NAME of an environment variable (A-Z, 0-9, _)")
    )
    # How claims map to roles; filled in by the identity issue.
    role_claims = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict)

    @validates_schema
    def _issuer_or_metadata(self, data: dict, **kwargs: Any) -> None:
        if not data.get("issuer") and not data.get("metadata_url"):
            raise ValidationError("give issuer or metadata_url", field_name="issuer")


class TenantFileSchema(Schema):
    class Meta:
        unknown = RAISE

    slug = fields.String(required=True, validate=validate.Regexp(SLUG_PATTERN, error="must be lowercase letters, digits and '-', 2-40 characters, starting with a letter"))
    name = fields.String(required=True, validate=validate.Length(min=2, max=120))
    municipality_code = fields.String(
        required=True, validate=validate.Regexp(r"^\d{3}$", error="must be the 3-digit kommunekode")
    )
    cvr = fields.String(required=True)
    invoice_ean = fields.String(required=True)
    agreements = fields.List(fields.Dict(), load_default=list)
    programmes = fields.Nested(ProgrammesSchema, load_default=lambda: {"demo": False, "enabled": [], "settings": {}})
    identity_provider = fields.Nested(IdentityProviderSchema, required=True)

    @validates("cvr")
    def _cvr(self, value: str, **kwargs: Any) -> None:
        try:
            stdnum_cvr.validate(value)
        except StdnumError as exc:
            raise ValidationError(f"not a valid CVR number ({exc})") from None

    @validates("invoice_ean")
    def _ean(self, value: str, **kwargs: Any) -> None:
        if len(value) != 13 or not value.isdigit():
            raise ValidationError("must be a 13-digit EAN/GLN location number")
        try:
            stdnum_ean.validate(value)
        except StdnumError:
            raise ValidationError("has a wrong check digit (GS1 mod-10)") from None


@dataclass(frozen=True)
class TenantFile:
    path: Path
    data: dict[str, Any]

    @property
    def digest(self) -> str:
        """A digest of the validated content: equal digests mean nothing to apply."""
        canonical = json.dumps(self.data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _flatten(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(messages, dict):
        out: list[tuple[str, str]] = []
        for key, value in messages.items():
            out += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        return [(prefix or "(file)", "; ".join(messages))]
    if isinstance(messages, list):
        return [pair for m in messages for pair in _flatten(m, prefix)]
    return [(prefix or "(file)", str(messages))]


def read_tenant_files(folder: Path | str) -> list[TenantFile]:
    """Parse and validate every ``*.toml`` in ``folder``; all or nothing."""
    folder = Path(folder)
    if not folder.is_dir():
        raise TenantFileError([(str(folder), "(folder)", "does not exist")])
    problems: list[tuple[str, str, str]] = []
    loaded: list[TenantFile] = []
    schema = TenantFileSchema()
    for path in sorted(folder.glob("*.toml")):
        name = path.name
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append((name, "(syntax)", str(exc)))
            continue
        try:
            data = schema.load(raw)
        except ValidationError as exc:
            problems += [(name, field, reason) for field, reason in _flatten(exc.messages)]
            continue
        if path.stem != data["slug"]:
            problems.append((name, "slug", f"must equal the file name ({path.stem!r})"))
            continue
        loaded.append(TenantFile(path=path, data=data))

    for field in ("slug", "municipality_code"):
        seen: dict[str, str] = {}
        for tf in loaded:
            value = tf.data[field]
            if value in seen:
                problems.append((tf.path.name, field, f"{value!r} is also used by {seen[value]}"))
            seen[value] = tf.path.name
    if problems:
        raise TenantFileError(problems)
    return loaded


__all__ = ["TenantFile", "TenantFileError", "read_tenant_files"]
