"""Email + password sign-in, invitations, resets and password changes (both dialects)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from cairn.db.auth_schema import password_links
from cairn.db.schema import users
from cairn.domain.records import User
from cairn.errors import AuthenticationRequired, Conflict, InvalidInput, PermissionDenied, TooManyAttempts
from cairn.services.login_throttle import LoginThrottle
from cairn.services.passwords import NewLink
from cairn.services.registry import Registry

BASE = "http://cairn.example:8420/"
PASSWORD = "correct horse battery"


def _secret(made: NewLink) -> str:
    parts = urlsplit(made.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://cairn.example:8420/"
    assert parts.fragment.startswith("/accept?token=")
    return parse_qs(parts.fragment.split("?", 1)[1])["token"][0]


def _with_password(registry: Registry, admin: User, email: str, password: str = PASSWORD) -> User:
    made = registry.passwords.invite(actor=admin, email=email, base_url=BASE)
    registry.passwords.accept(token=_secret(made), password=password)
    return made.user


def _refusal(registry: Registry, email: str, password: str) -> str:
    with pytest.raises(AuthenticationRequired) as refused:
        registry.passwords.log_in(email=email, password=password, address="10.0.0.1")
    assert type(refused.value) is AuthenticationRequired
    return str(refused.value.to_dict())


def test_an_invited_user_sets_a_password_once_and_signs_in_with_it(registry: Registry, admin: User) -> None:
    made = registry.passwords.invite(actor=admin, email="ines@example.com", name="Ines", base_url=BASE)
    assert made.user.email == "ines@example.com" and made.link.purpose == "invite"
    assert made.link.expires_at - datetime.now(UTC) > timedelta(days=6, hours=23)
    secret = _secret(made)
    started = registry.passwords.accept(token=secret, password=PASSWORD, user_agent="Firefox")
    assert registry.auth.session_user(session=started.secret, changes_state=False).id == made.user.id
    [listed] = registry.auth.sessions(actor=made.user)
    assert listed.token_id is None and listed.token_name is None  # a password session, tied to no token

    with pytest.raises(AuthenticationRequired, match="already used"):
        registry.passwords.accept(token=secret, password="another password 123")
    signed_in = registry.passwords.log_in(email="INES@example.com ", password=PASSWORD)
    assert signed_in.session.user_id == made.user.id
    with registry.db.read() as conn:
        stored = conn.execute(sa.select(users.c.password_hash).where(users.c.id == made.user.id)).scalar_one()
        kept = conn.execute(sa.select(password_links.c.link_hash)).scalars().all()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert secret not in kept and len(kept) == 1


def test_wrong_email_password_no_password_or_deactivated_all_get_one_answer(registry: Registry, admin: User) -> None:
    vera = _with_password(registry, admin, "vera@example.com")
    _with_password(registry, admin, "otto@example.com")
    registry.users.update(actor=admin, user_id=registry.users.by_email(email="otto@example.com").id, active=False)
    registry.passwords.invite(actor=admin, email="nopass@example.com", base_url=BASE)  # invited, never accepted
    answers = {
        _refusal(registry, "vera@example.com", "wrong password 123"),
        _refusal(registry, "nobody@example.com", PASSWORD),
        _refusal(registry, "otto@example.com", PASSWORD),  # the right password of a deactivated account
        _refusal(registry, "nopass@example.com", ""),
        _refusal(registry, admin.email, PASSWORD),  # the local admin has no password until they set one
    }
    assert answers == {str({"code": "unauthenticated", "message": "wrong email or password"})}
    assert registry.passwords.log_in(email=vera.email, password=PASSWORD).session.user_id == vera.id


def test_failed_sign_ins_are_throttled_per_account_and_per_address_for_a_window(
    registry: Registry, admin: User
) -> None:
    now = [1000.0]
    registry.passwords.throttle = LoginThrottle(per_account=3, per_address=5, window=60, clock=lambda: now[0])
    vera = _with_password(registry, admin, "vera@example.com")
    for _ in range(3):
        _refusal(registry, vera.email, "wrong password 123")
    with pytest.raises(TooManyAttempts) as throttled:  # even the right password is not checked now
        registry.passwords.log_in(email=vera.email, password=PASSWORD, address="10.0.0.2")
    assert throttled.value.retry_after == 60 and throttled.value.details == {"retry_after_seconds": 60}
    now[0] += 61  # the window passed: the account is not locked for good
    assert registry.passwords.log_in(email=vera.email, password=PASSWORD, address="10.0.0.2").session.user_id

    for name in "abcde":  # five accounts (that do not exist), one address
        _refusal(registry, f"{name}@example.com", "x")
    with pytest.raises(TooManyAttempts):
        registry.passwords.log_in(email=vera.email, password=PASSWORD, address="10.0.0.1")
    assert registry.passwords.log_in(email=vera.email, password=PASSWORD, address="10.0.0.3").session.user_id


def test_a_link_expires_and_a_newer_one_voids_it(registry: Registry, admin: User) -> None:
    first = registry.passwords.invite(actor=admin, email="ines@example.com", base_url=BASE)
    second = registry.passwords.invite(actor=admin, email="ines@example.com", base_url=BASE)
    with pytest.raises(AuthenticationRequired, match="replaced by a newer one"):
        registry.passwords.accept(token=_secret(first), password=PASSWORD)
    with registry.db.write() as conn:
        conn.execute(password_links.update().values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    with pytest.raises(AuthenticationRequired, match="expired"):
        registry.passwords.accept(token=_secret(second), password=PASSWORD)
    with pytest.raises(AuthenticationRequired):
        registry.passwords.accept(token="made-up", password=PASSWORD)


def test_a_password_that_breaks_the_rules_is_refused_clearly_and_the_link_still_works(
    registry: Registry, admin: User
) -> None:
    made = registry.passwords.invite(actor=admin, email="ines@example.com", base_url=BASE)
    secret = _secret(made)
    with pytest.raises(InvalidInput, match="too short: 11 characters, at least 12"):
        registry.passwords.accept(token=secret, password="x" * 11)
    with pytest.raises(InvalidInput, match="too long: 1025 characters, at most 1024"):
        registry.passwords.accept(token=secret, password="x" * 1025)
    with pytest.raises(InvalidInput, match="may not be the account's email"):
        registry.passwords.accept(token=secret, password="Ines@Example.com")
    registry.passwords.accept(token=secret, password="x" * 1024)
    assert registry.passwords.log_in(email=made.user.email, password="x" * 1024).session.user_id == made.user.id


def test_a_reset_ends_the_users_sessions_and_their_old_password(registry: Registry, admin: User) -> None:
    vera = _with_password(registry, admin, "vera@example.com")
    by_password = registry.passwords.log_in(email=vera.email, password=PASSWORD)
    token = registry.auth.create_token(actor=vera, name="laptop")
    by_token = registry.auth.start_session(token=token.secret)

    reset = registry.passwords.reset_password(actor=admin, user_id=vera.id, base_url=BASE)
    assert reset.link.purpose == "reset"
    for ended in (by_password, by_token):
        with pytest.raises(AuthenticationRequired, match="log in again"):
            registry.auth.session_user(session=ended.secret, changes_state=False)
    _refusal(registry, vera.email, PASSWORD)
    assert registry.auth.authenticate(token=token.secret).id == vera.id  # API tokens stay for scripts
    registry.passwords.accept(token=_secret(reset), password="a brand new password")
    assert registry.passwords.log_in(email=vera.email, password="a brand new password").session.user_id == vera.id


def test_a_user_changes_their_password_and_their_other_sessions_end(registry: Registry, admin: User) -> None:
    vera = _with_password(registry, admin, "vera@example.com")
    here = registry.passwords.log_in(email=vera.email, password=PASSWORD)
    elsewhere = registry.passwords.log_in(email=vera.email, password=PASSWORD)
    with pytest.raises(PermissionDenied, match="current password is wrong"):
        registry.passwords.change_password(actor=vera, current_password="guess guess 1", new_password="x" * 12)
    with pytest.raises(InvalidInput, match="too short"):
        registry.passwords.change_password(actor=vera, current_password=PASSWORD, new_password="short")

    ended = registry.passwords.change_password(
        actor=vera, current_password=PASSWORD, new_password="a brand new password", keep_session=here.secret
    )
    assert ended == 2  # the session started by accepting the invitation, and "elsewhere"
    assert registry.auth.session_user(session=here.secret, changes_state=False).id == vera.id
    with pytest.raises(AuthenticationRequired):
        registry.auth.session_user(session=elsewhere.secret, changes_state=False)
    _refusal(registry, vera.email, PASSWORD)
    assert registry.passwords.log_in(email=vera.email, password="a brand new password").session.user_id == vera.id
    with pytest.raises(PermissionDenied, match="has no password yet"):
        registry.passwords.change_password(actor=admin, current_password="", new_password="x" * 12)


def test_only_organization_admins_invite_and_reset_and_others_learn_nothing(
    registry: Registry, admin: User, make_user
) -> None:
    viewer = make_user("viewer")
    answers = set()
    for email in ("vera@example.com", admin.email, "viewer@example.com"):
        with pytest.raises(PermissionDenied) as refused:
            registry.passwords.invite(actor=viewer, email=email, base_url=BASE)
        answers.add(str(refused.value))
    assert len(answers) == 1 and "only organization admins" in answers.pop()
    for user_id in (admin.id, 999_999):
        with pytest.raises(PermissionDenied, match="only organization admins"):
            registry.passwords.reset_password(actor=viewer, user_id=user_id, base_url=BASE)
    assert registry.users.all(actor=admin) == [admin, viewer]  # nobody was made


def test_inviting_someone_with_a_password_or_deactivated_is_a_conflict(registry: Registry, admin: User) -> None:
    vera = _with_password(registry, admin, "vera@example.com")
    with pytest.raises(Conflict, match="already has a password: reset it instead"):
        registry.passwords.invite(actor=admin, email=vera.email, base_url=BASE)
    registry.users.update(actor=admin, user_id=vera.id, active=False)
    with pytest.raises(Conflict, match="deactivated"):
        registry.passwords.reset_password(actor=admin, user_id=vera.id, base_url=BASE)
