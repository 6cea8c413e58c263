"""Integrations and registration jobs over HTTP (a `local` integration; S3 is covered by the SDK scenario)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from cairn.api.routes import jobs as jobs_routes
from cairn.domain.records import User
from cairn.services.registry import Registry
from tests.api.conftest import Headers
from tests.api.helpers import jpeg_bytes, png_bytes
from tests.services.helpers import add_images

API = "/api/v1"


def _run_all_chunks(registry: Registry, job_id: int) -> None:
    """What a worker does (the job consumer is exercised by the uvicorn test): the scan, then the tasks it added."""
    registry.jobs.run_task(job_id=job_id, seq=0)
    with registry.db.read() as conn:
        tasks = conn.execute(sa.text("SELECT count(*) FROM job_tasks WHERE job_id = :j"), {"j": job_id}).scalar_one()
    for seq in range(1, tasks):
        registry.jobs.run_task(job_id=job_id, seq=seq)


def _disk_and_folder(client: TestClient, admin_headers: Headers, tmp_path: Path) -> tuple[Path, int]:
    """A `local` integration "disk" over a directory holding an image (a.png) and a JPEG (b.jpg), and a folder."""
    root = tmp_path / "disk"
    root.mkdir()
    (root / "a.png").write_bytes(png_bytes())
    (root / "b.jpg").write_bytes(jpeg_bytes())
    client.post(
        f"{API}/integrations", json={"name": "disk", "provider": "local", "root": str(root)}, headers=admin_headers
    )
    folder = client.post(f"{API}/folders", json={"name": "Inbox"}, headers=admin_headers).json()["id"]
    return root, int(folder)


def test_integration_crud_and_check(
    client: TestClient,
    admin_headers: Headers,
    tmp_path: Path,
    make_user: Callable[[str], User],
    token_for: Callable[[User], Headers],
) -> None:
    root = tmp_path / "disk"
    root.mkdir()
    (root / "a.png").write_bytes(png_bytes())
    made = client.post(
        f"{API}/integrations", json={"name": "disk", "provider": "local", "root": str(root)}, headers=admin_headers
    )
    assert made.status_code == 201, made.text
    integration = made.json()
    assert integration["config"]["root"] == str(root) and integration["shared"] is False
    listed = client.get(f"{API}/integrations", headers=admin_headers).json()["integrations"]
    assert [i["name"] for i in listed] == ["disk"]
    path = f"{API}/integrations/{integration['id']}"
    assert client.get(path, headers=admin_headers).json()["name"] == "disk"
    renamed = client.patch(path, json={"name": "Disk", "shared": True}, headers=admin_headers).json()
    assert renamed["name"] == "Disk" and renamed["shared"] is True
    checked = client.post(f"{path}/check", json={}, headers=admin_headers).json()
    assert checked["ok"] is True
    missing = client.post(f"{path}/check", json={"key": "nope.png"}, headers=admin_headers)
    assert missing.status_code == 404 and missing.json()["code"] == "object_not_found"
    bob = token_for(make_user("bob"))
    local = client.post(f"{API}/integrations", json={"name": "b", "provider": "local", "root": str(root)}, headers=bob)
    assert local.status_code == 403
    bad = client.post(f"{API}/integrations", json={"name": "x", "provider": "ftp"}, headers=admin_headers)
    assert bad.status_code == 422 and bad.json()["details"]["problems"][0]["location"] == "body/provider"
    assert client.delete(path, headers=admin_headers).status_code == 204
    assert client.get(path, headers=admin_headers).status_code == 404


def test_registration_job_from_json_and_csv_with_dry_run_errors_and_cancel(
    client: TestClient, registry: Registry, admin_headers: Headers, tmp_path: Path
) -> None:
    root, folder = _disk_and_folder(client, admin_headers, tmp_path)
    manifest = {
        "images": [{"objectUrl": (root / "a.png").as_uri()}],
        "videos": [{"objectUrl": (root / "b.jpg").as_uri()}],
    }
    body = {"folder_id": folder, "integration": "disk", "manifest": manifest}
    plan = client.post(f"{API}/jobs/dry-run", json=body, headers=admin_headers)
    assert plan.status_code == 200, plan.text
    assert plan.json()["units"] == 2 and plan.json()["counts"] == {"image": 1, "video": 1}
    assert client.get(f"{API}/folders/{folder}/items", headers=admin_headers).json()["items"] == []
    started = client.post(f"{API}/jobs", json={**body, "ignore_errors": True}, headers=admin_headers)
    assert started.status_code == 201, started.text
    job = started.json()
    assert (job["status"], job["units_total"], job["tasks_total"]) == ("validating", 0, 1)
    _run_all_chunks(registry, job["id"])
    done = client.get(f"{API}/jobs/{job['id']}", headers=admin_headers).json()
    assert (done["status"], done["units_done"], done["units_error"]) == ("done", 1, 1)
    errors = client.get(f"{API}/jobs/{job['id']}/errors", headers=admin_headers).json()
    [error] = errors["errors"]
    assert error["object_urls"] == [(root / "b.jpg").as_uri()] and error["location"].startswith("/videos/0")
    assert errors["next_after_unit"] is None
    assert client.post(f"{API}/jobs/{job['id']}/cancel", headers=admin_headers).status_code == 409
    csv = f"ObjectUrl\n{(root / 'a.png').as_uri()}\n".encode()
    upload = client.post(
        f"{API}/jobs/upload",
        data={"folder_id": str(folder), "integration": "disk", "skip_duplicate_urls": "true"},
        files={"file": ("more.csv", csv, "text/csv")},
        headers=admin_headers,
    )
    assert upload.status_code == 201, upload.text
    assert upload.json()["title"] == "more.csv" and upload.json()["params"]["skip_duplicate_urls"] is True
    cancelled = client.post(f"{API}/jobs/{upload.json()['id']}/cancel", headers=admin_headers).json()
    assert cancelled["status"] == "cancelled"
    listed = client.get(f"{API}/jobs?status=cancelled", headers=admin_headers).json()["jobs"]
    assert [j["id"] for j in listed] == [upload.json()["id"]]
    dry_file = client.post(
        f"{API}/jobs/dry-run/upload",
        data={"folder_id": str(folder), "integration": "disk"},
        files={"file": ("m.csv", csv, "text/csv")},
        headers=admin_headers,
    )
    assert dry_file.status_code == 200 and dry_file.json()["units"] == 1


def test_errors_as_csv_every_row_escaped_and_no_cell_starts_a_formula(
    client: TestClient, registry: Registry, admin_headers: Headers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs_routes, "ERRORS_CSV_PAGE", 2)  # five errors: three pages read while streaming
    root, folder = _disk_and_folder(client, admin_headers, tmp_path)
    titles = ['=HYPERLINK("http://evil.example")', '+1, "quoted"', "-2", "@SUM(A1)", "plain"]
    not_videos = [{"objectUrl": (root / "b.jpg").as_uri(), "title": t} for t in titles]
    manifest = {"images": [{"objectUrl": (root / "a.png").as_uri()}], "videos": not_videos}
    body = {"folder_id": folder, "integration": "disk", "manifest": manifest, "ignore_errors": True}
    job = client.post(f"{API}/jobs", json=body, headers=admin_headers).json()
    _run_all_chunks(registry, job["id"])

    answer = client.get(f"{API}/jobs/{job['id']}/errors.csv", headers=admin_headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == f'attachment; filename="job-{job["id"]}-errors.csv"'
    header, *rows = list(csv.reader(io.StringIO(answer.text)))
    assert header == ["unit", "location", "kind", "title", "object_urls", "code", "error", "action_description"]
    paged = client.get(f"{API}/jobs/{job['id']}/errors", headers=admin_headers).json()["errors"]
    assert len(rows) == len(paged) == 5
    assert [r[3] for r in rows] == ["'" + t for t in titles[:4]] + ["plain"]  # a text mark before each formula
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    for row, error in zip(rows, paged, strict=True):
        assert row[:3] == [str(error["unit"]), error["location"], "video"]
        assert row[4:] == [" ".join(error["object_urls"]), error["code"], error["error"], error["action_description"]]
    assert client.get(f"{API}/jobs/999999/errors.csv", headers=admin_headers).status_code == 404


def test_entries_left_out_by_a_job_that_ignores_errors_are_its_errors_in_the_csv_and_its_outcome(
    client: TestClient, registry: Registry, admin_headers: Headers, tmp_path: Path
) -> None:
    root, folder = _disk_and_folder(client, admin_headers, tmp_path)
    good = {"objectUrl": (root / "a.png").as_uri()}
    manifest = {"images": [good, {"title": "=no url"}, {"objectUrl": "s3://elsewhere/x.png"}]}
    body = {"folder_id": folder, "integration": "disk", "manifest": manifest, "ignore_errors": True}
    job = client.post(f"{API}/jobs", json=body, headers=admin_headers).json()
    _run_all_chunks(registry, job["id"])

    done = client.get(f"{API}/jobs/{job['id']}", headers=admin_headers).json()
    assert (done["status"], done["items_created"], done["units_error"]) == ("done", 1, 0)
    answer = client.get(f"{API}/jobs/{job['id']}/errors.csv", headers=admin_headers)
    _, *rows = list(csv.reader(io.StringIO(answer.text)))
    assert [(r[0], r[1], r[5]) for r in rows] == [
        ("", "/images/1", "manifest_problem"),
        ("", "/images/2", "manifest_problem"),
    ]
    assert rows[0][6] == "objectUrl: objectUrl is required" and "s3://elsewhere" in rows[1][6]
    notes = client.get(f"{API}/notifications", headers=admin_headers).json()["notifications"]
    assert [n["outcome"] for n in notes if n["job_id"] == job["id"]] == ["done_with_errors"]


def test_an_invalid_manifest_lists_every_located_problem_and_writes_nothing(
    client: TestClient, registry: Registry, admin_headers: Headers, tmp_path: Path
) -> None:
    client.post(
        f"{API}/integrations", json={"name": "disk", "provider": "local", "root": str(tmp_path)}, headers=admin_headers
    )
    folder = client.post(f"{API}/folders", json={"name": "Inbox"}, headers=admin_headers).json()["id"]
    manifest = {"images": [{"title": "no url"}, {"objectUrl": "s3://elsewhere/x.png"}]}
    accepted = client.post(
        f"{API}/jobs", json={"folder_id": folder, "integration": "disk", "manifest": manifest}, headers=admin_headers
    )
    # the request stores the manifest and answers before any check: an invalid manifest is a validating job
    assert accepted.status_code == 201, accepted.text
    job = accepted.json()
    assert (job["status"], job["tasks_total"], job["summary"]["bytes_scanned"]) == ("validating", 1, 0)
    assert len(list((registry.settings.managed_storage_dir / "manifests").iterdir())) == 1
    _run_all_chunks(registry, job["id"])
    failed = client.get(f"{API}/jobs/{job['id']}", headers=admin_headers).json()
    assert (failed["status"], failed["tasks_total"], failed["items_created"]) == ("error", 1, 0)
    problems = {(p["file"], p["location"], p["field"]) for p in failed["summary"]["problems"]}
    assert problems == {("request body", "/images/0", "objectUrl"), ("request body", "/images/1", "objectUrl")}
    assert "problem(s) in manifest" in failed["error"]
    assert not list((registry.settings.managed_storage_dir / "manifests").glob("*"))
    garbage = client.post(
        f"{API}/jobs/upload",
        data={"folder_id": str(folder), "integration": "disk"},
        files={"file": ("m.json", b"{not json", "application/json")},
        headers=admin_headers,
    )
    assert garbage.status_code == 201 and garbage.json()["status"] == "validating"
    _run_all_chunks(registry, garbage.json()["id"])
    unreadable = client.get(f"{API}/jobs/{garbage.json()['id']}", headers=admin_headers).json()
    assert unreadable["status"] == "error" and unreadable["summary"]["problems"][0]["file"] == "m.json"
    assert client.get(f"{API}/folders/{folder}/items", headers=admin_headers).json()["items"] == []


def test_export_a_folder_as_a_manifest(
    client: TestClient, registry: Registry, admin: User, admin_headers: Headers
) -> None:
    folder = client.post(f"{API}/folders", json={"name": "Out"}, headers=admin_headers).json()["id"]
    add_images(registry, admin, folder, "a.jpg", "b.jpg")
    exported = client.get(f"{API}/folders/{folder}/export", headers=admin_headers)
    assert exported.status_code == 200 and exported.headers["x-cairn-units"] == "2"
    assert sorted(i["objectUrl"] for i in exported.json()["images"]) == ["s3://bucket/a.jpg", "s3://bucket/b.jpg"]
    csv = client.get(f"{API}/folders/{folder}/export?format=csv&drop_metadata=true", headers=admin_headers)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "s3://bucket/a.jpg" in csv.text
    assert client.get(f"{API}/folders/{folder}/export?format=xml", headers=admin_headers).status_code == 422
