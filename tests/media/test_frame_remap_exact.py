"""The frame remap equals what decoding both files shows: every frame carries its original index in its pixels.

Originals: B-frames at a constant rate, variable rates (with and without rounding jitter), audio, ghost frames from
stream-copy cuts inside a frame in mp4 and mov, non-square pixels. Each goes through the auto and full recipes
(and a resize to another rate); the remap computed from the two frame maps must name, for every result frame,
exactly the original frame its pixels show, and for every original frame the first result frame showing it.
"""

from __future__ import annotations

import random
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from cairn.domain.frame_remap import frame_remap
from cairn.domain.media import VideoReport
from cairn.domain.reencode import Recipe, auto_recipe, full_recipe, resize_recipe
from cairn.media import inspect_video, open_counting
from cairn.media.processing import reencode
from tests.fixtures.indexed_video import decoded_indices, write_indexed_video


def _jittery_pts(count: int) -> list[int]:
    rng = random.Random(16)
    ticks, out = 0, []
    for _ in range(count):
        out.append(ticks)
        ticks += rng.randint(1200, 7000)
    return out


def _steps_pts(count: int, steps: list[int]) -> list[int]:
    out, ticks = [], 0
    for i in range(count):
        out.append(ticks)
        ticks += steps[i % len(steps)]
    return out


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory, ffmpeg_exe: str) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("indexed")
    made = {
        "bframes.mp4": write_indexed_video(root / "bframes.mp4", [i * 3000 for i in range(90)]),
        "vfr.mp4": write_indexed_video(root / "vfr.mp4", _steps_pts(80, [3000, 6000, 3000, 9000, 1500, 3000])),
        "vfr_jitter.mp4": write_indexed_video(root / "vfr_jitter.mp4", _jittery_pts(80)),
    }

    def ff(*args: str) -> None:
        argv = [ffmpeg_exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
        subprocess.run(argv, check=True, cwd=root, capture_output=True, timeout=120)

    sine = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=3"]
    ff("-i", "bframes.mp4", *sine, "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "audio_end.mp4")
    ff("-ss", "1.05", "-i", "audio_end.mp4", "-c", "copy", "-movflags", "+faststart", "ghost_cut.mp4")
    ff("-ss", "0.517", "-i", "audio_end.mp4", "-map", "0:v", "-c", "copy", "ghost_cut.mov")
    ff("-i", "bframes.mp4", "-vf", "setsar=4/3", "-c:v", "libx264", "-crf", "12", "-preset", "veryfast", "sar.mp4")
    for name in ("audio_end.mp4", "ghost_cut.mp4", "ghost_cut.mov", "sar.mp4"):
        made[name] = root / name
    return made


def _inspect(path: Path) -> VideoReport:
    with open_counting(path) as reader:
        return inspect_video(reader, headers_known=False)


RECIPES = {
    "auto": auto_recipe,
    "full": full_recipe,
    "resize_24fps": lambda report: resize_recipe(report, height=90, frame_rate=Fraction(24)),
}
CASES = [
    ("bframes.mp4", "full"),
    ("bframes.mp4", "resize_24fps"),
    ("vfr.mp4", "auto"),
    ("vfr.mp4", "full"),
    ("vfr_jitter.mp4", "auto"),
    ("vfr_jitter.mp4", "resize_24fps"),
    ("audio_end.mp4", "auto"),
    ("ghost_cut.mp4", "auto"),
    ("ghost_cut.mp4", "full"),
    ("ghost_cut.mov", "auto"),
    ("ghost_cut.mov", "resize_24fps"),
    ("sar.mp4", "auto"),
]


@pytest.mark.parametrize(("name", "recipe_name"), CASES)
def test_remap_matches_decoded_frames(originals: dict[str, Path], tmp_path: Path, name: str, recipe_name: str) -> None:
    source = originals[name]
    before = _inspect(source)
    recipe: Recipe = RECIPES[recipe_name](before)
    assert recipe.needed
    result = reencode(source, recipe, tmp_path)
    after = _inspect(result)

    shown_before = decoded_indices(source)
    shown_after = decoded_indices(result)
    assert len(shown_before) == len(before.frame_map)
    assert len(shown_after) == len(after.frame_map)
    truth_shown_by = [shown_before.index(index) for index in shown_after]
    truth_new_of = [shown_after.index(index) if index in shown_after else None for index in shown_before]

    remap = frame_remap(before.frame_map, after.frame_map)
    assert list(remap.shown_by) == truth_shown_by
    assert list(remap.new_of) == truth_new_of


def test_the_cases_cover_drops_duplicates_and_ghosts(originals: dict[str, Path], tmp_path: Path) -> None:
    """The corpus is not trivially one to one: ghosts are hidden, and the rate changes drop and duplicate frames."""
    assert _inspect(originals["ghost_cut.mp4"]).hidden_frame_count > 0
    assert _inspect(originals["ghost_cut.mov"]).hidden_frame_count > 0
    assert _inspect(originals["vfr_jitter.mp4"]).frame_rate_mode == "vfr"
    before = _inspect(originals["vfr_jitter.mp4"])
    result = reencode(originals["vfr_jitter.mp4"], RECIPES["resize_24fps"](before), tmp_path)
    remap = frame_remap(before.frame_map, _inspect(result).frame_map)
    assert remap.dropped
    assert len(set(remap.shown_by)) < len(remap.shown_by)
