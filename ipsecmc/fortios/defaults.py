"""The ONE table of FortiOS defaults for fields that ``show`` omits, and the built-ins.

``show`` prints only non-default settings (domain.md 4.7), so a wizard-built phase1
without a ``set dpd`` line runs with the default DPD mode. Every default the reader
applies comes from :data:`DEFAULTS`; each row names its source key from
``shared/domain.md`` (``[KB192616]`` ...) and its confidence tag (C confirmed, S
secondary, U unconfirmed, D sources disagree). Values are written as the CLI text a
``set`` line would carry, so the resolver converts defaults and explicit values with
the same code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ipsecmc.fortios.config import Address, IPv4Address, IPv4Network, PortRange, Schedule, Service


@dataclass(frozen=True, slots=True)
class Default:
    """One default: ``config <section>`` / ``set <field> <value...>``, with its source."""

    section: str
    field: str
    value: tuple[str, ...]
    source: str
    note: str = ""


def _d(section: str, field: str, value: str, source: str, note: str = "") -> Default:
    return Default(section, field, tuple(value.split()) if value else (), source, note)


P1 = "vpn ipsec phase1-interface"
P2 = "vpn ipsec phase2-interface"
LIP = "firewall local-in-policy"

DEFAULTS: tuple[Default, ...] = (
    # phase1 (domain.md section 1)
    _d(P1, "type", "static", "[S][HFX-P1][TF-P1] domain 1.12"),
    _d(
        P1,
        "ike-version",
        "1",
        "[S][HFX-P1][TF-P1] domain 1.9",
        "[D] FortiOS 8.0 new tunnels default to 2 [AG80-IKE]",
    ),
    _d(P1, "dpd", "on-demand", "[C][KB192616][KB260424] domain 1.1"),
    _d(P1, "dpd-retrycount", "3", "[C][KB192616][S][HFX-P1] domain 1.2"),
    _d(P1, "dpd-retryinterval", "20", "[C][KB192616] domain 1.3"),
    _d(P1, "keylife", "86400", "[C][KB397379][S][HFX-P1] domain 1.5"),
    _d(P1, "nattraversal", "enable", "[S][HFX-P1][TF-P1] domain 1.10"),
    _d(P1, "auto-negotiate", "enable", "[S][HFX-P1] domain 1.7"),
    _d(
        P1,
        "peertype",
        "peer",
        "[U][HFX-P1] domain 1.11",
        "schema default, not confirmed; wizard sets any",
    ),
    _d(P1, "net-device", "disable", "[S][HFX-P1][TF-P1] domain 1.10"),
    _d(P1, "mode", "main", "[S][HFX-P1][TF-P1] domain 1.10"),
    _d(
        P1,
        "local-gw",
        "0.0.0.0",
        "[S][HFX-P1][TF-P1] domain 1.12",
        "0.0.0.0 = use the interface IP",
    ),
    _d(P1, "remote-gw", "0.0.0.0", "[S][HFX-P1][TF-P1] domain 1.12"),
    _d(
        P1,
        "proposal",
        "aes128-sha256 aes256-sha256 aes128-sha1 aes256-sha1",
        "[U]",
        "not in domain.md; the wizard's list from [A294094] is used",
    ),
    _d(P1, "dhgrp", "14 5", "[U][HFX-P1]", "not in domain.md; schema default"),
    # phase2 (domain.md 1.5, 1.7)
    _d(
        P2,
        "keylifeseconds",
        "43200",
        "[S][HFX-P2][C][KB267783] domain 1.5",
        "[D] some pages say 28800/3600",
    ),
    _d(P2, "auto-negotiate", "disable", "[C][KB384951] domain 1.7"),
    _d(P2, "keepalive", "disable", "[S][HFX-P2] domain 1.7"),
    _d(
        P2,
        "proposal",
        "aes128-sha1 aes256-sha1 aes128-sha256 aes256-sha256 aes128gcm aes256gcm chacha20poly1305",
        "[U]",
        "not in domain.md; schema default",
    ),
    _d(P2, "src-addr-type", "subnet", "[U][HFX-P2]"),
    _d(P2, "dst-addr-type", "subnet", "[U][HFX-P2]"),
    _d(P2, "src-subnet", "0.0.0.0 0.0.0.0", "[U][HFX-P2]"),
    _d(P2, "dst-subnet", "0.0.0.0 0.0.0.0", "[U][HFX-P2]"),
    # local-in policy (domain.md 2.1)
    _d(LIP, "action", "deny", "[C][KB366248][CLI-LIP-7.4] domain 2.1"),
    _d(LIP, "status", "enable", "[C][CLI-LIP-7.4] domain 2.1"),
    _d(LIP, "srcaddr-negate", "disable", "[C][CLI-LIP-7.4] domain 2.1"),
    _d(LIP, "dstaddr-negate", "disable", "[C][CLI-LIP-7.4] domain 2.1"),
    _d(LIP, "service-negate", "disable", "[C][CLI-LIP-7.4] domain 2.1"),
    _d(
        LIP,
        "schedule",
        "always",
        "[U]",
        "FortiOS requires a schedule; always is what the GUI fills in",
    ),
    _d(LIP, "comments", "", "[C][CLI-LIP-7.4]"),
    # system global / session-ttl (domain.md 3.1, 3.2)
    _d(
        "system global",
        "udp-idle-timer",
        "180",
        "[D][HFX-GLOBAL][SCSI] domain 3.2",
        "help text says 60",
    ),
    _d("system session-ttl", "default", "3600", "[C][CLI-TTL-6.0][CLI-TTL-7.4] domain 3.1"),
    _d("system session-ttl port", "protocol", "0", "[U][CLI-TTL-6.0]"),
    _d("system session-ttl port", "start-port", "0", "[U][CLI-TTL-6.0]"),
    _d("system session-ttl port", "timeout", "300", "[U][CLI-TTL-6.0]", "'never' = no timeout"),
    # interfaces, addresses, services (domain.md 2.9, 4.3, 4.4)
    _d("system interface", "type", "physical", "[S][HFX-INTF] domain 4.3"),
    _d("system interface", "ip", "0.0.0.0 0.0.0.0", "[S][HFX-INTF] domain 4.3"),
    _d("system interface", "status", "up", "[S][HFX-INTF]", "administrative status"),
    _d("system interface", "mode", "static", "[S][HFX-INTF]", "static, dhcp or pppoe"),
    _d("firewall address", "type", "ipmask", "[S][HFX-ADDR] domain 4.4"),
    _d("firewall address", "subnet", "0.0.0.0 0.0.0.0", "[S][HFX-ADDR][C][SHOW-7.2] domain 4.4"),
    _d("firewall addrgrp", "exclude", "disable", "[S][HFX-ADDRGRP] domain 4.5"),
    _d("firewall service custom", "protocol", "TCP/UDP/SCTP", "[C][CLI52-SVC] domain 2.9"),
    _d("firewall service custom", "protocol-number", "0", "[C][CLI52-SVC] domain 2.9"),
)

_BY_KEY: dict[tuple[str, str], Default] = {(d.section, d.field): d for d in DEFAULTS}

#: A FortiOS release as (major, minor, patch).
Release = tuple[int, int, int]

#: The release family :data:`DEFAULTS` describes (domain.md: "Defaults are FortiOS 7.x").
BASE_FAMILY = "7.x"


@dataclass(frozen=True, slots=True)
class VersionedDefault:
    """A default that differs from :data:`DEFAULTS` from release ``since`` on (sourced)."""

    since: Release
    default: Default


#: Defaults that changed between releases. Only differences with a source are encoded;
#: everything else is the 7.x value of :data:`DEFAULTS` for every release.
VERSIONED: tuple[VersionedDefault, ...] = (
    VersionedDefault(
        (8, 0, 0),
        _d(
            P1,
            "ike-version",
            "2",
            "[C][AG80-IKE] domain 1.9",
            "FortiOS 8.0 admin guide: new tunnels default to IKEv2",
        ),
    ),
)

_CONFIG_VERSION = re.compile(r"-(\d+)\.(\d+)\.(\d+)-")


def release_of(config_version: str) -> Release | None:
    """The release in a ``#config-version=FGT60F-7.2.5-FW-build1517-...`` header value."""
    m = _CONFIG_VERSION.search(config_version)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def default(section: str, field: str, release: Release | None = None) -> Default:
    """The default of ``field`` in ``config <section>`` for ``release`` (None: 7.x).

    KeyError names a missing row.
    """
    if release is not None:
        for v in reversed(VERSIONED):
            d = v.default
            if (d.section, d.field) == (section, field) and release >= v.since:
                return d
    return _BY_KEY[(section, field)]


