"""Integrations: create, list, get, update, delete, check. Credentials are accepted, never returned."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, status

from cairn.api.deps import CurrentUser, RegistryDep
from cairn.api.schemas.common import IdPath
from cairn.api.schemas.integrations import (
    AccessCheckPublic,
    IntegrationCheck,
    IntegrationCreate,
    IntegrationPublic,
    IntegrationsPublic,
    IntegrationUpdate,
)

router = APIRouter(prefix="/integrations", tags=["integrations"])


@router.get("")
def list_integrations(*, user: CurrentUser, registry: RegistryDep) -> IntegrationsPublic:
    """The integrations you may use (all of them for organization admins)."""
    found = registry.integrations.list(actor=user)
    return IntegrationsPublic(integrations=[IntegrationPublic.model_validate(asdict(i)) for i in found])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_integration(*, body: IntegrationCreate, user: CurrentUser, registry: RegistryDep) -> IntegrationPublic:
    """Add an integration (organization admins: it decides where and as whom the server connects)."""
    made = registry.integrations.add(actor=user, **body.model_dump())
    return IntegrationPublic.model_validate(asdict(made))


@router.get("/{integration_id}")
def get_integration(*, integration_id: IdPath, user: CurrentUser, registry: RegistryDep) -> IntegrationPublic:
    return IntegrationPublic.model_validate(asdict(registry.integrations.get(actor=user, integration=integration_id)))


@router.patch("/{integration_id}")
def update_integration(
    *, integration_id: IdPath, body: IntegrationUpdate, user: CurrentUser, registry: RegistryDep
) -> IntegrationPublic:
    """Rename, re-scope, re-key or (un)share an integration (organization admins)."""
    changed = registry.integrations.update(actor=user, integration=integration_id, **body.model_dump())
    return IntegrationPublic.model_validate(asdict(changed))


@router.delete("/{integration_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_integration(*, integration_id: IdPath, user: CurrentUser, registry: RegistryDep) -> None:
    """Remove an integration (organization admins; refused while files or unfinished jobs use it)."""
    registry.integrations.remove(actor=user, integration=integration_id)


@router.post("/{integration_id}/check")
def check_integration(
    *, integration_id: IdPath, body: IntegrationCheck, user: CurrentUser, registry: RegistryDep
) -> AccessCheckPublic:
    """Prove the credentials work: list one page under the prefix, or HEAD `key`. A failure is an error response."""
    checked = registry.integrations.check(actor=user, integration=integration_id, key=body.key)
    return AccessCheckPublic.model_validate(asdict(checked))
