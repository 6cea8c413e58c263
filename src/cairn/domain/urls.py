"""Object URLs: parse them, decide whether they belong to an integration, and build the canonical URL of a key.

Accepted forms (see ``docs/storage.md``)::

    s3://bucket/key                                  key literal (no percent-decoding)
    https://bucket.s3[.region].amazonaws.com/key     virtual-hosted AWS S3, key percent-decoded
    https://s3[.region].amazonaws.com/bucket/key     path-style AWS S3
    arn:aws:s3::<account>:accesspoint/<alias>/object/<key>   Multi-Region Access Point (also ``<alias>//<key>``)
    https://<alias>.accesspoint.s3-global.amazonaws.com/key
    gs://bucket/key, https://storage.googleapis.com/bucket/key, https://storage.cloud.google.com/bucket/key
    https://<account>.blob.core.windows.net/<container>/key, az://container/key,
    abfs[s]://container@account.dfs.core.windows.net/key
    https://<endpoint>/<bucket>/key, https://<bucket>.<endpoint host>/key   (s3_compatible)
    file:///abs/path, relative/path, /abs/path      (local; never outside the root)

A key is what the store addresses: non-empty, no leading or trailing ``/``, no empty, ``.`` or ``..`` segments.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from urllib.parse import quote, unquote, urlsplit

from cairn.domain.integrations import Provider, StoreConfig, mrap_alias
from cairn.errors import InvalidInput, UrlOutsideIntegration

__all__ = [
    "MAX_URL_LENGTH",
    "ObjectUrl",
    "UrlForm",
    "default_title",
    "key_problem",
    "key_resolver",
    "object_url_for",
    "parse_object_url",
    "resolve_object_key",
]

MAX_URL_LENGTH = 16 * 1024
"""Longest object URL accepted (Encord's limit, 16 KB)."""


class UrlForm(StrEnum):
    """Which spelling an object URL uses."""

    S3_URI = "s3_uri"
    S3_VIRTUAL_HOST = "s3_virtual_host"
    S3_PATH = "s3_path"
    S3_MRAP_ARN = "s3_mrap_arn"
    S3_MRAP_HOST = "s3_mrap_host"
    GS_URI = "gs_uri"
    GCS_HTTPS = "gcs_https"
    AZ_URI = "az_uri"
    AZURE_HTTPS = "azure_https"
    HTTPS = "https"
    FILE_URI = "file_uri"
    PATH = "path"


@dataclass(frozen=True)
class ObjectUrl:
    """A parsed object URL. ``key`` is decoded; for the generic ``HTTPS`` form it is the whole path.

    ``bucket`` is the bucket, container or MRAP alias; ``account`` the Azure storage account or the AWS account
    of an MRAP ARN; ``host`` (lowercase, with a non-default port) and ``path`` (decoded) are set for http(s) URLs.
    """

    url: str
    form: UrlForm
    key: str
    bucket: str | None = None
    region: str | None = None
    account: str | None = None
    host: str | None = None
    path: str | None = None


_AWS_SUFFIX = re.compile(r"\.amazonaws\.com(?:\.cn)?$")
_AWS_REGION = re.compile(r"^[a-z]{2}(?:-[a-z0-9]+)+-\d$")
_GCS_HOSTS = frozenset({"storage.googleapis.com", "storage.cloud.google.com", "commondatastorage.googleapis.com"})
_AZURE_HOST = re.compile(
    r"^(?P<account>[a-z0-9]{3,24})\.(?:blob|dfs)\.core\.(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)$"
)
_MRAP_ARN_URL = re.compile(
    r"^arn:aws[a-z-]*:s3::(?P<account>\d{12}):accesspoint/(?P<alias>[a-z0-9]+\.mrap)(?P<rest>/.*)?$", re.DOTALL
)
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_object_url(url: str) -> ObjectUrl:
    """Parse an object URL of any accepted form; raise InvalidInput naming the URL and what is wrong."""
    if not url:
        raise InvalidInput("empty object URL")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(f"object URL is {len(url)} characters long; the limit is {MAX_URL_LENGTH}")
    if _FORBIDDEN_CHARS.search(url):
        raise InvalidInput(f"object URL {url!r} contains a control character (newline, tab, NUL...)")
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep:
        return _parse_arn(url) if url.startswith("arn:") else ObjectUrl(url=url, form=UrlForm.PATH, key=url)
    parser = _SCHEME_PARSERS.get(scheme)
    if parser is None:
        known = ", ".join(sorted(_SCHEME_PARSERS))
        raise InvalidInput(f"object URL {url!r} has unsupported scheme {scheme!r}; accepted: {known}, arn:")
    return parser(url, rest)


def _bucket_and_key(url: str, rest: str) -> tuple[str, str]:
    bucket, _, key = rest.partition("/")
    if not bucket:
        raise InvalidInput(f"object URL {url!r} names no bucket")
    return bucket, key


def _parse_s3_uri(url: str, rest: str) -> ObjectUrl:
    bucket, key = _bucket_and_key(url, rest)
    return ObjectUrl(url=url, form=UrlForm.S3_URI, key=key, bucket=bucket)


def _parse_gs_uri(url: str, rest: str) -> ObjectUrl:
    bucket, key = _bucket_and_key(url, rest)
    return ObjectUrl(url=url, form=UrlForm.GS_URI, key=key, bucket=bucket)


def _parse_az_uri(url: str, rest: str) -> ObjectUrl:
    container, key = _bucket_and_key(url, rest)
    return ObjectUrl(url=url, form=UrlForm.AZ_URI, key=key, bucket=container)


def _parse_abfs_uri(url: str, rest: str) -> ObjectUrl:
    authority, key = _bucket_and_key(url, rest)
    container, at, host = authority.partition("@")
    match = _AZURE_HOST.match(host.lower())
    if not at or not container or match is None:
        raise InvalidInput(f"object URL {url!r} is not of the form abfss://<container>@<account>.dfs.core...")
    return ObjectUrl(url=url, form=UrlForm.AZ_URI, key=key, bucket=container, account=match.group("account"))


def _parse_arn(url: str) -> ObjectUrl:
    match = _MRAP_ARN_URL.match(url)
    if match is None:
        raise InvalidInput(
            f"object URL {url!r} is not a Multi-Region Access Point object ARN "
            "(arn:aws:s3::<account>:accesspoint/<alias>.mrap/object/<key>)"
        )
    rest = match.group("rest") or ""
    for lead in ("/object/", "//", "/"):
        if rest.startswith(lead):
            rest = rest[len(lead) :]
            break
    return ObjectUrl(
        url=url, form=UrlForm.S3_MRAP_ARN, key=rest, bucket=match.group("alias"), account=match.group("account")
    )


def _parse_file_uri(url: str, rest: str) -> ObjectUrl:
    host, slash, path = rest.partition("/")
    if host not in {"", "localhost"}:
        raise InvalidInput(f"object URL {url!r} names host {host!r}; file URLs must be file:///absolute/path")
    decoded = unquote(slash + path.split("?", 1)[0].split("#", 1)[0])
    return ObjectUrl(url=url, form=UrlForm.FILE_URI, key=decoded, path=decoded)


def _parse_http(url: str, _rest: str) -> ObjectUrl:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"object URL {url!r} is malformed: {exc}") from exc
    hostname = (parts.hostname or "").lower()
    if not hostname:
        raise InvalidInput(f"object URL {url!r} names no host")
    scheme = parts.scheme.lower()
    host = hostname if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{hostname}:{port}"
    path = unquote(parts.path)
    generic = ObjectUrl(url=url, form=UrlForm.HTTPS, key=path.lstrip("/"), host=host, path=path)
    return _known_host(generic, hostname) or generic


