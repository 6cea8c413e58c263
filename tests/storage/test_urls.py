"""Object URL parsing, integration membership, canonical URLs and titles."""

from __future__ import annotations

import posixpath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cairn.domain.integrations import Provider, StoreConfig
from cairn.domain.urls import (
    MAX_URL_LENGTH,
    UrlForm,
    default_title,
    key_resolver,
    object_url_for,
    parse_object_url,
    resolve_object_key,
)
from cairn.errors import InvalidInput, UrlOutsideIntegration

S3 = StoreConfig(provider=Provider.S3, bucket="media-bucket", region="eu-west-1")
S3_DOTTED = StoreConfig(provider=Provider.S3, bucket="my.dotted.bucket", region="us-east-2")
MRAP_ARN = "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap"
S3_MRAP = StoreConfig(provider=Provider.S3, bucket="media-bucket", options={"multi_region_access_point": MRAP_ARN})
COMPAT = StoreConfig(provider=Provider.S3_COMPATIBLE, bucket="media", endpoint="https://s3.wasabisys.com")
COMPAT_LOCAL = StoreConfig(provider=Provider.S3_COMPATIBLE, bucket="media", endpoint="http://127.0.0.1:9000/")
COMPAT_VHOST = StoreConfig(
    provider=Provider.S3_COMPATIBLE,
    bucket="media",
    endpoint="https://obs.eu-de.otc.t-systems.com",
    options={"virtual_hosted_style": "true"},
)
GCS = StoreConfig(provider=Provider.GCS, bucket="gcs-bucket")
AZURE = StoreConfig(provider=Provider.AZURE, bucket="videos", options={"account_name": "myaccount"})
AZURITE = StoreConfig(
    provider=Provider.AZURE,
    bucket="videos",
    endpoint="http://127.0.0.1:10000/devstoreaccount1",
    options={"account_name": "devstoreaccount1"},
)
LOCAL = StoreConfig(provider=Provider.LOCAL, root="/data/root")
ALL_CONFIGS = [S3, S3_DOTTED, S3_MRAP, COMPAT, COMPAT_LOCAL, COMPAT_VHOST, GCS, AZURE, AZURITE, LOCAL]


@pytest.mark.parametrize(
    ("config", "url", "key"),
    [
        (S3, "https://media-bucket.s3.eu-west-1.amazonaws.com/videos/a%20b.mp4", "videos/a b.mp4"),
        (S3, "https://media-bucket.s3.amazonaws.com/videos/a.mp4", "videos/a.mp4"),
        (S3, "https://media-bucket.s3-eu-west-1.amazonaws.com/videos/a.mp4", "videos/a.mp4"),
        (S3, "https://media-bucket.s3.dualstack.eu-west-1.amazonaws.com/x.jpg", "x.jpg"),
        (S3, "https://s3.eu-west-1.amazonaws.com/media-bucket/videos/a.mp4", "videos/a.mp4"),
        (S3, "https://s3.amazonaws.com/media-bucket/videos/a.mp4?versionId=3", "videos/a.mp4"),
        (S3, "s3://media-bucket/videos/a%20b.mp4", "videos/a%20b.mp4"),
        (S3, "s3://media-bucket/videos/a b#1?.mp4", "videos/a b#1?.mp4"),
        (S3, "https://media-bucket.s3.eu-west-1.amazonaws.com/c%2B%2B/x+y.png", "c++/x+y.png"),
        (S3_DOTTED, "https://my.dotted.bucket.s3.us-east-2.amazonaws.com/k.jpg", "k.jpg"),
        (S3_DOTTED, "https://s3.us-east-2.amazonaws.com/my.dotted.bucket/k.jpg", "k.jpg"),
        (S3_MRAP, f"{MRAP_ARN}/object/videos/a b.mp4", "videos/a b.mp4"),
        (S3_MRAP, f"{MRAP_ARN}//videos/a.mp4", "videos/a.mp4"),
        (S3_MRAP, f"{MRAP_ARN}/videos/a.mp4", "videos/a.mp4"),
        (S3_MRAP, "https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com/videos/a%20b.mp4", "videos/a b.mp4"),
        (S3_MRAP, "s3://media-bucket/videos/a.mp4", "videos/a.mp4"),
        (COMPAT, "https://s3.wasabisys.com/media/videos/a%20b.mp4", "videos/a b.mp4"),
        (COMPAT, "https://media.s3.wasabisys.com/videos/a.mp4", "videos/a.mp4"),
        (COMPAT, "s3://media/videos/a.mp4", "videos/a.mp4"),
        (COMPAT, "https://S3.WasabiSys.com:443/media/x.jpg", "x.jpg"),
        (COMPAT_LOCAL, "http://127.0.0.1:9000/media/x.jpg", "x.jpg"),
        (COMPAT_VHOST, "https://media.obs.eu-de.otc.t-systems.com/x.jpg", "x.jpg"),
        (GCS, "gs://gcs-bucket/images/x%20y.png", "images/x%20y.png"),
        (GCS, "https://storage.googleapis.com/gcs-bucket/images/x%20y.png", "images/x y.png"),
        (GCS, "https://storage.cloud.google.com/gcs-bucket/images/x.png", "images/x.png"),
        (GCS, "https://gcs-bucket.storage.googleapis.com/images/x.png", "images/x.png"),
        (AZURE, "https://myaccount.blob.core.windows.net/videos/a%20b.mp4", "a b.mp4"),
        (AZURE, "az://videos/dir/a.mp4", "dir/a.mp4"),
        (AZURE, "abfss://videos@myaccount.dfs.core.windows.net/dir/a.mp4", "dir/a.mp4"),
        (AZURITE, "http://127.0.0.1:10000/devstoreaccount1/videos/dir/a.mp4", "dir/a.mp4"),
        (LOCAL, "file:///data/root/images/a%20b.png", "images/a b.png"),
        (LOCAL, "file://localhost/data/root/x.png", "x.png"),
        (LOCAL, "images/a b.png", "images/a b.png"),
        (LOCAL, "/data/root/images/x.png", "images/x.png"),
        (LOCAL, "images/../other/x.png", "other/x.png"),
    ],
)
def test_resolve_object_key_accepts_every_documented_form(config: StoreConfig, url: str, key: str) -> None:
    assert resolve_object_key(config, url) == key


