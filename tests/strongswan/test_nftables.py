"""The nftables input path: what it does with the peer's IKE packet, new or established."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from ipsecmc.errors import ConfigError
from ipsecmc.linux.nftables import Outcome, Packet, evaluate, read_ruleset

PEER = ipaddress.IPv4Address("198.51.100.1")
ME = ipaddress.IPv4Address("203.0.113.2")


def _fates(tmp_path: Path, text: str, state: str = "new") -> list[tuple[bool, int | None]]:
    """(accepted, deciding rule number; None: a chain policy) of each possible fate."""
    fates = _outcomes(tmp_path, text, state)
    return [(o.accepted, o.rule.number if o.rule else None) for o in fates]


def _outcomes(tmp_path: Path, text: str, state: str = "new") -> tuple[Outcome, ...]:
    path = tmp_path / "nftables.conf"
    path.write_text(text)
    return evaluate(read_ruleset(path), Packet(PEER, ME, 17, 500, 500, state))


def _input(*rules: str, policy: str = "drop") -> str:
    body = "\n".join(f"        {r}" for r in rules)
    return (
        "table inet filter {\n    chain input {\n"
        f"        type filter hook input priority filter; policy {policy};\n{body}\n"
        "    }\n}\n"
    )


STATEFUL = _input("ct state established,related accept", "iif lo accept", "tcp dport 22 accept")


def test_stateful_chain_admits_established_ike_only(tmp_path: Path) -> None:
    assert _fates(tmp_path, STATEFUL, "new") == [(False, None)]
    assert _fates(tmp_path, STATEFUL, "established") == [(True, 1)]


@pytest.mark.parametrize(
    ("rule", "accepted"),
    [
        ("udp dport 500 accept", True),
        ("udp dport { isakmp, ipsec-nat-t } accept", True),
        ("udp dport 4500 accept", False),
        ("udp dport ipsec-nat-t accept", False),  # a service name with '-', not a range
        ("udp dport 400-600 accept", True),
        ("udp dport != 500 accept", False),
        ("th dport 500 accept", True),
        ("meta l4proto udp accept", True),
        ("ip protocol { tcp, udp } accept", True),
        ("ip saddr 198.51.100.0/24 udp dport 500 accept", True),
        ("ip saddr 198.51.100.2-198.51.100.9 accept", False),
        ("ip saddr != 198.51.100.1 accept", False),
        ("ip daddr 203.0.113.2 counter accept", True),
        ("tcp dport 500 accept", False),  # another protocol's header never matches
        ("ip6 nexthdr udp accept", False),
        ("meta nfproto ipv4 accept", True),
        ('ct state new log prefix "ike " accept', True),
        ("ct state vmap { new : accept, invalid : drop }", True),
        ("udp sport 500 reject with icmp type port-unreachable", False),
    ],
)
def test_matches_on_the_new_ike_packet(tmp_path: Path, rule: str, accepted: bool) -> None:
    fates = _fates(tmp_path, _input(rule))
    assert [a for a, _ in fates] == [accepted]


def test_an_unknown_input_interface_gives_both_outcomes(tmp_path: Path) -> None:
    outcomes = _outcomes(tmp_path, _input('iifname "eth0" udp dport 500 accept'))
    assert sorted((o.accepted, o.assumed) for o in outcomes) == [
        (False, ("not (the packet arrives on eth0)",)),
        (True, ("the packet arrives on eth0",)),
    ]
    # loopback is never the interface of a packet from the peer
    assert _fates(tmp_path, _input('iifname "lo" accept')) == [(False, None)]
    assert _fates(tmp_path, _input('iif != "lo" udp dport 500 accept')) == [(True, 1)]


def test_jump_return_goto_defines_sets_and_several_base_chains(tmp_path: Path) -> None:
    text = """
