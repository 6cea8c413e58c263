"""Size limits of registration (SQLite and PostgreSQL): a manifest's client metadata is bounded per entry (a located
problem, all listed at once), the manifest file by ``CAIRN_MAX_MANIFEST_BYTES``; nothing is written either way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cairn.domain.jobs import JobStatus
from cairn.domain.records import Folder, User
from cairn.errors import ManifestError, TooLarge
from cairn.services.integrations import IntegrationPublic
from cairn.services.registry import Registry
from cairn.settings import Settings
from tests.registration.conftest import run_job


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        max_client_metadata_bytes=100,
        max_manifest_bytes=2_000,
    )


def _nothing_written(registry: Registry, actor: User, folder: Folder) -> bool:
    no_jobs = registry.jobs.jobs(actor=actor, statuses=(), before_id=None, limit=10) == []
    return no_jobs and registry.folders.summary(actor=actor, folder_id=folder.id).files == 0


def test_client_metadata_over_the_limit_is_a_located_problem_for_every_entry(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    local_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    doc = {
        "images": [
            {"objectUrl": "a.jpg", "clientMetadata": {"k": "x" * 92}},  # 100 bytes: at the limit
            {"objectUrl": "b.jpg", "clientMetadata": {"k": "x" * 93}},
        ],
        "image_groups": [{"title": "g", "objectUrl_0": "c.jpg", "client_metadata": {"k": "x" * 500}}],
    }
    expected = {("/images/1/clientMetadata", "clientMetadata"), ("/image_groups/0/client_metadata", "client_metadata")}
    with pytest.raises(ManifestError) as caught:
        registry.registration.plan(actor=admin, folder_id=folder.id, integration="disk", manifest=write_manifest(doc))
    assert {(p.location, p.field) for p in caught.value.problems} == expected
    first = caught.value.problems[0].message
    assert "101 bytes; the limit is 100 bytes (CAIRN_MAX_CLIENT_METADATA_BYTES)" in first, first
    assert _nothing_written(registry, admin, folder)
    job = registry.registration.register(
        actor=admin, folder_id=folder.id, integration="disk", manifest=write_manifest(doc)
    )
    ended = run_job(registry, admin, job)  # the same scan, off the request path: the job records the problems
    assert ended.status is JobStatus.ERROR
    assert {(p["location"], p["field"]) for p in ended.summary["problems"]} == expected
    assert registry.folders.summary(actor=admin, folder_id=folder.id).files == 0


def test_a_manifest_over_its_size_limit_is_refused_and_writes_nothing(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    local_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    doc = {"images": [{"objectUrl": f"image-{n:04}.jpg"} for n in range(100)]}
    path = write_manifest(doc)
    assert path.stat().st_size > 2_000
    for call in (registry.registration.plan, registry.registration.register):
        with pytest.raises(TooLarge) as caught:
            call(actor=admin, folder_id=folder.id, integration="disk", manifest=path)
        assert "is more than 2,000 bytes" in caught.value.message and "CAIRN_MAX_MANIFEST_BYTES" in caught.value.message
    assert _nothing_written(registry, admin, folder)
    tmp = registry.settings.data_dir / "tmp"
    assert not tmp.exists() or list(tmp.iterdir()) == []
