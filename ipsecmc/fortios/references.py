"""Find names a gateway refers to but does not define (addresses, services, ...).

Used twice: the reader refuses such a config unless ``allow_undefined`` is given, and
``ipsecmc lint`` lists every one of them as a finding. Keeping the rules here means the
two can never disagree about what "undefined" is.

A reference matters when the object holding it is used by a tunnel or a local-in
policy: a local-in policy, a group reachable from one (or from a phase2 selector), a zone
a policy names, a phase1, a phase2 of a defined phase1. :func:`split_references` sorts
the undefined references into those (an input error) and the rest, which cannot change
a verdict and are reported as warnings (a half-deleted object in a real backup).

Interface names are only checked when the file defines interfaces at all: the seed
article's snippets have no ``config system interface`` and must still be readable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ipsecmc.errors import SourceLoc
from ipsecmc.fortios.config import GatewayConfig

RefKind = Literal["address", "service", "schedule", "interface", "phase1"]

_HINTS: dict[RefKind, str] = {
    "address": "define it under 'config firewall address' or 'config firewall addrgrp', "
    "or fix the name",
    "service": "define it under 'config firewall service custom' or "
    "'config firewall service group', "
    "or fix the name",
    "schedule": "define it under 'config firewall schedule recurring|onetime', or use \"always\"",
    "interface": "use an interface defined under 'config system interface', a zone, or \"any\"",
    "phase1": "set phase1name to the name of an entry of 'config vpn ipsec phase1-interface'",
}


#: Address kinds whose content is not in the file, as the message names them.
_OPAQUE = {
    "external": "an external resource (config system external-resource)",
    "dynamic": "a dynamic address (set type dynamic)",
}


@dataclass(frozen=True, slots=True)
class UndefinedRef:
    """A reference to an object the configuration does not define."""

    kind: RefKind
    name: str
    referrer: str
    loc: SourceLoc
    #: the object holding the reference: ("addrgrp" | "service group" | "zone" |
    #: "phase2" | "policy" | "phase1", its name)
    owner: tuple[str, str] = ("", "")
    #: set when the name is defined but its content is fetched at run time (an external
    #: resource, a ``type dynamic`` address): what it is, for the message
    opaque: str = ""

    @property
    def message(self) -> str:
        if self.opaque:
            return (
                f"{self.referrer} refers to address '{self.name}', {self.opaque} whose content "
                "is fetched at run time and is not in the file"
            )
        return f"{self.referrer} refers to undefined {self.kind} '{self.name}'"

    @property
    def hint(self) -> str:
        if self.opaque:
            return "ipsecmc cannot know which peers it holds"
        return _HINTS[self.kind]


def interface_names(gw: GatewayConfig) -> frozenset[str]:
    """Names an ``intf``/``interface`` field may use: interfaces, zones, tunnel interfaces."""
    return frozenset(
        {"any"}
        | {i.name for i in gw.interfaces}
        | {z.name for z in gw.zones}
        | {p.name for p in gw.phase1s}
    )


def undefined_references(gw: GatewayConfig) -> tuple[UndefinedRef, ...]:
    """Every undefined reference in ``gw``, sorted by source location."""
    opaque = {
        a.name: _OPAQUE[a.kind] + (f" ({a.loc})" if a.loc is not None else "")
        for a in gw.addresses
        if a.kind in _OPAQUE
    }
    addrs = (set(gw.address_by_name) - set(opaque)) | set(gw.group_by_name)
    services = set(gw.service_by_name) | set(gw.service_group_by_name)
    schedules = set(gw.schedule_by_name)
    phase1s = {p.name for p in gw.phase1s}
    check_intf = bool(gw.interfaces)
    intfs = interface_names(gw)
    out: list[UndefinedRef] = []

    owner = ("", "")

    def need(
        kind: RefKind, name: str, known: set[str] | frozenset[str], who: str, loc: SourceLoc
    ) -> None:
        if name not in known:
            why = opaque.get(name, "") if kind == "address" else ""
            out.append(UndefinedRef(kind, name, who, loc, owner, why))

    for g in gw.address_groups:
        owner = ("addrgrp", g.name)
        for m in g.members + g.exclude_members:
            need("address", m, addrs, f"address group '{g.name}'", g.loc)
    for sg in gw.service_groups:
        owner = ("service group", sg.name)
        for m in sg.members:
            need("service", m, services, f"service group '{sg.name}'", sg.loc)
    for pol in gw.local_in_policies:
        owner = ("policy", str(pol.policyid))
        who = f"local-in policy {pol.policyid}"
        for name in pol.srcaddr:
            need("address", name, addrs, who, pol.where("srcaddr"))
        for name in pol.dstaddr:
            need("address", name, addrs, who, pol.where("dstaddr"))
        for name in pol.service:
            need("service", name, services, who, pol.where("service"))
        need("schedule", pol.schedule, schedules, who, pol.where("schedule"))
        if check_intf:
            for name in pol.intf:
                need("interface", name, intfs, who, pol.where("intf"))
    for p1 in gw.phase1s:
        owner = ("phase1", p1.name)
        if check_intf:
            need("interface", p1.interface, intfs, f"phase1 '{p1.name}'", p1.where("interface"))
    for p2 in gw.phase2s:
        owner = ("phase2", p2.name)
        who = f"phase2 '{p2.name}'"
        need("phase1", p2.phase1name, phase1s, who, p2.where("phase1name"))
        if p2.src_name is not None:
            need("address", p2.src_name, addrs, who, p2.where("src-name"))
        if p2.dst_name is not None:
            need("address", p2.dst_name, addrs, who, p2.where("dst-name"))
    if check_intf:
        for z in gw.zones:
            owner = ("zone", z.name)
            for name in z.interfaces:
                need("interface", name, intfs, f"zone '{z.name}'", z.loc)
    out.sort(key=lambda r: (r.loc.file, r.loc.line, r.loc.column, r.name))
    return tuple(out)


def _reachable(roots: set[str], members: dict[str, tuple[str, ...]]) -> set[str]:
    """Every name reachable from ``roots`` through group ``members`` (a work list)."""
    seen = set(roots)
    todo = list(roots)
    while todo:
        for m in members.get(todo.pop(), ()):
            if m not in seen:
                seen.add(m)
                todo.append(m)
    return seen


def used_objects(gw: GatewayConfig) -> frozenset[tuple[str, str]]:
    """The objects (as ``UndefinedRef.owner``) a tunnel or a local-in policy uses."""
    phase1s = {p.name for p in gw.phase1s}
    phase2s = [p2 for p2 in gw.phase2s if p2.phase1name in phase1s]
    addr_roots = {n for pol in gw.local_in_policies for n in pol.srcaddr + pol.dstaddr}
    addr_roots |= {n for p2 in phase2s for n in (p2.src_name, p2.dst_name) if n is not None}
    groups = {g.name: g.members + g.exclude_members for g in gw.address_groups}
    svc_roots = {n for pol in gw.local_in_policies for n in pol.service}
    svc_groups = {g.name: g.members for g in gw.service_groups}
    used: set[tuple[str, str]] = set()
    used |= {("addrgrp", n) for n in _reachable(addr_roots, groups)}
    used |= {("service group", n) for n in _reachable(svc_roots, svc_groups)}
    used |= {("zone", n) for pol in gw.local_in_policies for n in pol.intf}
    used |= {("phase2", p2.name) for p2 in phase2s}
    used |= {("policy", str(pol.policyid)) for pol in gw.local_in_policies}
    used |= {("phase1", n) for n in phase1s}
    return frozenset(used)


def split_references(
    gw: GatewayConfig,
) -> tuple[tuple[UndefinedRef, ...], tuple[UndefinedRef, ...]]:
    """Undefined references that matter (an input error) and those nothing uses (warnings)."""
    used = used_objects(gw)
    refs = undefined_references(gw)
    return (
        tuple(r for r in refs if r.owner in used),
        tuple(r for r in refs if r.owner not in used),
    )


@dataclass(frozen=True, slots=True)
class GroupCycle:
    """A group that contains itself through its members (FortiOS refuses such a loop)."""

    kind: Literal["address", "service"]
    path: tuple[str, ...]  # first and last name are the same group
    loc: SourceLoc

    @property
    def message(self) -> str:
        chain = " -> ".join(f"'{n}'" for n in self.path)
        return (
            f"{self.kind} group '{self.path[0]}' contains itself ({chain}); "
            "FortiOS does not allow a group loop: remove one of these members"
        )


def _cycle_in(
    kind: Literal["address", "service"],
    members: dict[str, tuple[str, ...]],
    locs: dict[str, SourceLoc],
) -> GroupCycle | None:
    """The first cycle among groups ``members`` (name -> member names), found iteratively."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for start in members:
        if start in state:
            continue
        path: list[str] = [start]
        state[start] = 1
        iters = [iter(members[start])]
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                iters.pop()
                continue
            if nxt not in members or state.get(nxt) == 2:
                continue
            if state.get(nxt) == 1:
                loop = (*path[path.index(nxt) :], nxt)
                return GroupCycle(kind, loop, locs[nxt])
            state[nxt] = 1
            path.append(nxt)
            iters.append(iter(members[nxt]))
    return None


def group_cycle(gw: GatewayConfig) -> GroupCycle | None:
    """The first address-group or service-group loop of ``gw``, if any."""
    found = _cycle_in(
        "address",
        {g.name: g.members + g.exclude_members for g in gw.address_groups},
        {g.name: g.loc for g in gw.address_groups},
    )
    if found is not None:
        return found
    return _cycle_in(
        "service",
        {g.name: g.members for g in gw.service_groups},
        {g.name: g.loc for g in gw.service_groups},
    )
