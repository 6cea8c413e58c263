"""Inspection: what each file really is, read from its headers over range reads, and what is wrong with it.

``inspect_object`` is the one path every caller takes (registration jobs, ``cairn inspect ITEM``, uploads): it opens
a :class:`~cairn.storage.RangeFile` on the object, hands it to the media dispatcher, and turns the report into the
item's media fields, its status (``ready`` or ``failed`` with the reason) and the stored report with the bytes and
requests it cost. ``cairn probe`` runs the same inspection on any local file or object without registering it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.db.repositories.inspections import NewInspection, StoredInspection
from cairn.db.repositories.integrations import StoredIntegration
from cairn.domain.access import Action
from cairn.domain.content_kinds import is_generic, is_wrong_kind
from cairn.domain.dicom_series import assemble_dicom_series
from cairn.domain.frame_map import FrameIndex, FrameMap, decode_frame_map, encode_frame_map
from cairn.domain.integrations import Provider, StoreConfig
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.media import (
    AudioReport,
    DicomReport,
    ImageReport,
    InspectionReport,
    PdfReport,
    TextReport,
    VideoReport,
    video_report_from_dict,
)
from cairn.domain.records import Item, MediaFields, User
from cairn.domain.urls import resolve_object_key
from cairn.domain.video_checks import VideoLimits
from cairn.errors import CairnError, InvalidInput, NotFound
from cairn.private_files import private_dir
from cairn.services._base import Service, item_folder, require_org_admin
from cairn.services.integrations import IntegrationService, find_integration, store_config_of, usable_integration
from cairn.settings import Settings
from cairn.storage import HEAD_BYTES, ObjectInfo, ObjectStore, RangeFile, open_managed_store, open_store

_MIME_BY_FORMAT = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "avif": "image/avif",
    "bmp": "image/bmp",
    "tiff": "image/tiff",
    "gif": "image/gif",
}

VIDEO_FIRST_READ_BYTES = 256 * 1024
"""A video's first GET: a faststart ``moov`` (a few minutes of 1080p) and the first packets, in one request."""

_VIDEO_MIME = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
    "mkv": "video/x-matroska",
    "avi": "video/x-msvideo",
}


@dataclass(frozen=True)
class Inspected:
    """The outcome of inspecting one object: what to write on the item and what to store as its report."""

    media: MediaFields
    status: ItemStatus
    reason: str | None
    verdict: str
    report: dict[str, Any]
    bytes_read: int
    requests: int
    whole_file_read: bool
    seconds: float
    frame_map: tuple[int, bytes] | None = None
    detected_kind: ItemKind | None = None
    raw: InspectionReport | None = None
    inspected: bool = True  # False: only what a HEAD said (nothing to store as a report)


def video_limits(settings: Settings) -> VideoLimits:
    return VideoLimits(max_bytes=settings.max_video_bytes, max_frames=settings.max_video_frames)


def inspect_object(
    store: ObjectStore,
    key: str,
    *,
    kind: ItemKind | None,
    settings: Settings,
    head: ObjectInfo | None = None,
) -> Inspected:
    """Inspect one object over range reads. Bad media gives a ``failed`` result with the reason, never a raise."""
    from cairn.media.dispatch import inspect_file  # noqa: PLC0415 (PyAV, Pillow, pydicom: loaded when first used)

    started = time.perf_counter()
    first_read = VIDEO_FIRST_READ_BYTES if kind is ItemKind.VIDEO else HEAD_BYTES
    info, first = (head, None) if head is not None else store.read_start(key, first_read)  # size and bytes: 1 GET
    with RangeFile(store, key, size=info.size, first=first, head_bytes=first_read) as f:
        try:
            report = inspect_file(
                f,
                kind_hint=kind,
                filename=key.rsplit("/", 1)[-1],
                size=info.size,
                content_type=info.content_type,
                cache_control=info.cache_control,
                # Local and managed files are served by cairn itself: their HTTP headers are ours to set.
                headers_known=store.can_presign,
                limits=video_limits(settings),
            )
        except CairnError as err:
            if is_wrong_kind(err):
                raise  # "Expected a video, got a file of type ...": the request is wrong, not the file
            return _failed(err, info, f, started)
        return _succeeded(report, info, f, started)


