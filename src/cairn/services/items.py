"""Items (files): add, read, rename, move, delete, browse and search; composites and their members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cairn.db.repositories import Repos
from cairn.domain import names
from cairn.domain.access import Action
from cairn.domain.duplicate_keys import composite_key, url_key
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.listing import ItemQuery
from cairn.domain.records import Dataset, Folder, Item, MediaFields, Page, User
from cairn.errors import Conflict, InvalidInput
from cairn.services._base import (
    Service,
    can_see,
    get_folder,
    item_folder,
    require,
    seen_item,
    target_folder,
    visible_paths,
    writable_items,
)
from cairn.services._members import (
    carry_members_folders,
    free_folder_name,
    members_folders_of,
    refuse_moving_members,
    release_members_folders,
)
from cairn.services._moves import require_move
from cairn.services.managed_files import thumbnail_key


@dataclass(frozen=True)
class NewItem:
    """An item to add: where its bytes are and what is already known about it."""

    kind: ItemKind
    title: str
    object_url: str | None = None
    integration_id: int | None = None
    managed_key: str | None = None
    media: MediaFields = field(default_factory=MediaFields)
    client_metadata: dict[str, Any] = field(default_factory=dict)
    status: ItemStatus = ItemStatus.REGISTERED
    status_reason: str | None = None
    pending_action: str | None = None


def item_row(new: NewItem, *, folder_id: int, owner_id: int | None, key: str | None = None) -> dict[str, Any]:
    """The database row of a new item (used for single adds and by bulk registration alike)."""
    if new.kind.is_composite and new.object_url:
        raise InvalidInput(f"a {new.kind.value} is made of member files and has no object URL of its own")
    url = new.object_url
    return {
        "folder_id": folder_id,
        "kind": new.kind.value,
        "title": names.item_title(new.title),
        "status": new.status.value,
        "status_reason": new.status_reason,
        "integration_id": new.integration_id,
        "object_url": url,
        "url_key": key if key is not None else (url_key(url) if url else None),
        "managed_key": new.managed_key,
        "pending_action": new.pending_action,
        "client_metadata": names.client_metadata(new.client_metadata, max_bytes=None),  # size: checked on input
        "owner_id": owner_id,
        **new.media.as_columns(),
    }


class ItemService(Service):
    # --- adding -----------------------------------------------------------------------------------------------
    def add(self, *, actor: User, folder_id: int | None, items: Sequence[NewItem]) -> list[Item]:
        """Add single-file items to a folder in one transaction. Files can never be placed at the top level."""
        if any(new.kind.is_composite for new in items):
            raise InvalidInput("use add_composite for image groups, image sequences and DICOM series")
        for position, new in enumerate(items):
            self._check_metadata(new.client_metadata, where=f"items[{position}].client_metadata")
        with self._write() as repos:
            folder = target_folder(repos, actor, folder_id)
            rows = [item_row(new, folder_id=folder.id, owner_id=actor.id) for new in items]
            ids = repos.items.insert_many(rows)
            _journal_many(repos, actor, "item.create", folder=folder, ids=ids, titles=[r["title"] for r in rows])
            return repos.items.get_many(ids)

    def add_composite(
        self,
        *,
        actor: User,
        folder_id: int | None,
        kind: ItemKind,
        title: str,
        members: Sequence[NewItem],
        client_metadata: dict[str, Any] | None = None,
        status: ItemStatus = ItemStatus.REGISTERED,
        pending_action: str | None = None,
    ) -> Item:
        """Add an image group, image sequence or DICOM series: its members go into a sub-folder made for them."""
        if not kind.is_composite:
            raise InvalidInput(f"{kind.value} is not a composite kind")
        if not members:
            raise InvalidInput(f"a {kind.value} needs at least one member file")
        self._check_metadata(client_metadata, where="client_metadata")
        with self._write() as repos:
            folder = target_folder(repos, actor, folder_id)
            return add_composite_in(
                repos,
                actor=actor,
                folder=folder,
                new=NewItem(
                    kind=kind,
                    title=title,
                    client_metadata=client_metadata or {},
                    status=status,
                    pending_action=pending_action,
                ),
                members=members,
            )

    def _check_metadata(self, value: dict[str, Any] | None, *, where: str) -> None:
        names.client_metadata(value, where=where, max_bytes=self._max_client_metadata_bytes)

    # --- reading ----------------------------------------------------------------------------------------------
    def get(self, *, actor: User, item_id: int) -> Item:
        with self._read() as repos:
            return item_folder(repos, actor, item_id, Action.READ)[0]

    def members(self, *, actor: User, item_id: int) -> list[Item]:
        """The ordered members of a composite item (frames of a group or sequence, files of a DICOM series)."""
        with self._read() as repos:
            item, _ = item_folder(repos, actor, item_id, Action.READ)
            if not item.kind.is_composite:
                raise InvalidInput(f"item {item_id} is a {item.kind.value}, which has no members")
            return repos.items.members(item_id)

    def used_by(self, *, actor: User, item_id: int) -> list[Item]:
        """The composites that use an item as a member."""
        with self._read() as repos:
            item_folder(repos, actor, item_id, Action.READ)
            ids = [composite_id for _, _, composite_id in repos.items.composites_using([item_id])]
            composites = repos.items.get_many(ids)
            folders = repos.folders.get_many(sorted({c.folder_id for c in composites}))
            return [c for c in composites if can_see(repos, actor, folders[c.folder_id])]

    def linked_to(self, *, actor: User, item_id: int) -> list[Dataset]:
        """The datasets that hold this item (explicitly, or through the dataset synced to its folder).

        Whoever sees the item sees each of them: a dataset is visible to whoever sees something it holds.
        """
        with self._read() as repos:
            item_folder(repos, actor, item_id, Action.READ)
            return repos.datasets.linked_to_item(item_id)

    def browse(self, *, actor: User, query: ItemQuery) -> Page[Item]:
        """A page of a folder's items (``query.folder_id`` required), filtered and sorted, keyset-paginated."""
        if query.folder_id is None:
            raise InvalidInput("listing needs a folder; use search to look through every folder")
        with self._read() as repos:
            require(repos, actor, get_folder(repos, query.folder_id), Action.READ)
            return repos.items.page(query, visible_paths=None)

    def search(self, *, actor: User, query: ItemQuery) -> Page[Item]:
        """Global search over every item the actor may see."""
        with self._read() as repos:
            if query.folder_id is not None:
                require(repos, actor, get_folder(repos, query.folder_id), Action.READ)
            return repos.items.page(query, visible_paths=visible_paths(repos, actor))

    # --- changing ---------------------------------------------------------------------------------------------
    def update(
        self,
        *,
        actor: User,
        item_id: int,
        title: str | None = None,
        client_metadata: dict[str, Any] | None = None,
    ) -> Item:
        values: dict[str, Any] = {}
        if title is not None:
            values["title"] = names.item_title(title)
        if client_metadata is not None:
            values["client_metadata"] = names.client_metadata(
                client_metadata, max_bytes=self._max_client_metadata_bytes
            )
        with self._write() as repos:
            item, folder = item_folder(repos, actor, item_id, Action.WRITE)
            if values:
                repos.items.update(item.id, **values)
                _journal_many(
                    repos,
                    actor,
                    "item.update",
                    folder=folder,
                    ids=[item.id],
                    titles=[item.title],
                    details={"changed": sorted(values)},
                )
            updated = repos.items.get(item.id)
            assert updated is not None
            return updated

    def move(self, *, actor: User, item_ids: Sequence[int], target_folder_id: int) -> list[Item]:
        """Move items to another folder. Leaving a synced folder removes them from its synced dataset only.

        The move rule applies (``services/_moves.py``); a composite takes its members folder along, and a member
        moves only with its composite.
        """
        with self._write() as repos:
            target = target_folder(repos, actor, target_folder_id)
            move_items_in(repos, actor=actor, item_ids=item_ids, target=target)
            return repos.items.get_many(list(dict.fromkeys(item_ids)))

    def delete(self, *, actor: User, item_ids: Sequence[int], remove_unused_members: bool = True) -> int:
        """Delete items (they leave every dataset). A member of a composite cannot be deleted while it exists.

        Deleting a composite also deletes its members that no other composite uses (unless
        ``remove_unused_members`` is false). Returns how many items were deleted.
        """
        with self._write() as repos:
            return delete_items_in(repos, actor=actor, item_ids=item_ids, remove_unused_members=remove_unused_members)


