"""Input hygiene at the HTTP boundary: NUL characters are refused wherever they come in.

Neither PostgreSQL text/JSONB nor SQLite's full-text index accept U+0000, so a NUL that reached the database would
be a 500 there. Every request's path, query, JSON body, form fields and uploaded files' names are checked once,
here, and a NUL is a located 422 (``query/text: ...``, ``body/files/0/filename: ...``). Files' contents are not
checked: they are bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from cairn.errors import InvalidInput

_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def _nul_paths(value: Any, where: str) -> Iterator[str]:
    if isinstance(value, str):
        if "\x00" in value:
            yield where
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _nul_paths(key, f"{where}/{key!s}")
            yield from _nul_paths(inner, f"{where}/{key!s}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _nul_paths(inner, f"{where}/{index}")


async def _body_value(request: Request) -> Any:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(_FORMS):
        form = await request.form()
        fields: dict[str, Any] = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):  # a file's name becomes a title: text in the database
                fields.setdefault(key, []).append({"filename": value.filename or ""})
        return fields
    body = await request.body()
    if b"\\u0000" not in body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None  # malformed JSON is reported by request validation


async def refuse_nul_characters(request: Request) -> None:
    """Raise InvalidInput (422) naming the first place a NUL character came in."""
    places = [
        *_nul_paths(dict(request.path_params), "path"),
        *_nul_paths(dict(request.query_params), "query"),
        *_nul_paths(await _body_value(request), "body"),
    ]
    if places:
        raise InvalidInput(
            f"{places[0]}: NUL characters (U+0000) are not allowed",
            details={"problems": [{"location": p, "message": "contains a NUL character"} for p in places[:20]]},
        )
