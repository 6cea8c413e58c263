"""The SSRF rule: a custom endpoint must not lead to this machine or a network that is not the public Internet.

An endpoint is parsed the one strict way (``cairn.domain.integrations.parse_endpoint``), its host resolved, and
**every** address checked: an address is refused unless it is globally routable unicast. IPv6 addresses that
carry an IPv4 address (IPv4-mapped, NAT64, 6to4) are judged by the IPv4 address they lead to; Teredo, IPv4-compatible
and local-use NAT64 addresses are refused outright. The table below is explicit (IANA special-purpose registries)
so the verdict does not depend on the Python version's ``ipaddress`` flags.

The check runs right before each store is built; obstore then resolves the name again itself, so a DNS answer
that changes in between (rebinding within seconds) is the remaining window (``docs/storage.md``).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable

from cairn.domain.integrations import Endpoint, parse_endpoint
from cairn.errors import InvalidInput, StorageError, UrlOutsideIntegration

__all__ = ["Resolver", "check_endpoint_allowed", "forbidden_address_reason", "system_resolver"]

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Iterable[str]]
"""``resolve(host, port)`` → the addresses (text) a connection to ``host`` may reach."""

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

_IPV4_REFUSED: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (_V4("0.0.0.0/8"), "'this network' (unspecified)"),
    (_V4("10.0.0.0/8"), "private"),
    (_V4("100.64.0.0/10"), "shared address space (CGNAT, cloud metadata such as 100.100.100.200)"),
    (_V4("127.0.0.0/8"), "loopback"),
    (_V4("169.254.0.0/16"), "link-local (cloud metadata such as 169.254.169.254)"),
    (_V4("172.16.0.0/12"), "private"),
    (_V4("192.0.0.0/24"), "IETF protocol assignment"),
    (_V4("192.0.2.0/24"), "documentation"),
    (_V4("192.88.99.0/24"), "6to4 relay anycast"),
    (_V4("192.168.0.0/16"), "private"),
    (_V4("198.18.0.0/15"), "benchmarking"),
    (_V4("198.51.100.0/24"), "documentation"),
    (_V4("203.0.113.0/24"), "documentation"),
    (_V4("224.0.0.0/4"), "multicast"),
    (_V4("240.0.0.0/4"), "reserved"),
)

_IPV6_REFUSED: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_V6("::/128"), "unspecified"),
    (_V6("::1/128"), "loopback"),
    (_V6("::/96"), "IPv4-compatible (deprecated)"),
    (_V6("64:ff9b:1::/48"), "local-use NAT64"),
    (_V6("100::/64"), "discard-only"),
    (_V6("2001::/32"), "Teredo tunnel"),
    (_V6("2001::/23"), "IETF protocol assignment"),
    (_V6("2001:db8::/32"), "documentation"),
    (_V6("3fff::/20"), "documentation"),
    (_V6("5f00::/16"), "segment routing"),
    (_V6("fc00::/7"), "unique local (private)"),
    (_V6("fe80::/10"), "link-local"),
    (_V6("fec0::/10"), "site-local (private)"),
    (_V6("ff00::/8"), "multicast"),
)
_GLOBAL_UNICAST = _V6("2000::/3")
_NAT64 = _V6("64:ff9b::/96")

_NO_SUCH_HOST = {getattr(socket, name) for name in ("EAI_NONAME", "EAI_NODATA", "EAI_FAIL") if hasattr(socket, name)}
"""getaddrinfo's answers that mean "this name has no address" (bad input), unlike EAI_AGAIN (DNS trouble: retry)."""


def check_endpoint_allowed(endpoint: str, *, allow_private_endpoints: bool, resolve: Resolver | None = None) -> None:
    """Refuse an endpoint that is malformed (InvalidInput) or whose host resolves to any address that is not
    globally routable unicast (UrlOutsideIntegration).

    ``resolve`` is the name lookup (default: the system's, ``socket.getaddrinfo``); tests pass their own. With
    ``allow_private_endpoints`` (the setting ``CAIRN_ALLOW_PRIVATE_ENDPOINTS``) the syntax is still checked but no
    address is.
    """
    parsed = parse_endpoint(endpoint)
    if allow_private_endpoints:
        return
    for address in _addresses(parsed, resolve or system_resolver):
        reason = forbidden_address_reason(address)
        if reason:
            raise UrlOutsideIntegration(
                f"endpoint {endpoint!r} resolves to {address}, a {reason} address; such endpoints are refused "
                "against server-side request forgery. Set CAIRN_ALLOW_PRIVATE_ENDPOINTS=true (setting "
                "allow_private_endpoints) to allow them on a trusted network.",
                details={"endpoint": endpoint, "address": str(address), "setting": "allow_private_endpoints"},
            )


def forbidden_address_reason(address: _Address) -> str | None:
    """Why an address may not be connected to ("loopback", "6to4 address of 127.0.0.1 (loopback)"...), or None."""
    if isinstance(address, ipaddress.IPv4Address):
        return _table_reason(address, _IPV4_REFUSED)
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        kind, inner = embedded
        inner_reason = _table_reason(inner, _IPV4_REFUSED)
        return f"{kind} address of {inner} ({inner_reason})" if inner_reason else None
    reason = _table_reason(address, _IPV6_REFUSED)
    if reason is None and address not in _GLOBAL_UNICAST:
        reason = "reserved (outside the global unicast range 2000::/3)"
    return reason


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system resolves ``host`` to (every family, every answer)."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


def _table_reason(
    address: _Address, table: Iterable[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]]
) -> str | None:
    return next((reason for network, reason in table if address in network), None)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address an IPv6 address leads to, when it is a translation of one (mapped, NAT64, 6to4)."""
    if address.ipv4_mapped is not None:
        return "IPv4-mapped", address.ipv4_mapped
    if address in _NAT64:
        return "NAT64", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return "6to4", address.sixtofour
    return None


def _addresses(endpoint: Endpoint, resolve: Resolver) -> list[_Address]:
    literal = endpoint.literal_address
    if literal is not None:
        return [literal]
    try:
        answers = sorted(set(resolve(endpoint.host, endpoint.port)))
    except UnicodeError as exc:
        message = f"endpoint {endpoint.url!r}: {endpoint.host!r} is not a valid host name"
        raise InvalidInput(message, details={"endpoint": endpoint.url}) from exc
    except socket.gaierror as exc:
        if exc.errno in _NO_SUCH_HOST:
            message = f"endpoint {endpoint.url!r}: host {endpoint.host!r} does not resolve (no such host)"
            raise InvalidInput(message, details={"endpoint": endpoint.url}) from exc
        raise StorageError(
            f"endpoint {endpoint.url!r}: cannot resolve host {endpoint.host!r} now ({exc.strerror})"
        ) from exc
    except OSError as exc:
        raise StorageError(
            f"endpoint {endpoint.url!r}: cannot resolve host {endpoint.host!r} ({exc.strerror})"
        ) from exc
    if not answers:
        raise StorageError(f"endpoint {endpoint.url!r}: host {endpoint.host!r} resolves to no address")
    return [_address(endpoint, text) for text in answers]


def _address(endpoint: Endpoint, text: str) -> _Address:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError as exc:
        raise StorageError(f"endpoint {endpoint.url!r}: the resolver answered {text!r}, not an address") from exc