def _known_host(generic: ObjectUrl, hostname: str) -> ObjectUrl | None:
    if _AWS_SUFFIX.search(hostname):
        return _aws_host(generic, _AWS_SUFFIX.sub("", hostname))
    if hostname in _GCS_HOSTS:
        return _path_style(generic, UrlForm.GCS_HTTPS)
    if hostname.endswith(".storage.googleapis.com"):
        bucket = hostname.removesuffix(".storage.googleapis.com")
        return _replace(generic, form=UrlForm.GCS_HTTPS, bucket=bucket, key=_strip_slash(generic))
    match = _AZURE_HOST.match(hostname)
    if match:
        return _path_style(generic, UrlForm.AZURE_HTTPS, account=match.group("account"))
    return None


def _aws_host(generic: ObjectUrl, labels_text: str) -> ObjectUrl | None:
    labels = labels_text.split(".")
    index = next((i for i in range(len(labels) - 1, -1, -1) if _is_s3_label(labels[i])), None)
    if index is None:
        return None
    s3_label, before, after = labels[index], labels[:index], labels[index + 1 :]
    if s3_label == "s3-global" and before[-1:] == ["accesspoint"] and len(before) > 1:
        alias = ".".join(before[:-1])
        return _replace(generic, form=UrlForm.S3_MRAP_HOST, bucket=alias, key=_strip_slash(generic))
    if s3_label in {"s3-accesspoint", "s3-object-lambda", "s3-global"}:
        return None
    region = _region_of(s3_label, after)
    if before:
        bucket = ".".join(before)
        return _replace(generic, form=UrlForm.S3_VIRTUAL_HOST, bucket=bucket, region=region, key=_strip_slash(generic))
    return _path_style(generic, UrlForm.S3_PATH, region=region)


