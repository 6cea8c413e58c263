"""The rows of one keyset page of items, for a listing or a search: which index finds them, and the SQL.

SQLite keeps no statistics in a cairn database, so cairn chooses how the rows are found (``Driver``) with cheap
counts that stop early, and writes the other conditions so that they cannot drive SQLite's plan:

* TEXT: the FTS5 index finds every item whose title or object URL contains the text; they are sorted. A text with
  non-ASCII characters always takes this way: FTS5 folds their case (as PostgreSQL does) and LIKE would not.
* FOLDERS: the folder indexes, for one folder (already in sort order) or folders holding few items (sorted).
* DATASETS: the members of the datasets asked for, when there are few; they are sorted.
* KIND: one kind by name: that kind's items are read in name order (``ix_items_kind_title``), each one filtered.
* ORDER: the sort index is read in order, each row filtered, until the page is full.

Sorted by name, a page can also come from the name-ordered copy of the search index (``name_order``, 0008, 0011):
ranked by kind, then name, so each kind's matches are a range FTS5 reads alone, in name order; the ranges of the
kinds asked for (all without a filter) are read, each filtered until it has a page, and merged, with the items
changed since the copy was built. It is tried before the driver is chosen (unless few folders or dataset members
may be better), and before a KIND or ORDER walk. A text with very few matches (``FEW_TO_SORT_FIRST``) takes TEXT
before anything else.

A KIND or ORDER walk is long when the matches sit far along the sort order: every "mic..." title sorts after
850,000 "cam..." ones. When the FTS5 index can find the text, the walk therefore gets a budget of SQLite
instructions (``WALK_STEPS``); if it runs out, the page is found through TEXT, whose cost is bounded by the number
of matches instead.

PostgreSQL's planner chooses with its statistics (``postgres_statement``). cairn writes each page so that the
indexes alone can find it: the text is checked on ``search_text`` (0007), which the name-order indexes include; the
page's ids come first and only their rows are read; few dataset members are one array of ids. A walk gets a time
budget (``WALK_MS``), after which the matches are fetched and sorted if the planner expects few of them. The first
and last names per trigram and kind (``trigram_spans``, 0010) bound a walk by name at both ends, and answer at once
when no item of the kinds asked for can hold the text. ``docs/search.md`` tells the whole story.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql import operators

from cairn.db import name_order, search_text, trigram_spans
from cairn.db.repositories.dataset_members import DatasetMembers
from cairn.db.repositories.folders import subtree_condition
from cairn.db.schema import folders, items
from cairn.domain.listing import Cursor, ItemQuery, SortBy

SMALL = 2000  # this many items of the listed folders or fewer are fetched whole and sorted
# Search matches are cheap to fetch from FTS5 and sort in bulk: up to 20,000 that beats walking the sort index.
FEW_TEXT_MATCHES = 20_000
FEW_MEMBERS = 20_000  # dataset members fetched whole and sorted, like search matches
# SQLite: a text with this many matches or fewer is fetched and sorted at once (as ``driver`` would choose), before
# the name-ordered copy, which reads the phrase's trigrams once per kind (a selective term: 7.3 ms median there
# against 3.6 fetched and sorted), and before the driver's costlier counts.
FEW_TO_SORT_FIRST = 1_000
# About 110,000 entries of a covering-index walk at 8-9 instructions each (24 ms on the 1M benchmark): more than
# the 70,524 videos (634,000) or the 40,000 titles before the first "cam..." (322,000) take, and about what fetching
# and sorting FEW_TEXT_MATCHES matches costs, the least a fallback can cost.
WALK_STEPS = 1_000_000
PROGRESS_EVERY = 10_000  # instructions between two calls of the handler that counts them
# PostgreSQL: a name-order walk still running after this long is cancelled; if the planner expects at most
# FEW_ESTIMATED_MATCHES matches, they are fetched through the trigram index and sorted instead: a broad term's
# first page walks well within the budget, while a term whose matches all sort after most other names would walk
# the whole index. Above the estimate a bitmap costs more than a walk.
WALK_MS = 40
FEW_ESTIMATED_MATCHES = 150_000
# SQLite, 0008: the name-ordered copy of the search index serves a search by name while at most this many items
# changed since it was built (they are merged in from the table, each checked); its walk gets a budget of its own.
# PostgreSQL, 0010: the same limit for the changes merged in beside the span of ``trigram_spans``.
CHANGES_MERGED = 20_000
SNAPSHOT_STEPS = 250_000
_NO_PARALLEL_WORKERS = "max_parallel_workers_per_gather = 0"
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout
LISTED_FOLDERS = 2000  # a scope of up to this many folders is bound as a list of ids, a subquery beyond
MIN_INDEXED_TEXT = 3  # the FTS5 trigram index finds texts of three characters or more


class Driver(Enum):
    """What finds the rows of a page (SQLite)."""

    TEXT = "text"
    FOLDERS = "folders"
    DATASETS = "datasets"
    KIND = "kind"
    ORDER = "order"


@dataclass(frozen=True)
class Scope:
    """The folders a listing is limited to (condition None: all), listed when there are few enough."""

    condition: sa.ColumnElement[bool] | None
    folder_ids: list[int] | None


class PageFinder:
    """Finds the ``limit + 1`` rows of a keyset page (the extra row tells that there is a next page)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.is_sqlite = conn.dialect.name == "sqlite"

    def rows(self, query: ItemQuery, *, visible_paths: list[str] | None) -> Sequence[Row[Any]]:
        """The page's rows; ``visible_paths`` limits them to those subtrees (None: all)."""
        scope = self._scope(query, visible_paths)
        if not self.is_sqlite:
            return self._postgres_rows(query, scope)
        matched = self._very_few_text_matches(query.text)
        if matched is not None:  # fetched once: FTS5 reads a phrase of common trigrams slowly (45 ms at 1M)
            return self.conn.execute(self.statement(query, scope, Driver.TEXT, text_ids=matched)).all()
        # By name, the name-ordered copy of the search index passes only matches of the kinds asked for: first,
        # unless the folders or dataset members asked for are few (the driver's counts are then worth making).
        first = self._suits_name_order(query, scope)
        rows = self._in_name_order(query, scope) if first else None
        if rows is not None:
            return rows
        driver = self.driver(query, scope)
        if driver is Driver.TEXT or not _indexed_text(query.text):
            return self.conn.execute(self.statement(query, scope, driver)).all()
        if not first and query.sort is SortBy.NAME and driver in (Driver.KIND, Driver.ORDER):
            rows = self._in_name_order(query, scope)
        if rows is None:
            rows = self._within_budget(self.statement(query, scope, driver))
        return rows if rows is not None else self.conn.execute(self.statement(query, scope, Driver.TEXT)).all()

    def _suits_name_order(self, query: ItemQuery, scope: Scope) -> bool:
        """SQLite: whether the name-ordered copy of the search index is tried before choosing a driver: by name,
        for a text it finds (ASCII: the changes merged in are checked with LIKE), when neither one folder, folders
        holding few items, nor dataset members may be the better way."""
        if query.sort is not SortBy.NAME or not _indexed_text(query.text) or _folds_beyond_ascii(query.text):
            return False
        if _asks_for_members(query):
            return False
        folders = scope.folder_ids
        return folders is None or (len(folders) > 1 and not self._few_in_folders(folders))

    def driver(self, query: ItemQuery, scope: Scope) -> Driver:
        """SQLite: the cheapest way to find the page that cheap, bounded counts can vouch for."""
        if _indexed_text(query.text) and (_folds_beyond_ascii(query.text) or self._few_text_matches(query.text)):
            return Driver.TEXT
        if scope.folder_ids is not None and (len(scope.folder_ids) <= 1 or self._few_in_folders(scope.folder_ids)):
            return Driver.FOLDERS
        if _asks_for_members(query) and self._at_most(_member_ids(query), FEW_MEMBERS):
            return Driver.DATASETS
        if len(query.kinds) == 1 and query.sort is SortBy.NAME:
            return Driver.KIND
        return Driver.ORDER

    def statement(self, query: ItemQuery, scope: Scope, driver: Driver, *, text_ids: list[int] | None = None) -> Any:
        """Every condition of ``query``, written so that on SQLite only ``driver``'s index can drive the plan;
        ``text_ids``: the items matching the text, already found (TEXT)."""
        conditions = _row_filters(query, kind=self._not_driving(items.c.kind, when=driver is not Driver.KIND))
        if text_ids is not None:
            conditions.append(items.c.id.in_(text_ids))
        elif query.text:
            conditions.append(self._text_condition(query.text, driver))
        if scope.condition is not None:
            conditions.append(self._scope_condition(scope, driver))
        if driver is Driver.DATASETS:
            conditions.append(items.c.id.in_(_member_ids(query)))
        return _keyset(sa.select(items).where(*conditions), query, self._sort_key(query.sort, driver))

    def _in_name_order(self, query: ItemQuery, scope: Scope) -> Sequence[Row[Any]] | None:
        """SQLite: the page from the name-ordered copy of the search index (0008, 0011, ``name_order``) and the
        items changed since it was built; None if there is no copy, too many changes, or its walks ran out of
        budget."""
        order = name_order.state(self.conn)
        if order.live is None or not name_order.changes_at_most(self.conn, CHANGES_MERGED):
            return None
        ranges = name_order.kind_ranges(self.conn, order.live)
        left = []
        for kind in [kind.value for kind in query.kinds] if query.kinds else sorted(ranges):
            ranks = self._ranks_left(query, order.live, kind, ranges[kind]) if kind in ranges else None
            if ranks is not None:
                left.append(ranks)
        ids = self._first_of_walks(query, self._name_order_statement(query, scope, order.live), left)
        if ids is None:
            return None
        ordered = self.conn.execute(sa.select(items).where(items.c.id.in_(ids))).all() if ids else []
        return _merged(query, ordered, self.conn.execute(self._changed_statement(query, scope)).all())

    def _ranks_left(
        self, query: ItemQuery, live: str, kind: str, ranks_of_kind: tuple[int, int]
    ) -> tuple[int, int] | None:
        """The ranks of ``kind`` (in name order) that a page may still take: past the cursor's (title, id), or
        before it descending; None if there are none."""
        first, last = ranks_of_kind
        if not query.cursor:
            return first, last
        cursor = Cursor.decode(query.cursor, sort=query.sort, descending=query.descending)
        ranks = sa.table(f"name_ranks_{live}", *(sa.column(c) for c in ("rank", "item_id", "kind", "title")))
        mark = sa.tuple_(sa.literal(cursor.value, type_=items.c.title.type), sa.literal(cursor.id))
        placed = sa.tuple_(ranks.c.title, ranks.c.item_id)
        by_name = (ranks.c.title, ranks.c.item_id)
        if query.descending:  # before the first of that kind at or after the cursor
            after = sa.select(ranks.c.rank).where(ranks.c.kind == kind, placed >= mark).order_by(*by_name).limit(1)
            rank = self.conn.execute(after).scalar_one_or_none()
            left = (first, last if rank is None else rank - 1)
        else:  # after the last of that kind at or before the cursor
            before = sa.select(ranks.c.rank).where(ranks.c.kind == kind, placed <= mark)
            rank = self.conn.execute(before.order_by(*(c.desc() for c in by_name)).limit(1)).scalar_one_or_none()
            left = (first if rank is None else rank + 1, last)
        return left if left[0] <= left[1] else None

    def _name_order_statement(self, query: ItemQuery, scope: Scope, live: str) -> Any:
        """The titles and ids of the live set's matches with a rank from ``first_rank`` to ``last_rank`` (bound
        when run: one kind's, in name order), joined to their items and filtered, in rank order, leaving out the
        items changed since the set was built (their rank may be wrong)."""
        fts = sa.table(f"name_fts_{live}", sa.column("rowid", sa.Integer))
        ranked = sa.table(f"name_ranks_{live}", sa.column("rank", sa.Integer), sa.column("item_id", sa.Integer))
        conditions = _row_filters(query, kind=self._not_driving(items.c.kind, when=True))
        conditions.append(sa.literal_column(fts.name).op("MATCH")(sa.literal(_phrase(query.text or ""))))
        conditions.append(fts.c.rowid.between(sa.bindparam("first_rank"), sa.bindparam("last_rank")))
        conditions.append(ranked.c.item_id.not_in(sa.select(_CHANGES.c.item_id)))
        if scope.condition is not None:
            conditions.append(self._scope_condition(scope, Driver.ORDER))
        joined = fts.join(ranked, ranked.c.rank == fts.c.rowid).join(items, items.c.id == ranked.c.item_id)
        statement = sa.select(items.c.title, items.c.id).select_from(joined).where(*conditions)
        return statement.order_by(fts.c.rowid.desc() if query.descending else fts.c.rowid.asc())

    def _first_of_walks(self, query: ItemQuery, walk: Any, ranges: list[tuple[int, int]]) -> list[int] | None:
        """The ids of the first ``limit + 1`` items that ``walk`` finds in ``ranges`` of ranks (each giving
        (title, id) in name order), merged as they come: each range is read only as far as the page takes from it.
        None if they ran out of budget."""
        with _interrupted_after(self.conn, SNAPSHOT_STEPS), ExitStack() as results:
            try:
                found = [
                    results.enter_context(self.conn.execute(walk, {"first_rank": first, "last_rank": last}))
                    for first, last in ranges
                ]
                merged = heapq.merge(*(map(tuple, rows) for rows in found), reverse=query.descending)
                return [item_id for _, item_id in itertools.islice(merged, query.limit + 1)]
            except sa.exc.OperationalError as err:
                if not _interrupted(err):
                    raise
                return None

    def _changed_statement(self, query: ItemQuery, scope: Scope) -> Any:
        """The items changed since the live set was built that match ``query`` (few: ``CHANGES_MERGED``)."""
        conditions = _row_filters(query, kind=self._not_driving(items.c.kind, when=True))
        conditions.append(self._text_condition(query.text or "", Driver.ORDER))
        conditions.append(items.c.id.in_(sa.select(_CHANGES.c.item_id)))
        if scope.condition is not None:
            conditions.append(self._scope_condition(scope, Driver.ORDER))
        return _keyset(sa.select(items).where(*conditions), query, self._sort_key(query.sort, Driver.TEXT))

    def _postgres_rows(self, query: ItemQuery, scope: Scope) -> Sequence[Row[Any]]:
        """PostgreSQL: the planner's plan, unless it is a long walk for a text that few items match. The span of
        names a match can have (``trigram_spans``, 0010) says when no item matches; sorted by name, the walk runs
        within it, and the items changed since that table was built are merged in."""
        if not _indexed_text(query.text):
            return self.conn.execute(self.postgres_statement(query, scope)).all()
        span = self._possible_names(query)
        if span is None or (query.sort is not SortBy.NAME and span.names is not None):
            return self._postgres_walk_or_bitmap(query, self.postgres_statement(query, scope))
        changed = self.conn.execute(self._postgres_changed_statement(query, scope, span)).all() if span.others else []
        if span.names is None:  # no unchanged item of those kinds has every trigram of the text
            return changed
        found = self._postgres_walk_or_bitmap(query, self.postgres_statement(query, scope, names=span.names))
        return _merged(query, found, changed)

    def _possible_names(self, query: ItemQuery) -> trigram_spans.Span | None:
        """PostgreSQL: the span from ``trigram_spans``; None when there is none to use (not built yet, too many
        changes since, a text without a trigram or holding a line break)."""
        text = query.text or ""
        trigrams = trigram_spans.term_trigrams(text)
        if not trigrams or "\n" in text:
            return None
        kinds = [kind.value for kind in query.kinds]
        return trigram_spans.span(self.conn, trigrams, kinds, changes_at_most=CHANGES_MERGED)

    def _postgres_changed_statement(self, query: ItemQuery, scope: Scope, span: trigram_spans.Span) -> Any:
        """The matches the span may not cover: items changed since ``trigram_spans`` was built, and the few whose
        text is too long for ``search_text`` (not in it), with a name outside the span."""
        conditions = _row_filters(query, kind=items.c.kind)
        conditions.append(_postgres_text_condition(query.text or ""))
        # One list of ids, so that each is looked up by primary key (an OR of the two would read every row).
        long_items = items.alias("long_text")
        unindexed = sa.select(long_items.c.id).where(_search_text(long_items).is_(None))
        conditions.append(items.c.id.in_(sa.union_all(sa.select(_CHANGES.c.item_id), unindexed)))
        if span.names is not None:
            conditions.append(sa.not_(items.c.title.between(*span.names)))
        if scope.condition is not None:
            conditions.append(scope.condition)
        column = items.c.title if query.sort is SortBy.NAME else items.c.created_at
        return _keyset(sa.select(items).where(*conditions), query, column)

    def _postgres_walk_or_bitmap(self, query: ItemQuery, statement: Any) -> Sequence[Row[Any]]:
        """Run ``statement`` (a text search) with the walk budget and its fallback.

        The walk runs in this process alone: for a page of a broad term the planner may start parallel workers
        (it costs the walk by the whole range of names), and starting them takes longer than the walk itself.
        """
        try:
            with self._postgres_settings(f"statement_timeout = {WALK_MS}", _NO_PARALLEL_WORKERS):
                return self.conn.execute(statement).all()
        except sa.exc.OperationalError as err:
            if getattr(err.orig, "sqlstate", None) != QUERY_CANCELED:
                raise
        if self._estimated_matches(query.text or "") > FEW_ESTIMATED_MATCHES:
            return self.conn.execute(statement).all()  # the walk again, to its end
        # Without index scans the planner takes the trigram index (a bitmap of the matches) and sorts them.
        with self._postgres_settings("enable_indexscan = off", "enable_indexonlyscan = off"):
            return self.conn.execute(statement).all()

    @contextmanager
    def _postgres_settings(self, *settings: str) -> Iterator[None]:
        """Run the block with ``SET LOCAL`` ``settings``, inside a savepoint that undoes them (and keeps the
        transaction usable after a statement was cancelled). Only for reads: the block's changes are undone too.
        """
        savepoint = self.conn.begin_nested()
        try:
            for setting in settings:
                self.conn.exec_driver_sql(f"SET LOCAL {setting}")
            yield
        finally:
            savepoint.rollback()

    def _estimated_matches(self, text: str) -> int:
        """PostgreSQL's own estimate of the items whose title or URL contain ``text`` (planning only)."""
        found = sa.select(items.c.id).where(_postgres_text_condition(text))
        compiled = found.compile(dialect=self.conn.dialect)
        plan = self.conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).scalar_one()
        return int(plan[0]["Plan"]["Plan Rows"])

    def postgres_statement(self, query: ItemQuery, scope: Scope, *, names: tuple[str, str] | None = None) -> Any:
        """PostgreSQL: the page's ids found from the indexes alone, then their rows (a "deferred join"); with
        ``names``, only items whose name lies between those two (``trigram_spans``).

        The name-order indexes include ``search_text``, folder, kind and status, and the dataset conditions need
        only the id and folder, so the walk can be an index-only scan. A client-metadata condition needs the row:
        it is a subquery on the id, which PostgreSQL runs last, for the rows that passed the others. The ids'
        query has its own LIMIT, so that it is planned to return its first rows fast. A plain listing (folders and
        order only) filters nothing out of the indexes it reads, so it is one statement.
        """
        if _lists_only(query):
            return self.statement(query, scope, Driver.ORDER)
        few_members = _asks_for_members(query) and self._at_most(_member_ids(query), FEW_MEMBERS)
        # Few members: one scan of the primary key with their ids as an array, then a sort (29-37 ms for the 11,868
        # of "in a dataset" at 1M items, against 98-122 ms for a walk filtering each name). The planner cannot see
        # how many ids the array will hold and would take it for any dataset: hence the bounded count first.
        filtered = replace(query, metadata={})  # metadata: below
        if few_members:
            filtered = replace(filtered, in_dataset=None, dataset_id=None)  # the array below says the same
        conditions = _row_filters(filtered, kind=items.c.kind)
        if few_members:
            member_ids = _member_ids(query).subquery("member_ids")
            ids = sa.select(sa.func.array_agg(member_ids.c.item_id)).scalar_subquery()
            conditions.append(items.c.id == sa.any_(sa.cast(ids, postgresql.ARRAY(sa.BigInteger))))
        if query.text:
            conditions.append(_postgres_text_condition(query.text))
        if scope.condition is not None:
            conditions.append(scope.condition)
        if names is not None:
            conditions.append(items.c.title.between(*names))
        if query.metadata:
            with_metadata = items.alias("with_metadata")
            rows = sa.select(with_metadata.c.id).where(with_metadata.c.id == items.c.id)
            conditions.append(rows.where(*_metadata_filters(query, with_metadata)).exists())
        column = items.c.title if query.sort is SortBy.NAME else items.c.created_at
        page = _keyset(sa.select(items.c.id, column.label("sort_key")).where(*conditions), query, column)
        found = page.subquery("page")
        order = (found.c.sort_key, found.c.id)
        statement = sa.select(items).join(found, items.c.id == found.c.id)
        return statement.order_by(*(c.desc() if query.descending else c.asc() for c in order))

    # --- scope ------------------------------------------------------------------------------------------------
    def _scope(self, query: ItemQuery, visible_paths: list[str] | None) -> Scope:
        """The folders the listing is limited to: the query's folder (or subtree) within what the actor sees."""
        conditions = []
        if visible_paths is not None:
            conditions.append(_paths_under(visible_paths))
        if query.folder_id is not None:
            conditions.append(self._folder_condition(query.folder_id, recursive=query.recursive))
        if not conditions:
            return Scope(None, None)
        found = sa.select(folders.c.id).where(*conditions)
        ids = list(self.conn.execute(found.limit(LISTED_FOLDERS + 1)).scalars())
        if len(ids) > LISTED_FOLDERS:
            return Scope(items.c.folder_id.in_(found), None)
        return Scope(_one_of(items.c.folder_id, ids), ids)

    def _folder_condition(self, folder_id: int, *, recursive: bool) -> sa.ColumnElement[bool]:
        if not recursive:
            return folders.c.id == folder_id
        path = self.conn.execute(sa.select(folders.c.path).where(folders.c.id == folder_id)).scalar_one_or_none()
        return subtree_condition(folders.c.path, path) if path else sa.false()

    # --- counts that stop early -------------------------------------------------------------------------------
    def _very_few_text_matches(self, text: str | None) -> list[int] | None:
        """The ids of the items matching ``text`` if they are so few that they are fetched and sorted before
        anything else is tried (at most ``FEW_TO_SORT_FIRST``, and never more than ``driver`` would fetch and
        sort); None if there are more, or the text is not indexed."""
        few = min(FEW_TO_SORT_FIRST, FEW_TEXT_MATCHES)
        if not _indexed_text(text) or few < 0:
            return None
        ids = list(self.conn.execute(_fts_rowids(text or "").limit(few + 1)).scalars())
        return ids if len(ids) <= few else None

    def _few_text_matches(self, text: str | None) -> bool:
        return self._at_most(_fts_rowids(text or ""), FEW_TEXT_MATCHES)

    def _few_in_folders(self, folder_ids: list[int]) -> bool:
        return self._at_most(sa.select(items.c.id).where(_one_of(items.c.folder_id, folder_ids)), SMALL)

    def _at_most(self, rows: Any, limit: int) -> bool:
        counted = sa.select(sa.func.count()).select_from(rows.limit(limit + 1).subquery())
        return int(self.conn.execute(counted).scalar_one()) <= limit

    def _within_budget(self, statement: Any, steps: int | None = None) -> Sequence[Row[Any]] | None:
        """The rows of ``statement``, or None if SQLite gave up on it after ``steps`` (``WALK_STEPS``)
        instructions."""
        with _interrupted_after(self.conn, WALK_STEPS if steps is None else steps):
            try:
                return self.conn.execute(statement).all()
            except sa.exc.OperationalError as err:
                if not _interrupted(err):
                    raise
                return None

    # --- conditions, written for the driver -------------------------------------------------------------------
    def _text_condition(self, text: str, driver: Driver) -> sa.ColumnElement[bool]:
        if driver is Driver.TEXT:
            return items.c.id.in_(_fts_rowids(text))
        pattern = _like_pattern(text)
        return sa.or_(self._contains(items.c.title, pattern), self._contains(items.c.object_url, pattern))

    def _contains(self, column: sa.ColumnElement[Any], pattern: str) -> sa.ColumnElement[bool]:
        # SQLite's LIKE ignores ASCII case as its lower() does, so ILIKE's "lower(x) LIKE lower(p)" only costs more
        # there (a walk past 40,000 titles: 41 ms against 29).
        if self.is_sqlite:
            return column.like(pattern, escape="\\")
        return column.ilike(pattern, escape="\\")

    def _scope_condition(self, scope: Scope, driver: Driver) -> sa.ColumnElement[bool]:
        if driver is Driver.FOLDERS or not self.is_sqlite or scope.folder_ids is None:
            assert scope.condition is not None
            return scope.condition
        # SQLite: "folder_id + 0" cannot use an index, so the folders filter rows instead of driving the plan.
        return _one_of(items.c.folder_id + 0, scope.folder_ids)

    def _sort_key(self, sort: SortBy, driver: Driver) -> sa.ColumnElement[Any]:
        column = items.c.title if sort is SortBy.NAME else items.c.created_at
        # TEXT and DATASETS sort the few rows they find: the sort index must not drive the plan (with statistics of
        # a small table SQLite may otherwise walk it and probe every row's id).
        return self._not_driving(column, when=driver in (Driver.TEXT, Driver.DATASETS))

    def _not_driving(self, column: sa.ColumnElement[Any], *, when: bool) -> sa.ColumnElement[Any]:
        """SQLite, ``when`` true: ``+column``, the same value, but no index provides it, so it cannot drive."""
        if not (when and self.is_sqlite):
            return column
        return sa.UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


