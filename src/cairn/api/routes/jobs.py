"""Jobs of any kind: list, status, per-unit errors, cancel; and starting a registration job (JSON body or an
uploaded JSON/CSV file) or its dry run."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from io import BytesIO
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, File, Form, Query, UploadFile, status
from fastapi.responses import StreamingResponse

from cairn.api.deps import CurrentUser, RegistryDep
from cairn.api.schemas.common import MAX_ID, IdPath
from cairn.api.schemas.integrations import RegistrationCreate, RegistrationPlanPublic
from cairn.api.schemas.jobs import JobPublic, JobsPublic, UnitErrorPublic, UnitErrorsPublic
from cairn.api.spooling import DataDirSpoolRoute
from cairn.domain.jobs import Job, JobStatus, UnitError
from cairn.domain.manifest import marked_cell
from cairn.domain.records import User
from cairn.errors import Problem
from cairn.services.registration import RegistrationPlan
from cairn.services.registry import Registry

router = APIRouter(prefix="/jobs", tags=["jobs"], route_class=DataDirSpoolRoute)

FolderField = Annotated[int, Form(ge=1, le=MAX_ID)]
IntegrationField = Annotated[str, Form(min_length=1, max_length=200, description="Integration name, or `id:N`.")]
ManifestFile = Annotated[UploadFile, File(description="A JSON or CSV manifest file.")]
Flag = Annotated[bool, Form()]

ERRORS_CSV_COLUMNS = ("unit", "location", "kind", "title", "object_urls", "code", "error", "action_description")
ERRORS_CSV_PAGE = 1000
_CSV_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "One row per failed unit, under a header row (see above)."}
}


def job_public(job: Job) -> JobPublic:
    return JobPublic.model_validate(job.to_dict())


def _plan(plan: RegistrationPlan) -> RegistrationPlanPublic:
    summary = plan.summary.to_dict()
    return RegistrationPlanPublic(
        folder_id=plan.folder_id,
        integration=plan.integration,
        units=plan.summary.units,
        chunks=plan.chunks,
        counts=summary["counts"],
        skip_duplicate_urls=plan.skip_duplicate_urls,
        upsert_metadata=plan.upsert_metadata,
        summary=summary,
    )


def _body_manifest(body: RegistrationCreate) -> BinaryIO:
    stream = BytesIO(json.dumps(body.manifest).encode())
    stream.name = "request body"
    return stream


@router.post("", status_code=status.HTTP_201_CREATED)
def start_job(*, body: RegistrationCreate, user: CurrentUser, registry: RegistryDep) -> JobPublic:
    """Start registering the files of a JSON manifest into a folder (returns the job at once; follow it by polling
    or on `/events`)."""
    job = registry.registration.register(
        actor=user,
        folder_id=body.folder_id,
        integration=body.integration,
        manifest=_body_manifest(body),
        source="request body",
        fmt="json",
        ignore_errors=body.ignore_errors,
        skip_duplicate_urls=body.skip_duplicate_urls,
        upsert_metadata=body.upsert_metadata,
    )
    return job_public(job)


@router.post("/upload", status_code=status.HTTP_201_CREATED)
def start_job_from_file(
    *,
    file: ManifestFile,
    folder_id: FolderField,
    integration: IntegrationField,
    user: CurrentUser,
    registry: RegistryDep,
    ignore_errors: Flag = False,
    skip_duplicate_urls: Flag = False,
    upsert_metadata: Flag = False,
) -> JobPublic:
    """Start registering the files of an uploaded JSON or CSV manifest into a folder."""
    job = registry.registration.register(
        actor=user,
        folder_id=folder_id,
        integration=integration,
        manifest=file.file,
        source=file.filename or "upload",
        ignore_errors=ignore_errors,
        skip_duplicate_urls=skip_duplicate_urls,
        upsert_metadata=upsert_metadata,
    )
    return job_public(job)


@router.post("/dry-run")
def dry_run(*, body: RegistrationCreate, user: CurrentUser, registry: RegistryDep) -> RegistrationPlanPublic:
    """Validate a JSON manifest against a folder and integration and say what registering it would do."""
    plan = registry.registration.plan(
        actor=user,
        folder_id=body.folder_id,
        integration=body.integration,
        manifest=_body_manifest(body),
        source="request body",
        fmt="json",
        skip_duplicate_urls=body.skip_duplicate_urls,
        upsert_metadata=body.upsert_metadata,
    )
    return _plan(plan)


@router.post("/dry-run/upload")
def dry_run_file(
    *,
    file: ManifestFile,
    folder_id: FolderField,
    integration: IntegrationField,
    user: CurrentUser,
    registry: RegistryDep,
) -> RegistrationPlanPublic:
    """Validate an uploaded JSON or CSV manifest and say what registering it would do; nothing is written."""
    plan = registry.registration.plan(
        actor=user,
        folder_id=folder_id,
        integration=integration,
        manifest=file.file,
        source=file.filename or "upload",
    )
    return _plan(plan)


@router.get("")
def list_jobs(
    *,
    user: CurrentUser,
    registry: RegistryDep,
    status_: Annotated[list[JobStatus], Query(alias="status", description="Only these statuses.")] = [],  # noqa: B006
    kind: Annotated[list[str], Query(max_length=50, description="Only these kinds.")] = [],  # noqa: B006
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> JobsPublic:
    """Jobs you may see, newest first (yours and those of folders you see; every job for organization admins)."""
    jobs = registry.jobs.jobs(
        actor=user, statuses=tuple(s.value for s in status_), kinds=tuple(kind), before_id=before_id, limit=limit
    )
    return JobsPublic(jobs=[job_public(j) for j in jobs])


@router.get("/{job_id}")
def get_job(*, job_id: IdPath, user: CurrentUser, registry: RegistryDep) -> JobPublic:
    """A job's status and unit counts."""
    return job_public(registry.jobs.get(actor=user, job_id=job_id))


