"""Helpers for a handler's long ``prepare``: renewing the lease now and then, and noticing a cancelled job."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["CANCEL_POLL_SECONDS", "HEARTBEAT_SECONDS", "Beat", "cancel_check"]

HEARTBEAT_SECONDS = 30.0
CANCEL_POLL_SECONDS = 1.0
"""How often a running task asks the database whether its job was cancelled."""


class Beat:
    """Renews the task's lease at most every ``HEARTBEAT_SECONDS`` however often it is called."""

    def __init__(self, heartbeat: Callable[[], None]) -> None:
        self._heartbeat = heartbeat
        self._last = time.monotonic()

    def __call__(self) -> None:
        if time.monotonic() - self._last >= HEARTBEAT_SECONDS:
            self._heartbeat()
            self._last = time.monotonic()


def cancel_check(is_cancelled: Callable[[], bool], beat: Callable[[], None]) -> Callable[[], bool]:
    """A check to call as often as one likes (FFmpeg's runner: ~10 times a second; frame export: every frame): it
    beats, and asks ``is_cancelled`` at once, then at most once a second."""
    last = [0.0, False]

    def cancelled() -> bool:
        beat()
        if time.monotonic() - float(last[0]) >= CANCEL_POLL_SECONDS:
            last[:] = [time.monotonic(), is_cancelled()]
        return bool(last[1])

    return cancelled
