"""``cairn worker``, and the job consumer ``cairn serve`` runs in its threads: the composition root of jobs.

Here, and only here, the job queue (an adapter that knows no use case) is handed the work to run: the ``job.task``
message calls ``Registry.jobs.run_task`` (the engine, which finds the handler of the job's kind). A housekeeping
thread runs ``Registry.jobs.recover`` on start and every ``RECOVER_EVERY`` seconds, so tasks of a killed worker are
taken up again, and another ``Registry.managed_files.sweep`` on start and every ``SWEEP_EVERY`` seconds (uploaded
files left behind by a crash between an item's deletion and its file's removal), and
``Registry.result_objects.sweep`` every ``RECOVER_EVERY`` seconds (results uploaded by a task that ended without
committing them).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cairn.cli.output import note
from cairn.cli.session import session_of

if TYPE_CHECKING:
    from cairn.jobs.queue import JobQueue
    from cairn.services.registry import Registry

# The job queue and the services are imported by the functions that run them: `cairn --help` needs neither.

RECOVER_EVERY = 15.0
SWEEP_EVERY = 3600.0  # seconds between two sweeps of managed files no item references (crash leftovers)


def attach_handlers(registry: "Registry", queue: "JobQueue") -> None:
    """Give the queue the work it runs: each job name mapped to the service call that does it."""
    from cairn.services.jobs.engine import TASK_MESSAGE  # noqa: PLC0415

    def run_task(payload: dict[str, Any]) -> None:
        registry.jobs.run_task(job_id=int(payload["job_id"]), seq=int(payload["seq"]))

    queue.register_handler(TASK_MESSAGE, run_task)


@contextmanager
def embedded_consumer(registry: "Registry", *, workers: int) -> Iterator[None]:
    """Consume jobs in ``workers`` threads of this process (``cairn serve``, ``cairn register``) while the block
    runs; in-flight tasks finish before it returns."""
    if workers <= 0:
        yield
        return
    queue = registry.queue()
    attach_handlers(registry, queue)
    consumer = queue.consumer(workers=workers, embedded=True)
    with _housekeeping(registry):
        consumer.start()
        try:
            yield
        finally:
            consumer.stop(graceful=True)


@contextmanager
def _housekeeping(registry: "Registry") -> Iterator[None]:
    """The threads that look after jobs while the block runs: task recovery and the sweep of managed files."""
    from cairn.jobs.queue import Periodic  # noqa: PLC0415

    threads = [
        Periodic(registry.jobs.recover, interval=RECOVER_EVERY),
        Periodic(registry.managed_files.sweep, interval=SWEEP_EVERY, name="cairn-managed-files"),
        Periodic(registry.result_objects.sweep, interval=RECOVER_EVERY, name="cairn-result-objects"),
    ]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        for thread in threads:
            thread.stop()


def worker(
    ctx: typer.Context,
    threads: Annotated[
        int, typer.Option("--threads", "-t", min=1, max=64, help="Tasks processed at once by this worker.")
    ] = 2,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every task.")] = False,
) -> None:
    """Process background jobs (their tasks, of any kind) from CAIRN_QUEUE_URL until stopped (Ctrl-C, SIGTERM).

    Run any number of workers, on any machine that reaches the database and the queue; they share each job.
    """
    session = session_of(ctx)
    registry = session.registry()
    import logging  # noqa: PLC0415 - only the worker configures logging

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    queue = registry.queue()
    attach_handlers(registry, queue)
    note(session, f"cairn worker: {threads} thread(s) on the {queue.description} (Ctrl-C to stop)")
    with _housekeeping(registry):
        queue.consumer(workers=threads, embedded=False).run()
