"""cairn's data directory and every file it creates there are private to the account that runs cairn."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cairn.errors import ConfigurationError
from cairn.services.registry import Registry
from cairn.services.secrets import secret_key_bytes
from cairn.services.uploads import UploadedFile
from cairn.settings import Settings
from tests.api.helpers import png_bytes


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems run with (022): what cairn creates must be private whatever the umask is."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _shared(data_dir: Path) -> dict[str, str]:
    """Every path under ``data_dir`` (itself included) that group or others may use, with its mode."""
    paths = [data_dir, *data_dir.rglob("*")]
    return {str(p.relative_to(data_dir.parent)): f"{_mode(p):04o}" for p in paths if _mode(p) & 0o077}


def _use_everything(registry: Registry, disk: Path) -> None:
    """Make cairn create what it keeps in its data directory: database, queue, secret key, spool, uploads."""
    admin = registry.users.ensure_local_admin()[0]
    folder = registry.folders.create(actor=admin, name="F")
    png = UploadedFile("a.png", io.BytesIO(png_bytes()), "image/png")
    registry.uploads.upload(actor=admin, folder_id=folder.id, files=[png])
    disk.mkdir()
    (disk / "b.png").write_bytes(png_bytes())
    registry.integrations.add(actor=admin, name="disk", provider="local", root=str(disk))
    manifest = json.dumps({"images": [{"objectUrl": (disk / "b.png").as_uri()}]}).encode()
    registry.registration.register(actor=admin, folder_id=folder.id, integration="disk", manifest=io.BytesIO(manifest))
    secret_key_bytes(registry.settings)


def test_a_fresh_data_directory_and_its_files_are_private(tmp_path: Path, usual_umask: None) -> None:
    data_dir = tmp_path / "data"
    registry = Registry(Settings(data_dir=data_dir))
    try:
        registry.migrate()
        _use_everything(registry, tmp_path / "disk")
        assert (data_dir / "cairn.db-wal").exists()  # the connection is open: WAL and shared memory are there
        made = {p.name for p in data_dir.iterdir()}
        assert {"cairn.db", "cairn.db-wal", "cairn.db-shm", "queue.db", "secret.key", "managed", "tmp"} <= made
        assert _mode(data_dir) == 0o700 and _mode(data_dir / "cairn.db") == 0o600
        assert _shared(data_dir) == {}
    finally:
        registry.close()


def test_an_existing_data_directory_with_loose_modes_is_made_private_with_a_warning(
    tmp_path: Path, usual_umask: None, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "managed" / "uploads").mkdir(parents=True, mode=0o755)
    for name in ("cairn.db", "secret.key"):
        (data_dir / name).touch(mode=0o644)
    upload = data_dir / "managed" / "uploads" / "a.png"
    upload.write_bytes(b"png")
    for path in (data_dir, data_dir / "managed", upload):
        path.chmod(0o755 if path.is_dir() else 0o644)
    (data_dir / "cairn.db").write_bytes(b"")  # an empty file: SQLite makes a database in it

    with caplog.at_level(logging.WARNING, logger="cairn.files"):
        Registry(Settings(data_dir=data_dir)).close()
    assert _mode(data_dir) == 0o700 and _mode(data_dir / "managed") == 0o700
    assert _mode(data_dir / "cairn.db") == 0o600 and _mode(data_dir / "secret.key") == 0o600
    assert _mode(upload) == 0o644  # deeper files are left: nobody else can reach them any more
    [warning] = [r.getMessage() for r in caplog.records]
    assert "made it private" in warning and f"{data_dir}: 0755 -> 0700" in warning
    assert f"{data_dir / 'secret.key'}: 0644 -> 0600" in warning

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="cairn.files"):
        Registry(Settings(data_dir=data_dir)).close()
    assert caplog.records == []  # once private, nothing more to say


def test_the_cairn_command_creates_nothing_others_may_read(tmp_path: Path, usual_umask: None) -> None:
    data_dir = tmp_path / "data"
    env = {name: value for name, value in os.environ.items() if not name.startswith("CAIRN_")}
    env["CAIRN_DATA_DIR"] = str(data_dir)
    cairn = [sys.executable, "-c", "from cairn.cli.main import main; main()"]
    done = subprocess.run([*cairn, "folders", "create", "F"], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert _shared(data_dir) == {}


def test_a_data_directory_cairn_may_not_make_private_is_refused_without_naming_it(
    tmp_path: Path, usual_umask: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Another account's directory that others may read: cairn keeps no data there. (The tests run as root, who may
    change any mode, so the refusal of chmod is simulated: the one patch of this file.)"""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)

    def refuse(path: object, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted", str(path))

    monkeypatch.setattr(os, "chmod", refuse)
    with pytest.raises(ConfigurationError, match="belongs to another account") as refused:
        Registry(Settings(data_dir=data_dir))
    assert str(tmp_path) not in refused.value.message  # it may reach an API response: the path is only logged
    assert any(str(data_dir) in r.getMessage() for r in caplog.records)
