"""Small builders shared by the service tests."""

from __future__ import annotations

import threading
import time

from cairn.domain.jobs import Job
from cairn.domain.kinds import ItemKind
from cairn.domain.records import Item, MediaFields, User
from cairn.services.items import NewItem
from cairn.services.registry import Registry


def image(name: str, *, size: int = 100) -> NewItem:
    return NewItem(
        kind=ItemKind.IMAGE,
        title=name,
        object_url=f"s3://bucket/{name}",
        media=MediaFields(file_size=size, mime_type="image/jpeg", width=4, height=3),
    )


def add_images(registry: Registry, actor: User, folder_id: int, *names: str) -> list[Item]:
    return registry.items.add(actor=actor, folder_id=folder_id, items=[image(n) for n in names])


def cancel_while_ffmpeg_writes(registry: Registry, actor: User, job: Job, writing: str) -> None:
    """Run the job's first task in a thread, cancel the job once FFmpeg has started writing (a file matching the
    glob ``writing`` under ``<data_dir>/tmp``), and wait for the task to end."""
    worker = threading.Thread(target=registry.jobs.run_task, kwargs={"job_id": job.id, "seq": 0})
    started = time.monotonic()
    worker.start()
    scratch = registry.settings.data_dir / "tmp"
    while not list(scratch.glob(writing)) and time.monotonic() - started < 60:
        time.sleep(0.05)
    assert list(scratch.glob(writing)), "FFmpeg never started writing"
    registry.jobs.cancel(actor=actor, job_id=job.id)
    worker.join(timeout=60)
    assert not worker.is_alive()


def scratch_files(registry: Registry) -> list[str]:
    """The files left under ``<data_dir>/tmp`` (a re-encode keeps its process's scratch directory, empty, until the
    registry closes)."""
    tmp = registry.settings.data_dir / "tmp"
    return sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if not p.is_dir())
