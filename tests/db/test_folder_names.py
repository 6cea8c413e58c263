"""The folders repository: the partial unique index ``ix_folders_parent_name``, both dialects.

The services check names first and word the refusal for what the actor may see; the repository's own message
only shows when another request took the name in between, so it names no parent (the actor may not see it).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cairn.db.repositories import Repos
from cairn.domain.records import Folder, User
from cairn.errors import AlreadyExists
from cairn.services.registry import Registry


def _create(registry: Registry, parent: Folder | None, name: str) -> Folder:
    with registry.db.write() as conn:
        repos = Repos(conn)
        return repos.folders.create(parent=parent, name=name, description="", client_metadata={}, created_by=None)


def test_the_database_keeps_siblings_unique_and_names_no_parent(registry: Registry) -> None:
    parent = _create(registry, None, "Hidden parent")
    taken = _create(registry, parent, "Back")
    other = _create(registry, parent, "Front")
    outside = _create(registry, None, "Back")
    expected = "a folder named 'Back' was just made in the same folder"
    calls: list[Callable[[Repos], object]] = [
        lambda repos: repos.folders.create(
            parent=parent, name="Back", description="", client_metadata={}, created_by=None
        ),
        lambda repos: repos.folders.update(other, name="Back"),
        lambda repos: repos.folders.move(outside, parent),
    ]
    for call in calls:
        with pytest.raises(AlreadyExists) as refused, registry.db.write() as conn:
            call(Repos(conn))
        assert refused.value.message == expected
        assert "Hidden parent" not in str(refused.value.to_dict())
    assert taken.id != other.id


def test_the_database_lets_top_level_folders_share_a_name(registry: Registry, admin: User) -> None:
    first, second = _create(registry, None, "Same"), _create(registry, None, "Same")
    assert first.id != second.id
    assert [f.name for f in registry.folders.children(actor=admin)] == ["Same", "Same"]
