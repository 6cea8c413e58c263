"""Schemathesis over the app's own OpenAPI document, in process: no 5xx anywhere, every response matches its schema,
no response names the server's own directories (database, data directory), and every one has the security headers.

Examples are bounded (``MAX_EXAMPLES`` per operation) so the whole run stays well under a minute. The database is
seeded with a folder, items, a composite and a dataset so that generated small ids reach the success paths too.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from cairn.api.app import create_app
from cairn.domain.kinds import ItemKind
from cairn.services.registry import Registry
from cairn.settings import Settings
from tests.api.routes import all_routes, streams_end_at_once
from tests.services.helpers import add_images, image

MAX_EXAMPLES = int(os.environ.get("CAIRN_FUZZ_EXAMPLES", "10"))  # raise it to fuzz harder by hand
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]
"""What must hold for every generated request. Not ``positive_data_acceptance``: a schema-valid request may still
break a rule only the services know (a folder name with control characters, a cursor cairn never issued), and
that is a located 422 by design."""


@dataclass(frozen=True)
class Fuzz:
    schema: schemathesis.BaseSchema
    token: str
    server_dir: Path


class ServerPathShown(AssertionError):
    """A response named a directory of the server (where the database and the data directory are)."""


def no_server_path(server_dir: Path) -> Callable[..., None]:
    """A check: no response text holds ``server_dir`` (the test's copy of a server's private directory)."""

    @schemathesis.check
    def no_server_path_in_response(_ctx: Any, response: Any, _case: schemathesis.Case) -> None:
        for shown in {str(server_dir), str(server_dir.resolve())}:
            if shown in response.text:
                raise ServerPathShown(f"the response names {shown}: {response.text[:300]}")

    return no_server_path_in_response


@schemathesis.check
def security_headers(_ctx: Any, response: Any, _case: schemathesis.Case) -> None:
    """Every response carries nosniff and a policy that forbids framing it."""
    headers = {name.lower(): values for name, values in response.headers.items()}
    assert headers.get("x-content-type-options") == ["nosniff"], headers
    assert "frame-ancestors 'none'" in headers.get("content-security-policy", [""])[0], headers


def _seed(registry: Registry) -> str:
    admin = registry.users.ensure_local_admin()[0]
    folder = registry.folders.create(actor=admin, name="Seed")
    add_images(registry, admin, folder.id, "a.jpg", "b.jpg")
    registry.items.add_composite(
        actor=admin, folder_id=folder.id, kind=ItemKind.IMAGE_GROUP, title="g", members=[image("m.png")]
    )
    dataset = registry.datasets.create(actor=admin, title="Seed set")
    registry.datasets.add_items(actor=admin, dataset_id=dataset.id, item_ids=[1])
    registry.users.create(actor=admin, email="someone@example.com")
    return registry.auth.create_token(actor=admin, name="fuzz").secret


@pytest.fixture(scope="module")
def fuzz(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzz]:
    """One app for the whole module (examples may change its data; nothing here asserts on state)."""
    directory = tmp_path_factory.mktemp("fuzz")
    shutil.copyfile(migrated_sqlite, directory / "cairn.db")
    settings = Settings(data_dir=directory / "data", database_url=f"sqlite:///{directory / 'cairn.db'}")
    registry = Registry(settings)
    token = _seed(registry)
    app = streams_end_at_once(create_app(settings, registry=registry))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers={"Authorization": f"Bearer {token}"})
    yield Fuzz(schema, token, directory)
    registry.close()


def _operations() -> list[tuple[str, str]]:
    """Every (method, path) of the OpenAPI document (read from an app over a throwaway in-memory database)."""
    registry = Registry(Settings(database_url="sqlite://"))
    try:
        return all_routes(create_app(registry.settings, registry=registry))
    finally:
        registry.close()


NETWORK = {("POST", "/api/v1/integrations/{integration_id}/check")}
"""Operations that reach out to the integration's bucket: a generated S3 integration points at the internet, so
they are left out here (tests/api/test_integrations_jobs.py and the SDK scenario check them on local servers)."""
OPERATIONS = [op for op in _operations() if op not in NETWORK]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_api_conforms_to_its_openapi(fuzz: Fuzz, method: str, path: str) -> None:
    operation = fuzz.schema[path][method]
    headers = {"Authorization": f"Bearer {fuzz.token}"}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=[*CHECKS, no_server_path(fuzz.server_dir), security_headers])

    check()
