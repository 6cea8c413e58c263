"""The SSRF rule for custom endpoints."""

from __future__ import annotations

import ipaddress

import pytest

from cairn.domain.integrations import Provider, StoreConfig
from cairn.errors import InvalidInput, UrlOutsideIntegration
from cairn.storage import check_endpoint_allowed, open_store
from cairn.storage.endpoints import forbidden_address_reason
from tests.fixtures.dns import FakeDns


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


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("100.100.100.200", "shared"),  # Alibaba Cloud's metadata service, in 100.64.0.0/10 (CGNAT)
        ("100.64.0.1", "shared"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::", "link-local"),  # 6to4 of 169.254.169.254
        ("2002:a00:1::", "private"),  # 6to4 of 10.0.0.1
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:100.100.100.200", "shared"),
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),
        ("64:ff9b:1::a00:1", "NAT64"),  # local-use NAT64 prefix
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
        ("2001:0:7f00:1::80ff:fffe", "Teredo"),
        ("::127.0.0.1", "IPv4-compatible"),
        ("fec0::1", "site-local"),
        ("fd00::1", "unique local"),
        ("fe80::1", "link-local"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("192.0.0.170", "protocol"),
        ("192.0.2.1", "documentation"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("224.0.0.1", "multicast"),
        ("0.1.2.3", "this network"),
        ("100::1", "discard"),
    ],
)
def test_non_global_addresses_and_their_embeddings_are_refused(address: str, reason: str) -> None:
    found = forbidden_address_reason(ipaddress.ip_address(address))
    assert found is not None and reason in found


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::", "::ffff:8.8.8.8"])
def test_embeddings_of_public_addresses_pass(address: str) -> None:
    """NAT64 is how an IPv6-only server reaches an IPv4 store: the embedded address decides."""
    assert forbidden_address_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://[2002:7f00:1::]",
        "https://[64:ff9b::7f00:1]:9000",
        "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
        "https://100.100.100.200",
        "https://[::ffff:100.100.100.200]",
    ],
)
def test_literal_endpoints_embedding_private_addresses_are_refused(endpoint: str) -> None:
    with pytest.raises(UrlOutsideIntegration, match="CAIRN_ALLOW_PRIVATE_ENDPOINTS"):
        check_endpoint_allowed(endpoint, allow_private_endpoints=False, resolve=FakeDns({}))


def test_a_name_resolving_to_loopback_is_refused_whatever_else_it_resolves_to() -> None:
    dns = FakeDns({"storage.example.com": ["8.8.8.8", "127.0.0.1"]})
    with pytest.raises(UrlOutsideIntegration, match=r"resolves to 127\.0\.0\.1, a loopback address"):
        check_endpoint_allowed("https://storage.example.com", allow_private_endpoints=False, resolve=dns)
    dns.answers["storage.example.com"] = ["::ffff:7f00:1"]
    with pytest.raises(UrlOutsideIntegration, match="loopback"):
        check_endpoint_allowed("https://storage.example.com", allow_private_endpoints=False, resolve=dns)


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://127.0.0.1\\.evil.example",  # Python and the Rust URL parser disagree on the host
        "https://evil.example\\@127.0.0.1",
        "https://\u24dbocalhost",  # IDNA maps it to localhost in the Rust URL parser
        "https://2130706433",  # 127.0.0.1 as one number (WHATWG URL)
        "https://0x7f000001",
        "https://0x7f.1",
        "https://127.1",
        "https://0177.0.0.1",
        "https://[fe80::1%25eth0]",
        "https://exa mple.com",
        "https://example.com:0",
        "https://example.com:99999",
        "https://example.com/a b",
        "https://user@example.com",
        "https://example.com#x",
        "https://-example.com",
        "s3://example.com",
    ],
)
def test_endpoints_that_parsers_could_read_differently_are_refused(endpoint: str) -> None:
    """The guard resolves the host Python sees; obstore connects to the host its own URL parser sees. Only URLs
    both read the same way (plain ASCII host names, canonical IP literals) are accepted."""
    dns = FakeDns({})
    with pytest.raises(InvalidInput):
        check_endpoint_allowed(endpoint, allow_private_endpoints=False, resolve=dns)
    assert dns.asked == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://s3.wasabisys.com",
        "https://S3.Example.com:8443/base/path",
        "https://[2606:4700:4700::1111]:443/base",
        "http://52.95.110.1",
        "http://minio_1:9000",  # a Docker service name
    ],
)
def test_well_formed_public_endpoints_pass(endpoint: str) -> None:
    dns = FakeDns(
        {"s3.wasabisys.com": ["38.27.106.10"], "s3.example.com": ["2606:4700:4700::1111"], "minio_1": ["52.95.110.1"]}
    )
    check_endpoint_allowed(endpoint, allow_private_endpoints=False, resolve=dns)


def test_open_store_checks_the_address_again_each_time_a_store_is_built() -> None:
    """DNS may change after the integration was saved: every store built resolves the endpoint again."""
    dns = FakeDns({"storage.example.com": ["8.8.8.8"]})
    config = StoreConfig(provider=Provider.S3_COMPATIBLE, bucket="media", endpoint="https://storage.example.com")
    assert open_store(config, allow_private_endpoints=False, resolve=dns).description == config.label
    dns.answers["storage.example.com"] = ["100.100.100.200"]
    with pytest.raises(UrlOutsideIntegration, match=r"100\.100\.100\.200"):
        open_store(config, allow_private_endpoints=False, resolve=dns)
    assert dns.asked == ["storage.example.com", "storage.example.com"]
