"""Users of the organization."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from cairn.api.deps import CurrentSession, CurrentUser, RegistryDep
from cairn.api.routes.auth import THROTTLED
from cairn.api.schemas.common import IdPath
from cairn.api.schemas.users import (
    InvitationCreate,
    PasswordChange,
    PasswordLinkPublic,
    UserCreate,
    UserPublic,
    UsersPublic,
    UserUpdate,
)
from cairn.services.passwords import NewLink

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me")
def me(*, user: CurrentUser) -> UserPublic:
    """Who the credentials belong to."""
    return UserPublic.model_validate(user)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT, responses=THROTTLED)
def change_password(*, body: PasswordChange, user: CurrentUser, registry: RegistryDep, current: CurrentSession) -> None:
    """Change your password, giving the current one (403 if wrong; wrong ones count as failed sign-ins). Your
    other sessions end; the one this request was made with goes on."""
    registry.passwords.change_password(
        actor=user, current_password=body.current_password, new_password=body.new_password, keep_session=current
    )


@router.get("")
def list_users(*, user: CurrentUser, registry: RegistryDep) -> UsersPublic:
    """Every user of the organization, to invite them to folders: organization admins and folder admins only."""
    return UsersPublic(users=[UserPublic.model_validate(u) for u in registry.users.all(actor=user)])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_user(*, body: UserCreate, user: CurrentUser, registry: RegistryDep) -> UserPublic:
    """Add a user (organization admins only); give them a token with POST /tokens and `user_id`."""
    made = registry.users.create(actor=user, email=body.email, name=body.name, org_admin=body.org_admin)
    return UserPublic.model_validate(made)


@router.patch("/{user_id}")
def update_user(*, user_id: IdPath, body: UserUpdate, user: CurrentUser, registry: RegistryDep) -> UserPublic:
    """Change a user's name, organization-admin flag or whether the account is active (organization admins only).

    A deactivated account cannot act: its tokens and sessions are refused. The last active organization admin can
    be neither demoted nor deactivated (409).
    """
    changes = body.model_dump(exclude_unset=True)
    return UserPublic.model_validate(registry.users.update(actor=user, user_id=user_id, **changes))


@router.post("/invitations", status_code=status.HTTP_201_CREATED)
def invite_user(
    *, body: InvitationCreate, request: Request, user: CurrentUser, registry: RegistryDep
) -> PasswordLinkPublic:
    """Invite someone (organization admins only): the user is made if needed, and the answer holds a one-time link
    to set their password (7 days). A user who already has a password is 409: reset it instead."""
    made = registry.passwords.invite(
        actor=user, email=body.email, name=body.name, org_admin=body.org_admin, base_url=str(request.base_url)
    )
    return _link_public(made)


@router.post("/{user_id}/password-reset", status_code=status.HTTP_201_CREATED)
def reset_password(
    *, user_id: IdPath, request: Request, user: CurrentUser, registry: RegistryDep
) -> PasswordLinkPublic:
    """Reset a user's password (organization admins only): it stops working, their sessions end, and the answer
    holds a one-time link to choose a new one (7 days). Their API tokens are left alone."""
    made = registry.passwords.reset_password(actor=user, user_id=user_id, base_url=str(request.base_url))
    return _link_public(made)


def _link_public(made: NewLink) -> PasswordLinkPublic:
    return PasswordLinkPublic(
        user=UserPublic.model_validate(made.user),
        purpose=made.link.purpose.value,
        url=made.url,
        expires_at=made.link.expires_at,
    )
