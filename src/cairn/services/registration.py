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
import io
import json
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import IO, Any, BinaryIO

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.db.repositories._common import now
from cairn.domain.integrations import StoreConfig
from cairn.domain.jobs import Job, JobStatus, TaskResult
from cairn.domain.manifest import (
    DEFAULT_LIMITS,
    LimitedStream,
    ManifestFormat,
    ManifestLimits,
    ManifestScan,
    ManifestSummary,
    scan_manifest,
)
from cairn.domain.records import Folder, User
from cairn.domain.unit_packing import pack_units, unpack_units
from cairn.domain.urls import key_resolver
from cairn.errors import CairnError, InvalidInput, ManifestError, NotFound, Problem
from cairn.private_files import private_dir
from cairn.services._allocation import bulk_allocations
from cairn.services._base import Service, target_folder
from cairn.services.integrations import IntegrationService, find_integration, store_config_of, usable_integration
from cairn.services.jobs.engine import JobService
from cairn.services.jobs.handler import ClaimedTask, NewJob, TaskSpec
from cairn.services.managed_files import remove_managed_files
from cairn.services.registration_commit import commit_units
from cairn.services.registration_rows import trusted_row
from cairn.services.registration_units import Inspector, Prepared, UnitPreparer, head_only
from cairn.services.sequence_video import VIDEO_JOB, SequenceVideoService
from cairn.settings import Settings
from cairn.storage import ObjectStore

KIND = "registration"
SEQUENCES = "image_sequences"
"""The job summary's list of the image sequences the registration created (their videos wait for its end)."""
MANIFESTS = "manifests"
"""Where stored manifests wait in managed storage until their job's scan task is closed."""
_SCAN = b"scan:"
"""The payload of a registration's first task (the scan) starts so; the manifest's key follows."""
COPY_BLOCK = 1 << 20
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


@dataclass
class _Spool:
    """Packed chunks written to a temporary file while the manifest is read: (offset, length, first unit, count).

    With ``hand_out`` (a job that ignores errors), each chunk is handed out as a task as soon as it is packed:
    ``published`` counts the chunks already handed out."""

    file: IO[bytes]
    chunks: list[tuple[int, int, int, int]]
    hand_out: Callable[[list[TaskSpec], int], int] | None = None
    published: int = 0

    def publish(self) -> None:
        """Hand out the chunks packed since the last call (tasks 1, 2, ... in chunk order)."""
        if self.hand_out is None or self.published == len(self.chunks):
            return
        fresh = list(_spooled_tasks(self, start=self.published))
        self.hand_out(fresh, 1 + self.published)
        self.published += len(fresh)


