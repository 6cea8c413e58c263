"""A small world for the permission matrix: one of each kind of caller, a shared folder, items and a dataset.

Built once per test session into a SQLite file; each case restores that file, so every call starts from the same
state. ``Actor`` names the seven kinds of caller the matrix checks.
"""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from cairn.db import migrate
from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.db.tables import metadata
from cairn.domain.access import Role
from cairn.domain.kinds import ItemKind
from cairn.domain.records import User
from cairn.services.registry import Registry
from cairn.services.uploads import UploadedFile
from cairn.settings import Settings
from tests.api.helpers import png_bytes
from tests.services.helpers import add_images, image

MISSING = 987_654_321
SECRET_NAMES = (
    "SecretG",
    "SecretSub",
    "secret-item.png",
    "secret-spare.png",
    "secret-group",
    "SecretDataset",
    "vault",
    "secret-upload.png",
)
"""The names of the org admin's things in G: no answer to anyone else may contain them."""

ACTORS = ("org_admin", "folder_admin", "editor", "viewer", "no_role", "no_token", "revoked")


@dataclass(frozen=True)
class World:
    tokens: dict[str, str]  # actor -> API token secret ("" for no_token)
    emails: dict[str, str]
    nora: int  # the user with no role (an account the org admin may change)
    folder: int  # F: alice is its admin, ed an editor, vi a viewer
    sub: int  # S: a sub-folder of F
    other: int  # G: a folder only the org admin has a role on
    item: int  # an image in F, in the dataset
    spare: int  # another image in F, in no dataset
    group: int  # an image group in F
    dataset: int  # a plain dataset owned by alice
    admin_token_id: int  # a second token of the org admin
    integration: int  # "disk": a shared local integration of the org admin
    root: str  # its directory, holding a.png
    job: int  # a registration job alice started in F (not run)
    upload: int  # a PNG alice uploaded into F (managed storage)
    secret: dict[str, int]  # the org admin's things in G, out of everyone else's reach, by the field they stand for
    admin_session: int = 0  # a web login session of the org admin (made with their second token)
    notification: int = 0  # alice's notification that her job ended

    def out_of_reach(self) -> World:
        """The same world, each object of F replaced by its counterpart out of reach in G (for all but org admins)."""
        fields: dict[str, Any] = dict(self.secret)
        return dataclasses.replace(self, **fields)

    def missing(self) -> World:
        """The same world, each object that ``out_of_reach`` replaces replaced by an id that names nothing."""
        fields: dict[str, Any] = dict.fromkeys(self.secret, MISSING)
        return dataclasses.replace(self, **fields)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> World:
        return cls(**json.loads(path.read_text()))


def build_world(directory: Path) -> tuple[Path, World]:
    """Make the world's database file in ``directory``; returns (file, world)."""
    db_file = directory / "world.db"
    database = Database(f"sqlite:///{db_file}")
    migrate.upgrade(database)
    settings = Settings(data_dir=directory / "data", database_url=f"sqlite:///{db_file}")
    registry = Registry(settings, database=database)
    try:
        world = _populate(registry)
    finally:
        registry.close()
    world.save(directory / "world.json")
    return db_file, world


