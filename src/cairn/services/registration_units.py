"""Turning manifest units into the items to write: trust supplied metadata, else HEAD every object and inspect it.

Nothing here writes to the database: a chunk's units are prepared first (network only), then committed in one
transaction by ``cairn.services.registration``. A unit that fails becomes a :class:`UnitError` and writes nothing.

The inspection step is :data:`Inspector`: by default (``head_only``) an object's HEAD gives its size and content
type; the media-inspection issue plugs a real inspector in (``RegistrationService(inspector=...)``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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
    expected_video_error,
)
from cairn.domain.records import MediaFields
from cairn.domain.urls import resolve_object_key
from cairn.errors import CairnError, MediaError, StorageError
from cairn.services.items import NewItem
from cairn.storage import ObjectInfo, ObjectStore

Inspector = Callable[[ObjectStore, str, ObjectInfo, ItemKind], MediaFields]
"""``(store, key, head, kind) -> media fields``: the step where media inspection plugs in."""

_GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/x-www-form-urlencoded"})
_EXPECTED_MAJOR = {ItemKind.VIDEO: "video", ItemKind.IMAGE: "image", ItemKind.AUDIO: "audio"}
_VIDEO_APPLICATION_TYPES = frozenset({"application/mp4", "application/x-matroska", "application/vnd.apple.mpegurl"})


def head_only(_store: ObjectStore, _key: str, head: ObjectInfo, _kind: ItemKind) -> MediaFields:
    """The default inspection: what a HEAD says (size and content type)."""
    return MediaFields(file_size=head.size, mime_type=head.content_type)


@dataclass(frozen=True)
class PreparedUnit:
    """A unit ready to commit: a single item, or a composite and its members."""

    number: int
    unit: Unit
    item: NewItem
    members: tuple[NewItem, ...] = ()


@dataclass
class Prepared:
    """The outcome of preparing a chunk: what to write, and the units that failed."""

    ready: list[PreparedUnit] = field(default_factory=list)
    errors: list[UnitError] = field(default_factory=list)


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
    if isinstance(media, VideoMetadata):
        return MediaFields(
            file_size=media.file_size,
            mime_type=media.mime_type,
            width=media.width,
            height=media.height,
            fps=media.fps,
            duration=media.duration,
            frame_count=round(media.fps * media.duration),
        )
    if isinstance(media, ImageMetadata):
        return MediaFields(file_size=media.file_size, mime_type=media.mime_type, width=media.width, height=media.height)
    if isinstance(media, AudioMetadata):
        return MediaFields(
            file_size=media.file_size,
            mime_type=media.mime_type,
            duration=media.duration,
            audio_sample_rate=media.sample_rate,
            audio_bit_depth=media.bit_depth,
            audio_codec=media.codec,
            audio_channels=media.num_channels,
        )
    if isinstance(media, TextMetadata):
        return MediaFields(file_size=media.file_size, mime_type=media.mime_type)
    assert isinstance(media, PdfMetadata)
    return MediaFields(file_size=media.file_size, page_count=media.num_pages)


def kind_mismatch(kind: ItemKind, content_type: str | None) -> str | None:
    """Why an object of ``content_type`` cannot be a ``kind`` (None when it can or the type says nothing)."""
    expected = _EXPECTED_MAJOR.get(kind)
    detected = (content_type or "").split(";", 1)[0].strip().lower()
    if expected is None or detected in _GENERIC_TYPES or detected.startswith(f"{expected}/"):
        return None
    if kind is ItemKind.VIDEO:
        return None if detected in _VIDEO_APPLICATION_TYPES else expected_video_error(detected)
    article = "an" if expected[0] in "aeiou" else "a"
    return f"Expected {article} {expected}, got a file of type {detected}"


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
        for number, unit, keys in keyed:
            self._prepare_one(number, unit, keys, heads, out)
        return out

    def _prepare_one(
        self, number: int, unit: Unit, keys: list[str], heads: dict[str, ObjectInfo | CairnError], out: Prepared
    ) -> None:
        try:
            if unit.kind.is_composite:
                out.ready.append(self._composite(number, unit, keys, heads))
            else:
                out.ready.append(PreparedUnit(number, unit, self._single(unit, keys, heads)))
        except CairnError as exc:
            out.errors.append(unit_error(number, unit, exc))

    def _single(self, unit: Unit, keys: list[str], heads: dict[str, ObjectInfo | CairnError]) -> NewItem:
        if unit.media is not None:
            media, status = supplied_media(unit.media), ItemStatus.READY
        else:
            media, status = self._inspected(unit.url, keys[0], unit.kind, heads), ItemStatus.REGISTERED
        return NewItem(
            kind=unit.kind,
            title=unit.title,
            object_url=unit.url,
            integration_id=self.integration_id,
            media=media,
            client_metadata=unit.client_metadata,
            status=status,
        )

    def _composite(
        self, number: int, unit: Unit, keys: list[str], heads: dict[str, ObjectInfo | CairnError]
    ) -> PreparedUnit:
        member_kind = unit.kind.member_kind or ItemKind.IMAGE
        members = tuple(
            NewItem(
                kind=member_kind,
                title=default_title(url) or key.rsplit("/", 1)[-1],
                object_url=url,
                integration_id=self.integration_id,
                media=self._inspected(url, key, member_kind, heads),
            )
            for url, key in zip(unit.urls, keys, strict=True)
        )
        composite = NewItem(
            kind=unit.kind,
            title=unit.title,
            client_metadata=unit.client_metadata,
            pending_action="build_video" if unit.kind is ItemKind.IMAGE_SEQUENCE else None,
        )
        return PreparedUnit(number, unit, composite, members)

    def _inspected(self, url: str, key: str, kind: ItemKind, heads: dict[str, ObjectInfo | CairnError]) -> MediaFields:
        head = heads[key]
        if isinstance(head, CairnError):
            raise head
        mismatch = kind_mismatch(kind, head.content_type)
        if mismatch:
            raise MediaError(f"{mismatch} ({url})", details={"url": url, "content_type": head.content_type})
        return self.inspector(self._store(), key, head, kind)

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
