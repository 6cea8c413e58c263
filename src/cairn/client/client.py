"""``Client(url, token)``: the entry point of the SDK."""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from cairn.client._http import Http
from cairn.client.datasets import Datasets
from cairn.client.folders import Folders, item_filters
from cairn.client.integrations import Integrations
from cairn.client.items import Items
from cairn.client.jobs import Jobs, Manifest, Progress, print_progress
from cairn.client.models import Item, Job, JournalEntry, LoginSession, PasswordLink, Token, User, parse
from cairn.client.notifications import NotificationsApi


class Tokens:
    def __init__(self, http: Http) -> None:
        self._http = http

    def list(self) -> builtins.list[Token]:
        return [parse(Token, t) for t in self._http.json("GET", "/tokens")["tokens"]]

    def create(self, name: str, *, expires_in_days: int | None = None, user_id: int | None = None) -> tuple[Token, str]:
        """A new API token and its secret (shown this once)."""
        body = {"name": name, "expires_in_days": expires_in_days, "user_id": user_id}
        data = self._http.json("POST", "/tokens", json=body)
        return parse(Token, data["token"]), str(data["secret"])

    def revoke(self, token_id: int) -> Token:
        """Revoke a token at once; the web UI sessions started with it end too."""
        return parse(Token, self._http.json("DELETE", f"/tokens/{token_id}"))