def _succeeded(report: InspectionReport, info: ObjectInfo, f: RangeFile, started: float) -> Inspected:
    frame_map = None
    if isinstance(report.report, VideoReport):
        frame_map = (len(report.report.frame_map), encode_frame_map(report.report.frame_map))
    data = report.to_dict()
    data.pop("frame_map", None)  # stored apart, compactly
    if isinstance(report.report, VideoReport) and info.etag:
        data[INSPECTED_ETAG] = info.etag  # which bytes were inspected: a re-encode trusts this report while it holds
    return Inspected(
        media=media_fields(report, size=info.size, content_type=info.content_type),
        status=ItemStatus.READY,
        reason=None,
        verdict=report.verdict.value,
        report=data,
        bytes_read=f.bytes_fetched,
        requests=f.requests,
        whole_file_read=report.report.whole_file_read,
        seconds=time.perf_counter() - started,
        frame_map=frame_map,
        detected_kind=report.kind,
        raw=report,
    )


def produced_outcome(report: InspectionReport, *, size: int) -> Inspected:
    """The outcome of a file cairn has just written and knows every fact of (a frame export's image): recorded as
    an inspection would record it, without reading the file back (``bytes_read`` 0)."""
    data = report.to_dict()
    return Inspected(
        media=media_fields(report, size=size, content_type=None),
        status=ItemStatus.READY,
        reason=None,
        verdict=report.verdict.value,
        report=data,
        bytes_read=0,
        requests=0,
        whole_file_read=False,
        seconds=0.0,
        detected_kind=report.kind,
        raw=report,
    )


def _failed(err: CairnError, info: ObjectInfo, f: RangeFile, started: float) -> Inspected:
    return Inspected(
        media=MediaFields(file_size=info.size, mime_type=info.content_type),
        status=ItemStatus.FAILED,
        reason=err.message,
        verdict="failed",
        report={"error": err.to_dict()},
        bytes_read=f.bytes_fetched,
        requests=f.requests,
        whole_file_read=False,
        seconds=time.perf_counter() - started,
    )


def media_fields(inspection: InspectionReport, *, size: int | None, content_type: str | None) -> MediaFields:
    """The typed media fields an item keeps from an inspection report."""
    report = inspection.report
    base: dict[str, Any] = {"file_size": size, "mime_type": _mime(inspection, content_type)}
    if isinstance(report, ImageReport):
        base.update(width=report.display_width, height=report.display_height)
    elif isinstance(report, VideoReport):
        base.update(_video_fields(report))
    elif isinstance(report, AudioReport):
        base.update(
            duration=report.duration_seconds,
            audio_sample_rate=report.sample_rate,
            audio_channels=report.channels,
            audio_bit_depth=report.bit_depth,
            audio_codec=report.codec,
        )
    elif isinstance(report, DicomReport):
        base.update(
            width=report.columns,
            height=report.rows,
            frame_count=report.number_of_frames,
            dicom_study_uid=report.study_instance_uid,
            dicom_series_uid=report.series_instance_uid,
            dicom_instance_uid=report.sop_instance_uid,
        )
    elif isinstance(report, PdfReport):
        base.update(page_count=report.page_count)
    return MediaFields(**base)


def _video_fields(report: VideoReport) -> dict[str, Any]:
    """Size, rate, duration and frame count of the video stream (labels live on its frames): a container's duration
    counts its longest stream, e.g. an audio track that runs on after the picture ends."""
    rate: Fraction | None = report.average_frame_rate or report.nominal_frame_rate
    duration = report.video_duration_seconds if report.video_duration_seconds is not None else report.duration_seconds
    return {
        "width": report.width,
        "height": report.height,
        "fps": float(rate) if rate else None,
        "duration": duration,
        "frame_count": report.frame_count,
    }


def _mime(inspection: InspectionReport, content_type: str | None) -> str | None:
    report = inspection.report
    if isinstance(report, TextReport):
        return report.mime_type
    if isinstance(report, ImageReport):
        return _MIME_BY_FORMAT.get(report.format.lower(), content_type)
    if isinstance(report, DicomReport):
        return "application/dicom"
    if isinstance(report, PdfReport):
        return "application/pdf"
    if is_generic(content_type) and isinstance(report, VideoReport):
        return _VIDEO_MIME.get(report.container, "video/mp4")
    return content_type


