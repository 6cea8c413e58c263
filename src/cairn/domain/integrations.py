"""Storage integrations as values: which provider, which bucket or directory, which credentials.

A :class:`StoreConfig` says *where* objects live; it does no I/O. ``cairn.storage.open_store`` turns it into an
``ObjectStore``; ``cairn.domain.urls`` decides which URLs belong to it.

Keys are always full keys inside the bucket (or paths relative to ``root`` for ``local``). ``prefix`` narrows an
integration to part of a bucket: URLs outside it are refused, listings start there.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from cairn.errors import InvalidInput, Problem

__all__ = [
    "CREDENTIAL_KEYS",
    "OPTION_KEYS",
    "SERVICE_ACCOUNT_KEY_FIELDS",
    "Endpoint",
    "Provider",
    "StoreConfig",
    "endpoint_problem",
    "mrap_alias",
    "parse_endpoint",
    "store_config_problems",
    "validate_store_config",
]


class Provider(StrEnum):
    """Where an integration's objects are stored."""

    S3 = "s3"
    S3_COMPATIBLE = "s3_compatible"
    GCS = "gcs"
    AZURE = "azure"
    LOCAL = "local"


CREDENTIAL_KEYS: Mapping[Provider, frozenset[str]] = MappingProxyType(
    {
        Provider.S3: frozenset({"access_key_id", "secret_access_key", "session_token"}),
        Provider.S3_COMPATIBLE: frozenset({"access_key_id", "secret_access_key", "session_token"}),
        Provider.GCS: frozenset({"service_account_key"}),
        Provider.AZURE: frozenset({"account_key", "sas_token"}),
        Provider.LOCAL: frozenset(),
    }
)
"""Secret values each provider accepts. None given: the provider's standard credential chain is used."""

OPTION_KEYS: Mapping[Provider, frozenset[str]] = MappingProxyType(
    {
        Provider.S3: frozenset({"anonymous", "multi_region_access_point"}),
        Provider.S3_COMPATIBLE: frozenset({"anonymous", "virtual_hosted_style"}),
        Provider.GCS: frozenset({"anonymous"}),
        Provider.AZURE: frozenset({"account_name", "anonymous"}),
        Provider.LOCAL: frozenset(),
    }
)
"""Non-secret settings each provider accepts (string values; booleans are ``"true"``/``"false"``)."""

_BOOLEAN_OPTIONS = frozenset({"anonymous", "virtual_hosted_style"})
_S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_LOOSE_BUCKET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
_GCS_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$")
_AZURE_CONTAINER = re.compile(r"^(?:[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}|\$root|\$web)$")
_AZURE_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z0-9]+)+$")
_MRAP_ARN = re.compile(r"^arn:aws[a-z-]*:s3::(?P<account>\d{12}):accesspoint/(?P<alias>[a-z0-9]+\.mrap)$")
_MRAP_ALIAS = re.compile(r"^[a-z0-9]+\.mrap$")
_LOOSE_REGION = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?$")

# An endpoint both Python and obstore's URL parser (WHATWG rules) read the same way: http(s), a plain ASCII host
# name or a canonical IP literal, an optional port, an optional path of URL characters; nothing else.
_ENDPOINT = re.compile(
    r"^(?P<scheme>[Hh][Tt][Tt][Pp][Ss]?)://(?P<host>[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])"
    r"(?::(?P<port>[0-9]{1,5}))?(?P<path>/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$"
)
_HOST_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")  # "_": Docker service names
_NUMBER_LABEL = re.compile(r"^(?:[0-9]+|0[xX][0-9A-Fa-f]*)$")  # WHATWG reads a host ending so as an IPv4 address

SERVICE_ACCOUNT_KEY_FIELDS = frozenset(
    {
        "type",
        "project_id",
        "private_key_id",
        "private_key",
        "client_email",
        "client_id",
        "auth_uri",
        "token_uri",
        "auth_provider_x509_cert_url",
        "client_x509_cert_url",
        "universe_domain",
    }
)
"""The fields of a Google service account JSON key file; any other field (``gcs_base_url``...) is refused."""

_SERVICE_ACCOUNT_REQUIRED = ("client_email", "private_key", "private_key_id")
_SERVICE_ACCOUNT_URLS = ("auth_uri", "token_uri", "auth_provider_x509_cert_url", "client_x509_cert_url")
_EMULATOR_FIELDS = frozenset({"gcs_base_url", "disable_oauth"})


def _frozen_mapping(value: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(value))


