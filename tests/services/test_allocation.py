"""The raised collection threshold of bulk work is shared by concurrent users and always restored."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from cairn.services._allocation import _BULK_THRESHOLD, bulk_allocations


@pytest.fixture(autouse=True)
def default_threshold() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_raised_inside_and_restored_after_even_on_error() -> None:
    with pytest.raises(RuntimeError), bulk_allocations():
        assert gc.get_threshold() == (_BULK_THRESHOLD, 10, 10)
        raise RuntimeError("boom")
    assert gc.get_threshold() == (700, 10, 10)


def test_overlapping_users_restore_only_when_the_last_leaves() -> None:
    first_in, second_done, seen = threading.Event(), threading.Event(), []

    def second() -> None:
        first_in.wait()
        with bulk_allocations():
            seen.append(gc.get_threshold()[0])
        seen.append(gc.get_threshold()[0])  # the first user is still inside
        second_done.set()

    worker = threading.Thread(target=second)
    worker.start()
    with bulk_allocations():
        first_in.set()
        second_done.wait(10)
    worker.join(10)
    assert seen == [_BULK_THRESHOLD, _BULK_THRESHOLD]
    assert gc.get_threshold() == (700, 10, 10)


def test_a_higher_or_disabled_setting_is_left_alone() -> None:
    gc.set_threshold(500_000, 10, 10)
    with bulk_allocations():
        assert gc.get_threshold()[0] == 500_000
    gc.set_threshold(0, 10, 10)
    with bulk_allocations():
        assert gc.get_threshold()[0] == 0