def managed_store(settings: Settings) -> ObjectStore:
    """Where files uploaded into cairn live: a private local directory under the data directory, named by no
    message."""
    return open_managed_store(private_dir(settings.managed_storage_dir))


class InspectionService(Service):
    def __init__(self, db: Database, *, settings: Settings, integrations: IntegrationService) -> None:
        super().__init__(db)
        self._settings = settings
        self._integrations = integrations

    def probe_path(self, *, actor: User, path: Path, kind: ItemKind | None = None) -> Inspected:
        """Inspect a file on this server's disk without registering it (organization admins only)."""
        require_org_admin(actor, "inspect files on the server's disk")
        resolved = path.expanduser().resolve()
        if not resolved.is_file():
            raise NotFound(f"{path}: no such file")
        store = open_store(
            StoreConfig(provider=Provider.LOCAL, bucket=None, region=None, endpoint=None, root=str(resolved.parent)),
            allow_private_endpoints=self._settings.allow_private_endpoints,
        )
        return inspect_object(store, resolved.name, kind=kind, settings=self._settings)

    def probe_url(self, *, actor: User, url: str, integration: str | int, kind: ItemKind | None = None) -> Inspected:
        """Inspect an object through an integration without registering it."""
        with self._read() as repos:
            stored = usable_integration(repos, actor, integration)
        config = store_config_of(stored, self._integrations.secrets)
        key = resolve_object_key(config, url)
        return inspect_object(self._integrations.open(config), key, kind=kind, settings=self._settings)

    def inspect_item(self, *, actor: User, item_id: int) -> StoredInspection:
        """Re-run the inspection of an item (each member, for composites) and store the results."""
        with self._read() as repos:
            item, _ = item_folder(repos, actor, item_id, Action.WRITE)
            targets = repos.items.members(item.id) if item.kind.is_composite else [item]
        outcomes = {target.id: self._inspect_stored(target) for target in targets}
        # an image sequence's built video is inspected too: its frame map stays the sequence's
        built = item.kind.is_composite and has_own_file(item)
        video = self._inspect_stored(item, ItemKind.VIDEO) if built else None
        with self._write() as repos:
            for target in targets:
                save_inspection(repos, target.id, outcomes[target.id])
            if item.kind.is_composite:
                save_composite_inspection(repos, item, [(t.id, outcomes[t.id]) for t in targets])
            if video is not None:
                where = {"managed_key": item.managed_key, "object_url": item.object_url}
                save_sequence_video(repos, item, outcome=video, integration_id=item.integration_id, **where)
            stored = repos.inspections.get(item.id)
            assert stored is not None
            return stored

    def report(self, *, actor: User, item_id: int) -> StoredInspection:
        with self._read() as repos:
            item_folder(repos, actor, item_id, Action.READ)
            stored = repos.inspections.get(item_id)
        if stored is None:
            raise NotFound(f"item {item_id} has not been inspected (its metadata was supplied, or it is pending)")
        return stored

    def frame_map(self, *, actor: User, item_id: int) -> FrameMap:
        """The presentation time of every visible frame of a video item, in order."""
        return self.frame_index(actor=actor, item_id=item_id).frame_map

    def frame_index(self, *, actor: User, item_id: int) -> FrameIndex:
        """A video item's frame map and key frames: what frame iteration and export need to find frame i."""
        with self._read() as repos:
            item, _ = item_folder(repos, actor, item_id, Action.READ)
            return stored_frame_index(repos, item)

    def _inspect_stored(self, item: Item, kind: ItemKind | None = None) -> Inspected:
        store, key = self.locate(item)
        return inspect_object(store, key, kind=kind or item.kind, settings=self._settings)

    def locate(self, item: Item) -> tuple[ObjectStore, str]:
        """The store and key of an item's bytes (its integration's bucket, a local root, or managed storage); the
        caller checked who asks."""
        with self._read() as repos:
            stored = find_integration(repos, item.integration_id) if item.integration_id is not None else None
        return locate_object(item, stored, settings=self._settings, integrations=self._integrations)