@pytest.mark.parametrize(
    ("config", "url", "reason"),
    [
        (S3, "https://other-bucket.s3.eu-west-1.amazonaws.com/a.mp4", "bucket 'other-bucket'"),
        (S3, "s3://other/a.mp4", "bucket 'other'"),
        (S3, "gs://media-bucket/a.mp4", "cannot name an AWS S3 object"),
        (S3, f"{MRAP_ARN}/object/a.mp4", "multi_region_access_point"),
        (S3_MRAP, "arn:aws:s3::123456789012:accesspoint/other.mrap/object/a.mp4", "access point 'other.mrap'"),
        (S3_MRAP, "arn:aws:s3::999999999999:accesspoint/mfzwi23gnjvgw.mrap/object/a.mp4", "AWS account"),
        (S3, "https://media-bucket.s3.amazonaws.com/", "empty key"),
        (S3, "https://media-bucket.s3.amazonaws.com/dir/", "names a folder"),
        (S3, "s3://media-bucket/a//b.jpg", "empty, '.' or '..'"),
        (S3, "videos/a.mp4", "cannot name an AWS S3 object"),
        (S3, "ftp://media-bucket/a.mp4", "unsupported scheme"),
        (S3, "https://media-bucket.s3.amazonaws.com/a\n.mp4", "control character"),
        (COMPAT, "https://evil.example.com/media/a.mp4", "is not the endpoint"),
        (COMPAT, "https://s3.wasabisys.com/other/a.mp4", "does not start with '/media/'"),
        (COMPAT, "https://media.evil.com/a.mp4", "is not the endpoint"),
        (GCS, "gs://other/a.png", "bucket 'other'"),
        (AZURE, "https://otheraccount.blob.core.windows.net/videos/a.mp4", "storage account 'otheraccount'"),
        (AZURE, "https://myaccount.blob.core.windows.net/other/a.mp4", "container 'other'"),
        (AZURITE, "http://127.0.0.1:10001/devstoreaccount1/videos/a.mp4", "is not the endpoint"),
        (LOCAL, "../etc/passwd", "climbs out of the root"),
        (LOCAL, "a/../../etc/passwd", "climbs out of the root"),
        (LOCAL, "/etc/passwd", "outside the root"),
        (LOCAL, "file:///data/root/../other/x.png", "outside the root"),
        (LOCAL, "file:///data/rootx/x.png", "outside the root"),
        (LOCAL, "file://otherhost/data/root/x.png", "file:///absolute/path"),
        (LOCAL, "s3://bucket/x.png", "cannot name a file of a local integration"),
        (LOCAL, "/data/root", "empty key"),
    ],
)
def test_resolve_object_key_refuses_with_url_place_and_reason(config: StoreConfig, url: str, reason: str) -> None:
    with pytest.raises(UrlOutsideIntegration) as caught:
        resolve_object_key(config, url)
    message = caught.value.message
    assert reason in message
    assert repr(url)[:40] in message or url[:40] in message
    assert config.label in message
    assert caught.value.details["reason"]


