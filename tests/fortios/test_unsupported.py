"""Config features ipsecmc models differently or not at all: each is said, never misread.

Interface ``status down`` and ``config secondaryip`` (pairing is in test_topology.py),
IPv6 phase1s and ``local-in-policy6``, external-resource and ``type dynamic`` addresses,
``internet-service-src`` in local-in policies, policy-based IPsec (``vpn ipsec phase1``).
"""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path

import pytest

from ipsecmc.errors import ConfigError
from ipsecmc.fortios.config import Action, GatewayConfig
from ipsecmc.fortios.localin import UDP, Assumptions, evaluate
from ipsecmc.fortios.resolver import read_text
from ipsecmc.fortios.topology import pair
from tests.conftest import MODELS

SITE2 = (MODELS / "seed-fixed" / "site2.conf").read_text()
SITE1 = (MODELS / "seed-fixed" / "site1.conf").read_text()
PEER, ME = IPv4Address("10.56.240.208"), IPv4Address("10.56.240.221")


def read(text: str, name: str = "site2.conf", **kw: bool) -> GatewayConfig:
    (gw,) = read_text(text, name, **kw)
    return gw


def warnings(gw: GatewayConfig) -> list[str]:
    return [str(n) for n in gw.notes]


def test_secondary_ip_counts_for_local_in_destination_matching() -> None:
    text = (
        "config system interface\n edit port1\n  set ip 192.0.2.1 255.255.255.0\n"
        "  config secondaryip\n   edit 1\n    set ip 203.0.113.7 255.255.255.0\n   next\n  end\n"
        " next\nend\n"
        'config firewall address\n edit "sec"\n  set subnet 203.0.113.7 255.255.255.255\n'
        " next\nend\n"
        "config firewall local-in-policy\n edit 1\n  set intf port1\n  set srcaddr all\n"
        '  set dstaddr "sec"\n  set service IKE\n next\nend\n'
        "config vpn ipsec phase1-interface\n edit t\n  set interface port1\n"
        "  set remote-gw 198.51.100.1\n next\nend\n"
    )
    a = read(text, "a.conf")
    b = read(
        "config system interface\n edit wan\n  set ip 198.51.100.1/24\n next\nend\n"
        "config vpn ipsec phase1-interface\n edit t\n  set interface wan\n"
        "  set remote-gw 203.0.113.7\n next\nend\n",
        "b.conf",
    )
    (t,) = pair([a, b]).tunnels
    decision = evaluate(a, "port1", t.b.address, t.a.address, UDP, 500, 500)
    assert decision.certain and decision.action is Action.DENY
    assert decision.policy is not None and decision.policy.policyid == 1


def test_ipv6_phase1_is_left_out_with_a_warning() -> None:
    text = SITE2.replace(
        "        set remote-gw 10.56.240.208\n",
        "        set remote-gw 10.56.240.208\n        set ip-version 6\n",
    )
    assert text != SITE2
    gw = read(text)
    assert gw.phase1s == () and gw.phase2s == ()
    (note,) = [n for n in warnings(gw) if "IPv6" in n]
    assert note.startswith("site2.conf:") and "set ip-version 6" in note
    assert "left out and not checked" in note


def test_local_in_policy6_and_policy_based_ipsec_are_reported() -> None:
    extra = (
        "config firewall local-in-policy6\n edit 1\n  set intf any\n  set srcaddr all\n"
        "  set dstaddr all\n  set service ALL\n  set schedule always\n next\nend\n"
        'config vpn ipsec phase1\n edit "old"\n  set interface port1\n'
        "  set remote-gw 192.0.2.9\n next\nend\n"
    )
    gw = read(SITE2 + extra)
    line = SITE2.count("\n") + 1
    assert f"site2.conf:{line}:1: IPv6 local-in policies" in "\n".join(warnings(gw))
    assert any(
        n.startswith(
            f"site2.conf:{line + 9}:1: policy-based IPsec ('config vpn ipsec phase1') "
            "is not supported"
        )
        for n in warnings(gw)
    )
    assert [p.name for p in gw.phase1s] == ["site2"]


EXTERNAL = (
    'config system external-resource\n edit "feed"\n  set type address\n'
    '  set resource "https://example.net/peers.txt"\n next\nend\n'
)


def test_external_resource_address_used_by_local_in_needs_assume_unknown() -> None:
    text = EXTERNAL + SITE2.replace('set srcaddr "site1_peer"', 'set srcaddr "feed"')
    with pytest.raises(ConfigError) as exc:
        read(text)
    msg = str(exc.value)
    assert "local-in policy 3 refers to address 'feed', an external resource" in msg
    assert "--assume-unknown feed" in msg and "\n" not in msg
    gw = read(text, allow_undefined=True)
    assert gw.address_by_name["feed"].kind == "external"
    unknown = evaluate(gw, "port1", PEER, ME, UDP, 500, 500)
    assert not unknown.certain
    assumed = Assumptions(frozenset({"feed"}), (("feed", PEER, True),))
    known = evaluate(gw, "port1", PEER, ME, UDP, 500, 500, assumed)
    assert known.certain and known.action is Action.ACCEPT


def test_dynamic_address_used_by_local_in_needs_assume_unknown() -> None:
    dyn = (
        'config firewall address\n edit "sdn"\n  set type dynamic\n  set sub-type sdn\n next\nend\n'
    )
    text = SITE2.replace('set srcaddr "site1_peer"', 'set srcaddr "sdn"') + dyn
    with pytest.raises(ConfigError, match="a dynamic address \\(set type dynamic\\)"):
        read(text)


def test_unused_external_resource_is_fine() -> None:
    gw = read(EXTERNAL + SITE2)
    assert [p.name for p in gw.phase1s] == ["site2"]


def test_internet_service_src_makes_the_source_match_unknown() -> None:
    text = SITE2.replace(
        '        set srcaddr "site1_peer"\n',
        '        set srcaddr "site1_peer"\n        set internet-service-src enable\n',
    )
    gw = read(text)
    assert any("Internet Service Database" in n for n in warnings(gw))
    decision = evaluate(gw, "port1", PEER, ME, UDP, 500, 500)
    assert not decision.certain and decision.may_accept and decision.may_deny
    assert any("Internet Service Database" in u for u in decision.uncertain)


def test_cli_assume_unknown_accepts_an_external_resource(tmp_path: Path) -> None:
    from tests.test_cli import run

    (tmp_path / "site1.conf").write_text(SITE1)
    (tmp_path / "site2.conf").write_text(
        EXTERNAL + SITE2.replace('set srcaddr "site1_peer"', 'set srcaddr "feed"')
    )
    code, out, err = run("check", str(tmp_path), "--property", "establishes")
    assert code == 2 and "--assume-unknown feed" in err
    code, out, err = run(
        "check", str(tmp_path), "--property", "establishes", "--assume-unknown", "feed"
    )
    assert code in (0, 1) and "unknown: address 'feed'" in out
