"""The registry: one object that holds the database and every service, built from settings.

Each service is made, and its module imported, on first use: a command that lists folders does not import the
inspection, registration or storage code (``tests/cli/test_startup.py``), and every caller still reaches every
service through the same object. A service is made once even when the server's threads first ask for it at the
same moment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from cairn.db import migrate
from cairn.db.database import Database
from cairn.errors import ConfigurationError
from cairn.private_files import tighten_data_dir
from cairn.settings import Settings

# The services are imported inside the properties that make them (see the module's docstring).
# ruff: noqa: PLC0415
if TYPE_CHECKING:
    from cairn.jobs.queue import JobQueue
    from cairn.services.access import AccessService
    from cairn.services.auth import AuthService
    from cairn.services.datasets import DatasetService
    from cairn.services.export import ExportService
    from cairn.services.folders import FolderService
    from cairn.services.frame_export import FrameExportService
    from cairn.services.inspection import InspectionService
    from cairn.services.integrations import IntegrationService
    from cairn.services.items import ItemService
    from cairn.services.jobs.engine import JobService
    from cairn.services.journal import JournalService
    from cairn.services.managed_files import ManagedFileService
    from cairn.services.notifications import NotificationService
    from cairn.services.passwords import PasswordService
    from cairn.services.reencode import ReencodeService
    from cairn.services.registration import RegistrationService
    from cairn.services.result_objects import ResultObjectService
    from cairn.services.sequence_video import SequenceVideoService
    from cairn.services.thumbnails import ThumbnailService
    from cairn.services.uploads import UploadService
    from cairn.services.users import UserService
    from cairn.services.viewing import ViewingService

_Service = TypeVar("_Service")


class _service(Generic[_Service]):  # lower case: a decorator, like functools.cached_property
    """A registry attribute made by the decorated method on first use, once (under the registry's lock), then kept
    in the instance's ``__dict__``, where later reads find it without the lock (a descriptor without ``__set__``)."""

    def __init__(self, make: Callable[[Registry], _Service]) -> None:
        self._make = make
        self._name = make.__name__
        self.__doc__ = make.__doc__

    def __get__(self, registry: Registry, owner: type[Registry] | None = None) -> _Service:
        with registry._making:
            if self._name not in registry.__dict__:
                registry.__dict__[self._name] = self._make(registry)
        made: _Service = registry.__dict__[self._name]
        return made


class Registry:
    """Every use case of cairn, behind one object: ``Registry(settings).folders.create(actor=..., name=...)``."""

    def __init__(self, settings: Settings, *, database: Database | None = None) -> None:
        self.settings = settings
        tighten_data_dir(settings.data_dir)  # an existing data directory others may read is made private
        self.db = database or Database(settings.resolved_database_url)
        self._queue: JobQueue | None = None
        self._making = threading.RLock()  # services are made under it; one service's making may ask for another

    @_service
    def users(self) -> UserService:
        from cairn.services.users import UserService

        return UserService(self.db)

    @_service
    def managed_files(self) -> ManagedFileService:
        from cairn.services.managed_files import ManagedFileService

        return ManagedFileService(self.db, settings=self.settings)

    @_service
    def folders(self) -> FolderService:
        from cairn.services.folders import FolderService

        return FolderService(
            self.db,
            max_client_metadata_bytes=self.settings.max_client_metadata_bytes,
            release_files=self.managed_files.remove,
        )

    @_service
    def items(self) -> ItemService:
        from cairn.services.items import ItemService

        return ItemService(
            self.db,
            max_client_metadata_bytes=self.settings.max_client_metadata_bytes,
            release_files=self.managed_files.remove,
        )

    @_service
    def datasets(self) -> DatasetService:
        from cairn.services.datasets import DatasetService

        return DatasetService(self.db)

    @_service
    def access(self) -> AccessService:
        from cairn.services.access import AccessService

        return AccessService(self.db)

    @_service
    def journal(self) -> JournalService:
        from cairn.services.journal import JournalService

        return JournalService(self.db)

    @_service
    def auth(self) -> AuthService:
        from cairn.services.auth import AuthService

        return AuthService(self.db, session_ttl_hours=self.settings.session_ttl_hours)

    @_service
    def passwords(self) -> PasswordService:
        from cairn.services.passwords import PasswordService

        return PasswordService(self.db, auth=self.auth)

    @_service
    def integrations(self) -> IntegrationService:
        from cairn.services.integrations import IntegrationService

        return IntegrationService(self.db, settings=self.settings)

    @_service
    def exports(self) -> ExportService:
        from cairn.services.export import ExportService

        return ExportService(self.db)

    @_service
    def inspection(self) -> InspectionService:
        from cairn.services.inspection import InspectionService

        return InspectionService(self.db, settings=self.settings, integrations=self.integrations)

    @_service
    def uploads(self) -> UploadService:
        from cairn.services.uploads import UploadService

        return UploadService(
            self.db, settings=self.settings, videos=lambda: self.sequence_video, thumbnails=lambda: self.thumbnails
        )

    @_service
    def viewing(self) -> ViewingService:
        from cairn.services.viewing import ViewingService

        return ViewingService(self.db, settings=self.settings, integrations=self.integrations)

    @_service
    def thumbnails(self) -> ThumbnailService:
        """Thumbnails: served from their cache, made by background jobs of kind ``thumbnails`` (their handler)."""
        from cairn.services.thumbnails import ThumbnailService

        return ThumbnailService(self.db, settings=self.settings, integrations=self.integrations, jobs=lambda: self.jobs)

    @_service
    def registration(self) -> RegistrationService:
        from cairn.services.registration import RegistrationService
        from cairn.services.registration_units import media_inspector

        return RegistrationService(
            self.db,
            settings=self.settings,
            integrations=self.integrations,
            jobs=self.jobs,
            inspector=media_inspector(self.settings),
            videos=lambda: self.sequence_video,
        )

    @_service
    def jobs(self) -> JobService:
        """The job engine, with a handler per kind of job (each made on first use)."""
        from cairn.services.jobs.engine import JobService

        return JobService(
            self.db,
            queue=self.queue,
            handlers={
                "registration": lambda: self.registration,
                "reencode": lambda: self.reencode,
                "sequence_video": lambda: self.sequence_video,
                "frame_export": lambda: self.frame_export,
                "thumbnails": lambda: self.thumbnails,
            },
        )

    @_service
    def reencode(self) -> ReencodeService:
        """Re-encode and resize jobs (their handler), plans and frame remaps."""
        from cairn.services.reencode import ReencodeService

        return ReencodeService(
            self.db, settings=self.settings, integrations=self.integrations, jobs=self.jobs, results=self.result_objects
        )

    @_service
    def result_objects(self) -> ResultObjectService:
        """Where a job's result files go (bucket or managed storage), and removing those never committed."""
        from cairn.services.result_objects import ResultObjectService

        return ResultObjectService(self.db, settings=self.settings, integrations=self.integrations)

    @_service
    def sequence_video(self) -> SequenceVideoService:
        """Image-sequence video jobs (their handler): started on demand, or queued by registration and upload."""
        from cairn.services.sequence_video import SequenceVideoService

        return SequenceVideoService(
            self.db, settings=self.settings, integrations=self.integrations, jobs=self.jobs, results=self.result_objects
        )

    @_service
    def frame_export(self) -> FrameExportService:
        """Frame export jobs (their handler): a video's frames as image items, optionally grouped."""
        from cairn.services.frame_export import FrameExportService

        return FrameExportService(
            self.db,
            settings=self.settings,
            inspection=self.inspection,
            jobs=self.jobs,
            results=self.result_objects,
            videos=lambda: self.sequence_video,
        )

    @_service
    def notifications(self) -> NotificationService:
        from cairn.services.notifications import NotificationService

        return NotificationService(self.db)

    def queue(self) -> JobQueue:
        """The job queue of ``settings.queue_url`` (opened on first use)."""
        with self._making:
            if self._queue is None:
                from cairn.jobs.queue import JobQueue

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

    def require_current_schema(self) -> None:
        """Refuse to work on a database whose schema is behind this version of cairn (or has none yet), naming the
        migrations it lacks and the command that applies them. For databases that are not migrated on the spot: a
        PostgreSQL database is shared by servers and workers, and upgrading it is the operator's decision."""
        pending = migrate.pending_revisions(self.db)
        if not pending:
            return
        state = "has no cairn schema yet" if not migrate.current_revisions(self.db) else "schema is behind"
        raise ConfigurationError(
            f"the database {state}: migration(s) {', '.join(sorted(pending))} to apply; run `cairn migrate` "
            "(or start the server with `cairn serve --migrate`), then try again",
            details={"pending_revisions": sorted(pending)},
        )

    def close(self) -> None:
        if self._queue is not None:
            self._queue.close()
        if "integrations" in self.__dict__:  # made on first use: nothing to close otherwise
            self.integrations.close()
        if "reencode" in self.__dict__:
            self.reencode.close()
        self.db.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
