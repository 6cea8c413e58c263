"""A video item's duration and frame count describe the video stream labels are placed on, not the container
(whose duration is the longest stream's: 4 s for a 2 s video with 4 s of audio)."""

from __future__ import annotations

import pytest

from cairn.domain.records import User
from cairn.services.registry import Registry
from tests.fixtures.media_corpus import MediaCorpus


def test_a_video_with_longer_audio_has_the_video_streams_duration(
    registry: Registry, admin: User, media_corpus: MediaCorpus
) -> None:
    outcome = registry.inspection.probe_path(actor=admin, path=media_corpus["audio_longer.mp4"])
    assert outcome.media.duration == pytest.approx(2.0, abs=0.05)
    assert outcome.report["duration_seconds"] == pytest.approx(4.0, abs=0.05)  # the container's, still reported


@pytest.mark.parametrize("name", MediaCorpus.videos)
def test_duration_and_frame_count_describe_the_same_stream(
    registry: Registry, admin: User, media_corpus: MediaCorpus, name: str
) -> None:
    media = registry.inspection.probe_path(actor=admin, path=media_corpus[name]).media
    assert media.duration is not None and media.fps and media.frame_count
    assert media.duration == pytest.approx(media.frame_count / media.fps, abs=1.5 / media.fps), name