class RegistrationService(Service):
    def __init__(
        self,
        db: Database,
        *,
        settings: Settings,
        integrations: IntegrationService,
        jobs: JobService,
        inspector: Inspector = head_only,
        videos: Callable[[], SequenceVideoService] | None = None,
    ) -> None:
        super().__init__(db)
        self._settings = settings
        self._integrations = integrations
        self._jobs = jobs
        self.inspector = inspector
        self._videos = videos

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
        """Start a registration job: store the manifest (streamed) and return the job at once, ``validating``.

        Its first task (``_scan_task``) checks the whole manifest off the request path and records every located
        problem on the job; a strict job with problems then ends ``error`` with nothing written, otherwise the
        manifest is split into the tasks that register it. ``skip_duplicate_urls`` / ``upsert_metadata`` add to
        the manifest's own options (CSV has none). ``limits`` (the benchmark's, above Encord's 500,000 units) go
        with the scan task; by default the scan applies ``_limits()``.
        """
        target = self._target(actor, folder_id, integration)
        with _opened(manifest) as (stream, name):
            title = source or name
            key, size = self._store_manifest(stream, source=title)
        new = NewJob(
            kind=KIND,
            title=title,
            units_total=0,
            folder_id=target.folder.id,
            integration_id=target.integration_id,
            params={
                "source": title,
                "format": fmt,
                "skip_duplicate_urls": skip_duplicate_urls,
                "upsert_metadata": upsert_metadata,
                "chunk_size": self._settings.job_chunk_size,
            },
            summary={"manifest_bytes": size, "bytes_scanned": 0},
            ignore_errors=ignore_errors,
        )
        scan = TaskSpec(unit_start=0, unit_count=0, payload=_scan_payload(key, limits))
        details = {"manifest_bytes": size, "integration": target.integration_name}
        try:
            return self._jobs.start(actor=actor, new=new, tasks=[scan], details=details, status=JobStatus.VALIDATING)
        except BaseException:
            remove_managed_files(self._settings.managed_storage_dir, [key])
            raise

    def _store_manifest(self, stream: BinaryIO, *, source: str) -> tuple[str, int]:
        """Copy the manifest into managed storage in blocks (never whole in memory); its key and size. Over
        ``CAIRN_MAX_MANIFEST_BYTES`` it is refused here (``TooLarge``) and nothing is kept."""
        limit = self._settings.max_manifest_bytes
        stream = io.BufferedReader(LimitedStream(stream, limit=limit, source=source))
        key = f"{MANIFESTS}/{uuid.uuid4().hex}"
        handle, spooled = tempfile.mkstemp(dir=self._ensure_tmp(), prefix="manifest-")
        try:
            with os.fdopen(handle, "wb") as out:
                size = _copy(stream, out)
            private_dir(self._settings.managed_storage_dir / MANIFESTS)  # 0700, as every directory of the data dir
            os.replace(spooled, self._settings.managed_storage_dir.resolve() / key)
        except BaseException:
            Path(spooled).unlink(missing_ok=True)
            raise
        return key, size

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
        """The dry run's pass: ``ManifestError`` lists every located problem (manifest and URLs) at its end."""
        scan, url_problems = self._scan_units(
            stream,
            fmt=fmt,
            source=source,
            target=target,
            limits=limits,
            spool=spool,
            progress=lambda: None,
            chunk_size=self._settings.job_chunk_size,
        )
        summary = scan.summary(allow_problems=bool(url_problems))
        problems = scan.problems + url_problems
        if problems:
            raise ManifestError(problems, source=summary.source, truncated=len(url_problems) >= MAX_URL_PROBLEMS)
        return summary

    def _scan_all(
        self,
        stream: BinaryIO,
        *,
        fmt: ManifestFormat | None,
        source: str,
        target: _Target,
        spool: _Spool,
        progress: Callable[[], None],
        limits: ManifestLimits | None,
        chunk_size: int,
    ) -> tuple[ManifestSummary, list[Problem]]:
        """The scan task's pass: the summary of the valid units (spooled) and every located problem found."""
        scan, url_problems = self._scan_units(
            stream,
            fmt=fmt,
            source=source,
            target=target,
            limits=limits or self._limits(),
            spool=spool,
            progress=progress,
            chunk_size=chunk_size,
        )
        spool.publish()  # the last chunk
        return scan.summary(allow_problems=True), scan.problems + url_problems

    def _scan_units(
        self,
        stream: BinaryIO,
        *,
        fmt: ManifestFormat | None,
        source: str,
        target: _Target,
        limits: ManifestLimits,
        spool: _Spool | None,
        progress: Callable[[], None],
        chunk_size: int,
    ) -> tuple[ManifestScan, list[Problem]]:
        """The one pass over the manifest: check it all, check that every URL is inside the integration, and pack
        the valid units into chunks of ``chunk_size`` in a temporary file (when spooling), handing each out when
        the spool does, and calling ``progress`` after each chunk."""
        scan = scan_manifest(stream, fmt=fmt, source=source, limits=limits)
        problems: list[Problem] = []
        batch: list[Any] = []
        number = 0
        size = chunk_size
        resolve = key_resolver(target.config)
        with bulk_allocations():
            for unit in scan.units():
                if _urls_inside(resolve, unit, problems):
                    batch.append(unit)
                if len(batch) == size:
                    _spill(spool, batch, number, integration_id=target.integration_id)
                    number += len(batch)
                    batch = []
                    progress()
                    if spool is not None:
                        spool.publish()
            _spill(spool, batch, number, integration_id=target.integration_id)
        return scan, problems

    # --- the handler of "registration" jobs (called by the engine) ----------------------------------------
    def describe(self, job: Job) -> str:
        return f"Registration of {job.title!r}"

    def prepare(self, job: Job, task: ClaimedTask, *, heartbeat: Callable[[], None]) -> Prepared | _Scanned:
        """The scan task: the manifest checked and packed into tasks (``_scan_task``). Any other task: its units
        with what their items need (supplied metadata, or HEAD + inspection), in batches with a heartbeat between
        them. A payload no version can read raises ``InvalidInput``: its units fail."""
        if task.payload.startswith(_SCAN):
            return self._scan_task(job, task, heartbeat)
        packed = unpack_units(task.payload)
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
        numbered = [(task.unit_start + position, unit) for position, unit in packed.units]
        with bulk_allocations():
            prepared = preparer.prepare(numbered[:PREPARE_BATCH])
            for start in range(PREPARE_BATCH, len(numbered), PREPARE_BATCH):
                heartbeat()
                more = preparer.prepare(numbered[start : start + PREPARE_BATCH])
                prepared.ready += more.ready
                prepared.errors += more.errors
        prepared.rows = [(task.unit_start + position, values) for position, values in packed.rows]
        return prepared

    def commit(
        self, repos: Repos, job: Job, task: ClaimedTask, prepared: Prepared | _Scanned, result: TaskResult
    ) -> None:
        if isinstance(prepared, _Scanned):
            self._commit_scan(repos, job, prepared)
            if job.ignore_errors:  # tasks handed out during the scan may all have ended before it: it is the last
                self._queue_videos(repos, job, [])
            return
        with bulk_allocations():
            sequences = commit_units(repos, job, task, prepared, result)
        self._queue_videos(repos, job, sequences)

    def _queue_videos(self, repos: Repos, job: Job, created: list[int]) -> None:
        """Image sequences (``createVideo``) get their videos built by one job per registration: their ids gather in
        the job's summary (under the job row's lock), and the commit of the last task queues that job."""
        if self._videos is None:
            return
        current = repos.jobs.get_job(job.id, for_update=True)
        assert current is not None
        pending = [*current.summary.get(SEQUENCES, []), *created]
        summary = {**current.summary, SEQUENCES: pending}
        if pending and repos.jobs.open_tasks(job.id) == 0 and not current.status.is_final:
            actor = repos.users.get(job.actor_id) if job.actor_id is not None else None
            folder = repos.folders.get(job.folder_id) if job.folder_id is not None else None
            if actor is not None and folder is not None:
                summary[VIDEO_JOB] = self._videos().queue_in(repos, actor=actor, folder=folder, sequence_ids=pending)
        if created or VIDEO_JOB in summary:
            repos.jobs.update_job(job.id, summary=summary)

    def closed(self, job: Job, task: ClaimedTask) -> None:
        """Once the scan task is closed its manifest is no longer needed (the tasks hold the units); once the last
        task queued the video job of its image sequences, that job's tasks are sent."""
        if task.payload.startswith(_SCAN):
            remove_managed_files(self._settings.managed_storage_dir, [_scan_of(task)[0]])
            if not job.ignore_errors:
                return
        with self._read() as repos:
            current = repos.jobs.get_job(job.id)
        video_job = current.summary.get(VIDEO_JOB) if current is not None else None
        if self._videos is not None and isinstance(video_job, int):
            self._videos().send(video_job)

    # --- the scan task: validation off the request path ---------------------------------------------------
    def _scan_task(self, job: Job, task: ClaimedTask, heartbeat: Callable[[], None]) -> _Scanned:
        """Read the stored manifest once: check it all (every located problem), check every URL against the
        integration, and pack the valid units into tasks in a temporary file; renew the lease as it goes."""
        target = self._job_target(job)
        key, limits = _scan_of(task)
        path = self._settings.managed_storage_dir.resolve() / key
        # closed by _commit_scan once its chunks are tasks (or by the garbage collector if the commit never runs)
        spool = _Spool(tempfile.TemporaryFile(dir=self._ensure_tmp()), [])  # noqa: SIM115
        if job.ignore_errors:  # a problem found later stops no valid unit: commits need not wait for the scan's end
            spool.hand_out = lambda tasks, first_seq: self._jobs.hand_out(task, tasks, first_seq=first_seq)
        fmt = job.params.get("format")
        chunk_size = int(job.params.get("chunk_size") or self._settings.job_chunk_size)
        try:
            with path.open("rb") as stream:
                progress = _ScanProgress(self, job, stream, heartbeat)
                summary, problems = self._scan_all(
                    stream,
                    fmt=fmt,
                    source=job.title,
                    target=target,
                    spool=spool,
                    progress=progress,
                    limits=limits,
                    chunk_size=chunk_size,
                )
        except ManifestError as exc:  # the manifest cannot be read on (or too many problems): nothing registers
            spool.file.close()
            return _Scanned(None, exc.problems, exc.truncated, None)
        except InvalidInput as exc:  # e.g. over a size limit lowered since the upload: a problem of the whole file
            spool.file.close()
            return _Scanned(None, [Problem(location=job.title, message=exc.message)], False, None)
        except OSError as exc:
            spool.file.close()
            raise NotFound(f"job {job.id}: its stored manifest is gone ({exc.strerror})") from exc
        return _Scanned(summary, problems, len(problems) >= MAX_URL_PROBLEMS, spool)

    def record_scan_progress(self, job: Job, scanned: int) -> None:
        with self._write() as repos:
            current = repos.jobs.get_job(job.id, for_update=True)  # tasks handed out may have written its summary
            if current is not None:
                repos.jobs.update_job(job.id, summary={**current.summary, "bytes_scanned": scanned})

    def _job_target(self, job: Job) -> _Target:
        with self._read() as repos:
            if job.integration_id is None or job.folder_id is None:
                raise NotFound(f"job {job.id}: its folder or integration was removed")
            stored = find_integration(repos, job.integration_id)
            folder = repos.folders.get(job.folder_id)
        if folder is None:
            raise NotFound(f"job {job.id}: its folder was removed")
        return _Target(folder, stored.id, stored.name, store_config_of(stored, self._integrations.secrets))

    def _commit_scan(self, repos: Repos, job: Job, scanned: _Scanned) -> None:
        """Record the scan's problems on the job; then end a strict (or unreadable) job ``error`` with nothing
        written, or add the tasks that register the valid units (a job that ignores errors had them handed out
        during the scan: ``_Spool.publish``)."""
        try:
            self._record_scan(repos, job, scanned)
        finally:
            if scanned.spool is not None:
                scanned.spool.file.close()

    def _record_scan(self, repos: Repos, job: Job, scanned: _Scanned) -> None:
        current = repos.jobs.get_job(job.id, for_update=True)  # tasks handed out may have written its summary
        recorded = current.summary if current is not None else job.summary
        summary: dict[str, Any] = {**recorded, "bytes_scanned": job.summary.get("manifest_bytes", 0)}
        if scanned.problems:
            summary["problems"] = [{"file": job.title, "field": None, **p.to_dict()} for p in scanned.problems]
            summary["problems_truncated"] = scanned.truncated
        fatal = scanned.summary is None or scanned.spool is None
        if scanned.problems and (fatal or not job.ignore_errors):
            message = str(ManifestError(scanned.problems, source=job.title, truncated=scanned.truncated).message)
            why = "" if fatal else "; nothing was registered (ignore_errors is off)"
            _cancel_handed_out(repos, job)
            repos.jobs.update_job(job.id, status=JobStatus.ERROR.value, error=message + why, summary=summary)
            return
        assert scanned.summary is not None and scanned.spool is not None
        found = scanned.summary
        counts: dict[str, Any] = {}
        if not job.ignore_errors:  # the tasks go in now (a job that ignores errors had them handed out as it went)
            units = sum(count for _, _, _, count in scanned.spool.chunks)  # valid units, URLs inside the integration
            added = self._jobs.add_tasks(repos, job.id, _spooled_tasks(scanned.spool), first_seq=1)
            counts = {"units_total": units, "units_pending": units, "tasks_total": added + 1}
        params = job.params
        skip, upsert = _options(found, bool(params.get("skip_duplicate_urls")), bool(params.get("upsert_metadata")))
        summary["counts_by_kind"] = {str(k): n for k, n in found.counts.items()}
        repos.jobs.update_job(
            job.id,
            status=JobStatus.RUNNING.value,
            started_at=job.started_at or now(),
            params={**job.params, "format": found.fmt, "skip_duplicate_urls": skip, "upsert_metadata": upsert},
            summary=summary,
            **counts,
        )


