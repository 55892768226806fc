"""Which config objects to blame for a local-in drop, besides the policy that dropped it.

The policy that drops the peer's IKE is often not the one that is wrong. A table like
seed-fixed's has an accept policy meant for exactly that packet (tunnel interface,
service IKE, placed before the deny), and it misses because an address object it names
does not hold the peer's address: a typo in a subnet, the wrong object picked in the GUI.
Pointing only at the deny sends the engineer to the wrong line.

How it is decided (a counterfactual, with the same first-match lookup as the model,
``ipsecmc.fortios.localin.evaluate``): for each enabled accept policy placed before the dropping
one, replace its ``srcaddr`` by ``all`` (then its ``dstaddr``, then both); if the lookup
for the peer's new IKE packet then certainly ends at that policy with accept, the address
objects named in the replaced field(s) are suspects: the policy would have admitted the
peer had they held the address. Negated address fields are left alone (widening them
would mean something else). Nothing here changes a verdict; it only says where to look.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ipsecmc.errors import SourceLoc
from ipsecmc.fortios.config import Action, GatewayConfig, IPv4Address, LocalInPolicy
from ipsecmc.fortios.localin import LocalInDecision, evaluate
from ipsecmc.fortios.topology_types import End, Tunnel, TunnelEnd
from ipsecmc.trace import Trace, TraceEvent, lead_drops

IKE_PORT = 500
UDP = 17
_FIELDS: tuple[tuple[str, ...], ...] = (("srcaddr",), ("dstaddr",), ("srcaddr", "dstaddr"))


@dataclass(frozen=True, slots=True)
class Suspect:
    """An address object named by ``field`` of accept policy ``policy_id`` on ``gateway``
    that does not contain ``missing`` (``whose`` address it is, in words)."""

    gateway: str
    policy_id: int
    policy_loc: SourceLoc  # the policy's ``set srcaddr``/``set dstaddr`` line
    field: str
    name: str
    loc: SourceLoc | None  # the object's definition (``edit "NAME"``), None if built in
    holds: str  # what the object holds, in words
    missing: IPv4Address
    whose: str

    def sentence(self, short: bool = True, what: str = "them") -> str:
        """One clause for the explanation paragraph (``what``: the dropped packets)."""
        where = _where(self.loc, short)
        return (
            f"{self.gateway}'s local-in policy {self.policy_id}"
            f"{_where(self.policy_loc, short)} would accept {what}, but its {self.field} "
            f"'{self.name}'{where} holds {self.holds}, not {self.whose} {self.missing}"
        )


def _where(loc: SourceLoc | None, short: bool) -> str:
    """`` (site2.conf:43)`` (short, for the paragraph) or the full ``file:line:col``."""
    if loc is None:
        return ""
    return f" ({Path(loc.file).name}:{loc.line})" if short else f" ({loc})"


def _holds(gw: GatewayConfig, name: str) -> tuple[str, SourceLoc | None]:
    """What address object or group ``name`` holds, in words, and where it is defined."""
    addr = gw.address_by_name.get(name)
    if addr is not None:
        if addr.network is not None:
            what = str(addr.network)
        elif addr.start_ip is not None:
            what = f"{addr.start_ip}-{addr.end_ip}"
        else:
            what = addr.fqdn or addr.kind
        return what, addr.loc
    group = gw.group_by_name.get(name)
    if group is not None:
        return f"the group {', '.join(group.members)}", group.loc
    return "", None


def _widened(policy: LocalInPolicy, fields: tuple[str, ...]) -> LocalInPolicy:
    """``policy`` with the address ``fields`` set to ``all``."""
    src = ("all",) if "srcaddr" in fields else policy.srcaddr
    dst = ("all",) if "dstaddr" in fields else policy.dstaddr
    return replace(policy, srcaddr=src, dstaddr=dst)


def _lookup(gw: GatewayConfig, end: TunnelEnd, peer: End) -> LocalInDecision:
    """The local-in lookup on ``gw`` (``end``'s table, maybe changed) for ``peer``'s new
    IKE packet, as the model does it (``ipsecmc.fortios.admission``)."""
    return evaluate(gw, end.phase1.interface, peer.address, end.address, UDP, IKE_PORT, IKE_PORT)


def _drops(gw: GatewayConfig, end: TunnelEnd, peer: End, dropped_by: int) -> bool:
    """Whether the file's own table can drop the packet with policy ``dropped_by``."""
    return any(
        o.action is Action.DENY and (o.policy.policyid if o.policy else 0) == dropped_by
        for o in _lookup(gw, end, peer).outcomes
    )


def suspects(end: TunnelEnd, peer: End, dropped_by: int) -> tuple[Suspect, ...]:
    """The address objects to blame for ``end`` dropping ``peer``'s new IKE with policy
    ``dropped_by`` (module doc); empty when no accept policy before it nearly matched."""
    gw = end.gateway
    table = gw.local_in_policies
    if not _drops(gw, end, peer, dropped_by):
        return ()  # the drop rests on something the file does not say (--assume-unknown)
    position = next((k for k, p in enumerate(table) if p.policyid == dropped_by), len(table))
    wanted = {
        "srcaddr": (peer.address, f"{peer.name}'s address"),
        "dstaddr": (end.address, f"{end.name}'s own address"),
    }
    out: list[Suspect] = []
    for k, policy in enumerate(table[:position]):
        if policy.action is not Action.ACCEPT or not policy.status:
            continue
        for fields in _FIELDS:
            if any(
                getattr(policy, f + "_negate") or getattr(policy, f) == ("all",) for f in fields
            ):
                continue
            trial = replace(
                gw, local_in_policies=(*table[:k], _widened(policy, fields), *table[k + 1 :])
            )
            decision = _lookup(trial, end, peer)
            decider = decision.policy  # None unless the outcome is certain
            if (
                decision.action is Action.ACCEPT
                and decider is not None
                and decider.policyid == policy.policyid
            ):
                for f in fields:
                    ip, whose = wanted[f]
                    for name in getattr(policy, f):
                        holds, loc = _holds(gw, name)
                        if loc is None:  # built in, or not defined in the file
                            continue
                        out.append(
                            Suspect(
                                gw.hostname,
                                policy.policyid,
                                policy.where(f),
                                f,
                                name,
                                loc,
                                holds,
                                ip,
                                whose,
                            )
                        )
                break
    return tuple(out)


def first_drop(trace: Trace) -> TraceEvent | None:
    """The drop a report leads with: the first one after the tunnel came up (a drop
    before that did not stop it coming up), else the first at all."""
    lead = lead_drops(trace.events)
    return trace.events[lead[0]] if lead else None


def suspects_in(tunnel: Tunnel, trace: Trace | None) -> tuple[Suspect, ...]:
    """The suspects of the drop a report of ``trace`` leads with (``first_drop``)."""
    ev = None if trace is None else first_drop(trace)
    if ev is None or ev.note.dropped_by is None:
        return ()
    end, peer = (tunnel.a, tunnel.b) if tunnel.a.name == ev.gateway else (tunnel.b, tunnel.a)
    if not isinstance(end, TunnelEnd):  # suspects are FortiOS address objects
        return ()
    return suspects(end, peer, ev.note.dropped_by)


def suspect_dicts(found: Sequence[Suspect]) -> list[dict[str, object]]:
    """JSON view (``"suspects"`` of a result)."""
    return [
        {
            "gateway": s.gateway,
            "policy": s.policy_id,
            "policy_loc": _loc_dict(s.policy_loc),
            "field": s.field,
            "name": s.name,
            "loc": None if s.loc is None else _loc_dict(s.loc),
            "holds": s.holds,
            "missing": str(s.missing),
            "text": s.sentence(short=False, what="the dropped IKE packets"),
        }
        for s in found
    ]


def _loc_dict(loc: SourceLoc) -> dict[str, object]:
    return {"file": loc.file, "line": loc.line, "column": loc.column}
