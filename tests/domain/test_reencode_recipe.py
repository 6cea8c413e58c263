"""The auto recipe on its own (pure): each finding gives its step, and only findings give steps.

Reports are built here with the checks a test wants; tests/media/test_reencode.py runs recipes on real videos.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from cairn.domain.frame_map import FrameMap
from cairn.domain.media import AudioStreamInfo, Check, ReadStats, Verdict, VideoReport
from cairn.domain.reencode import auto_recipe, ffmpeg_arguments, full_recipe

# check -> (verdicts that call for a step, the step, whether the step needs a re-encode)
STEP_OF = {
    "audio": ({Verdict.WARNING, Verdict.PROBLEM}, "drop_audio", False),
    "faststart": ({Verdict.WARNING, Verdict.PROBLEM}, "faststart", False),
    "start_time": ({Verdict.WARNING, Verdict.PROBLEM}, "start_at_zero", False),
    "container": ({Verdict.WARNING, Verdict.PROBLEM}, "mp4", False),
    "ghost_frames": ({Verdict.PROBLEM}, "drop_hidden_frames", True),
    "frame_rate": ({Verdict.PROBLEM}, "constant_frame_rate", True),
    "pixel_aspect_ratio": ({Verdict.PROBLEM}, "square_pixels", True),
    "codec": ({Verdict.PROBLEM}, "h264", True),
    "keyframe_interval": ({Verdict.WARNING, Verdict.PROBLEM}, "key_frames", True),
}
NO_STEP = ("bitrate", "file_size", "frame_count", "cache_control")


def _report(verdicts: dict[str, Verdict]) -> VideoReport:
    checks = [Check(name, verdict, f"{name} is {verdict}") for name, verdict in verdicts.items()]
    frame_map = FrameMap(Fraction(1, 15360), tuple(range(0, 512 * 60, 512)))
    audio = [AudioStreamInfo(codec="aac", sample_rate=48000, channels=2, duration_seconds=2.0)]
    return VideoReport(
        checks=checks,
        read=ReadStats(bytes_read=0, reads=0, whole_file_read=False),
        container="mov",
        codec="hevc",
        codec_tag=None,
        profile=None,
        width=640,
        height=480,
        sample_aspect_ratio=Fraction(4, 3),
        display_aspect_ratio=Fraction(16, 9),
        rotation=0,
        average_frame_rate=Fraction(30),
        nominal_frame_rate=Fraction(30),
        frame_rate_mode="cfr",
        duration_seconds=2.0,
        frame_count=60,
        hidden_frame_count=3,
        start_time_seconds=0.0,
        bit_rate=None,
        keyframe_indices=[0],
        audio_streams=audio if verdicts.get("audio", Verdict.OK) is not Verdict.OK else [],
        moov_position="end",
        size=1000,
        frame_map=frame_map,
    )


verdict_maps = st.fixed_dictionaries({name: st.sampled_from(list(Verdict)) for name in (*STEP_OF, *NO_STEP)})


@given(verdict_maps)
def test_each_finding_gives_its_step_and_nothing_else_does(verdicts: dict[str, Verdict]) -> None:
    recipe = auto_recipe(_report(verdicts))
    expected = {step for name, (calls, step, _) in STEP_OF.items() if verdicts[name] in calls}
    encode = any(verdicts[name] in calls for name, (calls, _, enc) in STEP_OF.items() if enc)
    names = [s.name for s in recipe.steps]
    assert len(names) == len(set(names))
    assert set(names) - {"drop_audio"} == expected - {"drop_audio"}
    assert ("drop_audio" in names) == ("drop_audio" in expected)  # audio only when there is audio
    assert recipe.encode == encode
    assert recipe.needed == bool(expected)
    assert (recipe.frame_rate is not None) == ("constant_frame_rate" in expected)
    assert (recipe.size is not None) == ("square_pixels" in expected)
    assert (recipe.keyframe_interval is not None) == ("key_frames" in expected)
    args = ffmpeg_arguments(recipe, "in", "out")
    assert ("libx264" in args) == encode
    assert ("copy" in args) == (not encode)


def test_reasons_carry_the_findings() -> None:
    recipe = auto_recipe(_report({"ghost_frames": Verdict.PROBLEM, "audio": Verdict.WARNING}))
    assert [s.name for s in recipe.steps] == ["drop_audio", "drop_hidden_frames"]
    assert "audio is warning" in recipe.steps[0].reason
    assert "ghost_frames is problem" in recipe.steps[1].reason


def test_full_recipe_always_normalises() -> None:
    recipe = full_recipe(_report({}))
    assert [s.name for s in recipe.steps] == ["h264", "constant_frame_rate", "drop_audio", "faststart", "square_pixels"]
    assert recipe.encode and recipe.frame_rate == 30 and recipe.size == (854, 480)
    args = ffmpeg_arguments(recipe, "in", "out")
    assert args[args.index("-vf") + 1] == "setpts=PTS-STARTPTS,scale=w=2*round(ih*dar/2):h=ih,setsar=1,fps=30"
    assert args[args.index("-fps_mode") + 1] == "cfr"
    assert "-an" not in args and args[args.index("-map") + 1] == "0:v:0"
