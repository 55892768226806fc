"""FortiOS syntax tree -> vendor-neutral :class:`GatewayConfig` (one per VDOM with VPN).

What is read (every field the model or lint can use), and why the rest is not:

* ``system interface``, ``system zone``, ``system global`` (hostname, udp-idle-timer),
  ``system session-ttl``; ``firewall address``/``addrgrp``/``service custom``/``service
  group``/``schedule onetime|recurring|group``/``local-in-policy``; ``vpn ipsec
  phase1-interface``/``phase2-interface``.
* Any other ``config`` section cannot change a verdict: it is skipped and counted in
  ``skipped_sections`` (count = entries plus plain settings in it).
* Inside a known section, ``set`` lines for fields that do not matter (comments,
  wizard-type, ...) are counted in ``ignored_fields``; a bad value in a field that
  matters raises :class:`ConfigError` at the value's file:line:col.
* Omitted fields get their FortiOS default from ``ipsecmc.fortios.defaults.DEFAULTS``.
* ``psksecret``: only ``psk_present`` is kept; the parser already replaced the value.
* References to undefined objects raise :class:`ConfigError` unless ``allow_undefined``
  or the object holding them is used by no tunnel and no local-in policy (a warning
  note, ``ipsecmc.fortios.references.split_references``).
"""

from __future__ import annotations

import ipaddress
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from ipsecmc.errors import ConfigError, SourceLoc
from ipsecmc.fortios import defaults as D
from ipsecmc.fortios.config import (
    Action,
    Address,
    AddressGroup,
    AddressKind,
    FieldLocs,
    GatewayConfig,
    Interface,
    IPv4Address,
    IPv4Network,
    LocalInPolicy,
    Phase1,
    Phase2,
    PortRange,
    ReadNote,
    Schedule,
    Service,
    ServiceGroup,
    ServiceProtocol,
    SessionTtlPort,
    Zone,
)
from ipsecmc.fortios.lexer import Secrets
from ipsecmc.fortios.parser import Block, Document, Entry, Setting, Value, parse
from ipsecmc.fortios.references import UndefinedRef, group_cycle, split_references
from ipsecmc.model.params import DpdMode

T = TypeVar("T")

#: Known sections and the fields that matter in each (others are counted as ignored).
KNOWN_FIELDS: dict[str, frozenset[str]] = {
    "system interface": frozenset(
        {"ip", "vdom", "allowaccess", "type", "role", "status", "mode", "secondary-IP"}
    ),
    "system interface secondaryip": frozenset({"ip", "allowaccess"}),
    "system zone": frozenset({"interface"}),
    "system global": frozenset({"hostname", "udp-idle-timer"}),
    "system session-ttl": frozenset({"default"}),
    "system session-ttl port": frozenset({"protocol", "start-port", "end-port", "timeout"}),
    "firewall address": frozenset(
        {"type", "subnet", "start-ip", "end-ip", "fqdn", "interface", "country"}
    ),
    "firewall addrgrp": frozenset({"member", "exclude", "exclude-member"}),
    "firewall service custom": frozenset(
        {"protocol", "protocol-number", "tcp-portrange", "udp-portrange", "sctp-portrange"}
    ),
    "firewall service group": frozenset({"member"}),
    "firewall schedule recurring": frozenset(),
    "firewall schedule onetime": frozenset(),
    "firewall schedule group": frozenset(),
    "firewall local-in-policy": frozenset(
        {
            "intf",
            "srcaddr",
            "dstaddr",
            "srcaddr-negate",
            "dstaddr-negate",
            "service",
            "service-negate",
            "schedule",
            "status",
            "action",
            "comments",
            "internet-service-src",
        }
    ),
    "system external-resource": frozenset({"type", "resource"}),
    "vpn ipsec phase1-interface": frozenset(
        {
            "interface",
            "type",
            "remote-gw",
            "local-gw",
            "ike-version",
            "proposal",
            "dhgrp",
            "dpd",
            "dpd-retrycount",
            "dpd-retryinterval",
            "keylife",
            "nattraversal",
            "auto-negotiate",
            "peertype",
            "net-device",
            "mode",
            "psksecret",
            "ip-version",
        }
    ),
    "vpn ipsec phase2-interface": frozenset(
        {
            "phase1name",
            "proposal",
            "keylifeseconds",
            "auto-negotiate",
            "keepalive",
            "src-addr-type",
            "dst-addr-type",
            "src-subnet",
            "dst-subnet",
            "src-name",
            "dst-name",
            "src-start-ip",
            "dst-start-ip",
        }
    ),
}

