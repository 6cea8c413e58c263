"""Web login sessions live no longer than the token they came from, and their user can list and end them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from cairn.db.auth_schema import login_sessions
from cairn.domain.records import User
from cairn.errors import AuthenticationRequired, NotFound
from cairn.services.registry import Registry


def _user_of(registry: Registry, secret: str) -> User:
    return registry.auth.session_user(session=secret, changes_state=False)


def test_revoking_a_token_ends_the_sessions_made_from_it_at_once(registry: Registry, admin: User, make_user) -> None:
    vera = make_user("vera")
    laptop = registry.auth.create_token(actor=vera, name="laptop")
    other = registry.auth.create_token(actor=vera, name="other")
    first = registry.auth.start_session(token=laptop.secret)
    second = registry.auth.start_session(token=laptop.secret)
    kept = registry.auth.start_session(token=other.secret)
    assert _user_of(registry, first.secret).id == vera.id

    registry.auth.revoke_token(actor=vera, token_id=laptop.token.id)
    for ended in (first, second):
        with pytest.raises(AuthenticationRequired, match="log in again"):
            _user_of(registry, ended.secret)
    assert _user_of(registry, kept.secret).id == vera.id  # a session of another token goes on
    assert [s.session.id for s in registry.auth.sessions(actor=vera)] == [kept.session.id]


def test_a_session_is_refused_once_its_token_is_revoked_even_if_it_was_not_marked_ended(
    registry: Registry, admin: User
) -> None:
    """The session's token is checked on every use: a session never outlives its token, however it was revoked."""
    made = registry.auth.create_token(actor=admin, name="web")
    login = registry.auth.start_session(token=made.secret)
    registry.auth.revoke_token(actor=admin, token_id=made.token.id)
    with registry.db.write() as conn:  # as if the session had not been ended with the token
        conn.execute(login_sessions.update().values(revoked_at=None))
    with pytest.raises(AuthenticationRequired, match="revoked"):
        _user_of(registry, login.secret)


def test_a_session_expires_no_later_than_its_token(registry: Registry, admin: User) -> None:
    made = registry.auth.create_token(actor=admin, name="short", expires_in_days=1)
    login = registry.auth.start_session(token=made.secret)
    assert made.token.expires_at is not None
    assert login.session.expires_at <= made.token.expires_at  # not the 7 days of the session lifetime
    assert login.session.token_id == made.token.id


def test_users_list_their_live_sessions_with_the_token_they_came_from(
    registry: Registry, admin: User, make_user
) -> None:
    vera, walt = make_user("vera"), make_user("walt")
    token = registry.auth.create_token(actor=vera, name="laptop")
    older = registry.auth.start_session(token=token.secret, user_agent="Firefox/133.0")
    newer = registry.auth.start_session(token=token.secret, user_agent="x" * 2000)
    registry.auth.start_session(token=registry.auth.create_token(actor=walt, name="w").secret)
    ended = registry.auth.start_session(token=token.secret)
    registry.auth.end_session(session=ended.secret)

    listed = registry.auth.sessions(actor=vera, current=newer.secret)
    assert [s.session.id for s in listed] == [newer.session.id, older.session.id]  # newest first, live ones only
    assert [s.current for s in listed] == [True, False]
    assert {(s.token_id, s.token_name) for s in listed} == {(token.token.id, "laptop")}
    assert listed[1].session.user_agent == "Firefox/133.0"
    assert len(listed[0].session.user_agent or "") == 300  # kept short
    assert listed[0].session.last_used_at is not None


