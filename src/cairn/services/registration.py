"""Registration: register a manifest's files into a folder, as a job of the engine (``cairn.services.jobs``).

The flow (docs/registration.md)::

    register(...)   one streamed pass: check the whole manifest, and  -> ManifestError, nothing written
                    that every URL is inside the integration, while
                    packing the units into tasks in a temporary file
                    then the engine records the job and its tasks and enqueues them
    prepare(...)    the handler's work outside any transaction: supplied metadata, or HEAD + inspection
    commit(...)     the handler's writes inside the task's transaction: items and unit errors

Leases, retries, recovery, counts, cancel and the job's end are the engine's.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, BinaryIO

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.domain.integrations import StoreConfig
from cairn.domain.jobs import Job, TaskResult
from cairn.domain.manifest import (
    DEFAULT_LIMITS,
    ManifestFormat,
    ManifestLimits,
    ManifestSummary,
    scan_manifest,
)
from cairn.domain.records import Folder, User
from cairn.domain.unit_packing import pack_units, unpack_units
from cairn.domain.urls import resolve_object_key
from cairn.errors import CairnError, ManifestError, NotFound, Problem
from cairn.private_files import private_dir
from cairn.services._allocation import bulk_allocations
from cairn.services._base import Service, target_folder
from cairn.services.integrations import IntegrationService, find_integration, store_config_of, usable_integration
from cairn.services.jobs.engine import JobService
from cairn.services.jobs.handler import ClaimedTask, NewJob, TaskSpec
from cairn.services.registration_commit import commit_units
from cairn.services.registration_units import Inspector, Prepared, UnitPreparer, head_only
from cairn.settings import Settings
from cairn.storage import ObjectStore

KIND = "registration"
PREPARE_BATCH = 1000
MAX_URL_PROBLEMS = 1000


@dataclass(frozen=True)
class RegistrationPlan:
    """What a registration would do (``--dry-run``): the manifest summary, the target, and the chunking."""

    summary: ManifestSummary
    folder_id: int
    integration: str
    chunks: int
    skip_duplicate_urls: bool
    upsert_metadata: bool


@dataclass(frozen=True)
class _Target:
    folder: Folder
    integration_id: int
    integration_name: str
    config: StoreConfig


@dataclass(frozen=True)
class _Spool:
    """Packed chunks written to a temporary file while the manifest is read: (offset, length, first unit, count)."""

    file: IO[bytes]
    chunks: list[tuple[int, int, int, int]]


class RegistrationService(Service):
    def __init__(
        self,
        db: Database,
        *,
        settings: Settings,
        integrations: IntegrationService,
        jobs: JobService,
        inspector: Inspector = head_only,
    ) -> None:
        super().__init__(db)
        self._settings = settings
        self._integrations = integrations
        self._jobs = jobs
        self.inspector = inspector

    kind = KIND

    # --- starting a job -----------------------------------------------------------------------------------
    def plan(
        self,
        *,
        actor: User,
        folder_id: int,
        integration: str | int,
        manifest: Path | BinaryIO,
        source: str | None = None,
        fmt: ManifestFormat | None = None,
        skip_duplicate_urls: bool = False,
        upsert_metadata: bool = False,
        limits: ManifestLimits | None = None,
    ) -> RegistrationPlan:
        """Validate a manifest against a folder and integration and say what registering it would do; writes nothing."""
        target = self._target(actor, folder_id, integration)
        with _opened(manifest) as (stream, name):
            summary = self._scan(stream, fmt, source or name, target, limits or self._limits(), spool=None)
        skip, upsert = _options(summary, skip_duplicate_urls, upsert_metadata)
        size = self._settings.job_chunk_size
        return RegistrationPlan(
            summary, target.folder.id, target.integration_name, -(-summary.units // size), skip, upsert
        )

    def register(
        self,
        *,
        actor: User,
        folder_id: int,
        integration: str | int,
        manifest: Path | BinaryIO,
        source: str | None = None,
        fmt: ManifestFormat | None = None,
        ignore_errors: bool = False,
        skip_duplicate_urls: bool = False,
        upsert_metadata: bool = False,
        limits: ManifestLimits | None = None,
    ) -> Job:
        """Start a registration job (returns at once; workers do the work). An invalid manifest writes nothing.

        ``skip_duplicate_urls`` / ``upsert_metadata`` add to the manifest's own options (CSV has none).
        """
        target = self._target(actor, folder_id, integration)
        with _opened(manifest) as (stream, name), tempfile.TemporaryFile(dir=self._ensure_tmp()) as spool_file:
            spool = _Spool(spool_file, [])
            summary = self._scan(stream, fmt, source or name, target, limits or self._limits(), spool=spool)
            skip, upsert = _options(summary, skip_duplicate_urls, upsert_metadata)
            new = NewJob(
                kind=KIND,
                title=summary.source,
                units_total=summary.units,
                folder_id=target.folder.id,
                integration_id=target.integration_id,
                params={
                    "source": summary.source,
                    "format": summary.fmt,
                    "skip_duplicate_urls": skip,
                    "upsert_metadata": upsert,
                },
                summary={"counts_by_kind": {str(k): n for k, n in summary.counts.items()}},
                ignore_errors=ignore_errors,
            )
            details = {"units": summary.units, "integration": target.integration_name}
            return self._jobs.start(actor=actor, new=new, tasks=_spooled_tasks(spool), details=details)

    def _limits(self) -> ManifestLimits:
        """Encord's per-file limits, with the manifest and client-metadata sizes of the settings."""
        return replace(
            DEFAULT_LIMITS,
            max_bytes=self._settings.max_manifest_bytes,
            max_client_metadata_bytes=self._settings.max_client_metadata_bytes,
        )

    def _ensure_tmp(self) -> Path:
        return private_dir(self._settings.data_dir / "tmp")

    def _target(self, actor: User, folder_id: int, integration: str | int) -> _Target:
        with self._read() as repos:
            folder = target_folder(repos, actor, folder_id)
            stored = usable_integration(repos, actor, integration)
        config = store_config_of(stored, self._integrations.secrets)
        return _Target(folder, stored.id, stored.name, config)

    def _scan(
        self,
        stream: BinaryIO,
        fmt: ManifestFormat | None,
        source: str,
        target: _Target,
        limits: ManifestLimits,
        *,
        spool: _Spool | None,
    ) -> ManifestSummary:
        """The one pass over the manifest: check it all, check that every URL is inside the integration, and pack
        the units into chunks in a temporary file (when spooling). ``ManifestError`` is raised after the pass, so
        an invalid manifest leaves only the temporary file, which the caller discards."""
        scan = scan_manifest(stream, fmt=fmt, source=source, limits=limits)
        problems: list[Problem] = []
        batch: list[Any] = []
        number = 0
        size = self._settings.job_chunk_size
        with bulk_allocations():
            for unit in scan.units():
                _check_urls(target.config, unit, problems)
                batch.append(unit)
                if len(batch) == size:
                    _spill(spool, batch, number)
                    number += len(batch)
                    batch = []
            _spill(spool, batch, number)
        summary = scan.summary()
        if problems:
            raise ManifestError(problems, source=summary.source, truncated=len(problems) >= MAX_URL_PROBLEMS)
        return summary

    # --- the handler of "registration" jobs (called by the engine) ----------------------------------------
    def describe(self, job: Job) -> str:
        return f"Registration of {job.title!r}"

    def prepare(self, job: Job, task: ClaimedTask, *, heartbeat: Callable[[], None]) -> Prepared:
        """A task's units with what their items need (supplied metadata, or HEAD + inspection), in batches with a
        heartbeat between them. A payload no version can read raises ``InvalidInput``: its units fail."""
        units = unpack_units(task.payload)
        with self._read() as repos:
            if job.integration_id is None:
                raise NotFound(f"job {job.id}: its integration was removed")
            stored = find_integration(repos, job.integration_id)
        config = store_config_of(stored, self._integrations.secrets)
        preparer = UnitPreparer(
            integration_id=stored.id,
            config=config,
            open_store=_cached_store(self._integrations, config),
            inspector=self.inspector,
            concurrency=self._settings.inspection_concurrency,
            timeout=self._settings.inspection_timeout_seconds,
        )
        numbered = list(enumerate(units, start=task.unit_start))
        with bulk_allocations():
            prepared = preparer.prepare(numbered[:PREPARE_BATCH])
            for start in range(PREPARE_BATCH, len(numbered), PREPARE_BATCH):
                heartbeat()
                more = preparer.prepare(numbered[start : start + PREPARE_BATCH])
                prepared.ready += more.ready
                prepared.errors += more.errors
        return prepared

    def commit(self, repos: Repos, job: Job, task: ClaimedTask, prepared: Prepared, result: TaskResult) -> None:
        with bulk_allocations():
            commit_units(repos, job, task, prepared, result)


