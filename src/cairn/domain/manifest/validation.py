"""Reading a manifest: one checking pass (``scan_manifest``/``validate_manifest``) and a units-only pass."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from typing import BinaryIO, Protocol

from cairn.domain.kinds import ItemKind
from cairn.domain.manifest._csv_reader import CsvManifestReader
from cairn.domain.manifest._fingerprints import UrlFingerprints
from cairn.domain.manifest._json_fast import FastJsonManifestReader
from cairn.domain.manifest._json_items import ParsedUnit
from cairn.domain.manifest._json_reader import JsonManifestReader
from cairn.domain.manifest._problems import ProblemLog
from cairn.domain.manifest._streams import LimitedStream, peekable
from cairn.domain.manifest.model import (
    DEFAULT_LIMITS,
    DuplicateUrl,
    ManifestFormat,
    ManifestLimits,
    ManifestOptions,
    ManifestSummary,
    Unit,
)
from cairn.errors import InvalidInput, Problem

_SNIFF_BYTES = 4096


class _Reader(Protocol):
    @property
    def options(self) -> ManifestOptions: ...

    def units(self) -> Iterator[ParsedUnit]: ...

    def render(self, code: int) -> str: ...


class ManifestScan:
    """One pass over a manifest that yields its valid units while checking all of it (``scan_manifest``).

    Iterate ``units()`` to the end, then call ``summary()``: it raises ``ManifestError`` listing every located
    problem when there was any. A caller that writes nothing durable until ``summary()`` returns (registration
    spools units to a temporary file) reads the file once instead of twice. With ``fail_fast`` the first problem
    raises at once and repeated URLs are not looked for (``iter_units``).
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        fmt: ManifestFormat | None,
        source: str,
        limits: ManifestLimits,
        fail_fast: bool = False,
    ) -> None:
        self._source = source
        self._log = ProblemLog(source=source, max_problems=limits.max_problems, fail_fast=fail_fast)
        if limits.max_bytes is not None:
            stream = io.BufferedReader(LimitedStream(stream, limit=limits.max_bytes, source=source))
        stream, self._fmt = _sniffed(stream, fmt, self._log)
        self._reader = _reader(stream, self._fmt, self._log, limits)
        self._tally = _Tally(limits, self._log, self._reader, find_duplicates=not fail_fast)
        self._finished = False

    def units(self) -> Iterator[Unit]:
        """The manifest's valid units in file order (an invalid entry is logged and left out)."""
        for parsed in self._reader.units():
            self._tally.add(parsed)
            yield parsed.unit
        self._finished = True

    def summary(self, *, allow_problems: bool = False) -> ManifestSummary:
        """What the manifest holds; raises ``ManifestError`` when any problem was found (unless ``allow_problems``:
        then the valid units were all yielded and ``problems`` lists the rest)."""
        if not self._finished:
            raise RuntimeError("summary() needs units() to have been read to the end")
        tally = self._tally
        tally.check_not_empty()
        if not allow_problems:
            self._log.raise_if_errors()
        return ManifestSummary(
            source=self._source,
            fmt=self._fmt,
            counts=dict(tally.counts),
            units=tally.units,
            urls=tally.urls,
            options=self._reader.options,
            duplicates=tuple(tally.duplicates),
            duplicates_truncated=tally.duplicates_truncated,
            warnings=tuple(self._log.warnings),
            warnings_truncated=self._log.warnings_truncated,
        )

    @property
    def problems(self) -> list[Problem]:
        """The located problems found so far (invalid entries left out of ``units()``)."""
        return list(self._log.errors)


def scan_manifest(
    stream: BinaryIO, *, fmt: ManifestFormat | None = None, source: str, limits: ManifestLimits = DEFAULT_LIMITS
) -> ManifestScan:
    """Start a one-pass read: ``for unit in scan.units(): ...`` then ``scan.summary()`` (which may raise)."""
    return ManifestScan(stream, fmt=fmt, source=source, limits=limits)


