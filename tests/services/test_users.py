"""Changing users: names, organization admins, and deactivated accounts that can no longer act."""

from __future__ import annotations

import pytest

from cairn.db.schema import users
from cairn.domain.records import User
from cairn.errors import AuthenticationRequired, Conflict, PermissionDenied
from cairn.services.registry import Registry


def test_a_deactivated_account_can_no_longer_act_until_reactivated(registry: Registry, admin: User, make_user) -> None:
    vera = make_user("vera")
    secret = registry.auth.create_token(actor=admin, name="laptop", user_id=vera.id).secret
    assert registry.auth.authenticate(token=secret).id == vera.id

    off = registry.users.update(actor=admin, user_id=vera.id, active=False)
    assert not off.is_active
    with pytest.raises(AuthenticationRequired, match="revoked"):  # deactivating revoked her tokens
        registry.auth.authenticate(token=secret)
    with pytest.raises(AuthenticationRequired, match=r"vera@example\.com is deactivated"):
        registry.users.acting_as(email="vera@example.com")
    entries = registry.journal.entries(actor=admin, target_type="user", target_id=vera.id, action="user.update")
    assert entries[0].details == {"active": False, "tokens_revoked": 1, "sessions_ended": 0}

    on = registry.users.update(actor=admin, user_id=vera.id, active=True)
    assert on.is_active and on.name == "Vera"  # what was not asked for stays
    with pytest.raises(AuthenticationRequired, match="revoked"):  # an old token does not come back
        registry.auth.authenticate(token=secret)
    fresh = registry.auth.create_token(actor=admin, name="new laptop", user_id=vera.id).secret
    assert registry.auth.authenticate(token=fresh).id == vera.id
    assert registry.users.acting_as(email="VERA@example.com").id == vera.id


def test_a_token_of_an_account_deactivated_before_it_was_revoked_is_still_refused(
    registry: Registry, admin: User, make_user
) -> None:
    """An account deactivated by an older cairn (its tokens not revoked) still cannot act."""
    vera = make_user("vera")
    secret = registry.auth.create_token(actor=admin, name="laptop", user_id=vera.id).secret
    with registry.db.write() as conn:
        conn.execute(users.update().where(users.c.id == vera.id).values(is_active=False))
    with pytest.raises(AuthenticationRequired, match="disabled"):
        registry.auth.authenticate(token=secret)


def test_only_organization_admins_change_users_and_a_refusal_changes_nothing(
    registry: Registry, admin: User, make_user
) -> None:
    vera, walt = make_user("vera"), make_user("walt")
    with pytest.raises(PermissionDenied, match="only organization admins"):
        registry.users.update(actor=vera, user_id=walt.id, active=False, name="W")
    assert registry.users.get(user_id=walt.id) == walt


def test_the_last_active_organization_admin_stays(registry: Registry, admin: User, make_user) -> None:
    for change in ({"org_admin": False}, {"active": False}):
        with pytest.raises(Conflict, match="last active organization admin"):
            registry.users.update(actor=admin, user_id=admin.id, **change)  # type: ignore[arg-type]
    assert registry.users.get(user_id=admin.id) == admin

    vera = registry.users.update(actor=admin, user_id=make_user("vera").id, org_admin=True)
    retired = registry.users.update(actor=vera, user_id=admin.id, active=False)
    assert not retired.is_active and retired.is_org_admin
    # The local commands now act as the oldest *active* organization admin...
    assert registry.users.ensure_local_admin() == (vera, False)
    # ...who is now the last one: a deactivated admin does not count.
    with pytest.raises(Conflict):
        registry.users.update(actor=vera, user_id=vera.id, org_admin=False)


def test_changes_are_journaled(registry: Registry, admin: User, make_user) -> None:
    vera = make_user("vera")
    renamed = registry.users.update(actor=admin, user_id=vera.id, name="  Vera Rubin ", org_admin=True)
    assert renamed.name == "Vera Rubin" and renamed.is_org_admin
    entries = registry.journal.entries(actor=admin, target_type="user", target_id=vera.id, action="user.update")
    assert [(e.actor_id, e.details) for e in entries] == [(admin.id, {"name": "Vera Rubin", "org_admin": True})]
    assert registry.users.update(actor=admin, user_id=vera.id) == renamed  # nothing asked: nothing changes
    assert len(registry.journal.entries(actor=admin, target_type="user", target_id=vera.id)) == 2  # create, update
