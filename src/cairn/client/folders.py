"""``client.folders``: folders, their items and who may use them."""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from cairn.client._http import Http
from cairn.client.models import Folder, FolderNode, FolderSummary, Grant, Item, parse


def item_filters(
    *,
    text: str | None = None,
    kinds: Iterable[str] = (),
    statuses: Iterable[str] = (),
    in_dataset: bool | None = None,
    metadata: dict[str, str] | None = None,
    sort: str | None = None,
    desc: bool | None = None,
    page_size: int = 100,
) -> dict[str, Any]:
    """The query parameters of an item listing or search; the server's default order where ``sort`` or ``desc``
    is None (a folder's items by name, A to Z; a search newest first)."""
    return {
        "text": text,
        "kind": list(kinds) or None,
        "status": list(statuses) or None,
        "in_dataset": in_dataset,
        "metadata": [f"{k}={v}" for k, v in (metadata or {}).items()] or None,
        "sort": sort,
        "desc": desc,
        "limit": page_size,
    }


def _folder(data: dict[str, Any]) -> Folder:
    return parse(Folder, data)


class Folders:
    def __init__(self, http: Http) -> None:
        self._http = http

    def list(self, *, parent: int | None = None) -> builtins.list[Folder]:
        """Sub-folders of ``parent``, or the top-level folders you may see."""
        data = self._http.json("GET", "/folders", params={"parent_id": parent})
        return [_folder(f) for f in data["folders"]]

    def get(self, folder_id: int) -> Folder:
        return _folder(self._http.json("GET", f"/folders/{folder_id}"))

    def by_path(self, path: str) -> Folder:
        """The folder at a path of names, e.g. ``"Cars/2024"``."""
        return _folder(self._http.json("GET", "/folders/by-path", params={"path": path}))

    def create(
        self,
        name: str,
        *,
        parent: int | None = None,
        description: str = "",
        client_metadata: dict[str, Any] | None = None,
    ) -> Folder:
        body = {"name": name, "parent_id": parent, "description": description, "client_metadata": client_metadata or {}}
        return _folder(self._http.json("POST", "/folders", json=body))

    def update(
        self,
        folder_id: int,
        *,
        name: str | None = None,
        description: str | None = None,
        client_metadata: dict[str, Any] | None = None,
    ) -> Folder:
        changes = {"name": name, "description": description, "client_metadata": client_metadata}
        body = {k: v for k, v in changes.items() if v is not None}
        return _folder(self._http.json("PATCH", f"/folders/{folder_id}", json=body))

    def move(self, folder_id: int, *, parent: int | None) -> Folder:
        """Move a folder under ``parent`` (None: to the top level)."""
        return _folder(self._http.json("POST", f"/folders/{folder_id}/move", json={"parent_id": parent}))

    def delete(self, folder_id: int) -> FolderSummary:
        """Delete a folder with everything in it; returns what was deleted."""
        return parse(FolderSummary, self._http.json("DELETE", f"/folders/{folder_id}"))

    def tree(self, *, root: int | None = None) -> builtins.list[FolderNode]:
        data = self._http.json("GET", "/folders/tree", params={"root_id": root})
        return [parse(FolderNode, n) for n in data["roots"]]

    def summary(self, folder_id: int) -> FolderSummary:
        return parse(FolderSummary, self._http.json("GET", f"/folders/{folder_id}/summary"))

    def items(self, folder_id: int, *, recursive: bool = False, **filters: Any) -> Iterator[Item]:
        """The folder's files (every page, lazily); filters as in :func:`item_filters`."""
        params = {**item_filters(**filters), "recursive": recursive}
        return self._http.pages(f"/folders/{folder_id}/items", params, "items", lambda d: parse(Item, d))

    def upload(
        self,
        folder_id: int,
        paths: Sequence[str | Path],
        *,
        batch: str | None = None,
        title: str | None = None,
        client_metadata: dict[str, Any] | None = None,
    ) -> builtins.list[Item]:
        """Upload local files into the folder (cairn keeps them in its managed storage and inspects them).

        ``batch``: ``"image_group"``, ``"image_sequence"`` or ``"dicom_series"`` makes one composite of them all
        (an image sequence of images of different sizes: one per size, titled with it; their videos are built by a
        ``sequence_video`` job queued with them).
        """
        with ExitStack() as stack:
            files = [("files", (Path(p).name, stack.enter_context(Path(p).open("rb")))) for p in paths]
            form = {"batch": batch, "title": title, "client_metadata": json.dumps(client_metadata or {})}
            data = {k: v for k, v in form.items() if v is not None}
            body = self._http.json("POST", f"/folders/{folder_id}/upload", data=data, files=files)
        return [parse(Item, i) for i in body["items"]]

    def export(self, folder_id: int, *, fmt: str = "json", drop_metadata: bool = False) -> bytes:
        """The folder's files as a registration manifest (``"json"`` or ``"csv"``)."""
        params = {"format": fmt, "drop_metadata": drop_metadata}
        return self._http.request("GET", f"/folders/{folder_id}/export", params=params).content

    # --- access -----------------------------------------------------------------------------------------------
    def grants(self, folder_id: int) -> builtins.list[Grant]:
        data = self._http.json("GET", f"/folders/{folder_id}/access")
        return [parse(Grant, g) for g in data["grants"]]

    def invite(self, folder_id: int, *, email: str, role: str) -> Grant:
        """Give a user a role (viewer, editor, admin) on the folder."""
        body = {"email": email, "role": role}
        return parse(Grant, self._http.json("POST", f"/folders/{folder_id}/access", json=body))

    def change_role(self, folder_id: int, *, email: str, role: str) -> Grant:
        path = f"/folders/{folder_id}/access/{_segment(email)}"
        return parse(Grant, self._http.json("PUT", path, json={"role": role}))

    def remove_access(self, folder_id: int, *, email: str) -> None:
        self._http.request("DELETE", f"/folders/{folder_id}/access/{_segment(email)}")


def _segment(value: str) -> str:
    from urllib.parse import quote  # noqa: PLC0415

    return quote(value, safe="@")
