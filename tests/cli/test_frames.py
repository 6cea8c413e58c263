"""``cairn frames ITEM --out DIR``: a video's frames as images named by their frame-map index (edit-list ghosts
hidden, B-frames in display order), ranges, every N-th, key frames, JPEG; never overwriting; non-video refused."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from cairn.domain.integrations import Provider, StoreConfig
from cairn.domain.kinds import ItemKind
from cairn.domain.listing import ItemQuery
from cairn.domain.records import Item, User
from cairn.domain.urls import object_url_for
from cairn.services.items import NewItem
from cairn.services.registry import Registry
from cairn.services.uploads import UploadedFile
from tests.api.helpers import png_bytes
from tests.cli.conftest import Cli
from tests.fixtures.indexed_video import decoded_indices, index_of, write_ghost_video
from tests.fixtures.media_corpus import MediaCorpus


@pytest.fixture(scope="module")
def ghost_video(tmp_path_factory: pytest.TempPathFactory, ffmpeg_exe: str) -> Path:
    """An indexed video (frame i shows i) whose edit list hides its first 33 frames (see ``write_ghost_video``)."""
    return write_ghost_video(tmp_path_factory.mktemp("cli-frames"), ffmpeg_exe)


def _upload(registry: Registry, admin: User, name: str, data: bytes, content_type: str) -> int:
    folder = registry.folders.create(actor=admin, name="Clips")
    files = [UploadedFile(name, io.BytesIO(data), content_type)]
    [item] = registry.uploads.upload(actor=admin, folder_id=folder.id, files=files)
    return item.id


def _shown(out: Path) -> dict[str, int]:
    return {path.name: index_of(Image.open(path)) for path in sorted(out.iterdir())}


def test_every_frame_in_frame_map_order(
    cli: Cli, registry: Registry, admin: User, ghost_video: Path, tmp_path: Path
) -> None:
    item_id = _upload(registry, admin, "ghost.mp4", ghost_video.read_bytes(), "video/mp4")
    expected = decoded_indices(ghost_video)  # what FFmpeg presents: the ghost frames are not among them
    out = tmp_path / "all"
    result = cli.ok("frames", str(item_id), "--out", str(out))
    assert f"Wrote {len(expected)} frame(s) of item {item_id}" in result.stdout
    assert _shown(out) == {f"frame_{n:06d}.png": shown for n, shown in enumerate(expected)}
    assert expected[0] == 33 and len(expected) == 100 - 33  # the cut hid frames 0..32


def test_ranges_every_nth_key_frames_and_jpeg(
    cli: Cli, registry: Registry, admin: User, ghost_video: Path, tmp_path: Path
) -> None:
    item_id = _upload(registry, admin, "ghost.mp4", ghost_video.read_bytes(), "video/mp4")
    expected = decoded_indices(ghost_video)
    cli.ok("frames", str(item_id), "--out", str(tmp_path / "some"), "--start", "5", "--stop", "40", "--every", "10")
    assert _shown(tmp_path / "some") == {f"frame_{n:06d}.png": expected[n] for n in (5, 15, 25, 35)}
    cli.ok("frames", str(item_id), "--out", str(tmp_path / "keys"), "--key-frames", "--format", "jpeg")
    keys = registry.inspection.frame_index(actor=admin, item_id=item_id).key_frames
    assert keys and sorted(_shown(tmp_path / "keys")) == [f"frame_{k:06d}.jpg" for k in keys]
    assert [expected[k] for k in keys] == list(_shown(tmp_path / "keys").values())  # JPEG keeps the cells readable


def test_existing_files_are_never_overwritten(
    cli: Cli, registry: Registry, admin: User, ghost_video: Path, tmp_path: Path
) -> None:
    item_id = _upload(registry, admin, "ghost.mp4", ghost_video.read_bytes(), "video/mp4")
    out = tmp_path / "out"
    out.mkdir()
    (out / "frame_000003.png").write_bytes(b"mine")
    result = cli.fails("frames", str(item_id), "--out", str(out), "--stop", "5", code="already_exists")
    assert "frame_000003.png exists" in result.stderr
    assert [p.name for p in out.iterdir()] == ["frame_000003.png"] and (
        out / "frame_000003.png"
    ).read_bytes() == b"mine"


def test_a_non_video_item_is_refused(cli: Cli, registry: Registry, admin: User, tmp_path: Path) -> None:
    item_id = _upload(registry, admin, "still.png", png_bytes(8, 6), "image/png")
    result = cli.fails("frames", str(item_id), "--out", str(tmp_path / "x"), code="invalid_input")
    assert f"item {item_id} is a image: only videos and image sequences have frames" in result.stderr
    assert not (tmp_path / "x").exists()
    cli.fails("frames", "999999", "--out", str(tmp_path / "x"), code="not_found")


def test_an_item_registered_by_reference_is_read_from_its_integration(
    cli: Cli, registry: Registry, admin: User, ghost_video: Path, tmp_path: Path
) -> None:
    root = tmp_path / "bucket"
    root.mkdir()
    (root / "ghost.mp4").write_bytes(ghost_video.read_bytes())
    integration = registry.integrations.add(actor=admin, name="disk", provider="local", root=str(root))
    config = StoreConfig(provider=Provider.LOCAL, bucket=None, region=None, endpoint=None, root=str(root))
    folder = registry.folders.create(actor=admin, name="Disk")
    new = NewItem(
        kind=ItemKind.VIDEO,
        title="ghost",
        object_url=object_url_for(config, "ghost.mp4"),
        integration_id=integration.id,
    )
    [item] = registry.items.add(actor=admin, folder_id=folder.id, items=[new])
    registry.inspection.inspect_item(actor=admin, item_id=item.id)
    out = tmp_path / "out"
    cli.ok("frames", str(item.id), "--out", str(out), "--start", "60")
    assert _shown(out) == {f"frame_{n:06d}.png": shown for n, shown in enumerate(decoded_indices(ghost_video))
                           if n >= 60}  # fmt: skip


@pytest.mark.parametrize("name", ["cfr_h264.mp4", "sar_4_3.mp4"])
def test_png_frames_are_the_files_ffmpeg_writes(  # noqa: PLR0917
    cli: Cli, registry: Registry, admin: User, media_corpus: MediaCorpus, ffmpeg_exe: str, tmp_path: Path, name: str
) -> None:
    """FFmpeg's PNG encoder on the same pictures: the very bytes of ``ffmpeg -i clip.mp4 out/%d.png`` (frame i of
    the map is FFmpeg's i + 1), the pixel shape (4:3) in the pHYs chunk included."""
    source = media_corpus[name]
    item_id = _upload(registry, admin, name, source.read_bytes(), "video/mp4")
    cli.ok("frames", str(item_id), "--out", str(tmp_path / "cairn"))
    (tmp_path / "ffmpeg").mkdir()
    argv = [ffmpeg_exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(source)]
    subprocess.run([*argv, str(tmp_path / "ffmpeg" / "%d.png")], check=True, timeout=120)
    ours = sorted((tmp_path / "cairn").iterdir())
    assert len(ours) == len(list((tmp_path / "ffmpeg").iterdir())) == 60
    for number, path in enumerate(ours):
        assert path.read_bytes() == (tmp_path / "ffmpeg" / f"{number + 1}.png").read_bytes(), path.name


