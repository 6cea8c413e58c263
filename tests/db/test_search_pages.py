"""Search pages are exact whatever changed: after any sequence of inserts, renames, moves, deletes, status and
dataset changes, every page of every query (its cursors followed to the end) equals the answer computed in Python,
whichever way the planner finds it (few candidates fetched and sorted, a walk, a walk that runs out of budget).
Both dialects; and a walk's budget running out leaves the transaction usable."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cairn.db.repositories import item_pages
from cairn.db.repositories.item_pages import PageFinder
from cairn.domain.access import Role
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.listing import ItemQuery, SortBy
from cairn.domain.records import User
from cairn.services.items import NewItem
from cairn.services.registry import Registry

NEVER, ALWAYS = -1, 10**9
# As if a text had many matches (on PostgreSQL not a moderate number), its walks as long as the constants allow
MANY = {"FEW_MATCHES": NEVER, "MODERATE_MATCHES": NEVER, "WALK_PER_MATCH": ALWAYS, "WALK_STEPS_PER_MATCH": ALWAYS}
CONFIGS = {  # how the planner is forced to find pages: constants of item_pages
    "as shipped": {},
    "few: fetch and sort": {"FEW_MATCHES": ALWAYS, "FEW_IN_FOLDERS": ALWAYS, "FEW_MEMBERS": ALWAYS},
    "walk": {**MANY, "FEW_IN_FOLDERS": NEVER, "FEW_MEMBERS": NEVER, "FEW_OF_KIND": NEVER},
    "walk runs out, few of each kind": {**MANY, "FEW_MEMBERS": NEVER, "SHORT_WALK": 0},
    "walk runs out, each kind walked": {**MANY, "FEW_MEMBERS": NEVER, "FEW_OF_KIND": NEVER, "SHORT_WALK": 0},
    "walk runs out, kinds fetched or walked": {**MANY, "FEW_OF_KIND": 2, "SHORT_WALK": 1, "WALK_ENTRIES": 1},
    "walk runs out at once": {
        **MANY,
        "FEW_IN_FOLDERS": NEVER,
        "FEW_MEMBERS": NEVER,
        "FEW_OF_KIND": NEVER,
        "WALK_STEPS": 0,
        "SHORT_WALK": 0,
        "WALK_ENTRIES": 0,
    },
    "short walk": {**MANY, "FEW_IN_FOLDERS": NEVER, "WALK_STEPS": 3_000, "SHORT_WALK": 3, "WALK_ENTRIES": 3},
    "many matches, their kinds asked": {**MANY, "FEW_MATCHES": 0, "MEDIUM_MATCHES": ALWAYS},
    "many matches, their kinds asked, walks run out": {
        **MANY,
        "FEW_MATCHES": 0,
        "MEDIUM_MATCHES": ALWAYS,
        "WALK_STEPS": 0,
    },
    "many matches, the kinds walked": {**MANY, "FEW_MATCHES": 0, "MEDIUM_MATCHES": 0},
    "moderate: walked as far as the matches are many, then fetched": {"FEW_MATCHES": 0, "MODERATE_MATCHES": ALWAYS},
    "walks as long as the matches are many": {"FEW_MATCHES": 0, "MODERATE_MATCHES": NEVER, "FEW_OF_KIND": NEVER},
}
# PostgreSQL's ways for a text whose walk runs out: each kind's candidates found through the trigram index, then
# fetched and sorted, or each kind's name index walked and the pages merged (the constants mean nothing on SQLite)
POSTGRESQL_ONLY = {
    "walk runs out, few of each kind",
    "walk runs out, each kind walked",
    "walk runs out, kinds fetched or walked",
}
# SQLite's ways for a text whose walk may run out (WALK_STEPS means nothing on PostgreSQL)
SQLITE_ONLY = {"many matches, their kinds asked, walks run out"}
KINDS = (ItemKind.IMAGE, ItemKind.VIDEO, ItemKind.AUDIO)
STATUSES = (ItemStatus.REGISTERED, ItemStatus.READY)
FOLDERS = ("front", "back", "hidden")  # front and back are in "project", which the viewer may see
WORDS = ("cam", "take", "ÉCOLE", "école", "жЖ", "a%b", "x\\y", "01", "_", "-", ".", " ")
titles = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map("".join).map(str.strip).filter(bool)
TERMS = ("cam", "TAKE", "éco", "ÉCO", "жж", "a%", "\\y", "01", "_t", "e_", "am", "ca", "é", "ke.", "amt", "e c")
# None, a fixed term, or a piece of the title of an item present (index, start, length)
pieces = st.tuples(st.integers(0, 99), st.integers(0, 8), st.integers(1, 6))
texts = st.one_of(st.none(), st.sampled_from(TERMS), pieces, pieces)


@dataclass
class Model:
    """What the database should hold, kept in Python."""

    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    plain: set[int] = field(default_factory=set)  # members of the plain dataset
    urls: int = 0

    def members(self, dataset: str | None) -> set[int]:
        synced = {i for i, row in self.rows.items() if row["folder"] == "front"}  # the synced dataset's folder
        return {"plain": self.plain & set(self.rows), "synced": synced, None: (self.plain & set(self.rows)) | synced}[
            dataset
        ]


@dataclass
class World:
    registry: Registry
    admin: User
    viewer: User
    folders: dict[str, int]
    datasets: dict[str, int]
    model: Model = field(default_factory=Model)


@pytest.fixture
def world(registry: Registry, admin: User, make_user: Any) -> World:
    project = registry.folders.create(actor=admin, name="project")
    ids = {name: registry.folders.create(actor=admin, name=name, parent_id=project.id).id for name in FOLDERS[:2]}
    ids["hidden"] = registry.folders.create(actor=admin, name="hidden").id
    ids["project"] = project.id
    viewer = make_user("viewer")
    registry.access.grant(actor=admin, folder_id=project.id, email=viewer.email, role=Role.VIEWER)
    plain = registry.datasets.create(actor=admin, title="plain").id
    synced = registry.datasets.create(actor=admin, title="synced", synced_folder_id=ids["front"]).id
    return World(registry, admin, viewer, ids, {"plain": plain, "synced": synced})


additions = st.tuples(
    st.just("add"),
    st.sampled_from(FOLDERS),
    st.lists(st.tuples(titles, st.sampled_from(KINDS), st.sampled_from(STATUSES)), min_size=1, max_size=20),
)
edits = st.one_of(
    st.tuples(st.just("rename"), st.integers(0, 99), titles),
    st.tuples(st.just("move"), st.integers(0, 99), st.sampled_from(FOLDERS)),
    st.tuples(st.just("delete"), st.integers(0, 99)),
    st.tuples(st.just("status"), st.integers(0, 99), st.sampled_from(STATUSES)),
    st.tuples(st.just("link"), st.integers(0, 99)),
    st.tuples(st.just("unlink"), st.integers(0, 99)),
)
# Items added, then added and changed in any order.
operations = st.tuples(st.lists(additions, min_size=1, max_size=3), st.lists(st.one_of(additions, edits, edits))).map(
    lambda parts: [*parts[0], *parts[1]]
)


def rarely(strategy: st.SearchStrategy[Any], default: Any) -> st.SearchStrategy[Any]:
    """``default`` (no filter) twice as often as a value of ``strategy``."""
    return st.one_of(st.just(default), st.just(default), strategy)


queries = st.fixed_dictionaries(
    {
        "text": texts,
        "kinds": rarely(st.frozensets(st.sampled_from(KINDS), min_size=1, max_size=2), frozenset()),
        "statuses": rarely(st.frozensets(st.sampled_from(STATUSES), min_size=1, max_size=1), frozenset()),
        "metadata": rarely(st.just({"split": "val"}), {}),
        "in_dataset": rarely(st.sampled_from([True, False]), None),
        "dataset": rarely(st.sampled_from(["plain", "synced"]), None),
        "folder": rarely(st.sampled_from([("project", True), ("front", False)]), None),
        "viewer": st.booleans(),
        "sort": st.sampled_from(list(SortBy)),
        "descending": st.booleans(),
        "limit": st.integers(1, 4),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=operations, asked=st.lists(queries, min_size=1, max_size=4))
def test_every_page_is_the_reference_answer_whatever_changed(
    world: World, changes: list[Any], asked: list[dict[str, Any]]
) -> None:
    _start_empty(world)
    for change in changes:
        _apply(world, change)
    for wanted in asked:
        wanted["text"] = _text(world.model, wanted["text"])
        actor = world.viewer if wanted["viewer"] else world.admin
        expected = _expected(world, wanted)
        for config, constants in CONFIGS.items():
            if config in (POSTGRESQL_ONLY if world.registry.db.is_sqlite else SQLITE_ONLY):
                continue
            with pytest.MonkeyPatch.context() as patch:
                for name, value in constants.items():
                    patch.setattr(item_pages, name, value)
                assert _all_pages(world, actor, _query(world, wanted)) == expected, (config, wanted)


def test_a_dataset_s_members_in_no_dataset_are_none(world: World) -> None:
    """Found by the property test on PostgreSQL: the few members of a dataset, asked for with "in no dataset",
    were all returned (the members' ids stood for both filters)."""
    world.registry.items.add(actor=world.admin, folder_id=world.folders["front"], items=[_new("cam.jpg")])
    query = ItemQuery(dataset_id=world.datasets["synced"], in_dataset=False)
    assert _all_pages(world, world.admin, query) == []
    assert len(_all_pages(world, world.admin, ItemQuery(dataset_id=world.datasets["synced"], in_dataset=True))) == 1


def test_a_walk_that_runs_out_leaves_the_transaction_usable(world: World) -> None:
    """The walk's budget forced to nothing: the page comes from the fallback, and the same transaction goes on."""
    titles = [f"cam_{n:02d}_take.jpg" for n in range(30)]
    world.registry.items.add(actor=world.admin, folder_id=world.folders["front"], items=[_new(t) for t in titles])
    query = ItemQuery(text="take", limit=5)
    with world.registry.db.read() as conn:
        finder = PageFinder(conn)
        scope = finder._scope(query, None)
        if finder.is_sqlite:  # the progress handler interrupts the walk at its first instruction
            assert finder.within_budget(finder.statement(query, scope, item_pages.Driver.ORDER), steps=0) is None
        else:  # a window of no entries: nothing found, nothing cancelled
            assert finder.walk(query, scope, 0) is None
            assert finder.walk(query, scope, 1) is None  # one entry read: less than a page, and more entries follow
            assert len(finder.walk(query, scope, 29) or []) == 6  # the page is full before the window ends
            assert finder.walk(replace(query, text="29_"), scope, 31) == [  # whole index read: its answer is whole
                row.id for row in finder.rows(replace(query, text="29_"), visible_paths=None)
            ]
        assert conn.execute(sa.select(sa.func.count()).select_from(sa.text("items"))).scalar_one() == 30
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(item_pages, "FEW_MATCHES", NEVER)
            patch.setattr(item_pages, "WALK_STEPS", 0)
            patch.setattr(item_pages, "WALK_ENTRIES", 0)
            patch.setattr(item_pages, "SHORT_WALK", 0)
            rows = finder.rows(query, visible_paths=None)
        assert [row.title for row in rows] == sorted(titles)[:6]


def test_a_read_transaction_sees_one_snapshot_whatever_commits_meanwhile(world: World) -> None:
    """A page may be found by several statements (a count, walks, a fetch): they must all see the same items. On
    PostgreSQL each statement of a READ COMMITTED transaction would see the commits made since the one before."""
    world.registry.items.add(actor=world.admin, folder_id=world.folders["front"], items=[_new("cam_take.jpg")])
    count = sa.select(sa.func.count()).select_from(sa.text("items"))
    with world.registry.db.read() as conn:
        assert conn.execute(count).scalar_one() == 1
        world.registry.items.add(actor=world.admin, folder_id=world.folders["back"], items=[_new("cam_take2.jpg")])
        assert conn.execute(count).scalar_one() == 1
        found = PageFinder(conn).rows(ItemQuery(text="take"), visible_paths=None)
        assert [row.title for row in found] == ["cam_take.jpg"]
    assert len(_all_pages(world, world.admin, ItemQuery(text="take"))) == 2  # seen by the next transaction


def test_each_kind_filter_with_a_text_finds_that_kind_only(world: World) -> None:
    """Every kind (``image`` too, whose name is in ``image_group``'s), with a text, however the page is found;
    and a text that is a kind's name is looked for in titles and URLs, not in kinds (SQLite's FTS5 index holds
    the kind: ``item_pages._fts_kind``)."""
    ids = {}
    with world.registry.db.write() as conn:
        for n, (kind, title) in enumerate(
            [*((k, f"{k.value} take") for k in ItemKind), (ItemKind.VIDEO, "plain take")]
        ):
            ids[title] = conn.execute(
                sa.text(
                    "INSERT INTO items (folder_id, kind, title, status, object_url, client_metadata, created_at, "
                    "edited_at) VALUES (:folder, :kind, :title, 'registered', :url, '{}', :at, :at) RETURNING id"
                ),
                {
                    "folder": world.folders["front"],
                    "kind": kind.value,
                    "title": title,
                    "url": f"s3://b/{n}.bin",
                    "at": f"2026-01-01 00:00:{n:02d}",
                },
            ).scalar_one()
    if world.registry.db.is_sqlite:  # the index's own answer (the page checks the kind on the row again)
        with world.registry.db.read() as conn:
            for kind in ItemKind:
                found = set(conn.execute(item_pages._fts_rowids("take", frozenset({kind}))).scalars())
                assert found == {ids[f"{kind.value} take"]} | ({ids["plain take"]} if kind is ItemKind.VIDEO else set())
            assert set(conn.execute(item_pages._fts_rowids("video", frozenset())).scalars()) == {ids["video take"]}
    for config, constants in CONFIGS.items():
        with pytest.MonkeyPatch.context() as patch:
            for name, value in constants.items():
                patch.setattr(item_pages, name, value)
            for kind in ItemKind:
                found = _all_pages(world, world.admin, ItemQuery(text="take", kinds=frozenset({kind}), limit=3))
                wanted = sorted(
                    i
                    for t, i in ids.items()
                    if t.startswith(f"{kind.value} ") or (t == "plain take" and kind is ItemKind.VIDEO)
                )
                assert sorted(found) == wanted, (config, kind)
            named = {"image": ["image take", "image_group take", "image_sequence take"], "video": ["video take"]}
            for text, titles in named.items():
                assert sorted(_all_pages(world, world.admin, ItemQuery(text=text))) == sorted(ids[t] for t in titles)


def _new(title: str, kind: ItemKind = ItemKind.IMAGE, status: ItemStatus = ItemStatus.REGISTERED) -> NewItem:
    return NewItem(kind=kind, title=title, object_url=f"s3://bucket/{title}", status=status)


def _start_empty(world: World) -> None:
    with world.registry.db.write() as conn:
        for table in ("dataset_items", "items"):
            conn.execute(sa.text(f"DELETE FROM {table}"))
    world.model = Model()


def _apply(world: World, change: tuple[Any, ...]) -> None:
    registry, admin, model = world.registry, world.admin, world.model
    ids = sorted(model.rows)
    if change[0] == "add":
        _, folder, new = change
        made = []
        for title, kind, status in new:
            model.urls += 1
            made.append(
                NewItem(
                    kind=kind,
                    title=title,
                    object_url=f"s3://bucket/{model.urls}/{title}",
                    status=status,
                    client_metadata={"split": "val" if model.urls % 2 else "train"},
                )
            )
        for item in registry.items.add(actor=admin, folder_id=world.folders[folder], items=made):
            model.rows[item.id] = {
                "title": item.title,
                "url": item.object_url,
                "kind": item.kind,
                "status": item.status,
                "folder": folder,
                "split": item.client_metadata["split"],
                "created": item.created_at,
            }
        return
    if not ids:
        return
    item_id = ids[change[1] % len(ids)]
    row = model.rows[item_id]
    if change[0] == "rename":
        row["title"] = registry.items.update(actor=admin, item_id=item_id, title=change[2]).title
    elif change[0] == "move":
        registry.items.move(actor=admin, item_ids=[item_id], target_folder_id=world.folders[change[2]])
        row["folder"] = change[2]
    elif change[0] == "delete":
        registry.items.delete(actor=admin, item_ids=[item_id])
        del model.rows[item_id]
    elif change[0] == "status":
        with registry.db.write() as conn:
            conn.execute(sa.text("UPDATE items SET status = :s WHERE id = :i"), {"s": change[2].value, "i": item_id})
        row["status"] = change[2]
    elif change[0] == "link":
        registry.datasets.add_items(actor=admin, dataset_id=world.datasets["plain"], item_ids=[item_id])
        model.plain.add(item_id)
    else:
        registry.datasets.remove_items(actor=admin, dataset_id=world.datasets["plain"], item_ids=[item_id])
        model.plain.discard(item_id)


def _text(model: Model, text: str | tuple[int, int, int] | None) -> str | None:
    if not isinstance(text, tuple):
        return text
    if not model.rows:
        return None
    title = model.rows[sorted(model.rows)[text[0] % len(model.rows)]]["title"]
    return title[text[1] % len(title) :][: text[2]]


def _query(world: World, wanted: dict[str, Any]) -> ItemQuery:
    folder = wanted["folder"]
    dataset = wanted["dataset"]
    return ItemQuery(
        text=wanted["text"],
        kinds=wanted["kinds"],
        statuses=wanted["statuses"],
        metadata=wanted["metadata"],
        in_dataset=wanted["in_dataset"],
        dataset_id=world.datasets[dataset] if dataset else None,
        folder_id=world.folders[folder[0]] if folder else None,
        recursive=folder[1] if folder else True,
        sort=wanted["sort"],
        descending=wanted["descending"],
        limit=wanted["limit"],
    )


def _all_pages(world: World, actor: User, query: ItemQuery) -> list[int]:
    found: list[int] = []
    while True:
        page = world.registry.items.search(actor=actor, query=query)
        found.extend(item.id for item in page.items)
        if page.next_cursor is None:
            return found
        assert len(page.items) == query.limit
        query = replace(query, cursor=page.next_cursor)


def _expected(world: World, wanted: dict[str, Any]) -> list[int]:
    model = world.model
    in_folder = {None: set(FOLDERS), ("project", True): {"front", "back"}, ("front", False): {"front"}}
    seen = in_folder[wanted["folder"]] & ({"front", "back"} if wanted["viewer"] else set(FOLDERS))
    in_any = model.members(None)
    chosen = []
    for item_id, row in model.rows.items():
        text = (wanted["text"] or "").lower()
        passes = (
            row["folder"] in seen
            and (text in row["title"].lower() or text in row["url"].lower())
            and (not wanted["kinds"] or row["kind"] in wanted["kinds"])
            and (not wanted["statuses"] or row["status"] in wanted["statuses"])
            and row["split"] == wanted["metadata"].get("split", row["split"])
            and (wanted["in_dataset"] is None or (item_id in in_any) == wanted["in_dataset"])
            and (wanted["dataset"] is None or item_id in model.members(wanted["dataset"]))
        )
        if passes:
            chosen.append(item_id)
    column = "title" if wanted["sort"] is SortBy.NAME else "created"
    return sorted(chosen, key=lambda i: (model.rows[i][column], i), reverse=wanted["descending"])
