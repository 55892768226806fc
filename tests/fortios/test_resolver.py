from __future__ import annotations

import ipaddress

import pytest

from ipsecmc.errors import ConfigError
from ipsecmc.fortios.config import Action, GatewayConfig
from ipsecmc.fortios.defaults import DEFAULTS, default
from ipsecmc.fortios.resolver import read_gateways, read_text
from ipsecmc.model.params import DpdMode
from tests.conftest import MODELS

SEED_P1 = """config vpn ipsec phase1-interface
    edit "site1"
        set interface "port1"
        set peertype any
        set net-device disable
        set proposal aes128-sha256 aes256-sha256 aes128-sha1 aes256-sha1
        set comments "VPN: site1 (Created by VPN wizard)"
        set wizard-type static-fortigate
        set remote-gw 10.56.240.221
        set psksecret ENC Zm9vYmFyc2VjcmV0
    next
end
"""


def one(src: str, **kw: bool) -> GatewayConfig:
    gws = read_text(src, "dir/gw-a.conf", **kw)
    assert len(gws) == 1
    return gws[0]


def test_seed_phase1_gets_fortios_defaults() -> None:
    gw = one(SEED_P1)
    assert gw.hostname == "gw-a"  # no system global: the file stem
    (p1,) = gw.phase1s
    assert p1.remote_gw == ipaddress.IPv4Address("10.56.240.221")
    assert p1.ike_version == 1
    assert p1.dpd is DpdMode.ON_DEMAND
    assert (p1.dpd_retrycount, p1.dpd_retryinterval, p1.keylife) == (3, 20, 86400)
    assert p1.auto_negotiate and p1.nattraversal == "enable"
    assert p1.psk_present and p1.peertype == "any" and not p1.net_device
    assert p1.where("remote-gw").line == 9 and p1.where("remote_gw").line == 9
    assert p1.where("dpd") == p1.loc  # defaulted: the edit line
    assert dict(gw.ignored_fields) == {
        "vpn ipsec phase1-interface.comments": 1,
        "vpn ipsec phase1-interface.wizard-type": 1,
    }
    assert "Zm9vYmFyc2VjcmV0" not in repr(gw)


def test_every_default_row_has_a_source() -> None:
    assert all(d.source for d in DEFAULTS)
    assert default("vpn ipsec phase2-interface", "auto-negotiate").value == ("disable",)
    assert default("firewall local-in-policy", "action").value == ("deny",)


def test_phase2_defaults_and_selectors() -> None:
    gw = one(
        SEED_P1 + "config vpn ipsec phase2-interface\n edit p2\n  set phase1name site1\n"
        "  set src-subnet 10.1.0.0 255.255.0.0\n next\n edit p3\n  set phase1name site1\n"
        "  set auto-negotiate enable\n  set keylifeseconds 3600\n next\nend\n"
    )
    p2, p3 = gw.phase2s
    assert p2.keylifeseconds == 43200 and not p2.auto_negotiate and not p2.keepalive
    assert p2.src_subnet == ipaddress.IPv4Network("10.1.0.0/16")
    assert p2.dst_subnet == ipaddress.IPv4Network("0.0.0.0/0")
    assert p3.auto_negotiate and p3.keylifeseconds == 3600
    assert gw.phase2s_of("site1") == (p2, p3)


def test_local_in_policy_fields_and_default_deny() -> None:
    gw = one(
        "config system interface\n edit port1\n  set ip 10.0.0.1/24\n next\nend\n"
        "config firewall local-in-policy\n edit 7\n  set intf port1\n  set srcaddr all\n"
        "  set dstaddr all\n  set service ALL\n  set srcaddr-negate enable\n  set status disable\n"
        '  set comments "catch all"\n next\nend\n'
    )
    (p,) = gw.local_in_policies
    assert p.policyid == 7 and p.action is Action.DENY and p.schedule == "always"
    assert p.srcaddr_negate and not p.dstaddr_negate and not p.status
    assert p.comments == "catch all"
    assert p.where("srcaddr").line == 9