def _populate(registry: Registry) -> World:
    admin = registry.users.ensure_local_admin()[0]
    users = {
        name: registry.users.create(actor=admin, email=f"{name}@example.com") for name in ("alice", "ed", "vi", "nora")
    }
    folder = registry.folders.create(actor=users["alice"], name="F")
    sub = registry.folders.create(actor=users["alice"], name="S", parent_id=folder.id)
    other = registry.folders.create(actor=admin, name="SecretG")
    registry.access.grant(actor=users["alice"], folder_id=folder.id, email="ed@example.com", role=Role.EDITOR)
    registry.access.grant(actor=users["alice"], folder_id=folder.id, email="vi@example.com", role=Role.VIEWER)
    item, spare = add_images(registry, users["alice"], folder.id, "item.jpg", "spare.jpg")
    group = registry.items.add_composite(
        actor=users["alice"], folder_id=folder.id, kind=ItemKind.IMAGE_GROUP, title="grp", members=[image("m.png")]
    )
    dataset = registry.datasets.create(actor=users["alice"], title="D")
    registry.datasets.add_items(actor=users["alice"], dataset_id=dataset.id, item_ids=[item.id])
    revoked = registry.auth.create_token(actor=admin, name="revoked")
    registry.auth.revoke_token(actor=admin, token_id=revoked.token.id)
    second = registry.auth.create_token(actor=admin, name="second")
    admin_session = registry.auth.start_session(token=second.secret)
    root = registry.settings.data_dir / "disk"
    root.mkdir(parents=True, exist_ok=True)
    (root / "a.png").write_bytes(png_bytes())
    disk = registry.integrations.add(actor=admin, name="disk", provider="local", root=str(root), shared=True)
    manifest = io.BytesIO(json.dumps({"images": [{"objectUrl": (root / "a.png").as_uri()}]}).encode())
    job = registry.registration.register(
        actor=users["alice"], folder_id=folder.id, integration="disk", manifest=manifest
    )
    png = UploadedFile("up.png", io.BytesIO(png_bytes()), "image/png")
    [upload] = registry.uploads.upload(actor=users["alice"], folder_id=folder.id, files=[png])
    secret = _secrets(registry, admin, other.id)
    owners = {"org_admin": admin, "folder_admin": users["alice"], "editor": users["ed"], "viewer": users["vi"]}
    tokens = {actor: registry.auth.create_token(actor=user, name=actor).secret for actor, user in owners.items()}
    tokens |= {"no_role": registry.auth.create_token(actor=users["nora"], name="n").secret}
    tokens |= {"no_token": "", "revoked": revoked.secret}
    emails = {actor: user.email for actor, user in owners.items()} | {"no_role": "nora@example.com"}
    return World(
        tokens=tokens,
        emails=emails,
        nora=users["nora"].id,
        folder=folder.id,
        sub=sub.id,
        other=other.id,
        item=item.id,
        spare=spare.id,
        group=group.id,
        dataset=dataset.id,
        admin_token_id=second.token.id,
        integration=disk.id,
        root=str(root),
        job=job.id,
        upload=upload.id,
        secret=secret,
        admin_session=admin_session.session.id,
        notification=_notification(registry, users["alice"], job.id),
    )


def _notification(registry: Registry, user: User, job_id: int) -> int:
    """A notification of ``user`` about a job (made directly: the world's jobs are not run)."""
    with registry.db.write() as conn:
        return Repos(conn).notifications.add(user_id=user.id, job_id=job_id, outcome="done", message="done")


def _secrets(registry: Registry, admin: User, folder_id: int) -> dict[str, int]:
    """The org admin's things in G (whose name is secret too): one for each object of F the routes take."""
    sub = registry.folders.create(actor=admin, name="SecretSub", parent_id=folder_id)
    item, spare = add_images(registry, admin, folder_id, "secret-item.png", "secret-spare.png")
    group = registry.items.add_composite(
        actor=admin, folder_id=folder_id, kind=ItemKind.IMAGE_GROUP, title="secret-group", members=[image("s.png")]
    )
    dataset = registry.datasets.create(actor=admin, title="SecretDataset", mirrored=True, mirror_parent_id=folder_id)
    registry.datasets.add_items(actor=admin, dataset_id=dataset.id, item_ids=[item.id])
    root = registry.settings.data_dir / "vault"
    root.mkdir(parents=True, exist_ok=True)
    (root / "a.png").write_bytes(png_bytes())
    vault = registry.integrations.add(actor=admin, name="vault", provider="local", root=str(root))
    manifest = io.BytesIO(json.dumps({"images": [{"objectUrl": (root / "a.png").as_uri()}]}).encode())
    job = registry.registration.register(actor=admin, folder_id=folder_id, integration="vault", manifest=manifest)
    png = UploadedFile("secret-upload.png", io.BytesIO(png_bytes()), "image/png")
    [upload] = registry.uploads.upload(actor=admin, folder_id=folder_id, files=[png])
    return {
        "folder": folder_id,
        "sub": sub.id,
        "item": item.id,
        "spare": spare.id,
        "group": group.id,
        "dataset": dataset.id,
        "integration": vault.id,
        "job": job.id,
        "upload": upload.id,
        "notification": _notification(registry, admin, job.id),
    }


def restore(template: Path, target: Path, database: Database) -> None:
    """Put the world's original state back in ``target`` (the app's database file)."""
    database.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, target)


# Authentication touches api_tokens.last_used_at (at most once a minute per token); that is bookkeeping of the
# credentials, not a change made by the denied call, so the snapshot leaves it out.
_IGNORED = {("api_tokens", "last_used_at")}


def snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (minus credential bookkeeping), to prove a denied call changed nothing."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    with database.read() as conn:
        for table in metadata.sorted_tables:
            columns = [c for c in table.c if (table.name, c.name) not in _IGNORED]
            rows = conn.execute(sa.select(*columns)).all()
            state[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    return state
