"""What a bucket says about an object (its Content-Type) is bounded before the database, on both dialects."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cairn.domain.jobs import JobStatus
from cairn.domain.listing import ItemQuery
from cairn.domain.records import Folder, User
from cairn.services.integrations import IntegrationPublic
from cairn.services.registry import Registry
from tests.fixtures.storage_servers import StorageServer
from tests.registration.conftest import register_and_run


def test_an_object_whose_content_type_is_longer_than_the_column_registers(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    long_type = "text/" + "x" * 300
    urls = [bucket.put("media/notes", b"hello\n", content_type=long_type)]
    urls.append(bucket.put("media/blob.bin", b"hello\n", content_type=long_type))
    manifest = write_manifest({"text": [{"objectUrl": url} for url in urls]})
    job = register_and_run(registry, admin, folder, "s3", manifest, ignore_errors=True)
    assert job.status is JobStatus.DONE, job
    page = registry.items.browse(actor=admin, query=ItemQuery(folder_id=folder.id, recursive=False, limit=10))
    assert len(page.items) == 2
    for item in page.items:
        assert item.media.mime_type is None  # longer than any MIME type: kept as unknown, not cut