@dataclass(frozen=True)
class StoreConfig:
    """Where an integration's objects live and how to reach them. Build it, then ``validate_store_config`` it.

    ``credentials`` holds secrets: they never appear in ``repr``/``str`` nor in :meth:`public_view`.
    """

    provider: Provider
    bucket: str | None = None
    region: str | None = None
    endpoint: str | None = None
    root: str | None = None
    prefix: str = ""
    credentials: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "credentials", _frozen_mapping(self.credentials))
        object.__setattr__(self, "options", _frozen_mapping(self.options))

    def __repr__(self) -> str:
        hidden = {name: "***" for name in sorted(self.credentials)}
        return (
            f"StoreConfig(provider={str(self.provider)!r}, bucket={self.bucket!r}, region={self.region!r}, "
            f"endpoint={self.endpoint!r}, root={self.root!r}, prefix={self.prefix!r}, "
            f"credentials={hidden!r}, options={dict(self.options)!r})"
        )

    __str__ = __repr__

    def public_view(self) -> dict[str, Any]:
        """The config as JSON-ready data without secret values (only which credentials are set)."""
        return {
            "provider": str(self.provider),
            "bucket": self.bucket,
            "region": self.region,
            "endpoint": self.endpoint,
            "root": self.root,
            "prefix": self.prefix,
            "credentials": sorted(self.credentials),
            "options": dict(self.options),
        }

    def option_enabled(self, name: str) -> bool:
        """Whether a boolean option is ``"true"``."""
        return self.options.get(name, "false").lower() == "true"

    @property
    def uses_server_identity(self) -> bool:
        """Whether the store is reached as the server itself: a cloud bucket with no credentials and not anonymous,
        so obstore takes the server's environment, shared config or instance identity."""
        return self.provider is not Provider.LOCAL and not self.credentials and not self.option_enabled("anonymous")

    @property
    def label(self) -> str:
        """A short human name of the place, used in error messages (``s3 bucket 'media'``, ``local root '/d'``)."""
        if self.provider is Provider.LOCAL:
            return f"local root {self.root!r}"
        where = f" at {self.endpoint}" if self.endpoint else ""
        return f"{self.provider} bucket {self.bucket!r}{where}"


