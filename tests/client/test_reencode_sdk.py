"""The SDK's re-encode calls against a live server with its job consumer: plan, job (waited for), remap, links."""

from __future__ import annotations

import pytest

from cairn.client import Client
from cairn.errors import InvalidInput
from tests.client.conftest import LiveServer
from tests.fixtures.media_corpus import MediaCorpus


def test_plan_reencode_and_remap(live_server: LiveServer, media_corpus: MediaCorpus) -> None:
    with Client(live_server.url, live_server.token) as client:
        folder = client.folders.create("Clips")
        [item] = client.folders.upload(folder.id, [media_corpus["with_audio.mp4"]])
        plan = client.items.reencode_plan(item.id)
        assert plan.needed and not plan.encode and [s["step"] for s in plan.steps] == ["drop_audio"]
        job = client.reencode([item.id], wait=True, timeout=120, progress=None)
        assert (job.kind, job.status, job.items_created) == ("reencode", "done", 1)
        original, (made,) = client.items.reencodes(item.id)
        assert original is None and client.items.reencodes(made) == (item.id, [])
        assert client.items.get(made).title == "with_audio_normalized.mp4"
        stored = live_server.registry.reencode.remap(actor=live_server.admin, item_id=made).new_of
        assert client.items.remap(made) == stored
        assert client.items.remap(made, [2, 0]) == [stored[2], stored[0]]
        resized = client.reencode([item.id], mode="resize", height=120, fps="15", wait=True, progress=None)
        assert resized.status == "done" and resized.items_created == 1
        assert resized.params["results_in"] == "managed"
        chosen = client.reencode([item.id], mode="full", destination="managed", wait=True, progress=None)
        assert chosen.params["destination"] == "managed" and chosen.items_created == 1


def test_export_frames_as_an_image_sequence(live_server: LiveServer, media_corpus: MediaCorpus) -> None:
    with Client(live_server.url, live_server.token) as client:
        folder = client.folders.create("Frames")
        [item] = client.folders.upload(folder.id, [media_corpus["cfr_h264.mp4"]])
        job = client.export_frames(
            item.id, stop=30, every=10, group_as="sequence", wait=True, timeout=120, progress=None
        )
        assert (job.kind, job.status, job.items_created) == ("frame_export", "done", 3)
        (sequence,) = [i for i in client.folders.items(folder.id) if i.kind == "image_sequence"]
        assert [m.title for m in client.items.children(sequence.id)] == [f"frame_{n:06d}.png" for n in (0, 10, 20)]
        with pytest.raises(InvalidInput, match="uploaded into cairn and has no bucket"):
            client.export_frames(item.id, destination="bucket", progress=None)
