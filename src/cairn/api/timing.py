"""``Server-Timing``, when asked for: how long cairn took to start answering, beside the browser's own timings.

``app;dur=12.3`` is the milliseconds from the request reaching the application (after uvicorn parsed it) to the
start of the response (handler, dependencies, serialization and any wait for a worker thread included). A browser
shows it beside its own timings of the request (``PerformanceResourceTiming.serverTiming``, same origin), so the
time a request spends in cairn can be told from the time it spends queued, on the wire or in the browser.

Only with ``CAIRN_SERVER_TIMING`` on (``create_app`` installs it then): exact handler times, free of the network's
jitter, would help timing attacks.
"""

from __future__ import annotations

import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ServerTiming", "server_timing"]


def server_timing(milliseconds: float) -> str:
    """The header's value for a response started ``milliseconds`` after its request reached the application."""
    return f"app;dur={milliseconds:.1f}"


class ServerTiming:
    """ASGI middleware: ``Server-Timing: app;dur=...`` on every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()

        async def send_timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = (time.perf_counter() - began) * 1000
                MutableHeaders(scope=message).append("Server-Timing", server_timing(elapsed))
            await send(message)

        await self.app(scope, receive, send_timed)
