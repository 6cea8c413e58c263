"""Security headers: the one place that says what every response, and every file cairn serves, carries.

Every response (JSON, errors, the docs page, files) gets :data:`RESPONSE_HEADERS` from :class:`SecurityHeaders`
unless its route set a header itself: no MIME sniffing, no referrer, no framing, no cross-origin reads of the
bytes, no caching of authenticated answers, and a Content-Security-Policy that lets an API answer load nothing.

Files (``GET /items/{id}/content``) are the users' bytes: an HTML or SVG file must never run as a page of cairn's
origin, where the session cookie works. :func:`file_headers` makes every file a download (``attachment``) unless
its type is one a browser only *displays* (:data:`PASSIVE_TYPES`: raster images, video, audio; not SVG, which runs
scripts when opened as a document), and gives every file a sandboxing policy that allows no script at all.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from urllib.parse import quote

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "API_POLICY",
    "FILE_POLICY",
    "PASSIVE_TYPES",
    "RESPONSE_HEADERS",
    "SecurityHeaders",
    "content_disposition",
    "file_headers",
    "inline_script_hashes",
]

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""An API answer is data: it may load nothing, run nothing, and be framed by no page."""

FILE_POLICY = (
    "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
"""A file opened as a document: shown in a sandbox (an opaque origin without scripts, forms or plugins)."""

RESPONSE_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": API_POLICY,
    "Cache-Control": "no-store",
}
"""What every response carries unless its route set the header (files set their own policy and caching)."""

PASSIVE_TYPES = frozenset(
    {
        *(f"image/{t}" for t in ("png", "jpeg", "gif", "webp", "avif", "apng", "bmp", "x-ms-bmp", "heic", "heif")),
        *(f"image/{t}" for t in ("tiff", "x-icon", "vnd.microsoft.icon")),
        *(f"video/{t}" for t in ("mp4", "webm", "ogg", "quicktime", "x-matroska", "mpeg", "mp2t", "3gpp")),
        *(f"audio/{t}" for t in ("mpeg", "mp4", "aac", "ogg", "opus", "wav", "x-wav", "wave", "webm", "flac")),
        *(f"audio/{t}" for t in ("x-flac", "3gpp")),
    }
)
"""Types a browser renders without running anything: served ``inline``. Anything else is an ``attachment``."""

FILE_CACHING = "private, no-cache"
"""A file is the caller's: no shared cache (a proxy, a CDN) may keep it, and the browser asks again each time."""

_MEDIA_TYPE = re.compile(r"^\s*([A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+)\s*(;.*)?$")
_ATTR_CHARS = "!#$&+-.^_`|~"  # RFC 5987 attr-char besides letters and digits: left as they are in filename*
_FALLBACK_UNSAFE = re.compile(r"[^A-Za-z0-9 !#$&'()+,.;=@\[\]^_`{}~-]+")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


class SecurityHeaders:
    """ASGI middleware: :data:`RESPONSE_HEADERS` on every response, each unless the route set it already."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in RESPONSE_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def file_headers(*, content_type: str | None, filename: str) -> tuple[str, dict[str, str]]:
    """The Content-Type to serve a file with, and its Content-Disposition, policy and caching headers.

    The type the store claims is used only when it is a well-formed media type (else
    ``application/octet-stream``); it decides ``inline`` (passive types) or ``attachment`` (everything else).
    """
    essence = _media_type_essence(content_type)
    served = essence or "application/octet-stream"
    disposition = "inline" if served in PASSIVE_TYPES else "attachment"
    return served, {
        "Content-Disposition": content_disposition(disposition, filename),
        "Content-Security-Policy": FILE_POLICY,
        "Cache-Control": FILE_CACHING,
    }


def content_disposition(disposition: str, filename: str) -> str:
    """``disposition; filename="ascii"; filename*=UTF-8''percent-encoded`` (RFC 6266, RFC 5987).

    ``filename*`` carries the exact name (every byte outside attr-char percent-encoded, so no quote, CR, LF or
    ``;`` can end the header or add a parameter); ``filename`` is a plain-ASCII stand-in for old clients.
    """
    encoded = quote(filename, safe=_ATTR_CHARS)
    return f"{disposition}; filename=\"{_ascii_fallback(filename)}\"; filename*=UTF-8''{encoded}"


def inline_script_hashes(html: str) -> list[str]:
    """CSP sources (``'sha256-...'``) allowing exactly the inline ``<script>`` blocks of a page cairn renders."""
    digests = (hashlib.sha256(body.encode()).digest() for body in _INLINE_SCRIPT.findall(html))
    return [f"'sha256-{base64.b64encode(d).decode()}'" for d in digests]


def _media_type_essence(value: str | None) -> str | None:
    match = _MEDIA_TYPE.match(value or "")
    return match.group(1).lower() if match else None


def _ascii_fallback(filename: str) -> str:
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    return _FALLBACK_UNSAFE.sub("_", plain).strip(" .") or "file"