_ATTR_NAMES = {
    "remote-gw": "remote_gw",
    "local-gw": "local_gw",
    "ike-version": "ike_version",
    "dpd-retrycount": "dpd_retrycount",
    "dpd-retryinterval": "dpd_retryinterval",
    "auto-negotiate": "auto_negotiate",
    "net-device": "net_device",
    "psksecret": "psk_present",
    "src-subnet": "src_subnet",
    "dst-subnet": "dst_subnet",
    "src-name": "src_name",
    "dst-name": "dst_name",
    "srcaddr-negate": "srcaddr_negate",
    "dstaddr-negate": "dstaddr_negate",
    "service-negate": "service_negate",
}


@dataclass
class _Ctx:
    """Per-gateway state while resolving: where to report, what was ignored."""

    secrets: Secrets
    ignored: Counter[str] = field(default_factory=Counter)
    notes: list[ReadNote] = field(default_factory=list)
    #: the FortiOS release of ``#config-version`` (None: 7.x defaults assumed)
    release: D.Release | None = None

    def show(self, text: str) -> str:
        return self.secrets.show(text)


class _Fields:
    """The settings of one entry, with defaults, conversions and ``field_locs``."""

    def __init__(self, ctx: _Ctx, section: str, node: Entry | Block, what: str) -> None:
        self.ctx = ctx
        self.section = section
        self.node = node
        self.what = what
        known = KNOWN_FIELDS[section]
        for s in node.settings:
            if s.name not in known:
                ctx.ignored[f"{section}.{s.name}"] += 1

    @property
    def key(self) -> Value:
        """The ``edit`` key of the entry (a block has none: its path is used)."""
        node = self.node
        return node.key if isinstance(node, Entry) else Value(node.name, False, node.loc)

    def node_key(self) -> str:
        return self.key.text

    def explicit(self, name: str) -> Setting | None:
        return self.node.setting(name)

    def values(self, name: str) -> tuple[Value, ...]:
        s = self.node.setting(name)
        if s is not None:
            return s.values
        try:
            d = D.default(self.section, name, self.ctx.release)
        except KeyError:
            return ()
        return tuple(Value(v, False, self.node.loc) for v in d.value)

    def loc(self, name: str) -> SourceLoc:
        s = self.node.setting(name)
        return s.loc if s is not None else self.node.loc

    def field_locs(self) -> FieldLocs:
        out: list[tuple[str, SourceLoc]] = []
        for s in self.node.settings:
            out.append((s.name, s.loc))
            if s.name in _ATTR_NAMES:
                out.append((_ATTR_NAMES[s.name], s.loc))
        return tuple(out)

    def error(self, name: str, message: str, value: Value | None = None) -> ConfigError:
        loc = value.loc if value is not None else self.loc(name)
        return ConfigError(loc, f"{self.what}: {message}")

    def one(self, name: str, required: bool = False) -> Value | None:
        vals = self.values(name)
        if not vals:
            if required:
                raise ConfigError(
                    self.node.loc, f"{self.what}: expected 'set {name} <value>', found none"
                )
            return None
        if len(vals) != 1:
            raise self.error(name, f"expected one value for '{name}', found {len(vals)}", vals[1])
        return vals[0]

    def text(self, name: str, default: str = "") -> str:
        v = self.one(name)
        return v.text if v is not None else default

    def texts(self, name: str) -> tuple[str, ...]:
        return tuple(v.text for v in self.values(name))

    def integer(self, name: str, lo: int, hi: int) -> int:
        v = self.one(name, required=True)
        assert v is not None
        return self.to_int(name, v, lo, hi)

    def to_int(self, name: str, v: Value, lo: int, hi: int) -> int:
        try:
            n = int(v.text, 10)
        except ValueError:
            raise self.error(
                name, f"expected an integer for '{name}', found {self.ctx.show(v.text)}", v
            ) from None
        if not lo <= n <= hi:
            raise self.error(name, f"'{name}' must be between {lo} and {hi}, found {n}", v)
        return n

    def choice(self, name: str, choices: Sequence[str]) -> str:
        v = self.one(name, required=True)
        assert v is not None
        if v.text not in choices:
            raise self.error(
                name,
                f"expected one of {', '.join(choices)} for '{name}', found {self.ctx.show(v.text)}",
                v,
            )
        return v.text

    def flag(self, name: str) -> bool:
        v = self.one(name)
        if v is None:
            return False
        if v.text not in ("enable", "disable"):
            raise self.error(
                name, f"expected enable or disable for '{name}', found {self.ctx.show(v.text)}", v
            )
        return v.text == "enable"

    def ip(self, name: str) -> IPv4Address | None:
        """An IPv4 address; ``0.0.0.0`` (FortiOS for "none") becomes ``None``."""
        v = self.one(name)
        if v is None:
            return None
        addr = self.parse_ip(name, v)
        return None if addr == D.NO_ADDRESS else addr

    def parse_ip(self, name: str, v: Value) -> IPv4Address:
        try:
            return ipaddress.IPv4Address(v.text)
        except ValueError:
            raise self.error(
                name, f"expected an IPv4 address for '{name}', found {self.ctx.show(v.text)}", v
            ) from None

    def ipmask(self, name: str) -> ipaddress.IPv4Interface | None:
        """``a.b.c.d m.m.m.m`` or ``a.b.c.d/len`` (domain.md 4.3); None when absent."""
        vals = self.values(name)
        if not vals:
            return None
        text = "/".join(v.text for v in vals)
        if len(vals) > 2 or ("/" in vals[0].text and len(vals) != 1):
            raise self.error(
                name, f"expected '<ip> <mask>' for '{name}', found {len(vals)} values", vals[0]
            )
        try:
            return ipaddress.IPv4Interface(text)
        except ValueError:
            raise self.error(
                name,
                f"expected '<ip> <mask>' or '<ip>/<len>' for '{name}', "
                f"found {self.ctx.show(' '.join(v.text for v in vals))}",
                vals[0],
            ) from None


