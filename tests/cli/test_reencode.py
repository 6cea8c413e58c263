"""``cairn reencode ITEM... [--full|--resize H] [--plan] [--wait]`` and ``cairn remap ITEM FRAMES...``."""

from __future__ import annotations

import io

from cairn.domain.records import User
from cairn.services.registry import Registry
from cairn.services.uploads import UploadedFile
from tests.cli.conftest import Cli
from tests.fixtures.media_corpus import MediaCorpus


def _upload(registry: Registry, admin: User, media_corpus: MediaCorpus, name: str) -> int:
    folder = registry.folders.create(actor=admin, name="Clips")
    files = [UploadedFile(name, io.BytesIO(media_corpus[name].read_bytes()), "video/mp4")]
    [item] = registry.uploads.upload(actor=admin, folder_id=folder.id, files=files)
    return item.id


def test_plan_then_reencode_with_wait_then_remap(
    cli: Cli, registry: Registry, admin: User, media_corpus: MediaCorpus
) -> None:
    item_id = _upload(registry, admin, media_corpus, "vfr.mp4")
    plan = cli.ok("reencode", str(item_id), "--plan")
    assert "constant_frame_rate" in plan.stdout and "re-encode" in plan.stdout
    [planned] = cli.json("reencode", str(item_id), "--resize", "120", "--plan")
    assert planned["mode"] == "resize" and planned["steps"][0]["step"] == "scale"

    job = cli.json("reencode", str(item_id), "--wait")
    assert job["kind"] == "reencode" and job["status"] == "done" and job["items_created"] == 1
    _, (made,) = registry.reencode.links(actor=admin, item_id=item_id)
    stored = registry.reencode.remap(actor=admin, item_id=made).new_of

    shown = cli.json("remap", str(made), "0", "5", "2")
    assert shown["new_frames"] == [stored[0], stored[5], stored[2]]
    assert "old" in cli.ok("remap", str(made), "0").stdout
    cli.fails("remap", str(made), str(len(stored)), code="invalid_input")
    cli.fails("remap", str(item_id), "0", code="not_found")
    cli.fails("reencode", str(item_id), "--full", "--resize", "120", code="invalid_input")


def test_the_destination_option_and_where_results_go(
    cli: Cli, registry: Registry, admin: User, media_corpus: MediaCorpus
) -> None:
    item_id = _upload(registry, admin, media_corpus, "with_audio.mp4")
    cli.fails("reencode", str(item_id), "--destination", "bucket", code="invalid_input")
    cli.fails("reencode", str(item_id), "--destination", "nowhere", code="invalid_input")
    assert "into cairn's managed storage" in cli.ok("reencode", str(item_id), "--destination", "managed").stdout
    job = cli.json("reencode", str(item_id))
    assert job["params"]["results_in"] == "managed" and job["params"]["destination"] is None
