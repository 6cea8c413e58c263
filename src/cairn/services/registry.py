"""The registry: one object that holds the database and every service, built from settings."""

from __future__ import annotations

from cairn.db import migrate
from cairn.db.database import Database
from cairn.services.access import AccessService
from cairn.services.datasets import DatasetService
from cairn.services.folders import FolderService
from cairn.services.items import ItemService
from cairn.services.journal import JournalService
from cairn.services.users import UserService
from cairn.settings import Settings


class Registry:
    """Every use case of cairn, behind one object: ``Registry(settings).folders.create(actor=..., name=...)``."""

    def __init__(self, settings: Settings, *, database: Database | None = None) -> None:
        self.settings = settings
        self.db = database or Database(settings.resolved_database_url)
        self.users = UserService(self.db)
        self.folders = FolderService(self.db)
        self.items = ItemService(self.db)
        self.datasets = DatasetService(self.db)
        self.access = AccessService(self.db)
        self.journal = JournalService(self.db)

    def migrate(self) -> None:
        """Bring the database schema up to date (idempotent)."""
        if migrate.needs_upgrade(self.db):
            migrate.upgrade(self.db)

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
