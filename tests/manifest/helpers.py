"""Shared helpers for manifest tests."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from cairn.domain.manifest import ManifestLimits, ManifestSummary, Unit, iter_units, validate_manifest
from cairn.errors import ManifestError, Problem


def as_bytes(doc: Any) -> bytes:
    if isinstance(doc, bytes):
        return doc
    if isinstance(doc, str):
        return doc.encode("utf-8")
    return json.dumps(doc).encode("utf-8")


def summarize(doc: Any, *, fmt: Any = None, limits: ManifestLimits | None = None) -> ManifestSummary:
    extra = {} if limits is None else {"limits": limits}
    return validate_manifest(io.BytesIO(as_bytes(doc)), fmt=fmt, source="test-manifest", **extra)


def units_of(doc: Any, *, fmt: Any = None) -> list[Unit]:
    """Validate, then read the units in the registering pass (as the service does)."""
    summarize(doc, fmt=fmt)
    return list(iter_units(io.BytesIO(as_bytes(doc)), fmt=fmt, source="test-manifest"))


def problems_of(doc: Any, *, fmt: Any = None, limits: ManifestLimits | None = None) -> list[Problem]:
    with pytest.raises(ManifestError) as caught:
        summarize(doc, fmt=fmt, limits=limits)
    assert caught.value.source == "test-manifest"
    return caught.value.problems


def located(problems: list[Problem]) -> dict[str, str]:
    """location -> message (one problem per location expected)."""
    return {p.location: p.message for p in problems}