def _entries(blocks: Sequence[Block], *path: str) -> tuple[Entry, ...]:
    for b in blocks:
        if b.path == path:
            return b.entries
    return ()


def _block(blocks: Sequence[Block], *path: str) -> Block | None:
    for b in blocks:
        if b.path == path:
            return b
    return None


def _each(
    ctx: _Ctx, section: str, entries: Sequence[Entry], what: str, fn: Callable[[_Fields], T]
) -> tuple[T, ...]:
    return tuple(fn(_Fields(ctx, section, e, f"{what} {ctx.show(e.key.text)}")) for e in entries)


# --- sections ---------------------------------------------------------------------------


def _interface(f: _Fields) -> Interface:
    ip = f.ipmask("ip")
    if ip is not None and ip.ip == D.NO_ADDRESS:
        ip = None
    vdom = f.one("vdom")
    role = f.one("role")
    secondary: list[ipaddress.IPv4Interface] = []
    nested = f.node.block("secondaryip")
    if nested is not None:
        for e in nested.entries:
            sf = _Fields(f.ctx, "system interface secondaryip", e, f"{f.what} secondaryip")
            address = sf.ipmask("ip")
            if address is not None and address.ip != D.NO_ADDRESS:
                secondary.append(address)
    return Interface(
        name=f.node_key(),
        ip=ip,
        vdom=vdom.text if vdom else None,
        allowaccess=f.texts("allowaccess"),
        type=f.text("type", "physical"),
        role=role.text if role else None,
        loc=f.node.loc,
        secondary_ips=tuple(secondary),
        status_up=f.choice("status", ("up", "down")) == "up",
        mode=f.text("mode", "static"),
    )


