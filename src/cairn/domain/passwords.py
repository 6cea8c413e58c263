"""Passwords and the one-time links that set them, as values and rules.

A password is stored as an Argon2id hash made by ``argon2-cffi`` with its defaults (RFC 9106's second recommended
profile: 3 passes over 64 MiB, 4 lanes, a 16-byte random salt, a 32-byte tag); the parameters travel inside the
hash, so raising them later re-hashes each password at its next sign-in (:func:`needs_rehash`). A password is 12 to
1,024 characters (the upper bound keeps hashing cheap to refuse) and is not the account's email.

A one-time link (an invitation, or a reset made by an organization admin) carries a random secret like an API
token's; cairn keeps its SHA-256 only (``cairn.domain.auth.secret_hash``), and the link works once, for
:data:`LINK_LIFETIME`.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cairn.errors import InvalidInput

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
LINK_LIFETIME = timedelta(days=7)

_HASHER = PasswordHasher()  # argon2-cffi's defaults: Argon2id, t=3, m=64 MiB, p=4 (RFC 9106, low-memory profile)
# At most this many hashes at once (64 MiB each): a burst of sign-ins waits instead of taking the server's memory.
_HASHING = threading.BoundedSemaphore(4)


class LinkPurpose(StrEnum):
    """Why a one-time link was made: both set the password when followed."""

    INVITE = "invite"
    RESET = "reset"


@dataclass(frozen=True)
class PasswordLink:
    """A one-time link to set a password (never its secret)."""

    id: int
    user_id: int
    purpose: LinkPurpose
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None

    def is_usable(self, at: datetime) -> bool:
        return self.used_at is None and at < self.expires_at


def check_password(password: str, *, email: str) -> None:
    """Refuse a password that breaks the rules, saying which one (the password itself is never repeated)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"the password is too short: {len(password)} characters, at least {MIN_PASSWORD} are needed",
            details={"field": "password", "min_length": MIN_PASSWORD},
        )
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(
            f"the password is too long: {len(password)} characters, at most {MAX_PASSWORD} are allowed",
            details={"field": "password", "max_length": MAX_PASSWORD},
        )
    if password.strip().casefold() == email.strip().casefold():
        raise InvalidInput("the password may not be the account's email address", details={"field": "password"})


def hash_password(password: str) -> str:
    """The stored form of a password: an Argon2id hash, salted, with its parameters."""
    with _HASHING:
        return _HASHER.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``stored_hash`` was made from. Without a stored hash (no such account, or no
    password yet) a dummy one is checked all the same, so that the answer takes as long either way."""
    against = stored_hash or _dummy_hash()
    try:
        with _HASHING:
            return _HASHER.verify(against, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether a hash was made with other parameters than today's (then it is made again at sign-in)."""
    return _HASHER.check_needs_rehash(stored_hash)


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))
