"""Image-sequence videos through the API: an upload of mixed sizes answers with one sequence per size, the queued job
builds their videos, ``POST /sequence-videos`` builds one again, and the sequence's frame map is then served."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from cairn.domain.records import User
from cairn.services.registry import Registry
from tests.api.conftest import Headers
from tests.fixtures.sequence_pictures import picture

API = "/api/v1"


def _run(registry: Registry, admin: User, job_id: int) -> None:
    job = registry.jobs.get(actor=admin, job_id=job_id)
    for seq in range(job.tasks_total):
        registry.jobs.run_task(job_id=job_id, seq=seq)


def test_upload_groups_then_builds_on_demand(
    client: TestClient, admin_headers: Headers, registry: Registry, admin: User, tmp_path: Path
) -> None:
    folder = client.post(f"{API}/folders", json={"name": "Frames"}, headers=admin_headers).json()["id"]
    sizes = [(64, 48), (48, 64), (64, 48)]
    files = [
        ("files", (f"f{i}.png", picture(tmp_path / f"f{i}.png", s, i).read_bytes(), "image/png"))
        for i, s in enumerate(sizes)
    ]
    form = {"batch": "image_sequence", "title": "Scan"}
    answer = client.post(f"{API}/folders/{folder}/upload", files=files, data=form, headers=admin_headers)
    assert answer.status_code == 201, answer.text
    made = answer.json()["items"]
    assert [(i["title"], i["pending_action"]) for i in made] == [
        ("Scan (64x48)", "build_video"),
        ("Scan (48x64)", "build_video"),
    ]
    unbuilt = client.get(f"{API}/items/{made[0]['id']}/frame-map", headers=admin_headers)
    assert unbuilt.status_code == 404 and "has no video yet" in unbuilt.json()["message"]
    (queued,) = registry.jobs.jobs(actor=admin, kinds=("sequence_video",))
    _run(registry, admin, queued.id)

    started = client.post(
        f"{API}/sequence-videos", json={"item_ids": [made[0]["id"]], "fps": "5"}, headers=admin_headers
    )
    assert started.status_code == 201, started.text
    assert started.json()["kind"] == "sequence_video" and started.json()["units_total"] == 1
    _run(registry, admin, started.json()["id"])
    frame_map = client.get(f"{API}/items/{made[0]['id']}/frame-map", headers=admin_headers).json()
    assert len(frame_map["pts"]) == 2
    item = client.get(f"{API}/items/{made[0]['id']}", headers=admin_headers).json()
    assert item["pending_action"] is None and item["media"]["fps"] == 5

    bad = client.post(f"{API}/sequence-videos", json={"item_ids": [made[0]["id"]], "destination": "bucket"},
                      headers=admin_headers)  # fmt: skip
    assert bad.status_code == 422 and "uploaded into cairn and has no bucket" in bad.json()["message"]
    none = client.post(f"{API}/sequence-videos", json={"item_ids": []}, headers=admin_headers)
    assert none.status_code == 422
