"""Fixtures for registration tests: a folder, integrations on real servers (moto, s3rver, Azurite) and on a
local directory, and helpers that write manifests and run a job's chunks in this process."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cairn.domain.jobs import Job
from cairn.domain.records import Folder, User
from cairn.services.integrations import IntegrationPublic
from cairn.services.registry import Registry
from tests.fixtures.storage_servers import StorageServer, azurite_server, moto_server, s3rver_server

__all__ = ["azurite_server", "moto_server", "s3rver_server"]


@pytest.fixture
def folder(registry: Registry, admin: User) -> Folder:
    return registry.folders.create(actor=admin, name="Inbox")


@pytest.fixture
def local_root(tmp_path: Path) -> Path:
    root = tmp_path / "bucket"
    root.mkdir()
    return root


@pytest.fixture
def local_integration(registry: Registry, admin: User, local_root: Path) -> IntegrationPublic:
    return registry.integrations.add(actor=admin, name="disk", provider="local", root=str(local_root))


def add_server_integration(registry: Registry, actor: User, server: StorageServer, name: str) -> IntegrationPublic:
    config = server.config
    return registry.integrations.add(
        actor=actor,
        name=name,
        provider=config.provider,
        bucket=config.bucket,
        region=config.region,
        endpoint=config.endpoint,
        credentials=dict(config.credentials),
        options=dict(config.options),
    )


@pytest.fixture
def bucket(moto_server: StorageServer) -> StorageServer:
    """A fresh, empty bucket on the moto server."""
    return moto_server.fresh()


@pytest.fixture
def s3_integration(registry: Registry, admin: User, bucket: StorageServer) -> IntegrationPublic:
    return add_server_integration(registry, admin, bucket, "s3")


@pytest.fixture
def write_manifest(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1_000_000))

    def write(content: Any, *, suffix: str = ".json") -> Path:
        path = tmp_path / f"manifest-{next(counter)}{suffix}"
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(json.dumps(content), encoding="utf-8")
        return path

    return write


def run_job(registry: Registry, actor: User, job: Job) -> Job:
    """Run every task of a job in this process (what a worker does): the scan first, then the tasks it added."""
    registry.jobs.run_task(job_id=job.id, seq=0)
    job = registry.jobs.get(actor=actor, job_id=job.id)
    for seq in range(1, job.tasks_total):
        registry.jobs.run_task(job_id=job.id, seq=seq)
    return registry.jobs.get(actor=actor, job_id=job.id)


def register_and_run(
    registry: Registry, actor: User, folder: Folder, integration: str, manifest: Path, **options: Any
) -> Job:
    job = registry.registration.register(
        actor=actor, folder_id=folder.id, integration=integration, manifest=manifest, **options
    )
    return run_job(registry, actor, job)
