"""``cairn sequence-video ITEM... [--fps R] [--destination bucket|managed] [--wait]``: the job on demand, followed
to its end; where the video goes is printed, and a bucket an uploaded sequence does not have is refused."""

from __future__ import annotations

import io
from pathlib import Path

from cairn.domain.kinds import ItemKind
from cairn.domain.records import User
from cairn.services.registry import Registry
from cairn.services.uploads import UploadedFile
from tests.cli.conftest import Cli
from tests.fixtures.sequence_pictures import picture


def test_sequence_video_with_wait(cli: Cli, registry: Registry, admin: User, tmp_path: Path) -> None:
    folder = registry.folders.create(actor=admin, name="Frames")
    images = [picture(tmp_path / f"{i}.png", (64, 48), i) for i in range(3)]
    files = [UploadedFile(p.name, io.BytesIO(p.read_bytes()), "image/png") for p in images]
    [sequence] = registry.uploads.upload(actor=admin, folder_id=folder.id, files=files, batch=ItemKind.IMAGE_SEQUENCE)
    (queued,) = registry.jobs.jobs(actor=admin, kinds=("sequence_video",))
    registry.jobs.run_task(job_id=queued.id, seq=0)  # the upload's own job first (at 30 fps)

    job = cli.json("sequence-video", str(sequence.id), "--fps", "12", "--wait")
    assert (job["kind"], job["status"], job["units_done"]) == ("sequence_video", "done", 1)
    built = registry.items.get(actor=admin, item_id=sequence.id)
    assert (built.pending_action, built.media.frame_count, built.media.fps) == (None, 3, 12)
    assert "into cairn's managed storage" in cli.ok("sequence-video", str(sequence.id)).stdout  # uploaded: managed
    cli.fails("sequence-video", str(sequence.id), "--destination", "bucket", code="invalid_input")  # it has none
    cli.fails("sequence-video", str(sequence.id), "--destination", "elsewhere", code="invalid_input")
    cli.fails("sequence-video", str(sequence.id), "--fps", "0", code="invalid_input")
    cli.fails("sequence-video", "999", code="not_found")
