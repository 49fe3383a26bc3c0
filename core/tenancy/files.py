"""Reading and validating the declarative tenant files in ``tenants/``.

One TOML file per municipality. Validation is strict and complete before
anything is applied: a malformed file is reported with the file, the field
and the reason (``TenantFileError``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from operator import itemgetter
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

from core.partnerships.files import AgreementFileSchema, check_cvr, check_ean
from core.tenancy.declared import duplicates, read_folder

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
    enabled = fields.List(fields.String(validate=validate.Regexp(PROGRAMME_KEY_PATTERN)), load_default=list)
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
    # The issuer is always named: it is pinned, also when the metadata comes
    # from metadata_url (whose document must name exactly this issuer).
    issuer = fields.Url(required=True, require_tld=False, schemes={"http", "https"}, validate=validate.Length(max=255))
    metadata_url = fields.Url(require_tld=False, schemes={"http", "https"}, validate=validate.Length(max=500))
    client_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    client_secret_env = fields.String(
        required=True, validate=validate.Regexp(r"^[A-Z][A-Z0-9_]*$", error="must be the NAME of an environment variable (A-Z, 0-9, _)")
    )
    # How the client authenticates at the token endpoint (docs/identity.md);
    # for private_key_jwt the environment variable holds the private key (PEM or JWK).
    token_endpoint_auth_method = fields.String(validate=validate.OneOf(["client_secret_basic", "client_secret_post", "private_key_jwt"]))
    # The scopes asked for (default: openid profile); openid must be one of them.
    scopes = fields.List(
        fields.String(validate=validate.Regexp(r"^[\x21\x23-\x5B\x5D-\x7E]{1,100}$", error="is not a valid scope")),
        validate=validate.Length(min=1, max=20),
    )
    # Where the name, roles and partner organisation are read: the ID token (default) or the userinfo endpoint.
    claims_from = fields.String(validate=validate.OneOf(["id_token", "userinfo"]))
    # How claims map to roles: { claim = "roles", map = { "<claim value>" = "<role>" } }.
    role_claims = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict)

    @validates("scopes")
    def _openid_scope(self, value: list[str], **kwargs: Any) -> None:
        if "openid" not in value:
            raise ValidationError("must include openid")

    @validates_schema
    def _provider_urls(self, data: dict, **kwargs: Any) -> None:
        from core.identity.oidc import provider_url_problem

        for field in ("issuer", "metadata_url"):
            problem = data.get(field) and provider_url_problem(data[field])
            if problem:
                raise ValidationError(problem, field_name=field)


class TenantFileSchema(Schema):
    class Meta:
        unknown = RAISE

    slug = fields.String(
        required=True,
        validate=validate.Regexp(SLUG_PATTERN, error="must be lowercase letters, digits and '-', 2-40 characters, starting with a letter"),
    )
    name = fields.String(required=True, validate=validate.Length(min=2, max=120))
    municipality_code = fields.String(required=True, validate=validate.Regexp(r"^\d{3}$", error="must be the 3-digit kommunekode"))
    cvr = fields.String(required=True)
    invoice_ean = fields.String(required=True)
    # A demo tenant (demo data and agreements only): labelled "Demo" wherever it is shown.
    demo = fields.Boolean(load_default=False)
    agreements = fields.List(fields.Nested(AgreementFileSchema), load_default=list)
    programmes = fields.Nested(ProgrammesSchema, load_default=lambda: {"demo": False, "enabled": [], "settings": {}})
    identity_provider = fields.Nested(IdentityProviderSchema, required=True)

    @validates("cvr")
    def _cvr(self, value: str, **kwargs: Any) -> None:
        check_cvr(value)

    @validates("invoice_ean")
    def _ean(self, value: str, **kwargs: Any) -> None:
        check_ean(value)


@dataclass(frozen=True)
class TenantFile:
    path: Path
    data: dict[str, Any]

    @property
    def digest(self) -> str:
        """A digest of the validated content: equal digests mean nothing to apply."""
        canonical = json.dumps(self.data, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


def read_tenant_files(folder: Path | str) -> list[TenantFile]:
    """Parse and validate every ``*.toml`` in ``folder``; all or nothing."""
    loaded, problems = read_folder(folder, TenantFileSchema())
    for field in ("slug", "municipality_code"):
        problems += duplicates(loaded, field, itemgetter(field))
    if problems:
        raise TenantFileError(problems)
    return [TenantFile(path=path, data=data) for path, data in loaded]


__all__ = ["TenantFile", "TenantFileError", "read_tenant_files"]
