"""Confidentiality: what a user cannot see, they cannot learn exists (issue 13, points 1, 2 and 11), both dialects.

The rule (``services/_base.py``): a folder, item, dataset, job or integration the actor may not see answers exactly
as a missing id does (``NotFound``, same message and details); ``PermissionDenied`` only comes for things the actor
can see but may not act on, and then it names the role needed.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cairn.domain.access import Role
from cairn.domain.kinds import ItemKind
from cairn.domain.listing import ItemQuery
from cairn.domain.records import User
from cairn.errors import CairnError, Conflict, NotFound, PermissionDenied
from cairn.services.registry import Registry
from tests.api.helpers import png_bytes
from tests.services.helpers import add_images, image

MISSING = 987_654_321
SECRETS = ("SecretProject", "secret.jpg", "Secret plans", "vault")


def _error(call: Callable[[], Any]) -> CairnError:
    with pytest.raises(CairnError) as caught:
        call()
    return caught.value


def _same_as_missing(hidden: Callable[[int], Any], hidden_id: int) -> None:
    """``hidden(hidden_id)`` fails exactly as ``hidden(MISSING)`` does (the ids aside), naming nothing secret."""
    seen, missing = _error(lambda: hidden(hidden_id)), _error(lambda: hidden(MISSING))
    assert isinstance(seen, NotFound), seen
    shown = json.dumps(seen.to_dict())
    assert shown.replace(str(hidden_id), "ID") == json.dumps(missing.to_dict()).replace(str(MISSING), "ID")
    assert not any(secret in shown for secret in SECRETS), shown


@pytest.fixture
def secret(registry: Registry, admin: User, make_user: Callable[[str], User]) -> dict[str, Any]:
    """The org admin's SecretProject (a sub-folder, an image, a synced dataset, a job, a private integration);
    vi's folder Open with a sub-folder Shared that nora may see, and nothing of the admin's."""
    vi, nora = make_user("vi"), make_user("nora")
    project = registry.folders.create(actor=admin, name="SecretProject")
    inner = registry.folders.create(actor=admin, name="inner", parent_id=project.id)
    (image,) = add_images(registry, admin, project.id, "secret.jpg")
    synced = registry.datasets.create(actor=admin, title="Secret plans", synced_folder_id=project.id)
    plain = registry.datasets.create(actor=admin, title="Secret plans too")
    registry.datasets.add_items(actor=admin, dataset_id=plain.id, item_ids=[image.id])
    root = registry.settings.data_dir / "vault"
    root.mkdir(parents=True)
    (root / "a.png").write_bytes(png_bytes())
    vault = registry.integrations.add(actor=admin, name="vault", provider="local", root=str(root))
    manifest = io.BytesIO(json.dumps({"images": [{"objectUrl": Path(root, "a.png").as_uri()}]}).encode())
    job = registry.registration.register(actor=admin, folder_id=project.id, integration="vault", manifest=manifest)
    open_folder = registry.folders.create(actor=vi, name="Open")
    shared = registry.folders.create(actor=vi, name="Shared", parent_id=open_folder.id)
    registry.access.grant(actor=vi, folder_id=shared.id, email=nora.email, role=Role.VIEWER)
    return {
        "vi": vi,
        "nora": nora,
        "project": project,
        "inner": inner,
        "image": image,
        "synced": synced,
        "plain": plain,
        "vault": vault,
        "job": job,
        "open": open_folder,
        "shared": shared,
    }


def test_a_folder_without_a_role_answers_as_a_missing_one(registry: Registry, secret: dict[str, Any]) -> None:
    vi, folders = secret["vi"], registry.folders
    calls: list[Callable[[int], Any]] = [
        lambda i: folders.get(actor=vi, folder_id=i),
        lambda i: folders.role(actor=vi, folder_id=i),
        lambda i: folders.path_to_root(actor=vi, folder_id=i),
        lambda i: folders.children(actor=vi, parent_id=i),
        lambda i: folders.tree(actor=vi, root_id=i),
        lambda i: folders.summary(actor=vi, folder_id=i),
        lambda i: folders.update(actor=vi, folder_id=i, description="x"),
        lambda i: folders.delete(actor=vi, folder_id=i),
        lambda i: folders.create(actor=vi, name="x", parent_id=i),
        lambda i: folders.move(actor=vi, folder_id=secret["open"].id, new_parent_id=i),
        lambda i: registry.access.grants(actor=vi, folder_id=i),
        lambda i: registry.access.grant(actor=vi, folder_id=i, email=vi.email, role=Role.ADMIN),
        lambda i: registry.journal.entries(actor=vi, folder_id=i),
        lambda i: registry.datasets.create(actor=vi, title="t", synced_folder_id=i),
        lambda i: registry.items.add(actor=vi, folder_id=i, items=[]),
    ]
    for call in calls:
        _same_as_missing(call, secret["project"].id)
        _same_as_missing(call, secret["inner"].id)


def test_a_folder_path_answers_the_same_whether_hidden_or_missing(registry: Registry, secret: dict[str, Any]) -> None:
    vi = secret["vi"]
    hidden = _error(lambda: registry.folders.resolve(actor=vi, path="SecretProject/inner"))
    missing = _error(lambda: registry.folders.resolve(actor=vi, path="NoSuchProject/inner"))
    assert isinstance(hidden, NotFound)
    assert hidden.message.replace("SecretProject", "X") == missing.message.replace("NoSuchProject", "X")


def test_a_shared_sub_folder_shows_no_trace_of_the_folders_above_it(registry: Registry, secret: dict[str, Any]) -> None:
    nora, shared = secret["nora"], secret["shared"]
    child = registry.folders.create(actor=secret["vi"], name="child", parent_id=shared.id)
    registry.access.grant(actor=secret["vi"], folder_id=shared.id, email=nora.email, role=Role.EDITOR)
    made = registry.folders.create(actor=nora, name="made", parent_id=shared.id)
    assert made.path == f"/{shared.id}/{made.id}/"
    assert [p.name for p in registry.folders.path_to_root(actor=nora, folder_id=shared.id)] == ["Shared"]
    seen = registry.folders.get(actor=nora, folder_id=shared.id)
    assert (seen.parent_id, seen.path) == (None, f"/{shared.id}/")  # no trace of Open, not even its id
    [below, _] = registry.folders.children(actor=nora, parent_id=shared.id)
    assert (below.parent_id, below.path) == (shared.id, f"/{shared.id}/{child.id}/")
    assert registry.folders.resolve(actor=nora, path="Shared/child").path == below.path
    assert [(f.name, f.parent_id) for f in registry.folders.children(actor=nora)] == [("Shared", None)]
    assert registry.folders.resolve(actor=nora, path="Shared").id == shared.id
    assert isinstance(_error(lambda: registry.folders.resolve(actor=nora, path="Open/Shared")), NotFound)
    vi_view = registry.folders.path_to_root(actor=secret["vi"], folder_id=shared.id)
    assert [p.name for p in vi_view] == ["Open", "Shared"]


def test_an_item_in_a_hidden_folder_answers_as_a_missing_one(registry: Registry, secret: dict[str, Any]) -> None:
    vi, items = secret["vi"], registry.items
    calls: list[Callable[[int], Any]] = [
        lambda i: items.get(actor=vi, item_id=i),
        lambda i: items.members(actor=vi, item_id=i),
        lambda i: items.used_by(actor=vi, item_id=i),
        lambda i: items.linked_to(actor=vi, item_id=i),
        lambda i: items.update(actor=vi, item_id=i, title="x"),
        lambda i: items.delete(actor=vi, item_ids=[i]),
        lambda i: items.move(actor=vi, item_ids=[i], target_folder_id=secret["open"].id),
        lambda i: registry.viewing.link(actor=vi, item_id=i),
        lambda i: registry.inspection.report(actor=vi, item_id=i),
    ]
    for call in calls:
        _same_as_missing(call, secret["image"].id)


def test_a_folder_one_can_see_names_the_role_needed(registry: Registry, secret: dict[str, Any]) -> None:
    nora, shared = secret["nora"], secret["shared"]
    with pytest.raises(PermissionDenied, match="folder 'Shared': needs the editor role \\(has viewer\\)"):
        registry.folders.update(actor=nora, folder_id=shared.id, description="x")


def test_datasets_are_seen_by_their_owner_admins_and_who_sees_what_they_hold(
    registry: Registry, admin: User, secret: dict[str, Any]
) -> None:
    vi, nora = secret["vi"], secret["nora"]
    (mine,) = add_images(registry, vi, secret["open"].id, "mine.jpg")
    own = registry.datasets.create(actor=vi, title="Own")
    registry.datasets.add_items(actor=admin, dataset_id=secret["plain"].id, item_ids=[mine.id])
    assert [d.title for d in registry.datasets.all(actor=vi)] == ["Own", "Secret plans too"]
    assert [d.title for d in registry.datasets.all(actor=nora)] == []
    assert {d.title for d in registry.datasets.all(actor=admin)} == {"Own", "Secret plans", "Secret plans too"}
    assert registry.datasets.count_items(actor=vi, dataset_id=secret["plain"].id) == 1  # the secret image: not counted
    assert registry.datasets.count_items(actor=admin, dataset_id=secret["plain"].id) == 2
    assert [d.title for d in registry.items.linked_to(actor=vi, item_id=mine.id)] == ["Secret plans too"]
    assert registry.datasets.get(actor=vi, dataset_id=own.id).title == "Own"


def test_a_synced_datasets_stray_link_shows_it_to_nobody(
    registry: Registry, admin: User, secret: dict[str, Any]
) -> None:
    """A synced dataset holds its folder's files only: a link left for it (below the services) to a file vi sees
    neither shows it to vi nor names it among that file's datasets."""
    from cairn.db.repositories import Repos

    vi = secret["vi"]
    (mine,) = add_images(registry, vi, secret["open"].id, "mine.jpg")
    with registry.db.write() as conn:
        Repos(conn).datasets.add_items(secret["synced"].id, [mine.id], added_by=admin.id)
    assert [d.title for d in registry.datasets.all(actor=vi)] == []
    _same_as_missing(lambda i: registry.datasets.get(actor=vi, dataset_id=i), secret["synced"].id)
    assert registry.items.linked_to(actor=vi, item_id=mine.id) == []


