"""Tables of inspection: the last report per item and its per-frame timestamp map."""

from __future__ import annotations

import sqlalchemy as sa

from cairn.db.schema import Id, Json, Timestamp, metadata

inspections = sa.Table(
    "inspections",
    metadata,
    sa.Column("item_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("inspected_at", Timestamp, nullable=False),
    sa.Column("verdict", sa.String(10), nullable=False),  # ok / warning / problem / failed
    sa.Column("report", Json, nullable=False),
    sa.Column("bytes_read", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("requests", sa.Integer, nullable=False, server_default="0"),
    sa.Column("whole_file_read", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("seconds", sa.Float, nullable=False, server_default="0"),
)

frame_maps = sa.Table(
    "frame_maps",
    metadata,
    sa.Column("item_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("frame_count", sa.Integer, nullable=False),
    sa.Column("encoded", sa.LargeBinary, nullable=False),
)

reencodes = sa.Table(
    "reencodes",
    metadata,
    # The item a re-encode made, the item it was made from (None once that one is deleted), the recipe's kind and
    # steps, and the frame remap: element i is the result frame that shows original frame i (None: dropped).
    sa.Column("result_item_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("original_item_id", Id, sa.ForeignKey("items.id", ondelete="SET NULL"), nullable=True),
    sa.Column("mode", sa.String(10), nullable=False),
    sa.Column("steps", Json, nullable=False),
    sa.Column("remap", Json, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Index("ix_reencodes_original", "original_item_id"),
)

# An item's thumbnail as the job engine makes it (the picture itself is a file in managed storage): the version
# asked for, whether it is queued, made or failed (and why), and what making it read from the user's bucket.
thumbnails = sa.Table(
    "thumbnails",
    metadata,
    sa.Column("item_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("version", sa.String(32), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # queued / made / failed
    sa.Column("requested_at", Timestamp, nullable=False),
    sa.Column("made_at", Timestamp, nullable=True),
    sa.Column("bytes_read", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("requests", sa.Integer, nullable=False, server_default="0"),
    sa.Column("seconds", sa.Float, nullable=False, server_default="0"),
    sa.Column("error", sa.Text, nullable=True),
)

__all__ = ["frame_maps", "inspections", "metadata", "reencodes", "thumbnails"]