def add_composite_in(
    repos: Repos,
    *,
    actor: User,
    folder: Folder,
    new: NewItem,
    members: Sequence[NewItem],
    key: str | None = None,
    copy_no: int = 0,
) -> Item:
    """Create a composite and its members inside an open transaction (shared with bulk registration).

    ``copy_no`` > 0 makes a further copy of a composite whose key is taken (the unique index guards it).
    """
    members_folder = _members_folder(repos, actor, folder, new.title)
    member_rows = [item_row(m, folder_id=members_folder.id, owner_id=actor.id) for m in members]
    member_ids = repos.items.insert_many(member_rows)
    urls = [m.object_url or m.managed_key or "" for m in members]
    row = item_row(new, folder_id=folder.id, owner_id=actor.id, key=key or composite_key(urls))
    row["copy_no"] = copy_no
    composite_id = repos.items.insert_many([row])[0]
    repos.items.set_members(composite_id, member_ids)
    _journal_many(
        repos,
        actor,
        "item.create",
        folder=folder,
        ids=[composite_id],
        titles=[row["title"]],
        details={"members": len(member_ids)},
    )
    composite = repos.items.get(composite_id)
    assert composite is not None
    return composite


def move_items_in(repos: Repos, *, actor: User, item_ids: Sequence[int], target: Folder) -> list[int]:
    """Move items into ``target`` (already checked writable) inside an open transaction; returns the ids moved
    (items already there stay). Shared with datasets, where adding to a synced dataset moves files into its folder."""
    moving = [(item, source) for item, source in writable_items(repos, actor, item_ids) if source.id != target.id]
    refuse_moving_members(repos, [item.id for item, _ in moving])
    for source in {source.id: source for _, source in moving}.values():
        what = f"files from folder {source.name!r} to folder {target.name!r}"
        require_move(repos, actor, what=what, before=source.ancestor_ids, after=target.ancestor_ids)
    repos.items.move([item.id for item, _ in moving], target.id)
    carry_members_folders(repos, actor, [item for item, _ in moving if item.kind.is_composite], target)
    for item, source in moving:
        repos.journal.record(
            actor=actor,
            action="item.move",
            target_type="item",
            target_id=item.id,
            target_label=item.title,
            folder_id=target.id,
            details={"from_folder_id": source.id, "to_folder_id": target.id},
        )
    return [item.id for item, _ in moving]


