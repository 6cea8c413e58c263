"""The rows of one keyset page of items, for a listing or a search: which index finds them, and the SQL.

One rule on both dialects, needing nothing but the indexes the writes themselves keep (``docs/search.md`` tells it
whole): few candidates (the text's matches, the listed folders' items, the dataset members asked for) are fetched
with every filter and sorted; else the sort index is walked, checking each entry, with a text under a budget of about
one entry per match the text is expected to have; a walk that runs out has the text's matches fetched and sorted. A
budget never cancels a statement: SQLite's progress handler ends the read, PostgreSQL's walk is a ``LIMIT``. On
SQLite, which keeps no statistics in a cairn database, the statement is written so that only the chosen index can
drive the plan (``_not_driving``); on PostgreSQL a page's ids come from the indexes alone (the text checked on
``search_text``) and only their rows are read.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterator, Sequence, Set
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql import operators

from cairn.db import search_text
from cairn.db.repositories.dataset_members import DatasetMembers
from cairn.db.repositories.folders import subtree_condition
from cairn.db.schema import folders, items
from cairn.domain.kinds import ItemKind
from cairn.domain.listing import Cursor, ItemQuery, SortBy

FEW_MATCHES = 5_000  # a text with at most this many matches (PostgreSQL: expected) has them fetched and sorted
MODERATE_MATCHES = 20_000  # PostgreSQL: a text expected to match at most this many is walked for, then fetched
MEDIUM_MATCHES = 200_000  # a text with at most about this many matches has its matches' kinds asked before a long walk
FEW_IN_FOLDERS = 2_000  # items of the listed folders fetched whole and sorted
FEW_MEMBERS = 20_000  # dataset members fetched whole and sorted
WALK_STEPS = 1_000_000  # SQLite: VM instructions of a walk with a text (about 110,000 covering-index entries)
WALK_STEPS_PER_MATCH = 10  # SQLite: VM instructions of a walk with a text per expected match (about one entry)
PROGRESS_EVERY = 10_000  # SQLite: instructions between two calls of the handler that counts them
WALK_ENTRIES = 100_000  # PostgreSQL: index entries a walk with a text reads at most (about SQLite's budget)
WALK_PER_MATCH = 1  # PostgreSQL: index entries a walk with a text reads per match the text is expected to have
SHORT_WALK = 1_000  # PostgreSQL: entries a walk with a text reads before the kinds' candidates are counted
FEW_OF_KIND = 5_000  # PostgreSQL: a kind with at most this many items containing the text has them fetched and sorted
LISTED_FOLDERS = 2_000  # a scope of up to this many folders is bound as a list of ids, a subquery beyond
MIN_INDEXED_TEXT = 3  # the trigram indexes find texts of three characters or more

# Aliases of ``items`` made once: an alias's columns are built on first use, which costs more than a whole page
_LONG_ITEMS = items.alias("long_items")
_WITH_METADATA = items.alias("with_metadata")

# PostgreSQL: the searched text, bound when a statement runs (``_text_values``), so that a statement's shape does not
# depend on it: the text itself, and as a ``LIKE`` pattern (``_like_pattern``)
_SEARCHED = sa.bindparam("searched", type_=sa.Text)
_SEARCHED_LIKE = sa.bindparam("searched_like", type_=sa.Text)
_SEARCHED_PATTERN = search_text.like_pattern(_SEARCHED)  # ``LIKE`` on ``search_text``
_ROWS_BY_ID = sa.select(items).where(items.c.id == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.BigInteger))))
# Items too long for ``search_text`` that contain the text
_LONG_MATCHES = sa.select(_LONG_ITEMS.c.id).where(
    _LONG_ITEMS.c.search_text.is_(None),
    sa.or_(
        _LONG_ITEMS.c.title.ilike(_SEARCHED_LIKE, escape="\\"),
        _LONG_ITEMS.c.object_url.ilike(_SEARCHED_LIKE, escape="\\"),
    ),
)


class Driver(Enum):
    """What finds the rows of a page on SQLite: a few candidates (TEXT, FOLDERS, DATASETS) or a walk."""

    TEXT = "text"
    FOLDERS = "folders"
    DATASETS = "datasets"
    KIND = "kind"
    ORDER = "order"


@dataclass(frozen=True)
class Scope:
    """The folders a listing is limited to (None: all): their ids when few enough, else the query finding them."""

    folder_ids: list[int] | None
    found: sa.Select[Any] | None = None
    as_array: bool = False  # PostgreSQL: the ids bound as one array (a page may repeat them in several statements)

    @property
    def limited(self) -> bool:
        return self.folder_ids is not None or self.found is not None

    def condition(self, column: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
        if self.folder_ids is not None and self.as_array and len(self.folder_ids) > 1:
            return column == sa.any_(sa.literal(self.folder_ids, postgresql.ARRAY(sa.BigInteger)))
        if self.folder_ids is not None:
            return _one_of(column, self.folder_ids)
        assert self.found is not None
        return column.in_(self.found)


class PageFinder:
    """Finds the ``limit + 1`` rows of a keyset page (the extra row tells that there is a next page)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.is_sqlite = conn.dialect.name == "sqlite"

    def rows(self, query: ItemQuery, *, visible_paths: list[str] | None) -> Sequence[Row[Any]]:
        """The page's rows; ``visible_paths`` limits them to those subtrees (None: all)."""
        scope = self._scope(query, visible_paths)
        if self.is_sqlite:
            return self._sqlite_rows(query, scope)
        return self._postgres_rows(query, scope)

    # --- SQLite -----------------------------------------------------------------------------------------------
    def _sqlite_rows(self, query: ItemQuery, scope: Scope) -> Sequence[Row[Any]]:
        matches, estimated = self._few_matches(query)
        if matches is not None:
            return self.conn.execute(self.statement(query, scope, Driver.TEXT, matches=matches)).all()
        few = self._few_candidates(query, scope)
        if few is not None:
            return self.conn.execute(self.statement(query, scope, few)).all()
        driver = self._walk_driver(query, scope)
        late = driver is Driver.ORDER and query.sort is SortBy.NAME and estimated <= MEDIUM_MATCHES  # maybe met late
        if late and (kind := self._only_kind(query)) is not None:  # its own name order is dense in the matches
            query, driver = replace(query, kinds=frozenset({kind})), Driver.KIND
        walk = self.statement(query, scope, driver)
        if not _indexed_text(query.text):
            return self.conn.execute(walk).all()
        steps = WALK_STEPS if math.isinf(estimated) else min(WALK_STEPS, int(WALK_STEPS_PER_MATCH * estimated))
        rows = self.within_budget(walk, steps)
        return rows if rows is not None else self.conn.execute(self.statement(query, scope, Driver.TEXT)).all()

    def _only_kind(self, query: ItemQuery) -> ItemKind | None:
        """SQLite: the kind every item containing the query's text (among its kinds) has, if one: FTS5 tells the
        kind of the first match, then whether one of another kind exists (reading up to all the matches)."""
        first = self._first_match_kind(query, None)
        return first if first and self._first_match_kind(query, first) is None else None

    def _first_match_kind(self, query: ItemQuery, other_than: ItemKind | None) -> ItemKind | None:
        rowid = _fts_rowids(query.text or "", query.kinds, other_than=other_than).limit(1).scalar_subquery()
        kind = self.conn.execute(sa.select(items.c.kind).where(items.c.id == rowid)).scalar_one_or_none()
        return ItemKind(kind) if kind else None

    def _few_matches(self, query: ItemQuery) -> tuple[str | None, float]:
        """SQLite: the ids of the text's matches of the kinds asked for (a JSON array) if at most ``FEW_MATCHES``
        (FTS5 read once, for the count and the page), and about how many matches the text has (from how far apart
        its first ones are; infinite if FTS5 was not asked). With a kind filter, those of the kinds are counted
        when the text's matches are not too many: reading them costs about their number."""
        text = query.text or ""
        if not (_indexed_text(text) and text.isascii()):
            return None, math.inf
        count, ids, last = self._first_matches(_fts_rowids(text))
        if count <= FEW_MATCHES:
            return ids, count
        top = self.conn.execute(sa.select(sa.func.max(items.c.id))).scalar_one() or 0
        estimated = count * top / last if last else math.inf
        if not query.kinds or estimated > MEDIUM_MATCHES:
            return None, estimated
        count, ids, _ = self._first_matches(_fts_rowids(text, query.kinds))
        return (ids if count <= FEW_MATCHES else None), estimated

    def _first_matches(self, rowids: sa.Select[Any]) -> tuple[int, str, int | None]:
        """SQLite: how many of ``rowids`` there are up to ``FEW_MATCHES`` and one more, their ids (a JSON array
        built by SQLite) and the last one."""
        found = rowids.limit(FEW_MATCHES + 1).subquery()
        counted = sa.select(sa.func.count(), sa.func.json_group_array(found.c.rowid), sa.func.max(found.c.rowid))
        count, ids, last = self.conn.execute(counted).one()
        return int(count), str(ids), last

    def _few_candidates(self, query: ItemQuery, scope: Scope) -> Driver | None:
        """SQLite: the source of few candidates that bounded counts vouch for, if any."""
        text = query.text or ""
        if _indexed_text(text) and not text.isascii():
            return Driver.TEXT  # FTS5 folds the case of every letter, LIKE of ASCII letters only
        if scope.folder_ids is not None and len(scope.folder_ids) > 1 and self._few_in_folders(scope.folder_ids):
            return Driver.FOLDERS
        if _asks_for_members(query) and self._at_most(_member_ids(query), FEW_MEMBERS):
            return Driver.DATASETS
        return None

    @staticmethod
    def _walk_driver(query: ItemQuery, scope: Scope) -> Driver:
        if scope.folder_ids is not None and len(scope.folder_ids) <= 1:
            return Driver.FOLDERS  # one folder's index is in sort order
        if len(query.kinds) == 1 and query.sort is SortBy.NAME:
            return Driver.KIND
        return Driver.ORDER

    def statement(self, query: ItemQuery, scope: Scope, driver: Driver, *, matches: str | None = None) -> Any:
        """SQLite: every condition of ``query``, written so that only ``driver``'s index can drive the plan;
        ``matches``: the ids of the text's matches, already read from FTS5 (driver TEXT), as a JSON array."""
        conditions = _row_filters(query, items, kind=self._not_driving(items.c.kind, when=driver is not Driver.KIND))
        conditions.extend(_metadata_filters(query, items))
        if matches is not None:  # one JSON array: one parameter, however many ids
            listed = sa.func.json_each(matches).table_valued("value")
            conditions.append(items.c.id.in_(sa.select(listed.c.value)))
        elif query.text:
            conditions.append(_sqlite_text_condition(query.text, query.kinds, fts=driver is Driver.TEXT))
        if scope.limited:
            folder = items.c.folder_id if driver is Driver.FOLDERS else items.c.folder_id + 0
            conditions.append(scope.condition(folder))
        if driver is Driver.DATASETS:
            conditions.append(items.c.id.in_(_member_ids(query)))
        column = items.c.title if query.sort is SortBy.NAME else items.c.created_at
        if driver not in (Driver.TEXT, Driver.DATASETS):
            return _keyset(sa.select(items).where(*conditions), query, column)
        # The candidates are sorted (the sort index must not drive their plan) by id and sort key alone: only the
        # page's rows are then read whole.
        page = _keyset(
            sa.select(items.c.id).where(*conditions), query, column, order=self._not_driving(column, when=True)
        )
        return sa.select(items).where(items.c.id.in_(page)).order_by(*_directed(query, column, items.c.id))

    def within_budget(self, statement: Any, steps: int) -> Sequence[Row[Any]] | None:
        """SQLite: the rows of ``statement``, or None if it was interrupted after about ``steps`` instructions."""
        with _interrupted_after(self.conn, steps):
            try:
                return self.conn.execute(statement).all()
            except sa.exc.OperationalError as err:
                if getattr(err.orig, "sqlite_errorname", None) != "SQLITE_INTERRUPT":
                    raise
                return None

    def _not_driving(self, column: sa.ColumnElement[Any], *, when: bool) -> sa.ColumnElement[Any]:
        """SQLite, ``when`` true: ``+column``, the same value, but no index provides it, so it cannot drive."""
        if not (when and self.is_sqlite):
            return column
        return sa.UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)

    # --- PostgreSQL -------------------------------------------------------------------------------------------
    def _postgres_rows(self, query: ItemQuery, scope: Scope) -> Sequence[Row[Any]]:
        few_members = _asks_for_members(query) and self._at_most(_member_ids(query), FEW_MEMBERS)
        if not _indexed_text(query.text) or "\n" in (query.text or ""):
            return self._page(self.page_ids(query, scope, items, few_members=few_members), query)
        estimated = 0 if few_members else self._estimated_matches(query.text or "")
        found = self._found_by_walks(query, scope, estimated) if estimated > FEW_MATCHES else None
        if found is not None:
            return found
        return self._page(self.page_ids(query, scope, items, few_members=few_members, sorted_after=True), query)

    def _found_by_walks(self, query: ItemQuery, scope: Scope, estimated: int) -> Sequence[Row[Any]] | None:
        """PostgreSQL: the page of a text expected to match ``estimated`` items, found by walks of sort indexes or
        from each kind's candidates, or None: the text's matches are to be fetched and sorted."""
        # A walk reads at most as many entries as the text is expected to match, which costs about what fetching
        # them does: matches spread through the order are met within it, and matches gathered in one stretch of it
        # (a date, a camera) are few or gathered in the table too, and cheap to fetch.
        entries = min(WALK_PER_MATCH * estimated, WALK_ENTRIES)
        moderate = estimated <= MODERATE_MATCHES
        if moderate or (not query.kinds and (estimated > MEDIUM_MATCHES or query.sort is not SortBy.NAME)):
            rows = self._page(self.page_ids(query, scope, self.window(query, scope, entries)), query)
            if len(rows) > query.limit:
                return rows
            if moderate or query.sort is not SortBy.NAME:
                return None
        # A kind's own order (its name index, or few rows of other kinds between its own in creation order) is
        # dense in its items, and a text with not too many matches may be met late in the name order: a short walk
        # tells whether its matches are met soon, before the kinds' candidates are counted
        elif (walked := self.walk(query, scope, SHORT_WALK)) is not None:
            return self._rows_by_id(walked)
        if query.sort is SortBy.NAME and len(query.kinds) != 1:
            return self._kind_walks(query, scope, entries)
        candidates = self._candidates_by_kind(query.text or "", query.kinds)
        if all(ids is not None for ids in candidates.values()):  # every kind's candidates are few
            few = sorted({item_id for ids in candidates.values() for item_id in ids or ()})
            return self._page(self.page_ids(query, scope, items, ids=few), query) if few else []
        walked = self.walk(query, scope, entries)
        return None if walked is None else self._rows_by_id(walked)

    def _candidates_by_kind(self, text: str, kinds: frozenset[ItemKind]) -> dict[ItemKind, list[int] | None]:
        """PostgreSQL: for each kind, the ids of its items containing ``text`` if at most ``FEW_OF_KIND`` (None:
        more), in one statement, each kind's from its own trigram index (bitmap scans only): a kind with none or
        few matches is told at a cost that follows them, without walking a sort index."""
        asked = tuple(sorted(kinds))
        with self.conn.begin_nested() as savepoint:  # rolled back, which puts the scan settings back
            self.conn.execute(_BITMAP_SCANS_ONLY)
            found = self.conn.execute(_candidates_statement("\n" in text, asked), _text_values(text)).one()
            savepoint.rollback()
        return {kind: list(ids) if len(ids) <= FEW_OF_KIND else None for kind, ids in zip(asked, found, strict=True)}

    def _kind_walks(self, query: ItemQuery, scope: Scope, entries: int) -> Sequence[Row[Any]]:
        """PostgreSQL, by name: the page merged from each kind's own: a short walk of its name index (one statement
        for all, the walk planned once and run for each kind: ``LATERAL``), which a kind dense in matches fills at
        once (``mic…_take_`` among the audio, though after every ``cam…`` in the name order); else its candidates,
        asked of its trigram index: few are fetched and sorted, many walked further, and if that walk runs out,
        fetched and sorted."""
        each = {kind: replace(query, kinds=frozenset({kind})) for kind in sorted(query.kinds or ItemKind)}
        listed = sa.literal([kind.value for kind in each], postgresql.ARRAY(sa.String))
        kinds = sa.func.unnest(listed).table_valued("kind").render_derived(name="kinds")
        walk = self._walk_statement(query, scope, max(SHORT_WALK, 1), kind=kinds.c.kind).lateral("kind_walk")
        walked_rows = sa.select(kinds.c.kind, walk).select_from(kinds).join(walk, sa.true())
        walked_by_kind: dict[str, list[Any]] = {kind.value: [] for kind in each}
        for row in self._all(walked_rows, query.text):
            walked_by_kind[row.kind].append(row)
        found: list[Any] = []  # (id, sort_key) rows
        unmet = {}
        for kind, one_kind in each.items():
            if (walked := _walked(walked_by_kind[kind.value], query.limit)) is None:
                unmet[kind] = one_kind
            found.extend(walked or [])
        for kind, few in (self._candidates_by_kind(query.text or "", frozenset(unmet)) if unmet else {}).items():
            if few is None and (walked := self.walk(unmet[kind], scope, entries, keys=True)) is not None:
                found.extend(walked)
            elif few != []:  # its few candidates, or (its walk ran out) its matches, fetched and sorted
                ids = self.page_ids(unmet[kind], scope, items, ids=few, sorted_after=True)
                found.extend(self._all(sa.select(ids.c.id, ids.c.sort_key), query.text))
        found.sort(key=lambda row: (row.sort_key, row.id), reverse=query.descending)
        return self._rows_by_id([row.id for row in found[: query.limit + 1]])

    def walk(self, query: ItemQuery, scope: Scope, entries: int, *, keys: bool = False) -> list[Any] | None:
        """PostgreSQL: the ids of the page (rows of ``id`` and ``sort_key`` if ``keys``) found by walking at most
        ``entries`` entries of the sort index (``window``), or None if the walk ran out before the page was full
        (``_walked``: a walk finding less than a page may have read the whole index past the cursor)."""
        if entries <= 0:
            return None
        walked = _walked(self._all(self._walk_statement(query, scope, entries), query.text), query.limit)
        return walked if keys or walked is None else [row.id for row in walked]

    def _walk_statement(
        self, query: ItemQuery, scope: Scope, entries: int, *, kind: sa.ColumnElement[str] | None = None
    ) -> sa.Select[Any]:
        window = self.window(query, scope, entries, numbered=True, kind=kind)
        return sa.select(self.page_ids(query, scope, window, walk=True))

    def _all(self, statement: Any, text: str | None) -> Sequence[Row[Any]]:
        """PostgreSQL: the rows of ``statement``, with ``text`` bound as the searched text."""
        return self.conn.execute(statement, _text_values(text)).all()

    def _page(self, found: sa.Subquery, query: ItemQuery) -> Sequence[Row[Any]]:
        """PostgreSQL: the rows of the page whose ids ``page_ids`` found, in its order."""
        rows = sa.select(items).join(found, items.c.id == found.c.id)
        return self._all(rows.order_by(*_directed(query, found.c.sort_key, found.c.id)), query.text)

    def _rows_by_id(self, ids: list[int]) -> Sequence[Row[Any]]:
        if not ids:
            return []
        by_id = {row.id: row for row in self.conn.execute(_ROWS_BY_ID, {"ids": ids}).all()}
        return [by_id[item_id] for item_id in ids]

    def _estimated_matches(self, text: str) -> int:
        """PostgreSQL: the planner's estimate of the items containing ``text`` (planned, not run): a bounded count
        would read up to its bound, a plan reads nothing. It only orders the two exact ways of finding a page."""
        sql, params = _estimate_sql(self.conn.dialect)
        plan = self.conn.exec_driver_sql(sql, {**params, "searched": text}).scalar_one()
        return int(plan[0]["Plan"]["Plan Rows"])

    def window(
        self,
        query: ItemQuery,
        scope: Scope,
        entries: int,
        *,
        numbered: bool = False,
        kind: sa.ColumnElement[str] | None = None,
    ) -> sa.Subquery:
        """PostgreSQL: the next ``entries`` entries of the sort index past the cursor, with the columns the
        index holds (at most ``WALK_ENTRIES``): one folder's index, one kind's by name, else the sort order's.
        ``kind``: a column of an enclosing ``LATERAL`` query naming the kind whose entries are walked."""
        column = items.c.title if query.sort is SortBy.NAME else items.c.created_at
        prefix = []
        if scope.folder_ids is not None and len(scope.folder_ids) <= 1:
            prefix.append(scope.condition(items.c.folder_id))
        elif kind is None and len(query.kinds) == 1 and query.sort is SortBy.NAME:
            prefix.append(items.c.kind == next(iter(query.kinds)).value)
        if kind is not None:
            prefix.append(items.c.kind == kind)
        held = [items.c.id, column, items.c.folder_id, items.c.kind, items.c.status, items.c.search_text]
        entries_held = sa.select(*held).where(*prefix)
        if numbered:  # ``last``: the window's last entry, when it holds ``entries`` entries
            position = sa.func.row_number().over(order_by=_directed(query, column, items.c.id))
            entries_held = entries_held.add_columns((position == entries).label("last"))
        if kind is not None:
            entries_held = entries_held.correlate_except(items)  # the kind's column is the enclosing query's
        walk: sa.Subquery = _keyset(entries_held, query, column, limit=entries).subquery("walk")
        return walk

    def page_ids(
        self,
        query: ItemQuery,
        scope: Scope,
        source: Any,
        *,
        few_members: bool = False,
        sorted_after: bool = False,
        ids: list[int] | None = None,
        walk: bool = False,
    ) -> sa.Subquery:
        """PostgreSQL: the page's ids (``id``, ``sort_key``) found in ``source`` (``items`` or a ``window``) from
        the columns the name indexes hold. ``few_members``: the dataset members asked for are few, and are looked up
        by id; ``sorted_after``: sorted by an expression no index provides, so that the matches are fetched
        (through the trigram index or the members' ids) and sorted instead of walked."""
        # the members' ids stand for the dataset and for "in a dataset", not for "in no dataset"
        in_dataset = None if query.in_dataset else query.in_dataset
        filtered = replace(query, in_dataset=in_dataset, dataset_id=None) if few_members else query
        conditions = _row_filters(filtered, source, kind=source.c.kind)
        if few_members:  # one array of ids: the planner cannot see how few, hence the bounded count first
            member_ids = _member_ids(query).subquery("member_ids")
            array = sa.select(sa.func.array_agg(member_ids.c.item_id)).scalar_subquery()
            conditions.append(source.c.id == sa.any_(sa.cast(array, postgresql.ARRAY(sa.BigInteger))))
        if query.text and ids is None:  # ids: of items known to contain the text
            # rows looked up by id are checked with one LIKE: kind by kind would only cost planning and checks
            shape = ("\n" in query.text, frozenset(query.kinds), not few_members)
            conditions.append(_items_text_condition(*shape) if source is items else _text_condition(source, *shape))
        if scope.limited:
            conditions.append(scope.condition(source.c.folder_id))
        if query.metadata:  # needs the row: a subquery PostgreSQL runs last, for the rows that passed the others
            with_metadata = _WITH_METADATA
            row = sa.select(with_metadata.c.id).where(with_metadata.c.id == source.c.id)
            if walk:  # a scalar per row: under the OR below, an EXISTS would be planned as a scan of every row
                passes = sa.and_(*_metadata_filters(query, with_metadata))
                row = sa.select(passes).where(with_metadata.c.id == source.c.id)
                conditions.append(row.scalar_subquery())
            else:
                conditions.append(row.where(*_metadata_filters(query, with_metadata)).exists())
        if ids is not None:  # few candidates, looked up by id (an array: one parameter) and sorted
            conditions.append(source.c.id == sa.any_(sa.literal(ids, postgresql.ARRAY(sa.BigInteger))))
            sorted_after = True
        column = source.c.title if query.sort is SortBy.NAME else source.c.created_at
        order = sa.func.coalesce(column, column) if sorted_after else column
        found = sa.select(source.c.id, column.label("sort_key"))
        if walk:  # the window's last entry passes or not, so that ``walk`` sees whether the window was full
            passes = sa.and_(sa.true(), *conditions)
            found = found.add_columns(passes.label("passes"), source.c.last).where(sa.or_(passes, source.c.last))
        else:
            found = found.where(*conditions)
        page: sa.Subquery = _keyset(found, query, column, order=order, id_column=source.c.id).subquery("page")
        return page

    # --- scope and bounded counts -----------------------------------------------------------------------------
    def _scope(self, query: ItemQuery, visible_paths: list[str] | None) -> Scope:
        """The folders the listing is limited to: the query's folder (or subtree) within what the actor sees."""
        conditions = []
        if visible_paths is not None:
            conditions.append(sa.or_(sa.false(), *(subtree_condition(folders.c.path, p) for p in visible_paths)))
        if query.folder_id is not None:
            conditions.append(self._folder_condition(query.folder_id, recursive=query.recursive))
        if not conditions:
            return Scope(None)
        found = sa.select(folders.c.id).where(*conditions)
        ids = list(self.conn.execute(found.limit(LISTED_FOLDERS + 1)).scalars())
        return Scope(None, found) if len(ids) > LISTED_FOLDERS else Scope(ids, as_array=not self.is_sqlite)

    def _folder_condition(self, folder_id: int, *, recursive: bool) -> sa.ColumnElement[bool]:
        if not recursive:
            return folders.c.id == folder_id
        path = self.conn.execute(sa.select(folders.c.path).where(folders.c.id == folder_id)).scalar_one_or_none()
        return subtree_condition(folders.c.path, path) if path else sa.false()

    def _few_in_folders(self, folder_ids: list[int]) -> bool:
        return self._at_most(sa.select(items.c.id).where(_one_of(items.c.folder_id, folder_ids)), FEW_IN_FOLDERS)

    def _at_most(self, rows: Any, limit: int) -> bool:
        counted = sa.select(sa.func.count()).select_from(rows.limit(limit + 1).subquery())
        return int(self.conn.execute(counted).scalar_one()) <= limit