@router.get("/{job_id}/errors")
def job_errors(
    *,
    job_id: IdPath,
    user: CurrentUser,
    registry: RegistryDep,
    after_unit: Annotated[int | None, Query(ge=0, le=MAX_ID, description="next_after_unit of the last page.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> UnitErrorsPublic:
    """Why units failed, in unit order (where each is in the job's input, its URLs, the error)."""
    found = registry.jobs.errors(
        actor=user, job_id=job_id, after_unit=-1 if after_unit is None else after_unit, limit=limit
    )
    public = [UnitErrorPublic.model_validate(e.to_dict()) for e in found]
    return UnitErrorsPublic(errors=public, next_after_unit=found[-1].unit if len(found) == limit else None)


@router.get("/{job_id}/errors.csv", response_class=StreamingResponse, responses=_CSV_DOC)
def job_errors_csv(*, job_id: IdPath, user: CurrentUser, registry: RegistryDep) -> StreamingResponse:
    """Every error of a job as CSV (UTF-8, a header row; `object_urls` separated by spaces): first the manifest
    problems a registration that ignores errors left out (no unit, code `manifest_problem`, where in the manifest),
    then the unit errors in unit order. A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR
    first) is written after a `'`."""
    job = registry.jobs.get(actor=user, job_id=job_id)  # refused here, not mid-stream
    first = registry.jobs.errors(actor=user, job_id=job_id, limit=ERRORS_CSV_PAGE)
    disposition = f'attachment; filename="job-{job_id}-errors.csv"'
    return StreamingResponse(
        _csv_lines(job.manifest_problems, _error_pages(registry, user, job_id, first)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


def _error_pages(registry: Registry, user: User, job_id: int, page: list[UnitError]) -> Iterator[UnitError]:
    """The errors page by page (one short read each), from the first page already read."""
    while True:
        yield from page
        if len(page) < ERRORS_CSV_PAGE:
            return
        page = registry.jobs.errors(actor=user, job_id=job_id, after_unit=page[-1].unit, limit=ERRORS_CSV_PAGE)


def _csv_lines(problems: list[Problem], errors: Iterator[UnitError]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ERRORS_CSV_COLUMNS)
    for problem in problems:
        message = f"{problem.field}: {problem.message}" if problem.field else problem.message
        cells = ("", problem.location, "", "", "", "manifest_problem", message, "Reading the manifest")
        writer.writerow([marked_cell(cell) for cell in cells])
    for error in errors:
        row = (error.unit, error.location, error.kind.value, error.title, " ".join(error.object_urls), error.code,
               error.error, error.action_description)  # fmt: skip
        writer.writerow([marked_cell(str(cell)) for cell in row])
        if buffer.tell() >= 64 * 1024:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


@router.post("/{job_id}/cancel")
def cancel_job(*, job_id: IdPath, user: CurrentUser, registry: RegistryDep) -> JobPublic:
    """Cancel a job: units not yet committed are cancelled; those already registered stay."""
    return job_public(registry.jobs.cancel(actor=user, job_id=job_id))