def test_export_on_the_server_as_an_image_group(cli: Cli, registry: Registry, admin: User, ghost_video: Path) -> None:
    item_id = _upload(registry, admin, "ghost.mp4", ghost_video.read_bytes(), "video/mp4")
    expected = decoded_indices(ghost_video)
    job = cli.json("frames", str(item_id), "--export", "--as", "group", "--every", "20", "--wait")
    assert job["kind"] == "frame_export" and job["status"] == "done" and job["items_created"] == 4
    (group,) = registry.items.used_by(actor=admin, item_id=_members_of_job(registry, admin, job["id"])[0].id)
    members = registry.items.members(actor=admin, item_id=group.id)
    assert [m.title for m in members] == [f"frame_{n:06d}.png" for n in (0, 20, 40, 60)]
    shown = [index_of(Image.open(registry.settings.managed_storage_dir / str(m.managed_key))) for m in members]
    assert shown == [expected[n] for n in (0, 20, 40, 60)]


def test_out_and_export_are_one_or_the_other(cli: Cli, tmp_path: Path) -> None:
    result = cli.fails("frames", "1", "--out", str(tmp_path / "x"), "--export", code="invalid_input")
    assert "give one of --out DIR" in result.stderr
    result = cli.fails("frames", "1", "--out", str(tmp_path / "x"), "--as", "group", code="invalid_input")
    assert "--as, --client-key-frames, --destination and --wait go with --export" in result.stderr
    result = cli.fails("frames", "1", "--out", str(tmp_path / "x"), "--destination", "bucket", code="invalid_input")
    assert not (tmp_path / "x").exists()


def _members_of_job(registry: Registry, admin: User, job_id: int) -> list[Item]:
    job = registry.jobs.get(actor=admin, job_id=job_id)
    (sub,) = registry.folders.children(actor=admin, parent_id=job.folder_id)
    return registry.items.browse(actor=admin, query=ItemQuery(folder_id=sub.id, recursive=False)).items


def test_export_into_the_bucket_of_a_local_integration(
    cli: Cli, registry: Registry, admin: User, ghost_video: Path, tmp_path: Path
) -> None:
    root = tmp_path / "bucket"
    (root / "cams").mkdir(parents=True)
    (root / "cams" / "ghost.mp4").write_bytes(ghost_video.read_bytes())
    integration = registry.integrations.add(actor=admin, name="disk", provider="local", root=str(root))
    config = StoreConfig(provider=Provider.LOCAL, bucket=None, region=None, endpoint=None, root=str(root))
    folder = registry.folders.create(actor=admin, name="Disk")
    new = NewItem(kind=ItemKind.VIDEO, title="ghost.mp4", object_url=object_url_for(config, "cams/ghost.mp4"),
                  integration_id=integration.id)  # fmt: skip
    [item] = registry.items.add(actor=admin, folder_id=folder.id, items=[new])
    registry.inspection.inspect_item(actor=admin, item_id=item.id)

    job = cli.json("frames", str(item.id), "--export", "--destination", "bucket", "--stop", "3", "--wait")

    assert job["status"] == "done" and job["items_created"] == 3 and job["params"]["prefix"] == "cams/ghost_frames/"
    made = sorted(p.relative_to(root).as_posix() for p in (root / "cams" / "ghost_frames").iterdir())
    assert made == [f"cams/ghost_frames/frame_{n:06d}.png" for n in range(3)]
    uploaded = _upload(registry, admin, "up.mp4", ghost_video.read_bytes(), "video/mp4")
    refused = cli.fails("frames", str(uploaded), "--export", "--destination", "bucket", code="invalid_input")
    assert "uploaded into cairn and has no bucket" in refused.stderr
