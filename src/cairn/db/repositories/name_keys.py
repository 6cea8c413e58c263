"""Name keys (SQLite): an integer per item that sorts exactly as its ``(title, id)``, the rowid of the FTS5 index.

The FTS5 trigram index (``items_fts``, migration 0008) returns its matches in rowid order. With the name key as
rowid, a search sorted by name reads its matches already in name order and stops once its page is full, however
many items match and wherever they sort (``item_pages``, ``Driver.NAMED_TEXT``).

The keys are sparse: a new item takes a key between its two neighbours in name order. Where the neighbours' keys
are too close, a window of keys around them is spread evenly again ("relabelled"), the window growing until it is
sparse enough. The keys of relabelled items change; their FTS5 entries follow by trigger (0008).

Every write of ``items`` that adds an item or changes a title goes through here, in the same transaction
(``_bulk.insert_items``, ``ItemRepository.update``): after each commit every item has a key, in name order. The
tests check that after each of them (``tests/conftest.py``).

A new item's id is above every existing id (SQLite gives ``max(id) + 1``, and ``ItemRepository`` reserves ids the
same way), so it sorts after every existing item with the same title.

The queries run on the DBAPI cursor: a batch of 5,000 new items needs up to 10,000 neighbour look-ups, about 3 us
each on the cursor against about 30 us through SQLAlchemy.
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

NAME_KEY = "name_key"  # the column (SQLite only, 0008); not in the shared table definition
LOW = 0  # keys lie strictly between LOW and HIGH
HIGH = 1 << 62
# An item placed after its predecessor takes at most this step, so that more items can follow it in the same gap
# (a folder's "frame_000001.jpg" after the other folders' ones): about a million of them in an even gap at 1M items.
STEP = 1 << 32
# A relabelled window leaves at least this much between neighbours: room for 20 more items placed by halving.
SPACING = 1 << 20
_LAST_ID = (1 << 63) - 1  # the id of a new item, for comparisons: above every existing one


@dataclass(frozen=True)
class _Neighbour:
    key: int  # LOW or HIGH when there is none
    title: str | None = None
    item_id: int = 0


class NameKeys:
    """Places items in the name-key order of one SQLite connection's current transaction."""

    def __init__(self, conn: Connection) -> None:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        self.cursor = raw.cursor()

    def for_new(self, titles: Sequence[str]) -> list[int]:
        """Keys for new items with these titles, given in the order of their (future) ids."""
        return self._place([(title, _LAST_ID, seq) for seq, title in enumerate(titles)])

    def for_renamed(self, item_id: int, title: str) -> int:
        """The key of an existing item whose title became ``title``; its own key must have been cleared."""
        return self._place([(title, item_id, 0)])[0]

    def _place(self, positions: list[tuple[str, int, int]]) -> list[int]:
        """Keys for ``positions`` (title, id, sequence number), returned in the order given.

        The positions are placed in name order, one gap between existing items at a time; the keys given so far
        are not in the table yet, so a relabelled window moves them too (``placed``).
        """
        placed = _Placed(keys=[0] * len(positions))
        order = sorted(range(len(positions)), key=lambda i: positions[i])
        start = 0
        while start < len(order):
            title, item_id, _ = positions[order[start]]
            before = self._neighbour(title, item_id, before=True)
            after = self._neighbour(title, item_id, before=False)
            # Every following position that also sorts before ``after`` shares this gap.
            end = start + 1
            while end < len(order) and _sorts_before(positions[order[end]], after):
                end += 1
            self._fill_gap(before.key, after.key, order[start:end], placed)
            start = end
        return placed.keys

    def _neighbour(self, title: str, item_id: int, *, before: bool) -> _Neighbour:
        """The keyed item right before (or after) the place of ``(title, id)`` in name order."""
        side, order, none = ("<", "DESC", LOW) if before else (">", "ASC", HIGH)
        row = self.cursor.execute(
            f"SELECT name_key, title, id FROM items WHERE (title, id) {side} (?, ?) AND name_key IS NOT NULL "  # noqa: S608
            f"ORDER BY title {order}, id {order} LIMIT 1",
            (title, item_id),
        ).fetchone()
        return _Neighbour(row[0], row[1], row[2]) if row else _Neighbour(none)

    def _fill_gap(self, low: int, high: int, indexes: list[int], placed: _Placed) -> None:
        """Keys strictly between the keys ``low`` and ``high`` for the positions ``indexes``, in order."""
        count = len(indexes)
        step = (high - low) // (count + 1)
        if (low, high) != (LOW, HIGH):  # an empty table spreads them over the whole range
            step = min(step, STEP)
        if step < 1:
            self._relabel(low, high, indexes, placed)
            return
        if low == LOW:  # before the first item: keep the room below the new ones
            keys = [high - step * (count - k) for k in range(count)]
        else:
            keys = [low + step * (k + 1) for k in range(count)]
        placed.add(indexes, keys)

    def _relabel(self, low: int, high: int, indexes: list[int], placed: _Placed) -> None:
        """Spread the keys of a window around the gap (low, high) evenly, with the new ones in the gap.

        The window grows on both sides until it leaves ``SPACING`` between neighbours (or spans every key). It
        holds items of the table and keys placed earlier in this call (all below ``low``), which move with them.
        """
        count = len(indexes)
        reach = SPACING * (count + 16)
        while True:
            start, stop = max(LOW, low - reach), min(HIGH, high + reach)
            inside = self._count_between(start, stop) + len(placed.between(start, stop))
            if (stop - start) // (inside + count + 1) >= SPACING or (start, stop) == (LOW, HIGH):
                break
            reach *= 2
        rows = self.cursor.execute(
            "SELECT name_key, id FROM items WHERE name_key > ? AND name_key < ? ORDER BY name_key", (start, stop)
        ).fetchall()
        window: list[tuple[int, int | None, int | None]] = [(key, item_id, None) for key, item_id in rows]
        window += [(key, None, index) for key, index in placed.between(start, stop)]
        window.sort()
        gap_at = bisect.bisect_right([key for key, _, _ in window], low)  # the new keys go right after ``low``
        step = (stop - start) // (len(window) + count + 1)
        spread = [start + step * (k + 1) for k in range(len(window) + count)]
        moved = list(zip(window, spread[:gap_at] + spread[gap_at + count :], strict=True))
        self._move_keys([(old, item_id, new) for (old, item_id, _), new in moved if item_id is not None])
        placed.move([(index, new) for (_, _, index), new in moved if index is not None])
        placed.add(indexes, spread[gap_at : gap_at + count])

    def _count_between(self, start: int, stop: int) -> int:
        row = self.cursor.execute(
            "SELECT count(*) FROM items WHERE name_key > ? AND name_key < ?", (start, stop)
        ).fetchone()
        return int(row[0])

    def _move_keys(self, moves: list[tuple[int, int, int]]) -> None:
        """Give items (old key, id, new key) their new keys without two items ever holding the same one.

        Old and new keys are both increasing, so an item moving down can only land on the old key of an earlier
        item that also moves down, and one moving up only on that of a later item moving up: moving the first
        kind in increasing order and the second in decreasing order frees every key before it is taken.
        """
        down = [(new, item_id) for old, item_id, new in moves if new < old]
        up = [(new, item_id) for old, item_id, new in reversed(moves) if new > old]
        self.cursor.executemany("UPDATE items SET name_key = ? WHERE id = ?", down + up)


@dataclass
class _Placed:
    """Keys given so far in one call, by position index; in name order, so also increasing as they are added."""

    keys: list[int]
    given: list[tuple[int, int]] = field(default_factory=list)  # (key, index), increasing

    def add(self, indexes: list[int], keys: list[int]) -> None:
        for index, key in zip(indexes, keys, strict=True):
            self.keys[index] = key
            self.given.append((key, index))

    def between(self, start: int, stop: int) -> list[tuple[int, int]]:
        first = bisect.bisect_right(self.given, start, key=lambda given: given[0])
        last = bisect.bisect_left(self.given, stop, key=lambda given: given[0])
        return self.given[first:last]

    def move(self, moves: list[tuple[int, int]]) -> None:
        for index, key in moves:
            self.keys[index] = key
        self.given = sorted((self.keys[index], index) for _, index in self.given)


def _sorts_before(position: tuple[str, int, int], neighbour: _Neighbour) -> bool:
    if neighbour.title is None:
        return True  # no neighbour: HIGH
    return (position[0], position[1]) < (neighbour.title, neighbour.item_id)
