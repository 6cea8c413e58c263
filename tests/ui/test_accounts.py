"""Passwords in the web UI: the first run's link, signing in with email and password, inviting someone (who
accepts in a browser of their own), your account (password, sessions, API tokens) and the People page."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.ui.conftest import Api, serious_violations, sign_in, sign_in_with_password

GOOD = "correct horse battery staple"


def choose_password(page: Any, password: str, again: str | None = None) -> None:
    page.get_by_label("New password").fill(password)
    page.get_by_label("Repeat the password").fill(password if again is None else again)
    page.get_by_role("button", name="Set password and sign in").click()


def test_the_first_run_link_sets_the_password_then_email_and_password_sign_in(page: Any, server: Api) -> None:
    page.goto(server.first_run_link)
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    assert serious_violations(page) == []
    choose_password(page, "short", again="shorter")
    expect(page.get_by_role("alert")).to_contain_text("differ")
    choose_password(page, "short")
    expect(page.get_by_role("alert")).to_contain_text("12")  # the API's rule, as it says it
    expect(page.get_by_label("New password")).to_have_value("short")  # nothing typed is lost

    choose_password(page, GOOD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Files")
    assert "token" not in page.url  # the one-time link left the address bar
    page.get_by_role("button", name="Sign out").click()

    page.get_by_label("Email").fill("admin@localhost")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("password")  # the API's message
    page.get_by_label("Password").fill(GOOD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Files")

    page.goto(server.first_run_link)  # the link worked once
    choose_password(page, GOOD + "!")
    expect(page.get_by_role("alert")).to_be_visible()


def test_invite_someone_who_accepts_in_a_browser_of_their_own(page: Any, server: Api, browser: Any) -> None:
    email = f"invited-{uuid.uuid4().hex[:6]}@example.com"
    sign_in(page, server)
    page.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Name").fill("Ines Vited")
    page.get_by_role("button", name="Invite", exact=True).click()
    link = page.get_by_label(f"Invitation link for {email}").input_value()
    assert "/#/accept?token=" in link
    expect(page.get_by_role("table", name="People").get_by_role("row").filter(has_text=email)).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_label("Email").fill(email)  # again: they already have a user, not yet a password, so a new link
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_label(f"Invitation link for {email}")).not_to_have_value(link)
    second = page.get_by_label(f"Invitation link for {email}").input_value()

    theirs = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        them = theirs.new_page()
        them.goto(second)
        choose_password(them, GOOD)
        expect(them.get_by_role("heading", level=1)).to_have_text("Files")
        expect(them.get_by_title(email)).to_be_visible()
        expect(them.get_by_role("link", name="People")).to_have_count(0)  # not an organization admin
    finally:
        theirs.close()

    page.get_by_label("Email").fill(email)  # now they have a password: the API says to reset it instead
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("reset")
    page.get_by_role("button", name=f"Reset password of {email}").click()
    expect(page.get_by_label(f"Password reset link for {email}")).to_be_visible()
    page.get_by_role("button", name=f"Deactivate {email}").click()
    row = page.get_by_role("table", name="People").get_by_role("row").filter(has_text=email)
    expect(row).to_contain_text("Deactivated")
    page.get_by_role("button", name=f"Reset password of {email}").click()
    expect(page.get_by_role("alert").filter(has_text="reactivate the account first")).to_be_visible()


def test_your_account_password_sessions_and_tokens(page: Any, server: Api) -> None:
    email = f"account-{uuid.uuid4().hex[:6]}@example.com"
    server.password_user(email, GOOD)
    sign_in_with_password(page, server, email, GOOD)
    page.get_by_title(email).click()
    expect(page.get_by_role("heading", name="Account")).to_be_visible()
    expect(page.get_by_role("link", name="People")).to_have_count(0)
    sessions = page.get_by_role("table", name="Sessions")
    expect(sessions.get_by_role("row").filter(has_text="This session")).to_have_count(1)
    assert serious_violations(page) == []

    page.get_by_label("Token name").fill("laptop")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("New API token").input_value()
    assert secret.startswith("cairn_")
    tokens = page.get_by_role("table", name="API tokens")
    expect(tokens.get_by_role("row").filter(has_text="laptop")).to_be_visible()
    assert Api(server.base_url, secret).call("GET", "/users/me")["email"] == email
    page.get_by_role("button", name="Revoke laptop").click()
    expect(tokens.get_by_role("row").filter(has_text="laptop")).to_contain_text("Revoked")

    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill(GOOD + " two")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("region", name="Password").get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("New password")).to_have_value(GOOD + " two")  # nothing typed is lost
    page.get_by_label("Current password").fill(GOOD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password changed")).to_be_visible()

    def log_in_elsewhere() -> None:
        body = {"email": email, "password": GOOD + " two"}
        assert httpx.post(f"{server.base_url}/api/v1/auth/login", json=body).status_code == 201

    log_in_elsewhere()
    page.reload()
    expect(sessions.get_by_role("row")).to_have_count(3)  # the header, this session and the other one
    sessions.get_by_role("button", name="End session").click()
    expect(sessions.get_by_role("row")).to_have_count(2)
    log_in_elsewhere()
    log_in_elsewhere()
    page.reload()
    expect(sessions.get_by_role("row")).to_have_count(4)
    page.get_by_role("button", name="End other sessions").click()
    expect(sessions.get_by_role("row")).to_have_count(2)
    expect(sessions.get_by_role("row").filter(has_text="This session")).to_have_count(1)

    page.get_by_role("button", name="Log out everywhere").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    sign_in_with_password(page, server, email, GOOD + " two")