def _address(f: _Fields) -> Address:
    kind_text = f.text("type", "ipmask")
    name = f.node_key()
    kind: AddressKind
    if kind_text in ("ipmask", "interface-subnet"):
        kind = "ipmask" if kind_text == "ipmask" else "interface-subnet"
        net = f.ipmask("subnet")
        iface = f.one("interface")
        return Address(
            name,
            kind,
            network=net.network if net else IPv4Network("0.0.0.0/0"),
            interface=iface.text if iface else None,
            loc=f.node.loc,
        )
    if kind_text == "iprange":
        start = f.one("start-ip", required=True)
        end = f.one("end-ip", required=True)
        assert start is not None and end is not None
        lo, hi = f.parse_ip("start-ip", start), f.parse_ip("end-ip", end)
        if hi < lo:
            raise f.error("end-ip", "end-ip is below start-ip", end)
        return Address(name, "iprange", start_ip=lo, end_ip=hi, loc=f.node.loc)
    if kind_text == "fqdn":
        return Address(name, "fqdn", fqdn=f.text("fqdn"), loc=f.node.loc)
    if kind_text == "geography":
        return Address(name, "geography", loc=f.node.loc)
    if kind_text == "dynamic":
        return Address(name, "dynamic", loc=f.node.loc)
    return Address(name, "other", loc=f.node.loc)


def _addrgrp(f: _Fields) -> AddressGroup:
    exclude = f.flag("exclude")
    return AddressGroup(
        name=f.node_key(),
        members=f.texts("member"),
        exclude_members=f.texts("exclude-member") if exclude else (),
        loc=f.node.loc,
    )


def _port_ranges(f: _Fields, name: str) -> tuple[PortRange, ...]:
    out: list[PortRange] = []
    for v in f.values(name):
        dst, _, src = v.text.partition(":")

        def bounds(part: str, v: Value = v) -> tuple[int, int]:
            lo_s, _, hi_s = part.partition("-")
            lo = f.to_int(name, Value(lo_s, v.quoted, v.loc), 0, 65535)
            hi = f.to_int(name, Value(hi_s, v.quoted, v.loc), 0, 65535) if hi_s else lo
            if hi < lo:
                raise f.error(name, f"port range {f.ctx.show(part)} is reversed in '{name}'", v)
            return lo, hi

        try:
            dlo, dhi = bounds(dst)
            slo, shi = bounds(src) if src else (1, 65535)
        except ConfigError:
            if not f.ctx.secrets.is_secret(v.text):
                raise
            # the messages above quote a piece of the value: not even a piece of a secret
            raise f.error(
                name,
                f"expected '<port>[-<port>][:<port>[-<port>]]' for '{name}', found "
                f"{f.ctx.show(v.text)}",
                v,
            ) from None
        out.append(PortRange(dlo, dhi, slo, shi))
    return tuple(out)


_PROTOCOLS: dict[str, ServiceProtocol] = {
    "TCP/UDP/SCTP": "TCP/UDP/SCTP",
    "ICMP": "ICMP",
    "ICMP6": "ICMP6",
    "IP": "IP",
    "ALL": "ALL",
}


def _service(f: _Fields) -> Service:
    proto_text = f.text("protocol", "TCP/UDP/SCTP")
    protocol: ServiceProtocol = _PROTOCOLS.get(proto_text, "OTHER")
    number = 0
    if protocol == "IP":
        v = f.one("protocol-number")
        number = f.to_int("protocol-number", v, 0, 255) if v is not None else 0
    return Service(
        name=f.node_key(),
        protocol=protocol,
        protocol_number=number,
        tcp=_port_ranges(f, "tcp-portrange") if protocol == "TCP/UDP/SCTP" else (),
        udp=_port_ranges(f, "udp-portrange") if protocol == "TCP/UDP/SCTP" else (),
        sctp=_port_ranges(f, "sctp-portrange") if protocol == "TCP/UDP/SCTP" else (),
        loc=f.node.loc,
    )


def _service_group(f: _Fields) -> ServiceGroup:
    return ServiceGroup(f.node_key(), f.texts("member"), f.node.loc)


def _zone(f: _Fields) -> Zone:
    return Zone(f.node_key(), f.texts("interface"), f.node.loc)


