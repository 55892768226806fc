"""Gateway configs, scenarios and lint findings as plain JSON-ready dicts (schema version 1).

Deterministic (same input, same output, keys in a fixed order) so that golden files
can pin it. Built-in objects (addresses ``all``/``none``, predefined services, the
``always`` schedule) are left out: every file has them. Secrets never appear: a phase1
shows ``"psksecret": "<redacted>"`` when one is present.
"""

from __future__ import annotations

from typing import Any

from ipsecmc.errors import SourceLoc
from ipsecmc.findings import Finding
from ipsecmc.fortios.config import (
    Address,
    GatewayConfig,
    LocalInPolicy,
    Phase1,
    Phase2,
    PortRange,
    Service,
)
from ipsecmc.fortios.lexer import REDACTED
from ipsecmc.fortios.topology_types import End, Scenario, TunnelEnd

SCHEMA_VERSION = 1

JSON = dict[str, Any]


def loc_str(loc: SourceLoc | None) -> str | None:
    return str(loc) if loc is not None else None


def _lines(field_locs: tuple[tuple[str, SourceLoc], ...]) -> JSON:
    # FortiOS field names only (the python-attribute aliases carry an underscore).
    return {name: str(loc) for name, loc in field_locs if "_" not in name}


def _ranges(rs: tuple[PortRange, ...]) -> list[str]:
    out = []
    for r in rs:
        dst = f"{r.dst_low}" if r.dst_low == r.dst_high else f"{r.dst_low}-{r.dst_high}"
        if (r.src_low, r.src_high) != (1, 65535):
            dst += f":{r.src_low}-{r.src_high}"
        out.append(dst)
    return out


def _address(a: Address) -> JSON:
    d: JSON = {"name": a.name, "kind": a.kind}
    if a.network is not None:
        d["network"] = str(a.network)
    if a.start_ip is not None:
        d["range"] = f"{a.start_ip}-{a.end_ip}"
    if a.fqdn is not None:
        d["fqdn"] = a.fqdn
    if a.interface is not None:
        d["interface"] = a.interface
    d["loc"] = loc_str(a.loc)
    return d


def _service(s: Service) -> JSON:
    d: JSON = {"name": s.name, "protocol": s.protocol}
    if s.protocol == "IP":
        d["protocol_number"] = s.protocol_number
    for key, rs in (("tcp", s.tcp), ("udp", s.udp), ("sctp", s.sctp)):
        if rs:
            d[key] = _ranges(rs)
    d["loc"] = loc_str(s.loc)
    return d


def _policy(p: LocalInPolicy) -> JSON:
    return {
        "policyid": p.policyid,
        "status": p.status,
        "intf": list(p.intf),
        "srcaddr": list(p.srcaddr),
        "srcaddr_negate": p.srcaddr_negate,
        "dstaddr": list(p.dstaddr),
        "dstaddr_negate": p.dstaddr_negate,
        "service": list(p.service),
        "service_negate": p.service_negate,
        "schedule": p.schedule,
        "action": p.action.value,
        "comments": p.comments,
        "loc": str(p.loc),
        "lines": _lines(p.field_locs),
    }


def _phase1(p: Phase1) -> JSON:
    return {
        "name": p.name,
        "interface": p.interface,
        "type": p.type,
        "remote_gw": str(p.remote_gw) if p.remote_gw else None,
        "local_gw": str(p.local_gw) if p.local_gw else None,
        "ike_version": p.ike_version,
        "proposal": list(p.proposal),
        "dhgrp": list(p.dhgrp),
        "dpd": p.dpd.value,
        "dpd_retrycount": p.dpd_retrycount,
        "dpd_retryinterval": p.dpd_retryinterval,
        "keylife": p.keylife,
        "nattraversal": p.nattraversal,
        "auto_negotiate": p.auto_negotiate,
        "peertype": p.peertype,
        "net_device": p.net_device,
        "mode": p.mode,
        "psksecret": REDACTED if p.psk_present else None,
        "loc": str(p.loc),
        "lines": _lines(p.field_locs),
    }


def _phase2(p: Phase2) -> JSON:
    return {
        "name": p.name,
        "phase1name": p.phase1name,
        "proposal": list(p.proposal),
        "keylifeseconds": p.keylifeseconds,
        "auto_negotiate": p.auto_negotiate,
        "keepalive": p.keepalive,
        "src": str(p.src_subnet) if p.src_subnet else p.src_name,
        "dst": str(p.dst_subnet) if p.dst_subnet else p.dst_name,
        "loc": str(p.loc),
        "lines": _lines(p.field_locs),
    }


def gateway_to_dict(gw: GatewayConfig) -> JSON:
    """The normalized form ``ipsecmc parse --format json`` prints for one gateway."""
    return {
        "path": gw.path,
        "hostname": gw.hostname,
        "vdom": gw.vdom,
        "header": dict(gw.header),
        "interfaces": [
            {
                "name": i.name,
                "ip": str(i.ip) if i.ip else None,
                "vdom": i.vdom,
                "allowaccess": list(i.allowaccess),
                "type": i.type,
                "role": i.role,
                "loc": str(i.loc),
            }
            for i in gw.interfaces
        ],
        "zones": [
            {"name": z.name, "interfaces": list(z.interfaces), "loc": str(z.loc)} for z in gw.zones
        ],
        "addresses": [_address(a) for a in gw.addresses if not a.builtin],
        "address_groups": [
            {
                "name": g.name,
                "members": list(g.members),
                "exclude_members": list(g.exclude_members),
                "loc": str(g.loc),
            }
            for g in gw.address_groups
        ],
        "services": [_service(s) for s in gw.services if not s.predefined],
        "service_groups": [
            {"name": g.name, "members": list(g.members), "loc": str(g.loc)}
            for g in gw.service_groups
        ],
        "schedules": [
            {"name": s.name, "kind": s.kind, "loc": loc_str(s.loc)}
            for s in gw.schedules
            if not s.builtin
        ],
        "local_in_policies": [_policy(p) for p in gw.local_in_policies],
        "phase1s": [_phase1(p) for p in gw.phase1s],
        "phase2s": [_phase2(p) for p in gw.phase2s],
        "udp_idle_timer": gw.udp_idle_timer,
        "session_ttl_default": gw.session_ttl_default,
        "session_ttl_ports": [
            {
                "protocol": e.protocol,
                "start_port": e.start_port,
                "end_port": e.end_port,
                "timeout": e.timeout,
                "loc": str(e.loc),
            }
            for e in gw.session_ttl_ports
        ],
        "skipped_sections": dict(gw.skipped_sections),
        "ignored_fields": dict(gw.ignored_fields),
    }


def _end(e: End) -> JSON:
    """One tunnel end; ``vendor`` (added in schema 1) is ``fortios`` or ``strongswan``,
    whose ``phase1`` is the swanctl connection's name."""
    return {
        "gateway": e.name,
        "vdom": e.gateway.vdom if isinstance(e, TunnelEnd) else None,
        "phase1": e.conn_name,
        "address": str(e.address),
        "address_inferred": e.address_inferred,
        "vendor": "fortios" if isinstance(e, TunnelEnd) else "strongswan",
    }


def scenario_to_dict(s: Scenario) -> JSON:
    return {
        "tunnels": [{"name": t.name, "a": _end(t.a), "b": _end(t.b)} for t in s.tunnels],
        "inferences": list(s.inferences),
        "unpaired": list(s.unpaired),
    }


def finding_to_dict(f: Finding) -> JSON:
    return {
        "severity": f.severity,
        "code": f.code,
        "message": f.message,
        "loc": loc_str(f.loc),
        "hint": f.hint,
    }
