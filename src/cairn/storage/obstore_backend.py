"""The one ObjectStore implementation, over obstore: S3 and S3-compatible, GCS, Azure, local and memory."""

from __future__ import annotations

import glob
import io
import json
import mimetypes
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import obstore
from obstore.store import AzureStore, GCSStore, LocalStore, MemoryStore, S3Store

from cairn.domain.integrations import Provider, StoreConfig, validate_store_config
from cairn.domain.urls import key_problem, object_url_for
from cairn.errors import CairnError, InvalidInput, ObjectNotFound, StorageError, UrlOutsideIntegration
from cairn.storage.base import ObjectInfo
from cairn.storage.endpoints import Resolver, check_endpoint_allowed
from cairn.storage.errors import map_storage_error, translated_errors
from cairn.storage.guard import ConnectionGuard

if TYPE_CHECKING:
    from obstore import ObjectMeta
    from obstore.store import ClientConfig
    from obstore.store import ObjectStore as ObstoreInner

__all__ = ["ObstoreStore", "memory_store", "open_managed_store", "open_store"]

LIST_PAGE_SIZE = 1000
PUT_CHUNK = 8 << 20
"""Bytes per part of a multipart upload (``put_file``): at most a few parts are held in memory at once."""
MAX_PRESIGN_EXPIRY = timedelta(days=7)
_CLIENT_OPTIONS: ClientConfig = {"connect_timeout": "10s", "timeout": "120s"}


