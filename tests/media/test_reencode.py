"""Re-encoding the generated corpus: auto recipes fix what inspection found and only that, full recipes normalise.

Acceptance (issue 16): after auto, every problem check of the result is ok and every check that was ok stays ok;
an audio-only fix copies the video packets byte for byte; after full, the result is H.264 yuv420p at a constant
rate, faststart, without audio and with square pixels; corrupt input fails with FFmpeg's reason; cancel kills
FFmpeg and leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import subprocess
import threading
import time
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import av
import pytest

from cairn.domain.media import Verdict, VideoReport
from cairn.domain.reencode import auto_recipe, ffmpeg_arguments, full_recipe, resize_recipe
from cairn.errors import AlreadyExists, InvalidInput, MediaError
from cairn.media import inspect_video, open_counting
from cairn.media.processing import reencode
from tests.fixtures.media_corpus import MediaCorpus

# The auto recipe's steps per corpus video (none: nothing a re-encode fixes).
AUTO_STEPS = {
    "cfr_h264.mp4": [],
    "with_audio.mp4": ["drop_audio"],
    "ghost_cut.mp4": ["drop_audio", "drop_hidden_frames"],
    "negative_offset.mp4": ["drop_hidden_frames"],
    "vfr.mp4": ["constant_frame_rate"],
    "cfr_gaps.mp4": [],
    "sar_4_3.mp4": ["square_pixels"],
    "ntsc_2997.mp4": [],
    "start_offset.mp4": ["start_at_zero"],
    "audio_longer.mp4": ["drop_audio"],
    "moov_end.mp4": ["drop_audio", "faststart"],
    "vp9.webm": [],
    "h264.mkv": ["mp4"],
    "mpeg4.avi": ["mp4", "h264"],
    "rotated.mp4": [],
    "hd_sparse_keys.mp4": ["key_frames"],
    "hevc.mov": ["faststart", "mp4", "h264"],
    "mid_frame_cut.mp4": ["drop_audio", "drop_hidden_frames"],
    "mid_frame_cut.mov": ["faststart", "mp4", "drop_hidden_frames"],
    "negative_cts.mp4": ["faststart"],
    "negative_cts_cut.mp4": ["drop_hidden_frames"],
}
COPY_ONLY = {"with_audio.mp4", "start_offset.mp4", "audio_longer.mp4", "moov_end.mp4", "h264.mkv", "negative_cts.mp4"}
FIXABLE = sorted(name for name, steps in AUTO_STEPS.items() if steps)


def inspect(path: Path) -> VideoReport:
    with open_counting(path) as reader:
        return inspect_video(reader, cache_control="public, max-age=86400")


def test_expectations_cover_the_whole_corpus() -> None:
    assert set(AUTO_STEPS) == set(MediaCorpus.videos)


@pytest.mark.parametrize("name", MediaCorpus.videos)
def test_auto_recipe_steps(media_corpus: MediaCorpus, name: str) -> None:
    recipe = auto_recipe(inspect(media_corpus[name]))
    assert [s.name for s in recipe.steps] == AUTO_STEPS[name]
    assert recipe.encode == (bool(AUTO_STEPS[name]) and name not in COPY_ONLY)
    assert all(s.reason for s in recipe.steps)
    assert recipe.describe() == [{"step": s.name, "reason": s.reason} for s in recipe.steps]


@pytest.mark.parametrize("name", MediaCorpus.videos)
def test_arguments_use_fps_mode_never_vsync(media_corpus: MediaCorpus, name: str) -> None:
    report = inspect(media_corpus[name])
    for recipe in (auto_recipe(report), full_recipe(report)):
        args = ffmpeg_arguments(recipe, "in", "out")
        assert "-vsync" not in args
        assert args[-1] == "file:out"
        assert args[args.index("-i") + 1] == "file:in"
        assert args[args.index("-f") + 1] in {"mov", "matroska", "avi"}  # never guessed from the bytes
        assert args[args.index("-protocol_whitelist") + 1] == "file"
        if recipe.encode:
            assert "-fps_mode" in args
            assert args[args.index("-fflags") + 1] == "+discardcorrupt"
            assert args[args.index("-err_detect") + 1] == "aggressive"


@pytest.mark.parametrize("name", FIXABLE)
def test_auto_fixes_every_problem_and_keeps_every_ok(media_corpus: MediaCorpus, tmp_path: Path, name: str) -> None:
    before = inspect(media_corpus[name])
    result = reencode(media_corpus[name], auto_recipe(before), tmp_path)
    after = {c.name: c.verdict for c in inspect(result).checks}
    for check in before.checks:
        if check.verdict in (Verdict.OK, Verdict.PROBLEM):
            assert after[check.name] is Verdict.OK, (check.name, check.verdict)
    fixed_warnings = {"audio", "audio_video_duration", "faststart", "start_time", "keyframe_interval", "container"}
    for check in before.checks:
        if check.verdict is Verdict.WARNING and check.name in fixed_warnings:
            assert after[check.name] is Verdict.OK, check.name
    assert auto_recipe(inspect(result)).steps == ()
    assert list(tmp_path.iterdir()) == [result]


def _video_packets(path: Path) -> list[tuple[bytes, bool]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [(bytes(p), p.is_keyframe) for p in container.demux(stream) if p.size]


@pytest.mark.parametrize("name", ["with_audio.mp4", "audio_longer.mp4", "moov_end.mp4"])
def test_audio_only_fix_copies_video_packets_byte_for_byte(
    media_corpus: MediaCorpus, tmp_path: Path, name: str
) -> None:
    result = reencode(media_corpus[name], auto_recipe(inspect(media_corpus[name])), tmp_path)
    with av.open(str(result)) as container:
        assert not container.streams.audio
    before, after = _video_packets(media_corpus[name]), _video_packets(result)
    assert len(before) == len(after) > 0
    digest = hashlib.sha256
    assert [digest(b).hexdigest() for b, _ in before] == [digest(b).hexdigest() for b, _ in after]
    assert [k for _, k in before] == [k for _, k in after]


@pytest.mark.parametrize(
    "name",
    [
        "with_audio.mp4",
        "vfr.mp4",
        "sar_4_3.mp4",
        "hevc.mov",
        "vp9.webm",
        "mpeg4.avi",
        "ghost_cut.mp4",
        "rotated.mp4",
        "ntsc_2997.mp4",
    ],
)
def test_full_is_h264_cfr_faststart_without_audio(media_corpus: MediaCorpus, tmp_path: Path, name: str) -> None:
    before = inspect(media_corpus[name])
    result = reencode(media_corpus[name], full_recipe(before), tmp_path)
    assert result.suffix == ".mp4"
    after = inspect(result)
    assert (after.codec, after.container, after.moov_position) == ("h264", "mp4", "start")
    assert after.frame_rate_mode == "cfr"
    assert after.audio_streams == []
    assert after.sample_aspect_ratio in (None, 0, 1)
    assert after.hidden_frame_count == 0
    assert after.start_time_seconds == 0
    with av.open(str(result)) as container:
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"
    if name == "sar_4_3.mp4":
        assert (after.width, after.height) == (before.width * 4 // 3, before.height)
    if name == "rotated.mp4":  # turned upright by FFmpeg: the displayed picture, with no rotation left to apply
        assert (after.width, after.height, after.rotation) == (before.height, before.width, 0)
    assert {c.name: c.verdict for c in after.checks}["frame_rate"] is Verdict.OK
    assert after.nominal_frame_rate == full_recipe(before).frame_rate


@pytest.mark.parametrize("name", MediaCorpus.corrupt_videos)
def test_corrupt_input_fails_with_ffmpegs_reason(media_corpus: MediaCorpus, tmp_path: Path, name: str) -> None:
    recipe = full_recipe(inspect(media_corpus["cfr_h264.mp4"]))
    try:
        result = reencode(media_corpus[name], recipe, tmp_path)
    except MediaError as exc:
        assert exc.details["reason"] == "ffmpeg_failed"
        assert str(exc).startswith("FFmpeg failed: ")
        assert len(str(exc)) > len("FFmpeg failed: ") + 10
        assert str(tmp_path) not in str(exc)  # local paths are replaced by their roles
        assert " @ 0x" not in str(exc)
        assert name in str(exc)
        assert list(tmp_path.iterdir()) == []
    else:
        # A file cut short may still decode up to the cut: then the frames it has are encoded, and no more.
        assert name == "corrupt_truncated_mdat.mp4"
        assert inspect(result).frame_count > 0


def _slow_recipe_source(media_corpus: MediaCorpus) -> Path:
    return media_corpus["hd_sparse_keys.mp4"]


def test_cancel_kills_ffmpeg_and_keeps_nothing(media_corpus: MediaCorpus, tmp_path: Path) -> None:
    source = _slow_recipe_source(media_corpus)
    recipe = full_recipe(inspect(source))
    started = time.monotonic()
    calls = 0

    def cancel() -> bool:
        nonlocal calls
        calls += 1
        return calls >= 3

    with pytest.raises(MediaError) as caught:
        reencode(source, recipe, tmp_path, cancel)
    assert caught.value.details["reason"] == "cancelled"
    assert time.monotonic() - started < 2
    assert list(tmp_path.iterdir()) == []
    assert _processes_mentioning(str(tmp_path)) == []  # FFmpeg was killed and reaped, not left running


def _processes_mentioning(text: str) -> list[int]:
    """PIDs of live processes whose command line contains ``text`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
            except OSError:
                continue
            if text in cmdline:
                found.append(int(entry.name))
    return found


def test_cancel_from_another_thread(media_corpus: MediaCorpus, tmp_path: Path) -> None:
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    with pytest.raises(MediaError, match="cancelled"):
        reencode(_slow_recipe_source(media_corpus), full_recipe(inspect(media_corpus["hd_sparse_keys.mp4"])),
                 tmp_path, stop.is_set)  # fmt: skip
    assert list(tmp_path.iterdir()) == []


def test_timeout_stops_ffmpeg(media_corpus: MediaCorpus, tmp_path: Path) -> None:
    source = _slow_recipe_source(media_corpus)
    with pytest.raises(MediaError) as caught:
        reencode(source, full_recipe(inspect(source)), tmp_path, timeout_seconds=0.2)
    assert caught.value.details["reason"] == "timeout"
    assert list(tmp_path.iterdir()) == []


def test_output_bound_refuses_a_result_that_reaches_it(media_corpus: MediaCorpus, tmp_path: Path) -> None:
    source = media_corpus["moov_end.mp4"]
    with pytest.raises(MediaError) as caught:
        reencode(source, full_recipe(inspect(source)), tmp_path, max_output_bytes=20_000)
    assert caught.value.details["reason"] == "too_large"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", ["full", "copy"])
def test_a_playlist_posing_as_a_video_opens_nothing_else(media_corpus: MediaCorpus, tmp_path: Path, mode: str) -> None:
    """An HLS playlist (FFmpeg follows one named .m3u8 to other files or URLs) registered as a video is read as the
    container inspection named, and fails, whether FFmpeg encodes it or cairn copies it in process (an auto
    recipe's stream copy); it must not become a re-encode of another file."""
    source = media_corpus["with_audio.mp4"]
    secret = tmp_path / "secret.mp4"
    secret.write_bytes(source.read_bytes())
    playlist = tmp_path / "clip.m3u8"
    playlist.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{secret}\n#EXT-X-ENDLIST\n")
    out = tmp_path / "out"
    out.mkdir()
    recipe = full_recipe(inspect(media_corpus["cfr_h264.mp4"])) if mode == "full" else auto_recipe(inspect(source))
    assert recipe.encode == (mode == "full")
    with pytest.raises(MediaError, match="FFmpeg failed"):
        reencode(playlist, recipe, out)
    assert list(out.iterdir()) == []


def test_nothing_to_fix_and_existing_result_are_refused(media_corpus: MediaCorpus, tmp_path: Path) -> None:
    clean = media_corpus["cfr_h264.mp4"]
    with pytest.raises(InvalidInput, match="nothing to fix"):
        reencode(clean, auto_recipe(inspect(clean)), tmp_path)
    source = media_corpus["with_audio.mp4"]
    recipe = auto_recipe(inspect(source))
    reencode(source, recipe, tmp_path)
    with pytest.raises(AlreadyExists):
        reencode(source, recipe, tmp_path)


@pytest.mark.parametrize(
    ("name", "height", "rate", "size"),
    [  # (name, target height, frame rate, expected size)
        ("sar_4_3.mp4", 90, None, (160, 90)),
        ("with_audio.mp4", 60, Fraction(10), (80, 60)),
        ("vfr.mp4", 100, None, (134, 100)),
    ],
)
def test_resize(media_corpus: MediaCorpus, tmp_path: Path, name: str, height: int, rate: Fraction | None,  # noqa: PLR0917
                size: tuple[int, int]) -> None:  # fmt: skip
    before = inspect(media_corpus[name])
    recipe = resize_recipe(before, height=height, frame_rate=rate)
    assert recipe.size == size
    after = inspect(reencode(media_corpus[name], recipe, tmp_path))
    assert (after.width, after.height, after.codec, after.moov_position) == (*size, "h264", "start")
    assert after.audio_streams == [] and after.sample_aspect_ratio in (None, 0, 1)
    if rate is None:
        assert after.frame_count == before.frame_count  # every frame kept, at its own time
    else:
        assert after.frame_rate_mode == "cfr" and after.nominal_frame_rate == rate


def test_resize_refuses_odd_heights_and_bad_rates(media_corpus: MediaCorpus) -> None:
    report = inspect(media_corpus["cfr_h264.mp4"])
    with pytest.raises(InvalidInput, match="even number of pixels"):
        resize_recipe(report, height=101)
    with pytest.raises(InvalidInput, match="frame rate must be positive"):
        resize_recipe(report, height=100, frame_rate=Fraction(0))


def test_constant_rate_is_the_nominal_one_capped_by_the_fastest_interval(media_corpus: MediaCorpus) -> None:
    vfr = inspect(media_corpus["vfr.mp4"])
    assert vfr.nominal_frame_rate == 30
    assert full_recipe(vfr).frame_rate == 30
    ntsc = inspect(media_corpus["ntsc_2997.mp4"])
    assert full_recipe(ntsc).frame_rate == Fraction(30000, 1001)
    # FFmpeg's r_frame_rate of a variable-rate file can be far above any real spacing: the fastest interval caps it.
    inflated = replace(vfr, nominal_frame_rate=Fraction(180))
    assert full_recipe(inflated).frame_rate == 30
    assert auto_recipe(inflated).frame_rate == 30


def test_odd_sizes_are_padded_to_even(tmp_path: Path, ffmpeg_exe: str) -> None:
    """H.264 4:2:0 cannot hold 161x121: one black column and row are added (libx264 refused the file before)."""
    source = tmp_path / "odd.mp4"
    argv = [ffmpeg_exe, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
            "testsrc2=size=160x120:rate=30:duration=1", "-vf", "scale=161:121,setsar=1", "-c:v", "libx264",
            "-pix_fmt", "yuv444p", "-profile:v", "high444", "-g", "300", str(source)]  # fmt: skip
    subprocess.run(argv, check=True, capture_output=True, timeout=60)
    before = inspect(source)
    assert (before.width, before.height, before.sample_aspect_ratio) == (161, 121, 1)
    for recipe, out in ((full_recipe(before), "full"), (resize_recipe(before, height=60), "resize")):
        (tmp_path / out).mkdir()
        after = inspect(reencode(source, recipe, tmp_path / out))
        assert after.width % 2 == 0 and after.height % 2 == 0
        assert after.frame_count == before.frame_count
    assert (
        inspect(next((tmp_path / "full").iterdir())).width,
        inspect(next((tmp_path / "full").iterdir())).height,
    ) == (162, 122)


def test_ffmpeg_writes_one_private_hidden_file_and_makes_no_directory(
    media_corpus: MediaCorpus, tmp_path: Path
) -> None:
    """While FFmpeg runs, the output directory holds only the partial result (0600), and no directory: making and
    removing one per run cost milliseconds on a file system that discards freed blocks."""
    source = _slow_recipe_source(media_corpus)
    seen: list[tuple[str, bool, int]] = []

    def look() -> bool:
        seen.extend((p.name, p.is_dir(), p.stat().st_mode & 0o777) for p in tmp_path.iterdir())
        return False

    result = reencode(source, full_recipe(inspect(source)), tmp_path, look)
    assert seen, "FFmpeg ended before it was watched"
    assert {(name.startswith(".cairn-partial-"), is_dir, mode) for name, is_dir, mode in seen} == {(True, False, 0o600)}
    assert list(tmp_path.iterdir()) == [result]