def test_addresses_groups_services_schedules() -> None:
    gw = one(
        "config firewall address\n edit r\n  set type iprange\n  set start-ip 10.0.0.5\n"
        "  set end-ip 10.0.0.9\n next\n edit f\n  set type fqdn\n  set fqdn x.example\n next\n"
        " edit n\n  set subnet 192.168.0.0 255.255.255.0\n next\nend\n"
        "config firewall addrgrp\n edit g\n  set member n r\n  set exclude enable\n"
        "  set exclude-member r\n next\nend\n"
        "config firewall service custom\n edit s\n  set tcp-portrange 80-90:1024-65535 443\n"
        "  set udp-portrange 53\n next\n edit gre\n  set protocol IP\n  set protocol-number 47\n"
        " next\n edit proxy\n  set protocol CONNECT\n next\nend\n"
        "config firewall service group\n edit sg\n  set member s IKE\n next\nend\n"
        "config firewall schedule recurring\n edit wh\n  set day monday\n next\nend\n"
    )
    r = gw.address_by_name["r"]
    assert r.contains(ipaddress.IPv4Address("10.0.0.7")) and not r.contains(
        ipaddress.IPv4Address("10.0.0.10")
    )
    assert gw.address_by_name["f"].contains(ipaddress.IPv4Address("1.2.3.4")) is None
    assert gw.address_by_name["all"].builtin
    g = gw.group_by_name["g"]
    assert g.members == ("n", "r") and g.exclude_members == ("r",)
    s = gw.service_by_name["s"]
    assert s.matches(6, 2000, 85) and not s.matches(6, 80, 85) and s.matches(6, 1, 443)
    assert s.matches(17, 5000, 53) and not s.matches(17, 5000, 54)
    assert gw.service_by_name["gre"].matches(47, 0, 0)
    assert not gw.service_by_name["proxy"].matches(6, 1000, 443)
    assert gw.service_by_name["IKE"].matches(17, 500, 4500)
    assert gw.service_group_by_name["sg"].members == ("s", "IKE")
    assert gw.schedule_by_name["wh"].kind == "recurring"


def test_system_global_session_ttl_and_udp_timer() -> None:
    gw = one(
        'config system global\n set hostname "fw-1"\n set udp-idle-timer 60\nend\n'
        "config system session-ttl\n set default 1800\n config port\n  edit 1\n"
        "   set protocol 17\n   set start-port 500\n   set end-port 500\n   set timeout 120\n"
        "  next\n  edit 2\n   set protocol 17\n   set start-port 4500\n   set timeout never\n"
        "  next\n end\nend\n"
    )
    assert gw.hostname == "fw-1" and gw.udp_idle_timer == 60 and gw.session_ttl_default == 1800
    assert gw.udp_session_ttl(500) == 120
    assert gw.udp_session_ttl(4500) is None
    assert gw.udp_session_ttl(53) == 60


def test_unknown_sections_are_skipped_and_counted() -> None:
    gw = one(
        "config firewall policy\n edit 1\n next\n edit 2\n next\nend\n"
        "config router static\n edit 1\n next\nend\n" + SEED_P1
    )
    assert dict(gw.skipped_sections) == {"firewall policy": 2, "router static": 1}


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("set dpd-retryinterval abc", "expected an integer for 'dpd-retryinterval', found 'abc'"),
        ("set dpd sometimes", "expected one of disable, on-idle, on-demand"),
        ("set ike-version 3", "expected one of 1, 2"),
        ("set keylife 5", "between 120 and 172800"),
    ],
)
def test_bad_values_in_fields_that_matter(line: str, fragment: str) -> None:
    src = SEED_P1.replace("        set peertype any\n", f"        {line}\n")
    with pytest.raises(ConfigError) as exc:
        one(src)
    assert fragment in str(exc.value)
    assert str(exc.value).startswith("dir/gw-a.conf:4:")


def test_bad_ip_address() -> None:
    src = SEED_P1.replace("set remote-gw 10.56.240.221", "set remote-gw 10.56.240.300")
    with pytest.raises(ConfigError) as exc:
        one(src)
    assert str(exc.value).startswith("dir/gw-a.conf:9:23: phase1 'site1': expected an IPv4")


def test_bad_value_error_redacts_a_secret_moved_into_a_field() -> None:
    src = SEED_P1.replace("set remote-gw 10.56.240.221", "set remote-gw Zm9vYmFyc2VjcmV0")
    with pytest.raises(ConfigError) as exc:
        one(src)
    assert "Zm9vYmFyc2VjcmV0" not in str(exc.value)


def test_undefined_references_raise_unless_allowed() -> None:
    src = (
        "config system interface\n edit port1\n next\nend\n"
        "config firewall local-in-policy\n edit 1\n  set intf port1\n  set srcaddr office1\n"
        "  set dstaddr all\n  set service HTTPS\n  set schedule always\n next\nend\n"
    )
    with pytest.raises(ConfigError) as exc:
        one(src)
    assert str(exc.value).startswith(
        "dir/gw-a.conf:8:3: local-in policy 1 refers to undefined address 'office1'"
    )
    assert "config firewall address" in str(exc.value)
    gw = one(src, allow_undefined=True)
    assert gw.local_in_policies[0].srcaddr == ("office1",)


