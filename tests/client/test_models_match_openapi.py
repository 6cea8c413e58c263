"""The SDK's models carry every field the API returns for jobs, their errors, notifications and re-encoding (and no
field the API does not return): compared with the OpenAPI document, so a field added to a response cannot be missed."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from cairn.api.app import create_app
from cairn.client.models import (
    FrameRemap,
    Job,
    Notification,
    Notifications,
    ReencodePlan,
    RegistrationPlan,
    UnitError,
)
from cairn.settings import Settings

SDK_MODELS: dict[str, type[Any]] = {
    "JobPublic": Job,
    "UnitErrorPublic": UnitError,
    "NotificationPublic": Notification,
    "NotificationsPublic": Notifications,
    "RegistrationPlanPublic": RegistrationPlan,
    "ReencodePlanPublic": ReencodePlan,
    "FrameRemapPublic": FrameRemap,
}
UNWRAPPED = {
    "JobsPublic": ("jobs", "JobPublic"),
    "UnitErrorsPublic": ("errors", "UnitErrorPublic"),
    "CountPublic": None,
}
"""Responses the SDK unwraps into lists (field, item schema) or a number (``client.jobs.list()``, ``errors()``,
``mark_all_read()``)."""


def _openapi(tmp_path: Path) -> dict[str, Any]:
    return create_app(Settings(data_dir=tmp_path / "data")).openapi()


def _response_schemas(document: dict[str, Any], *prefixes: str) -> set[str]:
    names = set()
    for path, operations in document["paths"].items():
        if not path.startswith(prefixes):
            continue
        for operation in operations.values():
            for status, response in operation["responses"].items():
                ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
                if status.startswith("2") and ref:
                    names.add(ref.rsplit("/", 1)[-1])
    return names


def test_every_job_and_notification_response_has_an_sdk_model(tmp_path: Path) -> None:
    document = _openapi(tmp_path)
    reencoding = ("/api/v1/reencode", "/api/v1/items/{item_id}/reencode-plan", "/api/v1/items/{item_id}/frame-remap")
    returned = _response_schemas(document, "/api/v1/jobs", "/api/v1/notifications", *reencoding)
    schemas = document["components"]["schemas"]
    for name in returned & set(UNWRAPPED):
        if UNWRAPPED[name] is not None:
            field, item = UNWRAPPED[name]
            assert schemas[name]["properties"][field]["items"]["$ref"].endswith(f"/{item}")
            returned.add(item)
    assert returned - set(UNWRAPPED) == set(SDK_MODELS)


def test_the_sdk_models_have_exactly_the_fields_of_the_api(tmp_path: Path) -> None:
    schemas = _openapi(tmp_path)["components"]["schemas"]
    for name, model in SDK_MODELS.items():
        api = set(schemas[name]["properties"])
        sdk = {f.name for f in dataclasses.fields(model)}
        assert sdk == api, f"{model.__name__} vs {name}: missing {sorted(api - sdk)}, extra {sorted(sdk - api)}"
