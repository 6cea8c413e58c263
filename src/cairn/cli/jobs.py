"""``cairn job``: list, show, cancel, wait for jobs of any kind, and list a job's per-unit errors."""

from typing import TYPE_CHECKING, Annotated

import typer

from cairn.cli.output import fields_table, print_json, say, table
from cairn.cli.session import session_of

if TYPE_CHECKING:
    from cairn.cli.session import Session
    from cairn.domain.jobs import Job, UnitError

app = typer.Typer(help="Background jobs (registration, ...): progress, per-unit errors, cancel.", no_args_is_help=True)

JobArg = Annotated[int, typer.Argument(metavar="JOB", help="Job id.")]
MAX_SHOWN_ERRORS = 50


def show_job(session: "Session", job: "Job", *, errors_limit: int = MAX_SHOWN_ERRORS) -> None:
    """A job's status and counts, then its first unit errors (all of them as JSON with --json)."""
    registry, actor = session.registry(), session.actor()
    errors = registry.jobs.errors(actor=actor, job_id=job.id, limit=errors_limit) if job.units_error else []
    if session.json_output:
        print_json(session, {**job.to_dict(), "unit_errors": [e.to_dict() for e in errors]})
        return
    session.out.print(fields_table(_fields(job)))
    if errors:
        _print_errors(session, errors)
        if job.units_error > len(errors):
            say(session, f"... {job.units_error - len(errors):,} more (cairn job errors {job.id})")
    if job.manifest_problems and job.status.value != "error":  # an error's message lists them already
        _print_problems(session, job, errors_limit)


def _fields(job: "Job") -> list[tuple[str, object]]:
    return [
        ("job", job.id),
        ("kind", job.kind),
        ("status", job.status.value),
        ("title", job.title),
        ("scope", _scope(job)),
        ("units", f"{job.units_total:,}"),
        ("pending", f"{job.units_pending:,}"),
        (
            "done",
            f"{job.units_done:,} ({job.items_created:,} created, {job.units_skipped:,} skipped, "
            f"{job.units_updated:,} updated)",
        ),
        ("error", f"{job.units_error:,}"),
        ("not registered", _not_registered(job)),
        ("cancelled", f"{job.units_cancelled:,}"),
        ("options", _options(job)),
        ("message", job.error),
        ("created", job.created_at),
        ("finished", job.finished_at),
    ]


def _scope(job: "Job") -> str:
    if job.folder_id:
        return f"folder id:{job.folder_id}"
    if job.dataset_id:
        return f"dataset id:{job.dataset_id}"
    return "items" if job.params.get("item_ids") else "(deleted)"


def _options(job: "Job") -> str:
    flags = [name for name, on in job.params.items() if on is True]
    return ", ".join(["ignore_errors", *flags] if job.ignore_errors else flags) or "strict"


def _not_registered(job: "Job") -> str | None:
    """How many entries of the manifest had a problem, when a job that ignores errors left them out."""
    if not job.manifest_problems or job.status.value == "error":
        return None
    more = "+" if job.manifest_problems_truncated else ""
    return f"{len(job.manifest_problems):,}{more} manifest problem(s): their entries were left out"


def _print_problems(session: "Session", job: "Job", limit: int) -> None:
    problems = job.manifest_problems
    rows = [(p.location, p.field or "", p.message) for p in problems[:limit]]
    session.out.print(table("Manifest problems (entries not registered)", ["where", "field", "problem"], rows))
    if len(problems) > limit:
        say(session, f"... {len(problems) - limit:,} more (cairn job errors {job.id})")


def _print_errors(session: "Session", errors: "list[UnitError]") -> None:
    rows = [(e.location, e.action_description, " ".join(e.object_urls)[:200], e.error) for e in errors]
    session.out.print(table("Unit errors", ["where", "action", "object URLs", "error"], rows))


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[list[str] | None, typer.Option("--status", help="Only these statuses (repeat).")] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="Only these kinds (repeat).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 50,
) -> None:
    """Jobs you may see, newest first (yours and those of folders you see; every job for organization admins)."""
    session = session_of(ctx)
    jobs = session.registry().jobs.jobs(
        actor=session.actor(), statuses=tuple(status or ()), kinds=tuple(kind or ()), limit=limit
    )
    if session.json_output:
        print_json(session, [j.to_dict() for j in jobs])
        return
    rows = [
        (
            j.id,
            j.kind,
            j.status.value,
            j.title,
            f"{j.units_total - j.units_pending:,}/{j.units_total:,}",
            j.units_error,
            j.created_at,
        )
        for j in jobs
    ]
    session.out.print(table(None, ["job", "kind", "status", "title", "finished", "errors", "created"], rows))


@app.command()
def show(
    ctx: typer.Context,
    job_id: JobArg,
    errors: Annotated[int, typer.Option("--errors", min=0, max=1000, help="How many unit errors to list.")] = 50,
) -> None:
    """A job: status, counts and its first unit errors."""
    session = session_of(ctx)
    show_job(session, session.registry().jobs.get(actor=session.actor(), job_id=job_id), errors_limit=errors)


@app.command("errors")
def errors_(
    ctx: typer.Context,
    job_id: JobArg,
    after_unit: Annotated[int, typer.Option("--after-unit", min=-1, help="Start after this unit.")] = -1,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many.")] = 100,
) -> None:
    """A job's per-unit errors, in unit order (where each unit is, its URLs, the error)."""
    session = session_of(ctx)
    found = session.registry().jobs.errors(actor=session.actor(), job_id=job_id, after_unit=after_unit, limit=limit)
    if session.json_output:
        print_json(session, [e.to_dict() for e in found])
        return
    if after_unit < 0:  # the manifest's problems come first, once
        job = session.registry().jobs.get(actor=session.actor(), job_id=job_id)
        if job.manifest_problems:
            _print_problems(session, job, len(job.manifest_problems))
    if not found:
        say(session, f"Job {job_id} has no unit errors" + (f" after unit {after_unit}." if after_unit >= 0 else "."))
        return
    _print_errors(session, found)
    if len(found) == limit:
        say(session, f"... more: cairn job errors {job_id} --after-unit {found[-1].unit}")


@app.command()
def cancel(ctx: typer.Context, job_id: JobArg) -> None:
    """Cancel a job: units not yet committed are cancelled; committed ones stay."""
    session = session_of(ctx)
    job = session.registry().jobs.cancel(actor=session.actor(), job_id=job_id)
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
    job = session.registry().jobs.wait(actor=session.actor(), job_id=job_id, timeout=timeout)
    show_job(session, job)
    if job.status.value == "error":
        raise typer.Exit(1)