def defaults_note(release: Release | None) -> str:
    """Which release's defaults the reader applied, in one line (an inference)."""
    differs = "; ".join(
        f"{'.'.join(map(str, v.since[:2]))}+ defaults {v.default.field} to "
        f"{' '.join(v.default.value)} {v.default.source.split()[0]}"
        for v in VERSIONED
    )
    if release is None:
        return (
            f"no #config-version header: FortiOS {BASE_FAMILY} defaults assumed for settings "
            f"the file omits ({differs}); keep the header of a backup to pin the release"
        )
    shown = ".".join(map(str, release))
    changed = [v for v in VERSIONED if release >= v.since]
    if changed:
        which = ", ".join(f"{v.default.field} {' '.join(v.default.value)}" for v in changed)
        return (
            f"FortiOS {shown} (#config-version): its defaults applied where they differ from "
            f"{BASE_FAMILY} ({which}), {BASE_FAMILY} defaults elsewhere"
        )
    older = "" if release >= (7, 0, 0) else "; defaults of releases before 7.0 are not sourced"
    return f"FortiOS {shown} (#config-version): FortiOS {BASE_FAMILY} defaults applied{older}"


def _udp(*ports: int) -> tuple[PortRange, ...]:
    return tuple(PortRange(p, p) for p in ports)


#: Predefined services present on every FortiGate (domain.md 2.8) [S][SAMPLE-CFG][GIST-ALL].
PREDEFINED_SERVICES: tuple[Service, ...] = (
    Service("ALL", "IP", protocol_number=0, predefined=True),
    Service("ALL_TCP", "TCP/UDP/SCTP", tcp=(PortRange(1, 65535),), predefined=True),
    Service("ALL_UDP", "TCP/UDP/SCTP", udp=(PortRange(1, 65535),), predefined=True),
    Service("ALL_ICMP", "ICMP", predefined=True),
    Service("IKE", "TCP/UDP/SCTP", udp=_udp(500, 4500), predefined=True),
    Service("ESP", "IP", protocol_number=50, predefined=True),
    Service("AH", "IP", protocol_number=51, predefined=True),
    Service("HTTP", "TCP/UDP/SCTP", tcp=(PortRange(80, 80),), predefined=True),
    Service("HTTPS", "TCP/UDP/SCTP", tcp=(PortRange(443, 443),), predefined=True),
    Service("SSH", "TCP/UDP/SCTP", tcp=(PortRange(22, 22),), predefined=True),
    Service("TELNET", "TCP/UDP/SCTP", tcp=(PortRange(23, 23),), predefined=True),
    Service("PING", "ICMP", predefined=True),
    Service(
        "DNS", "TCP/UDP/SCTP", tcp=(PortRange(53, 53),), udp=(PortRange(53, 53),), predefined=True
    ),
    Service(
        "NTP",
        "TCP/UDP/SCTP",
        tcp=(PortRange(123, 123),),
        udp=(PortRange(123, 123),),
        predefined=True,
    ),
    Service(
        "SNMP",
        "TCP/UDP/SCTP",
        tcp=(PortRange(161, 162),),
        udp=(PortRange(161, 162),),
        predefined=True,
    ),
    Service("SYSLOG", "TCP/UDP/SCTP", udp=(PortRange(514, 514),), predefined=True),
    Service("BGP", "TCP/UDP/SCTP", tcp=(PortRange(179, 179),), predefined=True),
)

#: Built-in addresses (domain.md 4.4) [S][HFX-ADDR][C][SHOW-7.2].
BUILTIN_ADDRESSES: tuple[Address, ...] = (
    Address("all", "ipmask", network=IPv4Network("0.0.0.0/0"), builtin=True),
    Address("none", "ipmask", network=IPv4Network("0.0.0.0/32"), builtin=True),
)

#: Built-in schedule.
BUILTIN_SCHEDULES: tuple[Schedule, ...] = (Schedule("always", "always", builtin=True),)

#: The built-in local-in rules accept IKE on UDP 500/4500 even with no VPN configured
#: (domain.md 2.4) [C][KB390429].
BUILTIN_ACCEPT_UDP_PORTS: tuple[int, ...] = (500, 4500)

#: ``allowaccess`` keywords -> (IP protocol, destination ports) the built-in rules accept
#: on that interface (domain.md 2.4; port numbers are the standard ones) [U].
ALLOWACCESS_PORTS: dict[str, tuple[int, tuple[int, ...]]] = {
    "https": (6, (443,)),
    "http": (6, (80,)),
    "ssh": (6, (22,)),
    "telnet": (6, (23,)),
    "snmp": (17, (161, 162)),
    "ping": (1, ()),
    "fgfm": (6, (541,)),
}

NO_ADDRESS = IPv4Address("0.0.0.0")
