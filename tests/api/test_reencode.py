"""Re-encoding through the API: the plan, the job, the frame remap (equal to ``domain.frame_remap`` on the two stored
frame maps, as the API serves them) and the links between the original and its re-encode."""

from __future__ import annotations

from fractions import Fraction

from fastapi.testclient import TestClient

from cairn.domain.frame_map import FrameMap
from cairn.domain.frame_remap import frame_remap
from cairn.domain.records import User
from cairn.services.registry import Registry
from tests.api.conftest import Headers
from tests.fixtures.media_corpus import MediaCorpus

API = "/api/v1"


def _frame_map(client: TestClient, headers: Headers, item_id: int) -> FrameMap:
    body = client.get(f"{API}/items/{item_id}/frame-map", headers=headers).json()
    return FrameMap(time_base=Fraction(body["time_base"]), pts=tuple(body["pts"]))


def test_plan_job_remap_and_links(
    client: TestClient, admin_headers: Headers, registry: Registry, admin: User, media_corpus: MediaCorpus
) -> None:
    folder = client.post(f"{API}/folders", json={"name": "Videos"}, headers=admin_headers).json()["id"]
    video = media_corpus["vfr.mp4"].read_bytes()
    upload = client.post(
        f"{API}/folders/{folder}/upload", files=[("files", ("vfr.mp4", video, "video/mp4"))], headers=admin_headers
    )
    original = upload.json()["items"][0]["id"]

    plan = client.get(f"{API}/items/{original}/reencode-plan", params={"mode": "auto"}, headers=admin_headers)
    assert plan.status_code == 200, plan.text
    assert [s["step"] for s in plan.json()["steps"]] == ["constant_frame_rate"] and plan.json()["needed"]
    assert all(s["reason"] for s in plan.json()["steps"])
    odd = client.get(f"{API}/items/{original}/reencode-plan", params={"mode": "resize"}, headers=admin_headers)
    assert odd.status_code == 422 and "height" in odd.json()["message"]

    started = client.post(f"{API}/reencode", json={"item_ids": [original], "mode": "auto"}, headers=admin_headers)
    assert started.status_code == 201, started.text
    job = started.json()
    assert job["kind"] == "reencode" and job["units_total"] == 1
    for seq in range(job["tasks_total"]):
        registry.jobs.run_task(job_id=job["id"], seq=seq)
    assert client.get(f"{API}/jobs/{job['id']}", headers=admin_headers).json()["status"] == "done"

    links = client.get(f"{API}/items/{original}/reencodes", headers=admin_headers).json()
    (made,) = links["reencoded_as"]
    assert links["original_item_id"] is None
    back = client.get(f"{API}/items/{made}/reencodes", headers=admin_headers).json()
    assert back == {"item_id": made, "original_item_id": original, "reencoded_as": []}
    assert client.get(f"{API}/items/{made}", headers=admin_headers).json()["title"] == "vfr_normalized.mp4"
    summary = client.get(f"{API}/jobs/{job['id']}", headers=admin_headers).json()["summary"]
    assert summary["made"] == [{"original_item_id": original, "item_id": made}]  # what a notification links to

    remap = client.get(f"{API}/items/{made}/frame-remap", headers=admin_headers).json()
    expected = frame_remap(_frame_map(client, admin_headers, original), _frame_map(client, admin_headers, made))
    assert remap["new_frames"] == list(expected.new_of) and remap["original_item_id"] == original
    assert remap["frames"] is None and remap["mode"] == "auto"
    some = client.get(f"{API}/items/{made}/frame-remap", params={"frames": "3,0,1"}, headers=admin_headers).json()
    assert some["frames"] == [3, 0, 1] and some["new_frames"] == [expected.new_of[i] for i in (3, 0, 1)]
    bad = client.get(f"{API}/items/{made}/frame-remap", params={"frames": "1,x"}, headers=admin_headers)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"
    none = client.get(f"{API}/items/{original}/frame-remap", headers=admin_headers)
    assert none.status_code == 404


def test_the_destination_is_checked_before_the_job_and_the_job_says_where_results_go(
    client: TestClient, admin_headers: Headers, media_corpus: MediaCorpus
) -> None:
    folder = client.post(f"{API}/folders", json={"name": "Videos"}, headers=admin_headers).json()["id"]
    video = media_corpus["with_audio.mp4"].read_bytes()
    upload = client.post(
        f"{API}/folders/{folder}/upload", files=[("files", ("a.mp4", video, "video/mp4"))], headers=admin_headers
    )
    original = upload.json()["items"][0]["id"]
    refused = client.post(
        f"{API}/reencode", json={"item_ids": [original], "destination": "bucket"}, headers=admin_headers
    )
    assert refused.status_code == 422 and "has no bucket" in refused.json()["message"]
    odd = client.post(
        f"{API}/reencode", json={"item_ids": [original], "destination": "elsewhere"}, headers=admin_headers
    )
    assert odd.status_code == 422
    started = client.post(f"{API}/reencode", json={"item_ids": [original]}, headers=admin_headers)
    assert started.status_code == 201 and started.json()["params"]["results_in"] == "managed"
