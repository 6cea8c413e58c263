"""Local upload into managed storage, viewing (proxy with Range), inspection reports and frame maps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from cairn.domain.records import User
from cairn.settings import Settings
from tests.api.conftest import Headers
from tests.api.helpers import jpeg_bytes, png_bytes
from tests.fixtures.media_corpus import MediaCorpus

API = "/api/v1"


def _folder(client: TestClient, headers: Headers, name: str = "Uploads") -> int:
    return int(client.post(f"{API}/folders", json={"name": name}, headers=headers).json()["id"])


def _managed_files(settings: Settings) -> list[Path]:
    root = settings.managed_storage_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_upload_view_stream_with_range_and_inspection(
    client: TestClient, admin_headers: Headers, settings: Settings
) -> None:
    folder = _folder(client, admin_headers)
    png = png_bytes(40, 30)
    files = [("files", ("red.png", png, "image/png")), ("files", ("blue.jpg", jpeg_bytes(), "image/jpeg"))]
    made = client.post(
        f"{API}/folders/{folder}/upload",
        files=files,
        data={"client_metadata": '{"src": "phone"}'},
        headers=admin_headers,
    )
    assert made.status_code == 201, made.text
    red, blue = made.json()["items"]
    assert (red["title"], red["kind"], red["status"], red["managed"]) == ("red.png", "image", "ready", True)
    assert (red["media"]["width"], red["media"]["height"], red["media"]["file_size"]) == (40, 30, len(png))
    assert red["client_metadata"] == {"src": "phone"} and blue["kind"] == "image"
    assert len(_managed_files(settings)) == 2
    view = client.get(f"{API}/items/{red['id']}/view", headers=admin_headers).json()
    assert view["method"] == "proxy" and view["url"].endswith(f"/api/v1/items/{red['id']}/content")
    whole = client.get(view["url"], headers=admin_headers)
    assert whole.status_code == 200 and whole.content == png and whole.headers["accept-ranges"] == "bytes"
    part = client.get(view["url"], headers={**admin_headers, "Range": "bytes=8-15"})
    assert part.status_code == 206 and part.content == png[8:16]
    assert part.headers["content-range"] == f"bytes 8-15/{len(png)}"
    suffix = client.get(view["url"], headers={**admin_headers, "Range": "bytes=-4"})
    assert suffix.status_code == 206 and suffix.content == png[-4:]
    beyond = client.get(view["url"], headers={**admin_headers, "Range": f"bytes={len(png)}-"})
    assert beyond.status_code == 416 and beyond.json()["code"] == "range_not_satisfiable"
    assert beyond.headers["content-range"] == f"bytes */{len(png)}"
    report = client.get(f"{API}/items/{red['id']}/inspection", headers=admin_headers).json()
    assert report["verdict"] in {"ok", "warning"} and report["bytes_read"] > 0
    again = client.post(f"{API}/items/{red['id']}/inspect", headers=admin_headers)
    assert again.status_code == 200 and again.json()["item_id"] == red["id"]
    no_frames = client.get(f"{API}/items/{red['id']}/frame-map", headers=admin_headers)
    assert no_frames.status_code == 422 and "only videos" in no_frames.json()["message"]


def test_batch_images_as_an_image_group_and_dicom_files_as_a_series(
    client: TestClient, admin_headers: Headers, media_corpus: MediaCorpus
) -> None:
    folder = _folder(client, admin_headers)
    frames = [("files", (f"f{i}.png", png_bytes(colour=(i * 40, 0, 0)), "image/png")) for i in range(3)]
    group = client.post(
        f"{API}/folders/{folder}/upload",
        files=frames,
        data={"batch": "image_group", "title": "G"},
        headers=admin_headers,
    )
    assert group.status_code == 201, group.text
    [composite] = group.json()["items"]
    assert (composite["kind"], composite["title"], composite["status"]) == ("image_group", "G", "ready")
    children = client.get(f"{API}/items/{composite['id']}/children", headers=admin_headers).json()["items"]
    assert [c["title"] for c in children] == ["f0.png", "f1.png", "f2.png"]
    no_bytes = client.get(f"{API}/items/{composite['id']}/view", headers=admin_headers)
    assert no_bytes.status_code == 422 and "members" in no_bytes.json()["message"]
    slices = [("files", (Path(n).name, media_corpus[n].read_bytes(), "application/dicom")) for n in media_corpus.series]
    series = client.post(
        f"{API}/folders/{folder}/upload", files=slices, data={"batch": "dicom_series"}, headers=admin_headers
    )
    assert series.status_code == 201, series.text
    [dicom] = series.json()["items"]
    assert (dicom["kind"], dicom["status"]) == ("dicom_series", "ready"), dicom
    assert dicom["media"]["dicom_series_uid"]
    members = client.get(f"{API}/items/{dicom['id']}/children", headers=admin_headers).json()["items"]
    assert len(members) == 5 and all(m["kind"] == "dicom_file" for m in members)


def test_a_video_upload_has_a_frame_map(client: TestClient, admin_headers: Headers, media_corpus: MediaCorpus) -> None:
    folder = _folder(client, admin_headers)
    video = media_corpus["cfr_h264.mp4"].read_bytes()
    made = client.post(
        f"{API}/folders/{folder}/upload", files=[("files", ("clip.mp4", video, "video/mp4"))], headers=admin_headers
    )
    [item] = made.json()["items"]
    assert item["kind"] == "video" and item["media"]["frame_count"], item
    frames = client.get(f"{API}/items/{item['id']}/frame-map", headers=admin_headers).json()
    assert frames["frames"] == item["media"]["frame_count"] == len(frames["pts"])
    assert frames["seconds"] == sorted(frames["seconds"]) and frames["seconds"][0] >= 0


def test_refused_uploads_store_nothing(
    client: TestClient,
    admin_headers: Headers,
    settings: Settings,
    make_user: Callable[[str], User],
    token_for: Callable[[User], Headers],
) -> None:
    folder = _folder(client, admin_headers)
    junk = [("files", ("ok.png", png_bytes(), "image/png")), ("files", ("junk.bin", b"\x00\x01garbage" * 50, None))]
    refused = client.post(f"{API}/folders/{folder}/upload", files=junk, headers=admin_headers)
    assert refused.status_code == 422 and "files[1] 'junk.bin'" in refused.json()["message"]
    assert _managed_files(settings) == []
    assert client.get(f"{API}/folders/{folder}/items", headers=admin_headers).json()["items"] == []
    viewer = make_user("vic")
    client.post(f"{API}/folders/{folder}/access", json={"email": viewer.email, "role": "viewer"}, headers=admin_headers)
    one = [("files", ("ok.png", png_bytes(), "image/png"))]
    denied = client.post(f"{API}/folders/{folder}/upload", files=one, headers=token_for(viewer))
    assert denied.status_code == 403 and _managed_files(settings) == []
    titled = client.post(f"{API}/folders/{folder}/upload", files=one, data={"title": "x"}, headers=admin_headers)
    assert titled.status_code == 422 and titled.json()["message"].startswith("title:")
    bad_batch = client.post(f"{API}/folders/{folder}/upload", files=one, data={"batch": "video"}, headers=admin_headers)
    assert bad_batch.status_code == 422
