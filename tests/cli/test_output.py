"""How records become JSON and numbers become text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from cairn.cli.output import human_size, jsonable
from cairn.domain.access import Role
from cairn.domain.kinds import ItemKind
from cairn.domain.records import Grant, Page


def test_records_become_plain_json() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    grant = Grant(folder_id=1, user_id=2, user_email="a@b.c", user_name="A", role=Role.EDITOR, granted_at=at)
    page = Page(items=[grant], next_cursor=None)
    value = jsonable({"page": page, "kinds": frozenset({ItemKind.IMAGE}), "where": Path("/x")})
    assert value == {
        "page": {
            "items": [
                {
                    "folder_id": 1,
                    "user_id": 2,
                    "user_email": "a@b.c",
                    "user_name": "A",
                    "role": "editor",
                    "granted_at": "2026-01-02T03:04:05+00:00",
                }
            ],
            "next_cursor": None,
        },
        "kinds": ["image"],
        "where": "/x",
    }
    json.dumps(value)  # and it really is JSON


def test_human_size() -> None:
    assert [human_size(n) for n in (None, 0, 1023, 1536, 5 * 1024**3, 3 * 1024**5)] == [
        "",
        "0 B",
        "1023 B",
        "1.5 KB",
        "5.0 GB",
        "3072.0 TB",
    ]
