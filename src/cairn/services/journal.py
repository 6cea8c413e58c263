"""The journal: every change, with who made it and when ("who deleted this file?")."""

from __future__ import annotations

from cairn.domain.access import Action
from cairn.domain.records import JournalEntry, User
from cairn.services._base import Service, get_folder, require


class JournalService(Service):
    def entries(
        self,
        *,
        actor: User,
        folder_id: int | None = None,
        target_type: str | None = None,
        target_id: int | None = None,
        action: str | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[JournalEntry]:
        """Newest first. Organization admins see everything; others see what happened in folders they may read."""
        with self._read() as repos:
            folder_ids: list[int] | None = None
            if folder_id is not None:
                folder = get_folder(repos, folder_id)
                require(repos, actor, folder, Action.READ)
                folder_ids = [f.id for f in repos.folders.subtree(folder)]
            elif not actor.is_org_admin:
                folder_ids = repos.folders.ids_under(repos.access.granted_paths(actor.id))
            return repos.journal.entries(
                target_type=target_type,
                target_id=target_id,
                action=action,
                folder_ids=folder_ids,
                before_id=before_id,
                limit=min(max(limit, 1), 1000),
            )
