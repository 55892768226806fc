"""First-match evaluation of a gateway's local-in policy table for one new packet.

This is the contract of ``deliver m at Y`` in design.md for a packet that does *not*
match an existing session (session matching is the model's job):

* Policies are tried in table order; disabled ones are skipped (domain.md 2.3).
* A policy matches when all of these hold: ``intf`` names the ingress interface, a zone
  holding it, or ``any`` (2.2); the source is in ``srcaddr`` (inverted by
  ``srcaddr-negate``), the destination in ``dstaddr`` (``dstaddr-negate``); the packet
  is covered by ``service`` (``service-negate``); the schedule is active.
* Address groups are the union of their members minus ``exclude-member`` (4.5).
* The first matching policy decides; without ``set action`` a policy denies (2.1).
* No match: the built-in rules decide (2.4): they accept IKE (UDP 500/4500) always and
  other traffic the interface's ``allowaccess`` names; anything else hits the implicit
  deny (policy 0). ESP (IP 50) is handed to the IPsec engine before local-in (2.6), so
  the built-in outcome for it is accept.

Some questions have no answer from the file: an FQDN or geography address, a schedule
other than ``always`` (ipsecmc does not know the wall clock), a name left undefined
under ``allow_undefined``, a source matched by the Internet Service Database
(``internet-service-src enable``, 7.6+: srcaddr is then ignored). Such a policy *may*
match; evaluation then records it as a possible outcome, notes why in ``uncertain``
and goes on to the next policy. The result lists every possible outcome in table
order, so a caller sees exactly one outcome when the answer is certain and never gets a
guess presented as a fact.

Address names the user declares unknown (``ipsecmc check --assume-unknown NAME``, see
``ipsecmc.workflows.unknowns``) are *symbols*: the only question the lookup asks of them is "is
this IP in NAME?". ``Assumptions`` gives the answers for some of those questions; an
answered one is a plain fact, an unanswered one is unknown (None) like an FQDN. Every
question asked about a declared name is listed in ``LocalInDecision.asked``, so a
caller can enumerate the answers that matter and evaluate once per assignment.

The function is pure and deterministic: same inputs, same decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ipsecmc.errors import SourceLoc
from ipsecmc.fortios.config import Action, GatewayConfig, IPv4Address, LocalInPolicy
from ipsecmc.fortios.defaults import ALLOWACCESS_PORTS, BUILTIN_ACCEPT_UDP_PORTS

#: Kleene three-valued truth: True, False, or None for "cannot be known from the file".
Tri = bool | None

UDP = 17
TCP = 6
ICMP = 1
ESP = 50


def _and(a: Tri, b: Tri) -> Tri:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _or(a: Tri, b: Tri) -> Tri:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def _not(a: Tri) -> Tri:
    return None if a is None else not a


def _fold_groups(
    root: str,
    leaf: Callable[[str], tuple[bool, Tri]],
    parts: Callable[[str], tuple[tuple[str, ...], tuple[str, ...]]],
) -> Tri:
    """Membership in ``root``: a group is (any member) and not (any excluded member).

    ``leaf(name)`` answers a name that is not a group (``(True, answer)``) or says it is a
    group (``(False, _)``), whose ``parts`` are then visited. Depth-first in member order
    (so notes and questions come out in the order a recursive reading would give) with an
    explicit stack: a 2,000-deep group chain needs no recursion. A group met again on its
    own path (a cycle; the reader refuses these) adds nothing.
    """
    memo: dict[str, Tri] = {}
    path: set[str] = set()
    stack: list[tuple[str, bool]] = [(root, False)]
    while stack:
        name, expanded = stack.pop()
        if expanded:
            path.discard(name)
            members, excluded = parts(name)
            hit: Tri = False
            for m in members:
                hit = _or(hit, memo.get(m, False))
            out: Tri = False
            for m in excluded:
                out = _or(out, memo.get(m, False))
            memo[name] = _and(hit, _not(out))
            continue
        if name in memo or name in path:
            continue
        is_leaf, value = leaf(name)
        if is_leaf:
            memo[name] = value
            continue
        path.add(name)
        stack.append((name, True))
        members, excluded = parts(name)
        stack.extend((m, False) for m in reversed(members + excluded))
    return memo[root]


@dataclass(frozen=True, slots=True)
class Assumptions:
    """Address names treated as unknown, and the assumed answer to some "IP in NAME?".

    A declared name is never looked up in the file (even when it is defined there): its
    membership question is answered from ``values`` (key ``(name, ip)``) or is unknown.
    """

    names: frozenset[str] = frozenset()
    values: tuple[tuple[str, IPv4Address, bool], ...] = ()

    def value(self, name: str, ip: IPv4Address) -> Tri:
        for n, i, v in self.values:
            if n == name and i == ip:
                return v
        return None


NO_ASSUMPTIONS = Assumptions()


@dataclass(frozen=True, slots=True)
class LocalInOutcome:
    """One way the lookup can end: a policy's action, or the built-in rules (policy None)."""

    action: Action
    policy: LocalInPolicy | None
    reason: str

    @property
    def loc(self) -> SourceLoc | None:
        return self.policy.loc if self.policy is not None else None


