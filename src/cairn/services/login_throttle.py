"""How often a password sign-in may fail: per account and per client address, in a sliding window.

Failures are counted for the email as typed (lower-cased), whether or not such an account exists, so that being
throttled says nothing about the account. Once an account or an address has :attr:`LoginThrottle.per_account` /
:attr:`LoginThrottle.per_address` failures in the last :attr:`LoginThrottle.window`, further tries are refused
without checking the password (429 with Retry-After) until the oldest of those failures is out of the window: a
lock lasts at most one window after the last counted failure, never for good. Refused tries are not counted, and
a successful sign-in clears its account's count. Counts live in the server process (they start again at a restart)
and their number is bounded, so that made-up emails cannot fill the memory.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from cairn.errors import TooManyAttempts

PER_ACCOUNT = 10
PER_ADDRESS = 30  # higher: the people of one office may share an address
WINDOW_SECONDS = 15 * 60
MAX_KEYS = 100_000


class LoginThrottle:
    def __init__(
        self,
        *,
        per_account: int = PER_ACCOUNT,
        per_address: int = PER_ADDRESS,
        window: float = WINDOW_SECONDS,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_account, self.per_address, self.window = per_account, per_address, window
        self._max_keys = max_keys
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, *, email: str, address: str | None) -> None:
        """Refuse (TooManyAttempts, with the seconds to wait) if the account or the address failed too often."""
        with self._lock:
            now = self._clock()
            waits = [self._wait(key, limit, now) for key, limit in self._keys(email, address)]
        wait = max(waits, default=0.0)
        if wait > 0:
            seconds = min(math.ceil(wait), math.ceil(self.window))  # whole seconds, never past a window (float noise)
            raise TooManyAttempts(
                f"too many failed sign-ins for this account or from this address: try again in {seconds} seconds "
                "(or ask an organization admin for a password reset link)",
                retry_after=seconds,
            )

    def failed(self, *, email: str, address: str | None) -> None:
        """Count a failed sign-in against the account and the address."""
        with self._lock:
            now = self._clock()
            for key, _limit in self._keys(email, address):
                self._failures.setdefault(key, deque()).append(now)
            self._bound(now)

    def succeeded(self, *, email: str) -> None:
        """A sign-in worked: the account's failures are forgotten (the address's are not)."""
        with self._lock:
            self._failures.pop(_account_key(email), None)

    def _keys(self, email: str, address: str | None) -> list[tuple[str, int]]:
        keys = [(_account_key(email), self.per_account)]
        if address:
            keys.append((f"address:{address}", self.per_address))
        return keys

    def _wait(self, key: str, limit: int, now: float) -> float:
        """Seconds until ``key`` is below its limit again (0: it is)."""
        times = self._failures.get(key)
        if times is None:
            return 0.0
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return 0.0
        if len(times) < limit:
            return 0.0
        return times[-limit] + self.window - now

    def _bound(self, now: float) -> None:
        """Keep at most ``max_keys`` counts: the expired go first, then the oldest."""
        if len(self._failures) <= self._max_keys:
            return
        for key in [k for k, times in self._failures.items() if times[-1] <= now - self.window]:
            del self._failures[key]
        while len(self._failures) > self._max_keys:
            del self._failures[next(iter(self._failures))]


def _account_key(email: str) -> str:
    return f"account:{email.strip().lower()}"
