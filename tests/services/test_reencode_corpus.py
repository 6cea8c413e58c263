"""Issue 16 acceptance through jobs: the generated corpus re-encoded as ONE bulk job over its folder, run by the
embedded job consumer, auto and then full.

The corpus: ghost frames in mp4 and mov, variable frame rate, audio longer than the video, non-square pixels (8:9,
made here, and 4:3), moov at the end, HEVC, VP9 in WebM, Matroska, sparse key frames, and a corrupt file. After
auto, every problem check of each result is ok and every check that was ok stays ok; after full, every result is
H.264 at a constant rate, faststart, without audio; every stored frame remap equals what decoding both files and
matching their pictures shows; an audio-only fix copies the video packets byte for byte; the corrupt file ends as
a unit error with its reason while the other videos finish. On SQLite only: the job engine's dialect parity is
tested elsewhere, and this runs some forty FFmpeg re-encodes.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from cairn.cli.worker import embedded_consumer
from cairn.db import migrate
from cairn.db.database import Database
from cairn.domain.jobs import Job, JobStatus
from cairn.domain.records import Folder, Item, User
from cairn.services.reencode import ReencodeParams
from cairn.services.registry import Registry
from tests.fixtures.media_corpus import MediaCorpus
from tests.services.test_reencode import add_video, managed_path, result_of, video_packets

CORPUS = (
    "ghost_cut.mp4",
    "mid_frame_cut.mov",
    "vfr.mp4",
    "audio_longer.mp4",
    "with_audio.mp4",
    "sar_4_3.mp4",
    "moov_end.mp4",
    "hevc.mov",
    "vp9.webm",
    "h264.mkv",
    "hd_sparse_keys.mp4",
    "cfr_h264.mp4",
)
CORRUPT = "corrupt_no_moov.mp4"
AUDIO_ONLY = ("audio_longer.mp4", "with_audio.mp4")
NOTHING_TO_FIX = ("vp9.webm", "cfr_h264.mp4")
THUMBNAIL = (80, 60)
"""Pictures are compared at this size, in grey: consecutive corpus frames differ by ~1.6 (mean absolute difference
of 0-255 values) and a CRF 18 re-encode by ~0.4, so the nearest original picture is unambiguous."""


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only (module docstring)."""
    url = f"sqlite:///{tmp_path / 'cairn.db'}"
    database = Database(url)
    migrate.upgrade(database)
    database.dispose()
    return url


@pytest.fixture(scope="module")
def sar_8_9(tmp_path_factory: pytest.TempPathFactory, ffmpeg_exe: str) -> Path:
    """360x240 stored, 8:9 pixels (as NTSC DV): 320x240 displayed, a width that is no multiple of the stored one."""
    path = tmp_path_factory.mktemp("sar") / "sar_8_9.mp4"
    argv = [ffmpeg_exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
            "testsrc2=size=360x240:rate=30:duration=2", "-vf", "setsar=8/9", "-c:v", "libx264", "-preset",
            "veryfast", "-g", "30", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(path)]  # fmt: skip
    subprocess.run(argv, check=True, capture_output=True, timeout=120)
    return path


@pytest.fixture
def corpus_items(
    registry: Registry, admin: User, media_corpus: MediaCorpus, sar_8_9: Path
) -> tuple[Folder, dict[str, Item]]:
    folder = registry.folders.create(actor=admin, name="corpus")
    sources = [media_corpus[name] for name in (*CORPUS, CORRUPT)] + [sar_8_9]
    return folder, {path.name: add_video(registry, admin, folder, path) for path in sources}


def run_folder_job(registry: Registry, admin: User, folder: Folder, mode: str) -> Job:
    """One job over the folder, run by two consumer threads of this process, as ``cairn serve`` runs it."""
    job = registry.reencode.start(actor=admin, params=ReencodeParams(mode=mode), folder_id=folder.id)
    with embedded_consumer(registry, workers=2):
        return registry.jobs.wait(actor=admin, job_id=job.id, timeout=900, poll=0.2)


def checks(registry: Registry, admin: User, item: Item) -> dict[str, str]:
    report = registry.inspection.report(actor=admin, item_id=item.id).report
    return {check["name"]: check["verdict"] for check in report["checks"]}