class ObstoreStore:
    """An :class:`~cairn.storage.base.ObjectStore` over one obstore store (see ``open_store``/``memory_store``)."""

    def __init__(
        self, inner: ObstoreInner, *, config: StoreConfig | None, description: str, hide_root: bool = False
    ) -> None:
        """``hide_root``: no message names the local root (cairn's own storage: its path is the server's business)."""
        self._inner = inner
        self._config = config
        self._description = description
        root = config.root if config is not None and config.provider is Provider.LOCAL else None
        self._local_root = Path(root).resolve() if root else None
        self._hidden = (str(self._local_root),) if hide_root and self._local_root is not None else ()

    @property
    def description(self) -> str:
        return self._description

    @property
    def config(self) -> StoreConfig | None:
        return self._config

    @property
    def can_presign(self) -> bool:
        return isinstance(self._inner, S3Store | GCSStore | AzureStore)

    def __repr__(self) -> str:
        return f"ObstoreStore({self._description})"

    def location(self, key: str) -> str:
        if self._config is None or self._hidden or key_problem(key):
            return f"{self._description}: {key!r}"
        return object_url_for(self._config, key)

    # --- reads -------------------------------------------------------------------------------------------

    def head(self, key: str) -> ObjectInfo:
        self._check_key(key, "HEAD")
        with self._errors(operation="HEAD", location=self.location(key)):
            result = obstore.get(self._inner, key, options={"head": True})
            return self._info(result.meta, result.attributes)

    async def head_async(self, key: str) -> ObjectInfo:
        self._check_key(key, "HEAD")
        with self._errors(operation="HEAD", location=self.location(key)):
            result = await obstore.get_async(self._inner, key, options={"head": True})
            return self._info(result.meta, result.attributes)

    def read_range(self, key: str, start: int, end: int) -> bytes:
        if _empty_range(start, end):
            return b""
        self._check_key(key, "GET")
        try:
            with self._errors(operation=f"GET bytes {start}-{end - 1} of", location=self.location(key)):
                return bytes(obstore.get_range(self._inner, key, start=start, end=end))
        except (ObjectNotFound, UrlOutsideIntegration):
            raise
        except StorageError:
            if self.head(key).size <= start:
                return b""
            raise

    async def read_range_async(self, key: str, start: int, end: int) -> bytes:
        if _empty_range(start, end):
            return b""
        self._check_key(key, "GET")
        try:
            with self._errors(operation=f"GET bytes {start}-{end - 1} of", location=self.location(key)):
                data = await obstore.get_range_async(self._inner, key, start=start, end=end)
                return bytes(data)
        except (ObjectNotFound, UrlOutsideIntegration):
            raise
        except StorageError:
            if (await self.head_async(key)).size <= start:
                return b""
            raise

    def read_start(self, key: str, length: int) -> tuple[ObjectInfo, bytes]:
        if length < 0:
            raise InvalidInput(f"length must be >= 0, not {length}")
        if length == 0:
            return self.head(key), b""
        self._check_key(key, "GET")
        try:
            with self._errors(operation=f"GET bytes 0-{length - 1} of", location=self.location(key)):
                result = obstore.get(self._inner, key, options={"range": (0, length)})
                return self._info(result.meta, result.attributes), bytes(result.bytes())
        except (ObjectNotFound, UrlOutsideIntegration):
            raise
        except StorageError:  # an empty object has no byte 0: the HEAD says so
            info = self.head(key)
            if info.size == 0:
                return info, b""
            raise

    def read_suffix(self, key: str, length: int) -> bytes:
        if length < 0:
            raise InvalidInput(f"suffix length must be >= 0, not {length}")
        if length == 0:
            return b""
        self._check_key(key, "GET")
        if isinstance(self._inner, AzureStore):  # Azure Blob has no suffix ranges: HEAD, then a bounded range
            size = self.head(key).size
            return self.read_range(key, max(size - length, 0), size)
        try:
            with self._errors(operation=f"GET last {length} bytes of", location=self.location(key)):
                result = obstore.get(self._inner, key, options={"range": {"suffix": length}})
                return bytes(result.bytes())
        except (ObjectNotFound, UrlOutsideIntegration):
            raise
        except StorageError:  # an empty object, or a server without suffix ranges: HEAD, then a bounded range
            size = self.head(key).size
            return self.read_range(key, max(size - length, 0), size)

    def local_path(self, key: str) -> Path | None:
        if self._local_root is None:
            return None
        self._check_key(key, "GET")
        return (self._local_root / key).resolve()

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        directory = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        where = self.location(prefix) if prefix and not key_problem(prefix) else self._description
        stream = obstore.list(self._inner, directory or None, chunk_size=LIST_PAGE_SIZE)
        pages = iter(stream)
        while True:
            with self._errors(operation=f"LIST {prefix!r} in", location=where):
                page = next(pages, None)
            if page is None:
                return
            yield from (self._info(meta, {}) for meta in page if self._listed(meta["path"], prefix))

    def presign_get(self, key: str, *, expires_in: timedelta) -> str:
        if not timedelta(0) < expires_in <= MAX_PRESIGN_EXPIRY:
            raise InvalidInput(f"expires_in must be between 1 second and 7 days, not {expires_in}")
        self._check_key(key, "sign")
        inner = self._inner
        if not isinstance(inner, S3Store | GCSStore | AzureStore):
            raise StorageError(
                f"cannot sign a URL for {self.location(key)}: {self._description} has no presigned URLs; "
                "serve the object through cairn instead (the API streams it)",
                details={"location": self.location(key)},
            )
        with self._errors(operation="sign GET for", location=self.location(key)):
            return obstore.sign(inner, "GET", key, expires_in)

    # --- writes ------------------------------------------------------------------------------------------

    def put(
        self,
        key: str,
        data: bytes | BinaryIO,
        *,
        content_type: str | None = None,
        cache_control: str | None = None,
    ) -> None:
        self._check_key(key, "PUT")
        attributes: dict[str, str] = {}
        if content_type:
            attributes["Content-Type"] = content_type
        if cache_control:
            attributes["Cache-Control"] = cache_control
        if isinstance(self._inner, LocalStore):
            attributes = {}  # the filesystem keeps no attributes; head() guesses the type from the name
        with self._errors(operation="PUT", location=self.location(key)):
            obstore.put(self._inner, key, data, attributes=attributes or None)

    def put_file(
        self, key: str, path: Path, *, content_type: str | None = None, progress: Callable[[], None] | None = None
    ) -> None:
        self._check_key(key, "PUT")
        attributes = {"Content-Type": content_type} if content_type and not isinstance(self._inner, LocalStore) else {}
        with self._errors(operation="PUT", location=self.location(key)), _ReadingFile(path, progress) as source:
            obstore.put(
                self._inner, key, source, attributes=attributes or None, chunk_size=PUT_CHUNK, max_concurrency=2
            )

    def delete(self, key: str) -> None:
        self._check_key(key, "DELETE")
        try:
            with self._errors(operation="DELETE", location=self.location(key)):
                obstore.delete(self._inner, key)
        except ObjectNotFound:
            pass
        if self._local_root is not None:
            self._remove_staged(key)

    def _remove_staged(self, key: str) -> None:
        """A local upload interrupted by a kill leaves its staging file (``<key>#<n>``, obstore's name) behind."""
        assert self._local_root is not None
        target = self._local_root / key
        for staged in target.parent.glob(f"{glob.escape(target.name)}#*"):
            if staged.name[len(target.name) + 1 :].isdigit():
                with self._errors(operation="DELETE", location=self.location(key)):
                    staged.unlink(missing_ok=True)

    # --- helpers -----------------------------------------------------------------------------------------

    def _errors(self, *, operation: str, location: str) -> AbstractContextManager[None]:
        """Foreign errors of one operation mapped to ours, the hidden root (if any) cut out of their text."""
        return translated_errors(operation=operation, location=location, redact=self._hidden)

    def _check_key(self, key: str, operation: str) -> None:
        """A key that cannot name an object is bad input (422), not a failure of the store."""
        problem = key_problem(key)
        if problem:
            raise InvalidInput(f"cannot {operation} in {self._description}: {problem}", details={"key": key})
        if self._local_root is not None:
            self._confine(key)

    def _confine(self, key: str) -> None:
        """Refuse a local key whose real path (symlinks followed) lies outside the root.

        The message names neither the link's target nor the root: whoever may read the item would learn the
        layout of the server's disk.
        """
        assert self._local_root is not None
        real = (self._local_root / key).resolve()
        if real != self._local_root and self._local_root not in real.parents:
            raise UrlOutsideIntegration(
                f"{self.location(key)} leads outside the integration's root (through a symbolic link)",
                details={"key": key},
            )

    def _listed(self, key: str, prefix: str) -> bool:
        if not key.startswith(prefix):
            return False
        if self._local_root is None:
            return True
        try:
            self._confine(key)
        except UrlOutsideIntegration:
            return False
        return True

    def _info(self, meta: ObjectMeta, attributes: Mapping[str, Any]) -> ObjectInfo:
        content_type = attributes.get("Content-Type")
        if content_type is None and self._local_root is not None:
            content_type = mimetypes.guess_type(meta["path"], strict=False)[0]
        return ObjectInfo(
            key=meta["path"],
            size=meta["size"],
            etag=meta["e_tag"],
            last_modified=meta["last_modified"],
            content_type=content_type,
            cache_control=attributes.get("Cache-Control"),
        )


