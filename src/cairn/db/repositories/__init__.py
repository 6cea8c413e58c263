"""Repositories: the only place SQL is written. ``Repos(conn)`` gives every repository on one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

# Each repository's module is imported by the property that makes it: a command that reads folders does not import
# the SQL of jobs, inspections or registration (``tests/cli/test_startup.py``).
# ruff: noqa: PLC0415
if TYPE_CHECKING:
    from cairn.db.repositories.access import AccessRepository
    from cairn.db.repositories.auth import AuthRepository
    from cairn.db.repositories.datasets import DatasetRepository
    from cairn.db.repositories.folders import FolderRepository
    from cairn.db.repositories.inspections import InspectionRepository
    from cairn.db.repositories.integrations import IntegrationRepository
    from cairn.db.repositories.items import ItemRepository
    from cairn.db.repositories.jobs import JobRepository
    from cairn.db.repositories.journal import JournalRepository
    from cairn.db.repositories.notifications import NotificationRepository
    from cairn.db.repositories.registration import RegistrationRepository
    from cairn.db.repositories.result_objects import ResultObjectRepository
    from cairn.db.repositories.thumbnails import ThumbnailRepository
    from cairn.db.repositories.users import UserRepository


class Repos:
    """Every repository, bound to one connection and so to one transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.released_files: list[str] = []
        """Managed-storage keys of items deleted in this transaction: the service removes them after the commit."""

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Run the block in a savepoint: if it raises, what it wrote is undone and the error goes on, while the
        transaction stays usable (on PostgreSQL a refused statement would otherwise abort it whole)."""
        nested = self.conn.begin_nested()
        try:
            yield
        except BaseException:
            nested.rollback()
            raise
        nested.commit()

    @cached_property
    def users(self) -> UserRepository:
        from cairn.db.repositories.users import UserRepository

        return UserRepository(self.conn)

    @cached_property
    def folders(self) -> FolderRepository:
        from cairn.db.repositories.folders import FolderRepository

        return FolderRepository(self.conn)

    @cached_property
    def items(self) -> ItemRepository:
        from cairn.db.repositories.items import ItemRepository

        return ItemRepository(self.conn)

    @cached_property
    def datasets(self) -> DatasetRepository:
        from cairn.db.repositories.datasets import DatasetRepository

        return DatasetRepository(self.conn)

    @cached_property
    def access(self) -> AccessRepository:
        from cairn.db.repositories.access import AccessRepository

        return AccessRepository(self.conn)

    @cached_property
    def inspections(self) -> InspectionRepository:
        from cairn.db.repositories.inspections import InspectionRepository

        return InspectionRepository(self.conn)

    @cached_property
    def journal(self) -> JournalRepository:
        from cairn.db.repositories.journal import JournalRepository

        return JournalRepository(self.conn)

    @cached_property
    def integrations(self) -> IntegrationRepository:
        from cairn.db.repositories.integrations import IntegrationRepository

        return IntegrationRepository(self.conn)

    @cached_property
    def jobs(self) -> JobRepository:
        from cairn.db.repositories.jobs import JobRepository

        return JobRepository(self.conn)

    @cached_property
    def result_objects(self) -> ResultObjectRepository:
        from cairn.db.repositories.result_objects import ResultObjectRepository

        return ResultObjectRepository(self.conn)

    @cached_property
    def thumbnails(self) -> ThumbnailRepository:
        from cairn.db.repositories.thumbnails import ThumbnailRepository

        return ThumbnailRepository(self.conn)

    @cached_property
    def notifications(self) -> NotificationRepository:
        from cairn.db.repositories.notifications import NotificationRepository

        return NotificationRepository(self.conn)

    @cached_property
    def registration(self) -> RegistrationRepository:
        from cairn.db.repositories.registration import RegistrationRepository

        return RegistrationRepository(self.conn)

    @cached_property
    def auth(self) -> AuthRepository:
        from cairn.db.repositories.auth import AuthRepository

        return AuthRepository(self.conn)


__all__ = ["Repos"]
