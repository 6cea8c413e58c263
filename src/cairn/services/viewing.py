"""Viewing a file: a presigned URL straight from the bucket where the store can sign, else cairn streams it.

``local`` integrations and cairn's managed storage (uploads) cannot presign: their bytes are served by cairn's own
streaming endpoint, which honours Range requests. Composites (image groups, DICOM series) have no bytes of their
own: view their members; an image sequence whose video is built serves that video.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath

from cairn.db.database import Database
from cairn.domain.access import Action
from cairn.domain.records import Item, User
from cairn.services._base import Service, item_folder
from cairn.services.inspection import locate_object
from cairn.services.integrations import IntegrationService, find_integration
from cairn.settings import Settings
from cairn.storage import ObjectInfo, ObjectStore

LINK_LIFETIME = timedelta(hours=1)
_EXTENSION = re.compile(r"^\.[A-Za-z0-9]{1,16}$")


@dataclass(frozen=True)
class ViewLink:
    """A presigned URL and when it expires; ``url`` is None when cairn must stream the file itself."""

    url: str | None
    expires_at: datetime | None


@dataclass(frozen=True)
class Content:
    """Where an item's bytes are, for streaming: the store, the key, what a HEAD says, and the name to save it as."""

    store: ObjectStore
    key: str
    info: ObjectInfo
    title: str
    filename: str


class ViewingService(Service):
    def __init__(self, db: Database, *, settings: Settings, integrations: IntegrationService) -> None:
        super().__init__(db)
        self._settings = settings
        self._integrations = integrations

    def link(self, *, actor: User, item_id: int) -> ViewLink:
        """A presigned URL for the item's file, or ``ViewLink(None, None)``: stream it with :meth:`open`."""
        store, key, _ = self._locate(actor, item_id)
        if not store.can_presign:
            return ViewLink(None, None)
        return ViewLink(store.presign_get(key, expires_in=LINK_LIFETIME), datetime.now(UTC) + LINK_LIFETIME)

    def open(self, *, actor: User, item_id: int) -> Content:
        """The item's object, for cairn to stream (raises ObjectNotFound when it vanished from the bucket)."""
        store, key, item = self._locate(actor, item_id)
        info = store.head(key)
        return Content(store=store, key=key, info=info, title=item.title, filename=download_name(item.title, key))

    def _locate(self, actor: User, item_id: int) -> tuple[ObjectStore, str, Item]:
        with self._read() as repos:
            item, _ = item_folder(repos, actor, item_id, Action.READ)
            stored = find_integration(repos, item.integration_id) if item.integration_id is not None else None
        store, key = locate_object(item, stored, settings=self._settings, integrations=self._integrations)
        return store, key, item


def download_name(title: str, key: str) -> str:
    """The name a file is saved under: its title, ending in the object's extension when the title lacks it.

    A title is free text ("Front camera"); without the extension (``.mp4``) a saved file would not open.
    """
    suffix = PurePosixPath(key).suffix
    if not _EXTENSION.match(suffix) or title.lower().endswith(suffix.lower()):
        return title
    return title + suffix
