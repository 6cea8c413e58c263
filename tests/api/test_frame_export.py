"""Frame export through the API: the job, its images registered as an image sequence in frame order, a bad body
located, and a viewer refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cairn.domain.access import Role
from cairn.domain.records import User
from cairn.services.registry import Registry
from tests.api.conftest import Headers
from tests.fixtures.indexed_video import write_indexed_video

API = "/api/v1"


@pytest.fixture
def video(client: TestClient, admin_headers: Headers, tmp_path: Path) -> tuple[int, int]:
    """(folder id, item id) of an uploaded 40-frame H.264 video with B-frames."""
    path = write_indexed_video(tmp_path / "clip.mp4", [i * 3000 for i in range(40)])
    folder = client.post(f"{API}/folders", json={"name": "Clips"}, headers=admin_headers).json()["id"]
    files = [("files", ("clip.mp4", path.read_bytes(), "video/mp4"))]
    upload = client.post(f"{API}/folders/{folder}/upload", files=files, headers=admin_headers)
    assert upload.status_code == 201, upload.text
    return folder, upload.json()["items"][0]["id"]


def test_export_as_an_image_sequence(
    client: TestClient, admin_headers: Headers, registry: Registry, video: tuple[int, int]
) -> None:
    folder, item = video
    body = {"start": 10, "every": 5, "format": "jpeg", "as": "sequence"}
    started = client.post(f"{API}/items/{item}/frame-export", json=body, headers=admin_headers)
    assert started.status_code == 201, started.text
    job = started.json()
    assert job["kind"] == "frame_export" and job["units_total"] == 6
    for seq in range(job["tasks_total"]):
        registry.jobs.run_task(job_id=job["id"], seq=seq)
    assert client.get(f"{API}/jobs/{job['id']}", headers=admin_headers).json()["status"] == "done"

    listing = client.get(f"{API}/folders/{folder}/items", headers=admin_headers)
    (sequence,) = [i for i in listing.json()["items"] if i["kind"] == "image_sequence"]
    assert sequence["title"] == "clip_frames"
    children = client.get(f"{API}/items/{sequence['id']}/children", headers=admin_headers).json()["items"]
    assert [c["title"] for c in children] == [f"frame_{n:06d}.jpg" for n in (10, 15, 20, 25, 30, 35)]


def test_bad_input_is_located_and_a_viewer_is_refused(
    *,
    client: TestClient,
    admin_headers: Headers,
    registry: Registry,
    admin: User,
    make_user: Callable[[str], User],
    token_for: Callable[[User], Headers],
    video: tuple[int, int],
) -> None:
    folder, item = video
    bad = client.post(f"{API}/items/{item}/frame-export", json={"as": "album"}, headers=admin_headers)
    assert bad.status_code == 422 and "as" in bad.text
    past = client.post(f"{API}/items/{item}/frame-export", json={"start": 40}, headers=admin_headers)
    assert past.status_code == 422 and "no frame chosen" in past.json()["message"]
    listed = client.post(
        f"{API}/items/{item}/frame-export", json={"client_metadata_key_frames": True}, headers=admin_headers
    )
    assert listed.status_code == 422 and "clientMetadata.keyframes" in listed.json()["message"]
    nowhere = client.post(f"{API}/items/{item}/frame-export", json={"destination": "cloud"}, headers=admin_headers)
    assert nowhere.status_code == 422 and "destination" in nowhere.text
    no_bucket = client.post(f"{API}/items/{item}/frame-export", json={"destination": "bucket"}, headers=admin_headers)
    assert no_bucket.status_code == 422 and no_bucket.json()["code"] == "invalid_input"
    assert "uploaded into cairn and has no bucket" in no_bucket.json()["message"]

    viewer = make_user("vic")
    registry.access.grant(actor=admin, folder_id=folder, email=viewer.email, role=Role.VIEWER)
    refused = client.post(f"{API}/items/{item}/frame-export", json={}, headers=token_for(viewer))
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert client.get(f"{API}/jobs", headers=admin_headers).json()["jobs"] == []
