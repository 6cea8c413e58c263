"""Running the FFmpeg binary: in its own process group, cancellable, bounded in time and output size.

The binary is imageio-ffmpeg's (``IMAGEIO_FFMPEG_EXE`` overrides it, e.g. a distribution's or an LGPL build).
FFmpeg's errors (``-loglevel error`` on stderr) become a :class:`MediaError` that says what FFmpeg said, with the
local paths replaced by their roles ("input", "output"), so an error shown to a user reveals no server path.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

import imageio_ffmpeg

from cairn.errors import ConfigurationError, MediaError

__all__ = ["Cancel", "cancelled_error", "ffmpeg_executable", "run_ffmpeg"]

Cancel = Callable[[], bool]
"""Asked about ten times a second while FFmpeg runs: True stops it (FFmpeg is killed, nothing is kept)."""

_POLL_SECONDS = 0.1
_STDERR_LIMIT = 2_000
_LOG_PREFIX = re.compile(r"^(?:\[[^\]]*@ 0x[0-9a-f]+\]\s*)+")
"""FFmpeg's "[in#0 @ 0x5629a9a73680] " line prefixes (one or more): memory addresses, noise in a user's error."""


def ffmpeg_executable() -> str:
    """The FFmpeg binary to run (imageio-ffmpeg's, or ``IMAGEIO_FFMPEG_EXE``)."""
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError as exc:
        raise ConfigurationError(f"no FFmpeg binary found: {exc}") from exc


def cancelled_error() -> MediaError:
    return MediaError("processing was cancelled; nothing was kept", details={"reason": "cancelled"})


def run_ffmpeg(
    args: list[str],
    *,
    roles: dict[str, str],
    scratch: Path,
    cancel: Cancel | None = None,
    feed: Callable[[IO[bytes]], None] | None = None,
    timeout_seconds: float | None = None,
    on_start: Callable[[], None] | None = None,
) -> None:
    """Run FFmpeg with ``args``; raise MediaError with its reason when it fails, is cancelled or runs too long.

    ``roles`` maps local paths in the arguments to the words an error message uses instead ("input").
    ``scratch``: the directory of the (unnamed) temporary file FFmpeg's stderr goes to (a file, not a pipe: FFmpeg
    never blocks on what it says). ``feed`` writes FFmpeg's stdin (then closed) in this thread; it should call
    ``cancel`` itself between writes. ``on_start`` is called once FFmpeg's process runs (work to do beside it).
    FFmpeg runs in a new process group, killed as a whole on cancel, timeout or any error here.
    """
    with tempfile.TemporaryFile(dir=scratch) as stderr:  # unnamed where the OS can: nothing to remove
        process = subprocess.Popen(  # a fixed binary and arguments we built, no shell
            [ffmpeg_executable(), *args],
            stdin=subprocess.PIPE if feed else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
        try:
            if on_start is not None:
                on_start()
            _feed(process, feed)
            code = _wait(process, cancel, timeout_seconds)
        except BaseException:
            _kill(process)
            raise
        if code != 0:
            stderr.seek(0)
            raise _failure(stderr.read(), code, roles)


def _feed(process: subprocess.Popen[bytes], feed: Callable[[IO[bytes]], None] | None) -> None:
    if feed is None or process.stdin is None:
        return
    try:
        feed(process.stdin)
    except BrokenPipeError:
        pass  # FFmpeg stopped reading: its exit code and stderr say why
    finally:
        with suppress(BrokenPipeError):
            process.stdin.close()


def _wait(process: subprocess.Popen[bytes], cancel: Cancel | None, timeout_seconds: float | None) -> int:
    deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
    with _exit_signal(process) as exited:
        while True:
            exited(_POLL_SECONDS)
            code = process.poll()
            if code is not None:
                return code
            if cancel is not None and cancel():
                raise cancelled_error()
            if deadline is not None and time.monotonic() > deadline:
                raise MediaError(
                    f"FFmpeg ran longer than {timeout_seconds:g} s and was stopped", details={"reason": "timeout"}
                )


@contextmanager
def _exit_signal(process: subprocess.Popen[bytes]) -> Iterator[Callable[[float], object]]:
    """A wait of at most the given seconds that returns as soon as ``process`` exits.

    On Linux a pidfd becomes readable at the exit, so a short run is not kept waiting for the next poll (Popen.wait
    with a timeout sleeps in steps of up to 50 ms: half of a remux that takes 100 ms); elsewhere, a sleep.
    """
    try:
        pidfd = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # not Linux 5.3+, or the process is already reaped
        yield time.sleep
        return
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    try:
        yield lambda seconds: poller.poll(seconds * 1000)
    finally:
        os.close(pidfd)


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill FFmpeg's whole process group and reap it."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _failure(stderr: bytes, code: int, roles: dict[str, str]) -> MediaError:
    text = stderr.decode("utf-8", "replace")
    for path, role in roles.items():
        text = text.replace(path, role)
    lines = [_LOG_PREFIX.sub("", line.strip()) for line in text.splitlines() if line.strip()]
    said = "; ".join(lines)[-_STDERR_LIMIT:] or f"no message (exit status {code})"
    return MediaError(f"FFmpeg failed: {said}", details={"reason": "ffmpeg_failed", "exit_status": code})