@dataclass(frozen=True, slots=True)
class LocalInDecision:
    """All possible outcomes of the lookup, in table order (one when the answer is certain)."""

    outcomes: tuple[LocalInOutcome, ...]
    uncertain: tuple[str, ...] = ()
    #: every "ip in name" question asked of a declared-unknown name, in first-asked order
    asked: tuple[tuple[str, IPv4Address], ...] = ()

    @property
    def certain(self) -> bool:
        return len(self.outcomes) == 1

    @property
    def action(self) -> Action | None:
        """The action if every possible outcome agrees on it, else None."""
        actions = {o.action for o in self.outcomes}
        return actions.pop() if len(actions) == 1 else None

    @property
    def policy(self) -> LocalInPolicy | None:
        """The deciding policy when certain (None = built-in rules or uncertain)."""
        return self.outcomes[0].policy if self.certain else None

    @property
    def loc(self) -> SourceLoc | None:
        return self.outcomes[0].loc if self.certain else None

    @property
    def may_deny(self) -> bool:
        return any(o.action is Action.DENY for o in self.outcomes)

    @property
    def may_accept(self) -> bool:
        return any(o.action is Action.ACCEPT for o in self.outcomes)

    @property
    def first_deny(self) -> LocalInOutcome | None:
        return next((o for o in self.outcomes if o.action is Action.DENY), None)


