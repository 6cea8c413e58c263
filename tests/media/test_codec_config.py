"""Profiles and pixel aspect from real ``avcC``/``hvcC``/``pasp`` boxes, checked against FFmpeg's own answers.

Each file is encoded here (libx264/libx265 through FFmpeg); the oracle is PyAV after FFmpeg's full probe, which
decodes the first frames, and FFmpeg's ``av_reduce`` behind PyAV's codec-context display aspect ratio.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import av
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.media import codec_config, mp4
from cairn.media.reading import open_counting

_SOURCE = "-f lavfi -i testsrc2=size=64x48:rate=10:duration=0.3"
_X265 = "-c:v libx265 -x265-params log-level=none"
ENCODED = {  # file -> ffmpeg output arguments, and the profile FFmpeg reports after its full probe
    "h264_cbaseline.mp4": ("-c:v libx264 -profile:v baseline -pix_fmt yuv420p", "Constrained Baseline"),
    "h264_main.mp4": ("-c:v libx264 -profile:v main -pix_fmt yuv420p", "Main"),
    "h264_high.mp4": ("-c:v libx264 -pix_fmt yuv420p", "High"),
    "h264_high10.mp4": ("-c:v libx264 -pix_fmt yuv420p10le", "High 10"),
    "h264_high10_intra.mp4": ("-c:v libx264 -pix_fmt yuv420p10le -x264-params keyint=1", "High 10 Intra"),
    "h264_high422.mp4": ("-c:v libx264 -pix_fmt yuv422p", "High 4:2:2"),
    "h264_high444.mp4": ("-c:v libx264 -pix_fmt yuv444p", "High 4:4:4 Predictive"),
    "hevc_main.mp4": (f"{_X265} -pix_fmt yuv420p -tag:v hvc1", "Main"),
    "hevc_main10.mp4": (f"{_X265} -pix_fmt yuv420p10le", "Main 10"),
    "hevc_rext.mov": (f"{_X265} -pix_fmt yuv444p", "Rext"),
}
ASPECTS = {  # file -> ffmpeg output arguments giving the pixel aspect ratio of the pasp box
    "sar_4_3.mp4": "-c:v libx264 -vf setsar=4/3",
    "sar_64_45.mov": "-c:v libx264 -vf setsar=64/45",
    "sar_wide_terms.mp4": "-c:v libx264 -vf setsar=sar=65535/65534:max=65535",
}


def _encode(ffmpeg: str, directory: Path, name: str, arguments: str) -> Callable[[], None]:
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *shlex.split(f"{_SOURCE} {arguments}")]
    return lambda: subprocess.run([*argv, str(directory / name)], check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def encoded(tmp_path_factory: pytest.TempPathFactory, ffmpeg_exe: str) -> Path:
    directory = tmp_path_factory.mktemp("codec_config")
    jobs = [_encode(ffmpeg_exe, directory, n, a) for n, (a, _) in ENCODED.items()]
    jobs += [_encode(ffmpeg_exe, directory, n, a) for n, a in ASPECTS.items()]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()
    return directory


def sample_entry(path: Path) -> mp4.SampleEntry:
    with open_counting(path) as reader:
        tables = mp4.read_video_track(reader, mp4.scan_top_level(reader), track_id=None)
    assert tables is not None and tables.sample_entry is not None
    return tables.sample_entry


def full_probe(path: Path) -> av.video.stream.VideoStream:
    with av.open(str(path)) as container:
        return container.streams.video[0]


@pytest.mark.parametrize(("name", "expected"), [(n, p) for n, (_, p) in ENCODED.items()])
def test_profile_from_the_decoder_configuration(encoded: Path, name: str, expected: str) -> None:
    entry = sample_entry(encoded / name)
    if name.startswith("h264"):
        profile = codec_config.h264_profile(entry.boxes["avcC"])
    else:
        profile = codec_config.hevc_profile(entry.boxes["hvcC"])
    assert profile == expected == full_probe(encoded / name).profile


def test_profile_names_are_ffmpegs() -> None:
    assert set(codec_config.H264_PROFILES.values()) == set(av.CodecContext.create("h264", "r").profiles)
    assert set(codec_config.HEVC_PROFILES.values()) == set(av.CodecContext.create("hevc", "r").profiles)


def _with_sps_byte(avcc: bytes, index: int, value: int) -> bytes:
    """The box with byte ``index`` of its first SPS NAL unit replaced (that NAL unit starts at byte 8)."""
    at = 8 + index
    return avcc[:at] + bytes([value]) + avcc[at + 1 :]


def test_h264_constraint_flags_name_the_profile(encoded: Path) -> None:
    baseline = sample_entry(encoded / "h264_cbaseline.mp4").boxes["avcC"]
    assert baseline[9] == 66 and baseline[10] & 0x40  # x264 sets constraint_set1_flag: Constrained Baseline
    assert codec_config.h264_profile(_with_sps_byte(baseline, 2, baseline[10] & ~0x40)) == "Baseline"
    high10 = sample_entry(encoded / "h264_high10.mp4").boxes["avcC"]
    assert codec_config.h264_profile(_with_sps_byte(high10, 2, high10[10] | 0x10)) == "High 10 Intra"
    assert codec_config.h264_profile(_with_sps_byte(high10, 1, 118)) == "Multiview High"
    assert codec_config.h264_profile(_with_sps_byte(high10, 1, 99)) is None  # no such profile


def test_h264_profile_needs_one_profile_in_the_parameter_sets(encoded: Path) -> None:
    avcc = sample_entry(encoded / "h264_high.mp4").boxes["avcC"]
    length = int.from_bytes(avcc[6:8], "big")
    sps, rest = avcc[6 : 8 + length], avcc[8 + length :]  # the SPS with its length, then the PPS count and PPSs
    main = sps[:3] + bytes([77]) + sps[4:]
    assert codec_config.h264_profile(avcc[:5] + bytes([0xE2]) + sps + sps + rest) == "High"
    assert codec_config.h264_profile(avcc[:5] + bytes([0xE2]) + sps + main + rest) is None
    assert codec_config.h264_profile(avcc[:5] + bytes([0xE0]) + rest) is None  # no SPS
    assert codec_config.h264_profile(avcc[:5] + bytes([0xE1]) + rest) is None  # the PPS is not an SPS
    assert codec_config.h264_profile(avcc[:7]) is None  # cut inside the SPS length
    assert codec_config.h264_profile(b"\x00" + avcc[1:]) is None  # unknown configuration version


def test_hevc_profile_zero_takes_the_first_compatibility_flag(encoded: Path) -> None:
    hvcc = sample_entry(encoded / "hevc_main10.mp4").boxes["hvcC"]
    assert hvcc[1] & 0x1F == 2
    idc_zero = hvcc[:1] + bytes([hvcc[1] & 0xE0]) + (1 << 29 | 1 << 28).to_bytes(4, "big") + hvcc[6:]
    assert codec_config.hevc_profile(idc_zero) == "Main 10"  # flags 2 and 3 set: the first wins
    with_flag_zero = idc_zero[:2] + bytes([idc_zero[2] | 0x80]) + idc_zero[3:]
    assert codec_config.hevc_profile(with_flag_zero) == "Main 10"  # flag 0 does not count
    assert codec_config.hevc_profile(hvcc[:1] + bytes([hvcc[1] & 0xE0 | 5]) + hvcc[2:]) is None  # unnamed
    assert codec_config.hevc_profile(hvcc[:4]) is None


@pytest.mark.parametrize("name", list(ASPECTS))
def test_pixel_aspect_ratio_is_the_demuxers(encoded: Path, name: str) -> None:
    ratio = codec_config.pixel_aspect_ratio(sample_entry(encoded / name).boxes["pasp"])
    assert ratio is not None and ratio == full_probe(encoded / name).sample_aspect_ratio


def test_unusable_pixel_aspect_ratios() -> None:
    assert codec_config.pixel_aspect_ratio(bytes.fromhex("0000000400000003")) == Fraction(4, 3)
    assert codec_config.pixel_aspect_ratio(bytes.fromhex("0000000000000003")) is None
    assert codec_config.pixel_aspect_ratio(bytes.fromhex("ffffffff00000001")) is None  # -1 as FFmpeg reads it
    assert codec_config.pixel_aspect_ratio(bytes.fromhex("00000004")) is None


@given(
    width=st.integers(1, 8192),
    height=st.integers(1, 8192),
    sar=st.tuples(st.integers(1, 65535), st.integers(1, 65535)),
)
def test_display_aspect_ratio_reduces_as_ffmpeg(width: int, height: int, sar: tuple[int, int]) -> None:
    context = av.CodecContext.create("rawvideo", "w")  # FFmpeg's av_reduce, through PyAV's codec context
    context.width, context.height, context.sample_aspect_ratio = width, height, Fraction(*sar)
    assert codec_config.display_aspect_ratio(width, height, Fraction(*sar)) == context.display_aspect_ratio


def test_reduce_ratio_keeps_the_sign_and_exact_ratios() -> None:
    assert codec_config.reduce_ratio(-1920, 1080) == (-16, 9)
    assert codec_config.reduce_ratio(3, 0) == (1, 0)
    assert codec_config.reduce_ratio(0, 0) == (0, 0)
    assert codec_config.display_aspect_ratio(1920, 1080, None) is None
