"""Integrations: secrets encrypted at rest and never shown, who may do what, removal in use, access checks."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from cairn.domain.jobs import JobStatus
from cairn.domain.records import Folder, User
from cairn.errors import (
    ConfigurationError,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StorageAccessDenied,
    StorageError,
    UrlOutsideIntegration,
)
from cairn.services.registry import Registry
from cairn.services.secrets import SecretBox
from cairn.settings import Settings
from tests.fixtures.storage_servers import StorageServer
from tests.registration.conftest import add_server_integration, register_and_run

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"


def _add_s3(registry: Registry, actor: User, name: str = "s3", **extra: object) -> object:
    return registry.integrations.add(
        actor=actor,
        name=name,
        provider="s3",
        bucket="my-bucket",
        region="eu-west-2",
        credentials={"access_key_id": "AKIAEXAMPLE", "secret_access_key": SECRET},
        **extra,  # type: ignore[arg-type]
    )


def test_secrets_are_encrypted_at_rest_and_never_returned(registry: Registry, admin: User, settings: Settings) -> None:
    added = _add_s3(registry, admin)
    shown = [added, registry.integrations.get(actor=admin, integration="s3"), *registry.integrations.list(actor=admin)]
    for view in shown:
        assert SECRET not in repr(view) and "AKIAEXAMPLE" not in repr(view)
    assert shown[1].config["credentials"] == ["access_key_id", "secret_access_key"]  # type: ignore[attr-defined]
    with registry.db.read() as conn:
        config, secret = conn.execute(sa.text("SELECT config, secret FROM integrations")).one()
    assert SECRET not in json.dumps(config) and SECRET.encode() not in bytes(secret)
    assert SecretBox(settings).open(bytes(secret))["secret_access_key"] == SECRET
    key_file = settings.data_dir / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_different_secret_key_cannot_read_the_credentials(
    registry: Registry, admin: User, settings: Settings
) -> None:
    _add_s3(registry, admin)
    with registry.db.read() as conn:
        secret = bytes(conn.execute(sa.text("SELECT secret FROM integrations")).scalar_one())
    other = SecretBox(settings.model_copy(update={"secret_key": SecretStr("another key")}))
    with pytest.raises(ConfigurationError, match="CAIRN_SECRET_KEY"):
        other.open(secret)


def test_invalid_config_lists_every_problem(registry: Registry, admin: User) -> None:
    with pytest.raises(InvalidInput) as caught:
        registry.integrations.add(actor=admin, name="x", provider="s3_compatible", bucket="b", prefix="/abs")
    fields = {p["field"] for p in caught.value.details["problems"]}
    assert fields == {"endpoint", "prefix"}
    with pytest.raises(InvalidInput, match="unknown provider"):
        registry.integrations.add(actor=admin, name="x", provider="dropbox")


def test_private_endpoints_are_refused_unless_allowed(settings: Settings, admin: User) -> None:
    strict = Registry(settings.model_copy(update={"allow_private_endpoints": False}))
    try:
        with pytest.raises(UrlOutsideIntegration, match="loopback"):
            strict.integrations.add(
                actor=admin, name="minio", provider="s3_compatible", bucket="b", endpoint="http://127.0.0.1:9000"
            )
    finally:
        strict.close()


def test_owner_and_admins_change_others_may_use_only_shared(
    registry: Registry, admin: User, make_user: Callable[[str], User], tmp_path: Path
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    with pytest.raises(PermissionDenied, match="local integration"):
        registry.integrations.add(actor=alice, name="disk", provider="local", root=str(tmp_path))
    _add_s3(registry, alice, name="alice-s3")
    assert [i.name for i in registry.integrations.list(actor=bob)] == []
    with pytest.raises(NotFound, match="'alice-s3' not found"):  # not shared: bob may not learn it exists
        registry.integrations.get(actor=bob, integration="alice-s3")
    with pytest.raises(NotFound):
        registry.integrations.remove(actor=bob, integration="alice-s3")
    registry.integrations.update(actor=alice, integration="alice-s3", shared=True, prefix="team/")
    assert registry.integrations.get(actor=bob, integration="alice-s3").config["prefix"] == "team/"
    with pytest.raises(PermissionDenied):
        registry.integrations.update(actor=bob, integration="alice-s3", shared=False)
    registry.integrations.remove(actor=admin, integration="alice-s3")
    with pytest.raises(NotFound):
        registry.integrations.get(actor=alice, integration="alice-s3")


def test_only_admins_set_up_integrations_that_act_as_the_server(
    registry: Registry, admin: User, make_user: Callable[[str], User]
) -> None:
    """Without credentials obstore signs with the server's own identity (environment, instance role): a user who
    could set that up would read every bucket the server can. Anonymous access and own credentials are anyone's."""
    alice, bob = make_user("alice"), make_user("bob")
    bare = {"provider": "s3", "bucket": "company-private", "region": "eu-west-2"}
    with pytest.raises(PermissionDenied, match=r"alice@example\.com may not .*without credentials"):
        registry.integrations.add(actor=alice, name="sneaky", **bare)  # type: ignore[arg-type]
    registry.integrations.add(actor=alice, name="public", options={"anonymous": "true"}, **bare)  # type: ignore[arg-type]
    _add_s3(registry, alice, name="alice-s3")
    with pytest.raises(PermissionDenied, match="without credentials"):
        registry.integrations.update(actor=alice, integration="alice-s3", credentials={})
    with pytest.raises(PermissionDenied, match="without credentials"):
        registry.integrations.update(actor=alice, integration="public", options={})
    assert registry.integrations.get(actor=alice, integration="alice-s3").config["credentials"] != []
    assert registry.integrations.get(actor=alice, integration="public").config["options"] == {"anonymous": "true"}
    assert sorted(i.name for i in registry.integrations.list(actor=admin)) == ["alice-s3", "public"]
    # An organization admin may, and may share it: then others use it as the admin decided.
    registry.integrations.add(actor=admin, name="team", shared=True, **bare)  # type: ignore[arg-type]
    assert registry.integrations.get(actor=bob, integration="team").config["credentials"] == []


