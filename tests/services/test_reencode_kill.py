"""kill -9 of a `cairn worker` (or of `cairn serve`, whose embedded consumer runs jobs) while it uploads a
re-encode's result into the original's bucket (s3rver, Azurite, and a local integration), then a restart: the job
finishes with one result item, the bucket holds the original and one ``_normalized.mp4`` (no orphan, no renamed
copy), no record is left and no scratch directory."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from cairn.domain.jobs import Job
from cairn.domain.kinds import ItemKind
from cairn.domain.records import User
from cairn.services.items import NewItem
from cairn.services.reencode import ReencodeParams
from cairn.services.registry import Registry
from cairn.settings import Settings
from tests.fixtures.storage_servers import StorageServer
from tests.registration.conftest import add_server_integration
from tests.registration.test_durability import cairn_worker


@pytest.fixture(scope="module")
def big_video(tmp_path_factory: pytest.TempPathFactory, ffmpeg_exe: str) -> Path:
    """~100 MB of lossless noise with audio: an audio-only fix copies it, so its upload takes a while."""
    path = tmp_path_factory.mktemp("big") / "noisy.mp4"
    subprocess.run(
        [ffmpeg_exe, "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=2",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-vf", "noise=alls=60:allf=t", "-c:v", "libx264",
         "-preset", "ultrafast", "-qp", "0", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    return path


def count(registry: Registry, table: str) -> int:
    with registry.db.read() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def kill_while_uploading(
    registry: Registry, admin: User, job: Job, settings: Settings, log: Path, *, serve: bool
) -> None:
    """Start a worker, SIGKILL it as soon as it has recorded the object it is about to upload."""
    database = sqlite3.connect(settings.resolved_database_url.removeprefix("sqlite:///"))
    deadline = time.monotonic() + 300
    with cairn_worker(settings, log, serve=serve) as worker, contextlib.closing(database):
        while not database.execute("SELECT count(*) FROM result_objects").fetchone()[0]:  # polled fast: no sleep
            assert not database.execute("SELECT finished_at FROM jobs").fetchone()[0], (
                registry.jobs.get(actor=admin, job_id=job.id),
                registry.jobs.errors(actor=admin, job_id=job.id),
            )
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    assert not registry.jobs.get(actor=admin, job_id=job.id).status.is_final


def wait_final(registry: Registry, admin: User, job: Job, log: Path) -> Job:
    deadline = time.monotonic() + 300
    while not (current := registry.jobs.get(actor=admin, job_id=job.id)).status.is_final:
        assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
        time.sleep(0.2)
    return current


@pytest.mark.parametrize(
    ("place", "process"), [("s3rver", "worker"), ("azurite", "worker"), ("local", "worker"), ("local", "serve")]
)
def test_kill_9_during_the_upload_then_restart_leaves_one_result_and_no_orphan(  # noqa: PLR0917
    place: str,
    process: str,
    tmp_path: Path,
    big_video: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CAIRN_ALLOW_PRIVATE_ENDPOINTS", "true")  # the workers', for s3rver on loopback
    settings = Settings(data_dir=tmp_path / "data", allow_private_endpoints=True)
    registry = Registry(settings)
    registry.migrate()
    admin = registry.users.ensure_local_admin()[0]
    folder = registry.folders.create(actor=admin, name="videos")
    if place != "local":
        server: StorageServer = request.getfixturevalue(f"{place}_server").fresh()
        with big_video.open("rb") as data:
            url = server.put("clips/noisy.mp4", data)
        integration = add_server_integration(registry, admin, server, "b")
        store = server.store()

        def listing() -> list[str]:
            return sorted(info.key for info in store.list(""))
    else:
        root = tmp_path / "disk"
        (root / "clips").mkdir(parents=True)
        (root / "clips" / "noisy.mp4").write_bytes(big_video.read_bytes())
        integration = registry.integrations.add(actor=admin, name="b", provider="local", root=str(root))
        url = f"file://{root}/clips/noisy.mp4"

        def listing() -> list[str]:
            return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())

    (original,) = registry.items.add(
        actor=admin,
        folder_id=folder.id,
        items=[NewItem(kind=ItemKind.VIDEO, title="noisy.mp4", object_url=url, integration_id=integration.id)],
    )
    job = registry.reencode.start(actor=admin, params=ReencodeParams(), item_ids=[original.id])
    assert job.params["results_in"] == "bucket"
    log = tmp_path / "worker.log"

    kill_while_uploading(registry, admin, job, settings, log, serve=process == "serve")
    assert count(registry, "items") == 1  # no half-written item
    with cairn_worker(settings, log, serve=process == "serve"):
        finished = wait_final(registry, admin, job, log)

    assert (finished.status.value, finished.items_created, finished.units_error) == ("done", 1, 0), finished.error
    assert listing() == ["clips/noisy.mp4", "clips/noisy_normalized.mp4"]
    assert count(registry, "result_objects") == 0 and count(registry, "items") == 2
    assert not list((settings.data_dir / "tmp").glob("job-*"))  # the killed worker's scratch directory too
    registry.close()
