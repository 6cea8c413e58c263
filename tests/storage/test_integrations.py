"""StoreConfig validation, secret hiding and the public view."""

from __future__ import annotations

import json

import pytest

from cairn.domain.integrations import Provider, StoreConfig, store_config_problems, validate_store_config
from cairn.errors import InvalidInput

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


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
            credentials={"service_account_key": json.dumps({"client_email": "a@b", "private_key": "k"})},
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
