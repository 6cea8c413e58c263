"""Notifications and the event stream over HTTP: a real registration started through the API, a real server
(uvicorn on loopback) streaming its progress, and the stream ending when the server shuts down."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from cairn.api.app import create_app
from cairn.api.server import StoppableServer
from cairn.domain.records import User
from cairn.services.registry import Registry
from cairn.settings import Settings
from tests.api.conftest import Headers
from tests.api.helpers import png_bytes

UNITS = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"job_chunk_size": 1})  # one task per unit: several progress events


@pytest.fixture
def server(settings: Settings, registry: Registry) -> Iterator[tuple[str, StoppableServer]]:
    """The app served by uvicorn on a free loopback port, in a thread (its streams run until it shuts down)."""
    app = create_app(settings, registry=registry)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    served = StoppableServer(app, host="127.0.0.1", port=port, log_level="warning")
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not served.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", served
    served.should_exit = True
    thread.join(timeout=20)
    assert not thread.is_alive(), "the server did not stop"


def listen(
    base: str,
    headers: Headers,
    events: list[tuple[str, dict[str, Any]]],
    *,
    until: Callable[[], bool],
    opened: threading.Event,
) -> None:
    """Collect the stream's events until ``until()`` holds, the stream ends, or it stays quiet for 20 s; ``opened``
    is set once the stream has answered."""
    timeout = httpx.Timeout(30.0, read=20.0)
    try:
        with httpx.stream("GET", f"{base}/api/v1/events", headers=headers, timeout=timeout) as response:
            assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
            opened.set()
            kind = ""
            for line in response.iter_lines():
                if line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:"):
                    events.append((kind, json.loads(line[5:])))
                    if until():
                        return
    except httpx.ReadTimeout:
        return


def wait_until(condition: Callable[[], bool], *, seconds: float = 30.0) -> None:
    """Wait for ``condition`` (a loaded machine may be slow to poll); the assertions after it say what was missed."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def start_registration(client: TestClient, registry: Registry, admin: User, alice: User, headers: Headers) -> int:
    root = registry.settings.data_dir / "disk"
    root.mkdir(parents=True, exist_ok=True)
    for n in range(UNITS):
        (root / f"{n}.png").write_bytes(png_bytes())
    registry.integrations.add(actor=admin, name="disk", provider="local", root=str(root), shared=True)
    folder = registry.folders.create(actor=alice, name="F")
    manifest = {"images": [{"objectUrl": (root / f"{n}.png").as_uri()} for n in range(UNITS)]}
    body = {"folder_id": folder.id, "integration": "disk", "manifest": manifest}
    response = client.post("/api/v1/jobs", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_a_registrations_events_arrive_in_order_end_with_its_final_state_and_reach_only_who_may_see_it(
    *,
    server: tuple[str, StoppableServer],
    client: TestClient,
    registry: Registry,
    admin: User,
    make_user: Callable[[str], User],
    token_for: Callable[[User], Headers],
) -> None:
    base, _ = server
    alice, nora = make_user("alice"), make_user("nora")
    seen: dict[str, list[tuple[str, dict[str, Any]]]] = {"alice": [], "nora": []}
    done = threading.Event()
    opened = {name: threading.Event() for name in seen}
    listeners = [
        threading.Thread(
            target=listen,
            args=(base, token_for(user), seen[name]),
            kwargs={"until": done.is_set, "opened": opened[name]},
            daemon=True,  # nora's quiet stream ends with the server
        )
        for name, user in (("alice", alice), ("nora", nora))
    ]
    for listener in listeners:
        listener.start()
    assert all(event.wait(20) for event in opened.values())
    job_id = start_registration(client, registry, admin, alice, token_for(alice))

    def alice_saw(revision: int) -> bool:
        return any(
            kind == "job" and data["id"] == job_id and data["revision"] == revision for kind, data in seen["alice"]
        )

    for seq in range(UNITS + 1):  # the scan, then one task per unit; each commit is an event of its own
        revision = registry.jobs.get(actor=admin, job_id=job_id).revision
        wait_until(lambda: alice_saw(revision))  # noqa: B023 (called at once)
        assert registry.jobs.run_task(job_id=job_id, seq=seq) is not None
    wait_until(lambda: any(kind == "notification" for kind, _ in seen["alice"]))
    done.set()

    jobs = [data for kind, data in seen["alice"] if kind == "job" and data["id"] == job_id]
    assert [j["revision"] for j in jobs] == sorted({j["revision"] for j in jobs})  # in order, none twice
    checking = [j for j in jobs if j["status"] == "validating"]
    assert checking and jobs[: len(checking)] == checking  # validating first, then registering
    pending = [j["units_pending"] for j in jobs[len(checking) :]]
    assert pending == sorted(pending, reverse=True) and pending[0] == UNITS
    assert len(jobs) >= UNITS + 1
    assert (jobs[-1]["status"], jobs[-1]["units_done"], jobs[-1]["items_created"]) == ("done", UNITS, UNITS)
    assert all(j["status"] != "done" for j in jobs[:-1])  # the final state is the job's last event
    notes = [data for kind, data in seen["alice"] if kind == "notification"]
    assert [(n["job_id"], n["outcome"], n["is_read"]) for n in notes] == [(job_id, "done", False)]
    assert seen["nora"] == []  # no role on the folder: nothing of the job, no notification


def test_notifications_page_count_unread_and_mark_read(
    *,
    client: TestClient,
    registry: Registry,
    admin: User,
    make_user: Callable[[str], User],
    token_for: Callable[[User], Headers],
) -> None:
    alice, nora = make_user("alice"), make_user("nora")
    alice_h, nora_h = token_for(alice), token_for(nora)
    jobs = [start_registration(client, registry, admin, alice, alice_h)]
    for seq in range(UNITS + 1):  # the scan, then one task per unit
        registry.jobs.run_task(job_id=jobs[0], seq=seq)
    listing = client.get("/api/v1/notifications", headers=alice_h).json()
    [note] = listing["notifications"]
    assert (listing["unread"], note["job_id"], note["outcome"], listing["next_before_id"]) == (1, jobs[0], "done", None)
    assert "Registration of 'request body' done" in note["message"]
    hidden = client.post(f"/api/v1/notifications/{note['id']}/read", headers=nora_h)
    missing = client.post(f"/api/v1/notifications/{note['id'] + 1000}/read", headers=nora_h)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["message"].replace(str(note["id"]), "N") == missing.json()["message"].replace(
        str(note["id"] + 1000), "N"
    )
    assert client.get("/api/v1/notifications", headers=nora_h).json() == {
        "notifications": [],
        "unread": 0,
        "next_before_id": None,
    }
    read = client.post(f"/api/v1/notifications/{note['id']}/read", headers=alice_h).json()
    assert read["is_read"] and read["read_at"]
    assert client.get("/api/v1/notifications?unread_only=true", headers=alice_h).json()["unread"] == 0
    assert client.post("/api/v1/notifications/read", headers=alice_h).json() == {"count": 0}


def test_the_stream_sends_heartbeats_and_ends_when_the_server_shuts_down(
    *, server: tuple[str, StoppableServer], admin_headers: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cairn.api.routes import events

    monkeypatch.setattr(events, "HEARTBEAT_SECONDS", 0.2)
    base, served = server
    lines: list[str] = []
    ended = threading.Event()

    def read() -> None:
        with httpx.stream("GET", f"{base}/api/v1/events", headers=admin_headers, timeout=30) as response:
            lines.extend(response.iter_lines())
        ended.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 20  # a loaded machine may take a while to send the first heartbeat
    while ": keep-alive" not in lines and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ": keep-alive" in lines
    served.should_exit = True
    assert ended.wait(10), "the stream did not end when the server shut down"


@pytest.mark.parametrize("withdrawn", ["token revoked", "session ended"])
def test_the_stream_ends_when_its_token_or_session_is_withdrawn(
    *,
    server: tuple[str, StoppableServer],
    registry: Registry,
    make_user: Callable[[str], User],
    withdrawn: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cairn.api.routes import events

    monkeypatch.setattr(events, "RECHECK_SECONDS", 0.2)
    base, _ = server
    alice = make_user("alice")
    made = registry.auth.create_token(actor=alice, name="stream")
    if withdrawn == "token revoked":
        headers: Headers = {"Authorization": f"Bearer {made.secret}"}
        cookies: dict[str, str] = {}
    else:
        login = registry.auth.start_session(token=made.secret)
        headers, cookies = {}, {"cairn_session": login.secret}
    opened, ended = threading.Event(), threading.Event()

    def read() -> None:
        with (
            httpx.Client(cookies=cookies, timeout=30) as http,
            http.stream("GET", f"{base}/api/v1/events", headers=headers) as response,
        ):
            assert response.status_code == 200
            opened.set()
            for _ in response.iter_lines():
                pass
        ended.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert opened.wait(10)
    time.sleep(1.0)
    assert not ended.is_set()  # a valid credential keeps its stream open
    if withdrawn == "token revoked":
        registry.auth.revoke_token(actor=alice, token_id=made.token.id)
    else:
        registry.auth.revoke_sessions(actor=alice)
    assert ended.wait(10), f"the stream went on after its {withdrawn}"
