"""Users and API tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from cairn.api.schemas.common import MAX_ID, Body, Public


class UserPublic(Public):
    id: int
    email: str
    name: str
    is_org_admin: bool
    is_active: bool
    created_at: datetime


class UsersPublic(Public):
    users: list[UserPublic]


class UserCreate(Body):
    email: str = Field(min_length=3, max_length=320)
    name: str = Field(default="", max_length=200)
    org_admin: bool = False


class UserUpdate(Body):
    """What to change; a field left out stays as it is."""

    name: str | None = Field(default=None, max_length=200)
    org_admin: bool | None = None
    active: bool | None = Field(default=None, description="false: the account can no longer act (tokens refused).")


class TokenCreate(Body):
    name: str = Field(min_length=1, max_length=200, description="What the token is for, e.g. 'laptop' or 'CI'.")
    expires_in_days: int | None = Field(default=None, ge=1, le=3650, description="None: never expires.")
    user_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Organization admins: make it for this user."
    )


class TokenPublic(Public):
    """An API token as listed: never its secret nor its hash."""

    id: int
    user_id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokensPublic(Public):
    tokens: list[TokenPublic]


class TokenCreatedPublic(Public):
    token: TokenPublic
    secret: str = Field(description="The token itself. Shown this once: cairn keeps only its hash.")


class SessionCreate(Body):
    token: str = Field(min_length=1, max_length=200, description="An API token, presented once to log in.")


_PASSWORD_CAP = 4096  # what a request may carry; the rules (12 to 1,024 characters) are the service's, said clearly


class LoginCreate(Body):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=_PASSWORD_CAP)


class PasswordAccept(Body):
    token: str = Field(min_length=1, max_length=200, description="The `token` of the one-time link.")
    password: str = Field(max_length=_PASSWORD_CAP, description="The new password: 12 to 1,024 characters.")


class PasswordChange(Body):
    current_password: str = Field(max_length=_PASSWORD_CAP)
    new_password: str = Field(max_length=_PASSWORD_CAP, description="12 to 1,024 characters, not your email.")


class InvitationCreate(Body):
    email: str = Field(min_length=3, max_length=320)
    name: str = Field(default="", max_length=200, description="For a user who does not exist yet.")
    org_admin: bool = Field(default=False, description="For a user who does not exist yet.")


class PasswordLinkPublic(Public):
    """A one-time link that sets a user's password: hand it to them. Shown this once: cairn keeps only a hash."""

    user: UserPublic
    purpose: str = Field(description="invite or reset")
    url: str = Field(description="`<base_url>/#/accept?token=...`: works once, until `expires_at`.")
    expires_at: datetime


class SessionPublic(Public):
    user: UserPublic
    csrf_token: str = Field(description="Send as X-CSRF-Token with every request that changes something.")
    expires_at: datetime


class LoginSessionPublic(Public):
    """A live web UI login session of yours: never its secret nor its CSRF token."""

    id: int
    created_at: datetime
    last_used_at: datetime | None = Field(description="Noted at most once a minute.")
    expires_at: datetime = Field(description="Never later than its token's expiry.")
    token_id: int | None = Field(
        description="The API token the session was started with (revoking it ends the session); null when it was "
        "started with a password."
    )
    token_name: str | None
    user_agent: str | None = Field(description="The browser that logged in (its User-Agent, cut short).")
    current: bool = Field(description="True for the session this request was made with.")


class LoginSessionsPublic(Public):
    sessions: list[LoginSessionPublic]


class SessionsEndedPublic(Public):
    ended: int = Field(description="How many sessions were ended.")
