"""Pair gateways into tunnels: A's phase1 points at B's phase1 and B's points back at A's.

Each phase1 has its own *end addresses*: its ``local-gw`` if set, else the addresses of
its interface (the primary ``ip`` and every ``config secondaryip`` entry). A static
phase1 points at the peer phase1 whose end addresses hold its ``remote-gw``; a pair is
two phase1s on different gateways that point at each other. So 16 tunnels between one
pair of gateways, each with its own ``local-gw``, or two tunnels over port1 and port2,
pair one to one: an address of the peer *gateway* is not enough, it must be the end of
that phase1.

Snippets like the seed article's have no interface addresses; then an address is
*inferred*: if A's remote-gw names an address that is not A's own, and B's phase1 has
no known end address (no IP on its interface, no local-gw) and does not aim at that
same address itself, B's phase1 is assumed to own it, provided the pairing this gives
is unambiguous. Each inference is reported in ``Scenario.inferences``.

A ``type dynamic`` phase1 (a dial-up hub) has no remote-gw; it pairs with every static
phase1 whose remote-gw is one of its end addresses (the interface or local-gw of that
underlay) and whose own address is known (hub-and-spoke; an ADVPN hub with one dial-up
phase1 per underlay pairs each spoke with the phase1 of the underlay it dials). Two
dynamic phase1s never pair. A phase1 whose interface gets its address by DHCP or PPPoE
(and has no local-gw) has no address ipsecmc can know: it is never assumed to own one,
so two DHCP spokes never pair with each other, and it is left unpaired with the reason.
A phase1 on an interface with ``set status down`` carries no tunnel: it is left
unpaired, with the reason.

A phase1 with several possible peers is an error naming the candidates and what would
tell them apart. Phase1s that find no partner are listed in ``Scenario.unpaired``; the
order of tunnels is deterministic (by gateway name, VDOM, file, phase1 name). Notes of
the reader (``GatewayConfig.notes``: repairs, assumptions) are passed on in
``Scenario.inferences`` and, for warnings, ``Scenario.warnings``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ipsecmc.errors import ConfigError, IpsecmcError
from ipsecmc.fortios.config import GatewayConfig, IPv4Address, Phase1
from ipsecmc.fortios.resolver import read_gateways
from ipsecmc.fortios.topology_types import Scenario, Tunnel, TunnelEnd, end_key

Link = Literal["direct", "inferred", "dynamic"]


def gateway_addresses(gw: GatewayConfig) -> frozenset[IPv4Address]:
    """Addresses known to belong to ``gw``: interface IPs (secondary too), local-gws."""
    addrs = {a for i in gw.interfaces for a in i.addresses}
    addrs |= {p.local_gw for p in gw.phase1s if p.local_gw is not None}
    return frozenset(addrs)


def end_addresses(gw: GatewayConfig, p1: Phase1) -> tuple[IPv4Address, ...]:
    """The addresses ``p1`` answers on: its local-gw, else its interface's addresses."""
    if p1.local_gw is not None:
        return (p1.local_gw,)
    iface = gw.interface_by_name.get(p1.interface)
    return iface.addresses if iface is not None else ()


def end_address(gw: GatewayConfig, p1: Phase1) -> IPv4Address | None:
    """The address ``p1`` uses: its local-gw, else the IP of its interface, else unknown."""
    ends = end_addresses(gw, p1)
    return ends[0] if ends else None


def why_no_tunnel(gw: GatewayConfig, p1: Phase1) -> str | None:
    """Why ``p1`` can carry no tunnel ipsecmc can model (interface down, DHCP address)."""
    iface = gw.interface_by_name.get(p1.interface)
    if iface is None:
        return None
    if not iface.status_up:
        return (
            f"its interface '{iface.name}' is set status down ({iface.loc}), so it carries no "
            "tunnel; set status up to check it"
        )
    if p1.local_gw is None and iface.dynamic_address and not iface.addresses:
        return (
            f"its interface '{iface.name}' gets its address by {iface.mode.upper()} "
            f"({iface.loc}), which the file does not hold; set local-gw (or a static ip) to "
            "check it"
        )
    return None


