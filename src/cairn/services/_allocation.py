"""Bulk work allocates millions of short-lived containers: run it with the cycle collector's trigger raised.

CPython starts a young-generation collection after every 700 net container allocations. Reading a manifest or
committing a chunk builds a dict, a tuple or a list per field of every unit, and keeps thousands of them alive
until the chunk is written, so the collector runs every few units and promotes survivors into older generations
that it then walks again and again, so the trigger is raised to ``_BULK_THRESHOLD`` while bulk work runs (the
gain is in the commit that introduced it). Reference counting still frees
everything at once; only reference cycles wait longer, and they are few and small here.

The threshold is process-wide, so concurrent bulk work (several consumer threads) shares one raised setting: the
first to enter raises it, the last to leave restores what was there before.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_BULK_THRESHOLD = 100_000
_lock = threading.Lock()
_active = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def bulk_allocations() -> Iterator[None]:
    """Raise the young-generation collection threshold for the duration (re-entrant, thread-safe)."""
    _enter()
    try:
        yield
    finally:
        _leave()


def _enter() -> None:
    global _active, _saved  # noqa: PLW0603 - one process-wide setting, guarded by the lock
    with _lock:
        if _active == 0:
            _saved = gc.get_threshold()
            if _saved[0] and _saved[0] < _BULK_THRESHOLD:  # 0 means disabled; a higher setting is kept
                gc.set_threshold(_BULK_THRESHOLD, *_saved[1:])
        _active += 1


def _leave() -> None:
    global _active, _saved  # noqa: PLW0603
    with _lock:
        _active -= 1
        if _active == 0 and _saved is not None:
            gc.set_threshold(*_saved)
            _saved = None
