"""Which addresses the fetcher may connect to, and which host literals mean an address."""

from __future__ import annotations

import ipaddress

import pytest

from sources.archiving.addresses import (
    DENIED_NETWORKS,
    AddressRefused,
    check_address,
    literal_address,
    refusal_reason,
    valid_host_name,
)

ip = ipaddress.ip_address


def _edges(network: str) -> list[str]:
    net = ipaddress.ip_network(network)
    return sorted({str(net[0]), str(net[net.num_addresses // 2]), str(net[-1])})


def _python_flagged_networks() -> list[str]:
    """The ranges ``ipaddress`` itself calls private, reserved, link-local, site-local or
    multicast (its tables are private attributes: read defensively, but never silently empty)."""
    found = []
    for constants in (ipaddress._IPv4Constants, ipaddress._IPv6Constants):  # type: ignore[attr-defined]  # private, not in typeshed
        for name in (
            "_private_networks",
            "_reserved_network",
            "_reserved_networks",
            "_linklocal_network",
            "_sitelocal_network",
            "_multicast_network",
            "_loopback_network",
        ):
            value = getattr(constants, name, None)
            for network in value if isinstance(value, list | tuple) else [value]:
                if isinstance(network, ipaddress.IPv4Network | ipaddress.IPv6Network):
                    found.append(str(network))
    assert len(found) > 20, "ipaddress's tables moved: update _python_flagged_networks"
    return sorted(set(found))


# --- refusal_reason -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "network"),
    [(address, network) for network, _ in DENIED_NETWORKS for address in _edges(network)],
)
def test_every_address_of_a_denied_network_is_refused(address, network):
    assert refusal_reason(ip(address)) is not None


@pytest.mark.parametrize(
    "address", [address for network in _python_flagged_networks() for address in _edges(network)]
)
def test_every_range_python_flags_is_refused(address):
    assert refusal_reason(ip(address)) is not None


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("169.254.169.254", "link-local (cloud metadata)"),
        ("100.64.0.1", "carrier-grade NAT (RFC 6598)"),
        ("100.100.100.200", "carrier-grade NAT (RFC 6598)"),  # Alibaba Cloud's metadata service
        ("10.0.0.1", "private network (RFC 1918)"),
        ("172.31.255.255", "private network (RFC 1918)"),
        ("192.168.1.1", "private network (RFC 1918)"),
        ("127.0.0.2", "loopback"),
        ("0.0.0.0", "'this network' (unspecified)"),  # noqa: S104
        ("255.255.255.255", "broadcast"),
        ("224.0.0.1", "multicast"),
        ("198.18.0.1", "benchmarking (RFC 2544)"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("::ffff:127.0.0.1", "IPv4-mapped"),
        ("::ffff:8.8.8.8", "IPv4-mapped"),  # even of a public address: connect to the IPv4 form
        ("::127.0.0.1", "IPv4-compatible (deprecated)"),
        ("64:ff9b::a00:1", "NAT64"),
        ("2002:7f00:1::", "6to4"),
        (
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "IETF protocol assignments (Teredo, benchmarking, ORCHID)",
        ),
        ("fd00::1", "unique local (private)"),
        ("fd00:ec2::254", "unique local (private)"),  # AWS's IPv6 metadata service
        ("fe80::1", "link-local"),
        ("ff02::1", "multicast"),
        # Python 3.11 calls these "global"; only the table refuses them.
        ("fe00::1", "reserved by the IETF"),
        ("4000::1", "reserved by the IETF"),
        ("100:0:0:1::1", "reserved by the IETF"),
        ("1::", "reserved by the IETF"),
    ],
)
def test_refusal_names_the_range(address, why):
    assert refusal_reason(ip(address)) == why


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.216.34",
        "2606:4700:4700::1111",
        "2001:4860:4860::8888",
        # just outside a denied range, on either side
        "9.255.255.255",
        "11.0.0.0",
        "100.63.255.255",
        "100.128.0.0",
        "126.255.255.255",
        "128.0.0.0",
        "169.253.255.255",
        "169.255.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.167.255.255",
        "192.169.0.0",
        "198.17.255.255",
        "198.20.0.0",
        "223.255.255.255",
        "2001:200::1",
        "2001:db9::1",
        "2003::1",
        "2620:4f:8000::1",
    ],
)
def test_public_unicast_is_not_refused(address):
    assert refusal_reason(ip(address)) is None
    check_address(ip(address))


# --- check_address and the allow-list -------------------------------------------------------------


def test_check_address_raises_with_address_and_reason():
    with pytest.raises(AddressRefused) as caught:
        check_address(ip("169.254.169.254"))
    assert caught.value.address == "169.254.169.254"
    assert caught.value.why == "link-local (cloud metadata)"
    assert str(caught.value) == "169.254.169.254 is link-local (cloud metadata)"


