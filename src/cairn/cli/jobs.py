"""``cairn job``: list, show, cancel and wait for registration jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cairn.cli.output import fields_table, print_json, say, table
from cairn.cli.session import session_of

if TYPE_CHECKING:
    from cairn.cli.session import Session
    from cairn.domain.jobs import Job

app = typer.Typer(help="Registration jobs: progress, per-unit errors, cancel.", no_args_is_help=True)

JobArg = Annotated[int, typer.Argument(metavar="JOB", help="Job id.")]
MAX_SHOWN_ERRORS = 50


def show_job(session: Session, job: Job, *, errors_limit: int = MAX_SHOWN_ERRORS) -> None:
    """A job's status and counts, then its first unit errors (all of them as JSON with --json)."""
    registry, actor = session.registry(), session.actor()
    errors = registry.registration.errors(actor=actor, job_id=job.id, limit=errors_limit) if job.units_error else []
    if session.json_output:
        print_json(session, {**job.to_dict(), "unit_errors": [e.to_dict() for e in errors]})
        return
    session.out.print(
        fields_table(
            [
                ("job", job.id),
                ("status", job.status.value),
                ("manifest", f"{job.source} ({job.format})"),
                ("folder", f"id:{job.folder_id}" if job.folder_id else "(deleted)"),
                ("units", f"{job.units_total:,}"),
                ("pending", f"{job.units_pending:,}"),
                (
                    "done",
                    f"{job.units_done:,} ({job.items_created:,} created, {job.units_skipped:,} skipped, "
                    f"{job.units_updated:,} metadata updated)",
                ),
                ("error", f"{job.units_error:,}"),
                ("cancelled", f"{job.units_cancelled:,}"),
                ("options", _options(job)),
                ("message", job.error),
                ("created", job.created_at),
                ("finished", job.finished_at),
            ]
        )
    )
    if errors:
        rows = [(e.location, e.action_description, " ".join(e.object_urls)[:200], e.error) for e in errors]
        session.out.print(table("Unit errors", ["where", "action", "object URLs", "error"], rows))
        if job.units_error > len(errors):
            say(session, f"... {job.units_error - len(errors):,} more (cairn --json job show {job.id} --errors N)")


def _options(job: Job) -> str:
    flags = [
        name
        for name, on in (
            ("ignore_errors", job.ignore_errors),
            ("skip_duplicate_urls", job.skip_duplicate_urls),
            ("upsert_metadata", job.upsert_metadata),
        )
        if on
    ]
    return ", ".join(flags) or "strict"


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[list[str] | None, typer.Option("--status", help="Only these statuses (repeat).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 50,
) -> None:
    """Registration jobs, newest first (yours; every job for organization admins)."""
    session = session_of(ctx)
    jobs = session.registry().registration.jobs(actor=session.actor(), statuses=tuple(status or ()), limit=limit)
    if session.json_output:
        print_json(session, [j.to_dict() for j in jobs])
        return
    rows = [
        (
            j.id,
            j.status.value,
            j.source,
            f"{j.units_total - j.units_pending:,}/{j.units_total:,}",
            j.units_error,
            j.created_at,
        )
        for j in jobs
    ]
    session.out.print(table(None, ["job", "status", "manifest", "finished", "errors", "created"], rows))


@app.command()
def show(
    ctx: typer.Context,
    job_id: JobArg,
    errors: Annotated[int, typer.Option("--errors", min=0, max=1000, help="How many unit errors to list.")] = 50,
) -> None:
    """A job: status, counts and unit errors."""
    session = session_of(ctx)
    show_job(session, session.registry().registration.get(actor=session.actor(), job_id=job_id), errors_limit=errors)


@app.command()
def cancel(ctx: typer.Context, job_id: JobArg) -> None:
    """Cancel a job: units not yet committed are cancelled; committed ones stay."""
    session = session_of(ctx)
    job = session.registry().registration.cancel(actor=session.actor(), job_id=job_id)
    if not session.json_output:
        say(session, f"Cancelled job {job.id}: {job.units_cancelled:,} unit(s) cancelled.")
    show_job(session, job)


@app.command()
def wait(
    ctx: typer.Context,
    job_id: JobArg,
    timeout: Annotated[float | None, typer.Option(help="Give up after this many seconds.")] = None,
) -> None:
    """Wait until a job finishes (exit status 1 if it ends in error)."""
    session = session_of(ctx)
    job = session.registry().registration.wait(actor=session.actor(), job_id=job_id, timeout=timeout)
    show_job(session, job)
    if job.status.value == "error":
        raise typer.Exit(1)