def _local_in(f: _Fields) -> LocalInPolicy:
    policyid = f.to_int("policyid", f.key, 0, 4294967295)
    comments = f.values("comments")
    return LocalInPolicy(
        policyid=policyid,
        intf=f.texts("intf"),
        srcaddr=f.texts("srcaddr"),
        dstaddr=f.texts("dstaddr"),
        srcaddr_negate=f.flag("srcaddr-negate"),
        dstaddr_negate=f.flag("dstaddr-negate"),
        service=f.texts("service"),
        service_negate=f.flag("service-negate"),
        schedule=f.text("schedule", "always"),
        status=f.flag("status"),
        action=Action(f.choice("action", ("accept", "deny"))),
        comments=" ".join(v.text for v in comments),
        loc=f.node.loc,
        field_locs=f.field_locs(),
        internet_service_src=f.flag("internet-service-src"),
    )


def _phase1(f: _Fields) -> Phase1:
    interface = f.one("interface", required=True)
    assert interface is not None
    retry = f.values("dpd-retryinterval")
    if not retry or len(retry) > 2:
        raise f.error("dpd-retryinterval", "expected 'set dpd-retryinterval <seconds> [<ms>]'")
    seconds = f.to_int("dpd-retryinterval", retry[0], 1, 3600)
    if len(retry) == 2:  # '<s> <ms>' form, unconfirmed (domain.md 1.3): round up to seconds
        ms = f.to_int("dpd-retryinterval", retry[1], 0, 999)
        seconds = math.ceil(seconds + ms / 1000)
    return Phase1(
        name=f.node_key(),
        interface=interface.text,
        type=f.choice("type", ("static", "dynamic", "ddns")),
        remote_gw=f.ip("remote-gw"),
        local_gw=f.ip("local-gw"),
        ike_version=int(f.choice("ike-version", ("1", "2"))),
        proposal=tuple(t.lower() for t in f.texts("proposal")),
        dhgrp=tuple(f.to_int("dhgrp", v, 1, 32) for v in f.values("dhgrp")),
        dpd=DpdMode(f.choice("dpd", tuple(m.value for m in DpdMode))),
        dpd_retrycount=f.integer("dpd-retrycount", 0, 10),
        dpd_retryinterval=seconds,
        keylife=f.integer("keylife", 120, 172800),
        nattraversal=f.choice("nattraversal", ("enable", "disable", "forced")),
        auto_negotiate=f.flag("auto-negotiate"),
        peertype=f.text("peertype", "peer"),
        net_device=f.flag("net-device"),
        mode=f.choice("mode", ("main", "aggressive")),
        psk_present=f.explicit("psksecret") is not None,
        loc=f.node.loc,
        field_locs=f.field_locs(),
    )


def _selector(f: _Fields, side: str) -> tuple[IPv4Network | None, str | None]:
    kind = f.text(f"{side}-addr-type", "subnet")
    if kind == "subnet":
        net = f.ipmask(f"{side}-subnet")
        return (net.network if net else None), None
    if kind == "ip":
        ip = f.ip(f"{side}-start-ip")
        return (IPv4Network(ip) if ip else None), None
    if kind == "name":
        v = f.one(f"{side}-name", required=True)
        assert v is not None
        return None, v.text
    return None, None


def _phase2(f: _Fields) -> Phase2:
    p1 = f.one("phase1name", required=True)
    assert p1 is not None
    src_net, src_name = _selector(f, "src")
    dst_net, dst_name = _selector(f, "dst")
    return Phase2(
        name=f.node_key(),
        phase1name=p1.text,
        proposal=tuple(t.lower() for t in f.texts("proposal")),
        keylifeseconds=f.integer("keylifeseconds", 120, 172800),
        auto_negotiate=f.flag("auto-negotiate"),
        keepalive=f.flag("keepalive"),
        src_subnet=src_net,
        dst_subnet=dst_net,
        src_name=src_name,
        dst_name=dst_name,
        loc=f.node.loc,
        field_locs=f.field_locs(),
    )


def _session_ttl_port(f: _Fields) -> SessionTtlPort:
    protocol = f.integer("protocol", 0, 255)
    start = f.integer("start-port", 0, 65535)
    end = f.to_int("end-port", v, 0, 65535) if (v := f.one("end-port")) else start
    t = f.one("timeout", required=True)
    assert t is not None
    timeout = None if t.text == "never" else f.to_int("timeout", t, 1, 604800)
    return SessionTtlPort(protocol, start, end, timeout, f.node.loc)


