"""Outgoing HTTP to addresses a company administrator typed: never into the server's own network.

A webhook URL is resolved when the message is sent (DNS can change after the URL was
saved); every address the name resolves to must be public — not loopback, link-local
(169.254.169.254, the cloud metadata service), private, shared (CGNAT), multicast,
reserved or unspecified, in IPv4 or IPv6, including IPv4 hidden in IPv6 (``::ffff:a.b.c.d``,
6to4, NAT64, Teredo). The operator may allow networks by setting
(``TANDEM_WEBHOOK_ALLOWED_NETWORKS``, e.g. an internal receiver). The connection then goes
to the address that was checked — no second lookup a rebinding DNS server could answer
differently — while the ``Host`` header, TLS SNI and certificate check keep the name.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
CGNAT = ipaddress.ip_network("100.64.0.0/10")


class EgressRefused(Exception):
    """The address may not be reached from this server (message is for the administrator)."""


class Unresolvable(EgressRefused):
    """The name has no address (now); when saving a URL that is no reason to refuse it."""


def allowed_networks() -> list[IPNetwork]:
    return [
        ipaddress.ip_network(str(network).strip(), strict=False)
        for network in getattr(settings, "TANDEM_WEBHOOK_ALLOWED_NETWORKS", ())
        if str(network).strip()
    ]


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """True for an address on the public internet; False for anything local, private or special."""
    if isinstance(address, ipaddress.IPv6Address):
        if (embedded := _embedded_ipv4(address)) is not None:
            return is_public(embedded)
        special = address.is_site_local
    else:
        special = address in CGNAT
    return address.is_global and not (
        special
        or address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def check_address(address: IPAddress, networks: list[IPNetwork] | None = None) -> None:
    networks = allowed_networks() if networks is None else networks
    if any(address.version == network.version and address in network for network in networks):
        return
    if not is_public(address):
        raise EgressRefused(
            _("%(address)s is a local, private or reserved address; webhooks are only sent to public ones.")
            % {"address": address}
        )


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def check_host_name(host: str) -> None:
    """What can be said without DNS: a literal address must be allowed, ``localhost`` never is."""
    name = host.rstrip(".").lower()
    if (literal := _literal(name)) is not None:
        check_address(literal)
    elif name in LOCAL_NAMES or name.endswith(".localhost"):
        check_address(ipaddress.ip_address("127.0.0.1"))  # what the name means on this server


def check_url(url: str) -> None:
    """The check when a URL is saved: refuse what already points inside; delivery checks again."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    check_host_name(host)
    with contextlib.suppress(Unresolvable):  # the name may come later; each delivery checks again
        resolve(host, parts.port or 443)


def resolve(host: str, port: int) -> IPAddress:
    """The one address to connect to, after checking every address the name resolves to."""
    if (literal := _literal(host)) is not None:
        check_address(literal)
        return literal
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as failure:
        raise Unresolvable(_("%(host)s could not be resolved.") % {"host": host}) from failure
    addresses = [_literal(str(info[4][0])) for info in infos]
    found = [address for address in addresses if address is not None]
    if not found:
        raise Unresolvable(_("%(host)s could not be resolved.") % {"host": host})
    networks = allowed_networks()
    for address in found:  # one bad answer among good ones is a rebinding attempt: refuse
        check_address(address, networks)
    return found[0]


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    duration_ms: int


def _pinned(connection: http.client.HTTPConnection, address: IPAddress) -> http.client.HTTPConnection:
    """Make ``connection`` open its socket to ``address``; Host, SNI and certificate keep the name."""

    def create_connection(target: tuple[str, int], timeout: Any = None, source: Any = None) -> socket.socket:
        return socket.create_connection((str(address), target[1]), timeout, source)

    connection._create_connection = create_connection  # type: ignore[attr-defined]
    return connection


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float, read_limit: int) -> Answer:
    """POST ``body`` to ``url`` at a checked, pinned address; redirects are answers, not followed.

    Raises :class:`EgressRefused` for an address that may not be reached and ``OSError`` or
    ``http.client.HTTPException`` when the connection fails.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise EgressRefused(_("Only http:// and https:// addresses can receive webhooks."))
    port = parts.port or (443 if parts.scheme == "https" else 80)
    started = time.monotonic()
    address = resolve(parts.hostname, port)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
    _pinned(connection, address)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read(read_limit)
        return Answer(response.status, answer, int((time.monotonic() - started) * 1000))
    finally:
        connection.close()