def test_a_user_ends_one_of_their_sessions_and_never_another_users(registry: Registry, admin: User, make_user) -> None:
    vera, walt = make_user("vera"), make_user("walt")
    mine = registry.auth.start_session(token=registry.auth.create_token(actor=vera, name="v").secret)
    theirs = registry.auth.start_session(token=registry.auth.create_token(actor=walt, name="w").secret)

    with pytest.raises(NotFound, match=f"session {theirs.session.id} not found"):
        registry.auth.revoke_session(actor=vera, session_id=theirs.session.id)
    with pytest.raises(NotFound):
        registry.auth.revoke_session(actor=admin, session_id=theirs.session.id)  # not even an organization admin
    with pytest.raises(NotFound):
        registry.auth.revoke_session(actor=vera, session_id=10**9)
    assert _user_of(registry, theirs.secret).id == walt.id

    registry.auth.revoke_session(actor=vera, session_id=mine.session.id)
    with pytest.raises(AuthenticationRequired):
        _user_of(registry, mine.secret)
    registry.auth.revoke_session(actor=vera, session_id=mine.session.id)  # twice is harmless
    entries = registry.journal.entries(actor=admin, action="session.revoke")
    journaled = [(e.actor_id, e.target_id, e.details) for e in entries]
    assert journaled == [(vera.id, vera.id, {"session_id": mine.session.id})]


def test_log_out_everywhere_ends_every_session_of_the_user_but_the_one_kept(
    registry: Registry, admin: User, make_user
) -> None:
    vera, walt = make_user("vera"), make_user("walt")
    token = registry.auth.create_token(actor=vera, name="v")
    here, phone, tablet = (registry.auth.start_session(token=token.secret) for _ in range(3))
    walts = registry.auth.start_session(token=registry.auth.create_token(actor=walt, name="w").secret)

    assert registry.auth.revoke_sessions(actor=vera, keep=here.secret) == 2
    for ended in (phone, tablet):
        with pytest.raises(AuthenticationRequired):
            _user_of(registry, ended.secret)
    assert _user_of(registry, here.secret).id == vera.id
    assert _user_of(registry, walts.secret).id == walt.id

    assert registry.auth.revoke_sessions(actor=vera) == 1
    with pytest.raises(AuthenticationRequired):
        _user_of(registry, here.secret)
    assert registry.auth.sessions(actor=vera) == []
    assert registry.auth.authenticate(token=token.secret).id == vera.id  # ending sessions leaves tokens alone


def test_log_out_everywhere_keeps_no_session_of_another_user(registry: Registry, admin: User, make_user) -> None:
    vera, walt = make_user("vera"), make_user("walt")
    mine = registry.auth.start_session(token=registry.auth.create_token(actor=vera, name="v").secret)
    walts = registry.auth.start_session(token=registry.auth.create_token(actor=walt, name="w").secret)
    assert registry.auth.revoke_sessions(actor=vera, keep=walts.secret) == 1  # "keep" names no session of vera's
    with pytest.raises(AuthenticationRequired):
        _user_of(registry, mine.secret)


def test_deactivating_a_user_ends_their_sessions_and_tokens_for_good(
    registry: Registry, admin: User, make_user
) -> None:
    vera = make_user("vera")
    made = registry.auth.create_token(actor=admin, name="laptop", user_id=vera.id)
    login = registry.auth.start_session(token=made.secret)

    registry.users.update(actor=admin, user_id=vera.id, active=False)
    with pytest.raises(AuthenticationRequired):
        _user_of(registry, login.secret)
    registry.users.update(actor=admin, user_id=vera.id, active=True)
    with pytest.raises(AuthenticationRequired, match="revoked"):  # reactivating brings no old credential back
        registry.auth.authenticate(token=made.secret)
    with pytest.raises(AuthenticationRequired):
        _user_of(registry, login.secret)
    assert all(t.revoked_at is not None for t in registry.auth.tokens(actor=admin, user_id=vera.id))


def test_an_expired_session_is_not_listed(registry: Registry, admin: User) -> None:
    login = registry.auth.start_session(token=registry.auth.create_token(actor=admin, name="web").secret)
    with registry.db.write() as conn:
        past = datetime.now(UTC) - timedelta(minutes=1)
        conn.execute(login_sessions.update().where(login_sessions.c.id == login.session.id).values(expires_at=past))
        assert conn.execute(sa.select(sa.func.count()).select_from(login_sessions)).scalar() == 1
    assert registry.auth.sessions(actor=admin) == []
