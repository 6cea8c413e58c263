"""The move rule: a move never raises anyone's role on what moves, nor hides it from those who oversaw it, beyond
what the mover could do by managing access.

Something that moves (a folder with its subtree, or files) stops inheriting the grants of the folders it leaves and
starts inheriting those of the folders it enters. When that changes anyone's effective role on it, the mover needs
the admin role over the highest folder it leaves (``move_scope``; over the moved folder, or the files' folder, when
it leaves none): an admin there could have granted or revoked those roles anyway. A move that changes no one's role
needs only the editor role on both sides (checked by the callers). Organization admins may move anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from cairn.db.repositories import Repos
from cairn.domain.access import Role, move_scope, roles_changed_by_move
from cairn.domain.records import Folder, User
from cairn.errors import PermissionDenied
from cairn.services._base import effective_role, get_folder


def require_move(repos: Repos, actor: User, *, what: str, before: Sequence[int], after: Sequence[int]) -> None:
    """Raise PermissionDenied unless ``actor`` may make a move that changes the inherited folders of ``what`` from
    ``before`` to ``after`` (folder ids from the top level down, the moved folder itself included)."""
    if list(before) == list(after):
        return
    grants = repos.access.roles_on_folders(sorted(set(before) | set(after)))
    changed = roles_changed_by_move(grants, before=before, after=after)
    if not changed:
        return
    scope = get_folder(repos, move_scope(before=before, after=after))
    role = effective_role(repos, actor, scope)
    if role is Role.ADMIN:
        return
    raise PermissionDenied(
        f"{actor.email} may not move {what}: the move would change who may see or change it "
        f"({len(changed)} user(s) would gain or lose a role), which needs the admin role on folder "
        f"{_label(scope, role)} ({f'has {role.value}' if role else 'has no role there'})",
        details={"folder_id": scope.id, "needed_role": Role.ADMIN.value, "role": role.value if role else None},
    )


def _label(folder: Folder, role: Role | None) -> str:
    """A folder's name for a message, or only its id when the actor has no role on it (names are not revealed)."""
    return repr(folder.name) if role is not None else str(folder.id)