def test_auto_over_the_corpus_fixes_every_problem_keeps_every_ok_and_remaps_exactly(
    registry: Registry, admin: User, corpus_items: tuple[Folder, dict[str, Item]]
) -> None:
    folder, items = corpus_items
    job = run_folder_job(registry, admin, folder, "auto")

    fixed = sorted(set(items) - {CORRUPT, *NOTHING_TO_FIX})
    assert job.status is JobStatus.DONE
    assert (job.items_created, job.units_skipped, job.units_error) == (len(fixed), len(NOTHING_TO_FIX), 1)
    assert_corrupt_is_a_unit_error(registry, admin, job, items[CORRUPT])
    for name in fixed:
        original, made = items[name], result_of(registry, admin, items[name])
        before, after = checks(registry, admin, original), checks(registry, admin, made)
        for check, verdict in before.items():
            if verdict in ("ok", "problem"):
                assert after[check] == "ok", (name, check, verdict, after[check])
        assert_remap_matches_pictures(registry, admin, original, made)
    for name in AUDIO_ONLY:
        made = managed_path(registry, result_of(registry, admin, items[name]))
        assert video_packets(made) == video_packets(managed_path(registry, items[name])), name
    for name in NOTHING_TO_FIX:
        assert registry.reencode.links(actor=admin, item_id=items[name].id) == (None, [])


def test_full_over_the_corpus_gives_h264_cfr_faststart_without_audio_and_exact_remaps(
    registry: Registry, admin: User, corpus_items: tuple[Folder, dict[str, Item]]
) -> None:
    folder, items = corpus_items
    job = run_folder_job(registry, admin, folder, "full")

    assert job.status is JobStatus.DONE
    assert (job.items_created, job.units_skipped, job.units_error) == (len(items) - 1, 0, 1)
    assert_corrupt_is_a_unit_error(registry, admin, job, items[CORRUPT])
    for name, original in items.items():
        if name == CORRUPT:
            continue
        made = result_of(registry, admin, original)
        report = registry.inspection.report(actor=admin, item_id=made.id).report
        assert (report["codec"], report["container"], report["frame_rate_mode"]) == ("h264", "mp4", "cfr"), name
        assert report["moov_position"] == "start" and report["audio_streams"] == [], name
        after = checks(registry, admin, made)
        assert after["faststart"] == after["frame_rate"] == after["audio"] == "ok", (name, after)
        with av.open(str(managed_path(registry, made))) as container:
            assert not container.streams.audio
            assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"
        assert_remap_matches_pictures(registry, admin, original, made)
    square = result_of(registry, admin, items["sar_8_9.mp4"])
    assert (square.media.width, square.media.height) == (320, 240)


def assert_corrupt_is_a_unit_error(registry: Registry, admin: User, job: Job, corrupt: Item) -> None:
    (error,) = registry.jobs.errors(actor=admin, job_id=job.id)
    assert error.title == corrupt.title and error.location == f"item {corrupt.id}"
    assert error.error == f"{corrupt.title}: cannot read the video: Invalid data found when processing input"
    assert registry.reencode.links(actor=admin, item_id=corrupt.id) == (None, [])


def assert_remap_matches_pictures(registry: Registry, admin: User, original: Item, made: Item) -> None:
    """The stored remap equals the truth read from the pixels: each result frame shows the original frame whose
    decoded picture is nearest to it; each original frame maps to the first result frame showing it (or none)."""
    old, new = pictures(managed_path(registry, original)), pictures(managed_path(registry, made))
    distances = np.abs(new[:, None] - old[None]).mean(axis=(2, 3))
    nearest = distances.argmin(axis=1)
    ordered = np.sort(distances, axis=1)
    assert ordered[:, 0].max() < 1.0 and ordered[:, 1].min() > 1.2, original.title  # no ambiguous match
    truth_new_of = [next((k for k, i in enumerate(nearest) if i == j), None) for j in range(len(old))]
    assert registry.reencode.remap(actor=admin, item_id=made.id).new_of == truth_new_of, original.title


def pictures(path: Path) -> np.ndarray:
    """Every frame FFmpeg presents (ghost frames are not), in presentation order, as small grey arrays."""
    with av.open(str(path)) as container:
        frames = sorted(container.decode(video=0), key=lambda f: f.pts if f.pts is not None else 0)
        return np.stack([np.asarray(f.to_image().convert("L").resize(THUMBNAIL), dtype=np.float32) for f in frames])