def _options(summary: ManifestSummary, skip: bool, upsert: bool) -> tuple[bool, bool]:
    return summary.options.skip_duplicate_urls or skip, summary.options.upsert_metadata or upsert


def _check_urls(config: StoreConfig, unit: Any, problems: list[Problem]) -> None:
    for position, url in enumerate(unit.urls):
        if len(problems) >= MAX_URL_PROBLEMS:
            return
        try:
            resolve_object_key(config, url)
        except CairnError as exc:
            field = "objectUrl" if len(unit.urls) == 1 else f"objectUrl_{position}"
            problems.append(Problem(location=unit.location, message=exc.message, field=field))


def _spooled_tasks(spool: _Spool) -> Iterator[TaskSpec]:
    for offset, length, first, count in spool.chunks:
        spool.file.seek(offset)
        yield TaskSpec(unit_start=first, unit_count=count, payload=spool.file.read(length))


def _spill(spool: _Spool | None, batch: list[Any], first: int) -> None:
    if spool is None or not batch:
        return
    blob = pack_units(batch)
    offset = spool.file.seek(0, os.SEEK_END)
    spool.file.write(blob)
    spool.chunks.append((offset, len(blob), first, len(batch)))


def _cached_store(integrations: IntegrationService, config: StoreConfig) -> Callable[[], ObjectStore]:
    opened: list[ObjectStore] = []

    def store() -> ObjectStore:
        if not opened:
            opened.append(integrations.open(config))
        return opened[0]

    return store


@contextlib.contextmanager
def _opened(manifest: Path | BinaryIO) -> Iterator[tuple[BinaryIO, str]]:
    """The manifest as a binary stream (read once, front to back), and its file name."""
    if isinstance(manifest, Path):
        try:
            handle = manifest.open("rb")
        except OSError as exc:
            raise NotFound(f"cannot read manifest {str(manifest)!r}: {exc.strerror}") from exc
        with handle:
            yield handle, manifest.name
        return
    yield manifest, Path(str(getattr(manifest, "name", "") or "manifest")).name
