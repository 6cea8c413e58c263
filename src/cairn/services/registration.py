"""Registration jobs: register a manifest's files into a folder, durably, shared by any number of workers.

The flow (docs/registration.md)::

    register(...)   one streamed pass: check the whole manifest, and  -> ManifestError, nothing written
                    that every URL is inside the integration, while
                    packing the units into chunks in a temporary file
                    job row + chunks, one transaction; then one queue message per chunk
    run_chunk(...)  claim the chunk (a lease), prepare its units (supplied metadata, or HEAD + inspection), then
                    commit items + unit errors + counts + journal in ONE transaction (the lease is re-checked)
    recover()       re-enqueue chunks never enqueued, lost from the queue, or leased by a dead worker

A kill -9 anywhere leaves either the chunk's whole transaction or none of it; a retried chunk never duplicates,
because a chunk commits only while its lease holds and its items are guarded by the unique index.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.db.repositories._common import now
from cairn.db.repositories.registration import ChunkRef
from cairn.domain.access import Action
from cairn.domain.integrations import StoreConfig
from cairn.domain.jobs import ChunkStatus, Job, JobStatus, UnitError, pack_units, unpack_units
from cairn.domain.manifest import (
    DEFAULT_LIMITS,
    ManifestFormat,
    ManifestLimits,
    ManifestSummary,
    scan_manifest,
)
from cairn.domain.records import Folder, User
from cairn.domain.urls import resolve_object_key
from cairn.errors import CairnError, Conflict, InvalidInput, ManifestError, NotFound, PermissionDenied, Problem
from cairn.jobs.queue import JobQueue
from cairn.private_files import private_dir
from cairn.services._allocation import bulk_allocations
from cairn.services._base import Service, can_see, require, target_folder, visible_paths
from cairn.services.integrations import IntegrationService, find_integration, store_config_of, usable_integration
from cairn.services.registration_commit import ChunkResult, commit_prepared, fail_unreadable_chunk
from cairn.services.registration_units import Inspector, UnitPreparer, head_only
from cairn.settings import Settings
from cairn.storage import ObjectStore

CHUNK_JOB = "registration.chunk"
log = logging.getLogger("cairn.registration")
LEASE = timedelta(minutes=5)
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


def lease_owner() -> str:
    """Who holds a lease: ``host/pid/nonce`` (the pid lets a restarted machine see its dead predecessors)."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