define PEERS = { 198.51.100.1, 192.0.2.7 }
table ip filter {
    set vpn_peers { type ipv4_addr; elements = { 198.51.100.1 } }
    chain input {
        type filter hook input priority 0; policy drop;
        jump checks
        ip saddr $PEERS goto ike
    }
    chain checks {
        ct state invalid drop
        return
    }
    chain ike {
        ip saddr @vpn_peers udp dport 500 accept
    }
}
table inet late {
    chain input {
        type filter hook input priority 10; policy accept;
        udp dport 500 drop comment "a later base chain still sees accepted packets"
    }
}
table netdev skipped { chain ingress { type filter hook ingress device eth0 priority 0; } }
"""
    path = tmp_path / "nftables.conf"
    path.write_text(text)
    ruleset = read_ruleset(path)
    assert [c.label for c in ruleset.base_chains()] == ["ip filter/input", "inet late/input"]
    assert dict(ruleset.skipped) == {"table netdev": 1}
    (fate,) = evaluate(ruleset, Packet(PEER, ME, 17, 500, 500, "new"))
    assert (fate.accepted, fate.chain.label, fate.loc.line) == (False, "inet late/input", 21)
    # without the later chain, the goto's chain accepts it
    path.write_text(text.split("table inet late")[0])
    (fate,) = evaluate(read_ruleset(path), Packet(PEER, ME, 17, 500, 500, "new"))
    assert (fate.accepted, fate.chain.label) == (True, "ip filter/ike")


def test_no_ruleset_chain_means_nothing_filters(tmp_path: Path) -> None:
    (fate,) = _outcomes(tmp_path, "flush ruleset\ntable inet filter { }\n")
    assert fate.accepted and fate.describe() == "no nftables input chain filters it"


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        (_input("limit rate 10/second accept"), 4, "cannot decide 'limit'"),
        (_input("meta mark 0x1 accept"), 4, "cannot decide 'mark'"),
        (_input("ip saddr @nope accept"), 4, "set @nope is not defined"),
        (_input("jump nowhere"), 4, "jump to chain 'nowhere', which is not defined"),
        (_input("ip saddr 1.2.3.999 accept"), 4, "expected an IPv4 address"),
        (_input("udp dport kerberos-adm accept"), 4, "unknown service name"),
        (_input("queue num 1"), 4, "'queue' hands the packet to a program"),
        (_input("udp dport $PORT accept"), 4, "undefined variable $PORT"),
        ("add rule inet filter input drop\n", 1, "'add' commands are not read"),
        ("table inet filter {\n chain input {\n", 2, "expected '}' to close it"),
        ("table inet filter { chain input { type filter hook input } }", 1, "expected 'type"),
    ],
)
def test_what_it_cannot_decide_is_an_error_with_file_line(
    tmp_path: Path, text: str, line: int, what: str
) -> None:
    with pytest.raises(ConfigError) as info:
        _outcomes(tmp_path, text)
    assert f"nftables.conf:{line}:" in str(info.value) and what in str(info.value), str(info.value)


def test_a_rule_that_cannot_match_is_passed_over_even_if_unsupported(tmp_path: Path) -> None:
    # ``limit`` after a tcp match: the rule cannot match a UDP packet, so it is not asked
    assert _fates(tmp_path, _input("tcp dport 22 limit rate 5/minute accept")) == [(False, None)]


def test_the_bundled_rulesets_are_valid_nft(tmp_path: Path) -> None:
    """What ipsecmc reads from models/ is what nft itself accepts (skipped without nft)."""
    import shutil
    import subprocess

    from tests.conftest import MODELS

    nft = shutil.which("nft")
    if nft is None:
        pytest.skip("nft is not installed")
    for path in sorted(MODELS.glob("*/*/nftables.conf")):
        done = subprocess.run([nft, "-c", "-f", str(path)], capture_output=True, text=True)
        if "Operation not permitted" in done.stderr:
            pytest.skip("nft -c needs CAP_NET_ADMIN here")
        assert done.returncode == 0, (path, done.stderr)
