"""The job queue: Huey, with the work to run handed in by the composition root.

This adapter knows nothing of registration or any other use case: the process that consumes jobs (``cairn serve``,
``cairn worker``) registers a handler per job name (``queue.register_handler("job.task", fn)``), and
services enqueue ``(name, payload)`` pairs. Job *state* lives in cairn's database; the queue only says "work on
this now", so a lost or repeated message is harmless (handlers claim their work in the database).

Queues, chosen by ``Settings.queue_url``:

* none (default) -- ``SqliteHuey`` in ``<data_dir>/queue.db``, consumed inside ``cairn serve``;
* ``redis://host:6379/0`` -- ``RedisHuey``, shared with ``cairn worker`` processes on any machine;
* ``postgresql://user@host/db`` -- ``PostgresHuey`` (its own ``huey_*`` tables);
* ``sqlite:////path/queue.db`` -- ``SqliteHuey`` at that path.

A ``?queue=NAME`` query parameter names the queue (default ``cairn``), so that several cairn installations (or
tests) can share one Redis or PostgreSQL server.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from cairn.errors import ConfigurationError
from cairn.private_files import private_file

if TYPE_CHECKING:  # huey (and redis under it) is imported when a queue is first used: CLI start-up stays fast
    from huey.api import Huey
    from huey.consumer import Consumer

__all__ = ["Handler", "JobQueue", "Periodic", "queue_description"]

Handler = Callable[[dict[str, Any]], None]
TASK_NAME = "cairn.job"
DEFAULT_QUEUE = "cairn"
RETRIES = 3
RETRY_DELAY_SECONDS = 5

log = logging.getLogger("cairn.jobs")


def _split_queue_name(url: str) -> tuple[str, str]:
    """(url without the ``queue`` parameter, queue name)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    name = next((v for k, v in query if k == "queue"), DEFAULT_QUEUE)
    rest = urlencode([(k, v) for k, v in query if k != "queue"])
    return urlunsplit(parts._replace(query=rest)), name


def _make_huey(queue_url: str | None, data_dir: Path) -> Huey:
    from huey import PostgresHuey  # noqa: PLC0415 - see TYPE_CHECKING above

    if not queue_url:
        queue_file = private_file(data_dir / "queue.db")  # 0600, and so its -wal and -shm files
        return _sqlite_huey(DEFAULT_QUEUE, queue_file)
    url, name = _split_queue_name(queue_url)
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("redis", "rediss", "unix"):
        return _redis_huey(name, url)
    if scheme.split("+", 1)[0] in ("postgresql", "postgres"):
        dsn = urlunsplit(urlsplit(url)._replace(scheme="postgresql"))
        return PostgresHuey(name, dsn=dsn, results=False)
    if scheme == "sqlite":
        return _sqlite_huey(name, private_file(Path(urlsplit(url).path)))
    raise ConfigurationError(
        f"unsupported CAIRN_QUEUE_URL scheme {scheme!r}: use redis://host:6379/0, postgresql://user@host/db or "
        "sqlite:////path/queue.db (or leave it unset for the embedded queue)"
    )


def _sqlite_huey(name: str, path: Path) -> Huey:
    """``SqliteHuey`` on ``path`` in WAL mode with ``synchronous=NORMAL``: a commit is not flushed to the disk
    (SQLite's default, FULL, syncs every enqueue: 2-11 ms each on a busy disk, the longest step of a job's start).
    A message survives a killed process; one lost with the machine's power is harmless (see the module docstring:
    ``JobService.recover`` sends again the tasks the database still holds open), and WAL keeps the file sound."""
    from huey import SqliteHuey  # noqa: PLC0415
    from huey.storage import SqliteStorage  # noqa: PLC0415

    class _Storage(SqliteStorage):  # type: ignore[misc]
        def _create_connection(self) -> Any:
            connection = super()._create_connection()
            connection.execute("pragma synchronous=NORMAL")
            return connection

    class _Huey(SqliteHuey):  # type: ignore[misc]
        storage_class = _Storage

    return _Huey(name, filename=str(path), results=False, timeout=30)


