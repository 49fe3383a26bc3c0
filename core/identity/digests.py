"""How bearer secrets (session keys, API tokens, client secrets) are stored: a keyed digest.

A plain SHA-256 can be computed by anyone, so someone who can write one row
(an SQL injection, a stolen database role) could insert a session or token
row for a secret of their own choosing and then present it. Keyed with a key
derived from ``SECRET_KEY``, which lives outside the database, such a row
matches nothing they can send. Changing ``SECRET_KEY`` therefore ends every
session and access token, and API client secrets must be issued again.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def secret_digest(value: str, purpose: str) -> str:
    """HMAC-SHA256 of ``value`` under a key derived from ``SECRET_KEY`` for ``purpose``.

    ``purpose`` ("session", "api-token", "client-secret") separates the kinds,
    so a value stored as one kind never matches as another.
    """
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = hmac.new(secret, b"samvirke stored secret: " + purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
