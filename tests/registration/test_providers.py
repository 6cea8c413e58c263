"""Registration from each kind of store the suite can run: Azure (Azurite), file-backed S3 (s3rver, a large
object), and the ``local`` provider; HEAD gives size and Content-Type, which inspection will build on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cairn.domain.jobs import JobStatus
from cairn.domain.kinds import ItemKind
from cairn.domain.listing import ItemQuery
from cairn.domain.records import Folder, Item, User
from cairn.services.registry import Registry
from tests.fixtures.storage_servers import StorageServer
from tests.registration.conftest import add_server_integration, register_and_run


def _items(registry: Registry, admin: User, folder: Folder) -> list[Item]:
    query = ItemQuery(folder_id=folder.id, recursive=False, limit=100)
    return sorted(registry.items.browse(actor=admin, query=query).items, key=lambda i: i.title)


def test_azure_blobs_register_with_their_content_type(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    azurite_server: StorageServer,
    write_manifest: Callable[..., Path],
) -> None:
    container = azurite_server.fresh()
    add_server_integration(registry, admin, container, "azure")
    image = container.put("photos/cat.png", b"\x89PNG\r\n\x1a\n" + b"p" * 100, content_type="image/png")
    clip = container.put("clips/dog.mp4", b"\x00\x00\x00\x18ftypmp42", content_type="video/mp4")
    doc = {"images": [{"objectUrl": image}], "videos": [{"objectUrl": clip}]}
    job = register_and_run(registry, admin, folder, "azure", write_manifest(doc))
    assert job.status is JobStatus.DONE, registry.jobs.errors(actor=admin, job_id=job.id)
    found = [(i.kind, i.title, i.media.file_size, i.media.mime_type) for i in _items(registry, admin, folder)]
    assert found == [(ItemKind.IMAGE, "cat.png", 108, "image/png"), (ItemKind.VIDEO, "dog.mp4", 12, "video/mp4")]


def test_large_object_on_s3rver_registers_by_head_alone(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    s3rver_server: StorageServer,
    write_manifest: Callable[..., Path],
    tmp_path: Path,
) -> None:
    bucket = s3rver_server.fresh()
    add_server_integration(registry, admin, bucket, "s3rver")
    big = tmp_path / "big.mp4"
    size = 64 * 2**20
    with big.open("wb") as out:
        out.truncate(size)
    with big.open("rb") as data:
        url = bucket.put("big/movie.mp4", data, content_type="video/mp4", cache_control="max-age=3600")
    job = register_and_run(registry, admin, folder, "s3rver", write_manifest({"videos": [{"objectUrl": url}]}))
    assert job.status is JobStatus.DONE, registry.jobs.errors(actor=admin, job_id=job.id)
    [item] = _items(registry, admin, folder)
    assert (item.media.file_size, item.media.mime_type, item.object_url) == (size, "video/mp4", url)


def test_local_files_register_and_a_missing_one_is_a_located_error(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    local_root: Path,
    local_integration: object,
    write_manifest: Callable[..., Path],
) -> None:
    (local_root / "scans").mkdir()
    (local_root / "scans" / "a.pdf").write_bytes(b"%PDF-1.4 " + b"x" * 50)
    doc = {"pdf": [{"objectUrl": "scans/a.pdf"}, {"objectUrl": f"file://{local_root}/scans/missing.pdf"}]}
    job = register_and_run(registry, admin, folder, "disk", write_manifest(doc), ignore_errors=True)
    assert (job.status, job.units_done, job.units_error) == (JobStatus.DONE, 1, 1)
    [item] = _items(registry, admin, folder)
    assert (item.kind, item.media.file_size, item.media.mime_type) == (ItemKind.PDF, 59, "application/pdf")
    [error] = registry.jobs.errors(actor=admin, job_id=job.id)
    assert (error.location, error.code, error.action_description) == ("/pdf/1", "object_not_found", "Registering PDF")
