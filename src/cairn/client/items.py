"""``client.items``: files and composites."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import httpx

from cairn.client._errors import error_from_response
from cairn.client._http import Http
from cairn.client.frames import RangeReader
from cairn.domain.frame_map import FrameIndex, FrameMap, FrameSelection
from cairn.errors import CairnError

if TYPE_CHECKING:
    from cairn.domain.frames import Frame
from cairn.client.models import Dataset, FrameRemap, Item, ReencodePlan, ViewUrl, parse


def _item(data: dict[str, Any]) -> Item:
    return parse(Item, data)


class Items:
    def __init__(self, http: Http) -> None:
        self._http = http

    def get(self, item_id: int) -> Item:
        return _item(self._http.json("GET", f"/items/{item_id}"))

    def update(self, item_id: int, *, title: str | None = None, client_metadata: dict[str, Any] | None = None) -> Item:
        changes = {"title": title, "client_metadata": client_metadata}
        body = {k: v for k, v in changes.items() if v is not None}
        return _item(self._http.json("PATCH", f"/items/{item_id}", json=body))

    def move(self, item_ids: Sequence[int], *, folder: int) -> list[Item]:
        data = self._http.json("POST", "/items/move", json={"item_ids": list(item_ids), "folder_id": folder})
        return [_item(i) for i in data["items"]]

    def delete(self, item_ids: Sequence[int], *, remove_unused_members: bool = True) -> int:
        """Delete items (they leave every dataset); returns how many were deleted."""
        body = {"item_ids": list(item_ids), "remove_unused_members": remove_unused_members}
        return int(self._http.json("POST", "/items/delete", json=body)["count"])

    def children(self, item_id: int) -> list[Item]:
        """The ordered members of an image group, image sequence or DICOM series."""
        return [_item(i) for i in self._http.json("GET", f"/items/{item_id}/children")["items"]]

    def used_by(self, item_id: int) -> list[Item]:
        return [_item(i) for i in self._http.json("GET", f"/items/{item_id}/used-by")["items"]]

    def datasets(self, item_id: int) -> list[Dataset]:
        """The datasets the item is linked to."""
        return [parse(Dataset, d) for d in self._http.json("GET", f"/items/{item_id}/datasets")["datasets"]]

    def reencode_plan(
        self, item_id: int, *, mode: str = "auto", height: int | None = None, fps: str | None = None
    ) -> ReencodePlan:
        """What re-encoding the video would do (``mode`` auto, full or resize with ``height``), step by step."""
        params = {"mode": mode, "height": height, "fps": fps}
        query = {k: v for k, v in params.items() if v is not None}
        return parse(ReencodePlan, self._http.json("GET", f"/items/{item_id}/reencode-plan", params=query))

    def remap(self, item_id: int, frames: Sequence[int] | None = None) -> list[int | None]:
        """The frames of re-encoded video ``item_id`` that show the original's ``frames`` (all when None), in
        their order; None for a frame the re-encode dropped."""
        return self.frame_remap(item_id, frames).new_frames

    def frame_remap(self, item_id: int, frames: Sequence[int] | None = None) -> FrameRemap:
        """The whole remap record of a re-encoded video (its original, mode, steps and the new frames)."""
        query = {"frames": ",".join(str(int(f)) for f in frames)} if frames is not None else {}
        return parse(FrameRemap, self._http.json("GET", f"/items/{item_id}/frame-remap", params=query))

    def reencodes(self, item_id: int) -> tuple[int | None, list[int]]:
        """The item this one was re-encoded from (None: none, or not visible), and the items re-encoded from it."""
        data = self._http.json("GET", f"/items/{item_id}/reencodes")
        return data["original_item_id"], [int(i) for i in data["reencoded_as"]]

    def view_url(self, item_id: int) -> ViewUrl:
        """A URL to GET the file's bytes: presigned from the bucket, or cairn's streaming proxy."""
        return parse(ViewUrl, self._http.json("GET", f"/items/{item_id}/view"))

    def thumbnail(self, item_id: int, *, timeout: float = 120.0) -> bytes:
        """The item's thumbnail (WebP, longest side 256 px); ``NoThumbnail`` for audio, text and failed items. One
        not made yet is asked for again after the server's ``Retry-After`` (while a job makes it), for up to
        ``timeout`` seconds (then ``CairnError``)."""
        deadline = time.monotonic() + timeout
        while True:
            response = self._http.request("GET", f"/items/{item_id}/thumbnail")
            if response.status_code != 202:
                return response.content
            pause = float(response.headers.get("Retry-After", "1"))
            if time.monotonic() + pause > deadline:
                raise CairnError(f"the thumbnail of item {item_id} was not made within {timeout:g} s")
            time.sleep(pause)

    def read(self, item_id: int, *, start: int | None = None, end: int | None = None) -> bytes:
        """The file's bytes, or bytes ``[start, end)`` with a Range request."""
        view = self.view_url(item_id)
        headers = {}
        if start is not None or end is not None:
            headers["Range"] = f"bytes={start or 0}-{'' if end is None else end - 1}"
        if view.method == "proxy":
            response = self._http.client.get(view.url, headers=headers)
        else:
            response = httpx.get(view.url, headers=headers, timeout=self._http.client.timeout)
        if response.status_code >= 400:
            raise error_from_response(response)
        return response.content

    def frame_index(self, item_id: int) -> FrameIndex:
        """A video's frame map (the presentation time of every visible frame) and its key frames."""
        data = self._http.json("GET", f"/items/{item_id}/frame-map")
        frame_map = FrameMap(time_base=Fraction(data["time_base"]), pts=tuple(data["pts"]))
        return FrameIndex(frame_map=frame_map, key_frames=tuple(data["key_frames"]))

    def frames(
        self,
        item_id: int,
        start: int | None = None,
        stop: int | None = None,
        step: int = 1,
        *,
        key_frames_only: bool = False,
        reader: RangeReader | None = None,
    ) -> Iterator[Frame]:
        """Decode a video's frames ``start`` to ``stop`` (exclusive), every ``step``-th, streaming its bytes.

        ``frame.index`` is the frame's index in the item's frame map (ghost frames hidden by an edit list are not
        frames; B-frames come in display order), ``frame.time`` its time in seconds, ``frame.to_image()`` a PIL
        image and ``frame.to_ndarray()`` a numpy array. The bytes are read with Range requests from cairn's content
        route (cairn reads the bucket for items registered by reference), a bounded block at a time, never the whole
        object first; decoding starts at the key frame before ``start``. Pass ``reader`` (from
        :meth:`range_reader`) to count what was fetched.
        """
        from cairn.domain.frames import iter_frames  # noqa: PLC0415 (PyAV: loaded when frames are first asked for)

        selection = FrameSelection(start=start or 0, stop=stop, step=step, key_frames_only=key_frames_only)
        index = self.frame_index(item_id)
        return iter_frames(reader or self.range_reader(item_id), index, selection)

    def range_reader(self, item_id: int) -> RangeReader:
        """A seekable, read-only file object over the item's bytes (Range requests to cairn's content route)."""

        def fetch(start: int, end: int) -> tuple[bytes, str | None]:
            headers = {"Range": f"bytes={start}-{end - 1}"}
            response = self._http.request("GET", f"/items/{item_id}/content", headers=headers)
            return response.content, response.headers.get("Content-Range")

        return RangeReader(fetch)
