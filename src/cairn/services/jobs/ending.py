"""How a task's commit ends: counts, the strict rule, and a job's end (status, journal, notification), written in
the transaction of the change that causes them."""

from __future__ import annotations

from cairn.db.repositories import Repos
from cairn.db.repositories._common import now
from cairn.domain.jobs import BACKGROUND_KINDS, Job, JobStatus, Outcome, TaskResult

__all__ = ["add_result", "end_job", "finish_if_last", "stop_strict"]

_OUTCOME_WORDS = {
    Outcome.DONE: "done",
    Outcome.DONE_WITH_ERRORS: "done with errors",
    Outcome.ERROR: "failed",
    Outcome.CANCELLED: "cancelled",
}


def add_result(repos: Repos, job: Job, result: TaskResult) -> Job:
    """Add a task's counts to its job; returns the job row as changed."""
    changed = repos.jobs.add_counts(
        job.id,
        {
            "units_done": result.done,
            "units_error": result.errors,
            "units_cancelled": result.cancelled,
            "units_skipped": result.skipped,
            "units_updated": result.updated,
            "items_created": result.created,
            "units_finished": result.finished,
        },
    )
    assert changed is not None, job.id  # the caller holds the job row (read in its transaction)
    return changed


def stop_strict(repos: Repos, job: Job, reason: str) -> Job:
    """Strict mode (no ``ignore_errors``): the first failing unit stops the job; tasks not started are cancelled.
    Returns the job row as changed."""
    cancelled = repos.jobs.cancel_pending_tasks(job.id)
    if cancelled:
        repos.jobs.add_counts(job.id, {"units_cancelled": cancelled, "units_finished": cancelled})
    stopped = repos.jobs.change_job(job.id, error=f"stopped: {reason} and ignore_errors is off")
    assert stopped is not None, job.id  # the caller holds the job row (read in its transaction)
    return stopped


def finish_if_last(repos: Repos, job: Job, *, describe: str) -> JobStatus | None:
    """When no task is open any more, give the job its final status (under the job row's lock). ``job`` is its row
    as the caller's transaction last wrote or read it: its counts and status decide the final status."""
    if repos.jobs.open_tasks(job.id) > 0:
        return None
    if job.status is JobStatus.CANCELLED:
        final = JobStatus.CANCELLED
    elif job.status is JobStatus.ERROR or (job.units_error and not job.ignore_errors):
        final = JobStatus.ERROR
    else:
        final = JobStatus.DONE
    end_job(repos, job, final, describe=describe)
    return final


def end_job(repos: Repos, job: Job, final: JobStatus, *, describe: str) -> None:
    """Close a job: its final status, a journal entry, and a notification to its actor (a background job: its
    status only)."""
    ended = repos.jobs.change_job(job.id, status=final.value, finished_at=now())
    assert ended is not None and ended.outcome is not None, job.id  # the caller holds the job row
    if job.kind in BACKGROUND_KINDS:
        return
    repos.journal.record(
        actor=None,
        action=f"{job.kind}.finish",
        target_type="job",
        target_id=job.id,
        target_label=job.title,
        folder_id=job.folder_id,
        details={"status": final.value, "done": ended.units_done, "errors": ended.units_error},
    )
    if ended.actor_id is not None:
        repos.notifications.add(
            user_id=ended.actor_id,
            job_id=ended.id,
            folder_id=ended.folder_id,
            dataset_id=ended.dataset_id,
            outcome=ended.outcome.value,
            message=_message(ended, describe),
        )


def _message(job: Job, describe: str) -> str:
    assert job.outcome is not None
    parts = [f"{job.units_done:,} of {job.units_total:,} unit(s) done"]
    if job.items_created:
        parts.append(f"{job.items_created:,} item(s) created")
    if job.units_error:
        parts.append(f"{job.units_error:,} error(s)")
    if job.units_cancelled:
        parts.append(f"{job.units_cancelled:,} cancelled")
    return f"{describe} {_OUTCOME_WORDS[job.outcome]}: {', '.join(parts)}."
