"""The HTTP server of ``cairn serve``: uvicorn, told to end cairn's event streams when it shuts down.

uvicorn waits for every open response before it stops, and an event stream never ends by itself; so the server
sets ``app.state.stopping`` first, and each stream ends at its next poll.
"""

from __future__ import annotations

import socket
import threading

import uvicorn
from fastapi import FastAPI

__all__ = ["StoppableServer"]


class StoppableServer(uvicorn.Server):
    def __init__(self, app: FastAPI, *, host: str, port: int, log_level: str = "info") -> None:
        super().__init__(uvicorn.Config(app, host=host, port=port, log_level=log_level))
        self._stopping: threading.Event = app.state.stopping

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._stopping.set()
        await super().shutdown(sockets)
