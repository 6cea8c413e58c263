"""Users of the organization."""

from __future__ import annotations

from fastapi import APIRouter, status

from cairn.api.deps import CurrentUser, RegistryDep
from cairn.api.schemas.common import IdPath
from cairn.api.schemas.users import UserCreate, UserPublic, UsersPublic, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me")
def me(*, user: CurrentUser) -> UserPublic:
    """Who the credentials belong to."""
    return UserPublic.model_validate(user)


@router.get("")
def list_users(*, user: CurrentUser, registry: RegistryDep) -> UsersPublic:
    """Every user of the organization (to invite them to folders)."""
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
