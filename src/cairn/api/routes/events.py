"""``GET /api/v1/events``: a server-sent events stream of the caller's job progress and new notifications.

Each stream polls the database (``EventWatch.poll``, every ``POLL_SECONDS``): workers in other processes commit
progress there, so that is where the stream learns of it. Events:

* ``event: job`` -- a job the caller may see changed (``data``: the job, as ``GET /jobs/{id}`` gives it); a job's
  events come in order and its last one carries its final status;
* ``event: notification`` -- a new notification of the caller's (``data``: as ``GET /notifications`` lists it).

A comment line every ``HEARTBEAT_SECONDS`` keeps proxies from closing a quiet stream. The stream ends when the
client goes, when the credential it was opened with is no longer valid (the token or session revoked or expired, the
account deactivated: checked every ``RECHECK_SECONDS``), or when the server shuts down (``app.state.stopping``).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from cairn.api.deps import CredentialRecheck, CurrentUser, RegistryDep
from cairn.api.routes.jobs import job_public
from cairn.api.routes.notifications import notification_public
from cairn.domain.records import User
from cairn.errors import AuthenticationRequired
from cairn.services.notifications import Event, EventWatch

router = APIRouter(tags=["notifications"])

POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 15.0
RECHECK_SECONDS = 5.0
_STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "Server-sent events (see above)."}
}


def _frame(event: Event) -> str:
    if event.job is not None:
        data = job_public(event.job).model_dump_json()
    else:
        assert event.notification is not None
        data = notification_public(event.notification).model_dump_json()
    return f"event: {event.kind}\ndata: {data}\n\n"


async def _still_valid(recheck: Callable[[], User]) -> bool:
    try:
        await run_in_threadpool(recheck)
    except AuthenticationRequired:
        return False
    return True


async def _stream(
    watch: EventWatch, stopping: threading.Event, recheck: Callable[[], User], *, poll: float
) -> AsyncIterator[str]:
    yield f"retry: {int(poll * 4000)}\n: {json.dumps('cairn events')}\n\n"
    beat = checked = time.monotonic()
    while not stopping.is_set():
        if time.monotonic() - checked >= RECHECK_SECONDS:
            if not await _still_valid(recheck):
                return
            checked = time.monotonic()
        events = await run_in_threadpool(watch.poll)
        if events is None:
            return
        for event in events:
            yield _frame(event)
        if time.monotonic() - beat >= HEARTBEAT_SECONDS:
            beat = time.monotonic()
            yield ": keep-alive\n\n"
        await asyncio.sleep(poll)


@router.get("/events", response_class=StreamingResponse, responses=_STREAM_DOC)
def events(
    *, request: Request, user: CurrentUser, registry: RegistryDep, recheck: CredentialRecheck
) -> StreamingResponse:
    """Server-sent events: progress of the jobs you may see, and your new notifications (module docstring)."""
    watch = registry.notifications.watch(actor=user)
    stopping: threading.Event = request.app.state.stopping
    return StreamingResponse(
        _stream(watch, stopping, recheck, poll=POLL_SECONDS),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
