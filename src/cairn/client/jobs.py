"""``client.jobs``: jobs of any kind (list, status, per-unit errors, cancel, wait) and starting a registration job
from a manifest (or its dry run)."""

from __future__ import annotations

import builtins
import contextlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from cairn.client._http import Http
from cairn.client.models import Job, RegistrationPlan, UnitError, parse

Manifest = Path | str | dict[str, Any] | bytes
JSON_BODY_MANIFEST_BYTES = 1_000_000
"""A manifest object up to this size goes in a JSON body; a larger one is sent as a file (the server bounds JSON
bodies by CAIRN_MAX_REQUEST_BYTES and manifest files by CAIRN_MAX_MANIFEST_BYTES)."""
Progress = Callable[[Job], None]


def _job(data: dict[str, Any]) -> Job:
    return parse(Job, data)


def print_progress(job: Job) -> None:
    """The default progress report: one line per poll (while ``validating``: the manifest's bytes checked)."""
    if job.status == "validating":
        scanned, size = job.summary.get("bytes_scanned", 0), job.summary.get("manifest_bytes", 0)
        print(f"job {job.id} ({job.kind}): validating {scanned:,}/{size:,} bytes of the manifest", flush=True)
        return
    finished = job.units_done + job.units_error + job.units_cancelled
    print(
        f"job {job.id} ({job.kind}): {job.status} {finished}/{job.units_total} units ({job.units_error} errors)",
        flush=True,
    )


class Jobs:
    def __init__(self, http: Http) -> None:
        self._http = http

    def _send(
        self, path: str, *, folder: int, integration: int | str, manifest: Manifest, options: dict[str, Any]
    ) -> Any:
        fields = {"folder_id": folder, "integration": str(integration), **options}
        if isinstance(manifest, dict):
            encoded = manifest_json(manifest)
            if len(encoded) <= JSON_BODY_MANIFEST_BYTES:
                return self._http.json("POST", path, json={**fields, "manifest": manifest})
            manifest = encoded  # large: sent as a file, bounded by the manifest limit, not the request limit
        form = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in fields.items()}
        with _manifest_file(manifest) as (name, content):
            return self._http.json("POST", f"{path}/upload", data=form, files={"file": (name, content)})

    def start(
        self,
        *,
        folder: int,
        integration: int | str,
        manifest: Manifest,
        ignore_errors: bool = False,
        skip_duplicate_urls: bool = False,
        upsert_metadata: bool = False,
    ) -> Job:
        """Start a registration job from a manifest: a JSON object, or a JSON/CSV file (path or bytes)."""
        options = {
            "ignore_errors": ignore_errors,
            "skip_duplicate_urls": skip_duplicate_urls,
            "upsert_metadata": upsert_metadata,
        }
        data = self._send("/jobs", folder=folder, integration=integration, manifest=manifest, options=options)
        return _job(data)

    def dry_run(self, *, folder: int, integration: int | str, manifest: Manifest) -> RegistrationPlan:
        """Validate a manifest and say what registering it would do; nothing is written."""
        data = self._send("/jobs/dry-run", folder=folder, integration=integration, manifest=manifest, options={})
        return parse(RegistrationPlan, data)

    def get(self, job_id: int) -> Job:
        return _job(self._http.json("GET", f"/jobs/{job_id}"))

    def list(self, *, status: str | None = None, kind: str | None = None, limit: int = 50) -> builtins.list[Job]:
        """Jobs you may see, newest first."""
        data = self._http.json("GET", "/jobs", params={"status": status, "kind": kind, "limit": limit})
        return [_job(j) for j in data["jobs"]]

    def errors(self, job_id: int, *, page_size: int = 100) -> Iterator[UnitError]:
        """Every per-unit error of a job, in unit order."""
        after: int | None = None
        while True:
            page = self._http.json("GET", f"/jobs/{job_id}/errors", params={"after_unit": after, "limit": page_size})
            yield from (parse(UnitError, e) for e in page["errors"])
            after = page.get("next_after_unit")
            if after is None:
                return

    def cancel(self, job_id: int) -> Job:
        return _job(self._http.json("POST", f"/jobs/{job_id}/cancel"))

    def wait(
        self,
        job_id: int,
        *,
        timeout: float | None = None,
        poll: float = 1.0,
        progress: Progress | None = print_progress,
    ) -> Job:
        """Poll until the job is done, failed or cancelled (or ``timeout`` seconds pass); report progress."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if progress is not None:
                progress(job)
            if job.is_final or (deadline is not None and time.monotonic() >= deadline):
                return job
            time.sleep(poll)


@contextlib.contextmanager
def _manifest_file(manifest: Path | str | bytes) -> Iterator[tuple[str, bytes | BinaryIO]]:
    """The file part of a manifest: bytes as they are, a path as an open file that httpx streams in chunks."""
    if isinstance(manifest, bytes):
        kind = "json" if manifest.lstrip()[:1] in (b"{", b"[") else "csv"
        yield f"manifest.{kind}", manifest
        return
    path = Path(manifest)
    with path.open("rb") as handle:
        yield path.name, handle


def manifest_json(data: dict[str, Any]) -> bytes:
    """A manifest object as the bytes of a JSON manifest file."""
    return json.dumps(data).encode()