@pytest.mark.parametrize(
    ("snippet", "kind"),
    [
        (
            "config firewall addrgrp\n edit g\n  set member ghost\n next\nend\n"
            "config firewall local-in-policy\n edit 1\n  set intf any\n  set srcaddr g\n"
            "  set dstaddr all\n  set service ALL\n next\nend\n",
            "address",
        ),
        (
            "config firewall service group\n edit g\n  set member ghost\n next\nend\n"
            "config firewall local-in-policy\n edit 1\n  set intf any\n  set srcaddr all\n"
            "  set dstaddr all\n  set service g\n next\nend\n",
            "service",
        ),
        (
            "config system interface\n edit port1\n next\nend\nconfig firewall local-in-policy\n"
            " edit 1\n  set intf port9\n  set srcaddr all\n  set dstaddr all\n  set service ALL\n"
            " next\nend\n",
            "interface",
        ),
        (
            "config firewall local-in-policy\n edit 1\n  set intf any\n  set srcaddr all\n"
            "  set dstaddr all\n  set service ALL\n  set schedule nightly\n next\nend\n",
            "schedule",
        ),
    ],
)
def test_each_kind_of_undefined_reference(snippet: str, kind: str) -> None:
    with pytest.raises(ConfigError, match=f"undefined {kind}"):
        one(snippet)


def test_undefined_references_nothing_uses_are_warnings() -> None:
    snippet = (
        "config firewall addrgrp\n edit inner\n  set member ghost\n next\n"
        " edit outer\n  set member inner\n next\nend\n"
        "config firewall service group\n edit sg\n  set member nosvc\n next\nend\n"
        "config vpn ipsec phase2-interface\n edit p\n  set phase1name nope\n next\nend\n"
    )
    gw = one(snippet)
    notes = [str(n) for n in gw.notes if n.severity == "warning"]
    assert notes == [
        "dir/gw-a.conf:2:2: address group 'inner' refers to undefined address 'ghost', but no "
        "tunnel or local-in policy uses address group 'inner': read past it (define it under "
        "'config firewall address' or 'config firewall addrgrp', or fix the name)",
        "dir/gw-a.conf:10:2: service group 'sg' refers to undefined service 'nosvc', but no "
        "tunnel or local-in policy uses service group 'sg': read past it (define it under "
        "'config firewall service custom' or 'config firewall service group', or fix the name)",
        "dir/gw-a.conf:16:3: phase2 'p' refers to undefined phase1 'nope', but no tunnel or "
        "local-in policy uses phase2 'p': read past it (set phase1name to the name of an entry "
        "of 'config vpn ipsec phase1-interface')",
    ]
    # the same group, once a policy reaches it through 'outer', is an input error again
    used = snippet + (
        "config firewall local-in-policy\n edit 1\n  set intf any\n  set srcaddr outer\n"
        "  set dstaddr all\n  set service ALL\n next\nend\n"
    )
    with pytest.raises(ConfigError, match="address group 'inner' refers to undefined address"):
        one(used)


def test_interfaces_are_not_checked_in_snippets_without_interfaces() -> None:
    gw = one(SEED_P1)  # phase1 names port1 although no interface is defined
    assert gw.phase1s[0].interface == "port1"


def test_vdom_mode_yields_one_gateway_per_vdom_with_vpn() -> None:
    src = (
        "#config-version=FG100F-7.2.5-FW-build1517-230606:opmode=0:vdom=1:user=admin\n"
        "config vdom\nedit root\nnext\nedit blue\nnext\nedit empty\nnext\nend\n"
        'config global\nconfig system global\nset hostname "box"\nend\n'
        "config system interface\nedit port1\nset vdom root\nset ip 1.1.1.1/24\nnext\n"
        "edit port2\nset vdom blue\nset ip 2.2.2.2/24\nnext\nend\nend\n"
        "config vdom\nedit root\nconfig vpn ipsec phase1-interface\nedit a\nset interface port1\n"
        "set remote-gw 9.9.9.9\nnext\nend\nend\n"
        "config vdom\nedit blue\nconfig vpn ipsec phase1-interface\nedit b\nset interface port2\n"
        "set remote-gw 8.8.8.8\nnext\nend\nend\n"
    )
    root, blue = read_text(src, "box.conf")
    assert (root.vdom, blue.vdom) == ("root", "blue")
    assert root.hostname == blue.hostname == "box"
    assert [i.name for i in root.interfaces] == ["port1"]
    assert [i.name for i in blue.interfaces] == ["port2"]
    assert root.header["config-version"].endswith("user=admin")


def test_backup_model_reads_the_tunnel_in_vdom_root() -> None:
    (gw,) = read_gateways(MODELS / "seed-backup" / "site2-backup.conf")
    assert (gw.hostname, gw.vdom) == ("site2", "root")
    assert [p.name for p in gw.phase1s] == ["site2"]
    assert [p.policyid for p in gw.local_in_policies] == [1, 2]
    assert gw.local_in_policies[1].intf == ("port1",)
    assert dict(gw.skipped_sections)["firewall policy"] == 42
    assert gw.interface_by_name["port1"].ip == ipaddress.IPv4Interface("10.56.240.221/24")
    assert "port3" not in gw.interface_by_name  # belongs to vdom dmz