def _interrupted(err: sa.exc.OperationalError) -> bool:
    """Whether SQLite stopped the statement because ``_interrupted_after`` asked it to."""
    return getattr(err.orig, "sqlite_errorname", None) == "SQLITE_INTERRUPT"


@contextmanager
def _interrupted_after(conn: Connection, steps: int) -> Iterator[None]:
    """SQLite: interrupt the statements run inside once they have taken about ``steps`` VM instructions.

    The handler counts its own calls: SQLite calls it every ``PROGRESS_EVERY`` instructions of a statement's
    lifetime count, which a cached statement carries over from earlier runs, so the first call may come early.
    """
    raw = conn.connection.driver_connection
    assert raw is not None
    calls = iter(range(max(1, steps // PROGRESS_EVERY)))
    raw.set_progress_handler(lambda: next(calls, None) is None, PROGRESS_EVERY)  # true interrupts
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)


def _indexed_text(text: str | None) -> bool:
    return text is not None and len(text) >= MIN_INDEXED_TEXT


def _folds_beyond_ascii(text: str | None) -> bool:
    """FTS5 folds the case of any letter, as PostgreSQL's ILIKE does; SQLite's LIKE folds ASCII letters only."""
    return text is not None and not text.isascii()


def _fts_rowids(text: str) -> sa.Select[Any]:
    """Rowids (item ids) whose title or object URL contain ``text``, from the FTS5 trigram index (SQLite)."""
    match = sa.literal_column("items_fts").op("MATCH")(sa.literal(_phrase(text)))
    return sa.select(sa.literal_column("rowid")).select_from(sa.text("items_fts")).where(match)


def _phrase(text: str) -> str:
    """``text`` as one FTS5 phrase: a substring to find, whatever characters it holds."""
    return '"' + text.replace('"', '""') + '"'


_CHANGES = sa.table("search_changes", sa.column("item_id", sa.Integer))  # 0008 (SQLite), 0009 (PostgreSQL)


def _merged(query: ItemQuery, *parts: Sequence[Row[Any]]) -> list[Row[Any]]:
    """The first ``limit + 1`` rows of pages found apart (each in name order), in name order."""
    rows = sorted((row for part in parts for row in part), key=lambda row: (row.title, row.id))
    return (rows[::-1] if query.descending else rows)[: query.limit + 1]


def _asks_for_members(query: ItemQuery) -> bool:
    return query.dataset_id is not None or query.in_dataset is True


def _member_ids(query: ItemQuery) -> sa.CompoundSelect[Any]:
    """Ids of the items in the query's dataset (or in any dataset)."""
    return DatasetMembers(query.dataset_id).item_ids()


def _one_of(column: sa.ColumnElement[int], ids: list[int]) -> sa.ColumnElement[bool]:
    if len(ids) == 1:
        return column == ids[0]
    return column.in_(ids) if ids else sa.false()


def _row_filters(query: ItemQuery, *, kind: sa.ColumnElement[Any]) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if query.kinds:
        conditions.append(kind.in_(sorted(k.value for k in query.kinds)))
    if query.statuses:
        conditions.append(items.c.status.in_(sorted(s.value for s in query.statuses)))
    conditions.extend(_metadata_filters(query))
    if query.in_dataset is not None:
        in_any = DatasetMembers().holds(items)
        conditions.append(in_any if query.in_dataset else sa.not_(in_any))
    if query.dataset_id is not None:
        conditions.append(DatasetMembers(query.dataset_id).holds(items))
    return conditions


def _lists_only(query: ItemQuery) -> bool:
    """True if ``query`` has no filter beyond its folder: only a scope, an order and a cursor."""
    listing = replace(query, folder_id=None, recursive=True, sort=SortBy.NAME, descending=False, cursor=None)
    return listing == ItemQuery(limit=query.limit)


def _metadata_filters(query: ItemQuery, table: sa.FromClause = items) -> list[sa.ColumnElement[bool]]:
    metadata = table.c.client_metadata
    return [metadata[key].as_string() == value for key, value in sorted(query.metadata.items())]


def _like_pattern(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _postgres_text_condition(text: str) -> sa.ColumnElement[bool]:
    """Title or object URL contains ``text`` (any case), written on ``search_text`` (0007, 0012) where it can be.

    ``search_text`` is the title and URL lower-cased with punctuation mapped to letters (``cairn.db.search_text``),
    so ``LIKE`` of the text mapped the same way is what ``ILIKE`` on each would find, byte-wise and in the
    name-order indexes. Items whose text is too long for an index entry have no ``search_text``: the few of them
    are checked with ``ILIKE``. A text holding a line break could match across the join of title and URL, so it
    keeps ``ILIKE`` on each.
    """
    pattern = _like_pattern(text)
    if "\n" in text:
        return sa.or_(items.c.title.ilike(pattern, escape="\\"), items.c.object_url.ilike(pattern, escape="\\"))
    long_items = items.alias("long_items")
    long_matches = sa.select(long_items.c.id).where(
        _search_text(long_items).is_(None),
        sa.or_(long_items.c.title.ilike(pattern, escape="\\"), long_items.c.object_url.ilike(pattern, escape="\\")),
    )
    return sa.or_(
        _search_text(items).like(search_text.like_pattern(text)),
        sa.and_(_search_text(items).is_(None), items.c.id.in_(long_matches)),
    )


def _search_text(table: sa.FromClause) -> sa.ColumnElement[str]:
    """PostgreSQL's generated ``items.search_text`` (0007); it is not in the shared table definition."""
    return sa.literal_column(f"{table.name}.search_text", sa.Text)  # type: ignore[attr-defined]


def _paths_under(paths: list[str]) -> sa.ColumnElement[bool]:
    return sa.or_(sa.false(), *(subtree_condition(folders.c.path, p) for p in paths))


def _keyset(statement: Any, query: ItemQuery, column: sa.ColumnElement[Any]) -> Any:
    if query.cursor:
        cursor = Cursor.decode(query.cursor, sort=query.sort, descending=query.descending)
        mark = sa.tuple_(sa.literal(cursor.value, type_=column.type), sa.literal(cursor.id, type_=items.c.id.type))
        after = sa.tuple_(column, items.c.id) < mark
        before = sa.tuple_(column, items.c.id) > mark
        statement = statement.where(after if query.descending else before)
    order = (column.desc(), items.c.id.desc()) if query.descending else (column.asc(), items.c.id.asc())
    return statement.order_by(*order).limit(query.limit + 1)
