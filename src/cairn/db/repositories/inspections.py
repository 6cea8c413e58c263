"""Inspection reports and frame maps, one of each per item (the latest)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cairn.db.inspection_schema import frame_maps, inspections, reencodes
from cairn.db.repositories._common import Repository, now, utc

# Built once, the values given as parameters (SQLAlchemy then compiles each once): every inspection and re-encode
# runs them.
_ADD_INSPECTION = inspections.insert()
_ADD_FRAME_MAP = frame_maps.insert()
_ADD_REENCODE = reencodes.insert()
_GET_INSPECTION = sa.select(inspections).where(inspections.c.item_id == sa.bindparam("item_id"))
_GET_FRAME_MAP = sa.select(frame_maps.c.encoded).where(frame_maps.c.item_id == sa.bindparam("item_id"))


@dataclass(frozen=True)
class StoredInspection:
    item_id: int
    inspected_at: datetime
    verdict: str
    report: dict[str, Any]
    bytes_read: int
    requests: int
    whole_file_read: bool
    seconds: float


@dataclass(frozen=True)
class NewInspection:
    """An inspection to store (its frame map, if any, goes beside it)."""

    item_id: int
    verdict: str
    report: dict[str, Any]
    bytes_read: int
    requests: int
    whole_file_read: bool
    seconds: float


@dataclass(frozen=True)
class StoredReencode:
    """A re-encode: the item it made, the item it was made from (None: deleted since), how, and the frame remap."""

    result_item_id: int
    original_item_id: int | None
    mode: str
    steps: list[dict[str, str]]
    remap: list[int | None]
    created_at: datetime


class InspectionRepository(Repository):
    def save(self, row: NewInspection, *, frame_map: tuple[int, bytes] | None) -> None:
        """Replace the item's inspection (and its frame map: kept when given, dropped when None)."""
        self.conn.execute(inspections.delete().where(inspections.c.item_id == row.item_id))
        self.conn.execute(frame_maps.delete().where(frame_maps.c.item_id == row.item_id))
        self.add(row, frame_map=frame_map)

    def add(self, row: NewInspection, *, frame_map: tuple[int, bytes] | None) -> None:
        """The inspection (and frame map) of an item made in this transaction: nothing stored yet to replace."""
        self.add_many([row])
        if frame_map is not None:
            count, encoded = frame_map
            self.conn.execute(_ADD_FRAME_MAP, {"item_id": row.item_id, "frame_count": count, "encoded": encoded})

    def add_many(self, rows: Sequence[NewInspection]) -> None:
        """The inspections of items made in this transaction (none stored yet: nothing to replace), in one insert."""
        if rows:
            at = now()
            self.conn.execute(_ADD_INSPECTION, [_values(row, at) for row in rows])

    def get(self, item_id: int) -> StoredInspection | None:
        row = self.conn.execute(_GET_INSPECTION, {"item_id": item_id}).first()
        if row is None:
            return None
        return StoredInspection(
            item_id=row.item_id,
            inspected_at=utc(row.inspected_at),
            verdict=row.verdict,
            report=row.report,
            bytes_read=row.bytes_read,
            requests=row.requests,
            whole_file_read=row.whole_file_read,
            seconds=row.seconds,
        )

    def frame_map(self, item_id: int) -> bytes | None:
        value = self.conn.execute(_GET_FRAME_MAP, {"item_id": item_id}).scalar_one_or_none()
        return bytes(value) if value is not None else None

    def save_reencode(
        self,
        *,
        result_item_id: int,
        original_item_id: int,
        mode: str,
        steps: list[dict[str, str]],
        remap: list[int | None],
    ) -> None:
        values = {
            "result_item_id": result_item_id,
            "original_item_id": original_item_id,
            "mode": mode,
            "steps": steps,
            "remap": remap,
            "created_at": now(),
        }
        self.conn.execute(_ADD_REENCODE, values)

    def reencode_of(self, result_item_id: int) -> StoredReencode | None:
        """How ``result_item_id`` was made, if a re-encode made it."""
        row = self.conn.execute(sa.select(reencodes).where(reencodes.c.result_item_id == result_item_id)).first()
        return _reencode(row) if row is not None else None

    def reencodes_from(self, original_item_id: int) -> list[StoredReencode]:
        """The re-encodes made from ``original_item_id``, oldest first."""
        query = (
            sa.select(reencodes)
            .where(reencodes.c.original_item_id == original_item_id)
            .order_by(reencodes.c.result_item_id)
        )
        return [_reencode(row) for row in self.conn.execute(query)]


def _reencode(row: Any) -> StoredReencode:
    return StoredReencode(
        result_item_id=row.result_item_id,
        original_item_id=row.original_item_id,
        mode=row.mode,
        steps=list(row.steps),
        remap=list(row.remap),
        created_at=utc(row.created_at),
    )


def _values(row: NewInspection, inspected_at: datetime) -> dict[str, Any]:
    return {
        "item_id": row.item_id,
        "inspected_at": inspected_at,
        "verdict": row.verdict,
        "report": row.report,
        "bytes_read": row.bytes_read,
        "requests": row.requests,
        "whole_file_read": row.whole_file_read,
        "seconds": row.seconds,
    }
