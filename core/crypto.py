"""Encrypted columns for identifiers such as CPR numbers, and their keys.

Values are encrypted with Fernet (AES-128-CBC + HMAC) before they reach the
database and decrypted on load; the database and its backups never see them
in clear. Use ``mask_cpr`` to show one.

Keys (``MultiFernet``): ``FIELD_ENCRYPTION_KEYS``, comma-separated, newest
first; or ``FIELD_ENCRYPTION_KEY`` (the current one) with
``FIELD_ENCRYPTION_OLD_KEYS`` (comma-separated, still decrypted). New values
are always encrypted under the first key; ``samvirke crypto rotate`` then
re-encrypts every stored value under it, after which old keys can go.

Production refuses to start without a valid key of its own (config). In
development and tests, with no key set, a DEVELOPMENT key derived from
``SECRET_KEY`` is used (``derived_key``); it is never accepted in production.
Installations that ran before ``FIELD_ENCRYPTION_KEY`` was read have their
values under exactly that derived key: give it as an old key, rotate, and drop
it (docs in README, "Production").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import String, Table, select, type_coerce, update
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)
_warned_dev_key = False


class FieldKeyError(ValueError):
    """The configured field-encryption keys cannot be used; the message says which and why."""


def derived_key(secret_key: str) -> str:
    """The DEVELOPMENT key derived from ``SECRET_KEY`` (never a production key)."""
    digest = hashlib.sha256(("field-encryption:" + secret_key).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").replace("\n", ",").split(",") if part.strip()]


def configured_keys(config: Mapping[str, Any]) -> tuple[list[str], str]:
    """(keys newest first, the setting they came from); no keys: ([], "")."""
    many = _split(config.get("FIELD_ENCRYPTION_KEYS"))
    one = (config.get("FIELD_ENCRYPTION_KEY") or "").strip()
    old = _split(config.get("FIELD_ENCRYPTION_OLD_KEYS"))
    if many and (one or old):
        raise FieldKeyError(
            "FIELD_ENCRYPTION_KEYS and FIELD_ENCRYPTION_KEY/FIELD_ENCRYPTION_OLD_KEYS are both set: "
            "set FIELD_ENCRYPTION_KEYS (newest first) or FIELD_ENCRYPTION_KEY (+ FIELD_ENCRYPTION_OLD_KEYS), not both"
        )
    if many:
        return many, "FIELD_ENCRYPTION_KEYS"
    if old and not one:
        raise FieldKeyError("FIELD_ENCRYPTION_OLD_KEYS is set without FIELD_ENCRYPTION_KEY: set the current key too")
    return ([one, *old] if one else []), ("FIELD_ENCRYPTION_KEY" if one else "")


def check_key(key: str) -> None:
    """Raise ValueError unless ``key`` is a Fernet key (32 url-safe base64-encoded bytes)."""
    try:
        if len(base64.urlsafe_b64decode(key.encode())) != 32:
            raise ValueError
        Fernet(key)
    except (ValueError, binascii.Error, TypeError):
        raise ValueError("not a Fernet key (32 url-safe base64-encoded bytes)") from None


def key_problems(config: Mapping[str, Any], *, production: bool) -> list[str]:
    """What is wrong with the configured keys, one line each ([] when they can be used)."""
    try:
        keys, setting = configured_keys(config)
    except FieldKeyError as exc:
        return [str(exc)]
    generate = "generate one with `python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
    if not keys:
        return [f"FIELD_ENCRYPTION_KEY: set it to a key of its own; {generate}"] if production else []
    problems = []
    for position, key in enumerate(keys):
        name = setting if position == 0 or setting == "FIELD_ENCRYPTION_KEYS" else "FIELD_ENCRYPTION_OLD_KEYS"
        try:
            check_key(key)
        except ValueError as exc:
            which = "the first key" if position == 0 else f"key {position + 1}"
            problems.append(f"{name}: {which} is {exc}; {generate}")
    if production and keys[0] == derived_key(config.get("SECRET_KEY") or ""):
        problems.append(
            f"{setting}: the current key is the development key derived from SECRET_KEY; set a key of its own "
            "(the derived key may stay among the old keys until `samvirke crypto rotate` has run)"
        )
    return problems


@lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys])


def current_keys() -> tuple[str, ...]:
    """The keys in force for the current app, newest first."""
    config = current_app.config
    keys, _ = configured_keys(config)
    if keys:
        return tuple(keys)
    if not config.get("FIELD_ENCRYPTION_DEV_KEY_ALLOWED", False):
        raise RuntimeError("FIELD_ENCRYPTION_KEY is not set; the development key is refused in this configuration")
    global _warned_dev_key
    if not _warned_dev_key:
        _warned_dev_key = True
        log.warning("FIELD_ENCRYPTION_KEY is not set: encrypting with the DEVELOPMENT key derived from SECRET_KEY (refused in production)")
    return (derived_key(config["SECRET_KEY"]),)


def fernet() -> MultiFernet:
    """Encrypts under the newest key, decrypts under any of them."""
    return _multifernet(current_keys())


class EncryptedString(TypeDecorator):
    """A string stored encrypted; ``None`` stays ``None``."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return fernet().encrypt(str(value).encode()).decode()

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        try:
            return fernet().decrypt(value.encode()).decode()
        except InvalidToken:
            raise ValueError("an encrypted value could not be decrypted: wrong FIELD_ENCRYPTION_KEY?") from None


# --- rotation --------------------------------------------------------------------


@dataclass(frozen=True)
class EncryptedColumn:
    table: Table
    column: str

    def __str__(self) -> str:
        return f"{self.table.name}.{self.column}"


def encrypted_columns(metadata: Any) -> list[EncryptedColumn]:
    """Every ``EncryptedString`` column of every table in ``metadata``."""
    return [
        EncryptedColumn(table, column.name)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedString)
    ]


def _raw(table: Table, column: str) -> Any:
    # The stored token, bypassing EncryptedString's decryption and encryption.
    return type_coerce(table.c[column], String)


def rotate_rows(session: Any, columns: list[EncryptedColumn], tenant_id: int | None) -> Iterator[tuple[EncryptedColumn, int]]:
    """Re-encrypt the values of ``columns`` of one tenant under the newest key.

    ``tenant_id`` None: the tables without a ``tenant_id`` column (tenant tables
    are skipped). The caller sets the tenant context and commits; yields
    (column, values rotated). A value no configured key opens raises
    ``InvalidToken`` (the caller rolls back).
    """
    multi = fernet()
    for target in columns:
        table = target.table
        scoped = "tenant_id" in table.c
        if scoped != (tenant_id is not None):
            continue
        primary_key = list(table.primary_key.columns)
        query = select(*primary_key, _raw(table, target.column)).where(table.c[target.column].is_not(None))
        if scoped:
            query = query.where(table.c.tenant_id == tenant_id)
        count = 0
        for *ids, token in session.execute(query).all():
            rotated = multi.rotate(token.encode()).decode()
            condition = [column == value for column, value in zip(primary_key, ids, strict=True)]
            session.execute(update(table).where(*condition).values({target.column: type_coerce(rotated, String)}))
            count += 1
        yield target, count


def mask_cpr(cpr: str | None) -> str:
    """ddmmyy-XXXX: the birth date shows, the serial never does."""
    if not cpr:
        return ""
    digits = cpr.replace("-", "")
    return f"{digits[:6]}-XXXX"
