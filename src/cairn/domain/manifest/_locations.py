"""Compact location codes: one 64-bit integer per URL, so a million URLs can be checked for repeats cheaply.

A JSON code packs (section, entry index, member); a CSV code is the line number. Readers render codes back to
the JSON pointer or ``line N`` they stand for.
"""

from __future__ import annotations

_MEMBER_BITS = 24
_ITEM_BITS = 32
LIST_MEMBER = 1 << (_MEMBER_BITS - 1)
_MAX_MEMBER = LIST_MEMBER - 1
_MAX_ITEM = (1 << _ITEM_BITS) - 1
MAX_SECTIONS = 1 << (64 - _MEMBER_BITS - _ITEM_BITS)


def member_code(position: int) -> int:
    """The member part of a code for the member at ``position`` (+1, since 0 means the entry itself).

    Positions too large to pack fall back to 0, and the location then names the entry instead of the member.
    """
    return position + 1 if position < _MAX_MEMBER else 0


def pack(section: int, item: int) -> int:
    """The code of entry ``item`` of section number ``section`` (OR in a member code for a member)."""
    return (section << (_MEMBER_BITS + _ITEM_BITS)) | (min(item, _MAX_ITEM) << _MEMBER_BITS)


def unpack(code: int) -> tuple[int, int, int | None, bool]:
    """(section, item, member position or None, whether the member is in the list form)."""
    member = code & ((1 << _MEMBER_BITS) - 1)
    listed = bool(member & LIST_MEMBER)
    member &= _MAX_MEMBER
    item = (code >> _MEMBER_BITS) & _MAX_ITEM
    section = code >> (_MEMBER_BITS + _ITEM_BITS)
    return section, item, (member - 1 if member else None), listed