def may_infer(gw: GatewayConfig, p1: Phase1) -> bool:
    """Whether ``p1`` may be assumed to own an address (no known and no run-time one)."""
    return not end_addresses(gw, p1) and why_no_tunnel(gw, p1) is None


def _gw_key(gw: GatewayConfig) -> tuple[str, str, str]:
    return (gw.hostname, gw.vdom or "", gw.path)


def gateway_label(gw: GatewayConfig) -> str:
    return f"{gw.hostname}[{gw.vdom}]" if gw.vdom not in (None, "root") else gw.hostname


def _points_at(
    src_addrs: frozenset[IPv4Address],
    sp: Phase1,
    dst: GatewayConfig,
    dst_addrs: frozenset[IPv4Address],
    dp: Phase1,
) -> Link | None:
    """How ``sp`` (on a gateway owning ``src_addrs``) reaches ``dp`` (on ``dst``), if it does.

    ``dst_addrs`` is kept for the callers' symmetry: only ``dp``'s own end addresses count.
    """
    if why_no_tunnel(dst, dp) is not None:
        return None
    if sp.remote_gw is None:
        if sp.type == "dynamic" and end_address(dst, dp) is not None and dp.remote_gw is not None:
            return "dynamic"
        return None
    if sp.remote_gw in src_addrs:
        return None
    if sp.remote_gw in end_addresses(dst, dp):
        return "direct"
    if may_infer(dst, dp) and dp.remote_gw != sp.remote_gw:
        return "inferred"
    return None


@dataclass(frozen=True)
class _Candidate:
    i: int
    p: Phase1
    j: int
    q: Phase1
    fwd: Link  # how p reaches q
    back: Link  # how q reaches p

    @property
    def direct(self) -> bool:
        return "inferred" not in (self.fwd, self.back)


def _candidates(gws: Sequence[GatewayConfig]) -> list[_Candidate]:
    """Every pair of phase1s on different gateways that point at each other.

    Two dynamic phase1s never pair, so every candidate has a static side ``p``. By
    ``_points_at``, ``p`` reaches only phase1s whose end addresses hold its remote-gw,
    or phase1s whose own address is unknown (inferred). Indexing both sets keeps a hub
    with thousands of spokes near-linear instead of trying every pair of phase1s; each
    pair found is confirmed by ``_points_at`` both ways, and the candidates come out in
    the order of the pairwise loop (gateway i < j, then phase1 order).
    """
    addrs = [gateway_addresses(gw) for gw in gws]
    ends: dict[IPv4Address, list[tuple[int, int]]] = defaultdict(list)
    unknown: list[tuple[int, int]] = []
    for j, gw in enumerate(gws):
        for m, q in enumerate(gw.phase1s):
            for address in end_addresses(gw, q):
                ends[address].append((j, m))
            if may_infer(gw, q):
                unknown.append((j, m))
    found: dict[tuple[int, int, int, int], _Candidate] = {}
    for i, a in enumerate(gws):
        for k, p in enumerate(a.phase1s):
            if p.type == "dynamic" or p.remote_gw is None or p.remote_gw in addrs[i]:
                continue
            for j, m in [*ends.get(p.remote_gw, ()), *unknown]:
                if j == i:
                    continue
                key = (i, k, j, m) if i < j else (j, m, i, k)
                if key not in found:
                    c = _pair_of(gws, addrs, *key)
                    if c is not None:
                        found[key] = c
    return [found[key] for key in sorted(found, key=lambda t: (t[0], t[2], t[1], t[3]))]


def _pair_of(
    gws: Sequence[GatewayConfig],
    addrs: Sequence[frozenset[IPv4Address]],
    i: int,
    k: int,
    j: int,
    m: int,
) -> _Candidate | None:
    """The candidate of phase1 ``k`` of gateway ``i`` and ``m`` of ``j``, if they pair."""
    p, q = gws[i].phase1s[k], gws[j].phase1s[m]
    if p.type == "dynamic" and q.type == "dynamic":
        return None
    fwd = _points_at(addrs[i], p, gws[j], addrs[j], q)
    back = _points_at(addrs[j], q, gws[i], addrs[i], p)
    if fwd is None or back is None:
        return None
    return _Candidate(i, p, j, q, fwd, back)