def _external_addresses(ctx: _Ctx, resources: Sequence[Entry]) -> tuple[Address, ...]:
    """``system external-resource`` entries of type address: usable as address names.

    Their content is a list fetched from a URL at run time, so they are addresses of
    unknown content (kind ``external``); a policy that uses one must be checked with
    ``--assume-unknown`` (``ipsecmc.fortios.references``).
    """
    out: list[Address] = []
    for e in resources:
        f = _Fields(ctx, "system external-resource", e, f"external resource {ctx.show(e.key.text)}")
        if f.text("type", "category") == "address":
            out.append(Address(e.key.text, "external", loc=e.loc))
    return tuple(out)


def _ipv4_only(
    ctx: _Ctx,
    raw: Sequence[Entry],
    phase1s: tuple[Phase1, ...],
    phase2s: tuple[Phase2, ...],
) -> tuple[tuple[Phase1, ...], tuple[Phase2, ...]]:
    """Leave out IPv6 phase1s (``set ip-version 6``) and their phase2s, with a warning.

    ipsecmc models IKE over IPv4 and ``config firewall local-in-policy``; an IPv6 tunnel
    (remote-gw6, local-in-policy6) is not read as anything else, it is not checked.
    """
    v6: set[str] = set()
    for e in raw:
        ver = e.setting("ip-version")
        if ver is not None and ver.texts == ("6",):
            v6.add(e.key.text)
            ctx.notes.append(
                ReadNote(
                    ver.loc,
                    f"phase1 {ctx.show(e.key.text)} is IPv6 (set ip-version 6), which ipsecmc "
                    "does not model (IKE over IPv6, local-in-policy6): it and its phase2s are "
                    "left out and not checked",
                )
            )
    if not v6:
        return phase1s, phase2s
    return (
        tuple(p for p in phase1s if p.name not in v6),
        tuple(p for p in phase2s if p.phase1name not in v6),
    )


#: Sections ipsecmc does not model although they concern IPsec or local-in traffic; each
#: present one is reported (what is not checked, and what to do) instead of being skipped.
_UNSUPPORTED: dict[tuple[str, ...], str] = {
    ("vpn", "ipsec", "phase1"): "policy-based IPsec ('config vpn ipsec phase1') is not "
    "supported: its tunnels are not checked; route-based tunnels ('phase1-interface') are",
    ("firewall", "local-in-policy6"): "IPv6 local-in policies ('config firewall "
    "local-in-policy6') are not read: they filter IPv6 traffic only, and ipsecmc checks IKE "
    "over IPv4",
}


def _note_unsupported_sections(ctx: _Ctx, blocks: Sequence[Block]) -> None:
    for b in blocks:
        text = _UNSUPPORTED.get(b.path)
        if text is not None and (b.entries or b.settings):
            ctx.notes.append(ReadNote(b.loc, f"{text} ({len(b.entries)} entries)"))


# --- gateways ---------------------------------------------------------------------------

_TOP_KNOWN = frozenset(k for k in KNOWN_FIELDS if k != "system session-ttl port")


@dataclass(frozen=True)
class _Scope:
    """The blocks one gateway sees: global ones plus those of its VDOM."""

    vdom: str | None
    global_blocks: tuple[Block, ...]
    vdom_blocks: tuple[Block, ...]


def _scopes(doc: Document) -> tuple[_Scope, ...]:
    """One scope in plain mode; in VDOM mode one per VDOM holding VPN config (domain.md 4.8)."""
    vdom_block = doc.block("vdom")
    global_block = doc.block("global")
    if vdom_block is None and global_block is None:
        return (_Scope(None, doc.blocks, ()),)
    outside = tuple(b for b in doc.blocks if b.path not in (("vdom",), ("global",)))
    glob = (global_block.blocks if global_block else ()) + outside
    vdoms = vdom_block.entries if vdom_block else ()
    scopes = [_Scope(e.key.text, glob, e.blocks) for e in vdoms]
    with_vpn = [s for s in scopes if _entries(s.vdom_blocks, "vpn", "ipsec", "phase1-interface")]
    if with_vpn:
        return tuple(with_vpn)
    if scopes:
        return (scopes[0],)
    return (_Scope(None, glob, ()),)


