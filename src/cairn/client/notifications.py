"""``client.notifications``: your notifications (a job of yours ended), and the server's event stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from cairn.client._errors import error_from_response, transport_error
from cairn.client._http import API, Http
from cairn.client.models import Event, Job, Notification, Notifications, parse


class NotificationsApi:
    def __init__(self, http: Http) -> None:
        self._http = http

    def list(self, *, before_id: int | None = None, unread_only: bool = False, limit: int = 50) -> Notifications:
        """One page of your notifications, newest first (``before_id``: the ``next_before_id`` of the last page)."""
        params = {"before_id": before_id, "unread_only": unread_only, "limit": limit}
        return parse(Notifications, self._http.json("GET", "/notifications", params=params))

    def mark_read(self, notification_id: int) -> Notification:
        return parse(Notification, self._http.json("POST", f"/notifications/{notification_id}/read"))

    def mark_all_read(self) -> int:
        """Mark all your notifications read; how many were unread."""
        return int(self._http.json("POST", "/notifications/read")["count"])

    def events(self) -> Iterator[Event]:
        """Job progress and new notifications as they happen (``GET /events``), until the server ends the stream or
        you stop iterating."""
        try:
            with self._http.client.stream("GET", API + "/events", timeout=httpx.Timeout(30.0, read=None)) as response:
                if response.status_code >= 400:
                    response.read()
                    raise error_from_response(response)
                yield from _events(response.iter_lines())
        except httpx.TransportError as exc:
            raise transport_error(self._http.url, exc) from exc


def _events(lines: Iterator[str]) -> Iterator[Event]:
    """Server-sent events (``event:`` and ``data:`` lines, a blank line after each; ``:`` lines are comments)."""
    kind, data = "message", ""
    for line in lines:
        if not line:
            if data:
                yield _event(kind, json.loads(data))
            kind, data = "message", ""
        elif line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()


def _event(kind: str, data: dict[str, Any]) -> Event:
    if kind == "job":
        return Event(kind, job=parse(Job, data))
    if kind == "notification":
        return Event(kind, notification=parse(Notification, data))
    return Event(kind)
