"""GET /items/{id}/thumbnail: a fixed type, ETag and If-None-Match (304), private caching, the file policy;
``no_thumbnail`` for audio and text; what one may not see answers as a missing item."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from cairn.api.security import FILE_POLICY
from cairn.domain.kinds import ItemKind
from cairn.domain.records import User
from cairn.services.registry import Registry
from tests.api.conftest import Headers
from tests.fixtures.thumbnail_media import Bucket, make_thumbnail_media

API = "/api/v1"


@pytest.fixture(scope="module")
def media_root(tmp_path_factory: pytest.TempPathFactory, ffmpeg_exe: str) -> Path:
    return make_thumbnail_media(tmp_path_factory.mktemp("thumbnail_media"), ffmpeg_exe)


@pytest.fixture
def bucket(registry: Registry, admin: User, media_root: Path, tmp_path: Path) -> Bucket:
    return Bucket.copy_of(media_root, tmp_path / "bucket", registry, admin)


def test_a_thumbnail_is_served_with_its_etag_and_revalidated(
    client: TestClient, admin_headers: Headers, bucket: Bucket
) -> None:
    item = bucket.add("exif6.jpg", ItemKind.IMAGE)
    url = f"{API}/items/{item.id}/thumbnail"
    first = client.get(url, headers=admin_headers)
    assert first.status_code == 200, first.text
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


def test_a_video_thumbnail_through_the_api(client: TestClient, admin_headers: Headers, bucket: Bucket) -> None:
    item = bucket.add("long.mp4", ItemKind.VIDEO)
    answer = client.get(f"{API}/items/{item.id}/thumbnail", headers=admin_headers)
    assert answer.status_code == 200 and Image.open(io.BytesIO(answer.content)).size == (256, 192)


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