def _select(gws: Sequence[GatewayConfig], cands: list[_Candidate]) -> list[_Candidate]:
    """Keep candidates whose static phase1s have exactly one partner (direct ones win)."""
    by_end: dict[tuple[int, str], list[_Candidate]] = defaultdict(list)
    for c in cands:
        if c.p.type != "dynamic":
            by_end[(c.i, c.p.name)].append(c)
        if c.q.type != "dynamic":
            by_end[(c.j, c.q.name)].append(c)
    position = {id(c): k for k, c in enumerate(cands)}
    chosen: set[int] = set(range(len(cands)))
    for (gi, name), group in sorted(
        by_end.items(), key=lambda kv: (_gw_key(gws[kv[0][0]]), kv[0][1])
    ):
        if len(group) < 2:
            continue
        direct = [c for c in group if c.direct]
        if len(direct) == 1:
            for c in group:
                if c is not direct[0]:
                    chosen.discard(position[id(c)])
            continue
        p1 = gws[gi].phase1s[[p.name for p in gws[gi].phase1s].index(name)]
        raise _ambiguous(gws, gi, p1, group)
    return [cands[k] for k in sorted(chosen)]


def _describe_end(gw: GatewayConfig, p1: Phase1) -> str:
    """Where ``p1`` answers, in config words: its local-gw, its interface's address(es)."""
    if p1.local_gw is not None:
        return f"local-gw {p1.local_gw}"
    ends = end_addresses(gw, p1)
    if ends:
        return f"interface {p1.interface} {' '.join(str(a) for a in ends)}"
    return f"interface {p1.interface} with no address in the file"


def _ambiguous(
    gws: Sequence[GatewayConfig], gi: int, p1: Phase1, group: Sequence[_Candidate]
) -> ConfigError:
    """The error for a phase1 with several possible peers: who they are, what would help.

    The hint depends on why they cannot be told apart: peers with no address in the file
    need one (interface ip or local-gw); peers that answer on the same address cannot be
    told apart by address at all (FortiOS would use IKE IDs, which ipsecmc does not read).
    """
    others = [(c.j, c.q) if c.i == gi else (c.i, c.p) for c in group]
    listed = ", ".join(
        sorted(f"{gateway_label(gws[j])}/{q.name} ({_describe_end(gws[j], q)})" for j, q in others)
    )
    without = sorted(
        f"{gateway_label(gws[j])}/{q.name}" for j, q in others if not end_addresses(gws[j], q)
    )
    if without:
        hint = (
            f"give {', '.join(without)} its own address (an ip on its interface under "
            "'config system interface', or set local-gw) so that only one answers on "
            f"{p1.remote_gw}"
        )
    else:
        hint = (
            f"they all answer on {p1.remote_gw}, so the address cannot tell them apart: give "
            "each its own local-gw (and point the remote-gw of each peer at it), or check "
            "the tunnels in separate runs"
        )
    mine = "" if p1.remote_gw is None else f" (remote-gw {p1.remote_gw})"
    return ConfigError(
        p1.where("remote-gw"),
        f"ambiguous pairing: phase1 '{p1.name}' of {gateway_label(gws[gi])}{mine} could pair with "
        f"{listed}; {hint}",
    )


def _end(
    gw: GatewayConfig, p: Phase1, peer: GatewayConfig, q: Phase1, back: Link
) -> tuple[TunnelEnd, str | None]:
    """The end of ``gw``; ``back`` is how the peer's phase1 ``q`` reaches ``p``."""
    own = end_address(gw, p)
    address = q.remote_gw if q.remote_gw is not None else own
    assert address is not None
    note = None
    if back == "inferred":
        note = (
            f"{gateway_label(gw)}: phase1 '{p.name}' has no address on interface '{p.interface}'; "
            f"assumed {address}, the remote-gw of {gateway_label(peer)}'s phase1 '{q.name}' "
            f"({q.where('remote-gw')})"
        )
    return TunnelEnd(gw, p, gw.phase2s_of(p.name), address, back == "inferred"), note