class _ReadingFile(io.FileIO):
    """A file opened for reading that calls ``progress`` before each read (obstore reads it part by part)."""

    def __init__(self, path: Path, progress: Callable[[], None] | None) -> None:
        super().__init__(path, "rb")
        self._progress = progress

    def read(self, size: int | None = -1) -> bytes:
        if self._progress is not None:
            self._progress()
        return super().read(size)


def _empty_range(start: int, end: int) -> bool:
    if start < 0 or end < start:
        raise InvalidInput(f"invalid byte range [{start}, {end}): need 0 <= start <= end")
    return start == end


# --- construction --------------------------------------------------------------------------------------------


def memory_store() -> ObstoreStore:
    """A fresh, empty in-memory store (for tests): the full protocol except presigned URLs."""
    return ObstoreStore(MemoryStore(), config=None, description="memory store")


def open_managed_store(root: Path) -> ObstoreStore:
    """cairn's own storage of uploaded files: a local directory that no message or location names."""
    resolved = root.resolve()
    resolved.mkdir(parents=True, exist_ok=True)
    config = StoreConfig(provider=Provider.LOCAL, bucket=None, region=None, endpoint=None, root=str(resolved))
    return ObstoreStore(LocalStore(resolved), config=config, description="managed storage", hide_root=True)


