"""A compact set of URLs that finds URLs repeated within one manifest: 16 bytes a slot, no string kept.

Each URL is reduced to a 64-bit fingerprint: Python's own string hash (SipHash, keyed per process, which is all one
pass needs). With a million URLs the chance that two different URLs share one is about 3 in 100 million, and such a
clash would only be reported as a (false) repeat in the summary, never lose data.

The table is open addressing with linear probing over two arrays (fingerprints, location codes), at most half
full. It runs once per URL of a manifest, so ``add`` does its probing inline: a method call per URL and nothing
else at the Python level (a ``dict`` of int to int is faster still, but takes about 100 bytes a URL against 32).
"""

from __future__ import annotations

from array import array

_MASK = (1 << 64) - 1


class UrlFingerprints:
    """Open-addressing hash table of fingerprints, each with the location code where it was first seen."""

    def __init__(self, capacity: int = 1 << 12) -> None:
        self._keys = array("Q", bytes(8 * capacity))
        self._codes = array("Q", bytes(8 * capacity))
        self._mask = capacity - 1
        self._count = 0
        self._limit = capacity // 2

    def __len__(self) -> int:
        return self._count

    def add(self, url: str, code: int) -> int | None:
        """Remember ``url`` at ``code``; return the code where it was first seen if it was seen before."""
        key = (hash(url) & _MASK) or 1  # 0 marks an empty slot
        keys = self._keys
        mask = self._mask
        slot = key & mask
        held = keys[slot]
        while held:
            if held == key:
                return self._codes[slot]
            slot = (slot + 1) & mask
            held = keys[slot]
        keys[slot] = key
        self._codes[slot] = code
        self._count += 1
        if self._count > self._limit:
            self._grow()
        return None

    def _grow(self) -> None:
        """Double the table and place every fingerprint again (each is distinct: no comparison needed)."""
        old_keys, old_codes = self._keys, self._codes
        capacity = 2 * len(old_keys)
        keys = self._keys = array("Q", bytes(8 * capacity))
        codes = self._codes = array("Q", bytes(8 * capacity))
        mask = self._mask = capacity - 1
        self._limit = capacity // 2
        for key, code in zip(old_keys, old_codes, strict=True):
            if key:
                slot = key & mask
                while keys[slot]:
                    slot = (slot + 1) & mask
                keys[slot] = key
                codes[slot] = code