def test_a_dataset_one_cannot_see_answers_as_a_missing_one(registry: Registry, secret: dict[str, Any]) -> None:
    vi, datasets = secret["vi"], registry.datasets
    calls: list[Callable[[int], Any]] = [
        lambda i: datasets.get(actor=vi, dataset_id=i),
        lambda i: datasets.count_items(actor=vi, dataset_id=i),
        lambda i: datasets.items(actor=vi, dataset_id=i),
        lambda i: datasets.update(actor=vi, dataset_id=i, title="x"),
        lambda i: datasets.delete(actor=vi, dataset_id=i),
        lambda i: datasets.sync(actor=vi, dataset_id=i, folder_id=None),
        lambda i: datasets.add_items(actor=vi, dataset_id=i, item_ids=[]),
        lambda i: datasets.remove_items(actor=vi, dataset_id=i, item_ids=[]),
    ]
    for call in calls:
        _same_as_missing(call, secret["synced"].id)
        _same_as_missing(call, secret["plain"].id)


def test_jobs_are_listed_by_the_rule_that_shows_one(
    registry: Registry, admin: User, secret: dict[str, Any], make_user: Callable[[str], User]
) -> None:
    vi, ed = secret["vi"], make_user("ed")
    registry.access.grant(actor=admin, folder_id=secret["project"].id, email=ed.email, role=Role.VIEWER)
    job = secret["job"]
    assert registry.jobs.get(actor=ed, job_id=job.id).id == job.id
    assert [j.id for j in registry.jobs.jobs(actor=ed)] == [job.id]
    assert registry.jobs.jobs(actor=vi) == []
    for call in (
        lambda i: registry.jobs.get(actor=vi, job_id=i),
        lambda i: registry.jobs.errors(actor=vi, job_id=i),
        lambda i: registry.jobs.cancel(actor=vi, job_id=i),
    ):
        _same_as_missing(call, job.id)


