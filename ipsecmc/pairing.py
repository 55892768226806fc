"""Pair strongSwan connections with each other and with FortiGate phase1s (mixed pairs).

FortiGates pair among themselves first (``ipsecmc.fortios.topology.pair``); then every
swanctl connection looks for its peer among the strongSwan connections of other hosts
and the FortiGate phase1s left without a peer. The rule is FortiOS's, in both vendors'
words: an end *aims at* the address it initiates to (``remote-gw``; the first single
address of ``remote_addrs``) and *answers on* its own addresses (the phase1's local-gw
or interface addresses; the single addresses of ``local_addrs``). Two ends pair when
each aims at an address the other answers on. An end that aims nowhere (a FortiOS
``type dynamic`` hub; a connection with ``remote_addrs = %any``, a responder) pairs with
every end that aims at it and whose own address is known. An end whose own address is
unknown (no interface address; ``local_addrs = %any``) is assumed to own the address
the other aims at, and the assumption is reported, as FortiOS pairing does.

A static end with several possible peers is an error naming them; direct matches win
over assumed ones.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial

from ipsecmc.errors import ConfigError, SourceLoc
from ipsecmc.fortios.topology import (
    end_addresses,
    gateway_label,
    may_infer,
    unpaired_prefix,
    why_no_tunnel,
)
from ipsecmc.fortios.topology_types import End, Scenario, Tunnel, TunnelEnd, end_key
from ipsecmc.strongswan.host import SwanEnd, SwanHost
from ipsecmc.strongswan.params import mapping_notes

IPv4Address = ipaddress.IPv4Address


@dataclass(frozen=True)
class _Side:
    """One end that may pair: where it answers and aims, and how to build it."""

    label: str  # "gateway/name", for messages
    owner: str  # the gateway or host it belongs to (never pairs within one)
    own: tuple[IPv4Address, ...]
    inferable: bool  # its own address is unknown and may be assumed
    aims: IPv4Address | None  # None: it aims nowhere (dial-up hub, responder)
    loc: SourceLoc
    make: Callable[[IPv4Address, bool], End]
    fortios: tuple[str, str] | None = None  # (owner, phase1 name) of a FortiOS side

    def reaches(self, other: _Side) -> str | None:
        """How this side reaches ``other``: direct, inferred, dynamic, or not at all."""
        if self.aims is None:
            return "dynamic" if other.own and other.aims is not None else None
        if self.aims in other.own:
            return "direct"
        if not other.own and other.inferable and other.aims != self.aims:
            return "inferred"
        return None


def _fortios_sides(scenario: Scenario) -> list[_Side]:
    """The FortiGate phase1s that may still pair: static ones without a peer, and hubs."""
    used = {
        (end.gateway.path, end.gateway.vdom, end.phase1.name)
        for t in scenario.tunnels
        for end in (t.a, t.b)
        if isinstance(end, TunnelEnd)
    }
    sides: list[_Side] = []
    for gw in scenario.gateways:
        for p in gw.phase1s:
            dynamic = p.type == "dynamic"
            if why_no_tunnel(gw, p) is not None:
                continue
            if not dynamic and ((gw.path, gw.vdom, p.name) in used or p.remote_gw is None):
                continue
            sides.append(
                _Side(
                    f"{gateway_label(gw)}/{p.name}",
                    f"fortios:{gw.path}:{gw.vdom}",
                    end_addresses(gw, p),
                    may_infer(gw, p),
                    None if dynamic else p.remote_gw,
                    p.loc,
                    partial(TunnelEnd, gw, p, gw.phase2s_of(p.name)),
                    (gateway_label(gw), p.name),
                )
            )
    return sides


def _swan_sides(host: SwanHost) -> list[_Side]:
    sides: list[_Side] = []
    for conn in host.connections:
        if not conn.children:
            continue
        sides.append(
            _Side(
                f"{host.hostname}/{conn.name}",
                f"strongswan:{host.path}",
                conn.local_ips,
                not conn.local_ips and "%any" in conn.local_addrs,
                conn.remote_ip,
                conn.loc,
                partial(SwanEnd, host, conn),
            )
        )
    return sides


@dataclass(frozen=True)
class _Match:
    x: _Side
    y: _Side
    fwd: str  # how x reaches y
    back: str

    @property
    def direct(self) -> bool:
        return "inferred" not in (self.fwd, self.back)


def _matches(swan: Sequence[_Side], others: Sequence[_Side]) -> list[_Match]:
    found: list[_Match] = []
    for k, x in enumerate(swan):
        for y in [*swan[k + 1 :], *others]:
            if x.owner == y.owner or (x.aims is None and y.aims is None):
                continue
            fwd, back = x.reaches(y), y.reaches(x)
            if fwd is not None and back is not None:
                found.append(_Match(x, y, fwd, back))
    return found


def _select(matches: list[_Match]) -> list[_Match]:
    """Keep each static side's one peer (direct matches win); several: an error."""
    by_side: dict[tuple[str, SourceLoc], tuple[_Side, list[_Match]]] = {}
    for m in matches:
        for side in (m.x, m.y):
            if side.aims is not None:
                by_side.setdefault((side.label, side.loc), (side, []))[1].append(m)
    dropped: set[int] = set()
    for side, group in by_side.values():
        if len(group) < 2:
            continue
        direct = [m for m in group if m.direct]
        if len(direct) == 1:
            dropped |= {id(m) for m in group if m is not direct[0]}
            continue
        others = sorted({(m.y if m.x is side else m.x).label for m in group})
        raise ConfigError(
            side.loc,
            f"ambiguous pairing: {side.label} (aiming at {side.aims}) could pair with "
            f"{', '.join(others)}; give each a distinct address (local_addrs / local-gw)",
        )
    return [m for m in matches if id(m) not in dropped]