# The text's matches of every kind, from one LIKE (quick to plan), not those of the kinds asked: the planner takes
# text and kind as independent, and would estimate few for a kind holding most of the matches
_MATCHES = sa.select(items.c.id).where(items.c.search_text.like(_SEARCHED_PATTERN))


@functools.lru_cache(maxsize=4)
def _estimate_sql(dialect: sa.Dialect) -> tuple[str, dict[str, Any]]:
    """PostgreSQL: ``EXPLAIN`` of ``_MATCHES``, compiled once for the engine's dialect, and its constant values."""
    compiled = _MATCHES.compile(dialect=dialect)
    return "EXPLAIN (FORMAT JSON) " + str(compiled), dict(compiled.params)


def _walked(rows: Sequence[Row[Any]], limit: int) -> list[Any] | None:
    """PostgreSQL: the rows of a walk's window that pass, or None if they are less than a page and the window was
    full (the walk ran out). The window's last entry comes back whether it passes or not (numbering the entries
    costs about a third more than a plain walk), so that less than a page without it means the index ended."""
    passing = [row for row in rows if row.passes]
    return None if len(passing) <= limit and any(row.last for row in rows) else passing


# PostgreSQL: bitmap scans only, until the end of the transaction or of the savepoint the settings were made in
_BITMAP_SCANS_ONLY = sa.select(
    *(sa.func.set_config(name, "off", True) for name in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"))
)


@contextmanager
def _interrupted_after(conn: Connection, steps: int) -> Iterator[None]:
    """SQLite: interrupt the statements run inside once they have taken about ``steps`` VM instructions.

    The handler counts its own calls: SQLite calls it every ``PROGRESS_EVERY`` instructions of a statement's
    lifetime count, which a cached statement carries over from earlier runs, so the first call may come early.
    """
    raw = conn.connection.driver_connection
    assert raw is not None
    every = max(1, min(steps, PROGRESS_EVERY))
    calls = iter(range(steps // every))
    raw.set_progress_handler(lambda: next(calls, None) is None, every)  # true interrupts
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)


def _indexed_text(text: str | None) -> bool:
    return text is not None and len(text) >= MIN_INDEXED_TEXT


def _fts_rowids(text: str, kinds: Set[ItemKind] = frozenset(), *, other_than: ItemKind | None = None) -> sa.Select[Any]:
    """Rowids (item ids) whose title or object URL contain ``text``, of one of ``kinds`` (any if none) and not
    ``other_than``, from the FTS5 trigram index (SQLite), which holds the kind too: a kind filter reads no row."""
    match = sa.literal_column("items_fts").op("MATCH")(sa.literal(_fts_match(text, kinds, other_than)))
    return sa.select(sa.literal_column("rowid")).select_from(sa.text("items_fts")).where(match)


def _fts_match(text: str, kinds: Set[ItemKind], other_than: ItemKind | None = None) -> str:
    """The FTS5 query: ``text`` as one phrase (a substring, whatever characters it holds) in the title or URL,
    and the kind column holding one of ``kinds`` (``_fts_kind``) and not ``other_than``. The phrase is limited
    to the title and URL columns only when it could be found in a kind's name: the column filter has a cost."""
    match = _fts_phrase(text)
    folded = text.lower()
    if not text.isascii() or any(folded in kind.value for kind in ItemKind):
        match = "{title object_url} : " + match
    if kinds:
        match = f"{match} AND ({' OR '.join(_fts_kind(kind) for kind in sorted(kinds))})"
    return match if other_than is None else f"{match} NOT {_fts_kind(other_than)}"


def _fts_kind(kind: ItemKind) -> str:
    """An FTS5 query true exactly for the rows whose kind column holds ``kind``: one trigram of its name found in
    as few other kinds' names as can be, less, for each of those, one of its trigrams that ``kind``'s name lacks
    (``image``: ``ima`` but not ``ge_``, which image_group and image_sequence hold). One trigram reads one
    doclist; the phrase of the whole name would read one per trigram, each as long as the kind is common."""
    own = _trigrams(kind.value)
    sharing = {t: [o for o in ItemKind if o is not kind and t in _trigrams(o.value)] for t in own}
    chosen = min(own, key=lambda t: len(sharing[t]))  # the first of the least shared
    excluded: list[str] = []
    for other in sharing[chosen]:
        lacking = [t for t in _trigrams(other.value) if t not in own]
        assert lacking, (kind, other)  # no kind's trigrams are all another's (tests/db/test_search_pages.py)
        if not any(t in excluded for t in lacking):
            excluded.append(lacking[0])
    return "(" + " NOT ".join(f"kind : {_fts_phrase(t)}" for t in [chosen, *excluded]) + ")"


def _trigrams(text: str) -> list[str]:
    return [text[i : i + 3] for i in range(len(text) - 2)]


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _sqlite_text_condition(text: str, kinds: frozenset[ItemKind], *, fts: bool) -> sa.ColumnElement[bool]:
    """SQLite: title or object URL contains ``text`` in any case (through FTS5, of one of ``kinds`` too).
    ``LIKE`` folds ASCII letters only: a text of three characters or more with others is found through FTS5
    (which folds them all), a shorter one by trying each case of its letters."""
    if fts or (_indexed_text(text) and not text.isascii()):
        return items.c.id.in_(_fts_rowids(text, kinds))
    cases = itertools.product(*({char} if char.isascii() else {char, char.lower(), char.upper()} for char in text))
    patterns = sorted({_like_pattern("".join(chars)) for chars in cases})
    columns = (items.c.title, items.c.object_url)
    return sa.or_(*(column.like(pattern, escape="\\") for pattern in patterns for column in columns))


@functools.lru_cache(maxsize=256)
def _items_text_condition(newline: bool, kinds: frozenset[ItemKind], by_kind: bool) -> sa.ColumnElement[bool]:
    return _text_condition(items, newline, kinds, by_kind)


def _text_condition(source: Any, newline: bool, kinds: Set[ItemKind], by_kind: bool) -> sa.ColumnElement[bool]:
    """PostgreSQL: title or object URL of a row of ``source`` contains the searched text (any case), in an item of
    one of ``kinds`` (any if none): ``LIKE`` on ``search_text`` of the text mapped the same way
    (``cairn.db.search_text``), written kind by kind on ``items`` if ``by_kind``, so that each kind's own (partial)
    trigram index serves it. Items too long for ``search_text`` have none: the few of them are checked with
    ``ILIKE``, as is a text holding a line break (``newline``: it could match across the join of title and URL). The
    text is bound when the statement runs (``_text_values``): the condition on ``items`` is built once per shape
    (``_items_text_condition``)."""
    if newline:
        return sa.or_(
            source.c.title.ilike(_SEARCHED_LIKE, escape="\\"), source.c.object_url.ilike(_SEARCHED_LIKE, escape="\\")
        )
    indexed = source.c.search_text.like(_SEARCHED_PATTERN)
    if source is items and by_kind:
        indexed = sa.or_(*(sa.and_(items.c.kind == kind.value, indexed) for kind in sorted(kinds or ItemKind)))
    elif kinds:
        indexed = sa.and_(source.c.kind.in_(sorted(k.value for k in kinds)), indexed)
    return sa.or_(indexed, sa.and_(source.c.search_text.is_(None), source.c.id.in_(_LONG_MATCHES)))


@functools.lru_cache(maxsize=256)
def _candidates_statement(newline: bool, kinds: tuple[ItemKind, ...]) -> sa.Select[Any]:
    """PostgreSQL: for each of ``kinds``, an array of the ids of up to ``FEW_OF_KIND`` + 1 of its items containing
    the text, each found through its own trigram index (``_text_condition``)."""
    matches = [sa.select(items.c.id).where(_text_condition(items, newline, {kind}, True)) for kind in kinds]
    return sa.select(*(sa.func.array(m.limit(FEW_OF_KIND + 1).scalar_subquery()) for m in matches))


def _text_values(text: str | None) -> dict[str, str]:
    """PostgreSQL: the values of the searched text's parameters (``_SEARCHED``, ``_SEARCHED_LIKE``)."""
    return {} if text is None else {"searched": text, "searched_like": _like_pattern(text)}


def _asks_for_members(query: ItemQuery) -> bool:
    return query.dataset_id is not None or query.in_dataset is True


def _member_ids(query: ItemQuery) -> sa.CompoundSelect[Any]:
    """Ids of the items in the query's dataset (or in any dataset)."""
    return DatasetMembers(query.dataset_id).item_ids()


def _one_of(column: sa.ColumnElement[int], ids: list[int]) -> sa.ColumnElement[bool]:
    if len(ids) == 1:
        return column == ids[0]
    return column.in_(ids) if ids else sa.false()


def _row_filters(query: ItemQuery, source: Any, *, kind: sa.ColumnElement[Any]) -> list[sa.ColumnElement[bool]]:
    """Kind, status and dataset conditions on the rows of ``source`` (``items`` or a window of its index)."""
    conditions: list[sa.ColumnElement[bool]] = []
    if query.kinds:
        conditions.append(kind.in_(sorted(k.value for k in query.kinds)))
    if query.statuses:
        conditions.append(source.c.status.in_(sorted(s.value for s in query.statuses)))
    if query.in_dataset is not None:
        in_any = DatasetMembers().holds(source)
        conditions.append(in_any if query.in_dataset else sa.not_(in_any))
    if query.dataset_id is not None:
        conditions.append(DatasetMembers(query.dataset_id).holds(source))
    return conditions


def _metadata_filters(query: ItemQuery, table: sa.FromClause) -> list[sa.ColumnElement[bool]]:
    metadata = table.c.client_metadata
    return [metadata[key].as_string() == value for key, value in sorted(query.metadata.items())]


def _like_pattern(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _directed(query: ItemQuery, *columns: sa.ColumnElement[Any]) -> list[sa.ColumnElement[Any]]:
    return [c.desc() if query.descending else c.asc() for c in columns]


def _keyset(
    statement: Any,
    query: ItemQuery,
    column: sa.ColumnElement[Any],
    *,
    order: sa.ColumnElement[Any] | None = None,
    id_column: sa.ColumnElement[int] = items.c.id,
    limit: int | None = None,
) -> Any:
    """``statement`` past the query's cursor, in its order (by ``order``, the sort column by default), limited to
    ``limit`` rows (the page and one more by default)."""
    if query.cursor:
        cursor = Cursor.decode(query.cursor, sort=query.sort, descending=query.descending)
        mark = sa.tuple_(sa.literal(cursor.value, type_=column.type), sa.literal(cursor.id, type_=id_column.type))
        placed = sa.tuple_(column, id_column)
        statement = statement.where(placed < mark if query.descending else placed > mark)
    ordered = statement.order_by(*_directed(query, column if order is None else order, id_column))
    return ordered.limit(query.limit + 1 if limit is None else limit)
