from __future__ import annotations

from ipaddress import IPv4Address

from ipsecmc.fortios.config import Action, GatewayConfig
from ipsecmc.fortios.localin import ESP, TCP, UDP, evaluate
from ipsecmc.fortios.resolver import read_gateways, read_text
from tests.conftest import MODELS

PEER = IPv4Address("10.56.240.208")
ME = IPv4Address("10.56.240.221")


def site2(folder: str) -> GatewayConfig:
    (gw,) = read_gateways(MODELS / folder / "site2.conf")
    return gw


def test_seed_intended_policy2_denies_ike_on_port1() -> None:
    d = evaluate(site2("seed-intended"), "port1", PEER, ME, UDP, 500, 500)
    assert d.certain and d.action is Action.DENY
    assert d.policy is not None and d.policy.policyid == 2
    assert d.loc is not None and d.loc.file.endswith("seed-intended/site2.conf")


def test_seed_literal_falls_through_to_builtin_accept() -> None:
    d = evaluate(site2("seed-literal"), "port1", PEER, ME, UDP, 500, 500)
    assert d.certain and d.action is Action.ACCEPT and d.policy is None
    # the same packet arriving on port2 is denied by policy 2
    d2 = evaluate(site2("seed-literal"), "port2", PEER, ME, UDP, 500, 500)
    assert d2.action is Action.DENY and d2.policy is not None and d2.policy.policyid == 2


def test_seed_fixed_policy3_accepts_ike_before_the_deny() -> None:
    gw = site2("seed-fixed")
    assert [p.policyid for p in gw.local_in_policies] == [1, 3, 2]
    for port in (500, 4500):
        d = evaluate(gw, "port1", PEER, ME, UDP, port, port)
        assert d.action is Action.ACCEPT and d.policy is not None and d.policy.policyid == 3
    # HTTPS from an office is accepted by policy 1, from elsewhere denied by policy 2
    office = IPv4Address("172.16.20.5")
    assert evaluate(gw, "port1", office, ME, TCP, 40000, 443).policy.policyid == 1  # type: ignore[union-attr]
    assert evaluate(gw, "port1", PEER, ME, TCP, 40000, 443).policy.policyid == 2  # type: ignore[union-attr]


def test_esp_and_allowaccess_in_builtin_rules() -> None:
    gw = read_text(
        "config system interface\n edit port1\n  set ip 1.1.1.1/24\n  set allowaccess ping ssh\n"
        " next\nend\n",
        "g.conf",
    )[0]
    assert evaluate(gw, "port1", PEER, ME, ESP).action is Action.ACCEPT
    assert evaluate(gw, "port1", PEER, ME, TCP, 5000, 22).action is Action.ACCEPT
    d = evaluate(gw, "port1", PEER, ME, TCP, 5000, 443)
    assert d.action is Action.DENY and d.policy is None


BASE = (
    "config system interface\n edit port1\n next\n edit port2\n next\nend\n"
    "config system zone\n edit wan\n  set interface port1\n next\nend\n"
    "config firewall address\n edit peer\n  set subnet 10.56.240.208/32\n next\n"
    " edit lan\n  set subnet 10.56.240.0/24\n next\n"
    " edit dyn\n  set type fqdn\n  set fqdn peer.example\n next\nend\n"
    "config firewall addrgrp\n edit lan-but-peer\n  set member lan\n  set exclude enable\n"
    "  set exclude-member peer\n next\nend\n"
    "config firewall service group\n edit vpn\n  set member IKE ESP\n next\nend\n"
    "config firewall schedule recurring\n edit nights\n next\nend\n"
)


def gw_with(policy: str) -> GatewayConfig:
    text = BASE + "config firewall local-in-policy\n edit 1\n" + policy + " next\nend\n"
    return read_text(text, "g.conf")[0]


def decide(policy: str, intf: str = "port1") -> tuple[Action | None, bool]:
    d = evaluate(gw_with(policy), intf, PEER, ME, UDP, 500, 500)
    return d.action, d.certain


DENY_ALL = "  set srcaddr all\n  set dstaddr all\n  set service ALL\n"


def test_intf_name_zone_any_and_list() -> None:
    assert decide("  set intf port2\n" + DENY_ALL) == (Action.ACCEPT, True)
    assert decide("  set intf wan\n" + DENY_ALL) == (Action.DENY, True)
    assert decide("  set intf any\n" + DENY_ALL) == (Action.DENY, True)
    assert decide("  set intf port2 port1\n" + DENY_ALL) == (Action.DENY, True)


def test_groups_exclude_and_negate() -> None:
    body = "  set intf any\n  set dstaddr all\n  set service ALL\n"
    assert decide(body + "  set srcaddr lan-but-peer\n") == (Action.ACCEPT, True)
    assert decide(body + "  set srcaddr lan-but-peer\n  set srcaddr-negate enable\n") == (
        Action.DENY,
        True,
    )


def test_service_groups_and_negate_and_status() -> None:
    body = "  set intf any\n  set srcaddr all\n  set dstaddr all\n"
    assert decide(body + "  set service vpn\n") == (Action.DENY, True)
    assert decide(body + "  set service vpn\n  set service-negate enable\n") == (
        Action.ACCEPT,
        True,
    )
    assert decide(body + "  set service HTTPS\n") == (Action.ACCEPT, True)
    assert decide(body + "  set service vpn\n  set status disable\n") == (Action.ACCEPT, True)


def test_fqdn_and_schedules_are_uncertain_never_guessed() -> None:
    d = evaluate(
        gw_with("  set intf any\n  set srcaddr dyn\n  set dstaddr all\n  set service ALL\n"),
        "port1",
        PEER,
        ME,
        UDP,
        500,
        500,
    )
    assert not d.certain and d.action is None and d.may_deny and d.may_accept
    assert any("FQDN" in u for u in d.uncertain)
    d = evaluate(
        gw_with("  set intf any\n" + DENY_ALL + "  set schedule nights\n"),
        "port1",
        PEER,
        ME,
        UDP,
        500,
        500,
    )
    assert [o.action for o in d.outcomes] == [Action.DENY, Action.ACCEPT]
    assert any("recurring" in u for u in d.uncertain)


def test_explicit_accept_before_deny_and_deterministic() -> None:
    gw = gw_with(
        "  set intf any\n  set srcaddr peer\n  set dstaddr all\n  set service IKE\n"
        "  set action accept\n"
    )
    a = evaluate(gw, "port1", PEER, ME, UDP, 4500, 4500)
    b = evaluate(gw, "port1", PEER, ME, UDP, 4500, 4500)
    assert a == b and a.action is Action.ACCEPT and a.policy is not None
