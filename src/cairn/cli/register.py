"""``cairn register MANIFEST`` (with a progress bar) and ``cairn export FOLDER``.

Registration is a job: the manifest is validated (nothing is written if it is invalid), the job is created, and
workers do the work. With the embedded queue (no CAIRN_QUEUE_URL) this command also works on the job itself while
it waits (``--work``), sharing it with a running ``cairn serve``; with a shared queue, ``cairn worker`` processes
do it. Ctrl-C stops waiting; the job goes on (``cairn job show ID``).
"""

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from cairn.cli import arguments
from cairn.cli.jobs import show_job
from cairn.cli.output import note, print_json, say
from cairn.cli.session import session_of
from cairn.cli.worker import embedded_consumer

if TYPE_CHECKING:
    from cairn.cli.session import Session
    from cairn.domain.jobs import Job
    from cairn.services.registration import RegistrationPlan

EXIT_FAILED = 1
POLL_SECONDS = 0.5
Format = Literal["json", "csv"]


def register(
    ctx: typer.Context,
    manifest: Annotated[Path, typer.Argument(metavar="MANIFEST", help="Encord JSON or CSV manifest.")],
    *,
    folder: Annotated[str, typer.Option("--folder", "-f", metavar="PATH", help="Target folder (path or id:N).")],
    integration: Annotated[str, typer.Option("--integration", "-i", metavar="NAME", help="Where the files are.")],
    ignore_errors: Annotated[
        bool, typer.Option("--ignore-errors", help="Register what can be; the job ends DONE with errors listed.")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and summarize; write nothing.")] = False,
    skip_duplicate_urls: Annotated[
        bool, typer.Option("--skip-duplicate-urls", help="Skip URLs already in the folder (CSV has no such key).")
    ] = False,
    upsert_metadata: Annotated[
        bool, typer.Option("--upsert-metadata", help="With --skip-duplicate-urls: update their client metadata.")
    ] = False,
    fmt: Annotated[Format | None, typer.Option("--format", help="json or csv (default: sniffed).")] = None,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Wait for the job, with a progress bar.")] = True,
    work: Annotated[
        bool | None,
        typer.Option(
            "--work/--no-work", help="Process the job in this process while waiting (default: embedded queue)."
        ),
    ] = None,
) -> None:
    """Register the files a manifest lists into a folder, by reference."""
    session = session_of(ctx)
    registry, actor = session.registry(), session.actor()
    target = arguments.folder(session, folder)
    options = {
        "actor": actor,
        "folder_id": target.id,
        "integration": integration,
        "manifest": manifest,
        "fmt": fmt,
        "skip_duplicate_urls": skip_duplicate_urls,
        "upsert_metadata": upsert_metadata,
    }
    if dry_run:
        _show_plan(session, registry.registration.plan(**options))  # type: ignore[arg-type]
        return
    job = registry.registration.register(ignore_errors=ignore_errors, **options)  # type: ignore[arg-type]
    if not (session.json_output or wait):
        note(session, f"Job {job.id}: checking the manifest, then registering its units: `cairn job show {job.id}`.")
    if wait:
        threads = session.settings.workers or 2
        local = work if work is not None else session.settings.queue_url is None
        with embedded_consumer(registry, workers=threads if local else 0):
            job = _follow(session, job)
    _finish(session, job)


def _show_plan(session: "Session", plan: "RegistrationPlan") -> None:
    if session.json_output:
        print_json(session, {**plan.summary.to_dict(), "chunks": plan.chunks, "integration": plan.integration})
        return
    counts = ", ".join(f"{n:,} {kind}" for kind, n in plan.summary.counts.items())
    say(session, f"Valid: {plan.summary.units:,} unit(s), {plan.summary.urls:,} URL(s) ({counts}).")
    say(session, f"Would register into folder id:{plan.folder_id} from {plan.integration!r} in {plan.chunks} chunk(s).")
    for duplicate in plan.summary.duplicates[:20]:
        note(session, f"repeated URL at {duplicate.location} (first at {duplicate.first_location}): {duplicate.url}")
    for warning in plan.summary.warnings[:20]:
        note(session, f"warning: {warning}")


def _follow(session: "Session", job: "Job") -> "Job":
    from rich.progress import (  # noqa: PLC0415 - Rich is imported by the commands that print with it
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    registry, actor = session.registry(), session.actor()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    show = not session.json_output and sys.stderr.isatty()
    try:
        with Progress(*columns, console=session.err, disable=not show, transient=False) as progress:
            task = progress.add_task(f"job {job.id}", total=None)
            while not job.status.is_final:
                time.sleep(POLL_SECONDS)
                job = registry.jobs.get(actor=actor, job_id=job.id)
                done, total = job.progress_counts()
                progress.update(task, completed=done, total=total, description=f"job {job.id} {job.status.value}")
    except KeyboardInterrupt:
        note(session, f"Stopped waiting; job {job.id} goes on: `cairn job show {job.id}`.")
        raise typer.Exit(130) from None
    return job


def follow_and_finish(session: "Session", job: "Job") -> None:
    """Follow a job with a progress bar, working on it in this process when the queue is the embedded one; then
    show it (and exit non-zero when it failed)."""
    local = session.settings.queue_url is None
    with embedded_consumer(session.registry(), workers=(session.settings.workers or 2) if local else 0):
        job = _follow(session, job)
    _finish(session, job)


def _finish(session: "Session", job: "Job") -> None:
    from cairn.domain.jobs import JobStatus  # noqa: PLC0415 - with the manifest readers: only once a job ran

    if job.status is JobStatus.ERROR and job.summary.get("problems"):
        from cairn.services.registration import scan_problems  # noqa: PLC0415 - only when a scan failed

        raise scan_problems(job)  # printed as before the scan moved off the request: every located problem
    show_job(session, job)
    if job.status is JobStatus.ERROR:
        raise typer.Exit(EXIT_FAILED)


def export(
    ctx: typer.Context,
    folder: Annotated[str, typer.Argument(metavar="FOLDER", help="Folder path or id:N.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).", show_default=False)
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="json or csv.")] = "json",
    drop_metadata: Annotated[
        bool, typer.Option("--drop-metadata", help="CSV: leave out metadata CSV cannot carry instead of failing.")
    ] = False,
) -> None:
    """Write a folder's items as a manifest; registering it into an empty folder gives the same items."""
    session = session_of(ctx)
    target = arguments.folder(session, folder)
    exports = session.registry().exports
    if output is None:
        result = exports.export_folder(
            actor=session.actor(), folder_id=target.id, out=sys.stdout.buffer, fmt=fmt, drop_metadata=drop_metadata
        )
        sys.stdout.flush()
    else:
        with output.open("wb") as out:
            result = exports.export_folder(
                actor=session.actor(), folder_id=target.id, out=out, fmt=fmt, drop_metadata=drop_metadata
            )
        if session.json_output:
            print_json(session, {"output": output, "units": result.units, "not_exportable": result.not_exportable})
        else:
            say(session, f"Wrote {result.units:,} unit(s) to {str(output)!r}.")
    if result.not_exportable:
        note(session, f"{result.not_exportable} item(s) have no object URL (uploaded files) and were left out.")
