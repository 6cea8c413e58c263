"""The permission matrix: every route x every kind of caller ⇒ the expected status; a denied call changes nothing.

Callers: organization admin, folder admin (alice, admin of F), editor and viewer of F, a user with no role, no
token, a revoked token. Rules come from the services (roles on folders; datasets belong to their owner); this test
only checks that the API applies them everywhere. A route with no case here fails the test.

A second dimension, "cannot learn it exists": every route is called again by every caller but the org admin with
each object of F replaced by its counterpart in the org admin's folder G (out of their reach), and with an id that
names nothing; the two answers must be the same (status and body, ids aside), and no answer may name anything of G.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cairn.api.app import create_app
from cairn.services.registry import Registry
from cairn.settings import Settings
from tests.api.helpers import png_bytes
from tests.api.routes import PUBLIC, all_routes, streams_end_at_once
from tests.api.world import ACTORS, MISSING, SECRET_NAMES, World, build_world, restore, snapshot

ANY = frozenset({"org_admin", "folder_admin", "editor", "viewer", "no_role"})
READ = frozenset({"org_admin", "folder_admin", "editor", "viewer"})
WRITE = frozenset({"org_admin", "folder_admin", "editor"})
MANAGE = frozenset({"org_admin", "folder_admin"})
OWNER = frozenset({"org_admin", "folder_admin"})  # alice owns the dataset
ORG = frozenset({"org_admin"})
IN_F = frozenset({"no_role"})  # the callers for whom F and what is in it are out of reach: they get 404
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Case:
    method: str
    template: str  # the route as in OpenAPI
    path: str  # the concrete request path
    allowed: frozenset[str]
    ok: int = 200
    denied: int = 403
    hidden: frozenset[str] = IN_F  # callers who may not see the object: 404, as for a missing id
    body: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    form: dict[str, str] | None = None  # multipart form fields (with ``files``)
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None


def cases(w: World) -> list[Case]:
    f, s, i, ds = w.folder, w.sub, w.item, w.dataset
    vi = w.emails["viewer"]
    return [
        Case("GET", "/api/v1/users/me", "/api/v1/users/me", ANY),
        Case("GET", "/api/v1/users", "/api/v1/users", MANAGE, hidden=NOBODY),
        Case("POST", "/api/v1/users", "/api/v1/users", ORG, 201, body={"email": "new@example.com"}, hidden=NOBODY),
        Case(
            "PATCH",
            "/api/v1/users/{user_id}",
            f"/api/v1/users/{w.nora}",
            ORG,
            body={"name": "N", "active": False},
            hidden=NOBODY,
        ),
        Case(
            "POST",
            "/api/v1/users/invitations",
            "/api/v1/users/invitations",
            ORG,
            201,
            body={"email": "invited@example.com"},
            hidden=NOBODY,
        ),
        Case(
            "POST",
            "/api/v1/users/{user_id}/password-reset",
            f"/api/v1/users/{w.nora}/password-reset",
            ORG,
            201,
            hidden=NOBODY,
        ),
        # nobody of the world has a password yet: every caller is refused, as for a wrong current password
        Case(
            "POST",
            "/api/v1/users/me/password",
            "/api/v1/users/me/password",
            NOBODY,
            204,
            body={"current_password": "not the one", "new_password": "a brand new password"},
            hidden=NOBODY,
        ),
        Case("GET", "/api/v1/tokens", "/api/v1/tokens", ANY),
        Case("POST", "/api/v1/tokens", "/api/v1/tokens", ANY, 201, body={"name": "t"}),
        Case("DELETE", "/api/v1/tokens/{token_id}", f"/api/v1/tokens/{w.admin_token_id}", ORG, denied=404),
        Case("DELETE", "/api/v1/auth/session", "/api/v1/auth/session", ANY, 204),
        Case("GET", "/api/v1/auth/sessions", "/api/v1/auth/sessions", ANY),
        Case("DELETE", "/api/v1/auth/sessions", "/api/v1/auth/sessions", ANY),
        Case(
            "DELETE",
            "/api/v1/auth/sessions/{session_id}",
            f"/api/v1/auth/sessions/{w.admin_session}",
            ORG,  # the org admin's own session: anyone else's is not found, whoever asks
            204,
            denied=404,
        ),
        Case("GET", "/api/v1/folders", "/api/v1/folders", ANY),
        Case("POST", "/api/v1/folders", "/api/v1/folders", WRITE, 201, body={"name": "N", "parent_id": f}),
        Case("GET", "/api/v1/folders/tree", "/api/v1/folders/tree", READ, params={"root_id": f}),
        Case("GET", "/api/v1/folders/by-path", "/api/v1/folders/by-path", READ, params={"path": "F/S"}),
        Case("GET", "/api/v1/folders/{folder_id}", f"/api/v1/folders/{f}", READ),
        Case("PATCH", "/api/v1/folders/{folder_id}", f"/api/v1/folders/{f}", WRITE, body={"description": "x"}),
        Case("DELETE", "/api/v1/folders/{folder_id}", f"/api/v1/folders/{s}", WRITE),
        Case("POST", "/api/v1/folders/{folder_id}/move", f"/api/v1/folders/{s}/move", MANAGE, body={"parent_id": None}),
        Case("GET", "/api/v1/folders/{folder_id}/summary", f"/api/v1/folders/{f}/summary", READ),
        Case("GET", "/api/v1/folders/{folder_id}/items", f"/api/v1/folders/{f}/items", READ),
        Case("GET", "/api/v1/folders/{folder_id}/export", f"/api/v1/folders/{f}/export", READ),
        Case("GET", "/api/v1/folders/{folder_id}/access", f"/api/v1/folders/{f}/access", READ),
        Case(
            "POST",
            "/api/v1/folders/{folder_id}/access",
            f"/api/v1/folders/{f}/access",
            MANAGE,
            201,
            body={"email": w.emails["no_role"], "role": "viewer"},
        ),
        Case(
            "PUT",
            "/api/v1/folders/{folder_id}/access/{email}",
            f"/api/v1/folders/{f}/access/{vi}",
            MANAGE,
            body={"role": "editor"},
        ),
        Case("DELETE", "/api/v1/folders/{folder_id}/access/{email}", f"/api/v1/folders/{f}/access/{vi}", MANAGE, 204),
        Case("GET", "/api/v1/items/{item_id}", f"/api/v1/items/{i}", READ),
        Case("PATCH", "/api/v1/items/{item_id}", f"/api/v1/items/{i}", WRITE, body={"title": "renamed.jpg"}),
        Case("DELETE", "/api/v1/items/{item_id}", f"/api/v1/items/{w.spare}", WRITE),
        Case("POST", "/api/v1/items/move", "/api/v1/items/move", WRITE, body={"item_ids": [i], "folder_id": s}),
        Case("POST", "/api/v1/items/delete", "/api/v1/items/delete", WRITE, body={"item_ids": [w.spare]}),
        Case("GET", "/api/v1/items/{item_id}/children", f"/api/v1/items/{w.group}/children", READ),
        Case("GET", "/api/v1/items/{item_id}/used-by", f"/api/v1/items/{i}/used-by", READ),
        Case("GET", "/api/v1/items/{item_id}/datasets", f"/api/v1/items/{i}/datasets", READ),
        Case("GET", "/api/v1/datasets", "/api/v1/datasets", ANY),
        Case("POST", "/api/v1/datasets", "/api/v1/datasets", ANY, 201, body={"title": "Mine"}),
        Case("GET", "/api/v1/datasets/{dataset_id}", f"/api/v1/datasets/{ds}", READ),  # D holds an item of F
        Case("PATCH", "/api/v1/datasets/{dataset_id}", f"/api/v1/datasets/{ds}", OWNER, body={"title": "T"}),
        Case("DELETE", "/api/v1/datasets/{dataset_id}", f"/api/v1/datasets/{ds}", OWNER, 204),
        Case("POST", "/api/v1/datasets/{dataset_id}/sync", f"/api/v1/datasets/{ds}/sync", OWNER, body={"folder_id": f}),
        Case("GET", "/api/v1/datasets/{dataset_id}/items", f"/api/v1/datasets/{ds}/items", READ),
        Case(
            "POST",
            "/api/v1/datasets/{dataset_id}/items",
            f"/api/v1/datasets/{ds}/items",
            OWNER,
            body={"item_ids": [w.spare]},
        ),
        Case(
            "POST",
            "/api/v1/datasets/{dataset_id}/items/remove",
            f"/api/v1/datasets/{ds}/items/remove",
            OWNER,
            body={"item_ids": [i]},
        ),
        Case(
            "POST", "/api/v1/folders/{folder_id}/upload", f"/api/v1/folders/{f}/upload", WRITE, 201, files=_png("files")
        ),
        Case("GET", "/api/v1/items/{item_id}/view", f"/api/v1/items/{w.upload}/view", READ),
        Case("GET", "/api/v1/items/{item_id}/content", f"/api/v1/items/{w.upload}/content", READ),
        Case("GET", "/api/v1/items/{item_id}/inspection", f"/api/v1/items/{w.upload}/inspection", READ),
        Case("POST", "/api/v1/items/{item_id}/inspect", f"/api/v1/items/{w.upload}/inspect", WRITE),
        Case("GET", "/api/v1/items/{item_id}/frame-map", f"/api/v1/items/{w.upload}/frame-map", READ, 422),
        # no job consumer here: 202, the thumbnail is queued (not made within the wait)
        Case("GET", "/api/v1/items/{item_id}/thumbnail", f"/api/v1/items/{w.upload}/thumbnail", READ, ok=202),
        # an image: no plan, no job (422), and no remap (404: not made by a re-encode)
        Case("GET", "/api/v1/items/{item_id}/reencode-plan", f"/api/v1/items/{w.upload}/reencode-plan", READ, 422),
        Case("POST", "/api/v1/reencode", "/api/v1/reencode", WRITE, 422, body={"item_ids": [w.upload]}),
        Case("GET", "/api/v1/items/{item_id}/frame-remap", f"/api/v1/items/{w.upload}/frame-remap", READ, 404),
        Case("GET", "/api/v1/items/{item_id}/reencodes", f"/api/v1/items/{w.upload}/reencodes", READ),
        # an image: not an image sequence (422) once the actor may edit its folder
        Case("POST", "/api/v1/sequence-videos", "/api/v1/sequence-videos", WRITE, 422, body={"item_ids": [w.upload]}),
        # an image: editors get 422 (it has no frames), the others no further than the permission check
        Case(
            "POST",
            "/api/v1/items/{item_id}/frame-export",
            f"/api/v1/items/{w.upload}/frame-export",
            WRITE,
            422,
            body={},
        ),
        *integration_cases(w),
        *job_cases(w),
        Case("GET", "/api/v1/search", "/api/v1/search", ANY, params={"text": "item"}),
        Case("GET", "/api/v1/journal", "/api/v1/journal", READ, params={"folder_id": f}),
    ]


def _png(field_name: str) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [(field_name, ("p.png", png_bytes(), "image/png"))]


def integration_cases(w: World) -> list[Case]:
    path = f"/api/v1/integrations/{w.integration}"
    template = "/api/v1/integrations/{integration_id}"
    keys = {"access_key_id": "AKIAEXAMPLE", "secret_access_key": "example-secret"}
    # Organization admins set integrations up (they decide where and as whom the server connects); everyone uses
    # the shared ones (tests/registration/test_integrations.py).
    cloud = {"name": "mine", "provider": "s3", "bucket": "my-bucket", "region": "us-east-1", "credentials": keys}
    return [
        Case("GET", "/api/v1/integrations", "/api/v1/integrations", ANY),
        Case("POST", "/api/v1/integrations", "/api/v1/integrations", ORG, 201, body=cloud, hidden=NOBODY),
        Case("GET", template, path, ANY),  # shared: everyone may use it
        Case("PATCH", template, path, ORG, body={"name": "renamed"}, hidden=NOBODY),
        Case("DELETE", template, path, ORG, 409, hidden=NOBODY),  # allowed, but alice's unfinished job still uses it
        Case("POST", f"{template}/check", f"{path}/check", ANY, body={}),
    ]


def job_cases(w: World) -> list[Case]:
    manifest = {"images": [{"objectUrl": Path(w.root, "a.png").as_uri()}]}
    body = {"folder_id": w.folder, "integration": "disk", "manifest": manifest}
    form = {"folder_id": str(w.folder), "integration": "disk"}
    csv = [("file", ("m.csv", f"ObjectUrl\n{Path(w.root, 'a.png').as_uri()}\n".encode(), "text/csv"))]
    job = f"/api/v1/jobs/{w.job}"
    return [
        Case("GET", "/api/v1/jobs", "/api/v1/jobs", ANY),
        Case("POST", "/api/v1/jobs", "/api/v1/jobs", WRITE, 201, body=body),
        Case("POST", "/api/v1/jobs/upload", "/api/v1/jobs/upload", WRITE, 201, form=form, files=csv),
        Case("POST", "/api/v1/jobs/dry-run", "/api/v1/jobs/dry-run", WRITE, body=body),
        Case("POST", "/api/v1/jobs/dry-run/upload", "/api/v1/jobs/dry-run/upload", WRITE, form=form, files=csv),
        Case("GET", "/api/v1/jobs/{job_id}", job, READ),
        Case("GET", "/api/v1/jobs/{job_id}/errors", f"{job}/errors", READ),
        Case("GET", "/api/v1/jobs/{job_id}/errors.csv", f"{job}/errors.csv", READ),
        Case("POST", "/api/v1/jobs/{job_id}/cancel", f"{job}/cancel", WRITE),
        Case("GET", "/api/v1/notifications", "/api/v1/notifications", ANY),
        Case("POST", "/api/v1/notifications/read", "/api/v1/notifications/read", ANY),
        Case(
            "POST",
            "/api/v1/notifications/{notification_id}/read",
            f"/api/v1/notifications/{w.notification}/read",
            frozenset({"folder_admin"}),  # alice's own: anyone else's is not found, whoever asks
            denied=404,
        ),
        Case("GET", "/api/v1/events", "/api/v1/events", ANY),
    ]


KNOWN_GAPS: dict[tuple[str, str], str] = {}  # (method, route) -> why the expected status is not met yet


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    return build_world(tmp_path_factory.mktemp("world"))


@dataclass
class Harness:
    client: TestClient
    registry: Registry
    template: Path
    db_file: Path

    def reset(self) -> None:
        restore(self.template, self.db_file, self.registry.db)


@pytest.fixture(scope="module")
def harness(world: tuple[Path, World], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    template, _ = world
    directory = tmp_path_factory.mktemp("matrix")
    db_file = directory / "cairn.db"
    # The world's data directory holds the uploaded file and the local integration's files.
    settings = Settings(data_dir=template.parent / "data", database_url=f"sqlite:///{db_file}")
    restore(template, db_file, _NoDatabase())
    registry = Registry(settings)
    with TestClient(
        streams_end_at_once(create_app(settings, registry=registry)), raise_server_exceptions=False
    ) as client:
        yield Harness(client, registry, template, db_file)
    registry.close()


class _NoDatabase:
    def dispose(self) -> None:
        pass


def _headers(world: World, actor: str) -> dict[str, str]:
    token = world.tokens[actor]
    return {"Authorization": f"Bearer {token}"} if token else {}


def _call(harness: Harness, world: World, case: Case, actor: str) -> Any:
    headers = _headers(world, actor)
    if case.files is not None:
        return harness.client.request(case.method, case.path, headers=headers, data=case.form, files=case.files)
    return harness.client.request(case.method, case.path, headers=headers, json=case.body, params=case.params)


def _expected(case: Case, actor: str) -> int:
    if actor in {"no_token", "revoked"}:
        return 401
    if actor in case.allowed:
        return case.ok
    return 404 if actor in case.hidden else case.denied


def _gap_mark(method: str, template: str) -> list[pytest.MarkDecorator]:
    reason = KNOWN_GAPS.get((method, template))
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


def test_every_route_has_a_case(harness: Harness, world: tuple[Path, World]) -> None:
    covered = {(c.method, c.template) for c in cases(world[1])}
    routes = set(all_routes(harness.client.app)) - PUBLIC  # type: ignore[arg-type]
    assert routes - covered == set(), "routes without a permission case"
    assert covered - routes == set(), "cases of routes that do not exist"


_PLACEHOLDER = World({}, {"viewer": "v@x", "no_role": "n@x"}, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, "/", 10, 11, {})
_CASE_KEYS = [
    pytest.param(c.method, c.template, id=f"{c.method} {c.template}", marks=_gap_mark(c.method, c.template))
    for c in cases(_PLACEHOLDER)
]


@pytest.mark.parametrize(("method", "template"), _CASE_KEYS)
def test_route_permissions(harness: Harness, world: tuple[Path, World], method: str, template: str) -> None:
    w = world[1]
    case = next(c for c in cases(w) if (c.method, c.template) == (method, template))
    harness.reset()
    before = snapshot(harness.registry.db)
    got: dict[str, int] = {}
    for actor in sorted(ACTORS, key=lambda a: a in case.allowed):  # denied callers first, on the pristine state
        if actor in case.allowed:
            harness.reset()
        response = _call(harness, w, case, actor)
        got[actor] = response.status_code
        if response.status_code >= 400:
            assert response.json()["status"] == response.status_code
            assert snapshot(harness.registry.db) == before, f"{actor} was denied {method} {template} but changed state"
    assert got == {actor: _expected(case, actor) for actor in ACTORS}


REACHING = ("folder_admin", "editor", "viewer", "no_role")  # callers with an account, none an org admin


def _case(w: World, method: str, template: str) -> Case:
    return next(c for c in cases(w) if (c.method, c.template) == (method, template))


def _normal(response: Any, ids: set[int]) -> str:
    """The response (status and body) with the given ids written ``ID``: the only way two 404s may differ."""
    text = f"{response.status_code} {response.text}"
    return re.sub("|".join(rf"\b{i}\b" for i in sorted(ids, reverse=True)), "ID", text) if ids else text


@pytest.mark.parametrize(("method", "template"), _CASE_KEYS)
def test_what_is_out_of_reach_answers_as_missing(
    harness: Harness, world: tuple[Path, World], method: str, template: str
) -> None:
    w = world[1]
    hidden, missing = _case(w.out_of_reach(), method, template), _case(w.missing(), method, template)
    ids = {*w.secret.values(), MISSING}
    differs = (hidden.path, hidden.params, hidden.body) != (missing.path, missing.params, missing.body)
    harness.reset()
    for actor in REACHING:
        seen = _call(harness, w, hidden, actor)
        if seen.status_code < 400:
            harness.reset()
        leaked = [name for name in SECRET_NAMES if name in seen.text]
        assert leaked == [], f"{actor}: {method} {template} names {leaked}"
        if differs:
            absent = _call(harness, w, missing, actor)
            assert seen.status_code == 404, f"{actor}: {method} {template} answered {seen.status_code}: {seen.text}"
            assert _normal(seen, ids) == _normal(absent, ids), f"{actor}: {method} {template}"


def test_a_path_out_of_reach_answers_as_a_missing_one(harness: Harness, world: tuple[Path, World]) -> None:
    w = world[1]
    for actor in REACHING:
        answers = []
        for names in (("SecretG", "SecretSub"), ("NoSuchG", "NoSuchSub")):
            response = harness.client.get(
                "/api/v1/folders/by-path", params={"path": "/".join(names)}, headers=_headers(w, actor)
            )
            assert response.status_code == 404, f"{actor}: {response.text}"
            answers.append(response.text.replace(names[0], "TOP").replace(names[1], "SUB"))
        assert answers[0] == answers[1], actor
