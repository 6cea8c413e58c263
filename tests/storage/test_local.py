"""The local backend: the root is a wall (symbolic links included), and check_access says what failed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cairn.domain.integrations import Provider, StoreConfig
from cairn.errors import InvalidInput, ObjectNotFound, StorageAccessDenied, StorageError, UrlOutsideIntegration
from cairn.storage import check_access, memory_store, open_store
from cairn.storage.base import ObjectStore
from tests.fixtures.storage_servers import StorageServer


def _local(root: Path) -> ObjectStore:
    return open_store(StoreConfig(provider=Provider.LOCAL, root=str(root)), allow_private_endpoints=False)


def test_symlinks_leading_outside_the_root_are_refused_and_not_listed(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "secret"
    (root / "inside").mkdir(parents=True)
    outside.mkdir()
    (outside / "passwd").write_bytes(b"top secret")
    (root / "inside" / "ok.txt").write_bytes(b"fine")
    os.symlink(outside / "passwd", root / "inside" / "link.txt")
    os.symlink(outside, root / "escape")
    os.symlink(root / "inside" / "ok.txt", root / "alias.txt")
    store = _local(root)
    for key in ["inside/link.txt", "escape/passwd"]:
        with pytest.raises(UrlOutsideIntegration, match="outside the integration's root") as refused:
            store.head(key)
        assert "secret" not in str(refused.value) and "secret" not in str(refused.value.details)  # the target
        with pytest.raises(UrlOutsideIntegration):
            store.read_range(key, 0, 4)
    assert store.read_range("alias.txt", 0, 4) == b"fine"  # a link that stays inside is fine
    assert sorted(info.key for info in store.list()) == ["alias.txt", "inside/ok.txt"]
    for key in ["inside/link.txt", "escape/passwd"]:
        with pytest.raises(UrlOutsideIntegration):
            store.local_path(key)  # a re-encode links or copies the file at this path: never one outside
    assert store.local_path("alias.txt") == (root / "inside" / "ok.txt").resolve()


def test_only_local_stores_have_local_paths(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"\x89PNG")
    assert _local(tmp_path).local_path("a.png") == (tmp_path / "a.png").resolve()
    assert memory_store().local_path("a.png") is None
    with pytest.raises(InvalidInput):
        _local(tmp_path).local_path("../a.png")


def test_local_head_guesses_content_type_from_the_name(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"\x89PNG")
    info = _local(tmp_path).head("a.png")
    assert (info.size, info.content_type, info.cache_control) == (4, "image/png", None)


def test_missing_local_root_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist or is not a directory"):
        _local(tmp_path / "nope")


def test_check_access_lists_one_page(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_bytes(b"x")
    check_access(_local(tmp_path), prefix="")
    check_access(memory_store(), prefix="anything/")


def test_check_access_with_a_key_reports_a_missing_object(tmp_path: Path) -> None:
    with pytest.raises(ObjectNotFound, match=r"access to local root .* works but .*missing\.txt does not exist"):
        check_access(_local(tmp_path), key="missing.txt")


@pytest.mark.xdist_group("storage_servers")
def test_check_access_reports_wrong_credentials(moto_server: StorageServer) -> None:
    server = moto_server.fresh()
    check_access(server.store(), prefix="")
    wrong = StoreConfig(
        provider=Provider.S3_COMPATIBLE,
        bucket="does-not-exist-bucket",
        endpoint=server.endpoint,
        credentials={"access_key_id": "a", "secret_access_key": "b"},
    )
    with pytest.raises(StorageError, match=r"cannot reach .*does-not-exist-bucket") as caught:
        check_access(open_store(wrong, allow_private_endpoints=True), prefix="")
    assert "bucket or container does not exist" in caught.value.message


@pytest.mark.xdist_group("storage_servers")
def test_check_access_reports_refused_credentials(azurite_server: StorageServer) -> None:
    config = azurite_server.config
    wrong = StoreConfig(
        provider=config.provider,
        bucket=config.bucket,
        endpoint=config.endpoint,
        options=dict(config.options),
        credentials={"account_key": "d3Jvbmcga2V5"},
    )
    with pytest.raises(StorageAccessDenied, match="lack list permission"):
        check_access(open_store(wrong, allow_private_endpoints=True), prefix="")
