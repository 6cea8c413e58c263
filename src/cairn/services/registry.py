"""The registry: one object that holds the database and every service, built from settings."""

from __future__ import annotations

from collections.abc import Callable

from cairn.db import migrate
from cairn.db.database import Database
from cairn.jobs.queue import JobQueue
from cairn.private_files import tighten_data_dir
from cairn.services.access import AccessService
from cairn.services.auth import AuthService
from cairn.services.datasets import DatasetService
from cairn.services.export import ExportService
from cairn.services.folders import FolderService
from cairn.services.inspection import InspectionService
from cairn.services.integrations import IntegrationService
from cairn.services.items import ItemService
from cairn.services.journal import JournalService
from cairn.services.managed_files import ManagedFileService
from cairn.services.registration import RegistrationService
from cairn.services.registration_units import media_inspector
from cairn.services.uploads import UploadService
from cairn.services.users import UserService
from cairn.services.viewing import ViewingService
from cairn.settings import Settings


class Registry:
    """Every use case of cairn, behind one object: ``Registry(settings).folders.create(actor=..., name=...)``."""

    def __init__(self, settings: Settings, *, database: Database | None = None) -> None:
        self.settings = settings
        tighten_data_dir(settings.data_dir)  # an existing data directory others may read is made private
        self.db = database or Database(settings.resolved_database_url)
        self.users = UserService(self.db)
        metadata_limit = settings.max_client_metadata_bytes
        self.managed_files = ManagedFileService(self.db, settings=settings)
        self.folders = FolderService(
            self.db, max_client_metadata_bytes=metadata_limit, release_files=self.managed_files.remove
        )
        self.items = ItemService(
            self.db, max_client_metadata_bytes=metadata_limit, release_files=self.managed_files.remove
        )
        self.datasets = DatasetService(self.db)
        self.access = AccessService(self.db)
        self.journal = JournalService(self.db)
        self.auth = AuthService(self.db, session_ttl_hours=settings.session_ttl_hours)
        self.integrations = IntegrationService(self.db, settings=settings)
        self.exports = ExportService(self.db)
        self.inspection = InspectionService(self.db, settings=settings, integrations=self.integrations)
        self.uploads = UploadService(self.db, settings=settings)
        self.viewing = ViewingService(self.db, settings=settings, integrations=self.integrations)
        self._queue: JobQueue | None = None
        self.registration = RegistrationService(
            self.db,
            settings=settings,
            integrations=self.integrations,
            queue=self.queue,
            inspector=media_inspector(settings),
        )

    def queue(self) -> JobQueue:
        """The job queue of ``settings.queue_url`` (opened on first use)."""
        if self._queue is None:
            self._queue = JobQueue(queue_url=self.settings.queue_url, data_dir=self.settings.data_dir)
        return self._queue

    def migrate(self, *, announce: Callable[[list[str]], None] | None = None) -> None:
        """Bring the database schema up to date (idempotent). Before upgrading a database that already has a schema,
        ``announce`` hears the revisions to apply: some rewrite a table (a minute at 1M items)."""
        pending = migrate.pending_revisions(self.db)
        if not pending:
            return
        if announce is not None and migrate.current_revisions(self.db):
            announce(sorted(pending))
        migrate.upgrade(self.db)

    def close(self) -> None:
        if self._queue is not None:
            self._queue.close()
        self.integrations.close()
        self.db.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