def _count_items(b: Block) -> int:
    """Entries plus settings in ``b`` and the blocks nested in it (no recursion limit)."""
    total, todo = 0, [b]
    while todo:
        x = todo.pop()
        total += len(x.entries) + len(x.settings)
        todo.extend(x.blocks)
    return total


def _skipped(blocks: Sequence[Block]) -> tuple[tuple[str, int], ...]:
    counts: Counter[str] = Counter()
    for b in blocks:
        if b.name not in _TOP_KNOWN:
            counts[b.name] += max(1, _count_items(b))
    return tuple(sorted(counts.items()))


def _resolve_scope(doc: Document, scope: _Scope, stem: str) -> GatewayConfig:
    release = D.release_of(dict(doc.header).get("config-version", ""))
    ctx = _Ctx(doc.secrets, release=release)
    ctx.notes.append(
        ReadNote(SourceLoc(doc.filename, 1, 1), D.defaults_note(release), severity="info")
    )
    # In VDOM mode a VDOM section overrides nothing global; look in the VDOM first.
    blocks = scope.vdom_blocks + scope.global_blocks

    def entries(*path: str) -> tuple[Entry, ...]:
        found: list[Entry] = []
        for b in blocks:
            if b.path == path:
                found.extend(b.entries)
        return tuple(found)

    interfaces = _each(
        ctx, "system interface", entries("system", "interface"), "interface", _interface
    )
    if scope.vdom is not None:
        interfaces = tuple(i for i in interfaces if i.vdom in (None, scope.vdom))
    glob = _block(blocks, "system", "global")
    hostname = stem
    udp_idle = int(D.default("system global", "udp-idle-timer").value[0])
    if glob is not None:
        gf = _Fields(ctx, "system global", glob, "system global")
        hostname = gf.text("hostname", stem) or stem
        udp_idle = gf.integer("udp-idle-timer", 1, 86400)
    ttl_default = int(D.default("system session-ttl", "default").value[0])
    ttl_ports: tuple[SessionTtlPort, ...] = ()
    ttl = _block(blocks, "system", "session-ttl")
    if ttl is not None:
        tf = _Fields(ctx, "system session-ttl", ttl, "system session-ttl")
        ttl_default = tf.integer("default", 300, 604800)
        port_block = ttl.block("port")
        if port_block is not None:
            ttl_ports = _each(
                ctx,
                "system session-ttl port",
                port_block.entries,
                "session-ttl port",
                _session_ttl_port,
            )
    user_addrs = _each(ctx, "firewall address", entries("firewall", "address"), "address", _address)
    user_addrs += _external_addresses(ctx, entries("system", "external-resource"))
    user_names = {a.name for a in user_addrs}
    addresses = tuple(a for a in D.BUILTIN_ADDRESSES if a.name not in user_names) + user_addrs
    user_svcs = _each(
        ctx,
        "firewall service custom",
        entries("firewall", "service", "custom"),
        "service",
        _service,
    )
    svc_names = {s.name for s in user_svcs}
    services = tuple(s for s in D.PREDEFINED_SERVICES if s.name not in svc_names) + user_svcs
    schedules: list[Schedule] = list(D.BUILTIN_SCHEDULES)
    for kind in ("recurring", "onetime", "group"):
        for e in entries("firewall", "schedule", kind):
            _Fields(ctx, f"firewall schedule {kind}", e, "schedule")
            schedules.append(
                Schedule(e.key.text, "onetime" if kind == "onetime" else "recurring", e.loc)
            )
    policies = _each(
        ctx,
        "firewall local-in-policy",
        entries("firewall", "local-in-policy"),
        "local-in policy",
        _local_in,
    )
    for pol in policies:
        if pol.internet_service_src:
            ctx.notes.append(
                ReadNote(
                    pol.where("internet-service-src"),
                    f"local-in policy {pol.policyid} matches its source by the Internet Service "
                    "Database (internet-service-src enable), which ipsecmc does not have: "
                    "whether it matches a peer is treated as unknown (it may match or not)",
                )
            )
    phase1s = _each(
        ctx,
        "vpn ipsec phase1-interface",
        entries("vpn", "ipsec", "phase1-interface"),
        "phase1",
        _phase1,
    )
    phase2s = _each(
        ctx,
        "vpn ipsec phase2-interface",
        entries("vpn", "ipsec", "phase2-interface"),
        "phase2",
        _phase2,
    )
    phase1s, phase2s = _ipv4_only(
        ctx, entries("vpn", "ipsec", "phase1-interface"), phase1s, phase2s
    )
    _note_unsupported_sections(ctx, blocks)
    gw = GatewayConfig(
        path=doc.filename,
        hostname=hostname,
        vdom=scope.vdom,
        interfaces=interfaces,
        addresses=addresses,
        address_groups=_each(
            ctx, "firewall addrgrp", entries("firewall", "addrgrp"), "address group", _addrgrp
        ),
        services=services,
        service_groups=_each(
            ctx,
            "firewall service group",
            entries("firewall", "service", "group"),
            "service group",
            _service_group,
        ),
        schedules=tuple(schedules),
        local_in_policies=policies,
        phase1s=phase1s,
        phase2s=phase2s,
        udp_idle_timer=udp_idle,
        session_ttl_default=ttl_default,
        session_ttl_ports=ttl_ports,
        skipped_sections=_skipped(blocks),
        header=dict(doc.header),
        zones=_each(ctx, "system zone", entries("system", "zone"), "zone", _zone),
        ignored_fields=tuple(sorted(ctx.ignored.items())),
        notes=doc.repairs + tuple(ctx.notes),
    )
    return gw