def validate_manifest(
    stream: BinaryIO, *, fmt: ManifestFormat | None = None, source: str, limits: ManifestLimits = DEFAULT_LIMITS
) -> ManifestSummary:
    """Read the whole manifest once, without keeping it, and describe it; raise ``ManifestError`` listing every
    located problem (up to ``limits.max_problems``) when there is any.
    """
    scan = scan_manifest(stream, fmt=fmt, source=source, limits=limits)
    for _ in scan.units():
        pass
    return scan.summary()


def iter_units(
    stream: BinaryIO, *, fmt: ManifestFormat | None = None, source: str, limits: ManifestLimits = DEFAULT_LIMITS
) -> Iterator[Unit]:
    """The units of a manifest, one at a time (the registering pass, after ``validate_manifest``).

    Raises ``ManifestError`` (and nothing else) at the first problem, should the file not be valid after all.
    """
    scan = ManifestScan(stream, fmt=fmt, source=source, limits=limits, fail_fast=True)
    yield from scan.units()
    scan.summary()


def sniff_format(head: bytes) -> ManifestFormat:
    """'json' when the first non-blank character (after a BOM) is '{' or '[', else 'csv'."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return "json" if text[:1] in (b"{", b"[") else "csv"


def _sniffed(stream: BinaryIO, fmt: ManifestFormat | None, log: ProblemLog) -> tuple[BinaryIO, ManifestFormat]:
    if fmt is not None and fmt not in ("json", "csv"):
        raise InvalidInput(f"manifest format must be 'json' or 'csv', got {fmt!r}")
    buffered = peekable(stream)
    head = buffered.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        log.fatal("line 1" if fmt == "csv" else "/", "the manifest file is empty")
    chosen: ManifestFormat = fmt or sniff_format(head)
    if chosen == "json" and head.startswith(b"\xef\xbb\xbf"):
        buffered.read(3)
    return buffered, chosen


def _reader(stream: BinaryIO, fmt: ManifestFormat, log: ProblemLog, limits: ManifestLimits) -> _Reader:
    if fmt == "json":
        if stream.seekable():  # the fast reader hands over by reading the file again from its start
            return FastJsonManifestReader(stream, log=log, limits=limits)
        return JsonManifestReader(stream, log=log, limits=limits)
    return CsvManifestReader(stream, log=log, limits=limits)


class _Tally:
    """Counts units and URLs as they stream by, enforces the per-file limits, and finds repeated URLs."""

    def __init__(self, limits: ManifestLimits, log: ProblemLog, reader: _Reader, *, find_duplicates: bool = True):
        self.limits = limits
        self.log = log
        self.reader = reader
        self.counts: Counter[ItemKind] = Counter()
        self.units = 0
        self.urls = 0
        self.duplicates: list[DuplicateUrl] = []
        self.duplicates_truncated = False
        self._fingerprints = UrlFingerprints() if find_duplicates else None

    def add(self, parsed: ParsedUnit) -> None:
        unit = parsed.unit
        self.units += 1
        self.counts[unit.kind] += 1
        if self.units == self.limits.max_units + 1:
            self.log.error(
                unit.location,
                f"the manifest has more than {self.limits.max_units:,} units (images, "
                "videos, groups, series...); split it into several files",
            )
        before = self.urls
        self.urls += len(unit.urls)
        if before <= self.limits.max_urls < self.urls:
            self.log.error(
                unit.location, f"the manifest has more than {self.limits.max_urls:,} URLs; split it into several files"
            )
        if self._fingerprints is not None:
            add = self._fingerprints.add
            for url, code in zip(unit.urls, parsed.url_codes, strict=True):
                first = add(url, code)
                if first is not None:
                    self._repeated(url, code, first)

    def _repeated(self, url: str, code: int, first: int) -> None:
        """``url``, at ``code``, was first seen at ``first``: a repeat, listed up to ``max_duplicates``."""
        if len(self.duplicates) >= self.limits.max_duplicates:
            self.duplicates_truncated = True
            return
        later, earlier = max(code, first), min(code, first)  # CSV composites arrive after the rows below them
        self.duplicates.append(DuplicateUrl(url, self.reader.render(later), self.reader.render(earlier)))

    def check_not_empty(self) -> None:
        if self.units == 0 and self.log.error_count == 0:
            where = "line 1" if isinstance(self.reader, CsvManifestReader) else "/"
            self.log.error(where, "the manifest lists no files to register")