def stored_frame_index(repos: Repos, item: Item) -> FrameIndex:
    """A video's (or a built image sequence's) stored frame map and key frames (the caller checked who asks)."""
    encoded = repos.inspections.frame_map(item.id)
    stored = repos.inspections.get(item.id) if encoded is not None else None
    if item.kind is ItemKind.IMAGE_SEQUENCE and (encoded is None or not has_own_file(item)):
        raise NotFound(
            f"image sequence {item.id} has no video yet: build it first (cairn sequence-video {item.id})",
            details={"item_id": item.id},
        )
    if item.kind not in (ItemKind.VIDEO, ItemKind.IMAGE_SEQUENCE):
        raise InvalidInput(f"item {item.id} is a {item.kind.value}: only videos and image sequences have frames")
    if encoded is None or stored is None:
        raise NotFound(f"video {item.id} has no frame map: inspect it first (cairn inspect {item.id})")
    key_frames = tuple(int(k) for k in stored.report.get("keyframe_indices", ()))
    return FrameIndex(frame_map=decode_frame_map(encoded), key_frames=key_frames)


INSPECTED_ETAG = "object_etag"
"""The key of a stored video report that holds the ETag of the object inspected (the store's: S3's, or obstore's
inode-mtime-size tag of a local file)."""


def stored_video_report(repos: Repos, item: Item) -> tuple[VideoReport | None, str | None]:
    """The video report last stored for ``item`` (None: none stored, or in a form this cairn does not read), and
    the ETag of the object it was made from (None: not recorded)."""
    encoded = repos.inspections.frame_map(item.id)
    stored = repos.inspections.get(item.id) if encoded is not None else None
    if encoded is None or stored is None or stored.report.get("kind") != ItemKind.VIDEO.value:
        return None, None
    etag = stored.report.get(INSPECTED_ETAG)
    try:
        report = video_report_from_dict(stored.report, decode_frame_map(encoded))
    except (KeyError, ValueError, TypeError):
        return None, None
    return report, etag if isinstance(etag, str) and etag else None


def has_own_file(item: Item) -> bool:
    """Whether the item refers to a file of its own (managed, or an object): a composite only once its video is
    built."""
    return item.managed_key is not None or item.object_url is not None


def locate_object(
    item: Item, stored: StoredIntegration | None, *, settings: Settings, integrations: IntegrationService
) -> tuple[ObjectStore, str]:
    """Where an item's bytes are: cairn's managed storage (uploads), or its integration's store and key."""
    if item.managed_key is not None:
        return managed_store(settings), item.managed_key
    if stored is None or item.object_url is None:
        raise InvalidInput(
            f"item {item.id} is a {item.kind.value}, which has no file of its own: use its members",
            details={"item_id": item.id},
        )
    config = store_config_of(stored, integrations.secrets)
    return integrations.open(config), resolve_object_key(config, item.object_url)


def save_inspection(repos: Repos, item_id: int, outcome: Inspected) -> None:
    """Store an inspection and write its media fields and status on the item (one transaction with the caller)."""
    record_inspection(repos, item_id, outcome)
    repos.items.update(item_id, status=outcome.status.value, status_reason=outcome.reason, **outcome.media.as_columns())


def inspection_row(item_id: int, outcome: Inspected) -> NewInspection:
    """The stored form of an inspection's outcome (its frame map apart)."""
    return NewInspection(
        item_id=item_id,
        verdict=outcome.verdict,
        report=outcome.report,
        bytes_read=outcome.bytes_read,
        requests=outcome.requests,
        whole_file_read=outcome.whole_file_read,
        seconds=outcome.seconds,
    )


def record_inspection(repos: Repos, item_id: int, outcome: Inspected, *, new_item: bool = False) -> None:
    """Store the report and frame map of an item whose row already carries the outcome's fields (``new_item``: an
    item made in this transaction, which has none to replace)."""
    if not outcome.inspected:
        return
    store = repos.inspections.add if new_item else repos.inspections.save
    store(inspection_row(item_id, outcome), frame_map=outcome.frame_map)


def save_sequence_video(
    repos: Repos,
    item: Item,
    *,
    outcome: Inspected,
    managed_key: str | None,
    object_url: str | None,
    integration_id: int | None,
) -> None:
    """An image sequence refers to its built video (``managed_key``, or ``object_url`` in its integration's bucket):
    the video's report and frame map become the sequence's inspection (with its member count), it takes the video's
    frame size, rate, duration, frame count and MIME type, and its pending action is cleared."""
    members = len(repos.items.members(item.id))
    video = {"managed_key": managed_key} if managed_key is not None else {"object_url": object_url}
    report = {**outcome.report, "members": members, "failed_members": 0, "video": video}
    record_inspection(repos, item.id, replace(outcome, report=report))
    media = outcome.media
    repos.items.update(
        item.id,
        managed_key=managed_key,
        object_url=object_url,
        integration_id=integration_id,
        pending_action=None,
        width=media.width,
        height=media.height,
        fps=media.fps,
        duration=media.duration,
        frame_count=media.frame_count,
        mime_type=media.mime_type,
    )


