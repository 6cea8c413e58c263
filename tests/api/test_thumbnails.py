"""GET /items/{id}/thumbnail: made by a background job (202 with Retry-After until it is, deduplicated, what it read
recorded and served), a fixed type, ETag and If-None-Match (304), private caching, the file policy; ``no_thumbnail``
for audio and text and for a file that could not be pictured; what one may not see answers as a missing item."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from cairn.api.security import FILE_POLICY
from cairn.domain.kinds import ItemKind
from cairn.domain.records import User
from cairn.services.registry import Registry
from cairn.settings import Settings
from tests.api.conftest import Headers
from tests.fixtures.thumbnail_media import Bucket, make_thumbnail_media, run_thumbnail_jobs

API = "/api/v1"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """No wait for a job in the request: no consumer runs here, the test runs the jobs."""
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url, allow_private_endpoints=True, thumbnail_wait_seconds=0
    )


def made(client: TestClient, url: str, headers: Headers, registry: Registry) -> httpx.Response:
    """The thumbnail at ``url``: first 202 (a job is queued), then, once the job ran, 200."""
    queued = client.get(url, headers=headers)
    assert queued.status_code == 202, queued.text
    assert queued.headers["retry-after"] == "1" and queued.headers["cache-control"] == "no-store"
    assert "etag" not in queued.headers and queued.json()["status"] == "queued"
    assert len(run_thumbnail_jobs(registry)) == 1
    answer = client.get(url, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer


@pytest.fixture(scope="module")
def media_root(tmp_path_factory: pytest.TempPathFactory, ffmpeg_exe: str) -> Path:
    return make_thumbnail_media(tmp_path_factory.mktemp("thumbnail_media"), ffmpeg_exe)


@pytest.fixture
def bucket(registry: Registry, admin: User, media_root: Path, tmp_path: Path) -> Bucket:
    return Bucket.copy_of(media_root, tmp_path / "bucket", registry, admin)


def test_a_thumbnail_is_served_with_its_etag_and_revalidated(
    client: TestClient, admin_headers: Headers, bucket: Bucket, registry: Registry
) -> None:
    item = bucket.add("exif6.jpg", ItemKind.IMAGE)
    url = f"{API}/items/{item.id}/thumbnail"
    first = made(client, url, admin_headers, registry)
    assert first.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(first.content)).size == (192, 256)
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert first.headers["cache-control"] == "private, max-age=600"
    assert first.headers["content-security-policy"] == FILE_POLICY
    assert first.headers["x-content-type-options"] == "nosniff"
    assert first.headers["content-disposition"].startswith("inline;")

    for named in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        unchanged = client.get(url, headers={**admin_headers, "If-None-Match": named})
        assert unchanged.status_code == 304 and unchanged.content == b""
        assert unchanged.headers["etag"] == etag and unchanged.headers["cache-control"] == "private, max-age=600"
    stale = client.get(url, headers={**admin_headers, "If-None-Match": '"0123"'})
    assert stale.status_code == 200 and stale.content == first.content


@pytest.mark.parametrize(
    ("name", "kind", "size"),
    [
        ("plain.jpg", ItemKind.IMAGE, (256, 192)),
        ("long.mp4", ItemKind.VIDEO, (256, 192)),
        ("ct_narrow.dcm", ItemKind.DICOM_FILE, (128, 128)),
        ("page.pdf", ItemKind.PDF, (256, 128)),
    ],
)
def test_every_pictured_kind_through_a_job_with_what_it_read(
    *, client: TestClient, admin_headers: Headers, bucket: Bucket, registry: Registry, name: str, kind: ItemKind,
    size: tuple[int, int],
) -> None:  # fmt: skip
    item = bucket.add(name, kind)
    answer = made(client, f"{API}/items/{item.id}/thumbnail", admin_headers, registry)
    assert Image.open(io.BytesIO(answer.content)).size == size
    read = int(answer.headers["cairn-source-bytes"])
    file_size = (bucket.root / name).stat().st_size
    assert 0 < read <= file_size and int(answer.headers["cairn-source-requests"]) >= 1
    assert float(answer.headers["cairn-made-in-seconds"]) > 0
    if kind is ItemKind.VIDEO:
        assert read < file_size / 8  # its index and first packets only
    record = registry.thumbnails.source(actor=bucket.admin, item_id=item.id).cost
    assert record is not None and (record.bytes_read, record.status) == (read, "made")


@pytest.mark.parametrize(("name", "kind"), [("tone.wav", ItemKind.AUDIO), ("notes.txt", ItemKind.TEXT)])
def test_audio_and_text_answer_no_thumbnail(
    client: TestClient, admin_headers: Headers, bucket: Bucket, name: str, kind: ItemKind
) -> None:
    item = bucket.add(name, kind)
    answer = client.get(f"{API}/items/{item.id}/thumbnail", headers=admin_headers)
    assert answer.status_code == 404
    body = answer.json()
    assert body["code"] == "no_thumbnail" and f"is an {kind.value}" in body["message"].replace(" a ", " an ")
    assert body["details"] == {"item_id": item.id, "kind": kind.value}


def test_what_one_may_not_see_answers_as_a_missing_item(
    client: TestClient,
    bucket: Bucket,
    registry: Registry,
    make_user: Callable[[str], User],
    token_for: Callable[[User], Headers],
) -> None:
    item = bucket.add("plain.jpg", ItemKind.IMAGE)
    stranger = token_for(make_user("stranger"))
    hidden = client.get(f"{API}/items/{item.id}/thumbnail", headers=stranger)
    missing_id = item.id + 1000
    missing = client.get(f"{API}/items/{missing_id}/thumbnail", headers=stranger)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.text.replace(str(item.id), "N") == missing.text.replace(str(missing_id), "N")
    assert "etag" not in hidden.headers
    revalidate = client.get(f"{API}/items/{item.id}/thumbnail", headers={**stranger, "If-None-Match": "*"})
    assert revalidate.status_code == 404  # no 304 that would tell the item exists
    assert run_thumbnail_jobs(registry) == []  # and nothing was queued for them


def test_requests_of_a_page_and_of_other_tabs_and_servers_queue_each_item_once(
    client: TestClient, admin_headers: Headers, bucket: Bucket, registry: Registry, settings: Settings
) -> None:
    items = [bucket.add(name, ItemKind.IMAGE) for name in ("plain.jpg", "exif6.jpg", "big.jpg")]
    for _ in range(4):  # a page asking for each row, three more tabs asking again before the job ran
        for item in items:
            assert client.get(f"{API}/items/{item.id}/thumbnail", headers=admin_headers).status_code == 202
    other = Registry(settings)  # another server over the same database asks too
    try:
        source = other.thumbnails.source(actor=bucket.admin, item_id=items[0].id)
        assert other.thumbnails.want(source) is None and other.thumbnails.send() is None
    finally:
        other.close()
    everything = client.get(f"{API}/jobs", params={"kind": "thumbnails"}, headers=admin_headers).json()["jobs"]
    assert sum(job["units_total"] for job in everything) == len(items)  # one request at a time: a job each
    run_thumbnail_jobs(registry)
    for item in items:
        assert client.get(f"{API}/items/{item.id}/thumbnail", headers=admin_headers).status_code == 200
    assert run_thumbnail_jobs(registry) == []  # asked for again once made: served from the cache, nothing queued


def test_thumbnail_jobs_are_neither_listed_nor_notified_nor_journalled(
    client: TestClient, admin_headers: Headers, bucket: Bucket, registry: Registry
) -> None:
    item = bucket.add("plain.jpg", ItemKind.IMAGE)
    made(client, f"{API}/items/{item.id}/thumbnail", admin_headers, registry)
    assert client.get(f"{API}/jobs", headers=admin_headers).json()["jobs"] == []
    (job,) = client.get(f"{API}/jobs", params={"kind": "thumbnails"}, headers=admin_headers).json()["jobs"]
    assert job["actor_id"] is None
    assert job["status"] == "done" and job["units_done"] == 1
    assert registry.notifications.page(actor=bucket.admin).notifications == []
    assert all("thumbnails" not in entry.action for entry in registry.journal.entries(actor=bucket.admin))


def test_a_file_that_cannot_be_pictured_answers_why_and_is_not_queued_again(
    client: TestClient, admin_headers: Headers, bucket: Bucket, registry: Registry
) -> None:
    item = bucket.add("plain.jpg", ItemKind.IMAGE)
    (bucket.root / "plain.jpg").write_bytes(b"\xff\xd8 no longer a picture")  # changed, not inspected again
    url = f"{API}/items/{item.id}/thumbnail"
    assert client.get(url, headers=admin_headers).status_code == 202
    (job_id,) = run_thumbnail_jobs(registry)
    failed = client.get(url, headers=admin_headers)
    assert failed.status_code == 404 and failed.json()["code"] == "no_thumbnail"
    assert "making it failed" in failed.json()["message"]
    assert run_thumbnail_jobs(registry) == []
    errors = registry.jobs.errors(actor=bucket.admin, job_id=job_id)
    assert [(e.location, e.code) for e in errors] == [(f"item {item.id}", "media_error")]
    (bucket.root / "plain.jpg").write_bytes((bucket.root / "exif6.jpg").read_bytes())
    registry.inspection.inspect_item(actor=bucket.admin, item_id=item.id)  # a new version: asked for again
    assert Image.open(io.BytesIO(made(client, url, admin_headers, registry).content)).size == (192, 256)


def test_an_upload_queues_its_thumbnails_so_the_first_request_finds_them(
    client: TestClient, admin_headers: Headers, registry: Registry, admin: User, media_root: Path
) -> None:
    folder = client.post(f"{API}/folders", json={"name": "Uploads"}, headers=admin_headers).json()["id"]
    files = [("files", (name, (media_root / name).read_bytes(), "application/octet-stream"))
             for name in ("plain.jpg", "page.pdf", "tone.wav")]  # fmt: skip
    uploaded = client.post(f"{API}/folders/{folder}/upload", files=files, headers=admin_headers)
    assert uploaded.status_code == 201, uploaded.text
    (job_id,) = run_thumbnail_jobs(registry)  # queued by the upload: the audio file has none
    job = registry.jobs.get(actor=admin, job_id=job_id)
    assert (job.units_total, job.items_created) == (2, 2)
    for item in uploaded.json()["items"]:
        answer = client.get(f"{API}/items/{item['id']}/thumbnail", headers=admin_headers)
        assert answer.status_code == (404 if item["kind"] == "audio" else 200), answer.text
