from __future__ import annotations

from ipaddress import IPv4Address

import pytest

from ipsecmc.config import GatewayConfig
from ipsecmc.errors import ConfigError, IpsecmcError
from ipsecmc.fortios.resolver import read_text
from ipsecmc.topology import load_scenario, pair
from tests.conftest import MODELS


def gw(
    name: str,
    *phase1s: tuple[str, str, str | None],
    ip: dict[str, str] | None = None,
    extra: str = "",
) -> GatewayConfig:
    """A gateway with phase1s (name, interface, remote-gw or None for dynamic)."""
    text = ""
    if ip:
        text += "config system interface\n"
        for port, addr in ip.items():
            text += f" edit {port}\n  set ip {addr}\n next\n"
        text += "end\n"
    text += "config vpn ipsec phase1-interface\n"
    for p, intf, remote in phase1s:
        text += f" edit {p}\n  set interface {intf}\n"
        text += f"  set remote-gw {remote}\n" if remote else "  set type dynamic\n"
        text += " next\nend\n" if p == phase1s[-1][0] else " next\n"
    return read_text(text + extra, f"{name}.conf")[0]


def test_seed_models_pair_from_interface_addresses() -> None:
    s = load_scenario([MODELS / "seed-intended"])
    (t,) = s.tunnels
    assert (t.a.name, t.b.name) == ("site1", "site2")
    assert t.a.address == IPv4Address("10.56.240.208") and not t.a.address_inferred
    assert t.b.address == IPv4Address("10.56.240.221")
    assert [p.name for p in t.a.phase2s] == ["site1"]
    assert s.inferences == () and s.unpaired == ()


def test_snippets_without_interfaces_pair_by_inference() -> None:
    a = gw("site1", ("site1", "port1", "10.56.240.221"))
    b = gw("site2", ("site2", "port1", "10.56.240.208"))
    s = pair([b, a])
    (t,) = s.tunnels
    assert t.a.name == "site1" and t.a.address_inferred and t.b.address_inferred
    assert t.a.address == IPv4Address("10.56.240.208")
    assert len(s.inferences) == 2
    assert (
        "site1: phase1 'site1' has no address on interface 'port1'; assumed 10.56.240.208"
        in s.inferences[0]
    )


def test_hub_with_three_static_spokes() -> None:
    hub = gw(
        "hub",
        ("to-a", "wan", "203.0.113.1"),
        ("to-b", "wan", "203.0.113.2"),
        ("to-c", "wan", "203.0.113.3"),
        ip={"wan": "198.51.100.1/24"},
    )
    spokes = [
        gw(f"spoke-{x}", ("hub", "wan", "198.51.100.1"), ip={"wan": f"203.0.113.{i}/24"})
        for i, x in enumerate("abc", 1)
    ]
    s = pair([*spokes, hub])
    assert [t.name for t in s.tunnels] == [
        "hub/to-a<->spoke-a/hub",
        "hub/to-b<->spoke-b/hub",
        "hub/to-c<->spoke-c/hub",
    ]
    assert s.inferences == () and s.unpaired == ()


def test_dialup_hub_pairs_every_spoke() -> None:
    hub = gw("hub", ("dialup", "wan", None), ip={"wan": "198.51.100.1/24"})
    spokes = [
        gw(f"s{i}", ("hub", "wan", "198.51.100.1"), ip={"wan": f"203.0.113.{i}/24"})
        for i in (1, 2, 3)
    ]
    s = pair([hub, *spokes])
    assert len(s.tunnels) == 3
    assert {t.b.address for t in s.tunnels} == {IPv4Address(f"203.0.113.{i}") for i in (1, 2, 3)}


def test_hub_of_snippets_with_inferred_addresses() -> None:
    hub = gw(
        "hub",
        ("to-a", "wan", "203.0.113.1"),
        ("to-b", "wan", "203.0.113.2"),
        ("to-c", "wan", "203.0.113.3"),
    )
    spokes = [gw(f"spoke-{x}", ("hub", "wan", "198.51.100.1")) for x in "abc"]
    with pytest.raises(ConfigError, match="ambiguous pairing"):
        pair([hub, *spokes])  # every spoke could be any hub phase1: said, not guessed


def test_unpaired_and_no_tunnel() -> None:
    a = gw("a", ("x", "p1", "192.0.2.9"), ip={"p1": "192.0.2.1/24"})
    b = gw("b", ("y", "p1", "192.0.2.77"), ip={"p1": "192.0.2.2/24"})
    s = pair([a, b], require_tunnel=False)
    assert s.tunnels == () and len(s.unpaired) == 2
    with pytest.raises(ConfigError, match="no tunnel found"):
        pair([a, b])


def test_remote_gw_pointing_at_itself_is_not_inferred() -> None:
    a = gw("a", ("x", "p1", "192.0.2.1"), ip={"p1": "192.0.2.1/24"})
    b = gw("b", ("y", "p1", "192.0.2.1"))
    assert pair([a, b], require_tunnel=False).tunnels == ()


def test_load_scenario_folder_and_errors(tmp_path: object) -> None:
    s = load_scenario([MODELS / "seed-backup"])
    assert [g.hostname for g in s.gateways] == ["site1", "site2"]
    with pytest.raises(IpsecmcError, match="no such file"):
        load_scenario([MODELS / "does-not-exist"])