def timed_out(*, size: int | None, content_type: str | None, seconds: float) -> Inspected:
    """The outcome of an inspection that did not finish in time: the item is failed with the reason."""
    return Inspected(
        media=MediaFields(file_size=size, mime_type=content_type),
        status=ItemStatus.FAILED,
        reason=f"inspection did not finish within {seconds:g} s (re-run it with `cairn inspect ITEM`)",
        verdict="failed",
        report={"error": {"code": "media_error", "message": "inspection timed out"}},
        bytes_read=0,
        requests=0,
        whole_file_read=False,
        seconds=seconds,
    )


def save_composite_inspection(repos: Repos, composite: Item, members: list[tuple[int, Inspected]]) -> None:
    """A composite is ready when every member is. A DICOM series is assembled: members ordered by slice position
    (then instance number), study and series UIDs set, one series per title (a mix fails with the reason)."""
    outcomes = [outcome for _, outcome in members]
    failed = [m for m in outcomes if m.status is ItemStatus.FAILED]
    report: dict[str, Any] = {"members": len(members), "failed_members": len(failed)}
    columns: dict[str, Any] = {}
    reason = f"{len(failed)} of {len(members)} member file(s) failed: {failed[0].reason}" if failed else None
    if not failed and composite.kind is ItemKind.DICOM_SERIES:
        try:
            series, columns = _assemble_series(repos, composite, members)
            report["series"] = series
        except CairnError as err:
            reason = err.message
    repos.inspections.save(
        NewInspection(
            item_id=composite.id,
            verdict="failed" if reason else _worst([m.verdict for m in outcomes]),
            report=report,
            bytes_read=sum(m.bytes_read for m in outcomes),
            requests=sum(m.requests for m in outcomes),
            whole_file_read=any(m.whole_file_read for m in outcomes),
            seconds=sum(m.seconds for m in outcomes),
        ),
        frame_map=None,
    )
    first = outcomes[0].media if outcomes else MediaFields()
    repos.items.update(
        composite.id,
        status=(ItemStatus.FAILED if reason else ItemStatus.READY).value,
        status_reason=reason,
        width=first.width,
        height=first.height,
        file_size=sum(m.media.file_size or 0 for m in outcomes),
        frame_count=len(members),
        **columns,
    )


def _assemble_series(
    repos: Repos, composite: Item, members: list[tuple[int, Inspected]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    by_uid: dict[str, int] = {}
    reports: list[DicomReport] = []
    for item_id, outcome in members:
        raw = outcome.raw.report if outcome.raw else None
        if not isinstance(raw, DicomReport):
            raise InvalidInput(f"{composite.title}: member {item_id} is not a DICOM file")
        by_uid[raw.sop_instance_uid] = item_id
        reports.append(raw)
    series = assemble_dicom_series(reports, title=composite.title)
    repos.items.set_members(composite.id, [by_uid[f.sop_instance_uid] for f in series.files])
    columns = {
        "dicom_study_uid": series.study_instance_uid,
        "dicom_series_uid": series.series_instance_uid,
    }
    summary = {k: v for k, v in series.to_dict().items() if k != "files"}
    return summary, columns


_VERDICT_ORDER = ["ok", "warning", "problem", "failed"]


def _worst(verdicts: list[str]) -> str:
    return max(verdicts, key=lambda v: _VERDICT_ORDER.index(v) if v in _VERDICT_ORDER else 0, default="ok")


__all__ = [
    "Inspected",
    "InspectionService",
    "assemble_dicom_series",
    "has_own_file",
    "inspect_object",
    "locate_object",
    "managed_store",
    "media_fields",
    "produced_outcome",
    "record_inspection",
    "save_composite_inspection",
    "save_inspection",
    "save_sequence_video",
    "stored_frame_index",
    "stored_video_report",
    "timed_out",
]
