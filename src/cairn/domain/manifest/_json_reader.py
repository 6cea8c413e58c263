"""Streaming reader of JSON manifests: ijson events in, one unit at a time out; memory stays flat."""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Iterator
from typing import Any, BinaryIO, NoReturn

import ijson

from cairn.domain.manifest._json_items import SECTIONS, ParsedUnit, Section, parse_item
from cairn.domain.manifest._keys import JsonObject, pointer_token, snake
from cairn.domain.manifest._locations import MAX_SECTIONS, pack, unpack
from cairn.domain.manifest._problems import ProblemLog
from cairn.domain.manifest.model import ManifestLimits, ManifestOptions

_OPTION_KEYS = ("skip_duplicate_urls", "upsert_metadata")
_EVENT_TYPES = {
    "start_map": "an object",
    "start_array": "an array",
    "string": "a string",
    "boolean": "a boolean",
    "null": "null",
    "integer": "a number",
    "double": "a number",
    "number": "a number",
}
_OPENERS = frozenset({"start_map", "start_array"})
_CLOSERS = frozenset({"end_map", "end_array"})
_KNOWN = ", ".join(sorted({s.key for s in SECTIONS.values()} | {"pdfs", *_OPTION_KEYS}))


class _CountingStream:
    """Hands the file to ijson chunk by chunk, remembering enough to turn yajl's error excerpt into a position."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.chunk = b""
        self.chunk_offset = 0
        self.lines_before = 0
        self.line_start = 0

    def read(self, size: int = -1) -> bytes:
        if b"\n" in self.chunk:
            self.line_start = self.chunk_offset + self.chunk.rfind(b"\n") + 1
            self.lines_before += self.chunk.count(b"\n")
        self.chunk_offset += len(self.chunk)
        self.chunk = self._stream.read(size)
        return self.chunk

    def position(self, excerpt: bytes, *, at_end: bool) -> str:
        """'line L, column C (byte B)' of the error yajl showed in ``excerpt``, or the byte range read so far."""
        offset = _excerpt_offset(excerpt, self.chunk)
        if offset is None:
            return f"at or before byte {self.chunk_offset + len(self.chunk)}"
        if not at_end and offset > 0:
            offset -= 1  # yajl points just past the token it could not accept
        line_start = self.line_start
        if b"\n" in self.chunk[:offset]:
            line_start = self.chunk_offset + self.chunk.rfind(b"\n", 0, offset) + 1
        line = self.lines_before + self.chunk.count(b"\n", 0, offset) + 1
        absolute = self.chunk_offset + offset
        return f"near line {line}, column {absolute - line_start + 1} (byte {absolute})"


def _excerpt_offset(excerpt: bytes, chunk: bytes) -> int | None:
    """Where in ``chunk`` yajl's excerpt (a text line, then a line with '^' under the error) points."""
    lines = excerpt.split(b"\n")
    if len(lines) < 3 or b"^" not in lines[2]:
        return None
    caret = lines[2].index(b"^")
    before, after = lines[1][:caret].lstrip(b" "), lines[1][caret:].rstrip(b" ")
    needle = before + after
    if not needle:
        return len(chunk)
    flat = chunk.replace(b"\n", b" ").replace(b"\r", b" ").replace(b"\t", b" ")
    found = flat.find(needle)
    return None if found < 0 else found + len(before)


def _yajl_message(exc: Exception) -> tuple[str, bytes]:
    """yajl's message (headline, excerpt, caret line) as text for people and as bytes for locating."""
    text = str(exc)
    if text.startswith(("b'", 'b"')):
        with contextlib.suppress(ValueError, SyntaxError):
            raw = ast.literal_eval(text)
            if isinstance(raw, bytes):
                return raw.decode("utf-8", "replace"), raw
    return text, text.encode("utf-8", "replace")


