"""Thumbnails through the service, on both dialects: what each kind pictures, the cache (versioned, private, read
without touching the bucket), range reads of a video, removal with the item, and the bound on concurrent makes."""

from __future__ import annotations

import io
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image

from cairn.db.inspection_schema import thumbnails as thumbnails_table
from cairn.domain.kinds import ItemKind
from cairn.domain.records import User
from cairn.domain.urls import object_url_for
from cairn.errors import MediaError, NotFound, NoThumbnail
from cairn.media.thumbnail import image_thumbnail
from cairn.services.items import NewItem
from cairn.services.managed_files import thumbnail_key
from cairn.services.registry import Registry
from cairn.services.thumbnails import BATCH_SIZE, REQUEST_STALE, Thumbnail
from cairn.settings import Settings
from tests.fixtures.indexed_video import decoded_indices, index_of
from tests.fixtures.media_corpus import MediaCorpus
from tests.fixtures.storage_servers import StorageServer
from tests.fixtures.thumbnail_media import CORNER, GHOST_KEY_FRAME, Bucket, make_thumbnail_media, run_thumbnail_jobs
from tests.registration.conftest import add_server_integration


@pytest.fixture(scope="module")
def media_root(tmp_path_factory: pytest.TempPathFactory, ffmpeg_exe: str) -> Path:
    return make_thumbnail_media(tmp_path_factory.mktemp("thumbnail_media"), ffmpeg_exe)


@pytest.fixture
def bucket(registry: Registry, admin: User, media_root: Path, tmp_path: Path) -> Bucket:
    return Bucket.copy_of(media_root, tmp_path / "bucket", registry, admin)


def _picture(made: Thumbnail) -> Image.Image:
    image = Image.open(io.BytesIO(made.data))
    assert image.format == "WEBP"
    image.load()
    return image


