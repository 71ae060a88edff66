"""The hostile-URL suite: every way of pointing a capture where it must not go ends ``blocked``.

Each case runs through the real ``snapshot_capture`` service. Counting canary servers listen on
loopback (127.0.0.2 and ::1, and 127.0.0.1 for the cases about 127.0.0.1 itself), and every case
that means loopback uses a canary's port, so a leak would be counted: after every test, and again
when the module ends, the canaries have seen no request and no connection. Positive controls show
that the same spellings do reach a server once its address is allow-listed, so zero means refused
rather than pointed nowhere.

Decisions:

- The cases run with 127.0.0.1 allow-listed (``fetch_allowed``), as the lab's own servers need; so
  the suite also shows that the allow-list admits that one address, not its /8, its IPv4-mapped
  form or its other spellings. The spellings of 127.0.0.1 itself run with nothing allow-listed.
- A chain of more than 5 redirects, and a redirect loop, end ``failed`` (``too_many_redirects``,
  ``redirect_loop``), not ``blocked``: every hop requested was allowed, nothing was refused.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from sources.archiving.addresses import DENIED_NETWORKS
from sources.archiving.fetch import FetchError, FetchPolicy, fetch
from sources.archiving.services import snapshot_capture
from sources.models import Snapshot, archive_storage
from tests import netlab
from tests.factories import SourceFactory
from tests.netlab import LabServer
from tests.sources.archiving.warc_checks import assert_warc_valid

PAGE = "<!doctype html><title>Canary</title><p>If you can read this, a fetch got through.</p>"


@dataclass(frozen=True)
class Case:
    id: str
    url: str  # a template: {port} the canary on 127.0.0.2, {port6} on ::1, {lport} on 127.0.0.1
    code: str


def _cases(code: str, *pairs: tuple[str, str]) -> list[Case]:
    return [Case(case_id, url, code) for case_id, url in pairs]


def _param(cases: list[Case]) -> list:
    return [pytest.param(case, id=case.id) for case in cases]


# --- Refused ranges: first, middle and last address of each, as URL literals ----------------------


def _edges(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> list[tuple[str, str]]:
    edges = {
        "first": network[0],
        "middle": network[network.num_addresses // 2],
        "last": network[-1],
    }
    seen: set[str] = set()
    unique = []
    for label, address in edges.items():
        if str(address) not in seen:
            seen.add(str(address))
            unique.append((label, str(address)))
    return unique


def _literal_url(address: str) -> str:
    if address in ("::1", "::"):  # connecting to :: reaches ::1
        return f"http://[{address}]:{{port6}}/"
    if address == "0.0.0.0":  # noqa: S104 - connecting to 0.0.0.0 reaches 127.0.0.1
        return "http://0.0.0.0:{lport}/"
    if ":" in address:
        return f"http://[{address}]:{{port}}/"
    return f"http://{address}:{{port}}/"


def _range_cases(networks: list[str]) -> list[Case]:
    return [
        Case(f"{network}-{label}", _literal_url(address), "blocked_address")
        for network in networks
        for label, address in _edges(ipaddress.ip_network(network))
    ]


def _python_flagged_networks() -> list[str]:
    """Ranges ``ipaddress`` calls private, reserved, link-local, site-local or multicast that are
    not themselves entries of the deny list (its tables are private attributes: read defensively,
    never silently empty)."""
    listed = {ipaddress.ip_network(network) for network, _ in DENIED_NETWORKS}
    found: list[str] = []
    for constants in (ipaddress._IPv4Constants, ipaddress._IPv6Constants):  # type: ignore[attr-defined]  # private, not in typeshed
        for name in (
            "_private_networks",
            "_reserved_network",
            "_reserved_networks",
            "_linklocal_network",
            "_sitelocal_network",
            "_multicast_network",
        ):
            value = getattr(constants, name, None)
            for network in value if isinstance(value, list | tuple) else [value]:
                if isinstance(network, ipaddress.IPv4Network | ipaddress.IPv6Network):
                    found.append(str(network))
    assert len(found) > 20, "ipaddress's tables moved: update _python_flagged_networks"
    return sorted({network for network in found if ipaddress.ip_network(network) not in listed})


TABLE_RANGES = _range_cases([network for network, _ in DENIED_NETWORKS])
PYTHON_FLAGGED_RANGES = _range_cases(_python_flagged_networks())
# Special-purpose blocks (IANA registries) inside broader listed ranges; some IANA even calls
# "globally reachable", but they are anycast infrastructure, not places a cited page lives.
SPECIAL_PURPOSE = _cases(
    "blocked_address",
    ("ds-lite", "http://192.0.0.1:{port}/"),
    ("pcp-anycast", "http://192.0.0.9:{port}/"),
    ("turn-anycast", "http://192.0.0.10:{port}/"),
    ("nat64-discovery", "http://192.0.0.170:{port}/"),
    ("oracle-metadata", "http://192.0.0.192/opc/v2/instance/"),
    ("alibaba-metadata", "http://100.100.100.200/latest/meta-data/"),
    ("aws-metadata", "http://169.254.169.254/latest/meta-data/iam/security-credentials/"),
    ("aws-metadata-v6", "http://[fd00:ec2::254]/latest/meta-data/"),
    ("gcp-metadata", "http://169.254.169.254/computeMetadata/v1/?recursive=true"),
    ("cgnat-first", "http://100.64.0.0:{port}/"),
    ("cgnat-last", "http://100.127.255.255:{port}/"),
    ("unspecified-v4", "http://0.0.0.0:{lport}/"),
    ("broadcast", "http://255.255.255.255:{port}/"),
    ("all-hosts-multicast", "http://224.0.0.1:{port}/"),
    ("rfc1918-router", "http://192.168.1.1:{port}/"),
    ("pcp-v6", "http://[2001:1::1]:{port}/"),
    ("amt-v6", "http://[2001:3::1]:{port}/"),
    ("as112-v6", "http://[2001:4:112::1]:{port}/"),
    ("orchid-v2", "http://[2001:20::1]:{port}/"),
    ("drip-v6", "http://[2001:30::1]:{port}/"),
    ("dummy-prefix-v6", "http://[100:0:0:1::1]:{port}/"),
    ("ula", "http://[fd00::1]:{port}/"),
    ("link-local-v6-zone", "http://[fe80::1%25eth0]:{port}/"),
    ("link-local-v6-raw-zone", "http://[fe80::1%eth0]:{port}/"),
    ("loopback-v6-zone", "http://[::1%25lo]:{port6}/"),
    ("site-local-v6", "http://[fec0::1]:{port}/"),
    ("all-nodes-multicast-v6", "http://[ff02::1]:{port}/"),
    ("reserved-v6-fe00", "http://[fe00::1]:{port}/"),
)


# --- One address, many spellings ------------------------------------------------------------------


def _teredo(server: str, client: str, port: int) -> str:
    value = (
        (0x20010000 << 96)
        | (int(ipaddress.IPv4Address(server)) << 64)
        | ((~port & 0xFFFF) << 32)
        | (~int(ipaddress.IPv4Address(client)) & 0xFFFFFFFF)
    )
    return str(ipaddress.IPv6Address(value))


def _sixtofour(client: str) -> str:
    return str(ipaddress.IPv6Address((0x2002 << 112) | (int(ipaddress.IPv4Address(client)) << 80)))


IPV4_SPELLINGS = _cases(
    "blocked_address",
    ("canary-dotted", "http://127.0.0.2:{port}/"),
    ("canary-https", "https://127.0.0.2:{port}/"),
    ("canary-upper-scheme", "HTTP://127.0.0.2:{port}/"),
    ("canary-mixed-case-scheme", "hTtPs://127.0.0.2:{port}/"),
    ("canary-decimal", "http://2130706434:{port}/"),
    ("canary-hex", "http://0x7f000002:{port}/"),
    ("canary-hex-upper", "http://0X7F000002:{port}/"),
    ("canary-hex-padded", "http://0x000000007f000002:{port}/"),
    ("canary-octal", "http://017700000002:{port}/"),
    ("canary-octal-dotted", "http://0177.0.0.2:{port}/"),
    ("canary-octal-padded", "http://00000177.0.0.02:{port}/"),
    ("canary-hex-dotted", "http://0x7f.0.0.2:{port}/"),
    ("canary-hex-every-part", "http://0x7f.0x0.0x0.0x2:{port}/"),
    ("canary-hex-octal-decimal", "http://0x7f.00.0.02:{port}/"),
    ("canary-zero-padded", "http://127.000.000.002:{port}/"),
    ("canary-short-two-parts", "http://127.2:{port}/"),
    ("canary-short-three-parts", "http://127.0.2:{port}/"),
    ("canary-short-hex", "http://0x7f.2:{port}/"),
    ("canary-trailing-dot", "http://127.0.0.2.:{port}/"),
    ("canary-two-trailing-dots", "http://127.0.0.2..:{port}/"),
    ("canary-fullwidth", "http://\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff12:{port}/"),
    ("canary-ideographic-dots", "http://127\u30020\u30020\u30022:{port}/"),
    ("canary-fullwidth-trailing-dot", "http://127.0.0.2\uff0e:{port}/"),
    ("canary-circled-digits", "http://\u2460\u2461\u2466.0.0.2:{port}/"),
    ("canary-math-bold-digits", "http://\U0001d7cf\U0001d7d0\U0001d7d5.0.0.2:{port}/"),
    ("canary-soft-hyphen", "http://127.0.0.\u00ad2:{port}/"),
    ("canary-zero-width-space", "http://127.0.0.2\u200b:{port}/"),
    ("metadata-decimal", "http://2852039166/latest/meta-data/"),
    ("metadata-hex", "http://0xa9fea9fe/latest/meta-data/"),
    ("metadata-octal-dotted", "http://0251.0376.0251.0376/latest/meta-data/"),
    ("metadata-hex-dotted", "http://0xa9.0xfe.0xa9.0xfe/latest/meta-data/"),
    ("metadata-short", "http://169.254.43518/latest/meta-data/"),
    ("private-decimal", "http://167772161:{port}/"),
    ("private-short", "http://10.1:{port}/"),
    ("private-octal", "http://012.0.0.1:{port}/"),
    ("private-hex-dotted", "http://0xa.0.0.1:{port}/"),
    ("router-decimal", "http://3232235777:{port}/"),
    ("router-hex", "http://0xc0a80101:{port}/"),
    ("router-octal", "http://0300.0250.1.1:{port}/"),
    ("router-short", "http://192.168.257:{port}/"),
    ("unspecified-zero", "http://0:{lport}/"),
    ("unspecified-hex", "http://0x0:{lport}/"),
    ("unspecified-two-parts", "http://0.0:{lport}/"),
    ("unspecified-padded", "http://00.00.00.00:{lport}/"),
    ("broadcast-decimal", "http://4294967295:{port}/"),
)

IPV6_SPELLINGS = _cases(
    "blocked_address",
    ("loopback", "http://[::1]:{port6}/"),
    ("loopback-full", "http://[0:0:0:0:0:0:0:1]:{port6}/"),
    ("loopback-padded", "http://[0000::0001]:{port6}/"),
    ("loopback-odd-compression", "http://[::0:1]:{port6}/"),
    ("unspecified-v6", "http://[::]:{port6}/"),
    ("mapped-dotted", "http://[::ffff:127.0.0.2]:{port}/"),
    ("mapped-hex", "http://[::ffff:7f00:2]:{port}/"),
    ("mapped-upper", "http://[::FFFF:7F00:2]:{port}/"),
    ("mapped-full", "http://[0:0:0:0:0:ffff:127.0.0.2]:{port}/"),
    ("compatible-dotted", "http://[::127.0.0.2]:{port}/"),
    ("compatible-hex", "http://[::7f00:2]:{port}/"),
    ("translated", "http://[::ffff:0:7f00:2]:{port}/"),
    ("nat64-hex", "http://[64:ff9b::7f00:2]:{port}/"),
    ("nat64-dotted", "http://[64:ff9b::127.0.0.2]:{port}/"),
    ("nat64-local-use", "http://[64:ff9b:1::7f00:2]:{port}/"),
    ("nat64-private", "http://[64:ff9b::a00:1]:{port}/"),
    ("nat64-metadata", "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/"),
    ("6to4-canary", f"http://[{_sixtofour('127.0.0.2')}]:{{port}}/"),
    ("6to4-canary-host-1", "http://[2002:7f00:2::1]:{port}/"),
    ("6to4-loopback", "http://[2002:7f00:1::]:{port}/"),
    ("6to4-metadata", f"http://[{_sixtofour('169.254.169.254')}]/latest/meta-data/"),
    ("6to4-private", f"http://[{_sixtofour('192.168.1.1')}]:{{port}}/"),
    ("teredo-canary", f"http://[{_teredo('10.0.0.1', '127.0.0.2', 80)}]:{{port}}/"),
    ("teredo-private", f"http://[{_teredo('192.168.0.1', '10.0.0.1', 8080)}]:{{port}}/"),
    ("teredo-example", "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]:{port}/"),
    ("mapped-metadata", "http://[::ffff:169.254.169.254]/latest/meta-data/"),
    ("mapped-metadata-hex", "http://[::ffff:a9fe:a9fe]/latest/meta-data/"),
    ("mapped-private", "http://[::ffff:10.0.0.1]:{port}/"),
    ("link-local-embedding-metadata", "http://[fe80::a9fe:a9fe]/latest/meta-data/"),
    # 127.0.0.1 is allow-listed in these cases; its IPv6 forms are other addresses, and refused.
    ("allowed-address-mapped", "http://[::ffff:127.0.0.1]:{lport}/"),
    ("allowed-address-compatible", "http://[::127.0.0.1]:{lport}/"),
    ("allowed-address-nat64", "http://[64:ff9b::7f00:1]:{lport}/"),
    ("allowed-address-6to4", "http://[2002:7f00:1::]:{lport}/"),
)


# --- The authority, the host and the port ---------------------------------------------------------

AUTHORITY_TRICKS = [
    *_cases(
        "invalid_url",
        ("userinfo-allowed-name", "http://allowed.example@127.0.0.2:{port}/"),
        ("userinfo-allowed-address", "http://127.0.0.1:{lport}@127.0.0.2:{port}/"),
        ("userinfo-canary-before-allowed", "http://127.0.0.2:{port}@allowed.example/"),
        ("userinfo-empty", "http://@127.0.0.2:{port}/"),
        ("userinfo-colon", "http://:@127.0.0.2:{port}/"),
        ("userinfo-password", "http://user:secret@127.0.0.2:{port}/"),
        ("userinfo-encoded-at", "http://user%40allowed.example@127.0.0.2:{port}/"),
        ("userinfo-two-ats", "http://allowed.example@evil@127.0.0.2:{port}/"),
        ("userinfo-host-empty", "http://@:{port}/"),
        ("backslash-before-at", "http://allowed.example\\@127.0.0.2:{port}/"),
        ("backslash-after-port", "http://127.0.0.2:{port}\\@allowed.example/"),
        ("backslash-authority", "http:\\\\127.0.0.2:{port}/"),
        ("slash-backslash-authority", "http:/\\127.0.0.2:{port}/"),
        ("encoded-at-in-host", "http://allowed.example%40127.0.0.2:{port}/"),
        ("encoded-dots-in-host", "http://127%2e0%2e0%2e2:{port}/"),
        ("encoded-digits-in-host", "http://%31%32%37.0.0.2:{port}/"),
        ("encoded-nul-in-host", "http://canary.example%00.allowed.example:{port}/"),
        ("tab-in-host", "http://127.0.0.\t2:{port}/"),
        ("newline-in-host", "http://127.0.0.2\n:{port}/"),
        ("crlf-before-at", "http://allowed.example\r\n@127.0.0.2:{port}/"),
        ("space-before-at", "http://allowed.example @127.0.0.2:{port}/"),
        ("leading-space", " http://127.0.0.2:{port}/"),
        ("leading-dot", "http://.127.0.0.2:{port}/"),
        ("empty-label", "http://127..0.0.2:{port}/"),
        ("ipv4-in-brackets", "http://[127.0.0.2]:{port}/"),
        ("ipvfuture-named-like-canary", "http://[v1.fe]:{port}/"),
        ("ipv6-unclosed-bracket", "http://[::1:{port6}/"),
        ("ipv6-unbracketed", "http://::1:{port6}/"),
        ("ipv4-mapped-short-form", "http://[::ffff:127.2]:{port}/"),
        ("ipv4-wraps-around", "http://4311744514:{port}/"),
        ("ipv4-octet-overflow", "http://127.0.0.258:{port}/"),
        ("ipv4-five-parts", "http://127.0.0.0.2:{port}/"),
        ("ipv4-bad-octal", "http://0178.0.0.2:{port}/"),
        ("ipv4-bare-hex-prefix", "http://0x:{port}/"),
        ("long-numeric-host", "http://" + "1" * 300 + ":{port}/"),
        ("label-over-63", "http://" + "a" * 64 + ".example:{port}/"),
        ("name-over-253", "http://c{long_name}:{port}/"),
        ("no-slashes", "http:127.0.0.2:{port}/"),
        ("one-slash", "http:/127.0.0.2:{port}/"),
        ("three-slashes", "http:///127.0.0.2:{port}/"),
        ("empty-host", "http://:{port}/"),
        ("nothing-after-scheme", "http://"),
        ("port-zero", "http://allowed.example:0/"),
        ("port-zero-padded", "http://127.0.0.1:00/"),
        ("port-65536", "http://127.0.0.1:65536/"),
        ("port-wraps-to-allowed", "http://127.0.0.1:{lport_wrap}/"),
        ("port-wraps-by-name", "http://allowed.example:{lport_wrap}/"),
        ("port-huge", "http://127.0.0.1:99999999999/"),
        ("port-negative", "http://127.0.0.1:-{lport}/"),
        ("port-plus-sign", "http://127.0.0.1:+{lport}/"),
        ("port-twice", "http://127.0.0.2:{port}:{port}/"),
        ("port-letters", "http://127.0.0.1:8o/"),
    ),
    *_cases(
        "blocked_address",
        ("fragment-hides-allowed", "http://127.0.0.2:{port}#@allowed.example/"),
        ("query-hides-allowed", "http://127.0.0.2:{port}?@allowed.example/"),
        ("path-hides-allowed", "http://127.0.0.2:{port}/@allowed.example/"),
        ("long-valid-name", "http://{long_name}:{port}/"),
        ("long-valid-name-trailing-dot", "http://{long_name}.:{port}/"),
    ),
    *_cases(
        "blocked_scheme",
        ("scheme-relative", "//127.0.0.2:{port}/"),
        ("no-scheme", "127.0.0.2:{port}/"),
        ("percent-encoded-scheme", "%68ttp://127.0.0.2:{port}/"),
    ),
]

SCHEMES = _cases(
    "blocked_scheme",
    ("file", "file:///etc/passwd"),
    ("file-localhost", "file://localhost/etc/passwd"),
    ("file-one-slash", "file:/etc/passwd"),
    ("file-upper", "FILE:///etc/passwd"),
    ("file-canary-host", "file://127.0.0.2:{port}/etc/passwd"),
    ("ftp", "ftp://127.0.0.2:{port}/"),
    ("ftp-credentials", "ftp://anonymous:guest@allowed.example/pub/"),
    ("ftps", "ftps://127.0.0.2:{port}/"),
    ("gopher-smuggled-http", "gopher://127.0.0.2:{port}/_GET%20/%20HTTP/1.0%0D%0A%0D%0A"),
    ("data-html", "data:text/html,<h1>hello</h1>"),
    ("data-base64", "data:text/html;base64,PGgxPmhlbGxvPC9oMT4="),
    ("javascript", "javascript:alert(document.domain)"),
    ("vbscript", "vbscript:msgbox(1)"),
    ("dict", "dict://127.0.0.2:{port}/info"),
    ("ldap", "ldap://127.0.0.2:{port}/dc=example"),
    ("ldaps", "ldaps://127.0.0.2:{port}/"),
    ("sftp", "sftp://127.0.0.2:{port}/etc/passwd"),
    ("ssh", "ssh://127.0.0.2:{port}/"),
    ("tftp", "tftp://127.0.0.2:{port}/boot"),
    ("telnet", "telnet://127.0.0.2:{port}/"),
    ("smb", "smb://127.0.0.2:{port}/share"),
    ("jar", "jar:http://127.0.0.2:{port}/x.jar!/"),
    ("netdoc", "netdoc:///etc/passwd"),
    ("ws", "ws://127.0.0.2:{port}/"),
    ("wss", "wss://127.0.0.2:{port}/"),
    ("http-unix-socket", "http+unix://%2Fvar%2Frun%2Fdocker.sock/info"),
    ("unix", "unix:/var/run/docker.sock"),
    ("view-source", "view-source:http://127.0.0.2:{port}/"),
    ("php-filter", "php://filter/resource=/etc/passwd"),
    ("mailto", "mailto:someone@allowed.example"),
    ("almost-http", "htttp://127.0.0.2:{port}/"),
)


# --- Names ----------------------------------------------------------------------------------------

LONG_NAME = ".".join(["a" * 63] * 3) + "." + "b" * 52 + ".example"  # 253 characters
PUBLIC = "93.184.216.34"

NAMES: dict[str, list[str]] = {
    "allowed.example": ["127.0.0.1"],
    "canary.example": ["127.0.0.2"],
    "canary6.example": ["::1"],
    "mixed.example": [PUBLIC, "127.0.0.2"],
    "mixed-private-first.example": ["127.0.0.2", PUBLIC],
    "allowed-then-canary.example": ["127.0.0.1", "127.0.0.2"],
    "canary-then-allowed.example": ["127.0.0.2", "127.0.0.1"],
    "mixed6.example": ["2606:4700:4700::1111", "::1"],
    "dual-stack.example": ["127.0.0.2", "::1"],
    "ula-only.example": ["fd00::1"],
    "link-local6-only.example": ["fe80::1"],
    "internal.example": ["10.0.0.1"],
    "metadata.google.internal": ["169.254.169.254"],
    "cgnat.example": ["100.64.0.1"],
    "mapped.example": ["::ffff:127.0.0.2"],
    "nat64.example": ["64:ff9b::7f00:2"],
    "multicast.example": ["224.0.0.1"],
    "zero.example": ["0.0.0.0"],  # noqa: S104
    "broadcast.example": ["255.255.255.255"],
    "127.0.0.2.nip.io": ["127.0.0.2"],
    "numeric-answer.example": ["0x7f000002"],
    "junk-then-canary.example": ["not-an-address", "127.0.0.2"],
    "v1.fe": ["127.0.0.2"],  # what w3lib turns "[v1.fe]" into
    "a" * 64 + ".example": ["127.0.0.2"],
    LONG_NAME: ["127.0.0.2"],
    "c" + LONG_NAME: ["127.0.0.2"],
    "app.localhost": ["127.0.0.1"],
}

DNS_CASES = _cases(
    "blocked_address",
    ("name-to-canary", "http://canary.example:{port}/"),
    ("name-to-canary-upper", "http://CANARY.EXAMPLE:{port}/"),
    ("name-to-canary-trailing-dot", "http://canary.example.:{port}/"),
    ("name-to-canary-fullwidth", "http://\uff43\uff41\uff4e\uff41\uff52\uff59.example:{port}/"),
    ("aaaa-only-loopback", "http://canary6.example:{port6}/"),
    ("public-then-private", "http://mixed.example:{port}/"),
    ("private-then-public", "http://mixed-private-first.example:{port}/"),
    ("allowed-then-refused", "http://allowed-then-canary.example:{port}/"),
    ("refused-then-allowed", "http://canary-then-allowed.example:{port}/"),
    ("public-then-loopback-v6", "http://mixed6.example:{port6}/"),
    ("dual-stack-loopback", "http://dual-stack.example:{port}/"),
    ("aaaa-only-ula", "http://ula-only.example:{port}/"),
    ("aaaa-only-link-local", "http://link-local6-only.example:{port}/"),
    ("private", "http://internal.example:{port}/"),
    ("metadata", "http://metadata.google.internal/computeMetadata/v1/"),
    ("cgnat", "http://cgnat.example:{port}/"),
    ("answer-ipv4-mapped", "http://mapped.example:{port}/"),
    ("answer-nat64", "http://nat64.example:{port}/"),
    ("answer-multicast", "http://multicast.example:{port}/"),
    ("answer-unspecified", "http://zero.example:{lport}/"),
    ("answer-broadcast", "http://broadcast.example:{port}/"),
    ("wildcard-dns-service", "http://127.0.0.2.nip.io:{port}/"),
    ("answer-in-hex", "http://numeric-answer.example:{port}/"),
    ("junk-answer-then-canary", "http://junk-then-canary.example:{port}/"),
)

HOSTILE = [
    *TABLE_RANGES,
    *PYTHON_FLAGGED_RANGES,
    *SPECIAL_PURPOSE,
    *IPV4_SPELLINGS,
    *IPV6_SPELLINGS,
    *AUTHORITY_TRICKS,
    *SCHEMES,
    *DNS_CASES,
]

# 127.0.0.1 itself, with nothing allow-listed: the canary there must not be reached either.
LOCALHOST = _cases(
    "blocked_address",
    ("localhost", "http://localhost:{lport}/"),
    ("localhost-upper", "http://LOCALHOST:{lport}/"),
    ("localhost-trailing-dot", "http://localhost.:{lport}/"),
    ("localhost-circled-letters", "http://\u24db\u24de\u24d2\u24d0\u24db\u24d7\u24de\u24e2\u24e3:{lport}/"),
    ("localhost-subdomain", "http://app.localhost:{lport}/"),
    ("dotted", "http://127.0.0.1:{lport}/"),
    ("decimal", "http://2130706433:{lport}/"),
    ("hex", "http://0x7f000001:{lport}/"),
    ("octal", "http://0177.0.0.1:{lport}/"),
    ("short", "http://127.1:{lport}/"),
    ("short-hex", "http://0x7f.1:{lport}/"),
    ("ipv4-mapped", "http://[::ffff:127.0.0.1]:{lport}/"),
    ("unspecified", "http://0.0.0.0:{lport}/"),
    ("allowed-name", "http://allowed.example:{lport}/"),
)  # fmt: skip


# --- Fixtures -------------------------------------------------------------------------------------


class Canaries:
    def __init__(self) -> None:
        self.servers = {
            "127.0.0.2": LabServer("127.0.0.2"),
            "::1": LabServer("::1"),
            "127.0.0.1": LabServer("127.0.0.1"),
        }

    def __enter__(self) -> Canaries:
        for server in self.servers.values():
            server.start()
            server.route("/", netlab.html(PAGE))
        return self

    def __exit__(self, *exc_info: object) -> None:
        for server in self.servers.values():
            server.stop()

    @property
    def placeholders(self) -> dict[str, object]:
        lport = self.servers["127.0.0.1"].port
        return {
            "port": self.servers["127.0.0.2"].port,
            "port6": self.servers["::1"].port,
            "lport": lport,
            "lport_wrap": lport + 65536,
            "long_name": LONG_NAME,
        }

    def url(self, template: str) -> str:
        return template.format_map(self.placeholders)

    def counts(self) -> dict[str, tuple[int, int]]:
        return {host: (s.hits, s.connections) for host, s in self.servers.items()}


@pytest.fixture(scope="module")
def canaries() -> Iterator[Canaries]:
    with Canaries() as running:
        yield running
        for server in running.servers.values():
            server.wait_idle(timeout=1.0)
        assert running.counts() == dict.fromkeys(running.servers, (0, 0)), (
            "a hostile URL reached a canary"
        )


@pytest.fixture(autouse=True)
def _canaries_stay_silent(canaries: Canaries) -> Iterator[None]:
    before = canaries.counts()
    yield
    assert canaries.counts() == before, "this test's capture reached a canary"


@pytest.fixture(autouse=True)
def _hostile_names(dns: dict[str, list[str]]) -> None:
    dns.update(NAMES)


@pytest.fixture(autouse=True)
def _quick_fetches(settings) -> None:
    # Refusals never open a connection; a leak should fail fast, not wait out the defaults.
    settings.CLAIMTRAIL_FETCH_DEADLINE = 3.0
    settings.CLAIMTRAIL_FETCH_CONNECT_TIMEOUT = 1.0
    settings.CLAIMTRAIL_FETCH_READ_TIMEOUT = 2.0


@pytest.fixture(scope="module")
def redirector() -> Iterator[LabServer]:
    """An allow-listed server (127.0.0.1) for redirect chains; each test uses its own paths."""
    with LabServer("127.0.0.1") as lab:
        yield lab


@pytest.fixture
def capture(db):
    source = SourceFactory()

    def run(url: str, policy: FetchPolicy | None = None) -> Snapshot:
        snapshot = Snapshot.objects.create(source=source, url=url)
        snapshot_capture(snapshot_id=snapshot.pk, policy=policy)
        return Snapshot.objects.get(pk=snapshot.pk)

    return run


def _chain(lab: LabServer, hops: int, location: str, code: int = 302) -> tuple[str, str]:
    """``hops`` redirects on the allow-listed server, the last to ``location``; the start URL."""
    prefix = f"/{uuid.uuid4().hex[:12]}"
    for hop in range(1, hops):
        # Alternate relative and absolute Locations along the allowed part of the chain.
        following = f"{prefix}/{hop + 1}"
        if hop % 2 == 0:
            following = f"http://allowed.example:{lab.port}{following}"
        lab.route(f"{prefix}/{hop}", netlab.redirect(following, code))
    lab.route(f"{prefix}/{hops}", netlab.redirect(location, code))
    return f"http://allowed.example:{lab.port}{prefix}/1", prefix


def _hits(lab: LabServer, prefix: str) -> int:
    return sum(1 for _, target, _ in lab.requests if target.startswith(prefix + "/"))


def assert_blocked(snapshot: Snapshot, code: str) -> None:
    assert snapshot.status == Snapshot.Status.BLOCKED, (snapshot.error_code, snapshot.error_message)
    assert snapshot.error_code == code, snapshot.error_message
    message = snapshot.error_message
    assert message[:1].isupper() and message.endswith("."), message
    assert "Traceback" not in message and "Error(" not in message
    if code == "blocked_address":
        assert "Refused to connect to" in message
    if code == "blocked_scheme":
        assert "Only http and https are fetched" in message
    assert snapshot.finished_at is not None
    assert not snapshot.warc and not snapshot.sha256
    assert snapshot.remote_address is None and snapshot.http_status is None
    assert archive_storage().listdir("") == ([], [])


# --- Hostile cases --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _param(HOSTILE))
def test_hostile_url_is_blocked(case, canaries, capture, fetch_allowed):
    assert_blocked(capture(canaries.url(case.url)), case.code)


def test_a_nul_in_the_host_is_refused_by_the_fetcher(canaries, fetch_allowed):
    """A NUL cannot reach a snapshot row (sources refuse control characters, and PostgreSQL
    cannot store it), so this case goes to the fetcher itself."""
    with pytest.raises(FetchError) as refused:
        fetch(canaries.url("http://127.0.0.2\x00.allowed.example:{port}/"))
    assert refused.value.blocked
    assert refused.value.code == "invalid_url"


@pytest.mark.parametrize("case", _param(LOCALHOST))
def test_loopback_is_blocked_when_nothing_is_allow_listed(case, canaries, capture, settings):
    assert settings.CLAIMTRAIL_FETCH_ALLOW_ADDRESSES == []

    assert_blocked(capture(canaries.url(case.url)), case.code)


# --- Redirects from an allow-listed server -----------------------------------------------------

REDIRECT_TARGETS = [
    *_cases(
        "blocked_address",
        ("canary", "http://127.0.0.2:{port}/"),
        ("canary-decimal", "http://2130706434:{port}/"),
        ("canary-hex", "http://0x7f000002:{port}/"),
        ("canary-v6", "http://[::1]:{port6}/"),
        ("canary-ipv4-mapped", "http://[::ffff:127.0.0.2]:{port}/"),
        ("canary-by-name", "http://canary.example:{port}/"),
        ("mixed-answer", "http://mixed.example:{port}/"),
        ("metadata", "http://169.254.169.254/latest/meta-data/"),
        ("private", "http://10.0.0.1:{port}/"),
    ),
    *_cases(
        "blocked_scheme",
        ("file", "file:///etc/passwd"),
        ("gopher", "gopher://127.0.0.2:{port}/_GET%20/"),
    ),
]

REDIRECT_LOCATIONS = [
    *_cases(
        "blocked_address",
        ("scheme-relative", "//127.0.0.2:{port}/"),
        ("upper-scheme", "HTTP://127.0.0.2:{port}/"),
        ("https", "https://127.0.0.2:{port}/"),
        ("padded-with-spaces", "   http://127.0.0.2:{port}/   "),
        ("short-form", "http://127.2:{port}/"),
        ("ipv6-zone", "http://[::1%25lo]:{port6}/"),
        ("nat64", "http://[64:ff9b::7f00:2]:{port}/"),
        ("6to4", "http://[2002:7f00:2::]:{port}/"),
        ("allowed-then-refused-answer", "http://allowed-then-canary.example:{port}/"),
        ("fragment-hides-allowed", "http://127.0.0.2:{port}#@allowed.example/"),
        # Resolving a Location against the page's URL drops tabs, as browsers do; then refused.
        ("tab-in-host", "http://127.0.0.\t2:{port}/"),
    ),
    *_cases(
        "invalid_url",
        ("backslash-relative", "/\\127.0.0.2:{port}/"),
        ("two-backslashes", "\\\\127.0.0.2:{port}/"),
        ("userinfo", "http://allowed.example@127.0.0.2:{port}/"),
        ("encoded-dots", "http://127%2e0%2e0%2e2:{port}/"),
        ("ipvfuture", "http://[v1.fe]:{port}/"),
        ("port-wraps-to-allowed", "http://127.0.0.1:{lport_wrap}/"),
        ("ipv4-wraps-around", "http://4311744514:{port}/"),
    ),
    *_cases(
        "blocked_scheme",
        ("data", "data:text/html,<p>hello</p>"),
        ("ftp", "ftp://127.0.0.2:{port}/"),
        ("dict", "dict://127.0.0.2:{port}/info"),
        ("javascript", "javascript:alert(1)"),
        ("file-localhost", "file://localhost/etc/passwd"),
    ),
]


@pytest.mark.parametrize("hop", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("target", _param(REDIRECT_TARGETS))
def test_redirect_to_refused_target_is_blocked_at_every_hop(
    hop, target, canaries, redirector, capture, fetch_allowed
):
    start, prefix = _chain(redirector, hop, canaries.url(target.url))

    snapshot = capture(start)

    assert_blocked(snapshot, target.code)
    assert snapshot.error_message.startswith("Redirected to ")
    assert _hits(redirector, prefix) == hop


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("hop", [1, 3])
def test_every_redirect_status_is_checked(code, hop, canaries, redirector, capture, fetch_allowed):
    start, prefix = _chain(redirector, hop, canaries.url("http://127.0.0.2:{port}/"), code)

    assert_blocked(capture(start), "blocked_address")
    assert _hits(redirector, prefix) == hop


@pytest.mark.parametrize("location", _param(REDIRECT_LOCATIONS))
def test_redirect_location_tricks_are_blocked(
    location, canaries, redirector, capture, fetch_allowed
):
    start, prefix = _chain(redirector, 2, canaries.url(location.url))

    assert_blocked(capture(start), location.code)
    assert _hits(redirector, prefix) == 2


def test_more_than_five_redirects_fail_without_following_the_sixth(
    canaries, redirector, capture, fetch_allowed, settings
):
    assert settings.CLAIMTRAIL_FETCH_MAX_REDIRECTS == 5
    start, prefix = _chain(redirector, 6, canaries.url("http://127.0.0.2:{port}/"))

    snapshot = capture(start)

    assert snapshot.status == Snapshot.Status.FAILED
    assert snapshot.error_code == "too_many_redirects"
    assert snapshot.error_message == "The page redirects more than 5 times."
    assert _hits(redirector, prefix) == 6
    assert not snapshot.warc


@pytest.mark.parametrize("length", [1, 2, 3])
def test_redirect_loop_fails(length, redirector, capture, fetch_allowed):
    prefix = f"/{uuid.uuid4().hex[:12]}"
    for step in range(1, length + 1):
        redirector.route(f"{prefix}/{step}", netlab.redirect(f"{prefix}/{step % length + 1}", 307))

    snapshot = capture(f"http://allowed.example:{redirector.port}{prefix}/1")

    assert snapshot.status == Snapshot.Status.FAILED
    assert snapshot.error_code == "redirect_loop"
    assert snapshot.error_message == "The page redirects in a loop."
    assert _hits(redirector, prefix) == length


# --- Positive controls: allow-listed, the same spellings reach a server, exactly once -------------


@pytest.fixture
def control(request) -> Iterator[LabServer]:
    """A server like a canary, on the canary's address but its own port (the canaries stay at
    zero whatever the order of tests)."""
    with LabServer(request.param) as lab:
        lab.route("/", netlab.html(PAGE))
        yield lab


def _assert_one_archived_hit(snapshot: Snapshot, lab: LabServer, address: str) -> None:
    assert snapshot.status == Snapshot.Status.ARCHIVED, (
        snapshot.error_code,
        snapshot.error_message,
    )
    assert snapshot.remote_address == address
    assert snapshot.title == "Canary"
    assert lab.wait_idle()
    assert (lab.hits, lab.connections) == (1, 1)
    assert_warc_valid(snapshot.warc.path)


@pytest.mark.parametrize(
    ("control", "spelling"),
    [
        ("127.0.0.2", "http://127.0.0.2:{port}/"),
        ("127.0.0.2", "http://2130706434:{port}/"),
        ("127.0.0.2", "http://0x7f.0.0.2:{port}/"),
        ("127.0.0.2", "http://0177.0.0.2:{port}/"),
        ("127.0.0.2", "http://127.2:{port}/"),
        ("127.0.0.2", "http://127.0.0.2.:{port}/"),
        ("127.0.0.2", "http://\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff12:{port}/"),
        ("127.0.0.2", "http://canary.example:{port}/"),
        ("::1", "http://[::1]:{port}/"),
        ("::1", "http://[0:0:0:0:0:0:0:1]:{port}/"),
        ("::1", "http://canary6.example:{port}/"),
    ],
    indirect=["control"],
)
def test_allow_listed_canary_address_is_captured_once(control, spelling, capture, settings):
    settings.CLAIMTRAIL_FETCH_ALLOW_ADDRESSES = [control.host]

    snapshot = capture(spelling.format(port=control.port))

    _assert_one_archived_hit(snapshot, control, control.host)


@pytest.mark.parametrize("control", ["127.0.0.2"], indirect=True)
@pytest.mark.parametrize("hop", [1, 2, 3, 4, 5])
def test_redirect_chain_to_an_allow_listed_address_is_captured(
    hop, control, redirector, capture, settings
):
    settings.CLAIMTRAIL_FETCH_ALLOW_ADDRESSES = ["127.0.0.1", "127.0.0.2"]
    start, prefix = _chain(redirector, hop, control.url("/"))

    snapshot = capture(start)

    _assert_one_archived_hit(snapshot, control, "127.0.0.2")
    assert _hits(redirector, prefix) == hop
    assert len(snapshot.redirects) == hop


# --- Resolved once: a name that changes its answer is pinned to the address that was checked ------


def test_name_is_resolved_once_and_the_checked_address_is_connected_to(capture, settings):
    settings.CLAIMTRAIL_FETCH_ALLOW_ADDRESSES = ["127.0.0.1"]
    with LabServer("127.0.0.1") as allowed:
        allowed.route("/", netlab.html(PAGE))
        # A bare listener on the refused address, same port: a second lookup would connect here.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as trap:
            trap.bind(("127.0.0.2", allowed.port))
            trap.listen(8)
            answers = iter([["127.0.0.1"]])
            lookups: list[str] = []
            lock = threading.Lock()

            def rebinding(host: str, port: int) -> list[str]:
                with lock:
                    lookups.append(host)
                    return next(answers, ["127.0.0.2"])

            policy = FetchPolicy.from_settings(resolver=rebinding)
            snapshot = capture(f"http://rebind.example:{allowed.port}/", policy=policy)

            trap.setblocking(False)
            with pytest.raises(BlockingIOError):
                trap.accept()
        _assert_one_archived_hit(snapshot, allowed, "127.0.0.1")
    assert lookups == ["rebind.example"]
