"""PostgreSQL's ``items.search_text`` (0007, 0012, 0014): how a title and URL become the text a search checks.

``search_text`` is ``translate(lower(title || E'\\n' || object_url), PUNCTUATION, LETTERS)``: lower-cased, with 25
common ASCII punctuation characters and the line break between title and URL each replaced by its own upper-case
letter. Upper-case ASCII letters never occur in lower-cased text, so the replacement loses nothing: a
title or URL contains a text (in any case) exactly when ``search_text`` contains the text mapped the same way, and
the mapped text holds no character special to ``LIKE`` (``%``, ``_`` and ``\\`` are mapped).

Why: pg_trgm takes trigrams within words only, and punctuation ends a word. Without the mapping ``frame_2024``
is the common words ``frame`` and ``2024``, and a search for it reads most of the table; mapped, it is one word
whose trigram ``ez2`` is rare.

Which letter: pg_trgm lower-cases, so a mapped character looks like its letter to the trigram index and to
``trigram_spans``. The commonest punctuation (space ``_ - . : /``) maps to ``w z q j k x``, never to ``a``-``f``:
object keys are full of hexadecimal hashes, where ``24c`` (``2024-`` mapped to ``c``, 0012) occurs by chance in
items that hold no ``2024-`` (0014).
"""

from __future__ import annotations

import sqlalchemy as sa

PUNCTUATION = " _-.:/%\\,;()[]+=@#&!?~'\"$\n"
LETTERS = "WZQJKXVYGHUOILMNPRSTABCDEF"
_MAPPED = dict(zip(PUNCTUATION, LETTERS.lower(), strict=True))  # as pg_trgm sees them: it lower-cases words


def like_pattern(text: str) -> sa.ColumnElement[str]:
    """The ``LIKE`` pattern that finds ``text`` in ``search_text``, mapped by the database itself (its ``lower``)."""
    mapped = sa.func.translate(sa.func.lower(sa.literal(text, sa.Text)), PUNCTUATION, LETTERS)
    return sa.literal("%", sa.Text) + mapped + sa.literal("%", sa.Text)


def word_runs(text: str) -> list[str]:
    """The runs of ``text`` that pg_trgm reads as part of one word of any ``search_text`` containing it, as it reads
    them (lower-cased, punctuation mapped): ASCII letters, digits and mapped punctuation. Any other character ends a
    run, whatever the database's ``lower`` makes of it."""
    runs: list[str] = []
    current: list[str] = []
    for char in text:
        if char.isascii() and char.isalnum():
            current.append(char.lower())
        elif char in _MAPPED:
            current.append(_MAPPED[char])
        else:
            runs.append("".join(current))
            current = []
    runs.append("".join(current))
    return [run for run in runs if run]
