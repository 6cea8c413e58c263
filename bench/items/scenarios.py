"""The measured scenarios: global search and folder pages through the services, and their baselines.

A scenario draws random arguments (untimed), then times one call; it repeats until it has ``queries`` samples or
its time budget is spent (with at least ``MIN_SAMPLES``). Page N of a search is reached by following the cursors
of pages 1..N-1 untimed; page N of a folder starts at a keyset cursor made from the item just before it.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.items import baselines
from bench.items.data import Population
from bench.stats import Samples
from cairn.domain.kinds import ItemKind
from cairn.domain.listing import Cursor, ItemQuery, SortBy
from cairn.domain.records import Item, Page, User
from cairn.services.registry import Registry

MIN_SAMPLES = 20
BASELINE_SAMPLES = 3  # slow by design: a few samples of each baseline (after as many warm-up calls)
WARMUP = 3
BROAD_TERMS = ("frame", ".jpg", "2024-", "raw-0")  # most items: in the title, the URL, or both
MEDIUM_TERMS = ("_clip_", "_take_", "slice_")  # 4-7 % of items, each of one kind (video, audio, DICOM), no image
FOLDER_PAGES = (1, 50, 500)
_TEN_DAYS = re.compile(r"\d{4}-\d{2}-\d")  # a capture date but its last digit
_DISTINCT = re.compile(r"\d{6}|[0-9a-f]{8}")  # the capture time or the random hex in a title

Call = Callable[[], Any]


@dataclass
class Budget:
    queries: int
    seconds: float


class Scenarios:
    def __init__(self, registry: Registry, population: Population, *, budget: Budget, seed: int) -> None:
        self.registry = registry
        self.population = population
        self.budget = budget
        self.rng = random.Random(seed)
        self.results: list[Samples] = []
        self._folder_order: dict[SortBy, list[Item]] = {}

    # --- harness ----------------------------------------------------------------------------------------------
    def measure(self, name: str, prepare: Callable[[], Call], *, least: int = MIN_SAMPLES) -> Samples:
        """Time calls made by ``prepare`` until the budget is spent, with at least ``least`` samples."""
        samples = Samples(name)
        for _ in range(min(WARMUP, least)):
            prepare()()
        hits: list[int] = []
        deadline = time.monotonic() + self.budget.seconds
        while len(samples.values) < self.budget.queries:
            call = prepare()
            hits.append(_count(samples.measure(call)))
            if time.monotonic() > deadline and len(samples.values) >= least:
                break
        samples.notes["rows"] = sorted(hits)[len(hits) // 2]
        self.results.append(samples)
        print(f"  {name}: n={len(samples.values)} median={samples.median:.1f} ms p95={samples.p95:.1f} ms", flush=True)
        return samples

    # --- terms --------------------------------------------------------------------------------------------------
    def selective_term(self) -> str:
        """8 characters of a real title around its capture time or random hex: a handful of items match."""
        title = self.rng.choice(self.population.titles)
        match = _DISTINCT.search(title)
        start = max(0, match.start() - 2) if match else 0
        return title[start : start + 8]

    def short_term(self) -> str:
        return f"{self.rng.randint(0, 99):02d}"

    # --- search -----------------------------------------------------------------------------------------------
    def search_call(self, actor: User, query: ItemQuery, *, page: int = 1) -> Call:
        for _ in range(page - 1):
            found = self.registry.items.search(actor=actor, query=query)
            if found.next_cursor is None:
                break
            query = ItemQuery(**{**query.__dict__, "cursor": found.next_cursor})
        return lambda: self.registry.items.search(actor=actor, query=query)

    def run_search(self) -> None:
        admin, viewer = self.population.admin, self.population.viewer
        for actor, who in ((admin, "org admin"), (viewer, "non-admin")):
            self.measure(
                f"search selective, by name, page 1 ({who})", lambda a=actor: self._text(a, self.selective_term())
            )
            self.measure(f"search broad, by name, page 1 ({who})", lambda a=actor: self._text(a, self._broad()))
            self.measure(f"search broad, by name, page 5 ({who})", lambda a=actor: self._text(a, self._broad(), page=5))
            self.measure(f"search medium, by name, page 1 ({who})", lambda a=actor: self._text(a, self._medium()))
            self.measure(
                f"search broad + kind=video, page 1 ({who})",
                lambda a=actor: self._text(a, self._broad(), kinds=frozenset({ItemKind.VIDEO})),
            )
            self.measure(
                f"search medium + kind=image, none match ({who})",
                lambda a=actor: self._text(a, self._medium(), kinds=frozenset({ItemKind.IMAGE})),
            )
        self.measure(
            "search selective, by created, page 1 (org admin)",
            lambda: self._text(admin, self.selective_term(), sort=SortBy.CREATED),
        )
        self.measure(
            "search broad, by created, page 1 (org admin)",
            lambda: self._text(admin, self._broad(), sort=SortBy.CREATED),
        )
        newest = {"sort": SortBy.CREATED, "descending": True}  # search's default order (API, CLI, SDK, web UI)
        self.measure(
            "search medium, newest first, page 1 (org admin)", lambda: self._text(admin, self._medium(), **newest)
        )
        self.measure(
            "search medium + kind=image, none match, newest first (org admin)",
            lambda: self._text(admin, self._medium(), kinds=frozenset({ItemKind.IMAGE}), **newest),
        )
        self.measure(
            "search selective + kind=image (org admin)",
            lambda: self._text(admin, self.selective_term(), kinds=frozenset({ItemKind.IMAGE})),
        )
        self.measure(
            "search broad + metadata split=val (org admin)",
            lambda: self._text(admin, self._broad(), metadata={"split": "val"}),
        )
        self.measure(
            "search broad + in no dataset (org admin)", lambda: self._text(admin, self._broad(), in_dataset=False)
        )
        self.measure(
            "search broad + in a dataset (org admin)", lambda: self._text(admin, self._broad(), in_dataset=True)
        )
        self.measure("search ten days' date, by name, page 1 (org admin)", lambda: self._text(admin, self._days()))
        self.measure(
            "search ten days' date, newest first, page 1 (org admin)", lambda: self._text(admin, self._days(), **newest)
        )
        self.measure("search 2-char term, by name (org admin)", lambda: self._text(admin, self.short_term()))
        self.measure(
            "filter kind=pdf, no text, by name (org admin)",
            lambda: self._text(admin, None, kinds=frozenset({ItemKind.PDF})),
        )

    def _text(self, actor: User, text: str | None, *, page: int = 1, **filters: Any) -> Call:
        return self.search_call(actor, ItemQuery(text=text, **filters), page=page)

    def _broad(self) -> str:
        return self.rng.choice(BROAD_TERMS)

    def _medium(self) -> str:
        return self.rng.choice(MEDIUM_TERMS)

    def _days(self) -> str:
        """A real title's capture date but its last digit (``2024-07-0``): 1-3 % of items, gathered in a stretch of
        the creation order and, per camera, of the name order."""
        dated = [match.group() for title in self.population.titles if (match := _TEN_DAYS.search(title))]
        return self.rng.choice(dated)

    # --- search baselines: a plain LIKE scan, and the search index used whatever the text ------------------------
    def run_search_baselines(self) -> None:
        """Slow by design, so fewer samples: at least ``BASELINE_SAMPLES`` each."""
        for paths, who in ((None, "org admin"), (self._viewer_paths(), "non-admin")):
            for kind, term in (("selective", self.selective_term), ("broad", self._broad)):
                self.measure(
                    f"LIKE scan {kind}, by name, page 1 ({who})",
                    lambda p=paths, t=term: self._baseline(baselines.like_scan, t(), p),
                    least=BASELINE_SAMPLES,
                )
        self.measure(
            "index-sorted broad, by name, page 1 (org admin)",
            lambda: self._baseline(baselines.index_sorted, self._broad(), None),
            least=BASELINE_SAMPLES,
        )

    def _baseline(self, statement: Callable[..., list[Item]], text: str, paths: list[str] | None) -> Call:
        def call() -> list[Item]:
            with self.registry.db.read() as conn:
                return statement(conn, text=text, visible_paths=paths)

        return call

    def _viewer_paths(self) -> list[str] | None:
        from cairn.db.repositories import Repos

        with self.registry.db.read() as conn:
            return Repos(conn).access.granted_paths(self.population.viewer.id)

    # --- folder pages -----------------------------------------------------------------------------------------
    def run_folder_pages(self) -> None:
        for sort in (SortBy.NAME, SortBy.CREATED):
            order = self._order(sort)
            for page in FOLDER_PAGES:
                if (page - 1) * 100 >= len(order):
                    continue
                self.measure(f"folder page {page}, by {sort.value}, keyset", lambda s=sort, p=page: self._folder(s, p))
                self.measure(f"folder page {page}, by {sort.value}, OFFSET", lambda s=sort, p=page: self._offset(s, p))
        subtree = ItemQuery(folder_id=self.population.big_folder.parent_id, recursive=True)
        self.measure("camera subtree page 1, by name (10 folders)", lambda: self._browse(subtree))

    def _order(self, sort: SortBy) -> list[Item]:
        """The big folder's items in ``sort`` order, fetched once by walking pages of 1,000."""
        query = ItemQuery(folder_id=self.population.big_folder.id, recursive=False, sort=sort, limit=1000)
        order: list[Item] = []
        while True:
            found = self.registry.items.browse(actor=self.population.admin, query=query)
            order.extend(found.items)
            if found.next_cursor is None:
                self._folder_order[sort] = order
                return order
            query = ItemQuery(**{**query.__dict__, "cursor": found.next_cursor})

    def _position(self, page: int) -> int:
        """How many items precede a page near page ``page`` (jittered so repeats differ)."""
        return 0 if page == 1 else (page - 1) * 100 - self.rng.randint(0, 99)

    def _folder(self, sort: SortBy, page: int) -> Call:
        order = self._folder_order[sort]
        cursor = None
        position = self._position(page)
        if position:
            last = order[position - 1]
            value = last.title if sort is SortBy.NAME else last.created_at
            cursor = Cursor(sort, False, value, last.id).encode()
        query = ItemQuery(folder_id=self.population.big_folder.id, recursive=False, sort=sort, cursor=cursor)
        return self._browse(query)

    def _browse(self, query: ItemQuery) -> Call:
        return lambda: self.registry.items.browse(actor=self.population.admin, query=query)

    def _offset(self, sort: SortBy, page: int) -> Call:
        position = self._position(page)

        def call() -> list[Any]:
            with self.registry.db.read() as conn:
                return baselines.offset_page(conn, folder_id=self.population.big_folder.id, sort=sort, offset=position)

        return call


def _count(result: Any) -> int:
    if isinstance(result, Page):
        return len(result.items)
    return len(result)