def test_nothing_is_allowed_by_default():
    with pytest.raises(AddressRefused):
        check_address(ip("127.0.0.1"))


@pytest.mark.parametrize(
    ("allowed", "address", "passes"),
    [
        (["127.0.0.1"], "127.0.0.1", True),
        (["127.0.0.1"], "127.0.0.2", False),
        (["127.0.0.1"], "::1", False),
        (["127.0.0.1"], "::ffff:127.0.0.1", False),  # the mapped form is another address
        (["127.0.0.1"], "::127.0.0.1", False),
        (["127.0.0.1"], "64:ff9b::7f00:1", False),
        (["127.0.0.1", "127.0.0.2"], "127.0.0.2", True),
        (["127.0.0.0/30"], "127.0.0.3", True),
        (["127.0.0.0/30"], "127.0.0.4", False),
        (["127.0.0.1/8"], "127.255.255.254", True),  # host bits set: taken as the network
        (["10.0.0.0/8"], "10.1.2.3", True),
        (["10.0.0.0/8"], "::ffff:10.1.2.3", False),
        (["::1"], "::1", True),
        (["::1"], "127.0.0.1", False),
        (["::1"], "::2", False),
        (["fd00::/64"], "fd00::5", True),
        (["fd00::/64"], "fd00:0:0:1::5", False),
    ],
)
def test_allow_list_admits_exactly_the_listed_addresses(allowed, address, passes):
    if passes:
        check_address(ip(address), allowed)
    else:
        with pytest.raises(AddressRefused):
            check_address(ip(address), allowed)


def test_allow_list_does_not_stop_public_addresses():
    check_address(ip("8.8.8.8"), ["127.0.0.1"])


# --- literal_address ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("0x7f.0x0.0x0.0x1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.000.000.001", "127.0.0.1"),
        ("00000177.0.0.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0", "0.0.0.0"),  # noqa: S104
        ("0x0", "0.0.0.0"),  # noqa: S104
        ("2852039166", "169.254.169.254"),
        ("0xa9fea9fe", "169.254.169.254"),
        ("0251.0376.0251.0376", "169.254.169.254"),
        ("169.254.43518", "169.254.169.254"),
        ("10.1", "10.0.0.1"),
        ("012.1", "10.0.0.1"),
        ("4294967295", "255.255.255.255"),
        ("::1", "::1"),
        ("[::1]", "::1"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("fe80::1%eth0", "fe80::1"),
        ("fe80::1%25eth0", "fe80::1"),
        ("[fe80::1%25eth0]", "fe80::1"),
    ],
)
def test_literal_address_reads_every_numeric_form(host, address):
    assert literal_address(host) == ip(address)


@pytest.mark.parametrize(
    "host",
    [
        "08.0.0.1",  # 8 is not an octal digit
        "09",
        "1.2.3.4.5",
        "0x",
        "256.1.1.1",
        "127.0.0.256",
        "4294967296",  # one past 255.255.255.255: no wrapping around
        "0x100000000",
        "1.2.3.0x100",
        "127.16777216",
        "::g",
        "1:2:3:4:5:6:7:8:9",
        "::ffff:127.1",
        "[v1.a:b]",
    ],
)
def test_literal_address_refuses_malformed_numbers(host):
    with pytest.raises(ValueError):
        literal_address(host)


@pytest.mark.parametrize(
    "host",
    ["example.com", "localhost", "1e2.0.0.1", "0x7f.example", "127.0.0.1.nip.io", "xn--127-"],
)
def test_names_are_not_literals(host):
    assert literal_address(host) is None


# --- valid_host_name ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "example.com",
        "a-b.example",
        "my_blog.blogspot.com",
        "xn--bcher-kva.example",
        "127.0.0.1",
        "0x7f.1",
        "a" * 63 + ".example",
        ".".join(["a" * 63] * 3) + "." + "b" * 61,  # 253 characters
    ],
)
def test_valid_host_names(host):
    assert valid_host_name(host)


@pytest.mark.parametrize(
    "host",
    [
        "",
        "a..b",
        ".example",
        "example.",  # callers strip the one trailing dot of a fully qualified name
        "127%2e0%2e0%2e1",
        "allowed.example%40127.0.0.2",
        "exa mple.com",
        "ex!ample.com",
        "b\u00fccher.example",
        "\u212a.example",  # KELVIN SIGN: folds to "k" under Unicode case-insensitive matching
        "a" * 64 + ".example",
        ".".join(["a" * 63] * 4),  # 255 characters
    ],
)
def test_invalid_host_names(host):
    assert not valid_host_name(host)
