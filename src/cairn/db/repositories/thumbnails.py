"""Thumbnail records: per item, the version asked for, its state and what making it read from the user's bucket."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from cairn.db.inspection_schema import thumbnails
from cairn.db.repositories._common import Repository, now, utc
from cairn.db.schema import items

__all__ = ["ThumbnailRecord", "ThumbnailRepository"]

QUEUED, MADE, FAILED = "queued", "made", "failed"


@dataclass(frozen=True)
class ThumbnailRecord:
    """What cairn knows of an item's thumbnail of ``version``: ``queued``, ``made`` (with what it cost) or
    ``failed`` (with the reason)."""

    item_id: int
    version: str
    status: str
    requested_at: datetime
    made_at: datetime | None
    bytes_read: int
    requests: int
    seconds: float
    error: str | None


class ThumbnailRepository(Repository):
    def get(self, item_id: int) -> ThumbnailRecord | None:
        row = self.conn.execute(sa.select(thumbnails).where(thumbnails.c.item_id == item_id)).mappings().first()
        if row is None:
            return None
        made_at = row["made_at"]
        return ThumbnailRecord(
            item_id=row["item_id"],
            version=row["version"],
            status=row["status"],
            requested_at=utc(row["requested_at"]),
            made_at=utc(made_at) if made_at is not None else None,
            bytes_read=row["bytes_read"],
            requests=row["requests"],
            seconds=row["seconds"],
            error=row["error"],
        )

    def request(self, wanted: Mapping[int, str], *, stale_before: datetime) -> list[int]:
        """Mark the items of ``wanted`` (item id -> version) queued and return those that were not already: a
        version queued since ``stale_before``, or failed, is not asked for again (several requests, tabs or
        servers asking for one thumbnail queue it once). Each row is claimed by one statement, so two servers
        asking at once cannot both claim it."""
        claimed: list[int] = []
        at = now()
        for item_id, version in wanted.items():
            values = {"item_id": item_id, "version": version, "status": QUEUED, "requested_at": at}
            insert = self._insert().values(values).on_conflict_do_nothing().returning(thumbnails.c.item_id)
            inserted = self.conn.execute(insert).first() is not None  # (psycopg's rowcount is -1 here)
            if inserted or self._requeue(item_id, version, at, stale_before):
                claimed.append(item_id)
        return claimed

    def _insert(self) -> postgresql.Insert | sqlite.Insert:
        return postgresql.insert(thumbnails) if not self.is_sqlite else sqlite.insert(thumbnails)

    def _requeue(self, item_id: int, version: str, at: datetime, stale_before: datetime) -> bool:
        same = thumbnails.c.version == version
        settled = sa.or_(
            thumbnails.c.status == FAILED,
            sa.and_(thumbnails.c.status == QUEUED, thumbnails.c.requested_at >= stale_before),
        )
        changed = self.conn.execute(
            sa.update(thumbnails)
            .where(thumbnails.c.item_id == item_id, sa.not_(sa.and_(same, settled)))
            .values(version=version, status=QUEUED, requested_at=at, error=None)
            .returning(thumbnails.c.item_id)
        )
        return changed.first() is not None

    def record_made(self, *, item_id: int, version: str, bytes_read: int, requests: int, seconds: float) -> None:
        """The thumbnail of ``version`` is made (its item may be gone meanwhile: then nothing is recorded)."""
        self._record(item_id, version, status=MADE, made_at=now(), bytes_read=bytes_read, requests=requests,
                     seconds=seconds, error=None)  # fmt: skip

    def record_failed(self, *, item_id: int, version: str, error: str) -> None:
        """Making the thumbnail of ``version`` failed for a reason that would not pass by trying again."""
        self._record(item_id, version, status=FAILED, made_at=None, bytes_read=0, requests=0, seconds=0.0,
                     error=error)  # fmt: skip

    def _record(self, item_id: int, version: str, **values: object) -> None:
        row = {"item_id": item_id, "version": version, "requested_at": now(), **values}
        if self.conn.execute(sa.select(items.c.id).where(items.c.id == item_id)).first() is None:
            return
        self.conn.execute(
            self._insert()
            .values(row)
            .on_conflict_do_update(index_elements=[thumbnails.c.item_id], set_={"version": version, **values})
        )
