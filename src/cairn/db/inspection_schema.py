"""Tables of the inspection concept, on the shared metadata (see cairn.db.schema)."""

from __future__ import annotations

from cairn.db.schema import metadata

__all__ = ["metadata"]
