"""The fast path of the JSON manifest reader: each entry of a section decoded whole by the standard library's C
decoder (``json.JSONDecoder.raw_decode`` over a window of the file), instead of one Python step per ijson event.

It reads only the regular shape, ``{"images": [{...}, ...], "skip_duplicate_urls": true, ...}``, as UTF-8 that
both decoders read alike. At anything else (malformed JSON, a number or string yajl reads differently, a top-level
key whose value is not what it expects, invalid UTF-8) it hands over: the file is read again from its start by the
event reader (``JsonManifestReader``), quietly up to where the fast path stopped and normally after it, so every
problem is located and worded exactly as that reader words it, and none is reported twice. A stream that cannot
seek back is read by the event reader from the start.

The window is refilled in blocks of 64 KiB (as ijson reads), or as much as it holds when one value is longer, so
memory stays flat whatever the file's size (it holds the longest entry at most twice).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from cairn.domain.manifest._json_items import SECTIONS, ParsedUnit, Section, parse_item
from cairn.domain.manifest._json_reader import _OPTION_KEYS, JsonManifestReader
from cairn.domain.manifest._keys import JsonObject, pointer_token, snake
from cairn.domain.manifest._locations import pack
from cairn.domain.manifest._problems import ProblemLog
from cairn.domain.manifest.model import ManifestLimits, ManifestOptions

_BLOCK = 64 * 1024
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_INT64 = 2**63
_LITERALS = {"true": True, "false": False, "null": None}
_RETRY_MARGIN = 16  # a decoding error this close to the end of the window may just be a value cut by the window


class _HandOver(Exception):
    """The fast path stops here: ``member`` is the top-level member it was in, ``done`` how many of its entries it
    finished (None: not even its key)."""

    def __init__(self, member: int, done: int | None) -> None:
        super().__init__(member, done)
        self.member = member
        self.done = done


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object as the event reader builds it: a repeated key keeps its last value and is remembered."""
    built = dict(pairs)
    if len(built) == len(pairs):
        return built
    noted = JsonObject()
    for key, value in pairs:
        if key in noted:
            noted.note_repeat(key)
        noted[key] = value
    return noted


class _Irregular(ValueError):
    """A value yajl reads differently (raised inside the decoder, which turns it into a hand-over)."""


def _integer(text: str) -> int:
    value = int(text)
    if not -_INT64 <= value < _INT64:  # yajl: "integer overflow"
        raise _Irregular(text)
    return value