def _near(pixel: Any, colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(int(a) - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def test_an_image_is_scaled_and_turned_by_its_exif_orientation(bucket: Bucket) -> None:
    plain = _picture(bucket.thumbnail(bucket.add("plain.jpg", ItemKind.IMAGE)))
    turned = _picture(bucket.thumbnail(bucket.add("exif6.jpg", ItemKind.IMAGE)))
    assert plain.size == (256, 192)
    assert _near(plain.getpixel((10, 10)), CORNER) and not _near(plain.getpixel((245, 10)), CORNER)
    # orientation 6: shown turned 90 degrees clockwise, so the stored top-left corner is at the top right
    assert turned.size == (192, 256)
    assert _near(turned.getpixel((181, 10)), CORNER) and not _near(turned.getpixel((10, 10)), CORNER)


def test_a_big_image_is_reduced_and_transparency_is_kept(bucket: Bucket) -> None:
    assert _picture(bucket.thumbnail(bucket.add("big.jpg", ItemKind.IMAGE))).size == (256, 171)
    alpha = _picture(bucket.thumbnail(bucket.add("alpha.png", ItemKind.IMAGE)))
    assert alpha.size == (64, 48) and alpha.mode == "RGBA"  # never enlarged
    assert abs(alpha.getpixel((5, 5))[3] - 128) <= 2


def test_a_16_bit_image_keeps_its_grey_levels(media_corpus: MediaCorpus) -> None:
    """Pillow's own conversion would clip 40000 (of 65535) to white."""
    made = image_thumbnail(io.BytesIO((media_corpus.root / "deep16.png").read_bytes()))
    grey = Image.open(io.BytesIO(made)).convert("L")
    assert grey.size == (64, 48)
    lowest, highest = grey.getextrema()
    assert abs(lowest - 40000 / 257) <= 3 and abs(highest - 40000 / 257) <= 3


def test_a_decompression_bomb_is_refused_before_decoding(media_corpus: MediaCorpus) -> None:
    with pytest.raises(MediaError, match="decompression bomb"):
        image_thumbnail(io.BytesIO((media_corpus.root / "bomb.png").read_bytes()))


def test_a_bomb_item_fails_inspection_and_has_no_thumbnail(bucket: Bucket, media_corpus: MediaCorpus) -> None:
    (bucket.root / "bomb.png").write_bytes((media_corpus.root / "bomb.png").read_bytes())
    item = bucket.add("bomb.png", ItemKind.IMAGE)
    with pytest.raises(NoThumbnail, match=r"failed inspection .*decompression bomb"):
        bucket.thumbnail(item)


def test_a_video_shows_its_first_visible_frame_not_a_ghost(bucket: Bucket) -> None:
    item = bucket.add("ghost.mp4", ItemKind.VIDEO)
    report = bucket.registry.inspection.report(actor=bucket.admin, item_id=item.id).report
    assert report["hidden_frame_count"] > 0  # the cut left ghost frames before the first visible one
    shown = index_of(_picture(bucket.thumbnail(item)))
    assert shown == decoded_indices(bucket.root / "ghost.mp4")[0]
    assert shown > GHOST_KEY_FRAME  # the file's first sample (the key frame the ghosts hang on) is not shown


def test_a_video_is_shown_as_players_show_it_turned_and_with_square_pixels(bucket: Bucket) -> None:
    turned = _picture(bucket.thumbnail(bucket.add("rotated.mp4", ItemKind.VIDEO)))
    assert turned.size == (120, 160)  # the 160x120 picture turned a quarter anticlockwise
    assert index_of(turned.rotate(-90, expand=True)) == 0
    wide = _picture(bucket.thumbnail(bucket.add("wide_pixels.mp4", ItemKind.VIDEO)))
    assert wide.size == (256, 96)  # 160x120 pixels twice as wide as high: shown 320x120
    assert index_of(wide) == 0


def test_a_video_thumbnail_reads_its_index_and_first_packets_only(bucket: Bucket) -> None:
    item = bucket.add("long.mp4", ItemKind.VIDEO)
    made = bucket.thumbnail(item)
    size = (bucket.root / "long.mp4").stat().st_size
    assert _picture(made).size == (256, 192)
    assert 0 < made.bytes_read < size / 8, (made.bytes_read, size)


def test_a_dicom_slice_is_windowed_by_its_tags_else_by_min_and_max(bucket: Bucket) -> None:
    narrow = _picture(bucket.thumbnail(bucket.add("ct_narrow.dcm", ItemKind.DICOM_FILE))).convert("L")
    full = _picture(bucket.thumbnail(bucket.add("ct_nowindow.dcm", ItemKind.DICOM_FILE))).convert("L")
    assert narrow.size == full.size == (128, 128)

    def midtones(image: Image.Image) -> float:
        values = list(image.get_flattened_data())
        return sum(1 for v in values if 30 < v < 225) / len(values)

    assert midtones(narrow) < 0.1 < midtones(full)  # a 2-unit window: black or white; min..max: a full range
    lowest, highest = full.getextrema()
    assert lowest <= 10 and highest >= 245


def test_a_pdf_shows_its_first_page(bucket: Bucket) -> None:
    page = _picture(bucket.thumbnail(bucket.add("page.pdf", ItemKind.PDF)))
    assert page.size == (256, 128)
    assert _near(page.getpixel((128, 64)), (255, 255, 255))


@pytest.mark.parametrize(("name", "kind"), [("tone.wav", ItemKind.AUDIO), ("notes.txt", ItemKind.TEXT)])
def test_audio_and_text_have_no_thumbnail(bucket: Bucket, name: str, kind: ItemKind) -> None:
    item = bucket.add(name, kind)
    with pytest.raises(NoThumbnail, match=f"is an? {kind.value}: only images, videos") as caught:
        bucket.thumbnail(item)
    assert caught.value.code == "no_thumbnail"


def test_an_item_not_inspected_yet_has_no_thumbnail_yet(bucket: Bucket) -> None:
    item = bucket.add("plain.jpg", ItemKind.IMAGE, inspect=False)
    with pytest.raises(NoThumbnail, match="no thumbnail yet"):
        bucket.thumbnail(item)


def test_an_image_group_shows_its_first_image(bucket: Bucket) -> None:
    members = [
        NewItem(kind=ItemKind.IMAGE, title=name, object_url=object_url_for(bucket.config, name),
                integration_id=bucket.integration.id)
        for name in ("exif6.jpg", "plain.jpg")
    ]  # fmt: skip
    group = bucket.registry.items.add_composite(
        actor=bucket.admin, folder_id=bucket.folder.id, kind=ItemKind.IMAGE_GROUP, title="G", members=members
    )
    bucket.registry.inspection.inspect_item(actor=bucket.admin, item_id=group.id)
    assert _picture(bucket.thumbnail(group)).size == (192, 256)


def test_the_cache_answers_without_reading_the_bucket_and_is_private(bucket: Bucket, settings: Settings) -> None:
    item = bucket.add("plain.jpg", ItemKind.IMAGE)
    made = bucket.thumbnail(item)
    assert not made.from_cache and made.bytes_read > 0 and made.requests > 0
    (bucket.root / "plain.jpg").unlink()  # the bucket is not read again: the cache answers
    again = bucket.thumbnail(item)
    assert again.from_cache and (again.bytes_read, again.requests) == (0, 0)
    assert (again.data, again.version) == (made.data, made.version)
    cached = settings.managed_storage_dir / thumbnail_key(item.id)
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600
    assert stat.S_IMODE(cached.parent.stat().st_mode) == 0o700


def test_new_bytes_inspected_again_make_a_new_thumbnail(bucket: Bucket) -> None:
    item = bucket.add("plain.jpg", ItemKind.IMAGE)
    before = bucket.thumbnail(item)
    (bucket.root / "plain.jpg").write_bytes((bucket.root / "exif6.jpg").read_bytes())
    assert bucket.thumbnail(item).version == before.version  # not inspected yet: the cached one stays
    bucket.registry.inspection.inspect_item(actor=bucket.admin, item_id=item.id)
    after = bucket.thumbnail(item)
    assert after.version != before.version and not after.from_cache
    assert _picture(after).size == (192, 256)


def test_make_remakes_the_cached_thumbnail(bucket: Bucket) -> None:
    item = bucket.add("plain.jpg", ItemKind.IMAGE)
    made = bucket.registry.thumbnails.make(item)
    assert not made.from_cache and made.bytes_read > 0
    assert bucket.thumbnail(item).from_cache


def test_deleting_items_and_folders_removes_their_thumbnails(bucket: Bucket, settings: Settings) -> None:
    one, two = bucket.add("plain.jpg", ItemKind.IMAGE), bucket.add("exif6.jpg", ItemKind.IMAGE)
    for item in (one, two):
        bucket.thumbnail(item)
    cached = [settings.managed_storage_dir / thumbnail_key(item.id) for item in (one, two)]
    assert all(path.is_file() for path in cached)
    bucket.registry.items.delete(actor=bucket.admin, item_ids=[one.id])
    assert not cached[0].exists() and cached[1].is_file()
    bucket.registry.folders.delete(actor=bucket.admin, folder_id=bucket.folder.id)
    assert not cached[1].exists()


def test_what_one_may_not_see_is_not_found_as_a_missing_item(bucket: Bucket, make_user: Any) -> None:
    item = bucket.add("plain.jpg", ItemKind.IMAGE)
    stranger = make_user("stranger")
    with pytest.raises(NotFound) as hidden:
        bucket.thumbnail(item, actor=stranger)
    with pytest.raises(NotFound) as missing:
        bucket.registry.thumbnails.source(actor=stranger, item_id=item.id + 1000)
    assert type(hidden.value) is type(missing.value) is NotFound
    assert hidden.value.message.replace(str(item.id), "N") == missing.value.message.replace(str(item.id + 1000), "N")


def test_at_most_the_configured_number_of_thumbnails_are_made_at_once(bucket: Bucket) -> None:
    thumbnails = bucket.registry.thumbnails
    source = thumbnails.source(actor=bucket.admin, item_id=bucket.add("plain.jpg", ItemKind.IMAGE).id)
    slots = bucket.registry.settings.thumbnail_concurrency
    for _ in range(slots):  # every slot taken, as by that many makes in flight
        assert thumbnails._slots.acquire(timeout=1)
    done = threading.Event()
    waiter = threading.Thread(target=lambda: (thumbnails.get(source), done.set()))
    waiter.start()
    assert not done.wait(0.5)  # waits for a slot
    thumbnails._slots.release()
    assert done.wait(10)
    waiter.join()
    for _ in range(slots - 1):
        thumbnails._slots.release()


def test_a_video_in_an_s3_bucket_is_read_by_ranges_then_never_again(
    registry: Registry, admin: User, media_root: Path, moto_server: StorageServer
) -> None:
    server = moto_server.fresh()
    data = (media_root / "long.mp4").read_bytes()
    server.put("long.mp4", data)
    integration = add_server_integration(registry, admin, server, "s3")
    folder = registry.folders.create(actor=admin, name="Videos")
    new = NewItem(kind=ItemKind.VIDEO, title="long", object_url=server.url("long.mp4"), integration_id=integration.id)
    item = registry.items.add(actor=admin, folder_id=folder.id, items=[new])[0]
    registry.inspection.inspect_item(actor=admin, item_id=item.id)
    thumbnails = registry.thumbnails
    made = thumbnails.get(thumbnails.source(actor=admin, item_id=item.id))
    assert _picture(made).size == (256, 192)
    assert 0 < made.bytes_read < len(data) / 8 and made.requests <= 4, (made.bytes_read, made.requests, len(data))
    server.put("long.mp4", b"not a video any more")  # a read of the bucket now would fail
    again = thumbnails.get(thumbnails.source(actor=admin, item_id=item.id))
    assert again.from_cache and again.data == made.data and again.bytes_read == 0


def test_the_wanted_thumbnails_of_a_page_make_one_job_of_batches(bucket: Bucket) -> None:
    thumbnails, jobs = bucket.registry.thumbnails, bucket.registry.jobs
    picture = (bucket.root / "plain.jpg").read_bytes()
    names = [f"row{n}.jpg" for n in range(BATCH_SIZE + 3)]
    for name in names:
        (bucket.root / name).write_bytes(picture)
    items = [bucket.add(name, ItemKind.IMAGE) for name in names]
    sources = [thumbnails.source(actor=bucket.admin, item_id=item.id) for item in items]
    for source in sources + sources:  # each row asked for twice
        assert thumbnails.want(source) is None
    job_id = thumbnails.send()
    assert job_id is not None and thumbnails.send() is None
    for source in sources:  # asked for again while queued: not queued again
        assert thumbnails.want(source) is None
    assert thumbnails.send() is None
    job = jobs.get(actor=bucket.admin, job_id=job_id)
    assert (job.kind, job.units_total, job.tasks_total, job.actor_id) == ("thumbnails", len(items), 2, None)
    assert run_thumbnail_jobs(bucket.registry) == [job_id]
    job = jobs.get(actor=bucket.admin, job_id=job_id)
    assert (job.status.value, job.items_created) == ("done", len(items))
    for source in sources:
        made = thumbnails.want(source)
        assert made is not None and made.from_cache and _picture(made).size == (256, 192)
        cost = thumbnails.check(source).cost
        assert cost is not None and cost.bytes_read == (bucket.root / "plain.jpg").stat().st_size


def test_a_thumbnail_queued_by_a_lost_job_is_queued_again_once_stale(bucket: Bucket) -> None:
    thumbnails = bucket.registry.thumbnails
    source = thumbnails.source(actor=bucket.admin, item_id=bucket.add("plain.jpg", ItemKind.IMAGE).id)
    thumbnails.want(source)
    assert thumbnails.send() is not None
    thumbnails.want(source)
    assert thumbnails.send() is None
    with bucket.registry.db.write() as conn:  # its job lost long ago
        conn.execute(sa.update(thumbnails_table).values(requested_at=datetime.now(UTC) - REQUEST_STALE * 2))
    thumbnails.want(source)
    assert thumbnails.send() is not None
