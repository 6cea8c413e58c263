"""``items.search_text``: how a title and URL become the text a search checks on PostgreSQL.

PostgreSQL (stored): ``translate(lower(title || E'\\n' || object_url), PUNCTUATION, LETTERS)``, lower-cased, with 25
common ASCII punctuation characters and the line break between title and URL each replaced by its own upper-case
letter. Upper-case ASCII letters never occur in lower-cased text, so the replacement loses nothing: a
title or URL contains a text (in any case) exactly when ``search_text`` contains the text mapped the same way, and
the mapped text holds no character special to ``LIKE`` (``%``, ``_`` and ``\\`` are mapped). It is NULL when title
and URL would not fit a B-tree entry beside the other columns of the name indexes that include it
(``2 * title + URL > MAX_INDEXED_BYTES`` bytes; the title is also their key).

Why: pg_trgm takes trigrams within words only, and punctuation ends a word. Without the mapping ``frame_2024``
is the common words ``frame`` and ``2024``, and a search for it reads most of the table; mapped, it is one word
whose trigram ``ez2`` is rare.

Which letter: pg_trgm lower-cases, so a mapped character looks like its letter to the trigram index. The commonest
punctuation (space ``_ - . : /``) maps to ``w z q j k x``, never to ``a``-``f``: object keys are full of
hexadecimal hashes, where ``24c`` (``2024-`` mapped to ``c``) would occur by chance in items that hold no ``2024-``.

On SQLite the column is always NULL: SQLite searches through its FTS5 index and has no ``translate``; the mapping
written as 26 nested ``replace`` calls takes about 40 µs per row (as a virtual column, every row a sort reads pays
it). The column exists there so that one table definition serves both dialects.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

PUNCTUATION = " _-.:/%\\,;()[]+=@#&!?~'\"$\n"
LETTERS = "WZQJKXVYGHUOILMNPRSTABCDEF"
_MAPPED = dict(zip(PUNCTUATION, LETTERS.lower(), strict=True))  # as pg_trgm sees them: it lower-cases words
MAX_INDEXED_BYTES = 2400  # 2 x title + object URL, in bytes: what fits a B-tree entry with the other columns


def _postgresql_literal(text: str) -> str:
    """``text`` as a PostgreSQL string constant (E'...')."""
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"E'{escaped}'"


POSTGRESQL_EXPRESSION = (
    f"CASE WHEN 2 * octet_length(title) + octet_length(coalesce(object_url, '')) <= {MAX_INDEXED_BYTES} "
    f"THEN translate(lower(title || chr(10) || coalesce(object_url, '')), {_postgresql_literal(PUNCTUATION)}, "
    f"'{LETTERS}') END"
)


class Generated(sa.sql.expression.ColumnElement[str]):
    """What ``items.search_text`` is generated from (``sa.Computed``): ``POSTGRESQL_EXPRESSION`` on PostgreSQL,
    NULL on SQLite."""

    inherit_cache = True
    type = sa.Text()


@compiles(Generated, "postgresql")
def _generated_on_postgresql(element: Generated, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(sa.text(POSTGRESQL_EXPRESSION), **kw)  # as text: its % escaped for the driver


@compiles(Generated)
def _generated_elsewhere(element: Generated, compiler: SQLCompiler, **kw: Any) -> str:
    return "NULL"


# Constants of the pattern made once: coercing a string into a bound value costs more than the rest of it
_PUNCTUATION = sa.literal(PUNCTUATION, sa.Text)
_LETTERS = sa.literal(LETTERS, sa.Text)
_ANY = sa.literal("%", sa.Text)


def like_pattern(text: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """The ``LIKE`` pattern that finds the value of ``text`` (a bound parameter) in PostgreSQL's ``search_text``,
    mapped by the database itself."""
    return _ANY + sa.func.translate(sa.func.lower(text), _PUNCTUATION, _LETTERS) + _ANY
