"""Signing in with an API token and out again; the API's message on a wrong token; the page is accessible."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import expect

from tests.ui.conftest import Api, serious_violations, sign_in


def test_sign_in_with_a_token_then_sign_out(page: Any, server: Api) -> None:
    page.goto(server.base_url + "/files")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Email")).to_be_visible()  # email + password is the main form
    assert serious_violations(page) == []

    page.get_by_role("button", name="Sign in with an API token").click()
    page.get_by_label("API token").fill("cairn_not-a-token")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("token")  # the API's canonical message, shown as it is
    expect(page.get_by_label("API token")).to_have_value("cairn_not-a-token")  # nothing typed is lost

    page.get_by_label("API token").fill(server.token)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Files")
    expect(page.get_by_title("admin@localhost")).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()  # the session really ended


def test_a_session_sends_the_csrf_token_with_every_change(page: Any, server: Api) -> None:
    sign_in(page, server)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["cairn_session"]["httpOnly"]
    page.get_by_role("button", name="New folder").click()
    page.get_by_label("Name").fill("made under CSRF")
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/api/v1/folders")) as made:
        page.get_by_role("dialog").get_by_role("button", name="Create").click()
    assert made.value.headers["x-csrf-token"] == cookies["cairn_csrf"]["value"]
    expect(page.get_by_role("grid").get_by_text("made under CSRF")).to_be_visible()


def test_a_session_ended_elsewhere_brings_back_the_sign_in_page(page: Any, server: Api) -> None:
    folder = server.folder(f"Ends {uuid.uuid4().hex[:6]}")
    email = f"ends-{uuid.uuid4().hex[:6]}@example.com"
    token = server.user_token(email)
    server.call("POST", f"/folders/{folder['id']}/access", json={"email": email, "role": "editor"})
    sign_in(page, server, token)
    expect(page.get_by_role("grid").get_by_text(folder["name"])).to_be_visible()

    Api(server.base_url, token).call("DELETE", "/auth/sessions")  # "log out everywhere", from a script
    page.get_by_role("grid").get_by_text(folder["name"]).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
