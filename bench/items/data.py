"""The benchmark population: users, a nested folder tree, items with realistic names, a few datasets.

Everything goes through cairn's own write path: folders, users, grants and datasets through the services, items
through ``ItemRepository.insert_many`` (the bulk path registration uses) with rows built by ``item_row``.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cairn.db.repositories import Repos
from cairn.domain.access import Role
from cairn.domain.kinds import ItemKind
from cairn.domain.records import Folder, MediaFields, User
from cairn.services.items import NewItem, item_row
from cairn.services.registry import Registry

PROJECTS = 10
CAMERAS = 9  # per project
DATES = 10  # per camera: 10 + 90 + 900 = 1,000 folders, items in the 900 date folders
BIG_FOLDER_SHARE = 0.10  # one date folder holds a tenth of all items (deep pages)
CHUNK = 20_000  # items per write transaction (insert_many batches them by 2,000)

_KINDS = (  # kind, weight, title pattern
    (ItemKind.IMAGE, 78, "cam{cam}_{date}_{time}_frame_{n:06d}.jpg"),
    (ItemKind.VIDEO, 7, "cam{cam}_{date}_{time}_clip_{n:04d}.mp4"),
    (ItemKind.AUDIO, 5, "mic{cam}_{date}_{time}_take_{n:04d}.wav"),
    (ItemKind.TEXT, 4, "transcript_{date}_{time}_{n:06d}.txt"),
    (ItemKind.PDF, 2, "report_{date}_{hex}.pdf"),
    (ItemKind.DICOM_FILE, 4, "CT_{hex}_slice_{n:04d}.dcm"),
)
_MIME = {
    ItemKind.IMAGE: "image/jpeg",
    ItemKind.VIDEO: "video/mp4",
    ItemKind.AUDIO: "audio/wav",
    ItemKind.TEXT: "text/plain",
    ItemKind.PDF: "application/pdf",
    ItemKind.DICOM_FILE: "application/dicom",
}


@dataclass
class Population:
    admin: User
    viewer: User
    big_folder: Folder
    leaves: list[Folder]
    dataset_ids: list[int]
    folder_count: int
    item_count: int = 0
    titles: list[str] = field(default_factory=list)  # a sample of real titles, to draw search terms from
    insert_seconds: list[tuple[int, float]] = field(default_factory=list)  # (items, seconds) per transaction
    load_average: str = field(default_factory=lambda: " ".join(f"{x:.1f}" for x in os.getloadavg()))


def populate(registry: Registry, *, items: int, seed: int) -> Population:
    """Build the whole population; ``items`` are spread over the date folders, a tenth in the big one."""
    rng = random.Random(seed)
    admin = registry.users.ensure_local_admin()[0]
    viewer = registry.users.create(actor=admin, email="viewer@example.com", name="Viewer")
    projects, cameras, leaves = _folders(registry, admin)
    _grant_viewer(registry, admin, viewer, projects, cameras)
    population = Population(admin, viewer, leaves[0], leaves, [], len(projects) + len(cameras) + len(leaves))
    for folder, count in zip(leaves, _spread(items, len(leaves), rng), strict=True):
        _insert_folder(registry, population, folder, count, rng)
    population.item_count = sum(n for n, _ in population.insert_seconds)
    population.dataset_ids = _datasets(registry, admin, leaves, rng)
    return population


def existing(registry: Registry, *, seed: int) -> Population:
    """The population of a database an earlier run built (and kept), with a fresh sample of its titles."""
    rng = random.Random(seed)
    admin = registry.users.ensure_local_admin()[0]
    viewer = registry.users.by_email(email="viewer@example.com")
    with registry.db.read() as conn:
        repos = Repos(conn)
        every = repos.folders.all()
        leaves = sorted((f for f in every if f.parent_id and f.description), key=lambda f: f.id)
        tops = [f for f in every if f.parent_id is None]
        count = sum(repos.folders.summary(top).files for top in tops)
        titles = [item.title for leaf in rng.sample(leaves, 50) for item in _sample(repos, leaf, rng)]
    datasets = [d.id for d in registry.datasets.all(actor=admin)]
    return Population(admin, viewer, leaves[0], leaves, datasets, len(every), count, titles)


def _sample(repos: Repos, leaf: Folder, rng: random.Random) -> list[Any]:
    page = repos.items.page(_folder_query(leaf.id), visible_paths=None)
    return rng.sample(list(page.items), k=min(20, len(page.items)))


def _folders(registry: Registry, admin: User) -> tuple[list[Folder], list[Folder], list[Folder]]:
    projects, cameras, leaves = [], [], []
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for p in range(PROJECTS):
        project = registry.folders.create(actor=admin, name=f"project-{p:02d}", parent_id=None)
        projects.append(project)
        for c in range(CAMERAS):
            camera = registry.folders.create(actor=admin, name=f"cam{c}", parent_id=project.id)
            cameras.append(camera)
            for d in range(DATES):
                day = start + timedelta(days=p * 31 + c * 3 + d * 7)
                leaves.append(
                    registry.folders.create(
                        actor=admin, name=day.date().isoformat(), parent_id=camera.id, description=f"{p} {c}"
                    )
                )
    return projects, cameras, leaves


def _grant_viewer(registry: Registry, admin: User, viewer: User, projects: list[Folder], cameras: list[Folder]) -> None:
    """The viewer sees two whole projects (the big folder's among them) and three cameras elsewhere."""
    granted = [projects[0], projects[1], cameras[CAMERAS * 3], cameras[CAMERAS * 5 + 2], cameras[CAMERAS * 8 + 4]]
    for folder in granted:
        registry.access.grant(actor=admin, folder_id=folder.id, email=viewer.email, role=Role.VIEWER)


def _spread(total: int, folders: int, rng: random.Random) -> list[int]:
    """Items per folder: the first (big) folder gets its share, the rest a random, uneven split of the remainder."""
    big = int(total * BIG_FOLDER_SHARE)
    weights = [rng.lognormvariate(0, 0.8) for _ in range(folders - 1)]
    scale = (total - big) / sum(weights)
    counts = [int(w * scale) for w in weights]
    counts[-1] += total - big - sum(counts)
    return [big, *counts]


def _insert_folder(registry: Registry, population: Population, folder: Folder, count: int, rng: random.Random) -> None:
    rows = _rows(folder, count, population.admin.id, rng)
    for start in range(0, count, CHUNK):
        chunk = list(_take(rows, min(CHUNK, count - start)))
        began = time.perf_counter()
        with registry.db.write() as conn:
            Repos(conn).items.insert_many(chunk)
        population.insert_seconds.append((len(chunk), time.perf_counter() - began))
        population.titles.extend(rng.sample([r["title"] for r in chunk], k=min(20, len(chunk))))


def _take(rows: Iterator[dict[str, Any]], n: int) -> Iterator[dict[str, Any]]:
    for _ in range(n):
        yield next(rows)


def _rows(folder: Folder, count: int, owner_id: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    """Rows for one date folder: frames, clips, takes... captured through that day, in capture order."""
    day = datetime.fromisoformat(folder.name).replace(tzinfo=UTC)
    project, camera = _project_and_camera(folder)
    kinds, weights = [k for k, _, _ in _KINDS], [w for _, w, _ in _KINDS]
    patterns = {k: p for k, _, p in _KINDS}
    seconds = sorted(rng.uniform(0, 86_400) for _ in range(count))
    for n, offset in enumerate(seconds):
        kind = rng.choices(kinds, weights)[0]
        taken = day + timedelta(seconds=offset)
        title = patterns[kind].format(
            cam=camera, date=folder.name, time=taken.strftime("%H%M%S"), n=n, hex=rng.randbytes(4).hex()
        )
        row = item_row(_new_item(kind, title, project, camera, rng), folder_id=folder.id, owner_id=owner_id)
        row["created_at"] = row["edited_at"] = taken
        yield row


def _project_and_camera(leaf: Folder) -> tuple[int, int]:
    """The project and camera a date folder belongs to, from their names in its description."""
    project, camera = leaf.description.split()
    return int(project), int(camera)


def _new_item(kind: ItemKind, title: str, project: int, camera: int, rng: random.Random) -> NewItem:
    url = f"s3://acme-raw-{project:02d}/cam{camera}/{rng.randbytes(6).hex()}/{title}"
    media = MediaFields(file_size=rng.randint(10_000, 50_000_000), mime_type=_MIME[kind])
    metadata = {"site": f"site-{rng.randint(1, 20)}", "split": rng.choice(["train", "val", "test"])}
    return NewItem(kind=kind, title=title, object_url=url, media=media, client_metadata=metadata)


def rows_for(registry: Registry, *, count: int, rng: random.Random) -> list[dict[str, Any]]:
    """``count`` item rows for one new date folder (e.g. to compare insert paths)."""
    admin = registry.users.ensure_local_admin()[0]
    project = registry.folders.create(actor=admin, name="project-00")
    camera = registry.folders.create(actor=admin, name="cam0", parent_id=project.id)
    leaf = registry.folders.create(actor=admin, name="2024-05-17", parent_id=camera.id, description="0 0")
    return list(_rows(leaf, count, admin.id, rng))


def _datasets(registry: Registry, admin: User, leaves: list[Folder], rng: random.Random) -> list[int]:
    """Three datasets: two with explicit members drawn from a few folders, one synced to a folder."""
    ids = []
    for name, folder_count in (("train-v1", 12), ("val-v1", 4)):
        dataset = registry.datasets.create(actor=admin, title=name)
        with registry.db.write() as conn:
            repos = Repos(conn)
            for folder in rng.sample(leaves[1:], folder_count):
                page = repos.items.page(_folder_query(folder.id), visible_paths=None)
                repos.datasets.add_items(dataset.id, [item.id for item in page.items], added_by=admin.id)
        ids.append(dataset.id)
    synced = registry.datasets.create(actor=admin, title="synced-v1", synced_folder_id=leaves[7].id)
    return [*ids, synced.id]


def _folder_query(folder_id: int) -> Any:
    from cairn.domain.listing import MAX_PAGE_SIZE, ItemQuery

    return ItemQuery(folder_id=folder_id, recursive=False, limit=MAX_PAGE_SIZE)