class JsonManifestReader:
    """Reads a JSON manifest once, yielding units; ``options`` is complete after the units are exhausted.

    With ``resume=(member, done)`` it takes over from the fast reader (``_json_fast``) at the same place of the
    same file read again from its start: the top-level members before ``member`` are read quietly (their problems
    were logged already, and their entries are skipped, not checked again); of member ``member`` the top-level key
    too (when ``done`` is not None) and its first ``done`` entries.
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        log: ProblemLog,
        limits: ManifestLimits,
        resume: tuple[int, int | None] | None = None,
    ) -> None:
        self._counter = _CountingStream(stream)
        self._events = ijson.basic_parse(self._counter, use_float=True)
        self._log = log
        self._notes = log  # where top-level errors and warnings go: a scratch log while replaying quietly
        self._resume = resume
        self._member = 0
        self._limits = limits
        self._where = "/"
        self._sections: list[tuple[str, Section]] = []
        self._seen_keys: dict[str, str] = {}
        self._option_values: dict[str, bool] = {}

    @property
    def options(self) -> ManifestOptions:
        return ManifestOptions(**self._option_values)

    def units(self) -> Iterator[ParsedUnit]:
        event, _ = self._next(at_start=True)
        if event != "start_map":
            self._log.fatal(
                "/",
                f'a JSON manifest must be an object such as {{"videos": [...]}}, got {_EVENT_TYPES.get(event, event)}',
            )
        while True:
            event, key = self._next()
            if event == "end_map":
                self._where = "/"
                break
            quiet = self._resume is not None and (
                self._member < self._resume[0] or (self._member == self._resume[0] and self._resume[1] is not None)
            )
            self._notes = ProblemLog(source=self._log.source, max_problems=2**62) if quiet else self._log
            yield from self._top_level_entry(key)
            self._member += 1
        self._notes = self._log
        self._next(at_end=True)
        self._check_options()

    def render(self, code: int) -> str:
        """The JSON pointer a location code stands for."""
        section_id, item, member, listed = unpack(code)
        key, section = self._sections[section_id]
        base = f"/{pointer_token(key)}/{item}"
        if member is None:
            return base if section.composite else f"{base}/objectUrl"
        if listed:
            return f"{base}/{section.list_key}/{member}/url"
        return f"{base}/objectUrl_{member}"

    # -- events --------------------------------------------------------------------------------------------

    def _next(self, *, at_start: bool = False, at_end: bool = False) -> tuple[str, Any]:
        try:
            event, value = next(self._events)
        except StopIteration:
            if at_end:
                return "", None
            self._log.fatal(self._where, "the file is empty" if at_start else "the JSON ends too early")
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            self._malformed(exc)
        if at_end:
            self._log.fatal("/", "unexpected content after the end of the manifest object")
        return event, value

    def _malformed(self, exc: Exception) -> NoReturn:
        if isinstance(exc, UnicodeDecodeError):
            where = self._counter.position(b"", at_end=False)
            self._log.fatal(self._where, f"malformed JSON {where}: a string is not valid UTF-8 ({exc.reason})")
        message, excerpt = _yajl_message(exc)
        headline = message.split("\n", 1)[0]
        where = self._counter.position(excerpt, at_end="premature EOF" in headline)
        self._log.fatal(self._where, f"malformed JSON {where}: {headline}")

    def _skip_value(self, event: str) -> None:
        depth = 1 if event in _OPENERS else 0
        while depth:
            event, _ = self._next()
            depth += (event in _OPENERS) - (event in _CLOSERS)

    def _build_value(self, first_event: str, first_value: Any) -> Any:
        """The whole value that starts with this event (a tight loop: it runs for every event of every entry)."""
        if first_event not in _OPENERS:
            return first_value
        root: Any = JsonObject() if first_event == "start_map" else []
        stack: list[Any] = [root]
        key = ""
        try:
            for event, value in self._events:
                if event == "map_key":
                    key = value
                    continue
                if event == "end_map" or event == "end_array":  # noqa: PLR1714 - faster than a set lookup here
                    stack.pop()
                    if not stack:
                        return root
                    continue
                top = stack[-1]
                new = JsonObject() if event == "start_map" else [] if event == "start_array" else value
                if type(top) is list:
                    top.append(new)
                else:
                    if key in top:
                        top.note_repeat(key)
                    top[key] = new
                if event == "start_map" or event == "start_array":  # noqa: PLR1714
                    stack.append(new)
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            self._malformed(exc)
        self._log.fatal(self._where, "the JSON ends too early")

    # -- top level -----------------------------------------------------------------------------------------

    def _top_level_entry(self, key: str) -> Iterator[ParsedUnit]:
        name = snake(key)
        pointer = f"/{pointer_token(key)}"
        self._where = pointer
        self._note_key(name, key, pointer)
        section = SECTIONS.get(name)
        if section is not None:
            yield from self._section(key, section, pointer)
        elif name in _OPTION_KEYS:
            self._option(name, key, pointer)
        else:
            event, _ = self._next()
            self._skip_value(event)
            if name == "scenes":
                self._notes.warn(pointer, "point-cloud scenes are not supported by cairn; this key is ignored")
            else:
                self._notes.warn(pointer, f"unknown top-level key {key!r} is ignored (cairn reads {_KNOWN})")

    def _note_key(self, name: str, key: str, pointer: str) -> None:
        section = SECTIONS.get(name)
        canonical = section.key if section is not None else name
        if canonical in self._seen_keys:
            first = self._seen_keys[canonical]
            also = "" if first == key else f" (also as {first!r})"
            self._notes.error(pointer, f"the top-level key {key!r} is given twice{also}", field=key)
        self._seen_keys.setdefault(canonical, key)

    def _section(self, key: str, section: Section, pointer: str) -> Iterator[ParsedUnit]:
        event, _ = self._next()
        if event != "start_array":
            self._notes.error(
                pointer, f"{key} must be an array of objects, got {_EVENT_TYPES.get(event, event)}", field=key
            )
            self._skip_value(event)
            return
        section_id = self._section_id(key, section)
        index = 0
        while True:
            self._where = f"{pointer}/{index}"
            event, value = self._next()
            if event == "end_array":
                return
            if self._skipped(index):
                self._skip_value(event)
                index += 1
                continue
            raw = self._build_value(event, value)
            parsed = parse_item(
                raw,
                section=section,
                pointer=self._where,
                base_code=pack(section_id, index),
                log=self._log,
                limits=self._limits,
            )
            if parsed is not None:
                yield parsed
            index += 1

    def _skipped(self, index: int) -> bool:
        """Whether entry ``index`` of the current member was read by the fast reader before it handed over."""
        resume = self._resume
        if resume is None or self._member > resume[0]:
            return False
        return self._member < resume[0] or index < (resume[1] or 0)

    def _section_id(self, key: str, section: Section) -> int:
        self._sections.append((key, section))
        return min(len(self._sections) - 1, MAX_SECTIONS - 1)

    def _option(self, name: str, key: str, pointer: str) -> None:
        event, value = self._next()
        if event == "null":
            return
        if event != "boolean":
            self._skip_value(event)
            self._notes.error(pointer, f"{key} must be true or false, got {_EVENT_TYPES.get(event, event)}", field=key)
            return
        self._option_values[name] = bool(value)

    def _check_options(self) -> None:
        options = self.options
        if options.upsert_metadata and not options.skip_duplicate_urls:
            key = self._seen_keys.get("upsert_metadata", "upsert_metadata")
            self._log.warn(f"/{key}", "upsert_metadata has no effect unless skip_duplicate_urls is true")
