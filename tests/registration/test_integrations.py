"""Integrations: secrets encrypted at rest and never shown, who may do what, removal in use, access checks."""

from __future__ import annotations

import json
import socket
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from cairn.db.repositories import Repos
from cairn.domain.integrations import Provider, StoreConfig
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
from cairn.services.integrations import IntegrationService
from cairn.services.registry import Registry
from cairn.services.secrets import SecretBox
from cairn.settings import Settings
from tests.fixtures.dns import FakeDns
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


def test_only_organization_admins_add_change_and_remove_integrations(
    registry: Registry, admin: User, make_user: Callable[[str], User], tmp_path: Path
) -> None:
    """An integration decides where cairn's server connects and as whom (as Encord: organization admins set them
    up). Others register files from the shared ones, and from one they own (made before this rule)."""
    alice, bob = make_user("alice"), make_user("bob")
    for provider in (
        {"provider": "local", "root": str(tmp_path)},
        {"provider": "s3", "bucket": "media", "region": "eu-west-2"},
    ):
        with pytest.raises(
            PermissionDenied, match=r"alice@example\.com may not add an integration.*organization admins"
        ):
            registry.integrations.add(actor=alice, name="mine", **provider)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied, match="organization admins"):
        _add_s3(registry, alice, name="alice-s3")
    _add_s3(registry, admin, name="team", shared=True)
    _add_s3(registry, admin, name="private")
    assert [i.name for i in registry.integrations.list(actor=bob)] == ["team"]
    with pytest.raises(NotFound, match="'private' not found"):  # not shared: bob may not learn it exists
        registry.integrations.get(actor=bob, integration="private")
    for change in (
        lambda: registry.integrations.update(actor=bob, integration="team", shared=False),
        lambda: registry.integrations.update(actor=bob, integration="team", credentials={}),
        lambda: registry.integrations.remove(actor=bob, integration="team"),
    ):
        with pytest.raises(PermissionDenied, match=r"bob@example\.com may not change integration 'team'"):
            change()
    assert registry.integrations.get(actor=bob, integration="team").shared
    with registry.db.write() as conn:  # one a plain user made before this rule: theirs to use, not to change
        conn.execute(sa.text("UPDATE integrations SET owner_id = :alice WHERE name = 'private'"), {"alice": alice.id})
    assert registry.integrations.get(actor=alice, integration="private").owner_id == alice.id
    with pytest.raises(PermissionDenied, match="organization admins"):
        registry.integrations.update(actor=alice, integration="private", prefix="x/")
    registry.integrations.update(actor=admin, integration="private", prefix="team/")
    registry.integrations.remove(actor=admin, integration="private")
    with pytest.raises(NotFound):
        registry.integrations.get(actor=alice, integration="private")


def _listener() -> socket.socket:
    """A loopback port that records whether anything connected (the kernel completes the handshake)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    return listener


def _connected(listener: socket.socket) -> bool:
    try:
        listener.accept()[0].close()
    except BlockingIOError:
        return False
    return True


def test_a_gcs_key_that_points_cairn_at_this_machine_is_refused(registry: Registry, admin: User) -> None:
    """obstore honours ``gcs_base_url`` and ``disable_oauth`` inside a service account key: no endpoint check saw
    them, and ``check`` connected to https://127.0.0.1 (even with private endpoints disallowed)."""
    listener = _listener()
    port = listener.getsockname()[1]
    key = {"client_email": "a@b.example", "private_key": "x", "private_key_id": "k", "disable_oauth": True}
    key["gcs_base_url"] = f"https://127.0.0.1:{port}"
    credentials = {"service_account_key": json.dumps(key)}
    strict = IntegrationService(
        registry.db, settings=registry.settings.model_copy(update={"allow_private_endpoints": False})
    )
    for service in (registry.integrations, strict):
        with pytest.raises(InvalidInput) as caught:
            service.add(actor=admin, name="gcs", provider="gcs", bucket="media", credentials=credentials)
        fields = {p["field"] for p in caught.value.details["problems"]}
        assert fields == {f"credentials.service_account_key.{f}" for f in ("disable_oauth", "gcs_base_url")}
    with registry.db.write() as conn:  # one saved by an older cairn is refused when opened, before connecting
        repos = Repos(conn)
        repos.integrations.create(
            name="old-gcs",
            provider="gcs",
            config={"bucket": "media", "credential_names": ["service_account_key"]},
            secret=registry.integrations.secrets.seal(credentials),
            owner_id=admin.id,
        )
    with pytest.raises(InvalidInput, match="gcs_base_url"):
        strict.check(actor=admin, integration="old-gcs")
    assert not _connected(listener)
    listener.close()


def test_the_endpoint_is_resolved_again_before_each_check(registry: Registry, admin: User) -> None:
    """A name that resolved to a public address when the integration was saved may lead to this machine later
    (DNS rebinding): every store built resolves it again and checks every address."""
    dns = FakeDns({"storage.example.com": ["52.95.110.1"]})
    strict = registry.settings.model_copy(update={"allow_private_endpoints": False})
    service = IntegrationService(registry.db, settings=strict, resolve=dns)
    service.add(
        actor=admin,
        name="compat",
        provider="s3_compatible",
        bucket="media",
        endpoint="https://storage.example.com",
        credentials={"access_key_id": "a", "secret_access_key": "b"},
    )
    dns.answers["storage.example.com"] = ["52.95.110.1", "100.100.100.200"]
    with pytest.raises(UrlOutsideIntegration, match=r"100\.100\.100\.200, a shared address space"):
        service.check(actor=admin, integration="compat")
    dns.answers["storage.example.com"] = ["::ffff:127.0.0.1"]
    with pytest.raises(UrlOutsideIntegration, match="loopback"):
        service.check(actor=admin, integration="compat", key="a.jpg")
    assert dns.asked == ["storage.example.com"] * 3


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
    with pytest.raises(Conflict, match="used by 1 registered file"):
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
    registry.jobs.cancel(actor=admin, job_id=pending.id)
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
    removed = local_root / "removed"
    removed.mkdir()
    registry.integrations.add(actor=admin, name="disk", provider="local", root=str(removed))
    removed.rmdir()  # a missing root is refused when added (422); one removed later is what check reports
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


def test_stores_with_a_custom_endpoint_connect_through_the_guard(registry: Registry) -> None:
    """obstore follows redirects and resolves names again itself: with private endpoints refused, every connection
    of a store with a custom endpoint goes through the connection guard (tests/storage/test_guard.py)."""
    dns = FakeDns({"storage.example.com": ["52.95.110.1"]})
    strict = IntegrationService(
        registry.db, settings=registry.settings.model_copy(update={"allow_private_endpoints": False}), resolve=dns
    )
    lax = IntegrationService(registry.db, settings=registry.settings, resolve=dns)
    compat = StoreConfig(provider=Provider.S3_COMPATIBLE, bucket="media", endpoint="https://storage.example.com")
    aws = StoreConfig(provider=Provider.S3, bucket="media", region="eu-west-1", options={"anonymous": "true"})
    try:
        proxied = strict.open(compat)._inner.client_options  # type: ignore[attr-defined]
        assert proxied["proxy_url"].startswith("http://127.0.0.1:")
        assert strict.open(compat)._inner.client_options == proxied  # type: ignore[attr-defined]  # one guard
        assert "proxy_url" not in strict.open(aws)._inner.client_options  # type: ignore[attr-defined]
        assert "proxy_url" not in lax.open(compat)._inner.client_options  # type: ignore[attr-defined]
    finally:
        strict.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", int(proxied["proxy_url"].rsplit(":", 1)[1])), timeout=2)