def unpaired_prefix(gw: GatewayConfig, p: Phase1) -> str:
    """How ``Scenario.unpaired`` names a phase1, up to the reason."""
    return f"{gateway_label(gw)}/{p.name} ({p.loc}): "


def no_tunnel_error(labels: Sequence[str]) -> ConfigError:
    """The error when the inputs hold no tunnel at all."""
    names = ", ".join(labels) or "no gateways"
    return ConfigError(
        None,
        f"no tunnel found between {names}: a tunnel needs two ends (phase1s or swanctl "
        "connections) whose remote address points at each other's gateway; check remote-gw "
        "/ remote_addrs and the interface addresses / local_addrs",
    )


def pair(gateways: Iterable[GatewayConfig], *, require_tunnel: bool = True) -> Scenario:
    """Find the tunnels between ``gateways`` (see module doc).

    Raises :class:`ConfigError` when a phase1 could pair with several peers, and, with
    ``require_tunnel``, when no tunnel is found at all.
    """
    gws = sorted(gateways, key=_gw_key)
    chosen = _select(gws, _candidates(gws))
    tunnels: list[Tunnel] = []
    inferences: list[str] = []
    paired: set[tuple[int, str]] = set()
    for c in chosen:
        a_end, a_note = _end(gws[c.i], c.p, gws[c.j], c.q, c.back)
        b_end, b_note = _end(gws[c.j], c.q, gws[c.i], c.p, c.fwd)
        tunnels.append(Tunnel(a_end, b_end))
        inferences.extend(n for n in (a_note, b_note) if n is not None and n not in inferences)
        paired.add((c.i, c.p.name))
        paired.add((c.j, c.q.name))
    tunnels.sort(key=lambda t: (end_key(t.a), end_key(t.b)))
    unpaired = tuple(
        unpaired_prefix(gw, p)
        + (why_no_tunnel(gw, p) or "no peer among the inputs points back at it")
        for i, gw in enumerate(gws)
        for p in gw.phase1s
        if (i, p.name) not in paired
    )
    warnings: list[str] = []
    notes: list[str] = []
    for gw in gws:
        for note in gw.notes:
            text = str(note)
            if note.severity == "warning" and text not in warnings:
                warnings.append(text)
            if text not in notes:
                notes.append(text)
    inferences = notes + [i for i in inferences if i not in notes]
    if require_tunnel and not tunnels:
        raise no_tunnel_error([gateway_label(g) for g in gws])
    return Scenario(
        tuple(gws), tuple(tunnels), tuple(inferences), unpaired, tuple(warnings), tuple(notes)
    )


def expand_paths(paths: Iterable[str | Path]) -> tuple[Path, ...]:
    """Files named directly, plus every ``*.conf`` of a folder (sorted); no duplicates."""
    out: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files = sorted(p.glob("*.conf"))
            if not files:
                raise IpsecmcError(f"{p}: folder contains no *.conf files")
        elif p.exists():
            files = [p]
        else:
            raise IpsecmcError(f"{p}: no such file or folder")
        for f in files:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append(f)
    return tuple(out)


def load_gateways(
    paths: Iterable[str | Path], *, allow_undefined: bool = False
) -> tuple[GatewayConfig, ...]:
    """Read every gateway of every file or folder in ``paths``."""
    gws: list[GatewayConfig] = []
    for f in expand_paths(paths):
        gws.extend(read_gateways(f, allow_undefined=allow_undefined))
    return tuple(gws)


def load_scenario(
    paths: Iterable[str | Path], *, allow_undefined: bool = False, require_tunnel: bool = True
) -> Scenario:
    """Read files/folders and pair their gateways (``ipsecmc check``'s front end)."""
    return pair(
        load_gateways(paths, allow_undefined=allow_undefined), require_tunnel=require_tunnel
    )
