"""The sign-in throttle on its own, with a clock the test moves: limits, Retry-After, no lock for good, bounded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.errors import TooManyAttempts
from cairn.services.login_throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _throttle(clock: Clock, **limits: int) -> LoginThrottle:
    return LoginThrottle(per_account=3, per_address=5, window=100, clock=clock, **limits)


def _refused(throttle: LoginThrottle, email: str = "a@example.com", address: str | None = "10.0.0.1") -> int | None:
    """Seconds to wait, or None if a try would be checked."""
    try:
        throttle.check(email=email, address=address)
    except TooManyAttempts as refused:
        return refused.retry_after
    return None


def test_the_limit_the_wait_and_a_success_that_clears_the_account() -> None:
    clock = Clock()
    throttle = _throttle(clock)
    for second in (0, 10, 20):
        clock.now = second
        assert _refused(throttle) is None
        throttle.failed(email="A@example.com ", address="10.0.0.1")  # the email as typed, case and spaces aside
    clock.now = 30
    assert _refused(throttle) == 70  # until the oldest of the 3 failures leaves the window
    assert _refused(throttle, address="10.0.0.2") == 70  # the account is throttled from anywhere
    assert _refused(throttle, email="b@example.com") is None  # the address (3 of 5) is not
    clock.now = 100
    assert _refused(throttle) is None
    throttle.failed(email="a@example.com", address="10.0.0.1")
    assert _refused(throttle) == 10
    throttle.succeeded(email="a@example.com")
    assert _refused(throttle, address=None) is None


def test_an_address_is_throttled_across_accounts() -> None:
    clock = Clock()
    throttle = _throttle(clock)
    for n in range(5):
        throttle.failed(email=f"{n}@example.com", address="10.0.0.1")
    assert _refused(throttle, email="new@example.com") == 100
    assert _refused(throttle, email="new@example.com", address="10.0.0.2") is None


def test_the_counts_kept_are_bounded() -> None:
    clock = Clock()
    throttle = _throttle(clock, max_keys=50)
    for n in range(1000):
        throttle.failed(email=f"{n}@example.com", address=None)
    assert len(throttle._failures) == 50


@given(st.lists(st.tuples(st.floats(0, 500), st.sampled_from(["a", "b"]), st.sampled_from(["x", "y"])), max_size=60))
def test_nobody_is_locked_for_longer_than_a_window_after_their_last_failure(
    failures: list[tuple[float, str, str]],
) -> None:
    """Whatever the failures, a try a window after the last one is checked, and a wait never passes that point."""
    clock = Clock()
    throttle = _throttle(clock)
    for at, email, address in sorted(failures):
        clock.now = at
        wait = _refused(throttle, email=email, address=address)
        if wait is None:
            throttle.failed(email=email, address=address)
        else:
            assert 0 < wait <= 100
    last = max((at for at, _, _ in failures), default=0.0)
    clock.now = last + 100
    for email in "ab":
        for address in "xy":
            assert _refused(throttle, email=email, address=address) is None


def test_too_many_attempts_is_an_authentication_error_with_retry_after() -> None:
    error = TooManyAttempts("wait", retry_after=42)
    assert error.retry_after == 42 and error.to_dict()["details"] == {"retry_after_seconds": 42}
    with pytest.raises(TooManyAttempts):
        raise error
