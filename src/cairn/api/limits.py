"""Request size limits, enforced while a body arrives and before anything parses it (a pure ASGI middleware).

Every request's body is bounded by ``Settings.max_request_bytes``: a ``Content-Length`` over it is refused before
a byte is read, and a chunked body is counted as it comes. Routes that take files bound each file instead (the
upload route by ``max_upload_bytes``, and all its files together by ``max_upload_request_bytes``; the manifest
routes by ``max_manifest_bytes``); their multipart bodies are
followed part by part, so a file is refused as soon as it passes its limit, and everything else in the body (form
fields, part headers) still counts against ``max_request_bytes``. A refusal is 413 ``too_large`` with the canonical
error body, saying what was too large, where, and which setting sets the limit; the route never runs (an upload
already spooled is discarded by the parser). The services check the same limits again for callers that do not
come through HTTP (the CLI, tests).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import python_multipart as multipart
from python_multipart.multipart import parse_options_header
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cairn.api.errors import error_response, status_for
from cairn.domain.sizes import too_large
from cairn.errors import TooLarge
from cairn.settings import Settings

REQUEST_SETTING = "CAIRN_MAX_REQUEST_BYTES"
TOTAL_SETTING = "CAIRN_MAX_UPLOAD_REQUEST_BYTES"


@dataclass(frozen=True)
class FileRoute:
    """A route whose multipart body carries files, each bounded by ``limit_of(settings)`` bytes."""

    path: re.Pattern[str]
    setting: str
    limit_of: Callable[[Settings], int]
    repeated: bool = False  # the file field repeats ("files"): refusals say which one (files[3])
    total_of: Callable[[Settings], int] | None = None  # the files together, when there may be many


FILE_ROUTES = (
    FileRoute(
        re.compile(r"/api/v1/folders/[^/]+/upload$"),
        "CAIRN_MAX_UPLOAD_BYTES",
        lambda s: s.max_upload_bytes,
        repeated=True,
        total_of=lambda s: s.max_upload_request_bytes,
    ),
    FileRoute(
        re.compile(r"/api/v1/jobs(/dry-run)?/upload$"), "CAIRN_MAX_MANIFEST_BYTES", lambda s: s.max_manifest_bytes
    ),
)


JSON_MANIFEST_ROUTE = re.compile(r"/api/v1/jobs(/dry-run)?$")
"""Routes that take a manifest in a JSON body: a refusal says how to send a larger one."""


class _WholeBody:
    """Counts every byte of a body against one limit."""

    def __init__(self, limit: int, *, what: str = "the request body") -> None:
        self._limit = limit
        self._what = what
        self._seen = 0

    def declared(self, length: int) -> None:
        if length > self._limit:
            raise _request_too_large(length, self._limit, at_least=False, what=self._what)

    def feed(self, chunk: bytes) -> None:
        self._seen += len(chunk)
        if self._seen > self._limit:
            raise _request_too_large(self._seen, self._limit, at_least=True, what=self._what)


def _request_too_large(size: int, limit: int, *, at_least: bool, what: str = "the request body") -> TooLarge:
    return too_large(what, location="body", size=size, limit=limit, setting=REQUEST_SETTING, at_least=at_least)


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    size: int = 0
    index: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


class _MultipartFiles:
    """Follows a multipart body part by part: each file within the route's limit, the rest within the request's."""

    def __init__(self, boundary: bytes, route: FileRoute, settings: Settings) -> None:
        self._route = route
        self._file_limit = route.limit_of(settings)
        self._rest_limit = settings.max_request_bytes
        self._total_limit = route.total_of(settings) if route.total_of else None
        self._seen = 0
        self._file_bytes = 0
        self._part = _Part()
        self._header = [b"", b""]
        self._counts: dict[str, int] = {}
        self._error: TooLarge | None = None
        self._parser: multipart.MultipartParser | None = multipart.MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": lambda data, start, end: self._header_bytes(0, data[start:end]),
                "on_header_value": lambda data, start, end: self._header_bytes(1, data[start:end]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._data,
            },
        )

    def declared(self, length: int) -> None:
        """A body with one file may declare at most that file's limit and the request's; a body with many files
        says nothing about each of them by its length: parts are checked as they come."""
        files_limit, files_setting = (
            (self._file_limit, self._route.setting) if self._total_limit is None else (self._total_limit, TOTAL_SETTING)
        )
        if length > files_limit + self._rest_limit:
            raise too_large(
                "the request body",
                location="body",
                size=length,
                limit=files_limit + self._rest_limit,
                setting=f"{files_setting} + {REQUEST_SETTING}",
            )

    def feed(self, chunk: bytes) -> None:
        self._seen += len(chunk)
        if self._parser is not None:
            try:
                self._parser.write(chunk)
            except multipart.exceptions.MultipartParseError:
                self._parser = None  # malformed: the form parser refuses it; from here on every byte counts
                self._file_bytes = 0
        if self._error is not None:
            raise self._error
        rest = self._seen - self._file_bytes
        if rest > self._rest_limit:
            raise _request_too_large(rest, self._rest_limit, at_least=True)

    # -- parser callbacks --------------------------------------------------------------------------------------

    def _begin(self) -> None:
        self._part = _Part()

    def _header_bytes(self, which: int, data: bytes) -> None:
        self._header[which] += data

    def _header_end(self) -> None:
        self._part.headers.append((self._header[0].lower(), self._header[1]))
        self._header = [b"", b""]

    def _headers_finished(self) -> None:
        disposition = dict(self._part.headers).get(b"content-disposition", b"")
        _, options = parse_options_header(disposition)
        self._part.name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is not None:
            self._part.filename = filename.decode("utf-8", "replace")
            self._part.index = self._counts.get(self._part.name, 0)
            self._counts[self._part.name] = self._part.index + 1

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._part.filename is None or self._error is not None:
            return
        self._part.size += end - start
        self._file_bytes += end - start
        if self._part.size > self._file_limit:
            self._error = self._file_too_large()
        elif self._total_limit is not None and self._file_bytes > self._total_limit:
            self._error = too_large(
                "the files of this request",
                location="body",
                size=self._file_bytes,
                limit=self._total_limit,
                setting=TOTAL_SETTING,
                at_least=True,
            )

    def _file_too_large(self) -> TooLarge:
        part, route = self._part, self._route
        where = f"{part.name}[{part.index}]" if route.repeated else part.name
        location = f"body/{part.name}/{part.index}" if route.repeated else f"body/{part.name}"
        return too_large(
            f"{where} {part.filename!r}",
            location=location,
            size=part.size,
            limit=self._file_limit,
            setting=route.setting,
            at_least=True,
        )


Meter = _WholeBody | _MultipartFiles


def _meter(scope: Scope, settings: Settings) -> Meter:
    """What bounds this request's body: its route's files, or the request limit."""
    path = scope.get("path", "")
    for route in FILE_ROUTES:
        if route.path.search(path):  # search: the app may be mounted under a prefix
            boundary = _multipart_boundary(scope)
            if boundary is not None:
                return _MultipartFiles(boundary, route, settings)
    if JSON_MANIFEST_ROUTE.search(path):
        what = "the request body (send a larger manifest as a file: POST /api/v1/jobs/upload)"
        return _WholeBody(settings.max_request_bytes, what=what)
    return _WholeBody(settings.max_request_bytes)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value)
    return None


def _multipart_boundary(scope: Scope) -> bytes | None:
    content_type, options = parse_options_header(_header(scope, b"content-type") or b"")
    if content_type != b"multipart/form-data":
        return None
    boundary = options.get(b"boundary")
    return boundary or None


def _declared_length(scope: Scope) -> int | None:
    raw = _header(scope, b"content-length")
    return int(raw) if raw is not None and raw.strip().isdigit() else None


class BodyLimits:
    """ASGI middleware: refuse (413) a request body over its limit, before or while it is read."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        meter = _meter(scope, self.settings)
        try:
            declared = _declared_length(scope)
            if declared is not None:
                meter.declared(declared)
        except TooLarge as refused:
            await _refuse(refused, scope, receive, send)
            return
        await _guarded(self.app, meter, scope, receive, send)


async def _guarded(app: ASGIApp, meter: Meter, scope: Scope, receive: Receive, send: Send) -> None:
    """Run the app with a counted ``receive``; once the count refuses, the app's own answer (a parse error, most
    likely) is dropped and the 413 sent instead."""
    refused: list[TooLarge] = []
    started = False

    async def counted() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            try:
                meter.feed(message.get("body", b""))
            except TooLarge as error:
                refused.append(error)
                raise
        return message

    async def answer(message: Message) -> None:
        nonlocal started
        if refused:
            return
        started = started or message["type"] == "http.response.start"
        await send(message)

    try:
        await app(scope, counted, answer)
    except Exception:
        if not refused or started:
            raise
    if refused and not started:
        await _refuse(refused[0], scope, receive, send)


async def _refuse(error: TooLarge, scope: Scope, receive: Receive, send: Send) -> None:
    response = error_response(
        status=status_for(error),
        code=error.code,
        message=error.message,
        details=error.details,
        headers={"Connection": "close"},
    )
    await response(scope, receive, send)
