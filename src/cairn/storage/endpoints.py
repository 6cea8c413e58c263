"""The SSRF rule: a custom endpoint must not lead to this machine or its private network unless allowed."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from cairn.errors import InvalidInput, StorageError, UrlOutsideIntegration

__all__ = ["check_endpoint_allowed", "forbidden_address_reason"]

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_NO_SUCH_HOST = {getattr(socket, name) for name in ("EAI_NONAME", "EAI_NODATA", "EAI_FAIL") if hasattr(socket, name)}
"""getaddrinfo's answers that mean "this name has no address" (bad input), unlike EAI_AGAIN (DNS trouble: retry)."""


def check_endpoint_allowed(endpoint: str, *, allow_private_endpoints: bool) -> None:
    """Refuse an endpoint whose host resolves to a loopback, private, link-local or unspecified address.

    Every address the host resolves to is checked (not only the first). With ``allow_private_endpoints`` (the
    setting ``CAIRN_ALLOW_PRIVATE_ENDPOINTS``) nothing is checked.
    """
    if allow_private_endpoints:
        return
    host, port = _host_and_port(endpoint)
    for address in _resolve(endpoint, host, port):
        reason = forbidden_address_reason(address)
        if reason:
            raise UrlOutsideIntegration(
                f"endpoint {endpoint!r} resolves to {address}, a {reason} address; such endpoints are refused "
                "against server-side request forgery. Set CAIRN_ALLOW_PRIVATE_ENDPOINTS=true (setting "
                "allow_private_endpoints) to allow them on a trusted network.",
                details={"endpoint": endpoint, "address": str(address), "setting": "allow_private_endpoints"},
            )


def forbidden_address_reason(address: _Address) -> str | None:
    """Why an address is not allowed as an endpoint ("loopback", "private", ...), or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("private", address.is_private),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
    )
    return next((name for name, hit in checks if hit), None)


def _host_and_port(endpoint: str) -> tuple[str, int]:
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"endpoint {endpoint!r} is not a valid URL: {exc}", details={"endpoint": endpoint}) from exc
    if not parts.hostname:
        raise InvalidInput(f"endpoint {endpoint!r} names no host", details={"endpoint": endpoint})
    return parts.hostname, port or (80 if parts.scheme == "http" else 443)


def _resolve(endpoint: str, host: str, port: int) -> list[_Address]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except UnicodeError as exc:
        raise InvalidInput(
            f"endpoint {endpoint!r}: {host!r} is not a valid host name", details={"endpoint": endpoint}
        ) from exc
    except socket.gaierror as exc:
        if exc.errno in _NO_SUCH_HOST:
            message = f"endpoint {endpoint!r}: host {host!r} does not resolve (no such host)"
            raise InvalidInput(message, details={"endpoint": endpoint}) from exc
        raise StorageError(f"endpoint {endpoint!r}: cannot resolve host {host!r} now ({exc.strerror})") from exc
    except OSError as exc:
        raise StorageError(f"endpoint {endpoint!r}: cannot resolve host {host!r} ({exc.strerror})") from exc
    addresses = {str(info[4][0]) for info in infos}
    return [ipaddress.ip_address(text.split("%", 1)[0]) for text in sorted(addresses)]
