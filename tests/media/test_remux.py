"""A stream copy runs in process (``cairn.media.remux``): it must give what FFmpeg's command line gives for the
same recipe (the arguments ``ffmpeg_arguments`` builds), on every video of the corpus, and stop as FFmpeg would:
on a cancel, a timeout, the size bound, or a file it cannot read, leaving nothing behind."""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import pytest

from cairn.domain.media import VideoReport
from cairn.domain.reencode import Recipe, Step, auto_recipe, ffmpeg_arguments
from cairn.errors import MediaError
from cairn.media import inspect_video, open_counting
from cairn.media.processing import reencode
from tests.fixtures.media_corpus import MediaCorpus

# Size and bit rate differ by a few bytes (the muxer's name and version in the file's metadata), and so do the
# checks' reasons that quote them: everything else must not.
_NOT_COMPARED = {"size", "bit_rate", "read", "checks"}


def _inspect(path: Path) -> VideoReport:
    with open_counting(path) as reader:
        return inspect_video(reader, cache_control="public, max-age=86400")


def _copy_recipe(report: VideoReport) -> Recipe:
    """The auto recipe when it is a stream copy; otherwise a copy into MP4 (WebM for VP8) of the same source."""
    recipe = auto_recipe(report)
    if recipe.needed and not recipe.encode:
        return recipe
    base = report.frame_map.time_base
    return dataclasses.replace(
        recipe,
        steps=(Step("mp4", "a stream copy, for the test"),),
        encode=False,
        container="webm" if report.codec == "vp8" else "mp4",
        timescale=base.denominator if base.numerator == 1 else None,
    )


