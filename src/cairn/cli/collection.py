"""Start-up runs without the cyclic garbage collector.

Importing the command modules, the database layer and the services, building the command tree and opening the
registry make objects that live as long as the process: the collector would traverse them again and again and find
nothing to free (a tenth of the CPU time of ``cairn folders list``). The console script's entry point pauses it;
the session resumes it once the registry is open (the first thing every command that does work does), and the entry
point when the command returns. ``resume`` re-enables only what ``pause`` disabled.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Disable the collector if it runs (until ``resume``)."""
    global _paused  # noqa: PLW0603 - one flag for the process, as the collector is one
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Enable the collector again if ``pause`` disabled it; otherwise leave it as it is."""
    global _paused  # noqa: PLW0603
    if _paused:
        _paused = False
        gc.enable()
