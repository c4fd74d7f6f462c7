"""The SSRF guard: outbound webhooks only reach public addresses.

At save, a URL whose host is, or resolves to, a loopback, private, link-local, multicast or reserved
address is refused (`URL_NOT_ALLOWED`); a host that does not resolve yet is accepted and checked at
send time. The host is static: mustache tokens may only appear in the path and the query, so no
call's data can choose where a request goes. At send time the name is resolved once, every address
is checked, and the request connects to the checked address itself (`outbound.transport`): a DNS
answer that changes between the check and the connection (rebinding) changes nothing.

`OUTBOUND_ALLOW_PRIVATE_TARGETS=1` lifts the guard (development, tests, demos; `bin/run` sets it).
"""

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

SCHEMES = {"http": 80, "https": 443}


class UrlNotAllowed(Exception):
    """A URL the service will not send to (where it points); the message says why."""


class UrlInvalid(UrlNotAllowed):
    """Not a URL a webhook can have (its shape: scheme, host, credentials)."""


class UnresolvableHost(Exception):
    """The target's name does not resolve (at send time: a failed attempt, retried)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # a name, or an IP address without brackets
    port: int

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if SCHEMES[self.scheme] == self.port else f"{host}:{self.port}"


def guard_on() -> bool:
    return not settings.OUTBOUND_ALLOW_PRIVATE_TARGETS


def address_allowed(address: str) -> bool:
    """A public unicast address: not loopback, private, link-local, multicast, reserved or unspecified."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )


def _ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


MUSTACHE_TAG = re.compile(r"\{\{.*?\}\}\}?", re.DOTALL)


def target_of(url: str) -> Target:
    """Where a URL (a template or a rendered one) sends: refuses what no webhook may have."""
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in MUSTACHE_TAG.sub("", url)):
        raise UrlInvalid("The URL cannot hold spaces or control characters (percent-encode them).")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlInvalid(f"Not a valid URL: {exc}.") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise UrlInvalid("The URL must start with http:// or https://.")
    if "{" in parts.netloc or "}" in parts.netloc:
        raise UrlNotAllowed("The host must be written out: mustache tokens may only be in the path and the query.")
    if parts.username is not None or parts.password is not None:
        raise UrlInvalid("No credentials in the URL: use `auth` (they are stored encrypted).")
    if not parts.hostname:
        raise UrlInvalid("The URL has no host.")
    return Target(scheme=scheme, host=parts.hostname, port=port or SCHEMES[scheme])


def resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to (the system resolver), in its order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableHost(f"{host} does not resolve ({exc}).") from None
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _refused(host: str, address: str) -> UrlNotAllowed:
    shown = host if host == address else f"{host} ({address})"
    return UrlNotAllowed(
        f"{shown} is a loopback, private, link-local, multicast or reserved address: webhooks only go to public ones."
    )


def url_check_at_save(url: str) -> Target:
    """The check when a webhook is saved. A name that does not resolve now is accepted (checked at send)."""
    target = target_of(url)
    if not guard_on():
        return target
    literal = _ip_literal(target.host)
    try:
        addresses = [literal] if literal else resolve(target.host, target.port)
    except UnresolvableHost:
        return target
    for address in addresses:
        if not address_allowed(address):
            raise _refused(target.host, address)
    return target


def address_to_connect(target: Target) -> str:
    """At send time: the one address to connect to, resolved now and checked (every address the name
    has must be public; the first one is used)."""
    literal = _ip_literal(target.host)
    addresses = [literal] if literal else resolve(target.host, target.port)
    if guard_on():
        for address in addresses:
            if not address_allowed(address):
                raise _refused(target.host, address)
    return addresses[0]
