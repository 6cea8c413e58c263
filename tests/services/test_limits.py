"""Size limits in the services (SQLite and PostgreSQL): client metadata and uploaded files are bounded by settings,
and an input over a limit is a located ``TooLarge`` (``too_large``) that writes nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from cairn.domain.records import User
from cairn.errors import InvalidInput, TooLarge
from cairn.services.registry import Registry
from cairn.services.uploads import UploadedFile
from cairn.settings import Settings
from tests.api.helpers import png_bytes
from tests.services.helpers import add_images

LIMIT = 1_000


@pytest.fixture
def small(tmp_path: Path, database_url: str) -> Iterator[Registry]:
    """A registry whose limits are small: 1,000 bytes of client metadata, 2,000-byte uploads."""
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        max_client_metadata_bytes=LIMIT,
        max_upload_bytes=2_000,
    )
    with Registry(settings) as registry:
        yield registry


@pytest.fixture
def boss(small: Registry) -> User:
    return small.users.ensure_local_admin()[0]


def _metadata(size: int) -> dict[str, str]:
    """A JSON object whose compact serialization is exactly ``size`` bytes ({"k":"xxx..."} is 8 bytes + the x's)."""
    return {"k": "x" * (size - 8)}


def _managed_files(settings: Settings) -> list[Path]:
    root = settings.managed_storage_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_client_metadata_at_the_limit_is_accepted_one_byte_more_is_refused(small: Registry, boss: User) -> None:
    folder = small.folders.create(actor=boss, name="F", client_metadata=_metadata(LIMIT))
    assert folder.client_metadata == _metadata(LIMIT)
    with pytest.raises(TooLarge) as caught:
        small.folders.create(actor=boss, name="G", client_metadata=_metadata(LIMIT + 1))
    assert caught.value.code == "too_large" and isinstance(caught.value, InvalidInput)
    message = caught.value.message
    assert "client_metadata" in message and "1,001 bytes" in message, message
    assert "the limit is 1,000 bytes (CAIRN_MAX_CLIENT_METADATA_BYTES)" in message, message
    assert caught.value.details["limit"] == LIMIT and caught.value.details["size"] == LIMIT + 1
    assert [f.name for f in small.folders.children(actor=boss)] == ["F"]


def test_metadata_size_counts_utf8_bytes_of_compact_json(small: Registry, boss: User) -> None:
    """'é' is 2 bytes in UTF-8: 500 of them and the 8 bytes around are 1,008 bytes, over the limit."""
    with pytest.raises(TooLarge):
        small.folders.create(actor=boss, name="F", client_metadata={"k": "é" * 500})


def test_every_service_input_of_client_metadata_is_bounded(small: Registry, boss: User) -> None:
    folder = small.folders.create(actor=boss, name="F")
    [item] = add_images(small, boss, folder.id, "a.jpg")
    big = _metadata(LIMIT + 1)
    attempts = {
        "folder update": lambda: small.folders.update(actor=boss, folder_id=folder.id, client_metadata=big),
        "item update": lambda: small.items.update(actor=boss, item_id=item.id, client_metadata=big),
        "upload": lambda: small.uploads.upload(
            actor=boss, folder_id=folder.id, files=[UploadedFile("a.png", io.BytesIO(png_bytes()))], client_metadata=big
        ),
    }
    for name, attempt in attempts.items():
        with pytest.raises(TooLarge, match="CAIRN_MAX_CLIENT_METADATA_BYTES"):
            attempt()
        assert small.folders.get(actor=boss, folder_id=folder.id).client_metadata == {}, name
        assert small.items.get(actor=boss, item_id=item.id).client_metadata == {}, name
    assert _managed_files(small.settings) == []


def test_an_upload_over_the_size_limit_is_refused_and_leaves_no_file(small: Registry, boss: User) -> None:
    folder = small.folders.create(actor=boss, name="F")
    ok = png_bytes(4, 4)
    assert len(ok) < 2_000
    big = UploadedFile("big.png", io.BytesIO(ok + b"\0" * (2_001 - len(ok))))
    with pytest.raises(TooLarge) as caught:
        small.uploads.upload(actor=boss, folder_id=folder.id, files=[UploadedFile("ok.png", io.BytesIO(ok)), big])
    message = caught.value.message
    assert "files[1] 'big.png'" in message and "CAIRN_MAX_UPLOAD_BYTES" in message, message
    assert caught.value.details["location"] == "files/1"
    assert _managed_files(small.settings) == []
    assert small.folders.summary(actor=boss, folder_id=folder.id).files == 0
    tmp = small.settings.data_dir / "tmp"
    assert not tmp.exists() or list(tmp.iterdir()) == []


def test_descriptions_are_bounded_in_the_services_as_in_the_api(small: Registry, boss: User) -> None:
    """The CLI and other in-process callers meet the API's 10,000-character bound on descriptions."""
    long = "d" * 10_001
    with pytest.raises(InvalidInput, match="10,000 characters"):
        small.folders.create(actor=boss, name="F", description=long)
    folder = small.folders.create(actor=boss, name="F", description="d" * 10_000)
    with pytest.raises(InvalidInput, match="10,000 characters"):
        small.folders.update(actor=boss, folder_id=folder.id, description=long)
    with pytest.raises(InvalidInput, match="10,000 characters"):
        small.datasets.create(actor=boss, title="D", description=long)
    dataset = small.datasets.create(actor=boss, title="D")
    with pytest.raises(InvalidInput, match="10,000 characters"):
        small.datasets.update(actor=boss, dataset_id=dataset.id, description=long)
    assert small.folders.get(actor=boss, folder_id=folder.id).description == "d" * 10_000