def _double(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # yajl: "numeric (floating point) overflow"
        raise _Irregular(text)
    return value


def _constant(text: str) -> Any:
    raise _Irregular(text)  # NaN, Infinity: not JSON


_DECODER = json.JSONDecoder(
    object_pairs_hook=_object, parse_int=_integer, parse_float=_double, parse_constant=_constant
)


class _Window:
    """The text of the file from the current position on, decoded from UTF-8 block by block."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.text = ""
        self.at = 0
        self.written = 0  # the length of the last value decoded, as written
        self._carry = b""
        self._ended = False  # no more text will come (end of file, or invalid UTF-8 from here)
        self.invalid = False  # the text stops before bytes that are not UTF-8

    def more(self) -> bool:
        """Add a block to the window (dropping what was read); False when there is nothing more."""
        if self._ended:
            return False
        # a value longer than a block doubles the read, so that decoding it again each time stays linear
        data = self._carry + self._stream.read(max(_BLOCK, len(self.text) - self.at))
        if len(data) == len(self._carry):
            self._ended = True
            self.invalid = bool(self._carry)  # the file ends inside a character
            return False
        try:
            fresh, self._carry = data.decode("utf-8"), b""
        except UnicodeDecodeError as exc:
            cut = exc.end == len(data) and exc.reason == "unexpected end of data"
            fresh, self._carry = data[: exc.start].decode("utf-8"), (data[exc.start :] if cut else b"")
            self._ended = self.invalid = not cut
        self.text = self.text[self.at :] + fresh
        self.at = 0
        return True

    def skip_space(self) -> str:
        """The next character after any whitespace ('' at the end)."""
        while True:
            self.at = _WHITESPACE.match(self.text, self.at).end()  # type: ignore[union-attr]
            if self.at < len(self.text):
                return self.text[self.at]
            if not self.more():
                return ""

    def value(self) -> Any:
        """Decode the JSON value at the current position (raises ``_Irregular`` when it cannot, for any reason)."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.at)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(self.text) - _RETRY_MARGIN or exc.msg.startswith("Unterminated string")
                if cut and self.more():
                    continue
                raise _Irregular(exc.msg) from None
            except (_Irregular, RecursionError):
                raise _Irregular("read by the event reader") from None
            if end >= len(self.text) - 1 and self.more():  # a number may go on in the next block
                continue
            if "\\u" in self.text[self.at : end] and _SURROGATE_ESCAPE.search(self.text, self.at, end):
                raise _Irregular("a surrogate escape")  # yajl turns a lone one into '?'
            self.written = end - self.at
            self.at = end
            return value


class FastJsonManifestReader:
    """A ``JsonManifestReader`` that decodes entries whole while the file is regular (see the module's text)."""

    def __init__(self, stream: BinaryIO, *, log: ProblemLog, limits: ManifestLimits) -> None:
        self._stream = stream
        self._start = stream.tell()
        self._log = log
        self._limits = limits
        # the event reader keeps the top-level state (keys seen, options, sections) for both paths
        self._state = JsonManifestReader(stream, log=log, limits=limits)

    @property
    def options(self) -> ManifestOptions:
        return self._state.options

    def render(self, code: int) -> str:
        return self._state.render(code)

    def units(self) -> Iterator[ParsedUnit]:
        try:
            yield from self._fast_units(_Window(self._stream))
            return
        except _HandOver as stop:
            resume: tuple[int, int | None] = (stop.member, stop.done)
        self._stream.seek(self._start)
        self._state = JsonManifestReader(self._stream, log=self._log, limits=self._limits, resume=resume)
        yield from self._state.units()

    def _fast_units(self, window: _Window) -> Iterator[ParsedUnit]:
        if window.skip_space() != "{":
            raise _HandOver(0, None)
        window.at += 1
        member = 0
        following = window.skip_space()
        while following != "}":
            if member and following != ",":
                raise _HandOver(member, None)
            if member:
                window.at += 1
            yield from self._member(window, member)
            member += 1
            following = window.skip_space()
        window.at += 1
        if window.skip_space() != "" or window.invalid:
            raise _HandOver(member, None)
        self._state._where = "/"
        self._state._check_options()

    def _member(self, window: _Window, member: int) -> Iterator[ParsedUnit]:
        """One top-level ``"key": value``: a section's entries, or an option's literal; else a hand-over."""
        key = self._key(window, member)
        name = snake(key)
        pointer = f"/{pointer_token(key)}"
        section = SECTIONS.get(name)
        first = window.skip_space()
        if section is not None and first == "[":
            window.at += 1
            self._state._where = pointer
            self._state._note_key(name, key, pointer)
            yield from self._entries(window, member, key, section, pointer)
        elif name in _OPTION_KEYS and first and first in "tfn":
            value = self._literal(window, member)
            self._state._where = pointer
            self._state._note_key(name, key, pointer)
            if value is not None:
                self._state._option_values[name] = value
        else:
            raise _HandOver(member, None)

    def _key(self, window: _Window, member: int) -> str:
        if window.skip_space() != '"':
            raise _HandOver(member, None)
        try:
            key = window.value()
        except _Irregular:
            raise _HandOver(member, None) from None
        if window.skip_space() != ":":
            raise _HandOver(member, None)
        window.at += 1
        return str(key)

    def _literal(self, window: _Window, member: int) -> bool | None:
        for text, value in _LITERALS.items():
            if window.text.startswith(text, window.at):
                after = window.text[window.at + len(text) : window.at + len(text) + 1]
                if after and (after.isalnum() or after == "_"):
                    break
                window.at += len(text)
                return value
        raise _HandOver(member, None)  # cut by the window, or not a literal: rare, the event reader reads it

    def _entries(self, window: _Window, member: int, key: str, section: Section, pointer: str) -> Iterator[ParsedUnit]:
        state = self._state
        section_id = state._section_id(key, section)
        log, limits = self._log, self._limits
        index = 0
        following = window.skip_space()
        while following != "]":
            if index and following != ",":
                raise _HandOver(member, index)
            if index:
                window.at += 1
                window.skip_space()
            where = f"{pointer}/{index}"
            state._where = where
            try:
                raw = window.value()
            except _Irregular:
                raise _HandOver(member, index) from None
            parsed = parse_item(
                raw,
                section=section,
                pointer=where,
                base_code=pack(section_id, index),
                log=log,
                limits=limits,
                written_chars=window.written,
            )
            if parsed is not None:
                yield parsed
            index += 1
            following = window.skip_space()
        window.at += 1
        state._where = f"{pointer}/{index}"