def _is_s3_label(label: str) -> bool:
    return label == "s3" or label.startswith("s3-")


def _region_of(s3_label: str, after: list[str]) -> str | None:
    candidates = [s3_label.removeprefix("s3-"), *after]
    return next((c for c in candidates if _AWS_REGION.match(c)), None)


def _strip_slash(generic: ObjectUrl) -> str:
    return (generic.path or "")[1:]


def _path_style(
    generic: ObjectUrl, form: UrlForm, *, region: str | None = None, account: str | None = None
) -> ObjectUrl:
    bucket, _, key = _strip_slash(generic).partition("/")
    if not bucket:
        raise InvalidInput(f"object URL {generic.url!r} names no bucket or container in its path")
    return _replace(generic, form=form, bucket=bucket, key=key, region=region, account=account)


def _replace(
    generic: ObjectUrl,
    *,
    form: UrlForm,
    bucket: str,
    key: str,
    region: str | None = None,
    account: str | None = None,
) -> ObjectUrl:
    return replace(generic, form=form, bucket=bucket, key=key, region=region, account=account)


_SCHEME_PARSERS = {
    "s3": _parse_s3_uri,
    "s3a": _parse_s3_uri,
    "gs": _parse_gs_uri,
    "az": _parse_az_uri,
    "abfs": _parse_abfs_uri,
    "abfss": _parse_abfs_uri,
    "file": _parse_file_uri,
    "http": _parse_http,
    "https": _parse_http,
}


# --- does a URL belong to an integration? -------------------------------------------------------------------


def resolve_object_key(config: StoreConfig, url: str) -> str:
    """The key of ``url`` inside the integration, or UrlOutsideIntegration saying which URL, where, and why."""
    try:
        parsed = parse_object_url(url)
    except InvalidInput as exc:
        raise _outside(config, url, exc.message) from exc
    key = _MATCHERS[config.provider](config, parsed)
    problem = key_problem(key)
    if problem:
        raise _outside(config, url, problem)
    if config.prefix and not key.startswith(_normal_prefix(config.prefix)):
        raise _outside(config, url, f"key {key!r} is outside the integration's prefix {config.prefix!r}")
    return key


def key_resolver(config: StoreConfig) -> Callable[[str], str]:
    """``resolve_object_key`` for one integration, answered by a prefix comparison where its rule allows.

    For S3, S3-compatible and GCS integrations an ``s3://`` / ``gs://`` URL of the integration's bucket (and prefix)
    has the rest of the URL as its key: such a URL resolves when it is no longer than ``MAX_URL_LENGTH``, has no
    control character and its key has no empty, ``.`` or ``..`` segment. Any other URL (another spelling, another
    bucket, a problem) goes through ``resolve_object_key``, which words the refusal, so both give the same answer.
    """
    base = _uri_base(config)
    if base is None:
        return lambda url: resolve_object_key(config, url)
    bucket_end = len(base) - len(_normal_prefix(config.prefix) if config.prefix else "")

    def resolve(url: str) -> str:
        if (
            url.startswith(base)
            and len(url) <= MAX_URL_LENGTH
            and _plain_key(url[bucket_end:])
            and _FORBIDDEN_CHARS.search(url) is None
        ):
            return url[bucket_end:]
        return resolve_object_key(config, url)

    return resolve


def _uri_base(config: StoreConfig) -> str | None:
    """What every ``<scheme>://<bucket>/<prefix>`` URL of the integration starts with (None: no such form)."""
    scheme = _URI_SCHEMES.get(config.provider)
    bucket = config.bucket or ""
    if scheme is None or not bucket or "/" in bucket:
        return None
    return f"{scheme}://{bucket}/" + (_normal_prefix(config.prefix) if config.prefix else "")


