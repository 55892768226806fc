"""Pair gateways into tunnels: A's phase1 points at B and B's points back at A.

A phase1 ``remote-gw`` points at gateway B when it is one of B's addresses (interface
IPs, phase1 ``local-gw``s). Snippets like the seed article's have no interface
addresses; then an address is *inferred*: if A's remote-gw names an address that is not
A's own, and B's phase1 has no known address of its own (no IP on its interface, no
local-gw), B is assumed to own it, provided the pairing this gives is unambiguous. Each
inference is reported in ``Scenario.inferences``.

A ``type dynamic`` phase1 (a dial-up hub) has no remote-gw; it pairs with every static
phase1 that points at the hub and whose own address is known (hub-and-spoke). A static
hub with one phase1 per spoke pairs by the rule above.

Phase1s that find no partner are listed in ``Scenario.unpaired``; the order of tunnels
is deterministic (by gateway name, VDOM, file, phase1 name).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ipsecmc.config import GatewayConfig, IPv4Address, Phase1
from ipsecmc.errors import ConfigError, IpsecmcError
from ipsecmc.fortios.resolver import read_gateways
from ipsecmc.topology_types import Scenario, Tunnel, TunnelEnd

Link = Literal["direct", "inferred", "dynamic"]


def gateway_addresses(gw: GatewayConfig) -> frozenset[IPv4Address]:
    """Addresses known to belong to ``gw``: interface IPs and phase1 local-gws."""
    addrs = {i.ip.ip for i in gw.interfaces if i.ip is not None}
    addrs |= {p.local_gw for p in gw.phase1s if p.local_gw is not None}
    return frozenset(addrs)


def end_address(gw: GatewayConfig, p1: Phase1) -> IPv4Address | None:
    """The address ``p1`` uses: its local-gw, else the IP of its interface, else unknown."""
    if p1.local_gw is not None:
        return p1.local_gw
    iface = gw.interface_by_name.get(p1.interface)
    return iface.ip.ip if iface is not None and iface.ip is not None else None


def _gw_key(gw: GatewayConfig) -> tuple[str, str, str]:
    return (gw.hostname, gw.vdom or "", gw.path)


def _label(gw: GatewayConfig) -> str:
    return f"{gw.hostname}[{gw.vdom}]" if gw.vdom not in (None, "root") else gw.hostname


def _points_at(
    src_addrs: frozenset[IPv4Address],
    sp: Phase1,
    dst: GatewayConfig,
    dst_addrs: frozenset[IPv4Address],
    dp: Phase1,
) -> Link | None:
    """How ``sp`` (on a gateway owning ``src_addrs``) reaches ``dp`` (on ``dst``), if it does."""
    if sp.remote_gw is None:
        if sp.type == "dynamic" and end_address(dst, dp) is not None and dp.remote_gw is not None:
            return "dynamic"
        return None
    if sp.remote_gw in src_addrs:
        return None
    if sp.remote_gw in dst_addrs:
        return "direct"
    if end_address(dst, dp) is None:
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
    ``_points_at``, ``p`` reaches only phase1s of the gateway owning its remote-gw or
    phase1s whose own address is unknown; and a phase1 ``q`` of the owner points back at
    ``p`` only if ``q`` is dynamic, its remote-gw is one of ``p``'s gateway's addresses,
    or ``p``'s own address is unknown (inferred). Indexing these sets keeps a hub with
    thousands of spokes near-linear instead of trying every pair of phase1s; each pair
    found is confirmed by ``_points_at`` both ways, and the candidates come out in the
    order of the pairwise loop (gateway i < j, then phase1 order).
    """
    addrs = [gateway_addresses(gw) for gw in gws]
    owners: dict[IPv4Address, list[int]] = defaultdict(list)
    for j, owned in enumerate(addrs):
        for address in owned:
            owners[address].append(j)
    unknown = [
        (j, m)
        for j, gw in enumerate(gws)
        for m, q in enumerate(gw.phase1s)
        if end_address(gw, q) is None
    ]
    # per gateway: its phase1s by remote-gw, and its dynamic ones
    aiming: list[dict[IPv4Address | None, list[int]]] = []
    for gw in gws:
        index: dict[IPv4Address | None, list[int]] = defaultdict(list)
        for m, q in enumerate(gw.phase1s):
            index[None if q.type == "dynamic" else q.remote_gw].append(m)
        aiming.append(index)
    found: dict[tuple[int, int, int, int], _Candidate] = {}
    for i, a in enumerate(gws):
        for k, p in enumerate(a.phase1s):
            if p.type == "dynamic" or p.remote_gw is None or p.remote_gw in addrs[i]:
                continue
            targets = list(unknown)
            for j in owners.get(p.remote_gw, ()):
                if end_address(a, p) is None:  # the back link may be inferred: try all
                    targets += [(j, m) for m in range(len(gws[j].phase1s))]
                else:  # the back link is direct (remote-gw is ours) or dynamic
                    aims = aiming[j]
                    targets += [(j, m) for x in (*addrs[i], None) for m in aims.get(x, ())]
            for j, m in targets:
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
        partners = ", ".join(
            sorted(
                f"{_label(gws[c.j if c.i == gi else c.i])}/{(c.q if c.i == gi else c.p).name}"
                for c in group
            )
        )
        p1 = gws[gi].phase1s[[p.name for p in gws[gi].phase1s].index(name)]
        raise ConfigError(
            p1.where("remote-gw"),
            f"ambiguous pairing: phase1 '{name}' of {_label(gws[gi])} could pair with {partners}; "
            "add interface addresses (config system interface) or local-gw so the peers "
            "can be told apart",
        )
    return [cands[k] for k in sorted(chosen)]


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
            f"{_label(gw)}: phase1 '{p.name}' has no address on interface '{p.interface}'; "
            f"assumed {address}, the remote-gw of {_label(peer)}'s phase1 '{q.name}' "
            f"({q.where('remote-gw')})"
        )
    return TunnelEnd(gw, p, gw.phase2s_of(p.name), address, back == "inferred"), note


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
    tunnels.sort(
        key=lambda t: (_gw_key(t.a.gateway), t.a.phase1.name, _gw_key(t.b.gateway), t.b.phase1.name)
    )
    unpaired = tuple(
        f"{_label(gw)}/{p.name} ({p.loc}): no peer among the inputs points back at it"
        for i, gw in enumerate(gws)
        for p in gw.phase1s
        if (i, p.name) not in paired
    )
    if require_tunnel and not tunnels:
        names = ", ".join(_label(g) for g in gws) or "no gateways"
        raise ConfigError(
            None,
            f"no tunnel found between {names}: a tunnel needs two phase1s whose remote-gw "
            "point at each other's gateway; check remote-gw and the interface addresses",
        )
    return Scenario(tuple(gws), tuple(tunnels), tuple(inferences), unpaired)


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
