"""Members folders: the sub-folder made for the member files of a composite (image group, image sequence, DICOM
series) belongs to it. It keeps the name it was given, holds those members only (no sub-folder, no other file, no
synced dataset) and moves only with its composite; its members move only with it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cairn.db.repositories import Repos
from cairn.domain import names
from cairn.domain.kinds import ItemKind
from cairn.domain.records import Folder, Item, User
from cairn.errors import Conflict


def refuse_members_folder(repos: Repos, folder: Folder, *, doing: str, why: str) -> None:
    """Raise Conflict when ``folder`` is a members folder: ``doing`` says what was asked, ``why`` why it cannot be."""
    if not folder.is_members_folder:
        return
    raise Conflict(
        f"cannot {doing}: folder {folder.name!r} {_holds(repos, folder)}: {why}",
        details={"folder_id": folder.id},
    )


def refuse_moving_members(repos: Repos, item_ids: Sequence[int]) -> None:
    """A composite's member file moves only with its composite (inside its members folder)."""
    for member_id, _, _ in repos.items.composites_using(item_ids):
        member = repos.items.get(member_id)
        title = member.title if member else str(member_id)
        raise Conflict(
            f"cannot move {title!r}: it is a member of a composite (image group, image sequence or DICOM series) "
            "and moves only with it, inside its members folder; move the composite instead",
            details={"item_id": member_id},
        )


def carry_members_folders(repos: Repos, actor: User, composites: Sequence[Item], target: Folder) -> None:
    """Move the members folders of ``composites`` (which are moving to ``target``) under ``target`` with them.

    A folder there already named like one keeps its name; the members folder takes the next free one, "name (2)"...
    """
    moving = {c.id for c in composites}
    for folder in members_folders_of(repos, composites):
        others = {c for f, c in repos.items.composites_with_members_in([folder.id]) if c not in moving}
        if others:
            raise Conflict(
                f"cannot move: folder {folder.name!r} also holds members of other composites, which stay; "
                "move those with it",
                details={"folder_id": folder.id},
            )
        name = free_folder_name(repos, target.id, folder.name)
        named = repos.folders.update(folder, name=name) if name != folder.name else folder
        moved = repos.folders.move(named, target)
        details: dict[str, Any] = {"from": folder.parent_id, "to": target.id, "with_composite": True}
        if name != folder.name:
            details["renamed_from"] = folder.name
        repos.journal.record_folder(actor=actor, action="folder.move", folder=moved, details=details)


def release_members_folders(repos: Repos, actor: User, folders: Sequence[Folder]) -> None:
    """After their composites were deleted: a members folder left empty goes too; one that still holds files (members
    kept on purpose) becomes an ordinary folder. One still used by another composite stays as it is."""
    still_used = {f for f, _ in repos.items.composites_with_members_in([f.id for f in folders])}
    for folder in folders:
        if folder.id in still_used:
            continue
        if repos.items.count_in_folder(folder.id) == 0 and not repos.folders.children(folder.id):
            repos.folders.delete(folder)
            repos.journal.record_folder(
                actor=actor,
                action="folder.delete",
                folder=folder,
                details={"parent_id": folder.parent_id, "with_composite": True},
            )
        else:
            repos.folders.update(folder, kind="folder")
            repos.journal.record_folder(
                actor=actor,
                action="folder.update",
                folder=folder,
                details={"changed": ["kind"], "composite_deleted": True},
            )


def free_folder_name(repos: Repos, parent_id: int, wanted: str) -> str:
    """``wanted`` if no sub-folder of ``parent_id`` has that name, else the first free "wanted (n)", n >= 2."""
    base = names.folder_name(wanted)
    name, n = base, 1
    while repos.folders.child_named(parent_id, name) is not None:
        n += 1
        name = f"{base[:290]} ({n})"
    return name


def members_folders_of(repos: Repos, composites: Sequence[Item]) -> list[Folder]:
    """The members folders, in the composites' own folders, that hold members of ``composites``."""
    folder_ids = {m.folder_id for c in composites for m in repos.items.members(c.id)}
    homes = {c.folder_id for c in composites}
    found = repos.folders.get_many(sorted(folder_ids))
    return [f for f in found.values() if f.is_members_folder and f.parent_id in homes]


def _holds(repos: Repos, folder: Folder) -> str:
    """What a members folder holds, for messages: the kind of its composite, not its title (the composite lives in
    the parent folder, which the caller may not see)."""
    composite_ids = sorted({c for _, c in repos.items.composites_with_members_in([folder.id])})
    composite = repos.items.get(composite_ids[0]) if composite_ids else None
    if composite is None:
        return "was made for the members of a composite"
    return f"holds the members of {_A_COMPOSITE.get(composite.kind, 'a composite')}"


_A_COMPOSITE = {
    ItemKind.IMAGE_GROUP: "an image group",
    ItemKind.IMAGE_SEQUENCE: "an image sequence",
    ItemKind.DICOM_SERIES: "a DICOM series",
}
