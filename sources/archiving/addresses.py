"""Which network addresses the server may fetch from: public unicast only.

An explicit deny list, not only ``ipaddress``'s ``is_private`` / ``is_global`` flags: those flags
have changed between Python releases and miss ranges (6to4 relays, NAT64, Teredo, ORCHID; Python
3.11 even calls multicast and IPv6's IETF-reserved space "global"). An address must pass both:
outside every listed range *and* ``is_global``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from functools import lru_cache

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# IPv6 space outside global unicast (2000::/3) and not listed below for a narrower reason: reserved
# by the IETF, never routed on the internet, so only a local network could answer there.
_IETF_RESERVED_V6 = (
    "::/8", "100::/8", "200::/7", "400::/6", "800::/5", "1000::/4", "4000::/3", "6000::/3",
    "8000::/3", "a000::/3", "c000::/3", "e000::/4", "f000::/5", "f800::/6", "fe00::/9",
)  # fmt: skip

# (network, why) — the why ends up in the snapshot's error message.
DENIED_NETWORKS: tuple[tuple[str, str], ...] = (
    # IPv4
    ("0.0.0.0/8", "'this network' (unspecified)"),
    ("10.0.0.0/8", "private network (RFC 1918)"),
    ("100.64.0.0/10", "carrier-grade NAT (RFC 6598)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local (cloud metadata)"),
    ("172.16.0.0/12", "private network (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("192.0.2.0/24", "documentation (TEST-NET-1)"),
    ("192.31.196.0/24", "AS112 service"),
    ("192.52.193.0/24", "AMT relay"),
    ("192.88.99.0/24", "6to4 relay anycast"),
    ("192.168.0.0/16", "private network (RFC 1918)"),
    ("192.175.48.0/24", "AS112 service"),
    ("198.18.0.0/15", "benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "documentation (TEST-NET-2)"),
    ("203.0.113.0/24", "documentation (TEST-NET-3)"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("255.255.255.255/32", "broadcast"),
    # IPv6
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/96", "IPv4-compatible (deprecated)"),
    ("::ffff:0:0/96", "IPv4-mapped"),
    ("::ffff:0:0:0/96", "IPv4-translated"),
    ("64:ff9b::/96", "NAT64"),
    ("64:ff9b:1::/48", "local-use NAT64"),
    ("100::/64", "discard-only"),
    ("2001::/23", "IETF protocol assignments (Teredo, benchmarking, ORCHID)"),
    ("2001:db8::/32", "documentation"),
    ("2002::/16", "6to4"),
    ("3fff::/20", "documentation"),
    ("5f00::/16", "segment routing"),
    ("fc00::/7", "unique local (private)"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local (deprecated)"),
    ("ff00::/8", "multicast"),
    # What is left outside global unicast 2000::/3 (IANA's IPv6 address space registry).
    *((network, "reserved by the IETF") for network in _IETF_RESERVED_V6),
)

# Most specific first, so the reason given is the narrowest (broadcast, not "reserved").
_DENIED: tuple[tuple[IPNetwork, str], ...] = tuple(
    sorted(
        ((ipaddress.ip_network(net), why) for net, why in DENIED_NETWORKS),
        key=lambda item: -item[0].prefixlen,
    )
)


class AddressRefused(Exception):
    def __init__(self, address: str, why: str) -> None:
        super().__init__(f"{address} is {why}")
        self.address = address
        self.why = why


def refusal_reason(address: IPAddress) -> str | None:
    """Why ``address`` may not be fetched from, or None if it is public unicast."""
    for network, why in _DENIED:
        if address.version == network.version and address in network:
            return why
    if not address.is_global:
        return "not a public address"
    return None


@lru_cache(maxsize=32)
def _allowed_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def check_address(address: IPAddress, allowed: Iterable[str] = ()) -> None:
    """Raise AddressRefused unless ``address`` is public, or explicitly allowed (tests only)."""
    for network in _allowed_networks(tuple(allowed)):
        if address.version == network.version and address in network:
            return
    why = refusal_reason(address)
    if why is not None:
        raise AddressRefused(str(address), why)


_NUMERIC_LABEL = r"(?:0[xX][0-9a-fA-F]*|[0-9]+)"
# Letters, digits, hyphens and (as some real sites use them) underscores; DNS's length limits.
_HOST_LABEL = re.compile(r"[A-Za-z0-9_-]{1,63}")  # ASCII only: no Unicode case folding


def valid_host_name(host: str) -> bool:
    """Whether ``host`` (ASCII, IDN already in punycode, no trailing dot) can be a DNS name.

    Anything else (``%``-escapes, empty labels, over-long labels) would reach the resolver as
    an odd name that some resolvers or proxies decode differently, so it is refused instead.
    """
    return len(host) <= 253 and all(_HOST_LABEL.fullmatch(label) for label in host.split("."))


def literal_address(host: str) -> IPAddress | None:
    """The address a host *literal* stands for, in any form a resolver would accept.

    Besides dotted IPv4 and IPv6, C resolvers accept ``2130706433``, ``0x7f.1``, ``0177.0.0.1``
    and ``127.1``; all of them mean an address, never a name to look up. A host made only of
    numeric labels that does not parse is refused by the caller as malformed.
    """
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0] if ":" in host else host)
    except ValueError:
        pass
    if ":" in host:
        raise ValueError(f"malformed IPv6 address {host!r}")
    labels = host.rstrip(".").split(".")
    if labels and all(re.fullmatch(_NUMERIC_LABEL, label) for label in labels):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
        except OSError as exc:
            raise ValueError(f"malformed IPv4 address {host!r}") from exc
    return None
