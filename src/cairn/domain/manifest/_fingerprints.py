"""A compact set of URLs that finds URLs repeated within one manifest: 16 bytes a slot, no string kept.

Each URL is reduced to a 64-bit fingerprint: Python's own string hash (SipHash, keyed per process, which is all one
pass needs). With a million URLs the chance that two different URLs share one is about 3 in 100 million, and such a
clash would only be reported as a (false) repeat in the summary, never lose data.
"""

from __future__ import annotations

from array import array

_EMPTY = 0


_MASK = (1 << 64) - 1


def _fingerprint(url: str) -> int:
    return (hash(url) & _MASK) or 1


class UrlFingerprints:
    """Open-addressing hash table of fingerprints, each with the location code where it was first seen."""

    def __init__(self, capacity: int = 1 << 12) -> None:
        self._keys = array("Q", bytes(8 * capacity))
        self._codes = array("Q", bytes(8 * capacity))
        self._mask = capacity - 1
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, url: str, code: int) -> int | None:
        """Remember ``url`` at ``code``; return the code where it was first seen if it was seen before."""
        return self._insert(_fingerprint(url), code)

    def _insert(self, key: int, code: int) -> int | None:
        slot = key & self._mask
        keys = self._keys
        while keys[slot] != _EMPTY:
            if keys[slot] == key:
                return self._codes[slot]
            slot = (slot + 1) & self._mask
        keys[slot] = key
        self._codes[slot] = code
        self._count += 1
        if self._count * 2 > len(keys):
            self._grow()
        return None

    def _grow(self) -> None:
        old = zip(self._keys, self._codes, strict=True)
        capacity = 2 * len(self._keys)
        self._keys = array("Q", bytes(8 * capacity))
        self._codes = array("Q", bytes(8 * capacity))
        self._mask = capacity - 1
        self._count = 0
        for key, code in old:
            if key != _EMPTY:
                self._insert(key, code)