def test_prefix_narrows_the_integration() -> None:
    config = StoreConfig(provider=Provider.S3, bucket="media-bucket", prefix="team-a/")
    assert resolve_object_key(config, "s3://media-bucket/team-a/x.jpg") == "team-a/x.jpg"
    with pytest.raises(UrlOutsideIntegration, match="outside the integration's prefix"):
        resolve_object_key(config, "s3://media-bucket/team-ab/x.jpg")


def test_parse_object_url_reports_the_form_and_parts() -> None:
    parsed = parse_object_url("https://media-bucket.s3.eu-west-1.amazonaws.com/a/b.mp4")
    assert (parsed.form, parsed.bucket, parsed.region, parsed.key) == (
        UrlForm.S3_VIRTUAL_HOST,
        "media-bucket",
        "eu-west-1",
        "a/b.mp4",
    )
    arn = parse_object_url(f"{MRAP_ARN}/object/k.mp4")
    assert (arn.form, arn.bucket, arn.account, arn.key) == (
        UrlForm.S3_MRAP_ARN,
        "mfzwi23gnjvgw.mrap",
        "123456789012",
        "k.mp4",
    )
    generic = parse_object_url("http://127.0.0.1:9000/media/x.jpg")
    assert (generic.form, generic.host, generic.path) == (UrlForm.HTTPS, "127.0.0.1:9000", "/media/x.jpg")


@pytest.mark.parametrize("url", ["", "x" * 17_000, "arn:aws:s3:::bucket/key", "https://", "s3:///key"])
def test_parse_object_url_refuses_malformed_urls(url: str) -> None:
    with pytest.raises(InvalidInput):
        parse_object_url(url)


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("https://media-bucket.s3.amazonaws.com/videos/my%20clip.mp4", "my clip.mp4"),
        ("s3://bucket/videos/my%20clip.mp4", "my%20clip.mp4"),
        (f"{MRAP_ARN}/object/dir/v.mp4", "v.mp4"),
        ("gs://b/x.png", "x.png"),
        ("relative/path/frame1.jpg", "frame1.jpg"),
        ("https://host/a/b.jpg?sig=1#frag", "b.jpg"),
        ("ftp://weird/thing.bin", "thing.bin"),
    ],
)
def test_default_title_is_the_decoded_file_name(url: str, title: str) -> None:
    assert default_title(url) == title


@pytest.mark.parametrize(
    ("config", "url"),
    [
        (S3, "https://media-bucket.s3.eu-west-1.amazonaws.com/dir/a%20b%2Bc.mp4"),
        (S3_DOTTED, "https://s3.us-east-2.amazonaws.com/my.dotted.bucket/dir/a%20b%2Bc.mp4"),
        (COMPAT, "https://s3.wasabisys.com/media/dir/a%20b%2Bc.mp4"),
        (COMPAT_VHOST, "https://media.obs.eu-de.otc.t-systems.com/dir/a%20b%2Bc.mp4"),
        (GCS, "https://storage.googleapis.com/gcs-bucket/dir/a%20b%2Bc.mp4"),
        (AZURE, "https://myaccount.blob.core.windows.net/videos/dir/a%20b%2Bc.mp4"),
        (AZURITE, "http://127.0.0.1:10000/devstoreaccount1/videos/dir/a%20b%2Bc.mp4"),
        (LOCAL, "file:///data/root/dir/a%20b%2Bc.mp4"),
    ],
)
def test_object_url_for_builds_the_canonical_url(config: StoreConfig, url: str) -> None:
    assert object_url_for(config, "dir/a b+c.mp4") == url


def test_object_url_for_refuses_unaddressable_keys() -> None:
    with pytest.raises(InvalidInput, match="ends with '/'"):
        object_url_for(S3, "dir/")


