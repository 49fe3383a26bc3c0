"""Encrypted columns for identifiers such as CPR numbers.

Values are encrypted with Fernet (AES-128-CBC + HMAC) under ``FIELD_ENCRYPTION_KEY``
before they reach the database and decrypted on load; the database and its
backups never see them in clear. Use ``mask_cpr`` to show one.
"""
from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator


def _fernet() -> Fernet:
    key = current_app.config.get("FIELD_ENCRYPTION_KEY")
    if not key:
        # Development and tests: derived from the secret key. Production must set it.
        digest = hashlib.sha256(("field-encryption:" + current_app.config["SECRET_KEY"]).encode()).digest()
        key = base64.urlsafe_b64encode(digest)
    return Fernet(key)


class EncryptedString(TypeDecorator):
    """A string stored encrypted; ``None`` stays ``None``."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return _fernet().encrypt(str(value).encode()).decode()

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        try:
            return _fernet().decrypt(value.encode()).decode()
        except InvalidToken:
            raise ValueError("an encrypted value could not be decrypted: wrong FIELD_ENCRYPTION_KEY?") from None


def mask_cpr(cpr: str | None) -> str:
    """ddmmyy-XXXX: the birth date shows, the serial never does."""
    if not cpr:
        return ""
    digits = cpr.replace("-", "")
    return f"{digits[:6]}-XXXX"