@dataclass(frozen=True)
class Endpoint:
    """A custom endpoint read the one strict way (``parse_endpoint``): what the SSRF rule resolves and checks."""

    url: str
    scheme: str
    host: str
    """Lower case; an IPv6 literal without its brackets."""
    port: int

    @property
    def literal_address(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        """The address when the host is an IP literal (nothing to resolve), else None."""
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None


def parse_endpoint(endpoint: str) -> Endpoint:
    """The parts of an endpoint URL, or InvalidInput (field ``endpoint``) saying why it is refused."""
    problem = endpoint_problem(endpoint)
    if problem:
        raise InvalidInput(f"endpoint: {problem}", details={"problems": [_problem("endpoint", problem).to_dict()]})
    match = _ENDPOINT.match(endpoint)
    assert match is not None
    scheme, host = match["scheme"].lower(), match["host"].lower().strip("[]")
    return Endpoint(endpoint, scheme, host, int(match["port"] or (443 if scheme == "https" else 80)))


def endpoint_problem(endpoint: str) -> str | None:
    """Why an endpoint URL is refused, or None.

    The SSRF rule resolves the host Python reads, obstore connects to the host its own (WHATWG) URL parser reads;
    so only URLs both read alike pass: ``http(s)://`` + an ASCII host name (letters, digits, ``_``, ``-``, dots) or a
    canonical IP literal + an optional port + an optional path. No user info, query, fragment, backslash,
    non-ASCII host (IDNA could map it to ``localhost``), nor IPv4 written as one number, in hex or octal.
    """
    match = _ENDPOINT.match(endpoint)
    if match is None:
        return (
            f"{endpoint!r} must be an http(s) URL with a host and nothing but an optional port and path, "
            "e.g. https://s3.example.com (no user info, query, fragment, spaces, backslashes or non-ASCII host)"
        )
    port = match["port"]
    if port is not None and not 1 <= int(port) <= 65535:
        return f"{endpoint!r}: port {port} is not between 1 and 65535"
    return _host_problem(endpoint, match["host"])


def _host_problem(endpoint: str, host: str) -> str | None:
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return f"{endpoint!r}: {host} is not an IPv6 address"
        return None
    labels = host.split(".")
    if not all(_HOST_LABEL.match(label) for label in labels):
        return f"{endpoint!r}: host {host!r} must be dot-separated labels of letters, digits, '_' and inner '-'"
    if _NUMBER_LABEL.match(labels[-1]) and not _is_canonical_ipv4(host):
        return f"{endpoint!r}: host {host!r} ends in a number but is not an IPv4 address written as a.b.c.d"
    return None


def _is_canonical_ipv4(host: str) -> bool:
    try:
        return str(ipaddress.IPv4Address(host)) == host
    except ValueError:
        return False


def mrap_alias(value: str) -> str | None:
    """The alias of a Multi-Region Access Point given as an alias (``x.mrap``) or an ARN; None if neither."""
    if _MRAP_ALIAS.match(value):
        return value
    match = _MRAP_ARN.match(value)
    return match.group("alias") if match else None


def validate_store_config(config: StoreConfig) -> StoreConfig:
    """Return the config if it is usable, else raise InvalidInput listing every problem with its field."""
    problems = store_config_problems(config)
    if problems:
        summary = "; ".join(f"{p.field}: {p.message}" for p in problems)
        raise InvalidInput(
            f"invalid storage integration: {summary}",
            details={"problems": [p.to_dict() for p in problems]},
        )
    return config


def store_config_problems(config: StoreConfig) -> list[Problem]:
    """Every problem of a config, located by field (``bucket``, ``options.account_name``...)."""
    if config.provider not in _PLACE_CHECKS:
        return [_problem("provider", f"unknown provider {config.provider!r}; use one of {_providers()}")]
    problems: list[Problem] = []
    problems += _PLACE_CHECKS[config.provider](config)
    problems += _prefix_problems(config.prefix)
    problems += _mapping_problems(config, "credentials", config.credentials, CREDENTIAL_KEYS)
    problems += _mapping_problems(config, "options", config.options, OPTION_KEYS)
    problems += _credential_problems(config)
    return problems


def _problem(field_name: str, message: str) -> Problem:
    return Problem(location=field_name, message=message, field=field_name)


def _providers() -> str:
    return ", ".join(p.value for p in Provider)


def _unused(config: StoreConfig, *names: str) -> list[Problem]:
    return [
        _problem(name, f"not used by provider {config.provider}; leave it empty")
        for name in names
        if getattr(config, name)
    ]


def _bucket_problems(config: StoreConfig, pattern: re.Pattern[str], rule: str) -> list[Problem]:
    if not config.bucket:
        return [_problem("bucket", f"required for provider {config.provider}")]
    if not pattern.match(config.bucket):
        return [_problem("bucket", f"{config.bucket!r} is not a valid name: {rule}")]
    return []


def _s3_problems(config: StoreConfig) -> list[Problem]:
    problems = _bucket_problems(config, _S3_BUCKET, "3-63 lowercase letters, digits, dots and hyphens")
    if config.region and not _REGION.match(config.region):
        problems.append(_problem("region", f"{config.region!r} is not an AWS region name like 'eu-west-1'"))
    if config.endpoint:
        problems.append(_problem("endpoint", "AWS S3 needs no endpoint; use provider s3_compatible for one"))
    arn = config.options.get("multi_region_access_point")
    if arn is not None and mrap_alias(arn) is None:
        problems.append(
            _problem(
                "options.multi_region_access_point",
                f"{arn!r} is neither an alias like 'mfzwi23gnjvgw.mrap' nor an ARN like "
                "'arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap'",
            )
        )
    return problems + _unused(config, "root")


def _s3_compatible_problems(config: StoreConfig) -> list[Problem]:
    problems = _bucket_problems(config, _LOOSE_BUCKET, "letters, digits, dots, hyphens and underscores")
    if config.region and not _LOOSE_REGION.match(config.region):
        problems.append(_problem("region", f"{config.region!r} must be 1-64 letters, digits, hyphens, underscores"))
    if not config.endpoint:
        problems.append(_problem("endpoint", "required for provider s3_compatible (e.g. https://s3.wasabisys.com)"))
    else:
        problems += _endpoint_problems(config.endpoint)
    return problems + _unused(config, "root")


def _gcs_problems(config: StoreConfig) -> list[Problem]:
    problems = _bucket_problems(config, _GCS_BUCKET, "3-222 lowercase letters, digits, dots, hyphens, underscores")
    return problems + _unused(config, "root", "region", "endpoint")


def _azure_problems(config: StoreConfig) -> list[Problem]:
    problems = _bucket_problems(
        config, _AZURE_CONTAINER, "the container: 3-63 lowercase letters, digits and single hyphens"
    )
    account = config.options.get("account_name")
    if not account:
        problems.append(_problem("options.account_name", "required for provider azure (the storage account)"))
    elif not _AZURE_ACCOUNT.match(account):
        problems.append(_problem("options.account_name", f"{account!r} is not 3-24 lowercase letters and digits"))
    if config.endpoint:
        problems += _endpoint_problems(config.endpoint)
    return problems + _unused(config, "root", "region")


def _local_problems(config: StoreConfig) -> list[Problem]:
    problems = _unused(config, "bucket", "region", "endpoint")
    if not config.root:
        return [*problems, _problem("root", "required for provider local (an absolute directory)")]
    if not config.root.startswith("/"):
        problems.append(_problem("root", f"{config.root!r} must be an absolute directory path"))
    elif any(part in {".", ".."} for part in config.root.split("/")):
        problems.append(_problem("root", f"{config.root!r} must not contain '.' or '..' segments"))
    return problems


_PLACE_CHECKS = {
    Provider.S3: _s3_problems,
    Provider.S3_COMPATIBLE: _s3_compatible_problems,
    Provider.GCS: _gcs_problems,
    Provider.AZURE: _azure_problems,
    Provider.LOCAL: _local_problems,
}


def _endpoint_problems(endpoint: str) -> list[Problem]:
    problem = endpoint_problem(endpoint)
    return [_problem("endpoint", problem)] if problem else []


def _prefix_problems(prefix: str) -> list[Problem]:
    if not prefix:
        return []
    if prefix.startswith("/"):
        return [_problem("prefix", f"{prefix!r} must be relative (no leading '/')")]
    segments = prefix.rstrip("/").split("/")
    if any(segment in {"", ".", ".."} for segment in segments):
        return [_problem("prefix", f"{prefix!r} must not contain empty, '.' or '..' segments")]
    return []


def _mapping_problems(
    config: StoreConfig, name: str, values: Mapping[str, str], allowed: Mapping[Provider, frozenset[str]]
) -> list[Problem]:
    known = allowed[config.provider]
    problems: list[Problem] = []
    for key, value in values.items():
        where = f"{name}.{key}"
        if key not in known:
            accepted = ", ".join(sorted(known)) or "none"
            problems.append(_problem(where, f"not accepted by provider {config.provider} (accepted: {accepted})"))
        elif not isinstance(value, str) or not value:
            problems.append(_problem(where, "must be a non-empty string"))
        elif name == "options" and key in _BOOLEAN_OPTIONS and value.lower() not in {"true", "false"}:
            problems.append(_problem(where, f"must be 'true' or 'false', not {value!r}"))
    return problems


def _credential_problems(config: StoreConfig) -> list[Problem]:
    creds = config.credentials
    problems: list[Problem] = []
    if ("access_key_id" in creds) != ("secret_access_key" in creds):
        missing = "secret_access_key" if "access_key_id" in creds else "access_key_id"
        problems.append(_problem(f"credentials.{missing}", "access_key_id and secret_access_key go together"))
    if "session_token" in creds and "access_key_id" not in creds:
        problems.append(_problem("credentials.session_token", "needs access_key_id and secret_access_key"))
    if "account_key" in creds and "sas_token" in creds:
        problems.append(_problem("credentials.sas_token", "give either account_key or sas_token, not both"))
    key_json = creds.get("service_account_key")
    if key_json is not None:
        problems += _service_account_problems(key_json)
    return problems


def _service_account_problems(key_json: str) -> list[Problem]:
    """A Google service account key, checked field by field. Values are never echoed (the key is a secret)."""
    where = "credentials.service_account_key"
    try:
        data = json.loads(key_json)
    except ValueError as exc:
        return [_problem(where, f"must be the service account's JSON key file content ({exc.__class__.__name__})")]
    if not isinstance(data, dict):
        return [_problem(where, "must be the service account's JSON key file content (a JSON object)")]
    problems = [_problem(f"{where}.{name}", _foreign_field_message(name)) for name in sorted(_foreign_fields(data))]
    missing = [name for name in _SERVICE_ACCOUNT_REQUIRED if not data.get(name)]
    if missing:
        problems.append(_problem(where, f"a service account JSON key needs {', '.join(missing)}"))
    problems += [
        _problem(f"{where}.{name}", message)
        for name in sorted(SERVICE_ACCOUNT_KEY_FIELDS & data.keys())
        if (message := _service_account_field_problem(name, data[name]))
    ]
    return problems


def _foreign_fields(data: dict[str, Any]) -> set[str]:
    return {str(name) for name in data.keys() - SERVICE_ACCOUNT_KEY_FIELDS}


def _foreign_field_message(name: str) -> str:
    if name in _EMULATOR_FIELDS:
        return (
            "an emulator setting that would send cairn's requests elsewhere: a gcs integration reaches Google "
            "Cloud Storage only; remove it from the key"
        )
    return f"not a field of a Google service account key (accepted: {', '.join(sorted(SERVICE_ACCOUNT_KEY_FIELDS))})"


def _service_account_field_problem(name: str, value: object) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    if name == "type" and value != "service_account":
        return "must be 'service_account' (the key of a service account)"
    if name == "universe_domain" and value != "googleapis.com":
        return "must be 'googleapis.com': a gcs integration reaches Google Cloud Storage only"
    if name in _SERVICE_ACCOUNT_URLS and not _is_google_url(value):
        return "must be an https URL on accounts.google.com or googleapis.com, as in the key file Google issues"
    return None


def _is_google_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    google = host in {"accounts.google.com", "googleapis.com"} or host.endswith(".googleapis.com")
    return parts.scheme == "https" and google and not (parts.username or parts.password or parts.port)
