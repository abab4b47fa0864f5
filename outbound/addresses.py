"""Which addresses payproc may connect to for a merchant: public ones only (SSRF). The host is resolved
once per attempt and the connection goes to an address from that same answer (outbound/http.py pins it),
so a DNS answer that changes between the check and the connection (rebinding) cannot reach inside."""

import ipaddress
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Python's is_global takes these as global although each leads to an IPv4 address, which may be private:
# IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) forms, and NAT64's translator prefixes.
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")


class AddressRefused(Exception):
    """A host payproc will not connect to. The message names the host, never an address it resolved to,
    so a merchant cannot map the internal network through it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NonPublicAddress(AddressRefused):
    """The host resolves, but to an address that is not public (an operator may list the host to allow it)."""


def is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None or ip in _IPV4_COMPATIBLE or ip in _NAT64_LOCAL:
            return False
        if ip in _NAT64_WELL_KNOWN:  # the translator connects to the IPv4 address in its last 32 bits
            return is_public(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.sixtofour is not None:
            return is_public(ip.sixtofour)
        if ip.teredo is not None:
            return False
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int, *, public_only: bool) -> list[IPAddress]:
    """The host's addresses in the resolver's order. With `public_only`, a host with any non-public
    address is refused outright (a mix is how rebinding and round-robin tricks start)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise AddressRefused(f"host {host} does not resolve.") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in found))
    if public_only and not all(is_public(ip) for ip in addresses):
        raise NonPublicAddress(f"host {host} resolves to a non-public address.")
    return addresses
