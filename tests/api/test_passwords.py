"""Signing in with email and password over the API: the same contract as token sign-in, one 401, throttling,
invitations and resets by organization admins, password changes under CSRF."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from cairn.domain.records import User
from tests.api.conftest import Headers

PASSWORD = "correct horse battery"


def _token_of(url: str) -> str:
    parts = urlsplit(url)
    assert parts.fragment.startswith("/accept?token=")
    return parse_qs(parts.fragment.split("?", 1)[1])["token"][0]


def _invite(client: TestClient, headers: Headers, email: str) -> dict:
    made = client.post("/api/v1/users/invitations", json={"email": email, "name": "Vera"}, headers=headers)
    assert made.status_code == 201, made.text
    return made.json()


def _cookie_attributes(response) -> list[tuple[str, frozenset[str]]]:
    """Each cookie set: its name and attributes (values that differ per session left out)."""
    found = []
    for header in response.headers.get_list("set-cookie"):
        name, *attributes = [part.strip() for part in header.split(";")]
        kept = {a.lower() for a in attributes if not a.lower().startswith(("expires=", "max-age="))}
        found.append((name.split("=")[0], frozenset(kept)))
    return sorted(found)


def test_password_sign_in_answers_as_token_sign_in_and_csrf_still_guards_changes(
    client: TestClient, admin_headers: Headers
) -> None:
    invitation = _invite(client, admin_headers, "vera@example.com")
    assert invitation["url"].startswith("http://testserver/#/accept?token=")
    assert invitation["purpose"] == "invite" and invitation["user"]["email"] == "vera@example.com"
    accepted = client.post("/api/v1/auth/accept", json={"token": _token_of(invitation["url"]), "password": PASSWORD})
    assert accepted.status_code == 201, accepted.text
    client.cookies.clear()

    by_password = client.post("/api/v1/auth/login", json={"email": "vera@example.com", "password": PASSWORD})
    assert by_password.status_code == 201, by_password.text
    password_cookies = _cookie_attributes(by_password)
    client.cookies.clear()
    secret = admin_headers["Authorization"].removeprefix("Bearer ")
    by_token = client.post("/api/v1/auth/session", json={"token": secret})
    assert by_password.json().keys() == by_token.json().keys() == accepted.json().keys()
    assert password_cookies == _cookie_attributes(by_token) == _cookie_attributes(accepted)
    assert by_password.json()["user"]["email"] == "vera@example.com"

    client.cookies.clear()
    csrf = client.post("/api/v1/auth/login", json={"email": "vera@example.com", "password": PASSWORD}).json()
    forged = client.post("/api/v1/folders", json={"name": "Forged"})
    assert forged.status_code == 403 and "CSRF" in forged.json()["message"]
    made = client.post("/api/v1/folders", json={"name": "Real"}, headers={"X-CSRF-Token": csrf["csrf_token"]})
    assert made.status_code == 201
    listed = client.get("/api/v1/auth/sessions").json()["sessions"]
    assert [s["token_id"] for s in listed if s["current"]] == [None]


def test_a_wrong_email_or_password_or_a_deactivated_account_get_the_same_401(
    client: TestClient, admin_headers: Headers
) -> None:
    vera = _invite(client, admin_headers, "vera@example.com")
    client.post("/api/v1/auth/accept", json={"token": _token_of(vera["url"]), "password": PASSWORD})
    otto = _invite(client, admin_headers, "otto@example.com")
    client.post("/api/v1/auth/accept", json={"token": _token_of(otto["url"]), "password": PASSWORD})
    client.patch(f"/api/v1/users/{otto['user']['id']}", json={"active": False}, headers=admin_headers)
    client.cookies.clear()
    answers = []
    for email, password in [
        ("vera@example.com", "wrong password!"),
        ("nobody@example.com", PASSWORD),
        ("otto@example.com", PASSWORD),
    ]:
        refused = client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert "cairn_session" not in refused.headers.get("set-cookie", "")
        answers.append((refused.status_code, refused.text))
    one = '{"status":401,"code":"unauthenticated","message":"wrong email or password","details":{}}'
    assert answers == [(401, one)] * 3


def test_repeated_failures_are_answered_429_with_retry_after(client: TestClient) -> None:
    for _ in range(10):
        assert client.post("/api/v1/auth/login", json={"email": "x@example.com", "password": "p"}).status_code == 401
    throttled = client.post("/api/v1/auth/login", json={"email": "x@example.com", "password": "p"})
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "too_many_attempts"
    assert 0 < int(throttled.headers["Retry-After"]) <= 900
    assert throttled.json()["details"]["retry_after_seconds"] == int(throttled.headers["Retry-After"])


def test_only_organization_admins_invite_or_reset_and_others_learn_nothing(
    client: TestClient, make_user: Callable[[str], User], token_for: Callable[[User], Headers], admin: User
) -> None:
    viewer = token_for(make_user("viewer"))
    answers = set()
    for email in ("admin@localhost", "nobody@example.com"):
        refused = client.post("/api/v1/users/invitations", json={"email": email}, headers=viewer)
        answers.add((refused.status_code, refused.text))
    for user_id in (admin.id, 999_999):
        refused = client.post(f"/api/v1/users/{user_id}/password-reset", headers=viewer)
        assert refused.status_code == 403 and "only organization admins" in refused.json()["message"]
    assert len(answers) == 1 and answers.pop()[0] == 403


def test_a_reset_link_ends_sessions_and_a_user_changes_their_own_password(
    client: TestClient, admin_headers: Headers
) -> None:
    vera = _invite(client, admin_headers, "vera@example.com")
    client.post("/api/v1/auth/accept", json={"token": _token_of(vera["url"]), "password": PASSWORD})
    assert client.get("/api/v1/users/me").json()["email"] == "vera@example.com"
    reset = client.post(f"/api/v1/users/{vera['user']['id']}/password-reset", headers=admin_headers)
    assert reset.status_code == 201 and reset.json()["purpose"] == "reset"
    assert client.get("/api/v1/users/me").status_code == 401  # the session ended
    started = client.post("/api/v1/auth/accept", json={"token": _token_of(reset.json()["url"]), "password": "short"})
    assert started.status_code == 422 and "too short" in started.json()["message"]
    started = client.post("/api/v1/auth/accept", json={"token": _token_of(reset.json()["url"]), "password": PASSWORD})
    assert started.status_code == 201
    csrf = {"X-CSRF-Token": started.json()["csrf_token"]}

    body = {"current_password": PASSWORD, "new_password": "a brand new password"}
    assert client.post("/api/v1/users/me/password", json=body).status_code == 403  # no CSRF token
    wrong = client.post("/api/v1/users/me/password", json={**body, "current_password": "nope"}, headers=csrf)
    assert wrong.status_code == 403 and "current password is wrong" in wrong.json()["message"]
    assert client.post("/api/v1/users/me/password", json=body, headers=csrf).status_code == 204
    assert client.get("/api/v1/users/me").status_code == 200  # this session goes on
    client.cookies.clear()
    old = client.post("/api/v1/auth/login", json={"email": "vera@example.com", "password": PASSWORD})
    new = client.post("/api/v1/auth/login", json={"email": "vera@example.com", "password": "a brand new password"})
    assert (old.status_code, new.status_code) == (401, 201)
