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


def add_result(repos: Repos, job: Job, result: TaskResult) -> None:
    repos.jobs.add_counts(
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


def stop_strict(repos: Repos, job: Job, reason: str) -> None:
    """Strict mode (no ``ignore_errors``): the first failing unit stops the job; tasks not started are cancelled."""
    cancelled = repos.jobs.cancel_pending_tasks(job.id)
    if cancelled:
        repos.jobs.add_counts(job.id, {"units_cancelled": cancelled, "units_finished": cancelled})
    repos.jobs.update_job(job.id, error=f"stopped: {reason} and ignore_errors is off")


def finish_if_last(repos: Repos, job_id: int, *, describe: str) -> JobStatus | None:
    """When no task is open any more, give the job its final status (under the job row's lock)."""
    if repos.jobs.open_tasks(job_id) > 0:
        return None
    job = repos.jobs.get_job(job_id)
    assert job is not None
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
    repos.jobs.update_job(job.id, status=final.value, finished_at=now())
    if job.kind in BACKGROUND_KINDS:
        return
    repos.journal.record(
        actor=None,
        action=f"{job.kind}.finish",
        target_type="job",
        target_id=job.id,
        target_label=job.title,
        folder_id=job.folder_id,
        details={"status": final.value, "done": job.units_done, "errors": job.units_error},
    )
    ended = repos.jobs.get_job(job.id)
    assert ended is not None and ended.outcome is not None
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