def open_store(
    config: StoreConfig,
    *,
    allow_private_endpoints: bool,
    resolve: Resolver | None = None,
    guard: ConnectionGuard | None = None,
) -> ObstoreStore:
    """The store of an integration. Validates the config and applies the SSRF rule to its custom endpoint, resolving
    the host now (``resolve``, default the system's), right before the store is built: a name that resolved to a
    public address when the integration was saved and leads to this machine now is refused. With ``guard``, a store
    with a custom endpoint makes every connection through it (redirects and later lookups checked too).

    Only vetted values reach obstore: the config's fields, its allow-listed credentials and options, and of a GCS
    service account key only the three fields obstore signs with. Credentials come from ``config.credentials``;
    when none are given the provider's standard chain is used (environment variables, shared config files,
    instance or workload identity).
    """
    validate_store_config(config)
    if config.endpoint:
        check_endpoint_allowed(config.endpoint, allow_private_endpoints=allow_private_endpoints, resolve=resolve)
    options = _client_options(config.endpoint, guard)
    try:
        inner = _BUILDERS[config.provider](config, options)
    except CairnError:
        raise
    except Exception as exc:
        raise map_storage_error(exc, operation="open", location=config.label) from exc
    return ObstoreStore(inner, config=config, description=config.label)


def _client_options(endpoint: str | None, guard: ConnectionGuard | None) -> ClientConfig:
    options: ClientConfig = dict(_CLIENT_OPTIONS)  # type: ignore[assignment]
    if endpoint and endpoint.lower().startswith("http://"):
        options["allow_http"] = True
    if endpoint and guard is not None:
        options["proxy_url"] = guard.url
    return options


def _s3_credentials(config: StoreConfig) -> dict[str, Any]:
    if config.option_enabled("anonymous"):
        return {"skip_signature": True}
    names = ("access_key_id", "secret_access_key", "session_token")
    return {name: config.credentials[name] for name in names if name in config.credentials}


def _build_s3(config: StoreConfig, options: ClientConfig) -> S3Store:
    settings: dict[str, Any] = _s3_credentials(config)
    if config.region:
        settings["region"] = config.region
    return S3Store(config.bucket, client_options=options, **settings)


def _build_s3_compatible(config: StoreConfig, options: ClientConfig) -> S3Store:
    settings: dict[str, Any] = _s3_credentials(config)
    settings["region"] = config.region or "us-east-1"
    settings["endpoint"] = (config.endpoint or "").rstrip("/")
    settings["virtual_hosted_style_request"] = config.option_enabled("virtual_hosted_style")
    return S3Store(config.bucket, client_options=options, **settings)


def _build_gcs(config: StoreConfig, options: ClientConfig) -> GCSStore:
    settings: dict[str, Any] = {}
    if config.option_enabled("anonymous"):
        settings["skip_signature"] = True
    elif "service_account_key" in config.credentials:
        settings["service_account_key"] = _signing_fields(config.credentials["service_account_key"])
    return GCSStore(config.bucket, client_options=options, **settings)


def _signing_fields(key_json: str) -> str:
    """Of a (validated) service account key, only what obstore signs with: no field of it can name a host."""
    key = json.loads(key_json)
    return json.dumps({name: key[name] for name in ("client_email", "private_key", "private_key_id")})


def _build_azure(config: StoreConfig, options: ClientConfig) -> AzureStore:
    settings: dict[str, Any] = {"account_name": config.options["account_name"]}
    if config.option_enabled("anonymous"):
        settings["skip_signature"] = True
    elif "account_key" in config.credentials:
        settings["account_key"] = config.credentials["account_key"]
    elif "sas_token" in config.credentials:
        settings["sas_key"] = config.credentials["sas_token"].lstrip("?")
    if config.endpoint:
        settings["endpoint"] = config.endpoint.rstrip("/")
    return AzureStore(config.bucket, client_options=options, **settings)


def _build_local(config: StoreConfig, _options: ClientConfig) -> LocalStore:
    root = config.root or ""
    if not os.path.isdir(root):
        raise StorageError(f"local root {root!r} does not exist or is not a directory", details={"root": root})
    return LocalStore(Path(root).resolve())


_BUILDERS: dict[Provider, Callable[[StoreConfig, ClientConfig], ObstoreInner]] = {
    Provider.S3: _build_s3,
    Provider.S3_COMPATIBLE: _build_s3_compatible,
    Provider.GCS: _build_gcs,
    Provider.AZURE: _build_azure,
    Provider.LOCAL: _build_local,
}
