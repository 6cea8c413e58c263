"""Whatever finds a page (search index, folders, dataset members, kind index, sort index, or a walk that gives up
and falls back to the search index), search returns the same rows in the same order, page after page, and only
what the actor may see. On SQLite the thresholds that choose are forced each way; PostgreSQL's planner chooses by
itself, so there the same checks guard the single statement it runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from cairn.db import name_order, trigram_spans
from cairn.db.repositories import item_pages
from cairn.domain.access import Role
from cairn.domain.kinds import ItemKind
from cairn.domain.listing import ItemQuery, SortBy
from cairn.domain.records import Item, User
from cairn.services.items import NewItem
from cairn.services.registry import Registry

NEVER, ALWAYS = -1, 10**9
CONFIGS = {  # name: constants of item_pages
    "indexes first": {"FEW_TEXT_MATCHES": ALWAYS, "FEW_MEMBERS": ALWAYS, "SMALL": ALWAYS},
    "walks": {"FEW_TEXT_MATCHES": NEVER, "FEW_MEMBERS": NEVER, "SMALL": NEVER},
    "walks give up": {
        "FEW_TEXT_MATCHES": NEVER,
        "FEW_MEMBERS": NEVER,
        "SMALL": NEVER,
        "WALK_STEPS": 1,
        "WALK_MS": 1,  # PostgreSQL: with the walk made slow below, every budgeted statement is cancelled...
        "FEW_ESTIMATED_MATCHES": ALWAYS,  # ...and the matches are fetched and sorted
    },
    "walks give up, many matches": {"WALK_MS": 1, "FEW_ESTIMATED_MATCHES": NEVER},  # PostgreSQL: walk again
    # SQLite: the name-ordered copy of the search index (0008), with a third of the items changed since it was built
    "name order": {"FEW_TEXT_MATCHES": NEVER, "FEW_MEMBERS": NEVER, "SMALL": NEVER},
    # PostgreSQL: walks run between the first and last names a match can have (0010), and stop before they start
    # when no item can match, with a third of the items recorded as changed
    "trigram spans": {},
    "name order gives up": {  # SQLite: its walk runs out of budget, then the KIND or ORDER walks take over
        "FEW_TEXT_MATCHES": NEVER,
        "FEW_MEMBERS": NEVER,
        "SMALL": NEVER,
        "SNAPSHOT_STEPS": 1,
    },
}
QUERIES = [
    {"text": "take"},  # matches sort last by name, one only by its URL
    {"text": "CAM_0"},
    {"text": "take", "kinds": {"audio"}},
    {"text": "frame", "kinds": {"video"}},  # nothing: every video is a clip
    {"kinds": {"dicom_file"}},
    {"kinds": {"image", "video"}, "text": "_01"},
    {"text": "take", "in_dataset": True},
    {"text": "cam", "in_dataset": False},
    {"text": "cam", "dataset": "plain"},
    {"text": "clip", "dataset": "synced"},
    {"text": "slice", "sort": "created", "descending": True},
    {"text": "cam", "kinds": {"image"}, "descending": True},
    {"text": "e"},  # too short for the search index
    {"in_dataset": True},
    {"dataset": "plain", "kinds": {"audio"}},
    {"text": "ca", "dataset": "synced", "descending": True},
    {"text": "éco"},  # the case of a non-ASCII letter folds whichever way the page is found
    {"text": "ÉCOLE", "kinds": {"audio"}},
    {"text": "take", "metadata": {"split": "val"}},  # PostgreSQL checks metadata on the rows, after the index
    {"metadata": {"split": "val"}, "descending": True},
    {"text": "yy_long"},  # a title whose URL is too long for PostgreSQL's name index (search_text is NULL)
    {"text": "deep_take", "kinds": {"image"}},  # found only deep in that long URL
    {"text": "wav\ns3"},  # would span title and URL in PostgreSQL's search_text: matches nothing
    {"text": "0%_a\\b"},  # LIKE's wildcards and escape character are matched as themselves
    {"text": "1_0"},  # "_" is not a wildcard: "100" does not match
    {"text": "clip", "kinds": {"audio"}, "sort": "created"},  # nothing
    {"text": "deep_take", "kinds": {"image"}, "sort": "created", "descending": True},  # only that long URL
    {"text": "take", "kinds": {"image"}, "sort": "created"},
    {"text": "last_cam"},  # nothing: no item holds all its trigrams (PostgreSQL answers from trigram_spans)
    {"text": "last_cam", "kinds": {"image"}},
]
LONG_URL = "s3://bucket/" + "segment/" * 320 + "deep_take.jpg"  # 2,585 bytes: no search_text (0007)


@dataclass
class World:
    admin: User
    viewer: User
    items: list[Item]
    visible_folders: set[int]
    members: dict[str, set[int]] = field(default_factory=dict)  # "plain", "synced", "any": item ids
    dataset_ids: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def world(registry: Registry, admin: User, make_user: Any) -> World:
    project = registry.folders.create(actor=admin, name="project")
    front = registry.folders.create(actor=admin, name="front", parent_id=project.id)
    mics = registry.folders.create(actor=admin, name="mics", parent_id=project.id)
    hidden = registry.folders.create(actor=admin, name="hidden")
    added = registry.items.add(actor=admin, folder_id=front.id, items=_cams())
    added += registry.items.add(actor=admin, folder_id=mics.id, items=_mics())
    added += registry.items.add(actor=admin, folder_id=hidden.id, items=_scans())
    viewer = make_user("viewer")
    registry.access.grant(actor=admin, folder_id=project.id, email=viewer.email, role=Role.VIEWER)
    plain = registry.datasets.create(actor=admin, title="plain")
    chosen = [i.id for i in added if i.title.endswith(("3.jpg", "2.wav", "1.dcm"))]
    registry.datasets.add_items(actor=admin, dataset_id=plain.id, item_ids=chosen)
    synced = registry.datasets.create(actor=admin, title="synced", synced_folder_id=front.id)
    world = World(admin, viewer, added, {project.id, front.id, mics.id})
    world.members = {"plain": set(chosen), "synced": {i.id for i in added if i.folder_id == front.id}}
    world.members["any"] = world.members["plain"] | world.members["synced"]
    world.dataset_ids = {"plain": plain.id, "synced": synced.id}
    return world


def _cams() -> list[NewItem]:
    frames = [_item(ItemKind.IMAGE, f"cam_{n:03d}_frame.jpg") for n in range(24)]
    clips = [_item(ItemKind.VIDEO, f"cam_{n:03d}_clip.mp4") for n in range(0, 24, 3)]
    last = _item(ItemKind.IMAGE, "zz_last.jpg", url="s3://bucket/take/zz_last.jpg")
    odd = _item(ItemKind.IMAGE, "odd_100%_a\\b.jpg")
    return [*frames, *clips, last, odd, _item(ItemKind.IMAGE, "yy_long.jpg", url=LONG_URL)]


def _mics() -> list[NewItem]:
    cased = ["MIC_999_TAKE.WAV", "ÉCOLE_TAKE_01.WAV", "école_take_02.wav"]
    return [_item(ItemKind.AUDIO, title) for title in [f"mic_{n:03d}_take.wav" for n in range(14)] + cased]


def _scans() -> list[NewItem]:
    return [_item(ItemKind.DICOM_FILE, f"CT_{n:02x}ab_slice_{n:02d}.dcm") for n in range(9)]


def _item(kind: ItemKind, title: str, *, url: str | None = None) -> NewItem:
    split = {"split": "val"} if "1" in title else {"split": "train"}
    return NewItem(kind=kind, title=title, object_url=url or f"s3://bucket/{title}", client_metadata=split)


@pytest.fixture(params=list(CONFIGS))
def config(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, registry: Registry
) -> Iterator[Counter[str]]:
    """Force one way of choosing and count which drivers, walks and fallbacks were used."""
    _prepare(request.param, registry)
    for name, value in CONFIGS[request.param].items():
        monkeypatch.setattr(item_pages, name, value)
    if {"WALK_STEPS", "SNAPSHOT_STEPS"} & set(CONFIGS[request.param]):
        monkeypatch.setattr(item_pages, "PROGRESS_EVERY", 1)
    used: Counter[str] = Counter()
    choose, walk = item_pages.PageFinder.driver, item_pages.PageFinder._within_budget

    def counted_driver(self: item_pages.PageFinder, query: ItemQuery, scope: Any) -> item_pages.Driver:
        driver = choose(self, query, scope)
        used[driver.name if (query.text or "").isascii() else f"{driver.name}, non-ASCII text"] += 1
        return driver

    def counted_walk(self: item_pages.PageFinder, statement: Any, steps: int | None = None) -> Any:
        rows = walk(self, statement, steps)
        used["walk finished" if rows is not None else "walk gave up"] += 1
        return rows

    in_order = item_pages.PageFinder._in_name_order

    def counted_in_order(self: item_pages.PageFinder, query: ItemQuery, scope: Any) -> Any:
        rows = in_order(self, query, scope)
        used["name order" if rows is not None else "no name order"] += 1
        return rows

    monkeypatch.setattr(item_pages.PageFinder, "_in_name_order", counted_in_order)
    possible_names = item_pages.PageFinder._possible_names

    def counted_possible_names(self: item_pages.PageFinder, query: ItemQuery) -> Any:
        found = possible_names(self, query)
        text = query.text or ""
        if trigram_spans.term_trigrams(text) and "\n" not in text:
            used["span" if found is not None else "no span"] += 1
            used["span: nothing matches"] += found is not None and found.names is None
        return found

    monkeypatch.setattr(item_pages.PageFinder, "_possible_names", counted_possible_names)
    monkeypatch.setattr(item_pages.PageFinder, "driver", counted_driver)
    very_few = item_pages.PageFinder._very_few_text_matches

    def counted_very_few(self: item_pages.PageFinder, text: str | None) -> list[int] | None:
        found = very_few(self, text)
        used["TEXT"] += found is not None  # chosen before the driver, as it would choose
        return found

    monkeypatch.setattr(item_pages.PageFinder, "_very_few_text_matches", counted_very_few)
    monkeypatch.setattr(item_pages.PageFinder, "_within_budget", counted_walk)
    if "WALK_MS" in CONFIGS[request.param]:
        _make_postgres_walks_give_up(monkeypatch, used)
    used["config: " + request.param] = 1
    yield used


def _prepare(name: str, registry: Registry) -> None:
    """Skip a configuration the dialect has no use for; build what it searches from."""
    postgres_budget_only = CONFIGS[name] and not set(CONFIGS[name]) - {"WALK_MS", "FEW_ESTIMATED_MATCHES"}
    if registry.db.is_sqlite and postgres_budget_only:
        pytest.skip("PostgreSQL's walk budget only")
    if name.startswith("name order"):
        if not registry.db.is_sqlite:
            pytest.skip("SQLite's name-ordered index only")
        _build_name_order_then_change(registry)
    if name == "trigram spans":
        if registry.db.is_sqlite:
            pytest.skip("PostgreSQL's trigram spans only")
        _build_trigram_spans_then_record_changes(registry)


def _build_name_order_then_change(registry: Registry) -> None:
    """Build the name-ordered index, then "rename" every third item to its own title: those are changes the
    index does not hold (a search merges them in from the table), and the expected pages stay the same."""
    assert name_order.rebuild(registry.db) is not None
    with registry.db.write() as conn:
        changed = conn.exec_driver_sql("UPDATE items SET title = title WHERE id % 3 = 0").rowcount
    with registry.db.read() as conn:
        assert not name_order.changes_at_most(conn, changed - 1)  # they are all recorded


def _build_trigram_spans_then_record_changes(registry: Registry) -> None:
    """Build ``trigram_spans``, then record every third item as changed (as the trigger does): a search merges
    those in outside the span, and the expected pages stay the same."""
    assert trigram_spans.rebuild(registry.db) is not None
    with registry.db.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO search_changes (item_id, seq) SELECT id, nextval('search_change_seq') FROM items "
            "WHERE mod(id, 3) = 0"
        )


def _make_postgres_walks_give_up(monkeypatch: pytest.MonkeyPatch, used: Counter[str]) -> None:
    """PostgreSQL: a statement run under a ``statement_timeout`` sleeps 20 ms a row, so its 1 ms budget runs out;
    the same statement run without one (the fallback) does not sleep. Counts what ``_postgres_rows`` did."""
    statement_of, estimate = item_pages.PageFinder.postgres_statement, item_pages.PageFinder._estimated_matches
    under_budget = sa.func.current_setting("statement_timeout") != "0"
    sleeps = sa.case((under_budget, sa.func.pg_sleep(0.02).is_(None)), else_=sa.true())

    def slow_under_budget(self: item_pages.PageFinder, query: ItemQuery, scope: Any) -> Any:
        statement = statement_of(self, query, scope)
        return statement.where(sleeps) if query.text and len(query.text) >= 3 else statement

    def counted_estimate(self: item_pages.PageFinder, text: str) -> int:
        used["walk gave up"] += 1
        return estimate(self, text)

    monkeypatch.setattr(item_pages.PageFinder, "postgres_statement", slow_under_budget)
    monkeypatch.setattr(item_pages.PageFinder, "_estimated_matches", counted_estimate)


@pytest.mark.parametrize("who", ["admin", "viewer"])
def test_every_way_of_finding_a_page_gives_the_same_pages(
    registry: Registry, world: World, config: Counter[str], who: str
) -> None:
    actor = world.admin if who == "admin" else world.viewer
    for spec in QUERIES:
        query = _query(world, spec)
        assert _all_pages(registry, actor, query) == _expected(world, spec, query, who), spec
    if config["config: trigram spans"]:
        assert config["span"] and config["span: nothing matches"] and not config["no span"]
    if registry.db.is_sqlite:
        _check_what_was_used(config, scoped=who == "viewer")
    elif any(name.startswith("config: walks give up") for name in config):
        assert config["walk gave up"] >= len([q for q in QUERIES if len(q.get("text", "")) >= 3])


def _check_what_was_used(used: Counter[str], *, scoped: bool) -> None:
    """The forced thresholds did choose what they were meant to (so each branch above was exercised)."""
    if used["config: indexes first"]:
        assert used["TEXT"] and (used["FOLDERS"] if scoped else used["DATASETS"])
        assert not used["walk gave up"]
    if used["config: walks"]:
        assert used["KIND"] and used["ORDER"] and not used["TEXT"] and not used["DATASETS"]
        assert used["TEXT, non-ASCII text"]  # FTS5 folds their case, as PostgreSQL does; LIKE would not
        assert used["walk finished"] and not used["walk gave up"]
    if used["config: name order"]:
        assert used["name order"] and not used["no name order"] and not used["walk gave up"]
    elif used["config: name order gives up"]:
        assert used["no name order"] and not used["name order"]
        assert used["KIND"] and used["ORDER"] and used["walk finished"]
    else:
        assert not used["name order"]
    if used["config: walks give up"]:
        assert used["walk gave up"] and not used["walk finished"]


def _query(world: World, spec: dict[str, Any]) -> ItemQuery:
    values = {k: v for k, v in spec.items() if k != "dataset"}
    if "dataset" in spec:
        values["dataset_id"] = world.dataset_ids[spec["dataset"]]
    return ItemQuery(limit=4, **values)


def _all_pages(registry: Registry, actor: User, query: ItemQuery) -> list[str]:
    titles: list[str] = []
    for _ in range(50):
        page = registry.items.search(actor=actor, query=query)
        titles.extend(item.title for item in page.items)
        if page.next_cursor is None:
            return titles
        query = ItemQuery(**{**query.__dict__, "cursor": page.next_cursor})
    raise AssertionError("pages never ended")


def _expected(world: World, spec: dict[str, Any], query: ItemQuery, who: str) -> list[str]:
    found = [item for item in world.items if _matches(world, spec, item, who)]
    key = (lambda i: (i.title, i.id)) if query.sort is SortBy.NAME else (lambda i: (i.created_at, i.id))
    return [item.title for item in sorted(found, key=key, reverse=query.descending)]


def _matches(world: World, spec: dict[str, Any], item: Item, who: str) -> bool:
    text = spec.get("text", "").lower()
    checks = [
        text in item.title.lower() or text in (item.object_url or "").lower(),
        not spec.get("kinds") or item.kind.value in spec["kinds"],
        who == "admin" or item.folder_id in world.visible_folders,
        spec.get("in_dataset") is None or (item.id in world.members["any"]) == spec["in_dataset"],
        "dataset" not in spec or item.id in world.members[spec["dataset"]],
        all(item.client_metadata.get(k) == v for k, v in spec.get("metadata", {}).items()),
    ]
    return all(checks)