def scan_problems(job: Job) -> ManifestError:
    """The located problems the scan recorded on a registration job, as the error a synchronous check raised."""
    return ManifestError(job.manifest_problems, source=job.title, truncated=job.manifest_problems_truncated)


def _options(summary: ManifestSummary, skip: bool, upsert: bool) -> tuple[bool, bool]:
    return summary.options.skip_duplicate_urls or skip, summary.options.upsert_metadata or upsert


def _urls_inside(resolve: Callable[[str], str], unit: Any, problems: list[Problem]) -> bool:
    """Whether every URL of ``unit`` resolves inside the integration (``resolve``: its ``key_resolver``); each one
    that does not is a problem."""
    inside = True
    for position, url in enumerate(unit.urls):
        try:
            resolve(url)
        except CairnError as exc:
            inside = False
            if len(problems) < MAX_URL_PROBLEMS:
                field = "objectUrl" if len(unit.urls) == 1 else f"objectUrl_{position}"
                problems.append(Problem(location=unit.location, message=exc.message, field=field))
    return inside


def _scan_payload(key: str, limits: ManifestLimits | None) -> bytes:
    """The scan task's payload: the stored manifest's key, and the limits it was started with (if not default)."""
    return _SCAN + json.dumps({"key": key, "limits": None if limits is None else asdict(limits)}).encode()