def test_an_integration_one_may_not_use_answers_as_a_missing_one(registry: Registry, secret: dict[str, Any]) -> None:
    vi, integrations = secret["vi"], registry.integrations
    for call in (
        lambda i: integrations.get(actor=vi, integration=i),
        lambda i: integrations.update(actor=vi, integration=i, name="x"),
        lambda i: integrations.remove(actor=vi, integration=i),
        lambda i: integrations.check(actor=vi, integration=i),
    ):
        _same_as_missing(call, secret["vault"].id)
    by_name = _error(lambda: integrations.get(actor=vi, integration="vault"))
    unknown = _error(lambda: integrations.get(actor=vi, integration="nothing"))
    assert isinstance(by_name, NotFound)
    assert json.dumps(by_name.to_dict()).replace("vault", "X") == json.dumps(unknown.to_dict()).replace("nothing", "X")
    manifest = io.BytesIO(b'{"images": []}')
    starting = _error(
        lambda: registry.registration.register(
            actor=vi, folder_id=secret["open"].id, integration="vault", manifest=manifest
        )
    )
    assert isinstance(starting, NotFound) and starting.message == by_name.message


def test_the_journal_and_search_show_nothing_hidden(registry: Registry, secret: dict[str, Any]) -> None:
    vi = secret["vi"]
    shown = json.dumps([e.target_label for e in registry.journal.entries(actor=vi)])
    assert not any(s in shown for s in SECRETS), shown
    assert registry.items.search(actor=vi, query=ItemQuery(text="secret")).items == []


def test_a_refusal_does_not_name_a_composite_out_of_sight(
    registry: Registry, admin: User, secret: dict[str, Any]
) -> None:
    vi = secret["vi"]
    group = registry.items.add_composite(
        actor=admin,
        folder_id=secret["project"].id,
        kind=ItemKind.IMAGE_GROUP,
        title="SecretProject group",
        members=[image("m.png")],
    )
    [member] = registry.items.members(actor=admin, item_id=group.id)
    registry.access.grant(actor=admin, folder_id=member.folder_id, email=vi.email, role=Role.EDITOR)
    refused = _error(lambda: registry.items.delete(actor=vi, item_ids=[member.id]))
    assert isinstance(refused, Conflict)
    assert "a composite you may not see" in refused.message
    assert "SecretProject" not in json.dumps(refused.to_dict()) and "composite_id" not in refused.details
    assert "SecretProject group" in _error(lambda: registry.items.delete(actor=admin, item_ids=[member.id])).message