def _end(side: _Side, peer: _Side, how: str) -> tuple[End, str | None]:
    """``side``'s end; ``how`` is how the peer reaches it."""
    address = peer.aims if peer.aims is not None else side.own[0]
    note = None
    if how == "inferred":
        note = (
            f"{side.label}: no address of its own in the input; assumed {address}, the "
            f"address {peer.label} aims at ({peer.loc})"
        )
    return side.make(address, how == "inferred"), note


def pair_hosts(scenario: Scenario, hosts: Sequence[SwanHost]) -> Scenario:
    """``scenario`` (FortiGates paired) with the tunnels of the strongSwan ``hosts``."""
    if not hosts:
        return scenario
    swan = [s for h in hosts for s in _swan_sides(h)]
    chosen = _select(_matches(swan, _fortios_sides(scenario)))
    tunnels = list(scenario.tunnels)
    inferences = list(scenario.inferences)
    warnings = list(scenario.warnings)
    paired_labels: set[str] = set()
    for m in chosen:
        x_end, x_note = _end(m.x, m.y, m.back)
        y_end, y_note = _end(m.y, m.x, m.fwd)
        a, b = sorted((x_end, y_end), key=end_key)
        tunnels.append(Tunnel(a, b))
        inferences.extend(n for n in (x_note, y_note) if n is not None and n not in inferences)
        paired_labels |= {m.x.label, m.y.label}
    for host in hosts:
        for note in host.notes:
            if str(note) not in inferences:
                inferences.append(str(note))
            if note.severity == "warning" and str(note) not in warnings:
                warnings.append(str(note))
        for conn in host.connections:
            if f"{host.hostname}/{conn.name}" not in paired_labels:
                continue
            for note in mapping_notes(conn, host.swanctl.retransmission.giveup()):
                if str(note) not in warnings:
                    warnings.append(str(note))
                    inferences.append(str(note))
    fortios_paired = {s.fortios for m in chosen for s in (m.x, m.y) if s.fortios is not None}
    unpaired = [
        u
        for u in scenario.unpaired
        if not any(
            u.startswith(unpaired_prefix(gw, p))
            for gw in scenario.gateways
            for p in gw.phase1s
            if (gateway_label(gw), p.name) in fortios_paired
        )
    ]
    for side in swan:
        if side.label not in paired_labels:
            why = (
                "remote_addrs names no single address and no peer among the inputs aims at it"
                if side.aims is None
                else "no peer among the inputs points back at it"
            )
            unpaired.append(f"{side.label} ({side.loc}): {why}")
    for host in hosts:
        for conn in host.connections:
            if not conn.children:
                unpaired.append(
                    f"{host.hostname}/{conn.name} ({conn.loc}): it has no children, so it "
                    "carries no IPsec SA (a template, or an IKE-only connection)"
                )
    tunnels.sort(key=lambda t: (end_key(t.a), end_key(t.b)))
    return replace(
        scenario,
        tunnels=tuple(tunnels),
        inferences=tuple(inferences),
        unpaired=tuple(unpaired),
        warnings=tuple(warnings),
        read_notes=tuple(scenario.read_notes) + tuple(str(n) for h in hosts for n in h.notes),
        hosts=tuple(hosts),
    )
