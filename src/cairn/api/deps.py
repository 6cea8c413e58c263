"""Dependencies every route uses, as ``Annotated`` aliases: ``RegistryDep`` and ``CurrentUser``.

Authentication is one of two things, checked by :mod:`cairn.services.auth`:

* an API token: ``Authorization: Bearer cairn_...`` (the SDK, scripts, curl);
* a login session: the ``cairn_session`` cookie set by ``POST /api/v1/auth/session``; a request that changes
  something must then also send the ``X-CSRF-Token`` header (given at login, and readable in the ``cairn_csrf``
  cookie) — a cross-site page can make the browser send the cookie, but cannot read the CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from cairn.domain.records import User
from cairn.errors import AuthenticationRequired
from cairn.services.registry import Registry

SESSION_COOKIE = "cairn_session"
CSRF_COOKIE = "cairn_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer cairn_...`")
_session_cookie = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="Web UI login session (unsafe methods also need X-CSRF-Token)"
)


def get_registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


RegistryDep = Annotated[Registry, Depends(get_registry)]


def current_user(
    request: Request,
    registry: RegistryDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: Annotated[str | None, Depends(_session_cookie)],
) -> User:
    """The authenticated caller; AuthenticationRequired (401) when no valid credentials came with the request."""
    if bearer is not None:
        return registry.auth.authenticate(token=bearer.credentials)
    if session:
        return registry.auth.session_user(
            session=session,
            csrf_token=request.headers.get(CSRF_HEADER),
            changes_state=request.method not in SAFE_METHODS,
        )
    raise AuthenticationRequired(
        "authentication required: send an API token as 'Authorization: Bearer <token>' "
        "(create one with `cairn token create` or POST /api/v1/tokens), or log in to the web UI"
    )


CurrentUser = Annotated[User, Depends(current_user)]


def current_session(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: Annotated[str | None, Depends(_session_cookie)],
) -> str | None:
    """The session cookie the request is authenticated with; None when it came with an API token (which wins)."""
    return session if bearer is None and session else None


CurrentSession = Annotated[str | None, Depends(current_session)]


def optional_user(
    request: Request,
    registry: RegistryDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: Annotated[str | None, Depends(_session_cookie)],
) -> User | None:
    """The caller, or None when no credentials came at all (wrong ones are still AuthenticationRequired)."""
    if bearer is None and not session:
        return None
    return current_user(request, registry, bearer, session)


MaybeUser = Annotated[User | None, Depends(optional_user)]


def credential_recheck(
    request: Request,
    registry: RegistryDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: Annotated[str | None, Depends(_session_cookie)],
) -> Callable[[], User]:
    """Authenticates the request's own credentials again each time it is called (AuthenticationRequired once the
    token or session is revoked or expired, or the account deactivated): for responses that outlive a moment, such as
    the event stream, which must not keep talking to a credential that has since been withdrawn."""
    return lambda: current_user(request, registry, bearer, session)


CredentialRecheck = Annotated[Callable[[], User], Depends(credential_recheck)]
