"""StoreConfig validation, secret hiding and the public view."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from cairn.domain.integrations import Provider, StoreConfig, store_config_problems, validate_store_config
from cairn.errors import InvalidInput
from cairn.storage import open_store

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
GOOGLE_KEY = {  # every field of a key file as Google issues it
    "type": "service_account",
    "project_id": "proj",
    "private_key_id": "0123abcd",
    "private_key": "-----BEGIN PRIVATE KEY-----\nMII...\n-----END PRIVATE KEY-----\n",
    "client_email": "reader@proj.iam.gserviceaccount.com",
    "client_id": "1234567890",
    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
    "token_uri": "https://oauth2.googleapis.com/token",
    "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
    "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/reader%40proj.iam.gserviceaccount.com",
    "universe_domain": "googleapis.com",
}


def _fields(config: StoreConfig) -> set[str | None]:
    return {problem.field for problem in store_config_problems(config)}


def test_repr_str_and_public_view_hide_secret_values() -> None:
    config = StoreConfig(
        provider=Provider.S3,
        bucket="media",
        credentials={"access_key_id": "AKIAEXAMPLE", "secret_access_key": SECRET},
    )
    assert SECRET not in repr(config)
    assert SECRET not in str(config)
    assert "'secret_access_key': '***'" in repr(config)
    view = config.public_view()
    assert SECRET not in json.dumps(view)
    assert view["credentials"] == ["access_key_id", "secret_access_key"]
    assert view["bucket"] == "media"


def test_config_is_immutable_even_its_mappings() -> None:
    credentials = {"account_key": "k"}
    config = StoreConfig(provider=Provider.AZURE, bucket="box", credentials=credentials)
    credentials["account_key"] = "changed"
    assert config.credentials["account_key"] == "k"
    with pytest.raises(TypeError):
        config.options["x"] = "y"  # type: ignore[index]


@pytest.mark.parametrize(
    "config",
    [
        StoreConfig(provider=Provider.S3, bucket="media", region="eu-west-1"),
        StoreConfig(provider=Provider.S3, bucket="media", options={"multi_region_access_point": "abc123.mrap"}),
        StoreConfig(provider=Provider.S3_COMPATIBLE, bucket="Media_1", endpoint="https://s3.wasabisys.com"),
        StoreConfig(
            provider=Provider.GCS,
            bucket="gcs_bucket",
            credentials={"service_account_key": json.dumps(GOOGLE_KEY)},
        ),
        StoreConfig(
            provider=Provider.AZURE,
            bucket="videos",
            options={"account_name": "acct1"},
            credentials={"sas_token": "sv=1"},
        ),
        StoreConfig(provider=Provider.LOCAL, root="/srv/data", prefix="team-a/"),
    ],
)
def test_valid_configs_pass(config: StoreConfig) -> None:
    assert validate_store_config(config) is config


@pytest.mark.parametrize(
    ("config", "fields"),
    [
        (StoreConfig(provider=Provider.S3), {"bucket"}),
        (StoreConfig(provider=Provider.S3, bucket="Bad_Bucket"), {"bucket"}),
        (StoreConfig(provider=Provider.S3, bucket="media", region="Europe"), {"region"}),
        (StoreConfig(provider=Provider.S3, bucket="media", endpoint="https://x"), {"endpoint"}),
        (
            StoreConfig(provider=Provider.S3, bucket="media", options={"multi_region_access_point": "x"}),
            {"options.multi_region_access_point"},
        ),
        (
            StoreConfig(provider=Provider.S3, bucket="media", credentials={"access_key_id": "a"}),
            {"credentials.secret_access_key"},
        ),
        (StoreConfig(provider=Provider.S3, bucket="media", credentials={"password": "a"}), {"credentials.password"}),
        (StoreConfig(provider=Provider.S3_COMPATIBLE, bucket="media"), {"endpoint"}),
        (StoreConfig(provider=Provider.S3_COMPATIBLE, bucket="media", endpoint="ftp://x"), {"endpoint"}),
        (StoreConfig(provider=Provider.S3_COMPATIBLE, bucket="media", endpoint="https://x?a=1"), {"endpoint"}),
        (
            StoreConfig(
                provider=Provider.S3_COMPATIBLE,
                bucket="media",
                endpoint="https://x",
                options={"virtual_hosted_style": "yes"},
            ),
            {"options.virtual_hosted_style"},
        ),
        (StoreConfig(provider=Provider.GCS, bucket="b", region="eu"), {"bucket", "region"}),
        (
            StoreConfig(provider=Provider.GCS, bucket="bucket", credentials={"service_account_key": "{not json"}),
            {"credentials.service_account_key"},
        ),
        (StoreConfig(provider=Provider.AZURE, bucket="videos"), {"options.account_name"}),
        (
            StoreConfig(provider=Provider.AZURE, bucket="Videos--x", options={"account_name": "UPPER"}),
            {"bucket", "options.account_name"},
        ),
        (
            StoreConfig(
                provider=Provider.AZURE,
                bucket="videos",
                options={"account_name": "acct"},
                credentials={"account_key": "a", "sas_token": "b"},
            ),
            {"credentials.sas_token"},
        ),
        (StoreConfig(provider=Provider.LOCAL), {"root"}),
        (StoreConfig(provider=Provider.LOCAL, root="relative/dir"), {"root"}),
        (StoreConfig(provider=Provider.LOCAL, root="/srv/../etc"), {"root"}),
        (StoreConfig(provider=Provider.LOCAL, root="/srv", bucket="b"), {"bucket"}),
        (StoreConfig(provider=Provider.LOCAL, root="/srv", prefix="../up"), {"prefix"}),
        (StoreConfig(provider=Provider.LOCAL, root="/srv", prefix="/abs"), {"prefix"}),
        (StoreConfig(provider="dropbox", bucket="x"), {"provider"}),  # type: ignore[arg-type]
    ],
)
def test_invalid_configs_report_every_problem_by_field(config: StoreConfig, fields: set[str]) -> None:
    assert _fields(config) == fields
    with pytest.raises(InvalidInput) as caught:
        validate_store_config(config)
    for field in fields:
        assert f"{field}:" in caught.value.message
    assert {p["field"] for p in caught.value.details["problems"]} == fields


def test_problem_messages_never_echo_secrets() -> None:
    config = StoreConfig(provider=Provider.GCS, bucket="bucket", credentials={"service_account_key": SECRET})
    with pytest.raises(InvalidInput) as caught:
        validate_store_config(config)
    assert SECRET not in caught.value.message
    assert SECRET not in json.dumps(caught.value.to_dict())


def _gcs(**changes: object) -> StoreConfig:
    key = {k: v for k, v in {**GOOGLE_KEY, **changes}.items() if v is not None}
    return StoreConfig(provider=Provider.GCS, bucket="media", credentials={"service_account_key": json.dumps(key)})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"gcs_base_url": "https://127.0.0.1:4443"}, "credentials.service_account_key.gcs_base_url"),
        ({"disable_oauth": True}, "credentials.service_account_key.disable_oauth"),
        ({"metadata_endpoint": "http://169.254.169.254"}, "credentials.service_account_key.metadata_endpoint"),
        ({"token_uri": "https://127.0.0.1/token"}, "credentials.service_account_key.token_uri"),
        ({"token_uri": "https://oauth2.googleapis.com.evil.example/t"}, "credentials.service_account_key.token_uri"),
        ({"auth_uri": "http://accounts.google.com/o/oauth2/auth"}, "credentials.service_account_key.auth_uri"),
        ({"universe_domain": "evil.example"}, "credentials.service_account_key.universe_domain"),
        ({"type": "external_account"}, "credentials.service_account_key.type"),
        ({"client_id": 12}, "credentials.service_account_key.client_id"),
        ({"private_key_id": None}, "credentials.service_account_key"),
    ],
)
def test_service_account_keys_may_hold_only_googles_own_fields(changes: dict[str, object], field: str) -> None:
    """A key's JSON is configuration too: obstore honours ``gcs_base_url`` and ``disable_oauth`` in it, which would
    send cairn's requests to any host (127.0.0.1, the metadata service) past every endpoint check."""
    assert _fields(_gcs(**changes)) == {field}


