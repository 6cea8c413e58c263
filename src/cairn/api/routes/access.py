"""Who may do what in a folder: invite by email with a role, list, change a role, remove.

An admin's grant is immutable, except to organization admins (who may repair access).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from cairn.api.deps import CurrentUser, RegistryDep
from cairn.api.schemas.common import IdPath
from cairn.api.schemas.folders import GrantCreate, GrantPublic, GrantsPublic, GrantUpdate

router = APIRouter(prefix="/folders/{folder_id}/access", tags=["access"])

Email = Annotated[str, Path(min_length=3, max_length=320, description="The user's email address.")]


@router.get("")
def list_grants(*, folder_id: IdPath, user: CurrentUser, registry: RegistryDep) -> GrantsPublic:
    """The roles granted directly on this folder (inherited ones show on its ancestors)."""
    grants = registry.access.grants(actor=user, folder_id=folder_id)
    return GrantsPublic(grants=[GrantPublic.model_validate(g) for g in grants])


@router.post("", status_code=status.HTTP_201_CREATED)
def invite(*, folder_id: IdPath, body: GrantCreate, user: CurrentUser, registry: RegistryDep) -> GrantPublic:
    """Give a user of the organization a role on this folder (and its sub-folders)."""
    grant = registry.access.grant(actor=user, folder_id=folder_id, email=body.email, role=body.role)
    return GrantPublic.model_validate(grant)


@router.put("/{email}")
def change_role(
    *, folder_id: IdPath, email: Email, body: GrantUpdate, user: CurrentUser, registry: RegistryDep
) -> GrantPublic:
    """Change a user's role on this folder (an admin's role: organization admins only)."""
    grant = registry.access.grant(actor=user, folder_id=folder_id, email=email, role=body.role)
    return GrantPublic.model_validate(grant)


@router.delete("/{email}", status_code=status.HTTP_204_NO_CONTENT)
def remove(*, folder_id: IdPath, email: Email, user: CurrentUser, registry: RegistryDep) -> None:
    """Remove a user's role on this folder (an admin: organization admins only)."""
    registry.access.revoke(actor=user, folder_id=folder_id, email=email)