def _owner_is_dead(owner: str | None) -> bool:
    """True when ``owner`` is a process of this machine that no longer runs."""
    if not owner:
        return False
    host, _, rest = owner.partition("/")
    pid_text = rest.split("/", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class RegistrationService(Service):
    def __init__(
        self,
        db: Database,
        *,
        settings: Settings,
        integrations: IntegrationService,
        queue: Callable[[], JobQueue],
        inspector: Inspector = head_only,
    ) -> None:
        super().__init__(db)
        self._settings = settings
        self._integrations = integrations
        self._queue = queue
        self.inspector = inspector

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
            job_id = self._create_job(
                actor, target, summary, spool, ignore_errors=ignore_errors, skip=skip, upsert=upsert
            )
        self._enqueue(job_id, list(range(len(spool.chunks))))
        return self.get(actor=actor, job_id=job_id)

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

    def _create_job(
        self,
        actor: User,
        target: _Target,
        summary: ManifestSummary,
        spool: _Spool,
        *,
        ignore_errors: bool,
        skip: bool,
        upsert: bool,
    ) -> int:
        with self._write() as repos:
            job_id = repos.registration.create_job(
                folder_id=target.folder.id,
                integration_id=target.integration_id,
                actor_id=actor.id,
                source=summary.source[:300],
                format=summary.fmt,
                status=JobStatus.PENDING.value,
                ignore_errors=ignore_errors,
                skip_duplicate_urls=skip,
                upsert_metadata=upsert,
                units_total=summary.units,
                units_pending=summary.units,
                chunks_total=len(spool.chunks),
                counts_by_kind={str(k): n for k, n in summary.counts.items()},
            )
            for seq, (offset, length, first, count) in enumerate(spool.chunks):
                spool.file.seek(offset)
                payload = spool.file.read(length)
                repos.registration.add_chunk(
                    job_id=job_id, seq=seq, unit_start=first, unit_count=count, payload=payload
                )
            repos.journal.record(
                actor=actor,
                action="registration.start",
                target_type="job",
                target_id=job_id,
                target_label=summary.source,
                folder_id=target.folder.id,
                details={"units": summary.units, "integration": target.integration_name, "chunks": len(spool.chunks)},
            )
            return job_id

    def _enqueue(self, job_id: int, seqs: list[int]) -> None:
        """One message per chunk; a chunk whose message is never sent is found again by ``recover``."""
        if not seqs:
            return
        try:
            self._queue().enqueue_many(CHUNK_JOB, ({"job_id": job_id, "seq": s} for s in seqs))
        except Exception as exc:  # the queue is down: the chunks stay un-enqueued and recovery sends them later
            log.warning("job %s: could not enqueue %d chunk(s), recovery will retry: %s", job_id, len(seqs), exc)
            return
        with self._write() as repos:
            repos.registration.mark_enqueued(job_id, seqs)

    # --- running a chunk (called by the job consumer) ------------------------------------------------------
    def run_chunk(self, *, job_id: int, seq: int) -> ChunkResult | None:
        """Claim, prepare and commit one chunk; None when it is not claimable (done, cancelled, or leased)."""
        with bulk_allocations():
            return self._run_chunk(job_id, seq)

    def _run_chunk(self, job_id: int, seq: int) -> ChunkResult | None:
        owner = lease_owner()
        claimed = self._claim(job_id, seq, owner)
        if claimed is None:
            return None
        job, units, first = claimed
        try:
            prepared = self._prepare(job, units, first, job_id=job_id, seq=seq, owner=owner)
            with self._write() as repos:
                return commit_prepared(repos, job_id=job_id, seq=seq, owner=owner, prepared=prepared)
        except BaseException:
            with contextlib.suppress(Exception), self._write() as repos:
                repos.registration.release_chunk(job_id=job_id, seq=seq, owner=owner)
            raise

    def _claim(self, job_id: int, seq: int, owner: str) -> tuple[Job, list[Any], int] | None:
        with self._write() as repos:
            job = repos.registration.get_job(job_id)
            if job is None or job.status.is_final:
                return None
            payload = repos.registration.claim_chunk(job_id=job_id, seq=seq, owner=owner, lease_until=now() + LEASE)
            if payload is None:
                return None
            repos.registration.mark_started(job_id)
            first = repos.registration.chunk_unit_start(job_id, seq)
        try:
            return job, unpack_units(payload), first
        except InvalidInput as exc:  # a payload no version can read: fail its units, never leave it leased
            with self._write() as repos:
                fail_unreadable_chunk(repos, job_id=job_id, seq=seq, owner=owner, reason=exc.message)
            return None

    def _prepare(self, job: Job, units: list[Any], first: int, *, job_id: int, seq: int, owner: str) -> Any:
        with self._read() as repos:
            if job.integration_id is None:
                raise NotFound(f"job {job_id}: its integration was removed")
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
        numbered = list(enumerate(units, start=first))
        prepared = preparer.prepare(numbered[:PREPARE_BATCH])
        for start in range(PREPARE_BATCH, len(numbered), PREPARE_BATCH):
            self._renew(job_id, seq, owner)
            more = preparer.prepare(numbered[start : start + PREPARE_BATCH])
            prepared.ready += more.ready
            prepared.errors += more.errors
        return prepared

    def _renew(self, job_id: int, seq: int, owner: str) -> None:
        with self._write() as repos:
            if not repos.registration.renew_lease(job_id=job_id, seq=seq, owner=owner, lease_until=now() + LEASE):
                raise Conflict(f"job {job_id} chunk {seq}: the lease was lost (another worker took the chunk over)")

    # --- recovery -----------------------------------------------------------------------------------------
    def recover(self) -> int:
        """Re-enqueue chunks that were never enqueued, whose worker died or whose lease expired; close chunks of
        cancelled jobs. Safe to run any time, from any number of processes. Returns how many were re-enqueued."""
        with self._read() as repos:
            refs = repos.registration.chunks_needing_work(expired_before=now())
        queue_empty = self._queue_is_empty()
        to_enqueue: dict[int, list[int]] = {}
        for ref in refs:
            if self._recover_one(ref):
                to_enqueue.setdefault(ref.job_id, []).append(ref.seq)
        for job_id, seqs in to_enqueue.items():
            self._enqueue(job_id, seqs)
        stale = self._stale_pending(queue_empty)
        for job_id, seqs in stale.items():
            self._enqueue(job_id, seqs)
        return sum(len(s) for s in to_enqueue.values()) + sum(len(s) for s in stale.values())

    def _recover_one(self, ref: ChunkRef) -> bool:
        """Whether ``ref`` must be enqueued again (releasing it first when its worker is gone)."""
        if JobStatus(ref.job_status).is_final:
            with self._write() as repos:
                _close_cancelled_chunk(repos, ref)
            return False
        if ref.status == ChunkStatus.PENDING.value:
            return True
        if not (ref.lease_expired or _owner_is_dead(ref.lease_owner)):
            return False
        with self._write() as repos:
            return repos.registration.release_chunk(job_id=ref.job_id, seq=ref.seq, owner=ref.lease_owner)

    def _stale_pending(self, queue_empty: bool) -> dict[int, list[int]]:
        """Pending chunks of running jobs whose message is gone: when the queue is empty, none is in it."""
        if not queue_empty:
            return {}
        with self._read() as repos:
            jobs = repos.registration.jobs(statuses=(JobStatus.PENDING.value, JobStatus.RUNNING.value), limit=1000)
            return {
                j.id: seqs for j in jobs if (seqs := repos.registration.chunk_seqs(j.id, status=ChunkStatus.PENDING))
            }

    def _queue_is_empty(self) -> bool:
        try:
            return self._queue().size() == 0
        except Exception:
            return False

    # --- reading and cancelling ---------------------------------------------------------------------------
    def get(self, *, actor: User, job_id: int) -> Job:
        with self._read() as repos:
            return _visible_job(repos, actor, job_id)

    def jobs(
        self, *, actor: User, statuses: tuple[str, ...] = (), before_id: int | None = None, limit: int = 50
    ) -> list[Job]:
        """Newest first, the jobs ``actor`` may see (the rule of ``get``): every job for organization admins, else
        their own and those registering into a folder they may see."""
        with self._read() as repos:
            paths = visible_paths(repos, actor)
            seen_by = None if paths is None else (actor.id, paths)
            limit = min(max(limit, 1), 1000)
            return repos.registration.jobs(seen_by=seen_by, statuses=statuses, before_id=before_id, limit=limit)

    def errors(self, *, actor: User, job_id: int, after_unit: int = -1, limit: int = 100) -> list[UnitError]:
        """The per-unit errors of a job, in manifest order (page with ``after_unit`` = the last unit seen)."""
        with self._read() as repos:
            _visible_job(repos, actor, job_id)
            return repos.registration.errors(job_id, after_unit=after_unit, limit=min(max(limit, 1), 1000))

    def cancel(self, *, actor: User, job_id: int) -> Job:
        """Cancel a job: units not yet committed are marked cancelled; committed ones stay registered."""
        with self._write() as repos:
            job = _visible_job(repos, actor, job_id, for_update=True)
            _require_change(repos, actor, job)
            if job.status.is_final:
                raise Conflict(f"job {job_id} has already finished ({job.status.value})", details={"job_id": job_id})
            cancelled = repos.registration.cancel_pending_chunks(job_id)
            repos.registration.add_counts(job_id, {"units_cancelled": cancelled, "units_finished": cancelled})
            finished = repos.registration.open_chunks(job_id) == 0
            repos.registration.update_job(
                job_id, status=JobStatus.CANCELLED.value, finished_at=now() if finished else None
            )
            repos.journal.record(
                actor=actor,
                action="registration.cancel",
                target_type="job",
                target_id=job_id,
                target_label=job.source,
                folder_id=job.folder_id,
                details={"units_cancelled": cancelled},
            )
        return self.get(actor=actor, job_id=job_id)

    def wait(self, *, actor: User, job_id: int, timeout: float | None = None, poll: float = 0.5) -> Job:
        """Poll until the job is final (or ``timeout`` seconds pass); returns the job as last seen."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.get(actor=actor, job_id=job_id)
            if job.status.is_final or (deadline is not None and time.monotonic() >= deadline):
                return job
            time.sleep(poll)


def _visible_job(repos: Repos, actor: User, job_id: int, *, for_update: bool = False) -> Job:
    """The job if ``actor`` may see it (organization admins, its author, whoever may see its folder); else the same
    ``NotFound`` as a missing id."""
    job = repos.registration.get_job(job_id, for_update=for_update)
    if job is not None and (actor.is_org_admin or job.actor_id == actor.id):
        return job
    folder = repos.folders.get(job.folder_id) if job is not None and job.folder_id else None
    if job is not None and folder is not None and can_see(repos, actor, folder):
        return job
    raise NotFound(f"registration job {job_id} not found", details={"job_id": job_id})


def _require_change(repos: Repos, actor: User, job: Job) -> None:
    """Cancelling a job changes its folder: its author, an editor there, or an organization admin may."""
    if actor.is_org_admin or job.actor_id == actor.id:
        return
    folder = repos.folders.get(job.folder_id) if job.folder_id else None
    if folder is None:
        raise PermissionDenied(f"{actor.email} may not cancel registration job {job.id}")
    require(repos, actor, folder, Action.WRITE)


def _close_cancelled_chunk(repos: Repos, ref: ChunkRef) -> None:
    units = repos.registration.cancel_chunk(ref.job_id, ref.seq)
    if units:
        repos.registration.add_counts(ref.job_id, {"units_cancelled": units, "units_finished": units})
    if repos.registration.open_chunks(ref.job_id) == 0:
        repos.registration.update_job(ref.job_id, finished_at=now())


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
