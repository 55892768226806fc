from __future__ import annotations

from ipaddress import IPv4Address

import pytest

from ipsecmc.errors import ConfigError, IpsecmcError
from ipsecmc.fortios.config import GatewayConfig
from ipsecmc.fortios.resolver import read_text
from ipsecmc.fortios.topology import load_scenario, pair
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
    assert s.pairing_inferences == () and s.unpaired == ()


def test_snippets_without_interfaces_pair_by_inference() -> None:
    a = gw("site1", ("site1", "port1", "10.56.240.221"))
    b = gw("site2", ("site2", "port1", "10.56.240.208"))
    s = pair([b, a])
    (t,) = s.tunnels
    assert t.a.name == "site1" and t.a.address_inferred and t.b.address_inferred
    assert t.a.address == IPv4Address("10.56.240.208")
    assert len(s.pairing_inferences) == 2
    assert (
        "site1: phase1 'site1' has no address on interface 'port1'; assumed 10.56.240.208"
        in s.pairing_inferences[0]
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
    assert s.pairing_inferences == () and s.unpaired == ()


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


def _p1(name: str, intf: str, remote: str | None, local: str | None = None) -> str:
    text = f' edit "{name}"\n  set interface "{intf}"\n'
    text += f"  set remote-gw {remote}\n" if remote else "  set type dynamic\n"
    text += f"  set local-gw {local}\n" if local else ""
    return text + " next\n"


def _cfg(name: str, interfaces: str, *phase1s: str) -> GatewayConfig:
    text = f"config system interface\n{interfaces}end\n"
    text += "config vpn ipsec phase1-interface\n" + "".join(phase1s) + "end\n"
    return read_text(text, f"{name}.conf")[0]


def _intf(name: str, ip: str | None, extra: str = "") -> str:
    return f' edit "{name}"\n' + (f"  set ip {ip}\n" if ip else "") + extra + " next\n"


def test_sixteen_tunnels_with_their_own_local_gw_pair_one_to_one() -> None:
    n = 16
    a = _cfg(
        "a",
        _intf("wan", "192.0.2.1/24"),
        *(_p1(f"t{k}", "wan", f"198.51.100.{k + 1}", f"192.0.2.{k + 1}") for k in range(n)),
    )
    b = _cfg(
        "b",
        _intf("wan", "198.51.100.1/24"),
        *(_p1(f"u{k}", "wan", f"192.0.2.{k + 1}", f"198.51.100.{k + 1}") for k in range(n)),
    )
    s = pair([a, b])
    assert [t.name for t in s.tunnels] == [f"a/t{k}<->b/u{k}" for k in sorted(range(n), key=str)]
    assert all(
        t.b.address == IPv4Address(f"198.51.100.{int(t.b.phase1.name[1:]) + 1}") for t in s.tunnels
    )
    assert s.pairing_inferences == () and s.unpaired == ()


def test_two_tunnels_over_port1_and_port2_between_the_same_pair() -> None:
    intfs_a = _intf("port1", "192.0.2.1/24") + _intf("port2", "203.0.113.1/24")
    intfs_b = _intf("port1", "192.0.2.2/24") + _intf("port2", "203.0.113.2/24")
    a = _cfg("a", intfs_a, _p1("via1", "port1", "192.0.2.2"), _p1("via2", "port2", "203.0.113.2"))
    b = _cfg("b", intfs_b, _p1("via1", "port1", "192.0.2.1"), _p1("via2", "port2", "203.0.113.1"))
    s = pair([a, b])
    assert [t.name for t in s.tunnels] == ["a/via1<->b/via1", "a/via2<->b/via2"]
    assert [str(t.a.address) for t in s.tunnels] == ["192.0.2.1", "203.0.113.1"]


def test_advpn_hub_with_one_dialup_phase1_per_underlay() -> None:
    hub = _cfg(
        "hub",
        _intf("isp1", "192.0.2.1/24") + _intf("isp2", "203.0.113.1/24"),
        _p1("dial1", "isp1", None),
        _p1("dial2", "isp2", None),
    )
    spokes = [
        _cfg(
            f"s{k}",
            _intf("wan1", f"198.51.100.{k}/24") + _intf("wan2", f"100.64.0.{k}/24"),
            _p1("h1", "wan1", "192.0.2.1"),
            _p1("h2", "wan2", "203.0.113.1"),
        )
        for k in (1, 2)
    ]
    s = pair([hub, *spokes])
    assert [t.name for t in s.tunnels] == [
        "hub/dial1<->s1/h1",
        "hub/dial1<->s2/h1",
        "hub/dial2<->s1/h2",
        "hub/dial2<->s2/h2",
    ]
    assert s.unpaired == ()


def test_dialup_hub_and_dhcp_spokes_never_pair_spokes_with_each_other() -> None:
    hub = _cfg("hub", _intf("wan", "192.0.2.1/24"), _p1("dialup", "wan", None))
    static = _cfg("s1", _intf("wan", "198.51.100.1/24"), _p1("hub", "wan", "192.0.2.1"))
    dhcp = [
        _cfg(f"d{k}", _intf("wan", None, "  set mode dhcp\n"), _p1("hub", "wan", "192.0.2.1"))
        for k in (1, 2)
    ]
    s = pair([hub, static, *dhcp])
    assert [t.name for t in s.tunnels] == ["hub/dialup<->s1/hub"]
    assert len(s.unpaired) == 2
    assert all("gets its address by DHCP" in u and "set local-gw" in u for u in s.unpaired)
    both_dynamic = _cfg("x", _intf("wan", "203.0.113.1/24"), _p1("dialup", "wan", None))
    assert pair([hub, both_dynamic], require_tunnel=False).tunnels == ()


def test_ambiguity_names_candidates_and_does_not_suggest_what_is_set() -> None:
    # two dial-up phase1s answering on the same address: the address cannot decide
    hub = _cfg("hub", _intf("wan", "192.0.2.1/24"), _p1("d1", "wan", None), _p1("d2", "wan", None))
    spoke = _cfg(
        "spoke", _intf("wan", "198.51.100.1/24"), _p1("hub", "wan", "192.0.2.1", "198.51.100.1")
    )
    with pytest.raises(ConfigError) as exc:
        pair([hub, spoke])
    msg = str(exc.value)
    assert msg.startswith("spoke.conf:")
    assert (
        "could pair with hub/d1 (interface wan 192.0.2.1), hub/d2 (interface wan 192.0.2.1)" in msg
    )
    assert "they all answer on 192.0.2.1" in msg and "add interface addresses" not in msg


def test_ambiguity_of_peers_without_addresses_asks_for_theirs() -> None:
    hub = gw("hub", ("to-a", "wan", "203.0.113.1"), ("to-b", "wan", "203.0.113.2"))
    spoke = gw("spoke", ("hub", "wan", "198.51.100.1"))
    with pytest.raises(ConfigError) as exc:
        pair([hub, spoke])
    msg = str(exc.value)
    assert "hub/to-a (interface wan with no address in the file)" in msg
    assert "give hub/to-a, hub/to-b its own address" in msg


def test_secondary_ip_is_an_end_address() -> None:
    sec = "  config secondaryip\n   edit 1\n    set ip 203.0.113.7 255.255.255.0\n   next\n  end\n"
    a = _cfg("a", _intf("wan", "192.0.2.1/24", sec), _p1("t", "wan", "198.51.100.1"))
    b = _cfg("b", _intf("wan", "198.51.100.1/24"), _p1("t", "wan", "203.0.113.7"))
    (t,) = pair([a, b]).tunnels
    assert t.a.address == IPv4Address("203.0.113.7") and not t.a.address_inferred
    assert a.interfaces[0].addresses == (IPv4Address("192.0.2.1"), IPv4Address("203.0.113.7"))


def test_status_down_interface_carries_no_tunnel() -> None:
    a = _cfg(
        "a", _intf("wan", "192.0.2.1/24", "  set status down\n"), _p1("t", "wan", "198.51.100.1")
    )
    b = _cfg("b", _intf("wan", "198.51.100.1/24"), _p1("t", "wan", "192.0.2.1"))
    s = pair([a, b], require_tunnel=False)
    assert s.tunnels == ()
    assert any("'wan' is set status down" in u and u.startswith("a/t") for u in s.unpaired)
