"""Credentials as values: API tokens and web login sessions, and how their secrets look and are hashed.

A secret is shown once, when it is made; cairn keeps only its SHA-256. API tokens look like ``cairn_<43 chars>``
so that secret scanners and humans recognise them; the first characters (``prefix``) are kept to tell tokens apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# hashlib, hmac and secrets (which loads OpenSSL and random) are imported by the functions that hash and compare:
# the CLI reads MAX_TOKEN_DAYS to describe `cairn token create` without them.
# ruff: noqa: PLC0415

TOKEN_PREFIX = "cairn_"  # noqa: S105 - a public marker, not a secret
PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
MAX_TOKEN_NAME = 200
MAX_TOKEN_DAYS = 3650  # the longest lifetime an API token may be given
MAX_USER_AGENT = 300  # a login session keeps this much of the browser's User-Agent, to be recognised in listings


def new_secret(*, prefix: str = "") -> str:
    """A fresh random secret (32 bytes of entropy, URL-safe)."""
    import secrets

    return prefix + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """The stored form of a secret: hex SHA-256 (secrets are random, so no salt or slow hash is needed)."""
    import hashlib

    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(secret: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented secret with a stored hash."""
    import hmac

    return hmac.compare_digest(secret_hash(secret), stored_hash)


@dataclass(frozen=True)
class ApiToken:
    """A per-user API token (never its secret)."""

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    def is_usable(self, at: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or at < self.expires_at)


@dataclass(frozen=True)
class LoginSession:
    """A web UI login session (never its secret nor its CSRF token), started with the API token ``token_id``, or
    with a password when that is None."""

    id: int
    user_id: int
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    token_id: int | None  # None: started with a password
    last_used_at: datetime | None
    user_agent: str | None

    def is_usable(self, at: datetime) -> bool:
        return self.revoked_at is None and at < self.expires_at