def _packets(path: Path) -> list[tuple[Any, ...]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [
            (p.pts, p.dts, p.is_keyframe, hashlib.sha256(bytes(p)).hexdigest())
            for p in container.demux(stream)
            if p.size
        ]


def _stream(path: Path) -> dict[str, Any]:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        return {
            "streams": len(container.streams),
            "time_base": video.time_base,
            "codec_tag": video.codec_tag,
            "sample_aspect_ratio": video.sample_aspect_ratio,
            "metadata": dict(video.metadata),
            "file_metadata": {k: v for k, v in container.metadata.items() if k != "encoder"},
        }


def _report(path: Path) -> dict[str, Any]:
    report = _inspect(path)
    found = {k: v for k, v in dataclasses.asdict(report).items() if k not in _NOT_COMPARED}
    return found | {"checks": {c.name: c.verdict for c in report.checks}}


@pytest.mark.parametrize("name", MediaCorpus.videos)
def test_a_stream_copy_gives_what_ffmpegs_command_line_gives(
    media_corpus: MediaCorpus, ffmpeg_exe: str, tmp_path: Path, name: str
) -> None:
    source = media_corpus[name]
    recipe = _copy_recipe(_inspect(source))
    (tmp_path / "cairn").mkdir()
    ours = reencode(source, recipe, tmp_path / "cairn")
    theirs = tmp_path / f"ffmpeg.{recipe.container}"
    subprocess.run([ffmpeg_exe, *ffmpeg_arguments(recipe, str(source), str(theirs))], check=True)

    assert _stream(ours) == _stream(theirs)
    assert _report(ours) == _report(theirs)
    ours_packets, theirs_packets = _packets(ours), _packets(theirs)
    assert len(ours_packets) == len(theirs_packets) > 0
    assert ours_packets == theirs_packets


def test_on_start_is_called_once_the_copy_runs(media_corpus: MediaCorpus, tmp_path: Path) -> None:
    source = media_corpus["with_audio.mp4"]
    calls: list[int] = []
    result = reencode(source, _copy_recipe(_inspect(source)), tmp_path, on_start=lambda: calls.append(1))
    assert calls == [1]
    assert result.name == "with_audio_normalized.mp4"


def _slow_start() -> None:
    """Keeps the copy running past its first look at cancel and deadline (asked about ten times a second)."""
    time.sleep(0.15)


def test_a_cancelled_copy_keeps_nothing(media_corpus: MediaCorpus, tmp_path: Path) -> None:
    source = media_corpus["hd_sparse_keys.mp4"]
    with pytest.raises(MediaError) as caught:
        reencode(source, _copy_recipe(_inspect(source)), tmp_path, lambda: True, on_start=_slow_start)
    assert caught.value.details["reason"] == "cancelled"
    assert list(tmp_path.iterdir()) == []


def test_a_copy_past_its_deadline_stops(media_corpus: MediaCorpus, tmp_path: Path) -> None:
    source = media_corpus["hd_sparse_keys.mp4"]
    with pytest.raises(MediaError) as caught:
        reencode(source, _copy_recipe(_inspect(source)), tmp_path, timeout_seconds=0.1, on_start=_slow_start)
    assert caught.value.details["reason"] == "timeout"
    assert list(tmp_path.iterdir()) == []


def test_a_copy_that_reaches_the_bound_is_refused(media_corpus: MediaCorpus, tmp_path: Path) -> None:
    source = media_corpus["moov_end.mp4"]
    with pytest.raises(MediaError) as caught:
        reencode(source, _copy_recipe(_inspect(source)), tmp_path, max_output_bytes=20_000)
    assert caught.value.details["reason"] == "too_large"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", MediaCorpus.corrupt_videos)
def test_a_corrupt_input_fails_naming_the_file_not_its_path(
    media_corpus: MediaCorpus, tmp_path: Path, name: str
) -> None:
    recipe = _copy_recipe(_inspect(media_corpus["moov_end.mp4"]))
    try:
        result = reencode(media_corpus[name], recipe, tmp_path)
    except MediaError as exc:
        assert exc.details["reason"] == "ffmpeg_failed"
        assert str(exc).startswith(f"FFmpeg failed: {name}: ")
        assert str(media_corpus.root) not in str(exc) and str(tmp_path) not in str(exc)
        assert list(tmp_path.iterdir()) == []
    else:  # a file cut short still holds the packets before the cut: those are copied, no more
        assert name == "corrupt_truncated_mdat.mp4"
        assert 0 < len(_packets(result)) < len(_packets(media_corpus["moov_end.mp4"]))


def test_start_time_is_rounded_as_ffmpeg_rounds_it() -> None:
    from cairn.media.remux import _ticks

    base = Fraction(1, 1000)
    assert _ticks(Fraction(-15, 10_000), base) == -2  # -1.5 ticks: away from zero
    assert _ticks(Fraction(15, 10_000), base) == 2
    assert _ticks(Fraction(-14, 10_000), base) == -1
    assert _ticks(Fraction(0), base) == 0


def test_a_file_without_video_fails_saying_so(media_corpus: MediaCorpus, ffmpeg_exe: str, tmp_path: Path) -> None:
    sound = tmp_path / "sound.mp4"
    subprocess.run(
        [ffmpeg_exe, "-loglevel", "error", "-i", str(media_corpus["tone.wav"]), "-c:a", "aac", str(sound)], check=True
    )
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(MediaError, match=r"^FFmpeg failed: sound\.mp4: no video stream$"):
        reencode(sound, _copy_recipe(_inspect(media_corpus["moov_end.mp4"])), out)
    assert list(out.iterdir()) == []


def test_chapters_are_copied_as_ffmpegs_command_line_copies_them(ffmpeg_exe: str, tmp_path: Path) -> None:
    metadata = tmp_path / "chapters.txt"
    metadata.write_text(
        ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1000\ntitle=one\n"
        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=1000\nEND=2000\ntitle=two\n"
    )
    source = tmp_path / "chapters.mkv"
    subprocess.run(
        [ffmpeg_exe, "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30:duration=2",
         "-i", str(metadata), "-map", "0:v", "-map_chapters", "1", "-c:v", "libx264", "-output_ts_offset", "0.5",
         str(source)],  # Matroska: chapters beside a file that starts at 0.5 s
        check=True,
    )  # fmt: skip
    recipe = _copy_recipe(_inspect(source))
    (tmp_path / "cairn").mkdir()
    ours = reencode(source, recipe, tmp_path / "cairn")
    theirs = tmp_path / "ffmpeg.mp4"
    subprocess.run([ffmpeg_exe, *ffmpeg_arguments(recipe, str(source), str(theirs))], check=True)
    with av.open(str(source)) as original, av.open(str(ours)) as mine, av.open(str(theirs)) as ffmpeg:
        assert original.start_time == 500_000  # µs: the chapters move with the timestamps, the first cut at 0
        assert [(c["start"], c["end"], c["metadata"]["title"]) for c in mine.chapters()] == [
            (0, 500, "one"),
            (500, 1500, "two"),
        ]
        assert mine.chapters() == ffmpeg.chapters()
