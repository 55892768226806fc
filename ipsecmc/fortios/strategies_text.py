"""Site specifications for ``ipsecmc.strategies`` and the FortiOS CLI text they stand for.

A :class:`SiteSpec` is a small frozen record of the choices a random draw makes for one
FortiGate (timers, DPD, IKE version, the local-in table, ...); :func:`render_site`
writes it as a full-configuration text shaped like ``models/seed-*/site*.conf``
(``#config-version`` header, interfaces, address objects, services, phase1/phase2 with
``remote-gw`` at the peer, local-in policies). The strategies draw specs and render
them, so every generated text is valid by construction: every name a policy uses is
defined, every number is inside the range the reader (``ipsecmc.fortios.resolver``)
accepts, and the texts go through the real reader, never around it.

``None`` in a spec field means "no ``set`` line": FortiOS (and the reader) use the
default. Shrinking drives fields towards ``None``, so a shrunk example is a short config.

This module knows nothing of Hypothesis; it is plain data and text.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

#: Name of the address object that stands for the peer's public address.
PEER_OBJECT = "vpn_peer"

#: What the peer object of a site holds: the peer's exact address, the /24 around it,
#: or a neighbouring address (the typo that makes an "allow IKE from the peer" policy
#: miss the real peer).
PEER_OBJECT_KINDS = ("exact", "subnet", "wrong")

#: Interfaces a local-in rule may name (``port1`` is the WAN the tunnel runs on).
INTERFACES = ("port1", "any", "port2")

#: Source address names a local-in rule may use; all are defined in every site.
SOURCE_ADDRESSES = ("all", PEER_OBJECT, "office1", "office2", "mgmt_grp", "vpn_grp", "wan_net")

#: Destination address names a local-in rule may use (``self_wan`` = own WAN /32).
DESTINATION_ADDRESSES = ("all", "self_wan", "lan_net")

#: Services a local-in rule may use: predefined ones and the custom ones every site defines.
SERVICES = ("ALL", "IKE", "HTTPS", "PING", "udp500", "udp4500", "ike_grp", "mgmt_tcp")

#: Schedules: ``always`` and a recurring one (ipsecmc cannot know the wall clock, so a
#: policy under ``workhours`` may or may not match and the model branches on it).
SCHEDULES = ("always", "workhours")


@dataclass(frozen=True, slots=True)
class LocalInRule:
    """One ``config firewall local-in-policy`` entry."""

    policyid: int
    intf: str
    srcaddr: tuple[str, ...]
    dstaddr: tuple[str, ...]
    service: tuple[str, ...]
    srcaddr_negate: bool = False
    service_negate: bool = False
    action: str | None = None  # None: no 'set action', FortiOS denies
    status: str | None = None  # None: enabled (the default)
    schedule: str | None = None  # None: no 'set schedule' (the reader assumes always)


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """The drawn choices of one FortiGate; ``None`` = leave the FortiOS default."""

    hostname: str
    wan_ip: str
    peer_ip: str
    lan_net: str  # e.g. "192.168.1.0/24"
    peer_object: str = "exact"  # one of PEER_OBJECT_KINDS
    udp_idle_timer: int | None = None
    ike_session_ttl: int | None = None  # a 'session-ttl port' entry for UDP 500
    ike_session_never: bool = False  # that entry says 'timeout never' (needs the entry)
    ike_version: int | None = None
    dpd: str | None = None
    dpd_retryinterval: int | None = None
    dpd_retrycount: int | None = None
    keylife: int | None = None
    p1_auto_negotiate: str | None = None
    keylifeseconds: int | None = None
    p2_auto_negotiate: str | None = None
    local_in: tuple[LocalInRule, ...] = ()


def _q(*names: str) -> str:
    return " ".join(f'"{n}"' for n in names)


def _mask(net: ipaddress.IPv4Network) -> str:
    return f"{net.network_address} {net.netmask}"


def _peer_network(spec: SiteSpec) -> ipaddress.IPv4Network:
    peer = ipaddress.IPv4Address(spec.peer_ip)
    if spec.peer_object == "subnet":
        return ipaddress.IPv4Network(f"{peer}/24", strict=False)
    if spec.peer_object == "wrong":
        return ipaddress.IPv4Network(f"{peer + 1}/32")
    return ipaddress.IPv4Network(f"{peer}/32")


def _setting(name: str, value: object | None) -> list[str]:
    return [] if value is None else [f"        set {name} {value}"]


def _global(spec: SiteSpec) -> list[str]:
    return [
        "config system global",
        '    set alias "FortiGate-VM64"',
        f'    set hostname "{spec.hostname}"',
        *[line[4:] for line in _setting("udp-idle-timer", spec.udp_idle_timer)],
        "    set timezone 04",
        "end",
    ]


def _session_ttl(spec: SiteSpec) -> list[str]:
    if spec.ike_session_ttl is None:
        return []
    timeout = "never" if spec.ike_session_never else str(spec.ike_session_ttl)
    return [
        "config system session-ttl",
        "    config port",
        "        edit 1",
        "            set protocol 17",
        "            set start-port 500",
        "            set end-port 500",
        f"            set timeout {timeout}",
        "        next",
        "    end",
        "end",
    ]


def _interfaces(spec: SiteSpec) -> list[str]:
    lan = ipaddress.IPv4Network(spec.lan_net)
    lan_ip = lan.network_address + 99
    return [
        "config system interface",
        '    edit "port1"',
        '        set vdom "root"',
        f"        set ip {spec.wan_ip} 255.255.255.0",
        "        set allowaccess ping https ssh",
        "        set type physical",
        "        set role wan",
        "    next",
        '    edit "port2"',
        '        set vdom "root"',
        f"        set ip {lan_ip} {lan.netmask}",
        "        set allowaccess ping https ssh http",
        "        set type physical",
        "        set role lan",
        "    next",
        f'    edit "{spec.hostname}"',
        '        set vdom "root"',
        "        set type tunnel",
        '        set interface "port1"',
        "    next",
        "end",
    ]


def _addresses(spec: SiteSpec) -> list[str]:
    wan_net = ipaddress.IPv4Network(f"{spec.wan_ip}/24", strict=False)
    objects = [
        ("office1", "172.16.10.0 255.255.255.0"),
        ("office2", "172.16.20.0 255.255.255.0"),
        (PEER_OBJECT, _mask(_peer_network(spec))),
        ("wan_net", _mask(wan_net)),
        ("self_wan", f"{spec.wan_ip} 255.255.255.255"),
        ("lan_net", _mask(ipaddress.IPv4Network(spec.lan_net))),
    ]
    lines = ["config firewall address"]
    for name, subnet in objects:
        lines += [f'    edit "{name}"', f"        set subnet {subnet}", "    next"]
    lines += [
        "end",
        "config firewall addrgrp",
        '    edit "mgmt_grp"',
        f"        set member {_q('office1', 'office2')}",
        "    next",
        '    edit "vpn_grp"',
        f"        set member {_q(PEER_OBJECT, 'office1')}",
        "    next",
        "end",
    ]
    return lines


def _services() -> list[str]:
    return [
        "config firewall service custom",
        '    edit "udp500"',
        "        set udp-portrange 500",
        "    next",
        '    edit "udp4500"',
        "        set udp-portrange 4500",
        "    next",
        '    edit "mgmt_tcp"',
        "        set tcp-portrange 443 22",
        "    next",
        "end",
        "config firewall service group",
        '    edit "ike_grp"',
        f"        set member {_q('udp500', 'udp4500')}",
        "    next",
        "end",
        "config firewall schedule recurring",
        '    edit "workhours"',
        "        set day monday tuesday wednesday thursday friday",
        "        set start 08:00",
        "        set end 18:00",
        "    next",
        "end",
    ]


def _vpn(spec: SiteSpec) -> list[str]:
    name = spec.hostname
    secret = "ZmFrZS1wc2stZm9yLWdlbmVyYXRlZC10ZXN0cy1vbmx5"  # a placeholder, never a key
    return [
        "config vpn ipsec phase1-interface",
        f'    edit "{name}"',
        '        set interface "port1"',
        *_setting("ike-version", spec.ike_version),
        "        set peertype any",
        "        set net-device disable",
        "        set proposal aes128-sha256 aes256-sha256 aes128-sha1 aes256-sha1",
        *_setting("dpd", spec.dpd),
        *_setting("dpd-retrycount", spec.dpd_retrycount),
        *_setting("dpd-retryinterval", spec.dpd_retryinterval),
        *_setting("keylife", spec.keylife),
        *_setting("auto-negotiate", spec.p1_auto_negotiate),
        f"        set remote-gw {spec.peer_ip}",
        f"        set psksecret ENC {secret}",
        "    next",
        "end",
        "config vpn ipsec phase2-interface",
        f'    edit "{name}"',
        f'        set phase1name "{name}"',
        "        set proposal aes128-sha1 aes256-sha1 aes128-sha256 aes256-sha256",
        *_setting("keylifeseconds", spec.keylifeseconds),
        *_setting("auto-negotiate", spec.p2_auto_negotiate),
        "    next",
        "end",
    ]


def _local_in(rules: tuple[LocalInRule, ...]) -> list[str]:
    if not rules:
        return []
    lines = ["config firewall local-in-policy"]
    for r in rules:
        lines += [
            f"    edit {r.policyid}",
            f'        set intf "{r.intf}"',
            f"        set srcaddr {_q(*r.srcaddr)}",
            *(["        set srcaddr-negate enable"] if r.srcaddr_negate else []),
            f"        set dstaddr {_q(*r.dstaddr)}",
            *_setting("action", r.action),
            f"        set service {_q(*r.service)}",
            *(["        set service-negate enable"] if r.service_negate else []),
            *_setting("schedule", None if r.schedule is None else f'"{r.schedule}"'),
            *_setting("status", r.status),
            "    next",
        ]
    lines.append("end")
    return lines


def render_site(spec: SiteSpec) -> str:
    """The full-configuration text of ``spec`` (what ``show full-configuration`` prints,
    minus sections that cannot change a verdict)."""
    lines = [
        "#config-version=FGVM64-7.2.5-FW-build1517-230606:opmode=0:vdom=0:user=admin",
        "#buildno=1517",
        "#global_vdom=1",
        *_global(spec),
        *_session_ttl(spec),
        *_interfaces(spec),
        *_addresses(spec),
        *_services(),
        *_vpn(spec),
        *_local_in(spec.local_in),
    ]
    return "\n".join(lines) + "\n"
