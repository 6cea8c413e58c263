"""Secrets at rest: integration credentials are encrypted with Fernet under a key from the settings.

The key is ``Settings.secret_key`` when set (any string: it is stretched to a Fernet key with SHA-256), else a key
generated once into ``<data_dir>/secret.key`` with mode 0600. Every machine that runs ``cairn worker`` needs the same
key: set ``CAIRN_SECRET_KEY`` there, or copy the file.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from cairn.errors import ConfigurationError
from cairn.private_files import private_dir
from cairn.settings import Settings

KEY_FILE = "secret.key"


def secret_key_bytes(settings: Settings) -> bytes:
    """The raw secret key in force: the configured one, or the generated key file's content."""
    if settings.secret_key is not None:
        value = settings.secret_key.get_secret_value().strip()
        if not value:
            raise ConfigurationError("CAIRN_SECRET_KEY is set but empty")
        return value.encode()
    return _key_file(settings.data_dir / KEY_FILE)


def _key_file(path: Path) -> bytes:
    """Read the key file, creating it (0600, exclusively, so concurrent first runs agree) when missing."""
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(Fernet.generate_key())
            out.flush()
            os.fsync(out.fileno())
    data = path.read_bytes().strip()
    if not data:
        raise ConfigurationError(f"the secret key file {str(path)!r} is empty; delete it or set CAIRN_SECRET_KEY")
    return data


class SecretBox:
    """Encrypts and decrypts small JSON secrets (integration credentials) with the settings' key."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._fernet: Fernet | None = None

    def _cipher(self) -> Fernet:
        if self._fernet is None:
            digest = hashlib.sha256(secret_key_bytes(self._settings)).digest()
            self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        return self._fernet

    def seal(self, secret: dict[str, Any]) -> bytes:
        """The encrypted form of a JSON object."""
        return self._cipher().encrypt(json.dumps(secret, sort_keys=True).encode())

    def open(self, token: bytes) -> dict[str, Any]:
        """The JSON object sealed in ``token``; ConfigurationError when the key is not the one that sealed it."""
        try:
            value = json.loads(self._cipher().decrypt(token))
        except InvalidToken as exc:
            raise ConfigurationError(
                "cannot decrypt integration credentials: the secret key differs from the one they were saved "
                "with (set the same CAIRN_SECRET_KEY, or copy <data_dir>/secret.key, on every machine)"
            ) from exc
        if not isinstance(value, dict):
            raise ConfigurationError("decrypted integration credentials are not a JSON object")
        return value