def test_a_key_file_as_google_issues_it_passes() -> None:
    config = _gcs()
    assert validate_store_config(config) is config


def test_service_account_problems_never_echo_the_key() -> None:
    config = _gcs(gcs_base_url="https://127.0.0.1:4443", token_uri=f"https://{SECRET}.example")
    with pytest.raises(InvalidInput) as caught:
        validate_store_config(config)
    assert SECRET not in json.dumps(caught.value.to_dict()) and "127.0.0.1" not in caught.value.message


@pytest.mark.parametrize(
    "endpoint",
    ["https://127.0.0.1\\.evil.example", "https://\u24dbocalhost", "https://2130706433", "https://a@b.example"],
)
def test_endpoints_parsers_could_disagree_on_are_refused_for_every_provider_with_one(endpoint: str) -> None:
    compat = StoreConfig(provider=Provider.S3_COMPATIBLE, bucket="media", endpoint=endpoint)
    azure = StoreConfig(provider=Provider.AZURE, bucket="media", endpoint=endpoint, options={"account_name": "acct"})
    assert _fields(compat) == {"endpoint"}
    assert _fields(azure) == {"endpoint"}


def test_s3_compatible_regions_are_plain_names() -> None:
    config = StoreConfig(
        provider=Provider.S3_COMPATIBLE, bucket="media", endpoint="https://s3.example.com", region="auto\r\nX-A: b"
    )
    assert _fields(config) == {"region"}
    assert _fields(replace(config, region="fr-par")) == set()


def test_only_the_signing_fields_of_a_service_account_key_reach_obstore() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    store = open_store(_gcs(private_key=pem), allow_private_endpoints=False)
    handed = json.loads(store._inner.config["service_account_key"])  # type: ignore[attr-defined]
    assert handed == {"client_email": GOOGLE_KEY["client_email"], "private_key": pem, "private_key_id": "0123abcd"}