class _Eval:
    def __init__(self, gw: GatewayConfig, assume: Assumptions = NO_ASSUMPTIONS) -> None:
        self.gw = gw
        self.assume = assume
        self.notes: list[str] = []
        self.asked: list[tuple[str, IPv4Address]] = []

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def _address_leaf(self, name: str, ip: IPv4Address) -> tuple[bool, Tri]:
        """``(True, answer)`` for a name that is not a group, ``(False, None)`` for a group."""
        if name in self.assume.names:
            if (name, ip) not in self.asked:
                self.asked.append((name, ip))
            hit = self.assume.value(name, ip)
            if hit is None:
                self.note(f"address '{name}' is declared unknown ({ip} in {name}?)")
            return True, hit
        addr = self.gw.address_by_name.get(name)
        if addr is not None:
            hit = addr.contains(ip)
            if hit is None:
                what = f"an FQDN ({addr.fqdn})" if addr.kind == "fqdn" else f"of type {addr.kind}"
                self.note(f"address '{name}' is {what}; its members are unknown")
            return True, hit
        if name not in self.gw.group_by_name:
            self.note(f"address '{name}' is undefined")
            return True, None
        return False, None

    def address(self, name: str, ip: IPv4Address) -> Tri:
        def parts(n: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
            g = self.gw.group_by_name[n]
            return g.members, g.exclude_members

        return _fold_groups(name, lambda n: self._address_leaf(n, ip), parts)

    def addresses(self, names: tuple[str, ...], ip: IPv4Address) -> Tri:
        result: Tri = False
        for n in names:
            result = _or(result, self.address(n, ip))
        return result

    def _service_leaf(self, name: str, proto: int, sport: int, dport: int) -> tuple[bool, Tri]:
        svc = self.gw.service_by_name.get(name)
        if svc is not None:
            return True, svc.matches(proto, sport, dport)
        if name not in self.gw.service_group_by_name:
            self.note(f"service '{name}' is undefined")
            return True, None
        return False, None

    def service(self, name: str, proto: int, sport: int, dport: int) -> Tri:
        def parts(n: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
            return self.gw.service_group_by_name[n].members, ()

        return _fold_groups(name, lambda n: self._service_leaf(n, proto, sport, dport), parts)

    def intf(self, names: tuple[str, ...], ingress: str) -> bool:
        for n in names:
            if n in ("any", ingress):
                return True
            zone = self.gw.zone_by_name.get(n)
            if zone is not None and ingress in zone.interfaces:
                return True
        return False

    def schedule(self, name: str) -> Tri:
        sched = self.gw.schedule_by_name.get(name)
        if sched is not None and sched.kind == "always":
            return True
        if sched is None:
            self.note(f"schedule '{name}' is undefined")
        else:
            self.note(f"schedule '{name}' is {sched.kind}; it may or may not be active")
        return None

    def policy(
        self,
        p: LocalInPolicy,
        ingress: str,
        src: IPv4Address,
        dst: IPv4Address,
        proto: int,
        sport: int,
        dport: int,
    ) -> Tri:
        if not p.status or not self.intf(p.intf, ingress):
            return False
        src_hit = self.addresses(p.srcaddr, src)
        if p.srcaddr_negate:
            src_hit = _not(src_hit)
        if p.internet_service_src:  # srcaddr is ignored; the ISDB is not in the file
            self.note("the source is matched by the Internet Service Database (unknown)")
            src_hit = None
        dst_hit = self.addresses(p.dstaddr, dst)
        if p.dstaddr_negate:
            dst_hit = _not(dst_hit)
        svc: Tri = False
        for name in p.service:
            svc = _or(svc, self.service(name, proto, sport, dport))
        if p.service_negate:
            svc = _not(svc)
        result = _and(_and(src_hit, dst_hit), svc)
        if result is False:
            return False
        return _and(result, self.schedule(p.schedule))


def intf_matches(gateway: GatewayConfig, intf: tuple[str, ...], ingress: str) -> bool:
    """Whether a policy's ``intf`` list covers ``ingress`` (a name, a zone, or ``any``)."""
    return _Eval(gateway).intf(intf, ingress)


def builtin_outcome(gw: GatewayConfig, ingress: str, proto: int, dport: int) -> LocalInOutcome:
    """What the built-in local-in rules do with a packet no user policy matched (2.4, 2.6)."""
    if proto == UDP and dport in BUILTIN_ACCEPT_UDP_PORTS:
        return LocalInOutcome(Action.ACCEPT, None, "built-in rules accept IKE (UDP 500/4500)")
    if proto == ESP:
        return LocalInOutcome(Action.ACCEPT, None, "ESP goes to the IPsec engine, not local-in")
    iface = gw.interface_by_name.get(ingress)
    for access in iface.allowaccess if iface else ():
        want = ALLOWACCESS_PORTS.get(access)
        if want is not None and want[0] == proto and (not want[1] or dport in want[1]):
            return LocalInOutcome(
                Action.ACCEPT, None, f"built-in rules accept it: {ingress} allowaccess {access}"
            )
    return LocalInOutcome(Action.DENY, None, "no policy matched: implicit deny (policy 0)")


def evaluate(
    gateway: GatewayConfig,
    ingress_intf: str,
    src_ip: IPv4Address,
    dst_ip: IPv4Address,
    ip_proto: int,
    src_port: int = 0,
    dst_port: int = 0,
    assume: Assumptions = NO_ASSUMPTIONS,
) -> LocalInDecision:
    """Decide a new inbound packet against ``gateway``'s local-in table (see module doc)."""
    outcomes: list[LocalInOutcome] = []
    uncertain: list[str] = []
    asked: list[tuple[str, IPv4Address]] = []
    for p in gateway.local_in_policies:
        ev = _Eval(gateway, assume)
        hit = ev.policy(p, ingress_intf, src_ip, dst_ip, ip_proto, src_port, dst_port)
        asked.extend(q for q in ev.asked if q not in asked)
        if hit is False:
            continue
        if hit is None:
            uncertain.extend(f"local-in policy {p.policyid}: {n}" for n in ev.notes)
        verb = "matches" if hit else "may match"
        outcomes.append(LocalInOutcome(p.action, p, f"local-in policy {p.policyid} {verb}"))
        if hit:
            return LocalInDecision(tuple(outcomes), tuple(uncertain), tuple(asked))
    outcomes.append(builtin_outcome(gateway, ingress_intf, ip_proto, dst_port))
    return LocalInDecision(tuple(outcomes), tuple(uncertain), tuple(asked))
