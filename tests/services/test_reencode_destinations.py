"""Where a re-encode's result goes, on real servers: next to the original in its bucket (s3rver, a local
integration) when the integration can write there, a free name when ``_normalized.mp4`` is taken, refused up front
naming the permission on a read-only integration (Azurite with a read-and-list SAS; moto enforcing IAM policies
without s3:PutObject or s3:DeleteObject), managed storage when chosen;
and no orphan object when the commit never happens (a task's next attempt, its closed hook, the sweep)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from cairn.domain.integrations import Provider, StoreConfig
from cairn.domain.jobs import Job, JobStatus
from cairn.domain.kinds import ItemKind
from cairn.domain.records import Folder, Item, User
from cairn.errors import Conflict, InvalidInput, StorageAccessDenied
from cairn.services.integrations import IntegrationPublic
from cairn.services.items import NewItem
from cairn.services.reencode import ReencodeParams
from cairn.services.registry import Registry
from cairn.storage import ObjectStore, open_store
from tests.fixtures.media_corpus import MediaCorpus
from tests.fixtures.storage_servers import AZURITE_ACCOUNT, AZURITE_KEY, StorageServer, free_port, running
from tests.registration.conftest import add_server_integration
from tests.services.helpers import scratch_files


@pytest.fixture
def folder(registry: Registry, admin: User) -> Folder:
    return registry.folders.create(actor=admin, name="videos")


@pytest.fixture
def bucket(s3rver_server: StorageServer) -> StorageServer:
    return s3rver_server.fresh()


def add_integration(registry: Registry, admin: User, server: StorageServer, name: str = "bucket") -> int:
    return add_server_integration(registry, admin, server, name).id


def add_bucket_video(registry: Registry, admin: User, folder: Folder, integration_id: int, url: str) -> Item:
    (item,) = registry.items.add(
        actor=admin,
        folder_id=folder.id,
        items=[
            NewItem(kind=ItemKind.VIDEO, title=url.rsplit("/", 1)[-1], object_url=url, integration_id=integration_id)
        ],
    )
    registry.inspection.inspect_item(actor=admin, item_id=item.id)
    return registry.items.get(actor=admin, item_id=item.id)


def run(registry: Registry, actor: User, job: Job) -> Job:
    for seq in range(job.tasks_total):
        registry.jobs.run_task(job_id=job.id, seq=seq)
    return registry.jobs.get(actor=actor, job_id=job.id)


def keys(store: ObjectStore) -> list[str]:
    return sorted(info.key for info in store.list(""))


def pending_records(registry: Registry) -> int:
    with registry.db.read() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM result_objects")).scalar_one())


def result_of(registry: Registry, actor: User, original: Item) -> Item:
    _, results = registry.reencode.links(actor=actor, item_id=original.id)
    assert len(results) == 1
    return registry.items.get(actor=actor, item_id=results[0])


def test_a_writable_bucket_gets_the_result_next_to_the_original(
    registry: Registry, admin: User, folder: Folder, bucket: StorageServer, media_corpus: MediaCorpus
) -> None:
    url = bucket.put("cams/left/with_audio.mp4", media_corpus["with_audio.mp4"].read_bytes())
    original = add_bucket_video(registry, admin, folder, add_integration(registry, admin, bucket), url)

    job = run(registry, admin, registry.reencode.start(actor=admin, params=ReencodeParams(), item_ids=[original.id]))

    assert job.status is JobStatus.DONE and job.items_created == 1, job.error
    assert job.params["results_in"] == "bucket" and job.params["destination"] is None
    made = result_of(registry, admin, original)
    assert made.object_url == bucket.url("cams/left/with_audio_normalized.mp4") and made.managed_key is None
    assert made.integration_id == original.integration_id and made.title == "with_audio_normalized.mp4"
    assert made.status.value == "ready"
    assert keys(bucket.store()) == ["cams/left/with_audio.mp4", "cams/left/with_audio_normalized.mp4"]  # no probe
    assert (
        bucket.store().read_range("cams/left/with_audio.mp4", 0, 1 << 30) == media_corpus["with_audio.mp4"].read_bytes()
    )
    assert pending_records(registry) == 0
    assert scratch_files(registry) == []
    (entry,) = registry.journal.entries(actor=admin, action="item.reencode")
    assert entry.details["destination"] == "bucket" and "name_taken" not in entry.details


def test_a_taken_name_gives_a_free_one_and_says_so(
    registry: Registry, admin: User, folder: Folder, bucket: StorageServer, media_corpus: MediaCorpus
) -> None:
    url = bucket.put("with_audio.mp4", media_corpus["with_audio.mp4"].read_bytes())
    bucket.put("with_audio_normalized.mp4", b"the user's own file")
    original = add_bucket_video(registry, admin, folder, add_integration(registry, admin, bucket), url)

    job = run(registry, admin, registry.reencode.start(actor=admin, params=ReencodeParams(), item_ids=[original.id]))

    assert job.items_created == 1, job.error
    made = result_of(registry, admin, original)
    assert made.object_url == bucket.url("with_audio_normalized_1.mp4") and made.title == "with_audio_normalized_1.mp4"
    assert bucket.store().read_range("with_audio_normalized.mp4", 0, 100) == b"the user's own file"
    (entry,) = registry.journal.entries(actor=admin, action="item.reencode")
    assert entry.details["name_taken"] == "with_audio_normalized.mp4"


def test_managed_when_chosen_and_a_local_integration_is_a_bucket_too(
    registry: Registry, admin: User, folder: Folder, media_corpus: MediaCorpus, tmp_path: Path
) -> None:
    root = tmp_path / "disk"
    (root / "v").mkdir(parents=True)
    (root / "v" / "with_audio.mp4").write_bytes(media_corpus["with_audio.mp4"].read_bytes())
    disk = registry.integrations.add(actor=admin, name="disk", provider="local", root=str(root))
    original = add_bucket_video(registry, admin, folder, disk.id, f"file://{root}/v/with_audio.mp4")

    chosen = registry.reencode.start(
        actor=admin, params=ReencodeParams(), item_ids=[original.id], destination="managed"
    )
    job = run(registry, admin, chosen)
    assert job.params["results_in"] == "managed" and job.items_created == 1
    made = result_of(registry, admin, original)
    assert made.managed_key is not None and made.object_url is None
    assert sorted(p.name for p in root.rglob("*")) == ["v", "with_audio.mp4"]

    registry.items.delete(actor=admin, item_ids=[made.id])
    job = run(registry, admin, registry.reencode.start(actor=admin, params=ReencodeParams(), item_ids=[original.id]))
    assert job.params["results_in"] == "bucket" and job.items_created == 1
    assert (root / "v" / "with_audio_normalized.mp4").is_file()
    assert result_of(registry, admin, original).object_url == f"file://{root}/v/with_audio_normalized.mp4"


def test_an_uploaded_original_has_no_bucket(
    registry: Registry, admin: User, folder: Folder, media_corpus: MediaCorpus
) -> None:
    key = "uploads/test/with_audio.mp4"
    target = registry.settings.managed_storage_dir / key
    target.parent.mkdir(parents=True)
    target.write_bytes(media_corpus["with_audio.mp4"].read_bytes())
    (item,) = registry.items.add(
        actor=admin, folder_id=folder.id, items=[NewItem(kind=ItemKind.VIDEO, title="a.mp4", managed_key=key)]
    )
    with pytest.raises(InvalidInput, match="uploaded into cairn and has no bucket"):
        registry.reencode.start(actor=admin, params=ReencodeParams(), item_ids=[item.id], destination="bucket")
    job = registry.reencode.start(actor=admin, params=ReencodeParams(), item_ids=[item.id])
    assert job.params["results_in"] == "managed"


def add_read_only_integration(registry: Registry, admin: User, container: StorageServer) -> IntegrationPublic:
    """An integration named ``reader`` on an Azurite container that may read and list, and nothing else."""
    config = container.config
    return registry.integrations.add(
        actor=admin,
        name="reader",
        provider=config.provider,
        bucket=config.bucket,
        endpoint=config.endpoint,
        credentials={"sas_token": read_only_sas()},
        options=dict(config.options),
    )


def read_only_sas(expiry: str = "2099-01-01T00:00:00Z") -> str:
    """An account SAS for Azurite that may read and list, and nothing else."""
    fields = {"sv": "2019-12-12", "ss": "b", "srt": "sco", "sp": "rl", "se": expiry, "spr": "https,http"}
    to_sign = "\n".join([AZURITE_ACCOUNT, fields["sp"], fields["ss"], fields["srt"], "", fields["se"], "",
                         fields["spr"], fields["sv"], ""])  # fmt: skip
    signature = base64.b64encode(hmac.new(base64.b64decode(AZURITE_KEY), to_sign.encode(), hashlib.sha256).digest())
    return "&".join(f"{k}={quote(v, safe='')}" for k, v in {**fields, "sig": signature.decode()}.items())


def test_a_read_only_integration_is_refused_up_front_naming_the_permission_or_goes_to_managed(
    registry: Registry, admin: User, folder: Folder, azurite_server: StorageServer, media_corpus: MediaCorpus
) -> None:
    container = azurite_server.fresh()
    url = container.put("clips/with_audio.mp4", media_corpus["with_audio.mp4"].read_bytes())
    reader = add_read_only_integration(registry, admin, container)
    original = add_bucket_video(registry, admin, folder, reader.id, url)
    assert original.status.value == "ready"  # the SAS reads

    with pytest.raises(StorageAccessDenied, match=r"lack Write \(Microsoft.Storage/.*clips/"):
        registry.reencode.start(actor=admin, params=ReencodeParams(), item_ids=[original.id], destination="bucket")
    assert registry.jobs.jobs(actor=admin) == []  # refused before any job

    job = run(registry, admin, registry.reencode.start(actor=admin, params=ReencodeParams(), item_ids=[original.id]))
    assert job.params["results_in"] == "managed" and job.params["bucket_integrations"] == []
    assert result_of(registry, admin, original).managed_key is not None
    assert keys(container.store()) == ["clips/with_audio.mp4"]


def test_a_result_uploaded_but_never_committed_is_removed_by_the_next_attempt_or_the_sweep(
    registry: Registry, admin: User, folder: Folder, bucket: StorageServer, media_corpus: MediaCorpus
) -> None:
    url = bucket.put("with_audio.mp4", media_corpus["with_audio.mp4"].read_bytes())
    original = add_bucket_video(registry, admin, folder, add_integration(registry, admin, bucket), url)
    job = registry.reencode.start(actor=admin, params=ReencodeParams(), item_ids=[original.id])
    claimed = registry.jobs._claim(job.id, 0)  # a worker leases the task, prepares it (uploads), then dies
    assert claimed is not None
    registry.reencode.prepare(claimed[0], claimed[1], heartbeat=lambda: None)
    assert keys(bucket.store()) == ["with_audio.mp4", "with_audio_normalized.mp4"] and pending_records(registry) == 1
    assert registry.result_objects.sweep() == 0  # its task is still running: not the sweep's

    with registry.db.write() as conn:  # the lease expires; the next attempt removes the upload before its own
        conn.execute(sa.text("UPDATE job_tasks SET lease_expires_at = '2000-01-01 00:00:00'"))
    assert registry.jobs.recover() == 1
    finished = run(registry, admin, job)
    assert finished.status is JobStatus.DONE and finished.items_created == 1
    assert keys(bucket.store()) == ["with_audio.mp4", "with_audio_normalized.mp4"] and pending_records(registry) == 0

    second = registry.reencode.start(actor=admin, params=ReencodeParams(), item_ids=[original.id])
    claimed = registry.jobs._claim(second.id, 0)
    assert claimed is not None
    registry.reencode.prepare(claimed[0], claimed[1], heartbeat=lambda: None)  # dies after the upload ...
    assert "with_audio_normalized_1.mp4" in keys(bucket.store())
    with registry.db.write() as conn:
        conn.execute(sa.text("UPDATE job_tasks SET status = 'cancelled' WHERE job_id = :j"), {"j": second.id})
    assert registry.result_objects.sweep() == 1  # ... and its job is cancelled: the sweep removes the upload
    assert keys(bucket.store()) == ["with_audio.mp4", "with_audio_normalized.mp4"] and pending_records(registry) == 0


@pytest.fixture(scope="module")
def moto_with_iam(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, tuple[str, str]]]]:
    """moto's server enforcing IAM policies: a bucket ``media`` and the keys of ``reader`` (GetObject, ListBucket)
    and ``no_delete`` (those and PutObject). Its first 4 requests go unchecked: the readiness GET and the three that
    make the admin user."""
    boto3 = pytest.importorskip("boto3")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "4", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}
    argv = [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    log = tmp_path_factory.mktemp("moto_iam") / "moto.log"
    with running(argv, env=env, url=endpoint, log=log):
        anyone = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "not-checked-yet"}

        def user(keys: dict[str, str], name: str, actions: list[str]) -> tuple[str, str]:
            iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", **keys)
            iam.create_user(UserName=name)
            statement = {"Effect": "Allow", "Action": actions, "Resource": "*"}
            policy = {"Version": "2012-10-17", "Statement": [statement]}
            iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
            made = iam.create_access_key(UserName=name)["AccessKey"]
            return made["AccessKeyId"], made["SecretAccessKey"]

        admin_id, admin_secret = user(anyone, "admin", ["*"])
        admin = {"aws_access_key_id": admin_id, "aws_secret_access_key": admin_secret}
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **admin).create_bucket(Bucket="media")
        read = ["s3:GetObject", "s3:ListBucket"]
        keys = {"admin": (admin_id, admin_secret), "reader": user(admin, "reader", read)}
        keys["no_delete"] = user(admin, "no_delete", [*read, "s3:PutObject"])
        yield endpoint, keys


@pytest.mark.parametrize(("who", "permission"), [("reader", "s3:PutObject"), ("no_delete", "s3:DeleteObject")])
def test_an_s3_policy_without_write_or_delete_is_refused_naming_the_permission(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    moto_with_iam: tuple[str, dict[str, tuple[str, str]]],
    media_corpus: MediaCorpus,
    who: str,
    permission: str,
) -> None:
    endpoint, keys = moto_with_iam
    key = f"{who}/with_audio.mp4"

    def config(user: str) -> StoreConfig:
        key_id, secret = keys[user]
        credentials = {"access_key_id": key_id, "secret_access_key": secret}
        return StoreConfig(Provider.S3_COMPATIBLE, "media", "us-east-1", endpoint, credentials=credentials)

    open_store(config("admin"), allow_private_endpoints=True).put(key, media_corpus["with_audio.mp4"].read_bytes())
    integration = add_integration(registry, admin, StorageServer("moto", endpoint, config(who), lambda _: config(who)))
    original = add_bucket_video(registry, admin, folder, integration, f"s3://media/{key}")
    assert original.status.value == "ready"  # the policy reads

    with pytest.raises(StorageAccessDenied, match=rf"lack {permission} there") as refused:
        registry.reencode.start(actor=admin, params=ReencodeParams(), item_ids=[original.id], destination="bucket")
    assert f"media/{who}/" in refused.value.message and refused.value.details["permission"] == permission
    job = registry.reencode.start(actor=admin, params=ReencodeParams(), item_ids=[original.id])
    assert job.params["results_in"] == "managed"


def test_a_lease_lost_during_the_upload_stops_it_and_leaves_the_record_to_the_task_s_new_owner(
    *, registry: Registry, admin: User, folder: Folder, bucket: StorageServer, media_corpus: MediaCorpus, tmp_path: Path
) -> None:
    """The upload renews the lease as it reads the file; a lease lost stops it, and the object is no longer this
    attempt's to remove (the attempt that took the task over may be writing the same name): its record stays for
    that attempt's release."""
    url = bucket.put("with_audio.mp4", media_corpus["with_audio.mp4"].read_bytes())
    original = add_bucket_video(registry, admin, folder, add_integration(registry, admin, bucket), url)
    job = registry.reencode.start(actor=admin, params=ReencodeParams(), item_ids=[original.id])
    result = tmp_path / "result.mp4"
    result.write_bytes(os.urandom(12 << 20))  # two parts

    def lost() -> None:
        raise Conflict("the lease was lost (another worker took it over)")

    with pytest.raises(Conflict, match="lease was lost"):
        registry.result_objects.place(
            job_id=job.id, seq=0, original=original, destination="bucket", name="r.mp4", file=result, heartbeat=lost
        )
    assert pending_records(registry) == 1
    assert registry.result_objects.release(job_id=job.id, seq=0) == 1
    assert pending_records(registry) == 0 and keys(bucket.store()) == ["with_audio.mp4"]
