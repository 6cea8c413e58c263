"""MP4/MOV codec facts read from the header give the same report as FFmpeg's full probe, field by field.

The header path opens the file with ``probesize`` 32 (FFmpeg reads the header and one packet) and takes the
profile and pixel aspect ratio from ``avcC``/``hvcC``/``pasp``; ``full_probe=True`` lets FFmpeg decode the first
frames as before. Only the cost (bytes and reads) may differ. Where the header is not enough, the inspector says
why (log ``cairn.media``) and probes the packets instead.
"""

from __future__ import annotations

import json
import logging
import shlex
import subprocess
import time
from fractions import Fraction
from pathlib import Path

import av
import pytest

from cairn.domain.media import VideoReport
from cairn.media import inspect_video, open_counting
from tests.fixtures.media_corpus import MediaCorpus

COST_FIELDS = {"bytes_read", "reads"}
FALLBACK = "probing the first packets"
ISO_VIDEOS = [n for n in MediaCorpus.videos if n.endswith((".mp4", ".mov"))]

EXTRA = {  # file -> ffmpeg arguments after the input; each needs the full probe or tests the SAR precedence
    "no_pasp.mp4": "-c:v libx264 -vf setsar=sar=0/1",
    "fragmented.mp4": "-c:v libx264 -movflags frag_keyframe+empty_moov",
    "aspect_remux.mov": "-c:v libx264 -aspect 3:2",  # pasp 9:8 over a bitstream that says 1:1
    "stereo_ac3.mp4": "-c:v libx264 -ac 2 -c:a ac3",
}