def _scan_of(task: ClaimedTask) -> tuple[str, ManifestLimits | None]:
    data = json.loads(task.payload[len(_SCAN) :])
    return str(data["key"]), None if data["limits"] is None else ManifestLimits(**data["limits"])


def _copy(source: BinaryIO, out: BinaryIO) -> int:
    """Copy in 1 MiB blocks; the number of bytes copied."""
    size = 0
    while block := source.read(COPY_BLOCK):
        out.write(block)
        size += len(block)
    return size


@dataclass
class _Scanned:
    """What the scan task found: the summary of the valid units (None if the manifest could not be read on),
    every located problem, and the valid units packed into chunks."""

    summary: ManifestSummary | None
    problems: list[Problem]
    truncated: bool
    spool: _Spool | None


class _ScanProgress:
    """Called after each chunk of the scan: renews the task's lease and records how far the scan got."""

    def __init__(self, service: RegistrationService, job: Job, stream: BinaryIO, heartbeat: Callable[[], None]) -> None:
        self._service, self._job, self._stream, self._heartbeat = service, job, stream, heartbeat

    def __call__(self) -> None:
        self._heartbeat()
        self._service.record_scan_progress(self._job, self._stream.tell())


def _cancel_handed_out(repos: Repos, job: Job) -> None:
    """The scan ends the job ``error``: tasks it handed out that no worker took yet are cancelled (those already
    committed stay, as after a strict job's failing unit)."""
    cancelled = repos.jobs.cancel_pending_tasks(job.id)
    if cancelled:
        repos.jobs.add_counts(job.id, {"units_cancelled": cancelled, "units_finished": cancelled})


def _spooled_tasks(spool: _Spool, *, start: int = 0) -> Iterator[TaskSpec]:
    for offset, length, first, count in spool.chunks[start:]:
        spool.file.seek(offset)
        yield TaskSpec(unit_start=first, unit_count=count, payload=spool.file.read(length))


def _spill(spool: _Spool | None, batch: list[Any], first: int, *, integration_id: int) -> None:
    """Pack a chunk of valid units into the spool: those that are already their item's row as that row."""
    if spool is None or not batch:
        return
    rows: list[tuple[int, list[Any]]] = []
    units: list[tuple[int, Any]] = []
    for position, unit in enumerate(batch):
        row = trusted_row(unit, integration_id=integration_id)
        if row is None:
            units.append((position, unit))
        else:
            rows.append((position, row))
    blob = pack_units(units, rows)
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