def delete_items_in(repos: Repos, *, actor: User, item_ids: Sequence[int], remove_unused_members: bool) -> int:
    doomed = writable_items(repos, actor, item_ids)
    ids = {item.id for item, _ in doomed}
    if remove_unused_members:
        ids |= _unused_members(repos, [item for item, _ in doomed if item.kind.is_composite], ids)
    _refuse_used_members(repos, actor, ids)
    members_folders = members_folders_of(repos, [item for item, _ in doomed if item.kind.is_composite])
    repos.released_files += repos.items.managed_keys(sorted(ids))  # removed from storage after the commit
    repos.released_files += [thumbnail_key(item_id) for item_id in sorted(ids)]  # cached thumbnails too
    for item, folder in doomed:
        repos.journal.record(
            actor=actor,
            action="item.delete",
            target_type="item",
            target_id=item.id,
            target_label=item.title,
            folder_id=folder.id,
            details={"kind": item.kind.value, "object_url": item.object_url},
        )
    deleted = repos.items.delete(sorted(ids))
    release_members_folders(repos, actor, members_folders)  # they follow their composites
    return deleted


def _unused_members(repos: Repos, composites: list[Item], deleting: set[int]) -> set[int]:
    member_ids = {m.id for c in composites for m in repos.items.members(c.id)}
    users = repos.items.composites_using(sorted(member_ids))
    still_used = {member for member, _, composite in users if composite not in deleting}
    return member_ids - still_used


def _refuse_used_members(repos: Repos, actor: User, ids: set[int]) -> None:
    for member_id, composite_title, composite_id in repos.items.composites_using(sorted(ids)):
        if composite_id not in ids:
            member = repos.items.get(member_id)
            named = f"{composite_title!r} (item {composite_id})" if seen_item(repos, actor, composite_id) else None
            raise Conflict(
                f"cannot delete {member.title if member else member_id!r}: it is part of "
                f"{named or 'a composite you may not see'}; delete that first",
                details={"item_id": member_id, **({"composite_id": composite_id} if named else {})},
            )


def _members_folder(repos: Repos, actor: User, parent: Folder, title: str) -> Folder:
    """A new sub-folder for a composite's members, named after it ("title", then "title (2)", ...)."""
    return repos.folders.create(
        parent=parent,
        name=free_folder_name(repos, parent.id, title.replace("/", "_")),
        description=f"Members of {title}",
        client_metadata={},
        created_by=actor.id,
        kind="members",
    )


def _journal_many(
    repos: Repos,
    actor: User,
    action: str,
    *,
    folder: Folder,
    ids: Sequence[int],
    titles: Sequence[str],
    details: dict[str, Any] | None = None,
) -> None:
    for item_id, title in zip(ids, titles, strict=True):
        repos.journal.record(
            actor=actor,
            action=action,
            target_type="item",
            target_id=item_id,
            target_label=title,
            folder_id=folder.id,
            details=details or {},
        )