_SEGMENT = st.text(min_size=1, max_size=12).filter(lambda s: "/" not in s and s not in {".", ".."})
KEYS = st.lists(_SEGMENT, min_size=1, max_size=5).map("/".join)


@settings(max_examples=200, deadline=None)
@given(config=st.sampled_from(ALL_CONFIGS), key=KEYS)
def test_object_url_for_round_trips_through_resolve_object_key(config: StoreConfig, key: str) -> None:
    assert resolve_object_key(config, object_url_for(config, key)) == key


@settings(max_examples=100, deadline=None)
@given(
    config=st.sampled_from([S3, COMPAT, GCS]), key=KEYS.filter(lambda k: not any(ord(c) < 32 or c == "\x7f" for c in k))
)
def test_literal_scheme_urls_keep_keys_verbatim(config: StoreConfig, key: str) -> None:
    scheme = "gs" if config.provider is Provider.GCS else "s3"
    assert resolve_object_key(config, f"{scheme}://{config.bucket}/{key}") == key


_PATH_PART = st.sampled_from(["..", ".", "a", "b c", "root", "data", "x.png", "%2e%2e"])


@settings(max_examples=250, deadline=None)
@given(parts=st.lists(_PATH_PART, min_size=1, max_size=7), absolute=st.booleans(), as_file_url=st.booleans())
def test_local_paths_never_escape_the_root(parts: list[str], absolute: bool, as_file_url: bool) -> None:
    path = "/".join(parts)
    url = f"/{path}" if absolute else path
    if as_file_url and absolute:
        url = f"file://{url}"
    try:
        key = resolve_object_key(LOCAL, url)
    except UrlOutsideIntegration:
        return
    resolved = posixpath.normpath(posixpath.join("/data/root", key))
    assert resolved.startswith("/data/root/")
    assert ".." not in key.split("/")


S3_PREFIXED = StoreConfig(provider=Provider.S3, bucket="media-bucket", prefix="team/a")
_RESOLVER_URLS = [
    "s3://media-bucket/a/b.jpg",
    "s3://media-bucket/team/a/b.jpg",
    "s3://media-bucket/team/ab.jpg",
    "s3://media-bucket/team/a/",
    "s3://media-bucket/",
    "s3://media-bucket",
    "s3://media-bucket//b.jpg",
    "s3://media-bucket/a//b.jpg",
    "s3://media-bucket/a/./b.jpg",
    "s3://media-bucket/a/../b.jpg",
    "s3://media-bucket/..",
    "s3://media-bucket/a/b.jpg\n",
    "s3://media-bucket/a\tb.jpg",
    "s3://media-bucket-2/a.jpg",
    "s3://media-bucke/t/a.jpg",
    "S3://media-bucket/a.jpg",
    "s3://media/a.jpg",
    "gs://gcs-bucket/x/y.png",
    "gs://gcs-bucket/x/../y.png",
    "gs://media-bucket/x.png",
    "https://media-bucket.s3.eu-west-1.amazonaws.com/a/b.jpg",
    "s3://media-bucket/" + "k" * (MAX_URL_LENGTH - 18),
    "s3://media-bucket/" + "k" * (MAX_URL_LENGTH - 17),
]


def _outcome(resolve: object, url: str) -> str:
    try:
        return "key " + resolve(url)  # type: ignore[operator]
    except UrlOutsideIntegration as exc:
        return "refused " + exc.message


@pytest.mark.parametrize("config", [*ALL_CONFIGS, S3_PREFIXED])
@pytest.mark.parametrize("url", _RESOLVER_URLS)
def test_key_resolver_answers_as_resolve_object_key(config: StoreConfig, url: str) -> None:
    """The prefix comparison accepts exactly what the full parse accepts, with the same key; a refusal is the
    full parse's own wording."""
    assert _outcome(key_resolver(config), url) == _outcome(lambda u: resolve_object_key(config, u), url)


@given(
    key=st.text(alphabet=st.sampled_from("ab./\n%?#"), max_size=12),
    bucket=st.sampled_from(["media-bucket", "gcs-bucket"]),
)
@settings(max_examples=400, deadline=None)
def test_key_resolver_matches_on_generated_keys(key: str, bucket: str) -> None:
    for config in (S3, S3_PREFIXED, GCS, COMPAT):
        for scheme in ("s3", "gs"):
            url = f"{scheme}://{bucket}/{key}"
            assert _outcome(key_resolver(config), url) == _outcome(lambda u, c=config: resolve_object_key(c, u), url)