def _plain_key(key: str) -> bool:
    """``key_problem(key) is None``, by substring tests: not empty, no leading or trailing '/', no empty, '.' or
    '..' segment."""
    framed = f"/{key}/"
    return key != "" and "//" not in framed and "/./" not in framed and "/../" not in framed


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot name an object (None if it can)."""
    if not key:
        return "the URL names no object (empty key)"
    if key.endswith("/"):
        return f"key {key!r} ends with '/': it names a folder, not an object"
    if key.startswith("/"):
        return f"key {key!r} starts with '/' (an empty path segment)"
    if any(segment in {"", ".", ".."} for segment in key.split("/")):
        return f"key {key!r} has an empty, '.' or '..' path segment"
    return None


def _normal_prefix(prefix: str) -> str:
    return prefix if prefix.endswith("/") else prefix + "/"


def _outside(config: StoreConfig, url: str, reason: str) -> UrlOutsideIntegration:
    shown = url if len(url) <= 300 else url[:300] + "..."
    return UrlOutsideIntegration(
        f"URL {shown!r} is not inside the integration ({config.label}): {reason}",
        details={"url": shown, "integration": config.public_view(), "reason": reason},
    )


def _expect(config: StoreConfig, parsed: ObjectUrl, wanted: str, found: str | None, what: str) -> None:
    if found != wanted:
        raise _outside(config, parsed.url, f"it names {what} {found!r}, the integration uses {wanted!r}")


def _match_s3(config: StoreConfig, parsed: ObjectUrl) -> str:
    bucket = config.bucket or ""
    if parsed.form in {UrlForm.S3_URI, UrlForm.S3_VIRTUAL_HOST, UrlForm.S3_PATH}:
        _expect(config, parsed, bucket, parsed.bucket, "bucket")
        return parsed.key
    if parsed.form in {UrlForm.S3_MRAP_ARN, UrlForm.S3_MRAP_HOST}:
        return _match_mrap(config, parsed)
    raise _outside(config, parsed.url, f"a {parsed.form} URL cannot name an AWS S3 object")


def _match_mrap(config: StoreConfig, parsed: ObjectUrl) -> str:
    configured = config.options.get("multi_region_access_point")
    if configured is None:
        raise _outside(
            config, parsed.url, "it names a Multi-Region Access Point; set options.multi_region_access_point"
        )
    _expect(config, parsed, mrap_alias(configured) or "", parsed.bucket, "access point")
    arn_account = configured.split(":")[4] if configured.startswith("arn:") else None
    if parsed.account and arn_account and parsed.account != arn_account:
        _expect(config, parsed, arn_account, parsed.account, "AWS account")
    return parsed.key


def _match_s3_compatible(config: StoreConfig, parsed: ObjectUrl) -> str:
    bucket = config.bucket or ""
    if parsed.form is UrlForm.S3_URI:
        _expect(config, parsed, bucket, parsed.bucket, "bucket")
        return parsed.key
    if parsed.host is None or parsed.path is None:
        raise _outside(config, parsed.url, f"a {parsed.form} URL cannot name an object at {config.endpoint}")
    endpoint_host, endpoint_path = _endpoint_parts(config.endpoint or "")
    if parsed.host == f"{bucket}.{endpoint_host}".lower():
        return _below(config, parsed, endpoint_path)
    if parsed.host != endpoint_host:
        raise _outside(config, parsed.url, f"host {parsed.host!r} is not the endpoint {config.endpoint!r}")
    return _below(config, parsed, f"{endpoint_path}/{bucket}")


def _match_gcs(config: StoreConfig, parsed: ObjectUrl) -> str:
    if parsed.form not in {UrlForm.GS_URI, UrlForm.GCS_HTTPS}:
        raise _outside(config, parsed.url, f"a {parsed.form} URL cannot name a Google Cloud Storage object")
    _expect(config, parsed, config.bucket or "", parsed.bucket, "bucket")
    return parsed.key


def _match_azure(config: StoreConfig, parsed: ObjectUrl) -> str:
    container, account = config.bucket or "", config.options.get("account_name", "")
    if config.endpoint and parsed.host is not None and parsed.form is UrlForm.HTTPS:
        endpoint_host, endpoint_path = _endpoint_parts(config.endpoint)
        if parsed.host != endpoint_host:
            raise _outside(config, parsed.url, f"host {parsed.host!r} is not the endpoint {config.endpoint!r}")
        return _below(config, parsed, f"{endpoint_path}/{container}")
    if parsed.form not in {UrlForm.AZ_URI, UrlForm.AZURE_HTTPS}:
        raise _outside(config, parsed.url, f"a {parsed.form} URL cannot name an Azure Blob Storage object")
    if parsed.account is not None:
        _expect(config, parsed, account, parsed.account, "storage account")
    _expect(config, parsed, container, parsed.bucket, "container")
    return parsed.key


def _match_local(config: StoreConfig, parsed: ObjectUrl) -> str:
    root = (config.root or "/").rstrip("/")
    if parsed.form not in {UrlForm.FILE_URI, UrlForm.PATH}:
        raise _outside(config, parsed.url, f"a {parsed.form} URL cannot name a file of a local integration")
    path = parsed.key
    if path.startswith("/"):
        normal = posixpath.normpath(path)
        if normal != root and not normal.startswith(root + "/"):
            raise _outside(config, parsed.url, f"path {normal!r} is outside the root {root!r}")
        return normal[len(root) + 1 :]
    normal = posixpath.normpath(path)
    if normal == ".." or normal.startswith("../"):
        raise _outside(config, parsed.url, "the relative path climbs out of the root with '..'")
    return "" if normal == "." else normal


def _endpoint_parts(endpoint: str) -> tuple[str, str]:
    parts = urlsplit(endpoint)
    scheme, hostname, port = parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    host = hostname if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{hostname}:{port}"
    return host, unquote(parts.path).rstrip("/")


def _below(config: StoreConfig, parsed: ObjectUrl, base: str) -> str:
    path = parsed.path or ""
    if not path.startswith(base + "/"):
        raise _outside(config, parsed.url, f"its path does not start with {base + '/'!r}")
    return path[len(base) + 1 :]


_URI_SCHEMES = {Provider.S3: "s3", Provider.S3_COMPATIBLE: "s3", Provider.GCS: "gs"}
"""Providers whose ``<scheme>://<bucket>/<key>`` URL names the key as written (``key_resolver``'s prefix test)."""

