"""Storage integrations: add, list, show, change, remove and check the buckets files are registered from.

Rules (one place): only organization admins add, change and remove integrations, as in Encord. An integration
decides where cairn's server connects (an endpoint), as whom (credentials, or the server's own identity when none
are given) and which of the server's directories it reads (``local``, inside ``Settings.local_roots`` when set):
in anyone's hands it would make the server a proxy into its own network. An integration may be used (register
files, ``check``) by organization admins, its owner, and everyone when it is ``shared``; to anyone else it answers
as a name that names nothing (``NotFound``), so its name and existence stay private. Credentials are encrypted at
rest and never returned. Every store is opened under the SSRF rule (``cairn.storage.check_endpoint_allowed``), its
endpoint resolved again each time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.db.repositories.integrations import StoredIntegration
from cairn.domain.integrations import Provider, StoreConfig, validate_store_config
from cairn.domain.records import User
from cairn.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from cairn.services._base import Service, require_org_admin
from cairn.services.secrets import SecretBox
from cairn.settings import Settings
from cairn.storage import (
    ConnectionGuard,
    ObjectStore,
    Resolver,
    check_access,
    check_endpoint_allowed,
    open_store,
)

MAX_NAME = 200
IntegrationRef = str | int


@dataclass(frozen=True)
class IntegrationPublic:
    """What any interface shows of an integration: never a secret, only which credentials are set."""

    id: int
    name: str
    provider: str
    config: dict[str, Any]
    shared: bool
    owner_id: int | None
    created_at: datetime
    edited_at: datetime


@dataclass(frozen=True)
class AccessCheck:
    """The result of ``check``: what was tried, against which place."""

    integration: str
    place: str
    operation: str
    ok: bool
    message: str


def _clean_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_NAME:
        raise InvalidInput(
            f"integration name must be 1 to {MAX_NAME} characters, got {len(cleaned)}", details={"field": "name"}
        )
    if cleaned.startswith("id:") or any(ord(ch) < 32 for ch in cleaned):
        raise InvalidInput(
            f"integration name {cleaned!r} must not start with 'id:' nor contain control characters",
            details={"field": "name"},
        )
    return cleaned


def _provider(value: str | Provider) -> Provider:
    try:
        return Provider(value)
    except ValueError:
        known = ", ".join(p.value for p in Provider)
        raise InvalidInput(f"unknown provider {value!r}; use one of {known}") from None


def _config_json(config: StoreConfig, *, shared: bool) -> dict[str, Any]:
    return {
        "bucket": config.bucket,
        "region": config.region,
        "endpoint": config.endpoint,
        "root": config.root,
        "prefix": config.prefix,
        "options": dict(config.options),
        "credential_names": sorted(config.credentials),
        "shared": shared,
    }


def store_config_of(stored: StoredIntegration, secrets: SecretBox) -> StoreConfig:
    """The full StoreConfig of a stored integration, credentials decrypted (for opening its store only)."""
    data = stored.config
    credentials = secrets.open(stored.secret) if stored.secret else {}
    return StoreConfig(
        provider=Provider(stored.provider),
        bucket=data.get("bucket"),
        region=data.get("region"),
        endpoint=data.get("endpoint"),
        root=data.get("root"),
        prefix=data.get("prefix") or "",
        credentials={str(k): str(v) for k, v in credentials.items()},
        options=dict(data.get("options") or {}),
    )


def public(stored: StoredIntegration) -> IntegrationPublic:
    data = stored.config
    config = {
        "provider": stored.provider,
        "bucket": data.get("bucket"),
        "region": data.get("region"),
        "endpoint": data.get("endpoint"),
        "root": data.get("root"),
        "prefix": data.get("prefix") or "",
        "credentials": list(data.get("credential_names") or []),
        "options": dict(data.get("options") or {}),
    }
    return IntegrationPublic(
        id=stored.id,
        name=stored.name,
        provider=stored.provider,
        config=config,
        shared=bool(data.get("shared")),
        owner_id=stored.owner_id,
        created_at=stored.created_at,
        edited_at=stored.edited_at,
    )


def find_integration(repos: Repos, ref: IntegrationRef) -> StoredIntegration:
    """The integration a reference names: an id (int or ``"id:12"``) or a name (whoever asks: see ``usable``)."""
    ref = _normal(ref)
    found = repos.integrations.get(ref) if isinstance(ref, int) else repos.integrations.by_name(ref)
    if found is None:
        raise _not_found(ref)
    return found


def usable_integration(repos: Repos, actor: User, ref: IntegrationRef) -> StoredIntegration:
    """The integration if ``actor`` may use it; else the same ``NotFound`` as a name or id that names nothing."""
    stored = find_integration(repos, ref)
    if not may_use(actor, stored):
        raise _not_found(_normal(ref))
    return stored


def _normal(ref: IntegrationRef) -> IntegrationRef:
    if isinstance(ref, str) and ref.startswith("id:") and ref[3:].isdigit():
        return int(ref[3:])
    return ref


def _not_found(ref: IntegrationRef) -> NotFound:
    return NotFound(f"integration {ref!r} not found", details={"integration": ref})


def may_use(actor: User, stored: StoredIntegration) -> bool:
    """Whether ``actor`` may see the integration and register files from it."""
    return actor.is_org_admin or stored.owner_id == actor.id or bool(stored.config.get("shared"))


def _require_change(actor: User, stored: StoredIntegration) -> None:
    if not actor.is_org_admin:
        raise PermissionDenied(
            f"{actor.email} may not change integration {stored.name!r}: only organization admins may",
            details={"integration": stored.name},
        )


class IntegrationService(Service):
    """Integrations' use cases. ``resolve`` is the name lookup of the SSRF rule (default: the system's)."""

    def __init__(self, db: Database, *, settings: Settings, resolve: Resolver | None = None) -> None:
        super().__init__(db)
        self._settings = settings
        self._resolve = resolve
        self._guard: ConnectionGuard | None = None
        self._guard_lock = threading.Lock()
        self.secrets = SecretBox(settings)

    def close(self) -> None:
        """Stop the connection guard, if one was started."""
        with self._guard_lock:
            if self._guard is not None:
                self._guard.close()
                self._guard = None

    def add(
        self,
        *,
        actor: User,
        name: str,
        provider: str | Provider,
        bucket: str | None = None,
        region: str | None = None,
        endpoint: str | None = None,
        root: str | None = None,
        prefix: str = "",
        credentials: dict[str, str] | None = None,
        options: dict[str, str] | None = None,
        shared: bool = False,
    ) -> IntegrationPublic:
        """Add an integration (organization admins). Without ``credentials`` the provider's standard credential
        chain is used: the server's own identity."""
        require_org_admin(actor, "add an integration (it decides where and as whom the server connects)")
        config = StoreConfig(
            provider=_provider(provider),
            bucket=bucket or None,
            region=region or None,
            endpoint=endpoint or None,
            root=root or None,
            prefix=prefix,
            credentials=credentials or {},
            options=options or {},
        )
        self._check_place(validate_store_config(config))
        clean = _clean_name(name)
        with self._write() as repos:
            stored = repos.integrations.create(
                name=clean,
                provider=config.provider.value,
                config=_config_json(config, shared=shared),
                secret=self.secrets.seal(dict(config.credentials)) if config.credentials else None,
                owner_id=actor.id,
            )
            _journal(repos, actor, "integration.create", stored, {"provider": stored.provider})
            return public(stored)

    def list(self, *, actor: User) -> list[IntegrationPublic]:
        """The integrations ``actor`` may use (all of them for organization admins)."""
        with self._read() as repos:
            return [public(s) for s in repos.integrations.all() if may_use(actor, s)]

    def get(self, *, actor: User, integration: IntegrationRef) -> IntegrationPublic:
        with self._read() as repos:
            stored = usable_integration(repos, actor, integration)
            return public(stored)

    def update(
        self,
        *,
        actor: User,
        integration: IntegrationRef,
        name: str | None = None,
        prefix: str | None = None,
        credentials: dict[str, str] | None = None,
        options: dict[str, str] | None = None,
        shared: bool | None = None,
    ) -> IntegrationPublic:
        """Rename, re-scope, re-key or (un)share an integration. ``credentials={}`` returns to the standard chain."""
        with self._write() as repos:
            stored = usable_integration(repos, actor, integration)
            _require_change(actor, stored)
            current = store_config_of(stored, self.secrets)
            config = StoreConfig(
                provider=current.provider,
                bucket=current.bucket,
                region=current.region,
                endpoint=current.endpoint,
                root=current.root,
                prefix=current.prefix if prefix is None else prefix,
                credentials=current.credentials if credentials is None else credentials,
                options=current.options if options is None else options,
            )
            validate_store_config(config)
            is_shared = bool(stored.config.get("shared")) if shared is None else shared
            values: dict[str, Any] = {"config": _config_json(config, shared=is_shared)}
            values["secret"] = self.secrets.seal(dict(config.credentials)) if config.credentials else None
            if name is not None:
                values["name"] = _clean_name(name)
            repos.integrations.update(stored.id, **values)
            changed = [
                n
                for n, v in (
                    ("name", name),
                    ("prefix", prefix),
                    ("credentials", credentials),
                    ("options", options),
                    ("shared", shared),
                )
                if v is not None
            ]
            _journal(repos, actor, "integration.update", stored, {"changed": changed})
            updated = repos.integrations.get(stored.id)
            assert updated is not None
            return public(updated)

    def remove(self, *, actor: User, integration: IntegrationRef) -> None:
        """Remove an integration; refused while items or unfinished registration jobs use it."""
        with self._write() as repos:
            stored = usable_integration(repos, actor, integration)
            _require_change(actor, stored)
            in_use = repos.integrations.items_using(stored.id)
            if in_use:
                raise Conflict(
                    f"integration {stored.name!r} is used by {in_use:,} registered file(s); delete them from cairn "
                    "first (their objects in the bucket are not touched)",
                    details={"integration": stored.name, "items": in_use},
                )
            jobs = repos.jobs.unfinished_using(stored.id)
            if jobs:
                raise Conflict(
                    f"integration {stored.name!r} is used by {jobs} unfinished registration job(s); "
                    "cancel them or let them finish",
                    details={"integration": stored.name, "jobs": jobs},
                )
            repos.integrations.delete(stored.id)
            _journal(repos, actor, "integration.delete", stored, {"provider": stored.provider})

    def check(self, *, actor: User, integration: IntegrationRef, key: str | None = None) -> AccessCheck:
        """Prove access: list one page under the prefix (or HEAD ``key``); raise a StorageError saying what failed."""
        with self._read() as repos:
            stored = usable_integration(repos, actor, integration)
        config = store_config_of(stored, self.secrets)
        store = self.open(config)
        check_access(store, prefix=config.prefix, key=key)
        operation = f"HEAD {key!r}" if key else f"LIST {config.prefix or '/'}"
        return AccessCheck(stored.name, store.description, operation, True, f"{operation} in {store.description}: ok")

    def open(self, config: StoreConfig) -> ObjectStore:
        """The object store of a config, under this server's SSRF rule: its endpoint resolved and checked now, and
        every connection the store makes checked again by the connection guard (redirects, later DNS answers)."""
        return open_store(
            config,
            allow_private_endpoints=self._settings.allow_private_endpoints,
            resolve=self._resolve,
            guard=self._connection_guard(config),
        )

    def _connection_guard(self, config: StoreConfig) -> ConnectionGuard | None:
        """The guard for a store with a custom endpoint (one per service, started on first use); None when private
        endpoints are allowed or the provider's own hosts are used."""
        if self._settings.allow_private_endpoints or not config.endpoint:
            return None
        with self._guard_lock:
            if self._guard is None:
                self._guard = ConnectionGuard(resolve=self._resolve)
            return self._guard

    def _check_place(self, config: StoreConfig) -> None:
        if config.provider is Provider.LOCAL:
            self._check_local_root(config.root or "")
        if config.endpoint:
            check_endpoint_allowed(
                config.endpoint,
                allow_private_endpoints=self._settings.allow_private_endpoints,
                resolve=self._resolve,
            )

    def _check_local_root(self, root: str) -> None:
        """A local root must be inside ``Settings.local_roots`` (when set), then an existing directory.

        The place is checked first, so that whether a path outside the allowed roots exists is never said; the
        answer about the path itself says only "does not exist or is not a directory" (no more of the server's
        filesystem than the caller gave).
        """
        missing = InvalidInput(
            f"local root {root!r} does not exist or is not a directory on the server", details={"field": "root"}
        )
        try:
            real = Path(root).resolve()
        except (OSError, ValueError) as exc:  # a NUL byte, a symlink loop: no directory to read
            raise missing from exc
        allowed = [Path(r).expanduser().resolve() for r in self._settings.local_roots]
        if allowed and not any(real == a or a in real.parents for a in allowed):
            shown = ", ".join(str(a) for a in allowed)
            raise PermissionDenied(
                f"local root {root!r} is outside the allowed local roots ({shown})", details={"field": "root"}
            )
        if not real.is_dir():
            raise missing


def _journal(repos: Repos, actor: User, action: str, stored: StoredIntegration, details: dict[str, Any]) -> None:
    repos.journal.record(
        actor=actor,
        action=action,
        target_type="integration",
        target_id=stored.id,
        target_label=stored.name,
        details=details,
    )
