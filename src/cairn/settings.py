"""Typed settings, read from ``CAIRN_*`` environment variables, built once and passed down.

There is no module-level settings object: ``Settings()`` is built by the entry point (CLI, server, worker, test)
and handed to ``Registry(settings)`` / ``create_app(settings)``. Every field has a description; ``docs/settings.md``
documents each one and a test checks that it does.

``Settings(**values)`` takes each field from ``values``, else from the environment variable ``CAIRN_<FIELD>``
(any case), else its default. A variable's text is validated as the field's type (``"8420"`` for an int,
``"true"`` for a bool); a list is written as JSON. The environment is read here rather than by pydantic-settings,
whose import was a fifth of a CLI command's start-up.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, get_origin

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from cairn.errors import ConfigurationError

ENV_PREFIX = "CAIRN_"


class Settings(BaseModel):
    """Every knob cairn has. Defaults give the embedded setup: SQLite and local storage in ``./.cairn``."""

    model_config = ConfigDict(extra="ignore", frozen=True, validate_default=True)

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**environment_values(), **values})

    data_dir: Path = Field(
        default=Path(".cairn"),
        description="Directory for cairn's own state: the SQLite database, the job queue, managed (uploaded) "
        "files and the generated secret key. Private to the account running cairn: made 0700 with files 0600; an "
        "existing one that others may read is made private, with a warning.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the database. Default: a SQLite file `cairn.db` in the data directory. "
        "For PostgreSQL use `postgresql+psycopg://user@host:5432/dbname`.",
    )
    queue_url: str | None = Field(
        default=None,
        description="Where background jobs are queued. Default: a SQLite queue in the data directory, consumed "
        "inside `cairn serve`. `redis://host:6379/0` or `postgresql://...` to share jobs with `cairn worker` "
        "processes on any number of machines.",
    )
    host: str = Field(default="127.0.0.1", description="Address `cairn serve` listens on.")
    port: int = Field(default=8420, ge=1, le=65535, description="Port `cairn serve` listens on.")
    secret_key: SecretStr | None = Field(
        default=None,
        description="Key that encrypts integration secrets at rest and signs sessions and media URLs. "
        "Default: generated once and kept in `<data_dir>/secret.key` (mode 0600).",
    )
    allow_private_endpoints: bool = Field(
        default=False,
        description="Allow integration endpoints (`s3_compatible`, `azure`) that resolve to loopback, private, "
        "link-local, CGNAT or other non-global addresses, and connect without the connection guard (refused by "
        "default against SSRF, cf. GHSA-q684-4jjh-83g6; see docs/storage.md). Tests and single-machine setups "
        "with a local MinIO or Azurite set it to true.",
    )
    local_roots: list[Path] = Field(
        default_factory=list,
        description="Directories a `local` integration may point into (JSON list). Empty: any directory the "
        "organization admin names.",
    )
    max_video_bytes: int = Field(
        default=1_000_000_000, gt=0, description="Videos larger than this get a size warning (seed: 1 GB)."
    )
    max_video_frames: int = Field(
        default=100_000,
        gt=0,
        description="Videos with more frames than this get a warning (seed: 100,000 frames, 1 h at 30 fps).",
    )
    inspection_concurrency: int = Field(
        default=8, ge=1, le=256, description="How many objects one registration job inspects at once."
    )
    thumbnail_concurrency: int = Field(
        default=2,
        ge=1,
        le=64,
        description="How many thumbnails one process's job consumer makes at once (each decodes an image, a video "
        "or a DICOM file).",
    )
    thumbnail_wait_seconds: float = Field(
        default=0.0,
        ge=0,
        le=30,
        description="How long a request for a thumbnail not made yet waits for its job before answering 202 with "
        "Retry-After (0: at once, measured best for a page of new rows). The wait holds a browser connection, not a "
        "server thread.",
    )
    server_timing: bool = Field(
        default=False,
        description="Add `Server-Timing: app;dur=<ms>` to every response: how long cairn took to start answering, "
        "which a browser's developer tools show beside their own timings (the UI benchmark turns it on). Off by "
        "default: exact handler times help timing attacks (e.g. telling known from unknown accounts at sign-in).",
    )
    inspection_timeout_seconds: float = Field(
        default=60.0, gt=0, description="Longest time one object's inspection may take before it fails."
    )
    job_chunk_size: int = Field(
        default=5000,
        ge=1,
        description="Units per chunk of a registration job; chunks are what workers share and commit atomically.",
    )
    workers: int = Field(
        default=2, ge=0, le=64, description="Job consumer threads run inside `cairn serve` (0: none, use workers)."
    )
    session_ttl_hours: int = Field(
        default=24 * 7,
        gt=0,
        description="Lifetime of a web UI login session; a session also ends when the API token it was started "
        "with is revoked or expires.",
    )
    max_request_bytes: int = Field(
        default=32_000_000,
        ge=1_000,
        description="Largest request body the API reads (JSON bodies, and the form fields of an upload), checked "
        "from Content-Length and counted while reading; more is refused with 413 `too_large`. Uploaded files and "
        "manifest files have their own limits.",
    )
    max_client_metadata_bytes: int = Field(
        default=10_000_000,
        ge=2,
        description="Largest client metadata of one folder or item, as compact UTF-8 JSON (Encord: 10 MB), "
        "wherever it comes from: API, manifest, CLI, SDK.",
    )
    max_upload_bytes: int = Field(
        default=1_000_000_000,
        ge=1,
        description="Largest file uploaded into cairn's managed storage (Encord: 1 GB per file). Uploads are "
        "streamed to disk and counted while they arrive.",
    )
    max_upload_request_bytes: int = Field(
        default=10_000_000_000,
        ge=1,
        description="Largest total of the files of one upload request: its parts are spooled to disk under "
        "`<data_dir>/tmp` until the request ends, so this bounds the disk one request can take.",
    )
    max_manifest_bytes: int = Field(
        default=1_000_000_000,
        ge=1,
        description="Largest registration manifest file (JSON or CSV), uploaded through the API or read by the CLI. "
        "Manifests are read as streams, so this bounds disk and time, not memory.",
    )

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one, or the SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'cairn.db').resolve()}"

    @property
    def managed_storage_dir(self) -> Path:
        """Where files uploaded into cairn (not registered by reference) are kept."""
        return self.data_dir / "managed"


def environment_values(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The settings given as ``CAIRN_*`` environment variables (names in any case), by field name; a list is
    decoded from JSON here (a ConfigurationError names the variable), everything else is validated by the model."""
    variables = {name.upper(): value for name, value in (os.environ if environ is None else environ).items()}
    values: dict[str, Any] = {}
    for field, info in Settings.model_fields.items():
        variable = f"{ENV_PREFIX}{field.upper()}"
        if variable in variables:
            text = variables[variable]
            values[field] = _json_value(variable, text) if get_origin(info.annotation) is list else text
    return values


def _json_value(variable: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigurationError(f"invalid settings: {variable}: not valid JSON ({error})") from error
