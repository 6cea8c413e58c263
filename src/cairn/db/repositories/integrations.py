"""Storage integrations: where registered files live. Secrets are stored encrypted; this module never sees them
in clear (the service encrypts before writing and decrypts after reading)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cairn.db.database import mapped_integrity_errors
from cairn.db.repositories._common import Repository, now, utc
from cairn.db.schema import integrations, items


@dataclass(frozen=True)
class StoredIntegration:
    """An integration row: ``config`` is the non-secret part, ``secret`` the encrypted credentials (or None)."""

    id: int
    name: str
    provider: str
    config: dict[str, Any]
    secret: bytes | None
    owner_id: int | None
    created_at: datetime
    edited_at: datetime


def _integration(row: Any) -> StoredIntegration:
    return StoredIntegration(
        id=row.id,
        name=row.name,
        provider=row.provider,
        config=dict(row.config or {}),
        secret=bytes(row.secret) if row.secret is not None else None,
        owner_id=row.owner_id,
        created_at=utc(row.created_at),
        edited_at=utc(row.edited_at),
    )


def _name_taken(name: str) -> str:
    return f"an integration named {name!r} already exists"


class IntegrationRepository(Repository):
    def get(self, integration_id: int) -> StoredIntegration | None:
        row = self.conn.execute(sa.select(integrations).where(integrations.c.id == integration_id)).first()
        return _integration(row) if row else None

    def by_name(self, name: str) -> StoredIntegration | None:
        row = self.conn.execute(sa.select(integrations).where(integrations.c.name == name)).first()
        return _integration(row) if row else None

    def all(self) -> list[StoredIntegration]:
        query = sa.select(integrations).order_by(integrations.c.name)
        return [_integration(r) for r in self.conn.execute(query)]

    def create(
        self, *, name: str, provider: str, config: dict[str, Any], secret: bytes | None, owner_id: int | None
    ) -> StoredIntegration:
        stamp = now()
        with mapped_integrity_errors(unique=_name_taken(name)):
            row = self.conn.execute(
                integrations.insert()
                .values(
                    name=name,
                    provider=provider,
                    config=config,
                    secret=secret,
                    owner_id=owner_id,
                    created_at=stamp,
                    edited_at=stamp,
                )
                .returning(*integrations.c)
            ).one()
        return _integration(row)

    def update(self, integration_id: int, **values: Any) -> None:
        with mapped_integrity_errors(unique=_name_taken(str(values.get("name", "")))):
            self.conn.execute(
                integrations.update().where(integrations.c.id == integration_id).values(edited_at=now(), **values)
            )

    def delete(self, integration_id: int) -> None:
        self.conn.execute(integrations.delete().where(integrations.c.id == integration_id))

    def items_using(self, integration_id: int) -> int:
        query = sa.select(sa.func.count()).select_from(items).where(items.c.integration_id == integration_id)
        return int(self.conn.execute(query).scalar_one())
