"""The duplicate key: what names an object URL (or a composite's ordered member URLs) inside a folder.

``items`` has a unique index on ``(folder_id, url_key, copy_no)``: the database refuses a second copy 0 of a key
in a folder, which is how registration finds duplicates without reading first (``docs/registration.md``).

The key is the text itself when it is at most ``PREFIX_CHARS`` characters long, else its first ``PREFIX_CHARS``
characters, ``#`` and the SHA-256 of the whole text. Why not a hash of every URL (cairn's first key):

* **Insertion locality.** A manifest lists its URLs in an order close to the key's (``.../0001.jpg``,
  ``.../0002.jpg``): a batch of new keys lands on a few neighbouring pages at the right edge of the index. A hash
  scatters every batch over the whole index, so each commit rewrites most of its pages: at 1,000,000 rows SQLite
  inserted 29,000 rows/s with a hashed key and 209,000 with keys in URL order (issue 15).
* **Bounded size.** A URL may be 16 KB long (``urls.MAX_URL_LENGTH``); a PostgreSQL B-tree entry holds about
  2,700 bytes. A key is at most ``PREFIX_CHARS`` characters (4 bytes each in UTF-8) + 65: 1,089 bytes.
* **Still exact.** A text of at most ``PREFIX_CHARS`` characters is its own key; a longer one's key is longer than
  that, so never equal to a short text's; two long texts have equal keys only if they share their first
  ``PREFIX_CHARS`` characters and their SHA-256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = ["PREFIX_CHARS", "composite_key", "url_key"]

PREFIX_CHARS = 256
"""Texts up to this many characters are their own key; longer ones keep this many, then ``#`` and a hash."""


def url_key(url: str) -> str:
    """The key of an object URL inside a folder (what "skip duplicate URLs" compares)."""
    if len(url) <= PREFIX_CHARS:
        return url
    return f"{url[:PREFIX_CHARS]}#{hashlib.sha256(url.encode()).hexdigest()}"


def composite_key(urls: Sequence[str]) -> str:
    """The key of a composite: its ordered member URLs (groups match when all their URLs match, in order)."""
    return url_key("\n".join(urls))