@pytest.fixture(scope="module")
def extra(tmp_path_factory: pytest.TempPathFactory, ffmpeg_exe: str) -> Path:
    directory = tmp_path_factory.mktemp("header_probe")
    source = "-f lavfi -i testsrc2=size=64x48:rate=10:duration=0.5 -f lavfi -i sine=duration=0.5 -c:a aac"
    for name, arguments in EXTRA.items():
        argv = [ffmpeg_exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
        subprocess.run([*argv, *shlex.split(f"{source} {arguments}"), str(directory / name)], check=True, timeout=120)
    _say_mono(directory / "stereo_ac3.mp4", directory / "dac3_says_mono.mp4")
    return directory


def _say_mono(stereo: Path, target: Path) -> None:
    """A copy whose ``dac3`` box claims mono (acmod 1) over stereo AC-3 frames: the header and the decoder differ."""
    data = bytearray(stereo.read_bytes())
    at = data.find(b"dac3") + 4
    fields = int.from_bytes(data[at : at + 3], "big")  # fscod 2, bsid 5, bsmod 3, acmod 3, lfeon 1, rate 5, 5 bits
    assert (fields >> 11) & 0b111 == 2
    data[at : at + 3] = (fields & ~(0b111 << 11) | 1 << 11).to_bytes(3, "big")
    target.write_bytes(bytes(data))


def inspect(path: Path, *, full_probe: bool) -> VideoReport:
    with open_counting(path) as reader:
        return inspect_video(reader, full_probe=full_probe)


def differing_fields(path: Path) -> dict[str, tuple[object, object]]:
    header = inspect(path, full_probe=False).to_dict()
    probed = inspect(path, full_probe=True).to_dict()
    assert header.keys() == probed.keys()
    return {k: (header[k], probed[k]) for k in header if k not in COST_FIELDS and header[k] != probed[k]}


@pytest.mark.parametrize("name", MediaCorpus.videos)
def test_header_report_equals_the_full_probe(media_corpus: MediaCorpus, name: str) -> None:
    assert differing_fields(media_corpus[name]) == {}


@pytest.mark.parametrize("name", ISO_VIDEOS)
def test_corpus_mp4_and_mov_need_no_packet_probe(
    media_corpus: MediaCorpus, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="cairn.media"):
        report = inspect(media_corpus[name], full_probe=False)
    assert [r.getMessage() for r in caplog.records if FALLBACK in r.getMessage()] == []
    assert report.profile in {"High", "Constrained Baseline", "Main"}
    assert report.sample_aspect_ratio is not None and report.display_aspect_ratio is not None


@pytest.mark.parametrize(
    ("name", "reason"),
    [("no_pasp.mp4", "no usable pasp box"), ("fragmented.mp4", "fragmented MP4")],
)
def test_what_the_header_lacks_is_probed(extra: Path, name: str, reason: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="cairn.media"):
        inspect(extra / name, full_probe=False)
    (message,) = [r.getMessage() for r in caplog.records if FALLBACK in r.getMessage()]
    assert reason in message
    assert differing_fields(extra / name) == {}


def test_the_container_ratio_outranks_the_bitstreams(extra: Path, ffprobe_exe: str) -> None:
    report = inspect(extra / "aspect_remux.mov", full_probe=False)
    assert (report.sample_aspect_ratio, report.display_aspect_ratio) == (Fraction(9, 8), Fraction(3, 2))
    assert ffprobe_ratios(ffprobe_exe, extra / "aspect_remux.mov") == ("9:8", "3:2")
    assert differing_fields(extra / "aspect_remux.mov") == {}


def test_audio_facts_are_the_decoders_as_in_the_full_probe(extra: Path) -> None:
    """FFmpeg's full probe decodes an audio stream's first packet (AAC's SBR/PS change rate and channels); so does
    the header path, though FFmpeg itself read a video packet only."""
    header_only = {"probesize": "32", "analyzeduration": "0"}
    with av.open(str(extra / "dac3_says_mono.mp4"), options=header_only) as container:
        assert container.streams.audio[0].codec_context.channels == 1  # FFmpeg read a video packet: dac3's word
    (audio,) = inspect(extra / "dac3_says_mono.mp4", full_probe=False).audio_streams
    assert (audio.codec, audio.channels) == ("ac3", 2)
    assert differing_fields(extra / "dac3_says_mono.mp4") == {}


def ffprobe_ratios(ffprobe: str, path: Path) -> tuple[str, str]:
    argv = [ffprobe, "-v", "error", "-select_streams", "v:0", "-show_streams", "-of", "json", str(path)]
    (stream,) = json.loads(subprocess.run(argv, check=True, capture_output=True, text=True).stdout)["streams"]
    return stream.get("sample_aspect_ratio", "N/A"), stream.get("display_aspect_ratio", "N/A")


@pytest.mark.parametrize("name", MediaCorpus.videos)
def test_aspect_ratios_are_ffprobes(media_corpus: MediaCorpus, ffprobe_exe: str, name: str) -> None:
    report = inspect(media_corpus[name], full_probe=False)
    shown = tuple(
        f"{r.numerator}:{r.denominator}" if r else "N/A"
        for r in (report.sample_aspect_ratio, report.display_aspect_ratio)
    )
    assert shown == ffprobe_ratios(ffprobe_exe, media_corpus[name])


def test_the_header_path_decodes_no_video_frame(tmp_path: Path, ffmpeg_exe: str) -> None:
    """The header path needs no decoded picture (its codec facts come from the header), so it asks FFmpeg to skip
    decoding: inspecting 1080p frames costs what 64x48 frames of the same count cost. (A 1080p key frame's decode
    took ~8 ms of CPU, several times the whole inspection of a small file.)"""
    small, big = tmp_path / "small.mp4", tmp_path / "big.mp4"
    for path, size in ((small, "64x48"), (big, "1920x1080")):
        source = f"testsrc2=size={size}:rate=30:duration=1"
        argv = [ffmpeg_exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source,
                "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)]  # fmt: skip
        subprocess.run(argv, check=True, timeout=120)
    assert inspect(big, full_probe=False).width == 1920
    assert cpu_seconds(big) < 2 * cpu_seconds(small)


def cpu_seconds(path: Path, runs: int = 7) -> float:
    """The least CPU time of this thread (FFmpeg's probe decodes in it) over ``runs`` header inspections."""
    spent = []
    for _ in range(runs):
        start = time.thread_time()
        inspect(path, full_probe=False)
        spent.append(time.thread_time() - start)
    return min(spent)
