"""The SSRF rule for custom endpoints."""

from __future__ import annotations

import ipaddress

import pytest

from cairn.domain.integrations import Provider, StoreConfig
from cairn.errors import InvalidInput, UrlOutsideIntegration
from cairn.storage import check_endpoint_allowed, open_store
from cairn.storage.endpoints import forbidden_address_reason


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:9000",
        "http://localhost:9000",
        "http://10.1.2.3",
        "http://192.168.0.10",
        "http://172.16.5.4",
        "http://169.254.169.254",
        "http://0.0.0.0:80",
        "http://[::1]:9000",
        "http://[::ffff:127.0.0.1]",
        "http://[fe80::1]",
    ],
)
def test_private_endpoints_are_refused_naming_endpoint_and_setting(endpoint: str) -> None:
    with pytest.raises(UrlOutsideIntegration) as caught:
        check_endpoint_allowed(endpoint, allow_private_endpoints=False)
    assert endpoint in caught.value.message
    assert "CAIRN_ALLOW_PRIVATE_ENDPOINTS" in caught.value.message
    assert caught.value.details["setting"] == "allow_private_endpoints"


def test_private_endpoints_are_allowed_when_the_setting_says_so() -> None:
    check_endpoint_allowed("http://127.0.0.1:9000", allow_private_endpoints=True)


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111", "52.95.110.1"])
def test_public_addresses_pass(address: str) -> None:
    assert forbidden_address_reason(ipaddress.ip_address(address)) is None


def test_public_ip_literal_endpoint_passes_without_dns() -> None:
    check_endpoint_allowed("https://52.95.110.1", allow_private_endpoints=False)


def test_unresolvable_endpoint_is_bad_input() -> None:
    with pytest.raises(InvalidInput, match=r"host 'no-such-host\.invalid' does not resolve"):
        check_endpoint_allowed("https://no-such-host.invalid", allow_private_endpoints=False)


def test_open_store_applies_the_rule_to_s3_compatible_and_azure_endpoints() -> None:
    compat = StoreConfig(provider=Provider.S3_COMPATIBLE, bucket="media", endpoint="http://127.0.0.1:1")
    azure = StoreConfig(
        provider=Provider.AZURE, bucket="media", endpoint="http://127.0.0.1:1/acct", options={"account_name": "acct"}
    )
    for config in (compat, azure):
        with pytest.raises(UrlOutsideIntegration, match="loopback"):
            open_store(config, allow_private_endpoints=False)
        assert open_store(config, allow_private_endpoints=True).description == config.label
