"""Spelling-tolerant keys: ``objectUrl``, ``object_url`` and ``ObjectURL`` are the same key."""

from __future__ import annotations

import re
from functools import lru_cache, partial
from typing import Any, NamedTuple

_HUMP = re.compile(r"(?<=[a-z0-9])([A-Z])")


@lru_cache(maxsize=4096)
def snake(key: str) -> str:
    """``fileSize`` -> ``file_size``; ``objectUrl_3`` -> ``object_url_3``; ``skipDuplicateURLs`` -> ``..._urls``."""
    return _HUMP.sub(r"_\1", key).lower()


class JsonObject(dict[str, Any]):
    """A JSON object that remembers keys it saw more than once (a plain dict keeps only the last value)."""

    repeated: tuple[str, ...] | list[str] = ()

    def note_repeat(self, key: str) -> None:
        if not isinstance(self.repeated, list):
            self.repeated = []
        self.repeated.append(key)


class Entry(NamedTuple):
    """A key of a JSON object as written, with its value."""

    key: str
    value: Any


_entry = partial(tuple.__new__, Entry)
"""``Entry`` made from a (key, value) pair without the Python-level ``__new__`` (this runs for every key read)."""


def index_keys(obj: dict[str, Any]) -> tuple[dict[str, Entry], list[tuple[str, str]]]:
    """Index an object by snake-case key; also return pairs of spellings that collide (``fileSize``/``file_size``)."""
    names, clashing = key_layout(tuple(obj))
    index = {name: _entry((key, obj[key])) for name, key in names}
    clashes = list(clashing)
    if isinstance(obj, JsonObject) and obj.repeated:
        clashes.extend((key, key) for key in obj.repeated)
    return index, clashes


@lru_cache(maxsize=4096)
def key_layout(keys: tuple[str, ...]) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(snake-case name, key) of the keys an object is indexed by, and the spellings that collide, for a key order
    (a manifest's entries mostly share a few: the work is done once per order, not once per entry)."""
    index: dict[str, str] = {}
    clashes: list[tuple[str, str]] = []
    for key in keys:
        norm = snake(key)
        if norm in index:
            clashes.append((index[norm], key))
            continue
        index[norm] = key
    return tuple(index.items()), tuple(clashes)


def pointer_token(key: str) -> str:
    """Escape a key for a JSON pointer (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


def json_type_name(value: Any) -> str:
    """The JSON name of a Python value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
