"""Logging in and out of the web UI, your login sessions (list, end, log out everywhere), and API tokens (create,
list, revoke)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Query, Request, Response, status

from cairn.api.deps import CSRF_COOKIE, SESSION_COOKIE, CurrentSession, CurrentUser, RegistryDep
from cairn.api.errors import ERROR_RESPONSES
from cairn.api.schemas.common import MAX_ID, IdPath
from cairn.api.schemas.users import (
    LoginCreate,
    LoginSessionPublic,
    LoginSessionsPublic,
    PasswordAccept,
    SessionCreate,
    SessionPublic,
    SessionsEndedPublic,
    TokenCreate,
    TokenCreatedPublic,
    TokenPublic,
    TokensPublic,
    UserPublic,
)
from cairn.services.auth import NewSession, SessionListing
from cairn.services.registry import Registry

router = APIRouter(tags=["auth"])
THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {**ERROR_RESPONSES[401], "description": "Too many failed sign-ins: wait Retry-After seconds"}
}


@router.post("/auth/session", status_code=status.HTTP_201_CREATED)
def log_in(*, body: SessionCreate, request: Request, response: Response, registry: RegistryDep) -> SessionPublic:
    """Start a web UI session by presenting an API token; sets the session cookie (HttpOnly) and the CSRF cookie."""
    made = registry.auth.start_session(token=body.token, user_agent=request.headers.get("User-Agent"))
    return _session_started(made, request=request, response=response, registry=registry)


@router.post("/auth/login", status_code=status.HTTP_201_CREATED, responses=THROTTLED)
def log_in_with_password(
    *, body: LoginCreate, request: Request, response: Response, registry: RegistryDep
) -> SessionPublic:
    """Start a web UI session with email and password: the same answer and cookies as POST /auth/session.

    A wrong email, a wrong password, an account without a password and a deactivated one all get the same 401.
    Failed sign-ins are throttled per account and per client address (429 with Retry-After).
    """
    made = registry.passwords.log_in(
        email=body.email,
        password=body.password,
        address=request.client.host if request.client else None,
        user_agent=request.headers.get("User-Agent"),
    )
    return _session_started(made, request=request, response=response, registry=registry)


@router.post("/auth/accept", status_code=status.HTTP_201_CREATED)
def accept_link(*, body: PasswordAccept, request: Request, response: Response, registry: RegistryDep) -> SessionPublic:
    """Follow a one-time invitation or reset link: set your password and start a session (as POST /auth/login).

    The link works once; a password that breaks the rules (12 to 1,024 characters, not your email) is 422 and
    leaves the link usable.
    """
    made = registry.passwords.accept(
        token=body.token, password=body.password, user_agent=request.headers.get("User-Agent")
    )
    return _session_started(made, request=request, response=response, registry=registry)


def _session_started(made: NewSession, *, request: Request, response: Response, registry: Registry) -> SessionPublic:
    """Set the session cookie (HttpOnly) and the CSRF cookie of a session just started, and describe it."""
    user = registry.users.get(user_id=made.session.user_id)
    secure = request.url.scheme == "https"
    max_age = int((made.session.expires_at - made.session.created_at).total_seconds())
    response.set_cookie(
        SESSION_COOKIE, made.secret, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/"
    )
    response.set_cookie(
        CSRF_COOKIE, made.csrf_token, max_age=max_age, httponly=False, samesite="strict", secure=secure, path="/"
    )
    return SessionPublic(
        user=UserPublic.model_validate(user), csrf_token=made.csrf_token, expires_at=made.session.expires_at
    )


@router.delete("/auth/session", status_code=status.HTTP_204_NO_CONTENT)
def log_out(
    *,
    _user: CurrentUser,
    registry: RegistryDep,
    response: Response,
    session: Annotated[str | None, Cookie(alias=SESSION_COOKIE, include_in_schema=False)] = None,
) -> None:
    """End the current web UI session (the cookie stops working at once)."""
    if session:
        registry.auth.end_session(session=session)
    _clear_cookies(response)


@router.get("/auth/sessions")
def list_sessions(*, user: CurrentUser, registry: RegistryDep, current: CurrentSession) -> LoginSessionsPublic:
    """Your live web UI sessions, newest first; ``current`` marks the one this request was made with."""
    listed = registry.auth.sessions(actor=user, current=current)
    return LoginSessionsPublic(sessions=[_session_public(s) for s in listed])


@router.delete("/auth/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def end_session(*, session_id: IdPath, user: CurrentUser, registry: RegistryDep) -> None:
    """End one of your sessions at once (another user's is not found)."""
    registry.auth.revoke_session(actor=user, session_id=session_id)


@router.delete("/auth/sessions")
def end_sessions(
    *,
    user: CurrentUser,
    registry: RegistryDep,
    current: CurrentSession,
    response: Response,
    keep_current: Annotated[
        bool, Query(description="Keep the session this request was made with (log out everywhere else).")
    ] = False,
) -> SessionsEndedPublic:
    """Log out everywhere: end all your web UI sessions (but the current one with ``keep_current``). API tokens
    are left alone: revoke a token to stop it."""
    ended = registry.auth.revoke_sessions(actor=user, keep=current if keep_current else None)
    if current and not keep_current:
        _clear_cookies(response)
    return SessionsEndedPublic(ended=ended)


def _session_public(listing: SessionListing) -> LoginSessionPublic:
    login = listing.session
    return LoginSessionPublic(
        id=login.id,
        created_at=login.created_at,
        last_used_at=login.last_used_at,
        expires_at=login.expires_at,
        token_id=listing.token_id,
        token_name=listing.token_name,
        user_agent=login.user_agent,
        current=listing.current,
    )


def _clear_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.get("/tokens")
def list_tokens(
    *,
    user: CurrentUser,
    registry: RegistryDep,
    user_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Organization admins: this user's tokens.")
    ] = None,
    all_users: Annotated[bool, Query(description="Organization admins: everyone's tokens.")] = False,
) -> TokensPublic:
    """Your API tokens (never their secrets)."""
    tokens = registry.auth.tokens(actor=user, user_id=user_id, all_users=all_users)
    return TokensPublic(tokens=[TokenPublic.model_validate(t) for t in tokens])


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
def create_token(*, body: TokenCreate, user: CurrentUser, registry: RegistryDep) -> TokenCreatedPublic:
    """Make an API token. Its secret is in this response only: cairn keeps a hash."""
    made = registry.auth.create_token(
        actor=user, name=body.name, user_id=body.user_id, expires_in_days=body.expires_in_days
    )
    return TokenCreatedPublic(token=TokenPublic.model_validate(made.token), secret=made.secret)


@router.delete("/tokens/{token_id}")
def revoke_token(*, token_id: IdPath, user: CurrentUser, registry: RegistryDep) -> TokenPublic:
    """Revoke an API token at once (yours; organization admins: anyone's)."""
    return TokenPublic.model_validate(registry.auth.revoke_token(actor=user, token_id=token_id))
