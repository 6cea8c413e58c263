"""An upload's parts spool under ``<data_dir>/tmp``, never in the system temp dir (which may be small, or tmpfs
in memory), and nothing stays there after the request."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cairn.settings import Settings
from tests.api.conftest import Headers

API = "/api/v1"


@pytest.mark.parametrize("route", ["upload", "manifest"])
def test_uploads_spool_in_the_data_directory_not_the_system_temp_dir(  # noqa: PLR0917 (fixtures)
    client: TestClient,
    admin_headers: Headers,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    route: str,
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-dir"))  # any use of it fails
    folder = client.post(f"{API}/folders", json={"name": "F"}, headers=admin_headers).json()["id"]
    if route == "upload":
        text = b"spooled to disk\n" * 80_000  # 1.3 MB: more than the 1 MB a part keeps in memory
        made = client.post(
            f"{API}/folders/{folder}/upload", files=[("files", ("a.txt", text, "text/plain"))], headers=admin_headers
        )
        assert made.status_code == 201, made.text[:300]
    else:
        manifest = b"ObjectUrl\n" + b"".join(b"v/%07d.mp4\n" % n for n in range(120_000))
        made = client.post(
            f"{API}/jobs/dry-run/upload",
            files={"file": ("m.csv", manifest, "text/csv")},
            data={"folder_id": str(folder), "integration": "nowhere"},
            headers=admin_headers,
        )
        assert made.status_code == 404 and "nowhere" in made.text, made.text[:300]
    spool = settings.data_dir / "tmp"
    assert not spool.exists() or list(spool.iterdir()) == []
