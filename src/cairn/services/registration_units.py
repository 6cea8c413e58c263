"""Turning manifest units into the items to write: trust supplied metadata, else HEAD every object and inspect it.

Nothing here writes to the database: a chunk's units are prepared first (network only), then committed in one
transaction by ``cairn.services.registration``. A unit that fails becomes a :class:`UnitError` and writes nothing.

The inspection step is :data:`Inspector`: by default (``head_only``) an object's HEAD gives its size and content
type; the media-inspection issue plugs a real inspector in (``RegistrationService(inspector=...)``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from cairn.domain.content_kinds import content_type_mismatch, wrong_kind_error
from cairn.domain.dicom_series import assemble_dicom_series
from cairn.domain.integrations import StoreConfig
from cairn.domain.jobs import ACTION_DESCRIPTIONS, UnitError
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.manifest import (
    AudioMetadata,
    ImageMetadata,
    MediaMetadata,
    PdfMetadata,
    TextMetadata,
    Unit,
    VideoMetadata,
    default_title,
)
from cairn.domain.media import DicomReport
from cairn.domain.records import MediaFields
from cairn.domain.urls import resolve_object_key
from cairn.errors import CairnError, StorageError
from cairn.services.inspection import Inspected, inspect_object, timed_out
from cairn.services.items import NewItem
from cairn.settings import Settings
from cairn.storage import ObjectInfo, ObjectStore

Inspector = Callable[[ObjectStore, str, ObjectInfo, ItemKind], Inspected]
"""``(store, key, head, kind) -> Inspected``: where media inspection plugs in (``cairn.services.inspection``)."""


def head_only(_store: ObjectStore, _key: str, head: ObjectInfo, _kind: ItemKind) -> Inspected:
    """No inspection: what a HEAD says (size and content type); the item stays ``registered``."""
    return Inspected(
        media=MediaFields(file_size=head.size, mime_type=head.content_type),
        status=ItemStatus.REGISTERED,
        reason=None,
        verdict="",
        report={},
        bytes_read=0,
        requests=0,
        whole_file_read=False,
        seconds=0.0,
        inspected=False,
    )


_NOT_INSPECTED = frozenset({ItemKind.NIFTI})  # recognised, but no inspector yet: registered on its HEAD


def media_inspector(settings: Settings) -> Inspector:
    """The inspection registration runs when no metadata was supplied: header reads over ranged GETs."""

    def inspector(store: ObjectStore, key: str, head: ObjectInfo, kind: ItemKind) -> Inspected:
        if kind in _NOT_INSPECTED and head.size != 0:  # an empty object is inspected, which fails it
            return head_only(store, key, head, kind)
        return inspect_object(store, key, kind=kind, settings=settings, head=head)

    return inspector


@dataclass(frozen=True)
class PreparedUnit:
    """A unit ready to commit: a single item, or a composite and its members."""

    number: int
    unit: Unit
    item: NewItem
    members: tuple[NewItem, ...] = ()
    inspections: tuple[Inspected, ...] = ()  # of the item, or of each member in order (empty: metadata supplied)


@dataclass
class Prepared:
    """The outcome of preparing a chunk: what to write (units, and the rows made when the manifest was scanned,
    each with its unit's number), and the units that failed."""

    ready: list[PreparedUnit] = field(default_factory=list)
    errors: list[UnitError] = field(default_factory=list)
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def unit_error(number: int, unit: Unit, error: CairnError | str, *, code: str | None = None) -> UnitError:
    message = error.message if isinstance(error, CairnError) else error
    return UnitError(
        unit=number,
        location=unit.location,
        kind=unit.kind,
        title=unit.title,
        object_urls=unit.urls,
        error=message,
        code=code or (error.code if isinstance(error, CairnError) else "unit_failed"),
        action_description=ACTION_DESCRIPTIONS.get(unit.kind, "Registering file"),
    )


def supplied_media(media: MediaMetadata) -> MediaFields:
    """Customer-provided metadata as item media fields (trusted, as Encord does)."""
    return MediaFields(**supplied_columns(media))


def supplied_columns(media: MediaMetadata) -> dict[str, Any]:
    """Customer-provided metadata as the media columns it sets (the others stay unknown)."""
    if isinstance(media, VideoMetadata):
        return {
            "file_size": media.file_size,
            "mime_type": media.mime_type,
            "width": media.width,
            "height": media.height,
            "fps": media.fps,
            "duration": media.duration,
            "frame_count": round(media.fps * media.duration),
        }
    if isinstance(media, ImageMetadata):
        size = {"width": media.width, "height": media.height}
        return {"file_size": media.file_size, "mime_type": media.mime_type, **size}
    if isinstance(media, AudioMetadata):
        return {
            "file_size": media.file_size,
            "mime_type": media.mime_type,
            "duration": media.duration,
            "audio_sample_rate": media.sample_rate,
            "audio_bit_depth": media.bit_depth,
            "audio_codec": media.codec,
            "audio_channels": media.num_channels,
        }
    if isinstance(media, TextMetadata):
        return {"file_size": media.file_size, "mime_type": media.mime_type}
    assert isinstance(media, PdfMetadata)
    return {"file_size": media.file_size, "page_count": media.num_pages}


def _require_one_series(unit: Unit, outcomes: Sequence[Inspected]) -> None:
    """A DICOM series whose files were all read must assemble (one series, one study, each file once), or the unit
    fails before anything is written (``InvalidInput``, a unit error), rather than commit a ``failed`` series."""
    if unit.kind is not ItemKind.DICOM_SERIES:
        return
    raws = [outcome.raw.report if outcome.raw else None for outcome in outcomes]
    reports = [raw for raw in raws if isinstance(raw, DicomReport)]
    if len(reports) == len(outcomes):
        assemble_dicom_series(reports, title=unit.title)


@dataclass(frozen=True)
class _Fetched:
    """What the network said about a chunk's objects: their HEADs, and their inspections."""

    heads: dict[str, ObjectInfo | CairnError]
    outcomes: dict[str, Inspected | CairnError]


def _info(head: ObjectInfo | CairnError) -> ObjectInfo:
    assert isinstance(head, ObjectInfo)
    return head


@dataclass(frozen=True)
class UnitPreparer:
    """Prepares the units of one chunk against one integration."""

    integration_id: int
    config: StoreConfig
    open_store: Callable[[], ObjectStore]
    inspector: Inspector = head_only
    concurrency: int = 8
    timeout: float = 60.0

    def prepare(self, numbered: Sequence[tuple[int, Unit]]) -> Prepared:
        """Prepare units: supplied metadata is trusted; every other object is HEAD-ed (concurrently) and inspected."""
        out = Prepared()
        keyed: list[tuple[int, Unit, list[str]]] = []
        for number, unit in numbered:
            if unit.media is not None and not unit.kind.is_composite:
                keyed.append((number, unit, []))  # trusted metadata: no request, the key was checked at submission
                continue
            try:
                keyed.append((number, unit, [resolve_object_key(self.config, url) for url in unit.urls]))
            except CairnError as exc:
                out.errors.append(unit_error(number, unit, exc))
        needs_head = [(n, u, keys) for n, u, keys in keyed if u.media is None or u.kind.is_composite]
        heads = self._heads(sorted({k for _, _, keys in needs_head for k in keys})) if needs_head else {}
        inspected = self._inspect_all(needs_head, heads)
        for number, unit, keys in keyed:
            self._prepare_one(number, unit, keys, _Fetched(heads, inspected), out)
        return out

    def _inspect_all(
        self, needs: Sequence[tuple[int, Unit, list[str]]], heads: dict[str, ObjectInfo | CairnError]
    ) -> dict[str, Inspected | CairnError]:
        """Inspect every object once, ``concurrency`` at a time, each within ``timeout`` seconds."""
        wanted: dict[str, ItemKind] = {}
        for _, unit, keys in needs:
            kind = unit.kind.member_kind or unit.kind
            for key in keys:
                head = heads.get(key)
                if isinstance(head, ObjectInfo) and not content_type_mismatch(kind, head.content_type):
                    wanted.setdefault(key, kind)
        if not wanted:
            return {}
        store = self.open_store()
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="inspect") as pool:
            futures = {
                key: pool.submit(self.inspector, store, key, _info(heads[key]), kind) for key, kind in wanted.items()
            }
            return {key: self._outcome(future, _info(heads[key])) for key, future in futures.items()}

    def _outcome(self, future: Future[Inspected], head: ObjectInfo) -> Inspected | CairnError:
        try:
            return future.result(timeout=self.timeout)
        except TimeoutError:
            return timed_out(size=head.size, content_type=head.content_type, seconds=self.timeout)
        except CairnError as exc:
            return exc

    def _prepare_one(self, number: int, unit: Unit, keys: list[str], fetched: _Fetched, out: Prepared) -> None:
        try:
            if unit.kind.is_composite:
                out.ready.append(self._composite(number, unit, keys, fetched))
            else:
                out.ready.append(self._single(number, unit, keys, fetched))
        except CairnError as exc:
            out.errors.append(unit_error(number, unit, exc))

    def _single(self, number: int, unit: Unit, keys: list[str], fetched: _Fetched) -> PreparedUnit:
        if unit.media is not None:  # supplied metadata is trusted, as Encord does: nothing is read
            item = NewItem(
                kind=unit.kind,
                title=unit.title,
                object_url=unit.url,
                integration_id=self.integration_id,
                media=supplied_media(unit.media),
                client_metadata=unit.client_metadata,
                status=ItemStatus.READY,
            )
            return PreparedUnit(number, unit, item)
        outcome = self._inspected(unit.url, keys[0], unit.kind, fetched)
        item = NewItem(
            kind=unit.kind,
            title=unit.title,
            object_url=unit.url,
            integration_id=self.integration_id,
            media=outcome.media,
            client_metadata=unit.client_metadata,
            status=outcome.status,
            status_reason=outcome.reason,
        )
        return PreparedUnit(number, unit, item, inspections=(outcome,))

    def _composite(self, number: int, unit: Unit, keys: list[str], fetched: _Fetched) -> PreparedUnit:
        member_kind = unit.kind.member_kind or ItemKind.IMAGE
        outcomes = tuple(
            self._inspected(url, key, member_kind, fetched) for url, key in zip(unit.urls, keys, strict=True)
        )
        _require_one_series(unit, outcomes)
        members = tuple(
            NewItem(
                kind=member_kind,
                title=default_title(url) or key.rsplit("/", 1)[-1],
                object_url=url,
                integration_id=self.integration_id,
                media=outcome.media,
                status=outcome.status,
                status_reason=outcome.reason,
            )
            for url, key, outcome in zip(unit.urls, keys, outcomes, strict=True)
        )
        composite = NewItem(
            kind=unit.kind,
            title=unit.title,
            client_metadata=unit.client_metadata,
            pending_action="build_video" if unit.kind is ItemKind.IMAGE_SEQUENCE else None,
        )
        return PreparedUnit(number, unit, composite, members, inspections=outcomes)

    def _inspected(self, url: str, key: str, kind: ItemKind, fetched: _Fetched) -> Inspected:
        head = fetched.heads[key]
        if isinstance(head, CairnError):
            raise head
        mismatch = content_type_mismatch(kind, head.content_type)
        if mismatch:
            raise wrong_kind_error(f"{mismatch} ({url})", url=url, content_type=head.content_type)
        outcome = fetched.outcomes.get(key)
        if outcome is None:  # the same object wanted as another kind: inspect it for this one
            return self.inspector(self._store(), key, head, kind)
        if isinstance(outcome, CairnError):
            raise outcome
        return outcome

    def _store(self) -> ObjectStore:
        return self.open_store()

    def _heads(self, keys: list[str]) -> dict[str, ObjectInfo | CairnError]:
        store = self.open_store()
        results = asyncio.run(_head_all(store, keys, concurrency=self.concurrency, timeout=self.timeout))
        return dict(zip(keys, results, strict=True))


async def _head_all(
    store: ObjectStore, keys: list[str], *, concurrency: int, timeout: float
) -> list[ObjectInfo | CairnError]:
    gate = asyncio.Semaphore(concurrency)

    async def one(key: str) -> ObjectInfo | CairnError:
        async with gate:
            try:
                return await asyncio.wait_for(store.head_async(key), timeout)
            except CairnError as exc:
                return exc
            except TimeoutError:
                return StorageError(f"HEAD {store.location(key)} did not answer within {timeout:g} s")

    return list(await asyncio.gather(*(one(k) for k in keys)))