def resolve(
    doc: Document, *, allow_undefined: bool = False, stem: str | None = None
) -> tuple[GatewayConfig, ...]:
    """Resolve a parsed document into one GatewayConfig per VDOM that holds VPN config.

    ``allow_undefined`` keeps references to undefined objects instead of raising
    (``ipsecmc lint`` lists them as findings; ``ipsecmc check --assume-unknown`` then
    refuses, via ``undefined_error``, those the user did not declare unknown).
    """
    name = stem if stem is not None else Path(doc.filename).stem
    gateways = tuple(_with_unused_refs(_resolve_scope(doc, s, name)) for s in _scopes(doc))
    for gw in gateways:
        cycle = group_cycle(gw)
        if cycle is not None:
            raise ConfigError(cycle.loc, cycle.message)
    if not allow_undefined:
        for gw in gateways:
            refs, _ = split_references(gw)
            if refs:
                raise undefined_error(refs[0])
    return gateways


def _with_unused_refs(gw: GatewayConfig) -> GatewayConfig:
    """``gw`` with a warning for each undefined reference held by an object nothing uses."""
    _, unused = split_references(gw)
    notes = tuple(
        ReadNote(
            r.loc,
            f"{r.message}, but no tunnel or local-in policy uses {r.referrer}: read past it "
            f"({r.hint})",
        )
        for r in unused
    )
    return replace(gw, notes=gw.notes + notes) if notes else gw


def undefined_error(ref: UndefinedRef) -> ConfigError:
    """The input error for an undefined reference, at its file:line:col, with the fix.

    An address may instead be declared unknown: ``ipsecmc check --assume-unknown NAME``
    then reports the condition on it under which each property fails
    (``ipsecmc.workflows.unknowns``).
    """
    hint = ref.hint
    if ref.kind == "address":
        hint += f", or check with --assume-unknown {ref.name} to treat it as unknown"
    return ConfigError(ref.loc, f"{ref.message}; {hint}")


def read_text(
    text: str, filename: str, *, allow_undefined: bool = False
) -> tuple[GatewayConfig, ...]:
    """Read FortiOS configuration ``text``; ``filename`` appears in locations and errors."""
    return resolve(parse(text, filename), allow_undefined=allow_undefined)


def read_gateways(path: str | Path, *, allow_undefined: bool = False) -> tuple[GatewayConfig, ...]:
    """Read one FortiOS configuration file (OSError if it cannot be read)."""
    p = Path(path)
    text = p.read_text(encoding="utf-8", errors="replace")
    return read_text(text, str(path), allow_undefined=allow_undefined)
