"""Multipart bodies spool under ``<data_dir>/tmp``, not in the system temp dir.

Starlette's form parser keeps each uploaded part in a ``SpooledTemporaryFile`` (1 MB in memory, then a file in the
system temp dir, which may be small or a tmpfs held in memory). Routes of :class:`DataDirSpoolRoute` parse their
multipart body themselves before FastAPI does, with the same parser but files made under ``<data_dir>/tmp``; FastAPI
then finds the form already parsed. The files are deleted when the request ends (FastAPI closes the form), and
the services copy from them in chunks (nothing reads an upload whole).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import Response

from cairn.errors import InvalidInput

MAX_FORM_FIELDS = 1000
MAX_FORM_FILES = 10_000  # the upload service's own bound (services/uploads.py MAX_FILES) is checked again there
UNBOUNDED_PART = 2**62
"""Form fields are bounded by CAIRN_MAX_REQUEST_BYTES as they arrive (``cairn.api.limits``), not here."""


class _DataDirParser(MultiPartParser):
    """Starlette's multipart parser, with its files spooled under a directory of ours."""

    def __init__(self, request: Request, spool_dir: Path) -> None:
        super().__init__(
            request.headers,
            request.stream(),
            max_files=MAX_FORM_FILES,
            max_fields=MAX_FORM_FIELDS,
            max_part_size=UNBOUNDED_PART,
        )
        self._spool_dir = spool_dir

    def on_headers_finished(self) -> None:
        super().on_headers_finished()
        upload = self._current_part.file
        if upload is None:
            return
        replaced = self._files_to_close_on_error.pop()
        replaced.close()  # still empty and in memory: nothing was written to the system temp dir
        spooled = tempfile.SpooledTemporaryFile(max_size=self.spool_max_size, dir=str(self._spool_dir))  # noqa: SIM115
        self._files_to_close_on_error.append(spooled)
        upload.file = spooled  # type: ignore[assignment]  # what Starlette itself puts there


async def spool_form(request: Request, spool_dir: Path) -> None:
    """Parse a multipart body into ``request``'s form, its files under ``spool_dir``."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    try:
        request._form = await _DataDirParser(request, spool_dir).parse()
    except MultiPartException as exc:
        raise InvalidInput(f"body: {exc.message}") from exc


class DataDirSpoolRoute(APIRoute):
    """An API route whose multipart body spools under ``<data_dir>/tmp`` (``app.state.settings``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def spooling_handler(request: Request) -> Response:
            if request.headers.get("content-type", "").startswith("multipart/form-data"):
                await spool_form(request, request.app.state.settings.data_dir / "tmp")
            return await handler(request)

        return spooling_handler
