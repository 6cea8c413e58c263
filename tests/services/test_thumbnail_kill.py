"""kill -9 of a `cairn worker` midway through a batch of thumbnails, then a restart: no thumbnail file is ever
half-written (each is whole, of its version, or absent), nothing the killed task made is recorded, the sweep removes
the partial files the dead process left, and the restarted worker makes and records them all."""

from __future__ import annotations

import io
import os
import signal
import time
from pathlib import Path

from PIL import Image

from cairn.domain.kinds import ItemKind
from cairn.services.managed_files import THUMBNAILS
from cairn.services.registry import Registry
from cairn.services.thumbnails import BATCH_SIZE
from cairn.settings import Settings
from tests.fixtures.thumbnail_media import Bucket
from tests.registration.test_durability import cairn_worker, wait_for

ITEMS = BATCH_SIZE  # one task: the kill lands between its first file and its commit


def slow_png() -> bytes:
    """Small to store, slow to scale: 2400x1800 pixels to inflate and resize."""
    picture = Image.linear_gradient("L").resize((2400, 1800)).convert("RGB")
    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def test_kill_9_midway_through_a_batch_leaves_no_half_written_thumbnail(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", allow_private_endpoints=True)
    registry = Registry(settings)
    registry.migrate()
    admin = registry.users.ensure_local_admin()[0]
    root = tmp_path / "bucket"
    root.mkdir()
    picture = slow_png()
    for n in range(ITEMS):
        (root / f"p{n}.png").write_bytes(picture)
    bucket = Bucket(registry, admin, root)
    items = [bucket.add(f"p{n}.png", ItemKind.IMAGE) for n in range(ITEMS)]
    thumbnails = registry.thumbnails
    sources = [thumbnails.source(actor=admin, item_id=item.id) for item in items]
    for source in sources:
        thumbnails.want(source)
    job_id = thumbnails.send()
    assert job_id is not None
    directory = settings.managed_storage_dir / THUMBNAILS
    log = tmp_path / "worker.log"

    with cairn_worker(settings, log) as worker:
        deadline = time.monotonic() + 120
        while not list(directory.glob("*.webp")):  # polled fast: the kill lands while the batch goes on
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()

    whole = sorted(directory.glob("*.webp"))
    assert 0 < len(whole) < ITEMS, "the kill did not land midway through the batch"
    by_id = {source.item_id: source for source in sources}
    for path in whole:  # every cache file is whole: its version line, then a picture that decodes
        source = by_id[int(path.stem)]
        cached = thumbnails.cached(source)
        assert cached is not None and Image.open(io.BytesIO(cached.data)).size == (256, 192)
    assert all(thumbnails.check(source).cost is None for source in sources)  # the task never committed

    registry.managed_files.sweep()
    assert [p.name for p in directory.iterdir() if p.name.endswith(".partial")] == []

    with cairn_worker(settings, log):  # recovery gives the dead worker's task to the new one
        job = wait_for(registry, admin, job_id, done=ITEMS, timeout=180, log=log)
    assert job.units_done == ITEMS and job.units_error == 0
    for source in sources:
        cost = thumbnails.check(source).cost
        assert cost is not None and cost.bytes_read == len(picture)  # made again and recorded
    registry.close()


def test_a_partial_file_is_never_served_and_is_swept_once_its_writer_is_gone(
    registry: Registry, settings: Settings, tmp_path: Path
) -> None:
    admin = registry.users.ensure_local_admin()[0]
    root = tmp_path / "bucket"
    root.mkdir()
    (root / "p.png").write_bytes(slow_png())
    item = Bucket(registry, admin, root).add("p.png", ItemKind.IMAGE)
    source = registry.thumbnails.source(actor=admin, item_id=item.id)
    directory = settings.managed_storage_dir / THUMBNAILS
    directory.mkdir(parents=True)
    dead = _dead_pid()
    partial = directory / f".{item.id}.webp.{dead}-0123abcd.partial"
    partial.write_bytes(f"{source.version}\n".encode() + b"RIFF half")  # what a kill leaves behind
    mine = directory / f".{item.id}.webp.{os.getpid()}-0123abcd.partial"  # a write in flight here
    mine.write_bytes(b"RIFF")
    assert registry.thumbnails.cached(source) is None
    registry.managed_files.sweep()
    assert not partial.exists() and mine.exists()


def _dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid
