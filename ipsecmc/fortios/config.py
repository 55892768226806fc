"""Vendor-neutral gateway configuration: the output of a config reader, the input of the model.

Every object carries the :class:`SourceLoc` of the ``edit`` that defined it and, in
``field_locs``, the location of each ``set`` line, so that a verdict can point at the
config line to blame. Defaults for fields a FortiOS ``show`` omits are filled in by the
reader (see ``ipsecmc.fortios.defaults``), never here: these types hold resolved values.

Secrets are never stored: a phase1 only records whether a ``psksecret`` was present.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Literal

from ipsecmc.errors import SourceLoc
from ipsecmc.model.params import DpdMode  # the model's; FortiOS's ``set dpd`` values

IPv4Address = ipaddress.IPv4Address
IPv4Network = ipaddress.IPv4Network

FieldLocs = tuple[tuple[str, SourceLoc], ...]


def _field_loc(field_locs: FieldLocs, name: str, default: SourceLoc) -> SourceLoc:
    for key, loc in field_locs:
        if key == name:
            return loc
    return default


@dataclass(frozen=True, slots=True)
class ReadNote:
    """Something the reader repaired, assumed or read past without failing.

    ``warning``: the input was repaired or holds something that cannot matter (printed on
    stderr by ``ipsecmc check``); ``info``: an assumption, e.g. which FortiOS release's
    defaults were applied. Both end up in the scenario's ``inferences``.
    """

    loc: SourceLoc | None
    message: str
    severity: Literal["warning", "info"] = "warning"

    def __str__(self) -> str:
        return f"{self.loc}: {self.message}" if self.loc is not None else self.message


class Action(StrEnum):
    """Local-in policy ``set action``; the FortiOS default is deny (domain.md 2.1)."""

    ACCEPT = "accept"
    DENY = "deny"


@dataclass(frozen=True, slots=True)
class Interface:
    """``config system interface`` entry.

    ``secondary_ips`` come from the nested ``config secondaryip`` table: they are the
    interface's addresses as much as ``ip`` is (pairing, local-in destinations).
    ``status_up`` is false for ``set status down``: such an interface carries no tunnel.
    ``mode`` is ``static`` or the way the address is obtained (``dhcp``, ``pppoe``): with
    ``dhcp``/``pppoe`` the address is not in the file.
    """

    name: str
    ip: ipaddress.IPv4Interface | None
    vdom: str | None
    allowaccess: tuple[str, ...]
    type: str
    role: str | None
    loc: SourceLoc
    secondary_ips: tuple[ipaddress.IPv4Interface, ...] = ()
    status_up: bool = True
    mode: str = "static"

    @property
    def addresses(self) -> tuple[IPv4Address, ...]:
        """The primary address (if any), then the secondary ones."""
        primary = (self.ip.ip,) if self.ip is not None else ()
        return primary + tuple(s.ip for s in self.secondary_ips)

    @property
    def dynamic_address(self) -> bool:
        """Whether the address is obtained at run time (DHCP, PPPoE), not in the file."""
        return self.mode in ("dhcp", "pppoe")


#: ``external``: a ``config system external-resource`` entry of type address (a threat
#: feed) used as an address; ``dynamic``: ``set type dynamic`` (SDN, FSSO, EMS tags).
#: The content of both is fetched at run time, so a policy that uses one needs
#: ``--assume-unknown`` (``ipsecmc.fortios.references``).
AddressKind = Literal[
    "ipmask", "iprange", "fqdn", "interface-subnet", "geography", "external", "dynamic", "other"
]


@dataclass(frozen=True, slots=True)
class Address:
    """``config firewall address`` entry (or the built-ins ``all`` and ``none``).

    ``contains`` answers ``None`` where the answer depends on something ipsecmc cannot
    know from the file (an FQDN's resolution, a geography database).
    """

    name: str
    kind: AddressKind
    network: IPv4Network | None = None
    start_ip: IPv4Address | None = None
    end_ip: IPv4Address | None = None
    fqdn: str | None = None
    interface: str | None = None
    loc: SourceLoc | None = None
    builtin: bool = False

    def contains(self, ip: IPv4Address) -> bool | None:
        if self.kind in ("ipmask", "interface-subnet") and self.network is not None:
            return ip in self.network
        if self.kind == "iprange" and self.start_ip is not None and self.end_ip is not None:
            return self.start_ip <= ip <= self.end_ip
        return None


@dataclass(frozen=True, slots=True)
class AddressGroup:
    """``config firewall addrgrp`` entry: members minus exclude-members (when exclude is on)."""

    name: str
    members: tuple[str, ...]
    exclude_members: tuple[str, ...]
    loc: SourceLoc


@dataclass(frozen=True, slots=True)
class PortRange:
    """One ``dst[-dst][:src[-src]]`` range of a custom service (domain.md 2.9)."""

    dst_low: int
    dst_high: int
    src_low: int = 1
    src_high: int = 65535

    def matches(self, src_port: int, dst_port: int) -> bool:
        return (
            self.dst_low <= dst_port <= self.dst_high and self.src_low <= src_port <= self.src_high
        )


#: ``OTHER`` covers explicit-proxy protocols (HTTP, FTP, CONNECT, ...): they never match
#: traffic addressed to the FortiGate itself, so ``matches`` is false for them.
ServiceProtocol = Literal["TCP/UDP/SCTP", "ICMP", "ICMP6", "IP", "ALL", "OTHER"]


@dataclass(frozen=True, slots=True)
class Service:
    """``config firewall service custom`` entry or a predefined service."""

    name: str
    protocol: ServiceProtocol
    protocol_number: int = 0
    tcp: tuple[PortRange, ...] = ()
    udp: tuple[PortRange, ...] = ()
    sctp: tuple[PortRange, ...] = ()
    loc: SourceLoc | None = None
    predefined: bool = False

    def matches(self, ip_proto: int, src_port: int, dst_port: int) -> bool:
        """Whether a packet (IP protocol number, ports) is covered by this service."""
        if self.protocol in ("IP", "ALL"):
            return self.protocol_number in (0, ip_proto)
        if self.protocol == "TCP/UDP/SCTP":
            ranges = {6: self.tcp, 17: self.udp, 132: self.sctp}.get(ip_proto, ())
            return any(r.matches(src_port, dst_port) for r in ranges)
        if self.protocol == "ICMP":
            return ip_proto == 1
        return False


@dataclass(frozen=True, slots=True)
class ServiceGroup:
    """``config firewall service group`` entry."""

    name: str
    members: tuple[str, ...]
    loc: SourceLoc


@dataclass(frozen=True, slots=True)
class Schedule:
    """A schedule; ``always`` is the built-in one. Others are kept as named windows.

    ipsecmc treats a non-``always`` schedule as possibly active or inactive at any time
    (the model does not know the wall clock); see ``ipsecmc.model.localin``.
    """

    name: str
    kind: Literal["always", "recurring", "onetime"]
    loc: SourceLoc | None = None
    builtin: bool = False


@dataclass(frozen=True, slots=True)
class Zone:
    """``config system zone`` entry: a local-in ``intf`` may name a zone (domain.md 2.2)."""

    name: str
    interfaces: tuple[str, ...]
    loc: SourceLoc


@dataclass(frozen=True, slots=True)
class LocalInPolicy:
    """``config firewall local-in-policy`` entry (domain.md 2.1). Order = table order."""

    policyid: int
    intf: tuple[str, ...]
    srcaddr: tuple[str, ...]
    dstaddr: tuple[str, ...]
    srcaddr_negate: bool
    dstaddr_negate: bool
    service: tuple[str, ...]
    service_negate: bool
    schedule: str
    status: bool
    action: Action
    comments: str
    loc: SourceLoc
    field_locs: FieldLocs = ()
    #: ``set internet-service-src enable`` (7.6+): the source is matched against the
    #: Internet Service Database instead of srcaddr; ipsecmc treats the match as unknown
    internet_service_src: bool = False

    def where(self, field_name: str) -> SourceLoc:
        """The ``set`` line of ``field_name``, or the ``edit`` line if it was defaulted."""
        return _field_loc(self.field_locs, field_name, self.loc)


@dataclass(frozen=True, slots=True)
class Phase1:
    """``config vpn ipsec phase1-interface`` entry (domain.md section 1)."""

    name: str
    interface: str
    type: str
    remote_gw: IPv4Address | None
    local_gw: IPv4Address | None
    ike_version: int
    proposal: tuple[str, ...]
    dhgrp: tuple[int, ...]
    dpd: DpdMode
    dpd_retrycount: int
    dpd_retryinterval: int
    keylife: int
    nattraversal: str
    auto_negotiate: bool
    peertype: str
    net_device: bool
    mode: str
    psk_present: bool
    loc: SourceLoc
    field_locs: FieldLocs = ()

    def where(self, field_name: str) -> SourceLoc:
        return _field_loc(self.field_locs, field_name, self.loc)


@dataclass(frozen=True, slots=True)
class Phase2:
    """``config vpn ipsec phase2-interface`` entry."""

    name: str
    phase1name: str
    proposal: tuple[str, ...]
    keylifeseconds: int
    auto_negotiate: bool
    keepalive: bool
    src_subnet: IPv4Network | None
    dst_subnet: IPv4Network | None
    src_name: str | None
    dst_name: str | None
    loc: SourceLoc
    field_locs: FieldLocs = ()

    def where(self, field_name: str) -> SourceLoc:
        return _field_loc(self.field_locs, field_name, self.loc)


@dataclass(frozen=True, slots=True)
class SessionTtlPort:
    """``config system session-ttl / config port`` entry."""

    protocol: int
    start_port: int
    end_port: int
    timeout: int | None  # None = never
    loc: SourceLoc


@dataclass(frozen=True)
class GatewayConfig:
    """One gateway (one VDOM) as the model needs it.

    ``skipped_sections`` lists the ``config`` paths the reader did not interpret
    (they cannot change a verdict), with their counts, for ``--verbose`` and JSON.
    """

    path: str
    hostname: str
    vdom: str | None
    interfaces: tuple[Interface, ...]
    addresses: tuple[Address, ...]
    address_groups: tuple[AddressGroup, ...]
    services: tuple[Service, ...]
    service_groups: tuple[ServiceGroup, ...]
    schedules: tuple[Schedule, ...]
    local_in_policies: tuple[LocalInPolicy, ...]
    phase1s: tuple[Phase1, ...]
    phase2s: tuple[Phase2, ...]
    udp_idle_timer: int
    session_ttl_default: int
    session_ttl_ports: tuple[SessionTtlPort, ...]
    skipped_sections: tuple[tuple[str, int], ...] = ()
    header: Mapping[str, str] = field(default_factory=dict)
    zones: tuple[Zone, ...] = ()
    #: ``("<section>.<field>", count)`` for ``set`` lines the reader read past because the
    #: field cannot change a verdict (comments, wizard-type, ...).
    ignored_fields: tuple[tuple[str, int], ...] = ()
    #: repairs, read-past references and assumptions of the reader (see :class:`ReadNote`)
    notes: tuple[ReadNote, ...] = ()

    @cached_property
    def zone_by_name(self) -> dict[str, Zone]:
        return {z.name: z for z in self.zones}

    @cached_property
    def address_by_name(self) -> dict[str, Address]:
        return {a.name: a for a in self.addresses}

    @cached_property
    def group_by_name(self) -> dict[str, AddressGroup]:
        return {g.name: g for g in self.address_groups}

    @cached_property
    def service_by_name(self) -> dict[str, Service]:
        return {s.name: s for s in self.services}

    @cached_property
    def service_group_by_name(self) -> dict[str, ServiceGroup]:
        return {g.name: g for g in self.service_groups}

    @cached_property
    def schedule_by_name(self) -> dict[str, Schedule]:
        return {s.name: s for s in self.schedules}

    @cached_property
    def interface_by_name(self) -> dict[str, Interface]:
        return {i.name: i for i in self.interfaces}

    def udp_session_ttl(self, port: int) -> int | None:
        """Idle timeout of a UDP session to ``port`` (domain.md 3.1/3.2).

        A ``session-ttl`` port entry for UDP (protocol 17) covering the port wins;
        otherwise ``udp-idle-timer`` (default 180 s). ``None`` means ``never``.
        """
        for entry in self.session_ttl_ports:
            if entry.protocol == 17 and entry.start_port <= port <= entry.end_port:
                return entry.timeout
        return self.udp_idle_timer

    def phase2s_of(self, phase1name: str) -> tuple[Phase2, ...]:
        return tuple(p for p in self.phase2s if p.phase1name == phase1name)
