"""Typed customer-provided media metadata (``videoMetadata`` ...), read from and written to JSON objects."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, Literal

from cairn.domain.kinds import ItemKind
from cairn.domain.manifest._keys import index_keys, json_type_name, key_layout, pointer_token
from cairn.domain.manifest._problems import ProblemLog
from cairn.domain.manifest.model import (
    AudioMetadata,
    ImageMetadata,
    MediaMetadata,
    PdfMetadata,
    TextMetadata,
    VideoMetadata,
)

FieldRule = Literal["positive number", "non-negative number", "positive integer", "non-negative integer", "text"]


@dataclass(frozen=True)
class MediaSpec:
    """Which metadata object a kind takes, its JSON key, and the rule for each of its fields."""

    cls: type[MediaMetadata]
    key: str
    rules: dict[str, FieldRule]


MEDIA_SPECS: dict[ItemKind, MediaSpec] = {
    ItemKind.VIDEO: MediaSpec(
        VideoMetadata,
        "videoMetadata",
        {
            "fps": "positive number",
            "duration": "non-negative number",
            "width": "positive integer",
            "height": "positive integer",
            "file_size": "non-negative integer",
            "mime_type": "text",
        },
    ),
    ItemKind.IMAGE: MediaSpec(
        ImageMetadata,
        "imageMetadata",
        {
            "mime_type": "text",
            "file_size": "non-negative integer",
            "width": "positive integer",
            "height": "positive integer",
        },
    ),
    ItemKind.AUDIO: MediaSpec(
        AudioMetadata,
        "audioMetadata",
        {
            "duration": "non-negative number",
            "file_size": "non-negative integer",
            "mime_type": "text",
            "sample_rate": "positive integer",
            "bit_depth": "positive integer",
            "codec": "text",
            "num_channels": "positive integer",
        },
    ),
    ItemKind.TEXT: MediaSpec(TextMetadata, "textMetadata", {"file_size": "non-negative integer", "mime_type": "text"}),
    ItemKind.PDF: MediaSpec(
        PdfMetadata, "pdfMetadata", {"file_size": "non-negative integer", "num_pages": "positive integer"}
    ),
}

TEXT_LIMITS = {"mime_type": 255, "codec": 50}
"""The longest text field values: the items table keeps them in VARCHAR(255) and VARCHAR(50) columns."""

METADATA_KEYS = frozenset(f"{kind}_metadata" for kind in MEDIA_SPECS)


def _checked(value: Any, rule: FieldRule) -> tuple[Any, str | None]:
    """The value converted for the rule, or an explanation of why it does not fit."""
    kind = type(value)
    positive_enough = value > 0 or (value == 0 and rule[0] == "n") if kind is int or kind is float else False
    if kind is int and positive_enough and rule.endswith("integer"):
        return value, None  # the common case first: a whole number where one is wanted
    if kind is float and positive_enough and rule.endswith("number") and math.isfinite(value):
        return value, None
    if rule == "text":
        if isinstance(value, str) and value.strip():
            return value, None
        return None, f"must be a non-empty string, got {json_type_name(value)}"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None, f"must be a {rule}, got {json_type_name(value)}"
    if rule.endswith("integer"):
        if isinstance(value, float) and not value.is_integer():
            return None, f"must be a {rule}, got {value!r}"
        value = int(value)
    elif isinstance(value, int):
        value = float(value)
    if value < 0 or (value == 0 and rule.startswith("positive")):
        return None, f"must be a {rule}, got {value!r}"
    return value, None


def parse_media(value: Any, *, kind: ItemKind, pointer: str, log: ProblemLog) -> MediaMetadata | None:
    """Read the metadata object at ``pointer``; every problem is logged; None when there is any."""
    spec = MEDIA_SPECS[kind]
    if not isinstance(value, dict):
        log.error(pointer, f"{spec.key} must be a JSON object, got {json_type_name(value)}", field=spec.key)
        return None
    quick = quick_media(value, kind)
    if quick is not None:
        return quick
    index, clashes = index_keys(value)
    before = log.error_count
    for first, second in clashes:
        log.error(pointer, f"the key {second!r} is given twice (also as {first!r})", field=second)
    values: dict[str, Any] = {}
    for name, rule in spec.rules.items():
        entry = index.pop(name, None)
        if entry is None:
            log.error(
                pointer, f"{spec.key} needs {name!r} (every field is required when the object is given)", field=name
            )
            continue
        converted, why = _checked(entry.value, rule)
        if why is None and rule == "text" and len(converted) > TEXT_LIMITS[name]:
            why = f"must be at most {TEXT_LIMITS[name]} characters, got {len(converted)}"
        if why is not None:
            log.error(f"{pointer}/{pointer_token(entry.key)}", f"{entry.key} {why}", field=entry.key)
        values[name] = converted
    for entry in index.values():
        log.warn(
            f"{pointer}/{pointer_token(entry.key)}",
            f"unknown key {entry.key!r} in {spec.key} is ignored",
            field=entry.key,
        )
    return None if log.error_count > before else spec.cls(**values)


def quick_media(value: dict[str, Any], kind: ItemKind) -> MediaMetadata | None:
    """The metadata of the common object (each field given once, nothing else, every value valid in its usual
    form), read without the general path's bookkeeping; None: the general path reads it (and words any problem)."""
    if getattr(value, "repeated", None):
        return None
    fields_at = _field_keys(tuple(value), kind)
    if fields_at is None:
        return None
    values: dict[str, Any] = {}
    for name, key, rule, usual, zero_ok, longest in fields_at:
        item = value[key]
        if usual is type(item):  # the value as _checked takes it unchanged, tested inline (this runs per field)
            if usual is str:
                if item.strip() and len(item) <= longest:
                    values[name] = item
                    continue
            elif (item > 0 or (zero_ok and item == 0)) and (usual is int or math.isfinite(item)):
                values[name] = item
                continue
        converted, why = _checked(item, rule)
        if why is not None or (rule == "text" and len(converted) > TEXT_LIMITS[name]):
            return None
        values[name] = converted
    return MEDIA_SPECS[kind].cls(**values)


_USUAL_TYPES: dict[FieldRule, type[Any]] = {
    "positive number": float,
    "non-negative number": float,
    "positive integer": int,
    "non-negative integer": int,
    "text": str,
}
"""The type a field's value has in its usual form (kept as it is by ``_checked``)."""


@lru_cache(maxsize=256)
def _field_keys(
    keys: tuple[str, ...], kind: ItemKind
) -> tuple[tuple[str, str, FieldRule, type[Any], bool, int], ...] | None:
    """(field, key as written, rule, the usual type of its value, whether 0 is allowed, the longest text) of each
    field, for objects written with these keys in this order; None when a spelling repeats, a field is missing or
    a key is unknown."""
    names, clashes = key_layout(keys)
    rules = MEDIA_SPECS[kind].rules
    if clashes or len(names) != len(rules) or any(name not in rules for name, _ in names):
        return None
    return tuple(
        (name, key, rules[name], _USUAL_TYPES[rules[name]], rules[name][0] == "n", TEXT_LIMITS.get(name, 0))
        for name, key in names
    )


def dump_media(media: MediaMetadata) -> tuple[str, dict[str, Any]]:
    """The JSON key and object for a metadata value (fields written snake_case, as in Encord's examples)."""
    key = next(spec.key for spec in MEDIA_SPECS.values() if isinstance(media, spec.cls))
    return key, {f.name: getattr(media, f.name) for f in fields(media)}
