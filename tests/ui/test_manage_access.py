"""Seed 002's Manage access dialog, used by a folder admin who is not an organization admin: invite a viewer,
change a role from the dropdown, remove; another admin's controls are disabled with the reason, and the API's
message is shown when its role is changed anyway (through Invite)."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import expect

from tests.ui.conftest import Api, serious_violations, sign_in


def test_a_folder_admin_invites_changes_a_role_and_cannot_change_an_admin(page: Any, server: Api) -> None:
    tag = uuid.uuid4().hex[:6]
    folder = server.folder(f"Shared {tag}")
    boss, viewer, other = (f"{who}-{tag}@example.com" for who in ("boss", "viewer", "other"))
    token = server.user_token(boss)
    server.user_token(viewer)
    server.user_token(other)
    for email in (boss, other):
        server.call("POST", f"/folders/{folder['id']}/access", json={"email": email, "role": "admin"})

    sign_in(page, server, token)
    page.goto(f"{server.base_url}/files/{folder['id']}")
    page.get_by_role("button", name="Manage access").click()
    dialog = page.get_by_role("dialog", name=f"Manage access: {folder['name']}")
    expect(dialog.get_by_role("tab", name="Invite")).to_have_attribute("aria-selected", "true")  # open by default
    assert serious_violations(page) == []

    dialog.get_by_label("Role", exact=True).select_option("viewer")
    dialog.get_by_label("Users' emails").fill(viewer)
    dialog.get_by_role("button", name="Add", exact=True).click()
    expect(dialog.get_by_text(f"Added {viewer}")).to_be_visible()

    dialog.get_by_role("tab", name="Manage").click()
    role = dialog.get_by_label(f"Role of {viewer}")
    expect(role).to_have_value("viewer")
    role.select_option("editor")
    expect(role).to_have_value("editor")
    grants = {g["user_email"]: g["role"] for g in server.call("GET", f"/folders/{folder['id']}/access")["grants"]}
    assert grants[viewer] == "editor"

    expect(dialog.get_by_label(f"Role of {other}")).to_be_disabled()
    expect(dialog.get_by_role("button", name=f"Remove {other}")).to_be_disabled()
    expect(dialog.get_by_text(f"{other} is an admin of this folder: only organization admins")).to_be_visible()
    assert serious_violations(page) == []

    dialog.get_by_role("tab", name="Invite").click()
    dialog.get_by_label("Role", exact=True).select_option("viewer")
    dialog.get_by_label("Users' emails").fill(other)
    dialog.get_by_role("button", name="Add", exact=True).click()
    expect(dialog.get_by_role("alert")).to_contain_text("an admin's role cannot be changed")  # the API's message

    dialog.get_by_role("tab", name="Manage").click()
    dialog.get_by_role("button", name=f"Remove {viewer}").click()
    expect(dialog.get_by_label(f"Role of {viewer}")).to_have_count(0)