_MATCHERS = {
    Provider.S3: _match_s3,
    Provider.S3_COMPATIBLE: _match_s3_compatible,
    Provider.GCS: _match_gcs,
    Provider.AZURE: _match_azure,
    Provider.LOCAL: _match_local,
}


# --- canonical URLs and titles ------------------------------------------------------------------------------


def object_url_for(config: StoreConfig, key: str) -> str:
    """The canonical URL of ``key`` in the integration (what export writes and listing registration stores)."""
    problem = key_problem(key)
    if problem:
        raise InvalidInput(f"cannot build a URL in {config.label}: {problem}")
    return _URL_BUILDERS[config.provider](config, quote(key, safe="/~"))


def _s3_url(config: StoreConfig, quoted: str) -> str:
    bucket = config.bucket or ""
    region = f".{config.region}" if config.region else ""
    if "." in bucket:
        return f"https://s3{region}.amazonaws.com/{bucket}/{quoted}"
    return f"https://{bucket}.s3{region}.amazonaws.com/{quoted}"


def _s3_compatible_url(config: StoreConfig, quoted: str) -> str:
    endpoint = (config.endpoint or "").rstrip("/")
    if config.option_enabled("virtual_hosted_style"):
        parts = urlsplit(endpoint)
        return f"{parts.scheme}://{config.bucket}.{parts.netloc}{parts.path}/{quoted}"
    return f"{endpoint}/{config.bucket}/{quoted}"


def _gcs_url(config: StoreConfig, quoted: str) -> str:
    return f"https://storage.googleapis.com/{config.bucket}/{quoted}"


def _azure_url(config: StoreConfig, quoted: str) -> str:
    if config.endpoint:
        return f"{config.endpoint.rstrip('/')}/{config.bucket}/{quoted}"
    return f"https://{config.options.get('account_name')}.blob.core.windows.net/{config.bucket}/{quoted}"


def _local_url(config: StoreConfig, quoted: str) -> str:
    root = quote((config.root or "/").rstrip("/"), safe="/~")
    return f"file://{root}/{quoted}"


_URL_BUILDERS = {
    Provider.S3: _s3_url,
    Provider.S3_COMPATIBLE: _s3_compatible_url,
    Provider.GCS: _gcs_url,
    Provider.AZURE: _azure_url,
    Provider.LOCAL: _local_url,
}


def default_title(url: str) -> str:
    """The file name of an object URL (its last path segment, decoded): the title when none is given."""
    try:
        key = parse_object_url(url).key
    except InvalidInput:
        key = url.split("?", 1)[0].split("#", 1)[0]
    return key.rstrip("/").rsplit("/", 1)[-1]
