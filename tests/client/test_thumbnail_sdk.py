"""``client.items.thumbnail(id)``: the picture's bytes, or NoThumbnail with the server's reason."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from cairn.client import Client
from cairn.domain.kinds import ItemKind
from cairn.errors import NoThumbnail
from tests.client.conftest import LiveServer
from tests.fixtures.thumbnail_media import Bucket, make_thumbnail_media


@pytest.fixture(scope="module")
def media_root(tmp_path_factory: pytest.TempPathFactory, ffmpeg_exe: str) -> Path:
    return make_thumbnail_media(tmp_path_factory.mktemp("thumbnail_media"), ffmpeg_exe)


def test_thumbnail_bytes_and_no_thumbnail(live_server: LiveServer, media_root: Path, tmp_path: Path) -> None:
    bucket = Bucket.copy_of(media_root, tmp_path / "bucket", live_server.registry, live_server.admin)
    picture, sound = bucket.add("exif6.jpg", ItemKind.IMAGE), bucket.add("tone.wav", ItemKind.AUDIO)
    with Client(live_server.url, live_server.token) as client:
        data = client.items.thumbnail(picture.id)
        with pytest.raises(NoThumbnail, match="only images, videos"):
            client.items.thumbnail(sound.id)
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size) == ("WEBP", (192, 256))
