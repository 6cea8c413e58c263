"""The Python SDK against a real uvicorn server: the issue's scenario on the S3-compatible test server, errors as
the same exception tree the services raise, iterators over pages, tokens, uploads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cairn import errors
from cairn.client import Client, Item
from cairn.client.models import Job
from tests.api.helpers import png_bytes
from tests.client.conftest import LiveServer
from tests.fixtures.storage_servers import StorageServer


def test_scenario_register_list_dataset_search_view_delete(live_server: LiveServer, moto_server: StorageServer) -> None:
    bucket = moto_server.fresh()
    images = {f"cam/{n}.png": png_bytes(8 + n, 6) for n in range(3)}
    urls = [bucket.put(key, data, content_type="image/png") for key, data in images.items()]
    config = bucket.config
    progress: list[Job] = []
    with Client(live_server.url, live_server.token) as client:
        integration = client.integrations.create(
            "moto",
            provider="s3_compatible",
            bucket=config.bucket,
            region=config.region,
            endpoint=config.endpoint,
            credentials=dict(config.credentials),
        )
        assert client.integrations.check(integration.id).ok
        folder = client.folders.create("Cameras", description="from the SDK")
        manifest = {"images": [{"objectUrl": url, "clientMetadata": {"n": i}} for i, url in enumerate(urls)]}
        plan = client.jobs.dry_run(folder=folder.id, integration="moto", manifest=manifest)
        assert plan.units == 3
        job = client.register(
            folder=folder.id, integration="moto", manifest=manifest, timeout=60, progress=progress.append
        )
        assert (job.status, job.units_done, job.items_created) == ("done", 3, 3), list(client.jobs.errors(job.id))
        assert progress and progress[-1].is_final
        items = list(client.folders.items(folder.id, page_size=2))
        assert [i.title for i in items] == ["0.png", "1.png", "2.png"]
        assert items[1].media.file_size == len(images["cam/1.png"]) and items[1].client_metadata == {"n": 1}
        dataset = client.datasets.create("Training")
        assert client.datasets.add_items(dataset.id, [i.id for i in items]) == 3
        assert [d.title for d in client.items.datasets(items[0].id)] == ["Training"]
        exported = json.loads(client.folders.export(folder.id))
        assert sorted(i["objectUrl"] for i in exported["images"]) == sorted(urls)
        found = list(client.search("1.png"))
        assert [i.id for i in found] == [items[1].id]
        view = client.items.view_url(items[1].id)
        assert view.method == "presigned" and view.expires_at is not None
        data = images["cam/1.png"]
        assert client.items.read(items[1].id) == data
        assert client.items.read(items[1].id, start=4, end=12) == data[4:12]
        assert client.items.delete([items[1].id]) == 1
        with pytest.raises(errors.NotFound):
            client.items.get(items[1].id)
        left = [i.id for i in client.datasets.items(dataset.id)]
        assert left == [items[0].id, items[2].id]
        journal = [e.action for e in client.journal(folder=folder.id, page_size=2)]
        assert journal[0] == "item.delete" and journal[-1] == "folder.create" and "registration.start" in journal


def test_http_errors_become_the_service_exception_tree(live_server: LiveServer, tmp_path: Path) -> None:
    with Client(live_server.url, live_server.token) as client:
        with pytest.raises(errors.NotFound) as missing:
            client.folders.get(4242)
        assert missing.value.details == {"folder_id": 4242} and missing.value.status == 404  # type: ignore[attr-defined]
        client.folders.create("Once")
        with pytest.raises(errors.AlreadyExists):
            client.folders.create("Once")
        with pytest.raises(errors.InvalidInput) as invalid:
            client.folders.create("")
        assert invalid.value.details["problems"][0]["location"] == "body/name"
        other = live_server.registry.users.create(actor=live_server.admin, email="o@example.com")
        other_token = live_server.registry.auth.create_token(actor=other, name="o").secret
        folder = client.folders.create("Private")
        with Client(live_server.url, other_token) as stranger, pytest.raises(errors.NotFound):
            stranger.folders.get(folder.id)
        client.integrations.create("disk", provider="local", root=str(tmp_path))
        bad = {"images": [{"title": "no url"}]}
        with pytest.raises(errors.ManifestError) as manifest:
            client.jobs.dry_run(folder=folder.id, integration="disk", manifest=bad)  # the scan, in the request
        assert manifest.value.problems and manifest.value.problems[0].location
    with Client(live_server.url, "cairn_wrong") as anonymous, pytest.raises(errors.AuthenticationRequired):
        anonymous.me()
    with Client("http://127.0.0.1:9", live_server.token, timeout=2) as nowhere, pytest.raises(errors.CairnError):
        nowhere.me()


def test_tokens_uploads_and_pages(live_server: LiveServer, tmp_path: Path) -> None:
    with Client(live_server.url, live_server.token) as client:
        token, secret = client.tokens.create("second")
        with Client(live_server.url, secret) as second:
            assert second.me().email == "admin@localhost"
            client.tokens.revoke(token.id)
            with pytest.raises(errors.AuthenticationRequired):
                second.me()
        assert {t.name for t in client.tokens.list()} == {"sdk tests", "second"}
        folder = client.folders.create("Local")
        paths = []
        for n in range(5):
            path = tmp_path / f"p{n}.png"
            path.write_bytes(png_bytes(5 + n, 5))
            paths.append(path)
        uploaded = client.folders.upload(folder.id, paths, client_metadata={"by": "sdk"})
        assert [i.managed for i in uploaded] == [True] * 5
        pages: list[Item] = list(client.folders.items(folder.id, page_size=2, sort="name", desc=True))
        assert [i.title for i in pages] == [f"p{n}.png" for n in reversed(range(5))]
        assert client.items.read(uploaded[0].id, start=0, end=8) == paths[0].read_bytes()[:8]
        [group] = client.folders.upload(folder.id, paths[:2], batch="image_group", title="pair")
        assert [c.title for c in client.items.children(group.id)] == ["p0.png", "p1.png"]
        assert client.folders.summary(folder.id).files == 8


def test_users_are_added_changed_and_deactivated(live_server: LiveServer) -> None:
    with Client(live_server.url, live_server.token) as client:
        vera = client.create_user("vera@example.com", name="Vera")
        _, secret = client.tokens.create("vera's", user_id=vera.id)
        with Client(live_server.url, secret) as as_vera:
            assert as_vera.me().email == "vera@example.com"
            with pytest.raises(errors.PermissionDenied):
                as_vera.update_user(vera.id, org_admin=True)
            off = client.update_user(vera.id, name="Vera R.", active=False)
            assert (off.name, off.is_active, off.is_org_admin) == ("Vera R.", False, False)
            with pytest.raises(errors.AuthenticationRequired, match="revoked"):  # deactivating revoked her tokens
                as_vera.me()
            client.update_user(vera.id, active=True)
            with pytest.raises(errors.AuthenticationRequired, match="revoked"):  # and they stay revoked
                as_vera.me()
        _, fresh = client.tokens.create("vera's new", user_id=vera.id)
        with Client(live_server.url, fresh) as as_vera:
            assert as_vera.me().name == "Vera R."
        me = client.me()
        with pytest.raises(errors.Conflict, match="last active organization admin"):
            client.update_user(me.id, org_admin=False)
        assert [u.email for u in client.users()] == ["admin@localhost", "vera@example.com"]


def test_sessions_are_listed_and_ended(live_server: LiveServer) -> None:
    registry = live_server.registry
    web = registry.auth.create_token(actor=live_server.admin, name="web")
    first = registry.auth.start_session(token=web.secret, user_agent="Firefox/133.0")
    second = registry.auth.start_session(token=web.secret)
    with Client(live_server.url, live_server.token) as client:
        listed = client.sessions.list()
        assert [(s.id, s.token_name, s.current) for s in listed] == [
            (second.session.id, "web", False),
            (first.session.id, "web", False),
        ]
        assert listed[1].user_agent == "Firefox/133.0" and listed[1].expires_at > listed[1].created_at
        client.sessions.revoke(first.session.id)
        assert [s.id for s in client.sessions.list()] == [second.session.id]
        with pytest.raises(errors.NotFound):
            client.sessions.revoke(10**9)
        assert client.sessions.revoke_all() == 1
        assert client.sessions.list() == []
        client.tokens.revoke(web.token.id)  # a token revoked: its (already ended) sessions stay ended
        assert client.me().email == "admin@localhost"


def test_invitations_resets_and_password_changes(live_server: LiveServer) -> None:
    registry = live_server.registry
    with Client(live_server.url, live_server.token) as client:
        invited = client.invite_user("vera@example.com", name="Vera")
        assert invited.url.startswith(f"{live_server.url}/#/accept?token=") and invited.purpose == "invite"
        assert invited.user.email == "vera@example.com" and invited.expires_at.tzinfo is not None
        started = registry.passwords.accept(token=invited.url.split("token=")[1], password="the first password")
        vera_token = registry.auth.create_token(actor=registry.users.get(user_id=invited.user.id), name="v").secret
        with Client(live_server.url, vera_token) as as_vera:
            assert [(s.token_id, s.token_name) for s in as_vera.sessions.list()] == [(None, None)]
            with pytest.raises(errors.PermissionDenied, match="current password is wrong"):
                as_vera.change_password("not it at all", "the second password")
            with pytest.raises(errors.InvalidInput, match="too short"):
                as_vera.change_password("the first password", "short")
            as_vera.change_password("the first password", "the second password")
            assert as_vera.sessions.list() == []  # the session of the invitation ended
            with pytest.raises(errors.PermissionDenied):
                as_vera.reset_password(live_server.admin.id)
        with pytest.raises(errors.AuthenticationRequired):
            registry.auth.session_user(session=started.secret, changes_state=False)

        reset = client.reset_password(invited.user.id)
        assert reset.purpose == "reset" and reset.user.id == invited.user.id
        registry.passwords.accept(token=reset.url.split("token=")[1], password="the third password")
        assert registry.passwords.log_in(email="vera@example.com", password="the third password").session.user_id
        with pytest.raises(errors.Conflict, match="already has a password"):
            client.invite_user("vera@example.com")


def test_register_a_manifest_file_waits_through_validating_and_reports_located_problems(
    live_server: LiveServer, tmp_path: Path
) -> None:
    """The SDK uploads a manifest file (streamed) and waits: the job starts ``validating``; a strict job with a
    URL outside its integration ends ``error`` with the problem's location on the job, nothing registered."""
    root = tmp_path / "disk"
    root.mkdir()
    (root / "a.png").write_bytes(png_bytes(8, 6))
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps({"images": [{"objectUrl": "a.png"}, {"objectUrl": "s3://elsewhere/b.png"}]}))
    with Client(live_server.url, live_server.token) as client:
        client.integrations.create("disk", provider="local", root=str(root))
        folder = client.folders.create("Files")
        started = client.register(folder=folder.id, integration="disk", manifest=manifest, wait=False)
        assert (started.status, started.units_total, started.title) == ("validating", 0, "m.json")
        seen: list[Job] = []
        job = client.jobs.wait(started.id, poll=0.2, progress=seen.append)
        assert (job.status, job.items_created) == ("error", 0)
        assert [(p["location"], p["field"]) for p in job.summary["problems"]] == [("/images/1", "objectUrl")]
        assert list(client.folders.items(folder.id)) == []
        again = client.register(folder=folder.id, integration="disk", manifest=manifest, ignore_errors=True)
        assert (again.status, again.units_total, again.items_created) == ("done", 1, 1)
