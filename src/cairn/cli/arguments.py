"""Reading command-line arguments: folder references, JSON objects, ``key=value`` pairs, ids.

A folder is named by its slash path (``Cars/front``) or by its id (``id:12``); ``/`` stands for the top level where
a command accepts it (``cairn folders move Cars/front /``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.errors import InvalidInput

if TYPE_CHECKING:
    from cairn.cli.session import Session
    from cairn.domain.records import Folder

TOP_LEVEL = "/"
ID_PREFIX = "id:"


def folder(session: Session, ref: str) -> Folder:
    """The folder a reference names, after checking the actor may see it."""
    registry, actor = session.registry(), session.actor()
    text = ref.strip()
    if text.startswith(ID_PREFIX):
        return registry.folders.get(actor=actor, folder_id=folder_id(text))
    if text in ("", TOP_LEVEL):
        raise InvalidInput(f"folder {ref!r}: name a folder by its path (Cars/front) or id (id:12)")
    return registry.folders.resolve(actor=actor, path=text)


def folder_or_top(session: Session, ref: str | None) -> Folder | None:
    """Like ``folder``, but ``/`` (or nothing) stands for the top level, returned as None."""
    if ref is None or ref.strip() == TOP_LEVEL:
        return None
    return folder(session, ref)


def folder_id(ref: str) -> int:
    digits = ref.strip().removeprefix(ID_PREFIX)
    if not digits.isdigit():
        raise InvalidInput(f"folder {ref!r}: {digits!r} is not a folder id (write id:12)")
    return int(digits)


def json_object(text: str, *, where: str) -> dict[str, Any]:
    """A JSON object given inline or, as ``@file.json``, in a file; errors name ``where`` and the position."""
    source = _read_source(text, where=where)
    try:
        value = json.loads(source)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"{where}: not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
            details={"field": where, "line": error.lineno, "column": error.colno},
        ) from error
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: must be a JSON object ({{...}}), got {type(value).__name__}")
    return value


def _read_source(text: str, *, where: str) -> str:
    if not text.startswith("@"):
        return text
    path = Path(text[1:]).expanduser()
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"{where}: cannot read {str(path)!r}: {error.strerror}") from error


def key_values(pairs: list[str], *, where: str) -> dict[str, str]:
    """``["team=a", "split=train"]`` -> ``{"team": "a", "split": "train"}``."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"{where} {pair!r}: write key=value")
        result[key.strip()] = value
    return result


def path_of(session: Session, folder_id: int) -> str:
    """The slash path of a folder (``Cars/front``), the form people name folders by."""
    elements = session.registry().folders.path_to_root(actor=session.actor(), folder_id=folder_id)
    return "/".join(element.name for element in elements)


def email_of(session: Session, user_id: int | None) -> str:
    """The email of a user id, for display (``""`` for none)."""
    if user_id is None:
        return ""
    return session.registry().users.get(user_id=user_id).email