def test_update_keeps_or_replaces_credentials(registry: Registry, admin: User) -> None:
    _add_s3(registry, admin)
    renamed = registry.integrations.update(actor=admin, integration="s3", name="aws")
    assert renamed.config["credentials"] == ["access_key_id", "secret_access_key"]
    cleared = registry.integrations.update(actor=admin, integration="aws", credentials={})
    assert cleared.config["credentials"] == []


def test_removing_an_integration_in_use_is_refused(
    registry: Registry, admin: User, folder: Folder, local_root: Path, write_manifest: Callable[..., Path]
) -> None:
    registry.integrations.add(actor=admin, name="disk", provider="local", root=str(local_root))
    (local_root / "a.jpg").write_bytes(b"\xff\xd8\xff")
    job = register_and_run(registry, admin, folder, "disk", write_manifest({"images": [{"objectUrl": "a.jpg"}]}))
    assert job.status is JobStatus.DONE and job.items_created == 1
    with pytest.raises(Conflict, match="used by 1 item"):
        registry.integrations.remove(actor=admin, integration="disk")
    pending = registry.registration.register(
        actor=admin,
        folder_id=folder.id,
        integration="disk",
        manifest=write_manifest({"images": [{"objectUrl": "a.jpg"}]}),
    )
    registry.items.delete(
        actor=admin, item_ids=[i.id for i in registry.items.browse(actor=admin, query=_query(folder.id)).items]
    )
    with pytest.raises(Conflict, match="unfinished registration job"):
        registry.integrations.remove(actor=admin, integration="disk")
    registry.registration.cancel(actor=admin, job_id=pending.id)
    registry.integrations.remove(actor=admin, integration="disk")


def _query(folder_id: int):  # type: ignore[no-untyped-def]
    from cairn.domain.listing import ItemQuery

    return ItemQuery(folder_id=folder_id, limit=100)


def test_check_proves_access_and_says_what_failed(
    registry: Registry, admin: User, moto_server: StorageServer, local_root: Path
) -> None:
    bucket = moto_server.fresh()
    add_server_integration(registry, admin, bucket, "ok")
    result = registry.integrations.check(actor=admin, integration="ok")
    assert result.ok and "LIST" in result.message
    registry.integrations.add(
        actor=admin,
        name="gone",
        provider="s3_compatible",
        bucket="no-such-bucket",
        endpoint=moto_server.endpoint,
        region="us-east-1",
        credentials={"access_key_id": "testing", "secret_access_key": "testing"},
    )
    with pytest.raises(StorageError, match="does not exist"):
        registry.integrations.check(actor=admin, integration="gone")
    bucket.put("here.jpg", b"x")
    with pytest.raises(StorageError, match="does not exist"):
        registry.integrations.check(actor=admin, integration="ok", key="not-here.jpg")
    registry.integrations.add(actor=admin, name="disk", provider="local", root=str(local_root / "missing"))
    with pytest.raises(StorageError, match="does not exist"):
        registry.integrations.check(actor=admin, integration="disk")


def test_check_reports_refused_credentials(registry: Registry, admin: User, azurite_server: StorageServer) -> None:
    config = azurite_server.config
    add_server_integration(registry, admin, azurite_server, "azure")
    assert registry.integrations.check(actor=admin, integration="azure").ok
    registry.integrations.add(
        actor=admin,
        name="bad-key",
        provider="azure",
        bucket=config.bucket,
        endpoint=config.endpoint,
        options=dict(config.options),
        credentials={"account_key": "YmFkIGtleQ=="},
    )
    with pytest.raises(StorageAccessDenied):
        registry.integrations.check(actor=admin, integration="bad-key")


def test_aws_url_forms_and_multi_region_access_points_are_accepted(
    registry: Registry, admin: User, folder: Folder, write_manifest: Callable[..., Path]
) -> None:
    arn = "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap"
    _add_s3(registry, admin, options={"multi_region_access_point": arn})
    urls = [
        "https://my-bucket.s3.eu-west-2.amazonaws.com/videos/a.mp4",
        "s3://my-bucket/videos/b.mp4",
        f"{arn}/object/videos/c.mp4",
        "https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com/videos/d.mp4",
    ]
    plan = registry.registration.plan(
        actor=admin,
        folder_id=folder.id,
        integration="s3",
        manifest=write_manifest({"videos": [{"objectUrl": u} for u in urls]}),
    )
    assert plan.summary.units == 4