class Sessions:
    """Your web UI login sessions."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def list(self) -> builtins.list[LoginSession]:
        """Your live sessions, newest first."""
        return [parse(LoginSession, s) for s in self._http.json("GET", "/auth/sessions")["sessions"]]

    def revoke(self, session_id: int) -> None:
        """End one of your sessions at once (another user's is NotFound)."""
        self._http.request("DELETE", f"/auth/sessions/{session_id}")

    def revoke_all(self) -> int:
        """Log out everywhere: end every session of yours; how many were ended. API tokens are left alone."""
        return int(self._http.json("DELETE", "/auth/sessions")["ended"])


class Client:
    """A cairn server, as one API token's user sees it.

    >>> client = Client("http://127.0.0.1:8420", token="cairn_...")
    >>> folder = client.folders.create("Cars")
    >>> job = client.register(folder=folder.id, integration="my-bucket", manifest="manifest.json")
    >>> for item in client.folders.items(folder.id): ...

    Every error response raises the class of :mod:`cairn.errors` the server raised (NotFound, PermissionDenied...).
    """

    def __init__(
        self, url: str, token: str, *, timeout: float = 60.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._http = Http(url, token, timeout=timeout, transport=transport)
        self.folders = Folders(self._http)
        self.items = Items(self._http)
        self.datasets = Datasets(self._http)
        self.integrations = Integrations(self._http)
        self.jobs = Jobs(self._http)
        self.notifications = NotificationsApi(self._http)
        self.tokens = Tokens(self._http)
        self.sessions = Sessions(self._http)

    @property
    def url(self) -> str:
        return self._http.url

    def me(self) -> User:
        return parse(User, self._http.json("GET", "/users/me"))

    def users(self) -> builtins.list[User]:
        """Every user of the organization."""
        return [parse(User, u) for u in self._http.json("GET", "/users")["users"]]

    def create_user(self, email: str, *, name: str = "", org_admin: bool = False) -> User:
        """Add a user to the organization (organization admins)."""
        body = {"email": email, "name": name, "org_admin": org_admin}
        return parse(User, self._http.json("POST", "/users", json=body))

    def update_user(
        self, user_id: int, *, name: str | None = None, org_admin: bool | None = None, active: bool | None = None
    ) -> User:
        """Change a user (organization admins); ``active=False`` deactivates the account: it can no longer act."""
        changes = {"name": name, "org_admin": org_admin, "active": active}
        body = {key: value for key, value in changes.items() if value is not None}
        return parse(User, self._http.json("PATCH", f"/users/{user_id}", json=body))

    def invite_user(self, email: str, *, name: str = "", org_admin: bool = False) -> PasswordLink:
        """Invite someone (organization admins): the user is added if needed; the link sets their password."""
        body = {"email": email, "name": name, "org_admin": org_admin}
        return parse(PasswordLink, self._http.json("POST", "/users/invitations", json=body))

    def reset_password(self, user_id: int) -> PasswordLink:
        """Reset a user's password (organization admins): it stops working, their web sessions end, and the
        link sets a new one. Their API tokens are left alone."""
        return parse(PasswordLink, self._http.json("POST", f"/users/{user_id}/password-reset"))

    def change_password(self, current_password: str, new_password: str) -> None:
        """Change your own password (12 to 1,024 characters, not your email); your web sessions end."""
        body = {"current_password": current_password, "new_password": new_password}
        self._http.request("POST", "/users/me/password", json=body)

    def search(self, text: str | None = None, *, folder: int | None = None, **filters: Any) -> Iterator[Item]:
        """Every file you may see that matches (every page, lazily), newest first unless ``sort`` says; filters as
        in ``folders.items``."""
        params = {**item_filters(text=text, **filters), "folder_id": folder}
        return self._http.pages("/search", params, "items", lambda d: parse(Item, d))

    def journal(
        self,
        *,
        folder: int | None = None,
        target_type: str | None = None,
        target_id: int | None = None,
        action: str | None = None,
        page_size: int = 100,
    ) -> Iterator[JournalEntry]:
        """Who did what, newest first (every page, lazily)."""
        params: dict[str, Any] = {
            "folder_id": folder,
            "target_type": target_type,
            "target_id": target_id,
            "action": action,
            "limit": page_size,
        }
        while True:
            page = self._http.json("GET", "/journal", params=params)
            yield from (parse(JournalEntry, e) for e in page["entries"])
            if page.get("next_before_id") is None:
                return
            params["before_id"] = page["next_before_id"]

    def register(
        self,
        *,
        folder: int,
        integration: int | str,
        manifest: Manifest,
        wait: bool = True,
        timeout: float | None = None,
        progress: Progress | None = print_progress,
        **options: bool,
    ) -> Job:
        """Start a registration job and (by default) wait for it, reporting progress; returns the final Job."""
        job = self.jobs.start(folder=folder, integration=integration, manifest=manifest, **options)
        return self.jobs.wait(job.id, timeout=timeout, progress=progress) if wait else job

    def reencode(
        self,
        items: Sequence[int] = (),
        *,
        folder: int | None = None,
        dataset: int | None = None,
        mode: str = "auto",
        height: int | None = None,
        fps: str | None = None,
        destination: str | None = None,
        wait: bool = False,
        timeout: float | None = None,
        progress: Progress | None = print_progress,
    ) -> Job:
        """Start re-encoding videos (``items``, or a ``folder``'s or a ``dataset``'s): one new item per video fixed
        (``mode`` auto, full, or resize to ``height`` at ``fps``); returns the Job (final with ``wait``).

        ``destination``: ``"bucket"`` (next to each original; refused at once when its integration cannot write
        there), ``"managed"`` (cairn's storage), or None: the bucket when writable, else managed. The job's
        ``params["results_in"]`` says which was used."""
        body = {"item_ids": list(items), "folder_id": folder, "dataset_id": dataset, "mode": mode}
        extra = {"height": height, "fps": fps, "destination": destination}
        body |= {k: v for k, v in extra.items() if v is not None}
        job = parse(Job, self._http.json("POST", "/reencode", json=body))
        return self.jobs.wait(job.id, timeout=timeout, progress=progress) if wait else job

    def sequence_video(
        self,
        items: Sequence[int],
        *,
        fps: str | None = None,
        destination: str | None = None,
        wait: bool = False,
        timeout: float | None = None,
        progress: Progress | None = print_progress,
    ) -> Job:
        """Build (or build again) the videos of image sequences: each image one frame, in order, sized as the first
        image; returns the Job (final with ``wait``). Registration and upload start this job by themselves.

        ``destination``: ``"bucket"`` (next to the first image; refused at once when its integration cannot write
        there), ``"managed"`` (cairn's storage), or None: the bucket when writable, else managed."""
        extra = {"fps": fps, "destination": destination}
        body: dict[str, object] = {"item_ids": list(items)} | {k: v for k, v in extra.items() if v is not None}
        job = parse(Job, self._http.json("POST", "/sequence-videos", json=body))
        return self.jobs.wait(job.id, timeout=timeout, progress=progress) if wait else job

    def export_frames(
        self,
        item: int,
        *,
        start: int = 0,
        stop: int | None = None,
        every: int = 1,
        key_frames: bool = False,
        client_metadata_key_frames: bool = False,
        image_format: str = "png",
        group_as: str | None = None,
        destination: str = "managed",
        wait: bool = False,
        timeout: float | None = None,
        progress: Progress | None = print_progress,
    ) -> Job:
        """Start exporting video ``item``'s frames on the server as image items (``frame_000042.png`` is frame 42
        of its frame map) in a sub-folder ``<title>_frames``; ``group_as`` ``"group"`` or ``"sequence"`` registers
        them as an image group or sequence; ``destination`` ``"bucket"`` writes the images next to the video in its
        bucket (a prefix ``<stem>_frames/``) instead of managed storage. Returns the Job (final with ``wait``)."""
        body: dict[str, object] = {"start": start, "stop": stop, "every": every, "key_frames": key_frames}
        body |= {"client_metadata_key_frames": client_metadata_key_frames, "format": image_format, "as": group_as}
        body["destination"] = destination
        job = parse(Job, self._http.json("POST", f"/items/{int(item)}/frame-export", json=body))
        return self.jobs.wait(job.id, timeout=timeout, progress=progress) if wait else job

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
