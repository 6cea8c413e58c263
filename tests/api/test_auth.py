"""API tokens (create, list, revoke; hashed; shown once) and web login sessions (cookie + CSRF)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cairn.db.auth_schema import api_tokens, login_sessions
from cairn.domain.auth import secret_hash
from cairn.domain.records import User
from cairn.services.registry import Registry
from tests.api.conftest import Headers, bearer


def test_a_token_is_shown_once_and_stored_only_as_a_hash(
    client: TestClient, registry: Registry, admin_headers: Headers
) -> None:
    made = client.post("/api/v1/tokens", json={"name": "laptop", "expires_in_days": 30}, headers=admin_headers)
    assert made.status_code == 201, made.text
    secret = made.json()["secret"]
    assert secret.startswith("cairn_") and len(secret) > 40
    assert made.json()["token"]["prefix"] == secret[:12]
    with registry.db.read() as conn:
        rows = conn.execute(sa.select(api_tokens)).all()
    stored = {row.token_hash for row in rows}
    assert secret_hash(secret) in stored
    assert all(secret not in str(tuple(row)) for row in rows)
    listed = client.get("/api/v1/tokens", headers=admin_headers).json()["tokens"]
    assert {t["name"] for t in listed} == {"laptop", "test"}
    assert all("secret" not in t and "token_hash" not in t for t in listed)
    me = client.get("/api/v1/users/me", headers=bearer(secret)).json()
    assert me["email"] == "admin@localhost"


def test_a_revoked_token_stops_working_at_once(client: TestClient, admin_headers: Headers) -> None:
    made = client.post("/api/v1/tokens", json={"name": "ci"}, headers=admin_headers).json()
    headers = bearer(made["secret"])
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200
    revoked = client.delete(f"/api/v1/tokens/{made['token']['id']}", headers=admin_headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    refused = client.get("/api/v1/users/me", headers=headers)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["message"]
    assert client.get("/api/v1/users/me", headers=bearer("cairn_not-a-token")).status_code == 401
    assert client.get("/api/v1/users/me", headers={"Authorization": "Basic YTpi"}).status_code == 401


def test_users_manage_only_their_own_tokens(
    client: TestClient, make_user: Callable[[str], User], token_for: Callable[[User], Headers], admin: User
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    alice_headers, bob_headers = token_for(alice), token_for(bob)
    alice_token = client.get("/api/v1/tokens", headers=alice_headers).json()["tokens"][0]
    assert client.delete(f"/api/v1/tokens/{alice_token['id']}", headers=bob_headers).status_code == 404
    assert client.get(f"/api/v1/tokens?user_id={alice.id}", headers=bob_headers).status_code == 403
    assert client.get("/api/v1/tokens?all_users=true", headers=bob_headers).status_code == 403
    for_bob = client.post("/api/v1/tokens", json={"name": "x", "user_id": alice.id}, headers=bob_headers)
    assert for_bob.status_code == 403
    admin_headers = token_for(admin)
    made = client.post("/api/v1/tokens", json={"name": "for alice", "user_id": alice.id}, headers=admin_headers)
    assert made.status_code == 201 and made.json()["token"]["user_id"] == alice.id
    everyone = client.get("/api/v1/tokens?all_users=true", headers=admin_headers).json()["tokens"]
    assert {t["user_id"] for t in everyone} == {alice.id, bob.id, admin.id}


def test_an_expired_token_is_refused(client: TestClient, registry: Registry, admin_headers: Headers) -> None:
    made = client.post("/api/v1/tokens", json={"name": "short", "expires_in_days": 1}, headers=admin_headers).json()
    with registry.db.write() as conn:
        past = (
            sa.func.datetime("now", "-1 day") if conn.dialect.name == "sqlite" else sa.text("now() - interval '1 day'")
        )
        conn.execute(api_tokens.update().where(api_tokens.c.id == made["token"]["id"]).values(expires_at=past))
    refused = client.get("/api/v1/users/me", headers=bearer(made["secret"]))
    assert refused.status_code == 401 and "expired" in refused.json()["message"]


def test_a_session_needs_the_csrf_token_to_change_anything(
    client: TestClient, registry: Registry, admin_headers: Headers
) -> None:
    secret = admin_headers["Authorization"].removeprefix("Bearer ")
    login = client.post("/api/v1/auth/session", json={"token": secret})
    assert login.status_code == 201, login.text
    csrf = login.json()["csrf_token"]
    assert "httponly" in login.headers["set-cookie"].lower()
    assert client.cookies.get("cairn_session") and client.cookies.get("cairn_csrf") == csrf
    assert client.get("/api/v1/users/me").json()["email"] == "admin@localhost"
    forged = client.post("/api/v1/folders", json={"name": "Forged"})
    assert forged.status_code == 403 and "CSRF" in forged.json()["message"]
    wrong = client.post("/api/v1/folders", json={"name": "Forged"}, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    assert client.get("/api/v1/folders").json()["folders"] == []
    made = client.post("/api/v1/folders", json={"name": "Real"}, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201
    with registry.db.read() as conn:
        rows = conn.execute(sa.select(login_sessions)).all()
    assert len(rows) == 1 and client.cookies.get("cairn_session") not in str(tuple(rows[0]))
    assert client.delete("/api/v1/auth/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/users/me").status_code == 401


def test_a_stale_session_cookie_is_refused(client: TestClient) -> None:
    client.cookies.set("cairn_session", "made-up")
    refused = client.get("/api/v1/users/me")
    assert refused.status_code == 401 and "session" in refused.json()["message"]


def test_logging_in_needs_a_valid_token(client: TestClient) -> None:
    refused = client.post("/api/v1/auth/session", json={"token": "cairn_wrong"})
    assert refused.status_code == 401
    assert "cairn_session" not in refused.headers.get("set-cookie", "")


def test_the_first_run_says_how_to_log_in_with_a_working_token(
    client: TestClient, registry: Registry, admin: User
) -> None:
    login = registry.auth.first_run_login(admin=admin, base_url="http://127.0.0.1:8420/")
    text = "\n".join(login.lines)
    assert login.token.secret in text and "http://127.0.0.1:8420/docs" in text
    assert client.get("/api/v1/users/me", headers=bearer(login.token.secret)).json()["id"] == admin.id


def test_a_deactivated_account_loses_its_session_and_cannot_log_in(
    client: TestClient, registry: Registry, admin_headers: Headers
) -> None:
    vera = client.post("/api/v1/users", json={"email": "vera@example.com"}, headers=admin_headers).json()
    made = client.post("/api/v1/tokens", json={"name": "web", "user_id": vera["id"]}, headers=admin_headers).json()
    assert client.post("/api/v1/auth/session", json={"token": made["secret"]}).status_code == 201
    assert client.get("/api/v1/users/me").json()["email"] == "vera@example.com"  # by the session cookie

    off = client.patch(f"/api/v1/users/{vera['id']}", json={"active": False}, headers=admin_headers)
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert client.get("/api/v1/users/me").status_code == 401  # the session is refused at once
    client.cookies.clear()
    assert client.post("/api/v1/auth/session", json={"token": made["secret"]}).status_code == 401
    admin_id = client.get("/api/v1/users/me", headers=admin_headers).json()["id"]
    last = client.patch(f"/api/v1/users/{admin_id}", json={"org_admin": False}, headers=admin_headers)
    assert last.status_code == 409 and "last active organization admin" in last.json()["message"]


def _log_in(client: TestClient, secret: str, user_agent: str = "testclient") -> str:
    """Log ``client`` in with an API token; the CSRF token of the new session."""
    login = client.post("/api/v1/auth/session", json={"token": secret}, headers={"User-Agent": user_agent})
    assert login.status_code == 201, login.text
    csrf: str = login.json()["csrf_token"]
    return csrf


def test_a_session_is_refused_right_after_its_token_is_revoked(client: TestClient, admin_headers: Headers) -> None:
    made = client.post("/api/v1/tokens", json={"name": "web"}, headers=admin_headers).json()
    _log_in(client, made["secret"])
    assert client.get("/api/v1/users/me").status_code == 200
    assert client.delete(f"/api/v1/tokens/{made['token']['id']}", headers=admin_headers).status_code == 200
    refused = client.get("/api/v1/users/me")
    assert refused.status_code == 401
    assert "log in again" in refused.json()["message"]


def test_users_list_their_sessions_and_see_which_is_the_current_one(
    app: FastAPI, client: TestClient, make_user: Callable[[str], User], token_for: Callable[[User], Headers]
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    alice_headers = token_for(alice)
    secret = alice_headers["Authorization"].removeprefix("Bearer ")
    with TestClient(app) as phone:
        _log_in(phone, secret, user_agent="Phone/1.0")
    _log_in(client, secret, user_agent="Firefox/133.0")
    with TestClient(app) as bobs:
        _log_in(bobs, token_for(bob)["Authorization"].removeprefix("Bearer "))

    listed = client.get("/api/v1/auth/sessions").json()["sessions"]
    assert [(s["user_agent"], s["current"]) for s in listed] == [("Firefox/133.0", True), ("Phone/1.0", False)]
    token = client.get("/api/v1/tokens", headers=alice_headers).json()["tokens"][0]
    assert all(s["token_id"] == token["id"] and s["token_name"] == "test" for s in listed)
    assert set(listed[0]) == {
        "id", "created_at", "last_used_at", "expires_at", "token_id", "token_name", "user_agent", "current"
    }  # fmt: skip
    by_token = client.get("/api/v1/auth/sessions", headers=alice_headers).json()["sessions"]
    assert [s["current"] for s in by_token] == [False, False]  # a request made with a token has no session


def test_a_user_ends_one_session_and_another_users_session_is_not_found(
    app: FastAPI, client: TestClient, make_user: Callable[[str], User], token_for: Callable[[User], Headers]
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    alice_headers, bob_headers = token_for(alice), token_for(bob)
    with TestClient(app) as phone:
        _log_in(phone, alice_headers["Authorization"].removeprefix("Bearer "))
        [phone_session] = client.get("/api/v1/auth/sessions", headers=alice_headers).json()["sessions"]
        path = f"/api/v1/auth/sessions/{phone_session['id']}"

        hidden = client.delete(path, headers=bob_headers)
        assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
        assert phone.get("/api/v1/users/me").status_code == 200
        assert client.delete(path, headers=alice_headers).status_code == 204
        assert phone.get("/api/v1/users/me").status_code == 401
    assert client.get("/api/v1/auth/sessions", headers=alice_headers).json()["sessions"] == []
    assert client.delete("/api/v1/auth/sessions/0", headers=alice_headers).status_code == 422


def test_log_out_everywhere_optionally_keeps_the_current_session(
    app: FastAPI, client: TestClient, admin_headers: Headers
) -> None:
    secret = admin_headers["Authorization"].removeprefix("Bearer ")
    with TestClient(app) as phone:
        _log_in(phone, secret)
        csrf = _log_in(client, secret)
        kept = client.delete("/api/v1/auth/sessions?keep_current=true", headers={"X-CSRF-Token": csrf})
        assert kept.status_code == 200 and kept.json() == {"ended": 1}
        assert phone.get("/api/v1/users/me").status_code == 401
        assert client.get("/api/v1/users/me").status_code == 200

        everywhere = client.delete("/api/v1/auth/sessions", headers={"X-CSRF-Token": csrf})
        assert everywhere.status_code == 200 and everywhere.json() == {"ended": 1}
        assert "cairn_session" in everywhere.headers.get("set-cookie", "")  # the ended cookie is cleared
    assert client.get("/api/v1/users/me").status_code == 401
    assert client.get("/api/v1/users/me", headers=admin_headers).status_code == 200  # tokens are left alone


def test_ending_sessions_with_a_session_needs_the_csrf_token(client: TestClient, admin_headers: Headers) -> None:
    _log_in(client, admin_headers["Authorization"].removeprefix("Bearer "))
    forged = client.delete("/api/v1/auth/sessions")
    assert forged.status_code == 403 and "CSRF" in forged.json()["message"]
    assert client.get("/api/v1/users/me").status_code == 200
