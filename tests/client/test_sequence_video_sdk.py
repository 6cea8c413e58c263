"""The SDK against a live server with its job consumer: an image-sequence upload of mixed sizes becomes one sequence
per size, whose videos a queued job builds; on demand again; the sequence's frames are then stepped over HTTP."""

from __future__ import annotations

import time
from pathlib import Path

from cairn.client import Client
from cairn.media.processing import sequence_frame
from tests.client.conftest import LiveServer
from tests.fixtures.sequence_pictures import difference, picture


def _built(client: Client, item_id: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while client.items.get(item_id).pending_action is not None:
        assert time.monotonic() < deadline, "the queued sequence_video job did not build the video"
        time.sleep(0.2)


def test_upload_groups_by_size_and_frames_are_the_images(live_server: LiveServer, tmp_path: Path) -> None:
    sizes = [(160, 120), (192, 128), (160, 120)]
    images = [picture(tmp_path / f"img{i}.png", size, i + 1) for i, size in enumerate(sizes)]
    with Client(live_server.url, live_server.token) as client:
        folder = client.folders.create("Frames")
        made = client.folders.upload(folder.id, images, batch="image_sequence", title="Walk")
        assert [(s.kind, s.title) for s in made] == [
            ("image_sequence", "Walk (160x120)"),
            ("image_sequence", "Walk (192x128)"),
        ]
        for sequence in made:
            _built(client, sequence.id)
        frames = list(client.items.frames(made[0].id))
        assert [f.index for f in frames] == [0, 1]
        for frame, image in zip(frames, [images[0], images[2]], strict=True):
            assert difference(frame.to_image(), sequence_frame(image, (160, 120))) < 4

        job = client.sequence_video(
            [made[1].id], fps="10", destination="managed", wait=True, timeout=120, progress=None
        )
        assert (job.kind, job.status, job.units_done) == ("sequence_video", "done", 1)
        assert job.params["destination"] == "managed" and job.params["results_in"] == "managed"
        assert client.items.get(made[1].id).media.fps == 10