def _redis_huey(name: str, url: str) -> Huey:
    try:
        import redis  # noqa: F401, PLC0415
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ConfigurationError("a Redis queue needs the redis client: pip install 'cairn[redis]'") from exc
    from huey import RedisHuey  # noqa: PLC0415

    return RedisHuey(name, url=url, results=False)


def queue_description(queue_url: str | None, data_dir: Path) -> str:
    """Where the queue is, for messages (credentials hidden)."""
    if not queue_url:
        return f"embedded SQLite queue {str(data_dir / 'queue.db')!r}"
    parts = urlsplit(queue_url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _consumer(huey: Huey, *, embedded: bool, options: dict[str, Any]) -> Consumer:
    from huey.consumer import Consumer  # noqa: PLC0415

    class EmbeddedConsumer(Consumer):  # type: ignore[misc]
        """A consumer in threads of a host process (the server) that leaves the host's signal handlers alone."""

        def _set_signal_handlers(self) -> None:
            return

    return EmbeddedConsumer(huey, **options) if embedded else Consumer(huey, **options)


class JobQueue:
    """One Huey queue; handlers are registered by name and dispatched by one generic Huey task."""

    def __init__(self, *, queue_url: str | None, data_dir: Path) -> None:
        self.description = queue_description(queue_url, data_dir)
        self.huey = _make_huey(queue_url, data_dir)
        self._handlers: dict[str, Handler] = {}
        self._task = self.huey.task(name=TASK_NAME, retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS)(self._dispatch)

    def register_handler(self, name: str, handler: Handler) -> None:
        """Run ``handler(payload)`` for every job enqueued under ``name`` (in this process's consumer)."""
        self._handlers[name] = handler

    def enqueue(self, name: str, payload: dict[str, Any]) -> None:
        self._task(name, payload)

    def enqueue_many(self, name: str, payloads: Iterable[dict[str, Any]], *, delay: float = 0.0) -> int:
        """Enqueue every payload under ``name``, to run at once or after ``delay`` seconds (a retry's backoff)."""
        count = 0
        for payload in payloads:
            if delay > 0:
                self._task.schedule(args=(name, payload), delay=delay)
            else:
                self._task(name, payload)
            count += 1
        return count

    def size(self) -> int:
        """Messages waiting in the queue."""
        return int(self.huey.pending_count())

    def flush(self) -> None:
        """Drop every waiting message (tests and `cairn worker --flush`)."""
        self.huey.flush()

    def _dispatch(self, name: str, payload: dict[str, Any]) -> None:
        handler = self._handlers.get(name)
        if handler is None:
            raise ConfigurationError(f"no handler registered for job {name!r} in this process")
        handler(payload)

    def consumer(self, *, workers: int, embedded: bool) -> Consumer:
        """A Huey consumer with ``workers`` threads; ``embedded`` ones leave the host's signal handlers alone."""
        options: dict[str, Any] = {
            "workers": max(workers, 1),
            "worker_type": "thread",
            "periodic": False,
            "initial_delay": 0.05,
            "backoff": 1.5,
            "max_delay": 1.0,
        }
        return _consumer(self.huey, embedded=embedded, options=options)

    def close(self) -> None:
        self.huey.storage.close()


class Periodic(threading.Thread):
    """Calls ``fn`` now and then every ``interval`` seconds until stopped (job recovery)."""

    def __init__(self, fn: Callable[[], Any], *, interval: float, name: str = "cairn-housekeeping") -> None:
        super().__init__(name=name, daemon=True)
        self._fn = fn
        self._interval = interval
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.is_set():
            try:
                self._fn()
            except Exception:
                log.exception("housekeeping failed (will retry)")
            self._stopped.wait(self._interval)

    def stop(self) -> None:
        self._stopped.set()
