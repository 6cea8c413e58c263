"""Inspection reports and frame maps, one of each per item (the latest)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cairn.db.inspection_schema import frame_maps, inspections
from cairn.db.repositories._common import Repository, now, utc


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


class InspectionRepository(Repository):
    def save(
        self,
        *,
        item_id: int,
        verdict: str,
        report: dict[str, Any],
        bytes_read: int,
        requests: int,
        whole_file_read: bool,
        seconds: float,
        frame_map: tuple[int, bytes] | None,
    ) -> None:
        """Replace the item's inspection (and its frame map: kept when given, dropped when None)."""
        self.conn.execute(inspections.delete().where(inspections.c.item_id == item_id))
        self.conn.execute(frame_maps.delete().where(frame_maps.c.item_id == item_id))
        self.conn.execute(
            inspections.insert().values(
                item_id=item_id,
                inspected_at=now(),
                verdict=verdict,
                report=report,
                bytes_read=bytes_read,
                requests=requests,
                whole_file_read=whole_file_read,
                seconds=seconds,
            )
        )
        if frame_map is not None:
            count, encoded = frame_map
            self.conn.execute(frame_maps.insert().values(item_id=item_id, frame_count=count, encoded=encoded))

    def get(self, item_id: int) -> StoredInspection | None:
        row = self.conn.execute(sa.select(inspections).where(inspections.c.item_id == item_id)).first()
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
        query = sa.select(frame_maps.c.encoded).where(frame_maps.c.item_id == item_id)
        value = self.conn.execute(query).scalar_one_or_none()
        return bytes(value) if value is not None else None
