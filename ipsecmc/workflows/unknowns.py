"""Unknown address objects as symbols (``ipsecmc check --assume-unknown NAME``).

The only thing the model asks of an address object or group is a membership question
of the local-in lookup for a new IKE packet: is the peer's address in ``srcaddr``, is
this gateway's own address in ``dstaddr`` (``ipsecmc.fortios.admission``). So a name
declared unknown, defined in the file or not, contributes Boolean *symbols* such as
``10.56.240.208 in office1``; nothing else of the model depends on it.

How a property is decided with symbols (``split`` here, ``check.check_with_unknowns``):

1. Ask each end's local-in lookup with every declared name unknown; it lists the
   questions it asked (``LocalInDecision.asked``). Those are the candidate symbols.
2. For every assignment of an end's symbols, evaluate that end's admissions (the
   possible local-in outcomes for a new IKE packet from the peer). A symbol that never
   changes them is dropped: it cannot change the model. At most ``MAX_SYMBOLS`` may
   remain (else a usage error): the split below is 2^n small evaluations.
3. Group the assignments of the remaining symbols by the concrete model they produce
   (the pair of admissions); each distinct model is an ordinary transition system,
   checked by the chosen engine exactly like a config without unknowns.
4. The verdict of each assignment is its model's verdict. For each verdict, the set of
   assignments giving it is minimised to a formula (``ipsecmc.workflows.boolmin``).

Soundness: the symbols only *select* among finitely many concrete models, and every
assignment is covered by exactly one of them, each checked by a sound engine. So
"VIOLATED iff C" is exact whenever every case got a definite answer (HOLDS or
VIOLATED). When a case is INCONCLUSIVE or only HOLDS_UP_TO, the condition says so and
is stated per verdict ("VIOLATED when ..., INCONCLUSIVE when ...") instead of "iff".
The property HOLDS only when it holds for every assignment, and is VIOLATED when some
assignment violates it, with a counterexample for each violating model.

What is left out: services, schedules and interfaces cannot be declared unknown (an
undefined one stays an input error); a symbol is about one IP and one name on one
gateway, so "office1" on two gateways is two different objects (labels then name the
gateway). Relations between symbols (``x in A`` implies ``x in B`` when A is a member
of B) are not modelled: a group declared unknown is its own symbol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ipsecmc.engines.result import EngineResult, Verdict
from ipsecmc.errors import UsageError
from ipsecmc.fortios.admission import ike_decision
from ipsecmc.fortios.config import GatewayConfig, IPv4Address
from ipsecmc.fortios.localin import Assumptions
from ipsecmc.fortios.params import admissions
from ipsecmc.fortios.references import split_references
from ipsecmc.fortios.resolver import undefined_error
from ipsecmc.fortios.topology_types import End, Scenario, TunnelEnd
from ipsecmc.model.params import Admission
from ipsecmc.systems import TunnelSystem
from ipsecmc.trace import Trace
from ipsecmc.workflows.boolmin import Formula, minimise

#: Symbols that may influence one tunnel's admissions (2^n cases are enumerated).
MAX_SYMBOLS = 10
#: Questions one end's lookup may ask before we refuse (2^n lookups find the relevant ones).
MAX_ASKED = 16

#: How verdicts are listed in a condition (worst first).
VERDICT_ORDER = (Verdict.VIOLATED, Verdict.INCONCLUSIVE, Verdict.HOLDS_UP_TO, Verdict.HOLDS)
DEFINITE = frozenset({Verdict.HOLDS, Verdict.VIOLATED})


@dataclass(frozen=True, slots=True)
class UnknownName:
    """A name given to ``--assume-unknown``: who refers to it, who defines it (ignored)."""

    name: str
    referenced_by: tuple[str, ...]
    defined_in: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Symbol:
    """The Boolean fact "``ip`` is in address ``name`` of gateway ``gateway``"."""

    gateway: str
    name: str
    ip: IPv4Address
    label: str


def address_references(gw: GatewayConfig) -> frozenset[str]:
    """Every address or group name ``gw`` refers to (policies, groups, phase2 selectors)."""
    names: set[str] = set()
    for pol in gw.local_in_policies:
        names.update(pol.srcaddr + pol.dstaddr)
    for g in gw.address_groups:
        names.update(g.members + g.exclude_members)
    for p2 in gw.phase2s:
        names.update(n for n in (p2.src_name, p2.dst_name) if n is not None)
    return frozenset(names)


def declare_unknowns(scenario: Scenario, names: Sequence[str]) -> tuple[UnknownName, ...]:
    """Validate ``--assume-unknown`` names against the configs (read leniently).

    An undefined reference the user did not declare is the same input error as without
    the flag (file:line:col and a hint); a declared name no config refers to is a usage
    error, since it would silently change nothing.
    """
    declared = frozenset(names)
    for gw in scenario.gateways:
        for ref in split_references(gw)[0]:
            if not (ref.kind == "address" and ref.name in declared):
                raise undefined_error(ref)
    out: list[UnknownName] = []
    for name in dict.fromkeys(names):
        users = tuple(gw.hostname for gw in scenario.gateways if name in address_references(gw))
        if not users:
            raise UsageError(
                f"--assume-unknown {name}: no configuration refers to an address or address "
                f"group named '{name}' (names are case-sensitive)"
            )
        defined = tuple(
            gw.hostname
            for gw in scenario.gateways
            if name in gw.address_by_name or name in gw.group_by_name
        )
        out.append(UnknownName(name, users, defined))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class CaseModel:
    """One concrete model and the assignments (bit i = symbol i) that produce it."""

    assignments: tuple[int, ...]
    system: TunnelSystem


@dataclass(frozen=True, slots=True)
class Split:
    """The symbols that influence a tunnel, and the distinct models they select."""

    symbols: tuple[Symbol, ...]
    models: tuple[CaseModel, ...]


_EndTable = dict[int, tuple[Admission, ...]]


def _end_table(
    end: TunnelEnd, peer: End, names: frozenset[str], asked: Sequence[tuple[str, IPv4Address]]
) -> _EndTable:
    """Admissions at ``end`` for every assignment (bit i = answer to ``asked[i]``)."""
    table: _EndTable = {}
    for bits in range(1 << len(asked)):
        values = tuple((n, ip, bool(bits >> i & 1)) for i, (n, ip) in enumerate(asked))
        table[bits] = admissions(end, peer, Assumptions(names, values))
    return table


def _relevant(table: _EndTable, n: int) -> tuple[int, ...]:
    """Indices of the questions whose answer changes the admissions for some assignment."""
    return tuple(i for i in range(n) if any(table[b] != table[b ^ 1 << i] for b in table))


def split(system: TunnelSystem, names: frozenset[str]) -> Split:
    """The case split of ``system``'s tunnel over the unknown ``names`` (module doc)."""
    tunnel = system.tunnel
    # per end: its relevant questions (indices into what it asked) and its table
    per_end: list[tuple[End, tuple[int, ...], list[tuple[str, IPv4Address]], _EndTable]]
    per_end = []
    for k, (end, peer) in enumerate(((tunnel.a, tunnel.b), (tunnel.b, tunnel.a))):
        if not isinstance(end, TunnelEnd):  # no FortiOS address object can be unknown
            per_end.append((end, (), [], {0: system.params.ends[k].admissions}))
            continue
        asked = list(ike_decision(end, peer, Assumptions(names)).asked)
        if len(asked) > MAX_ASKED:
            raise UsageError(
                f"{end.name}: the local-in lookup for IKE asks {len(asked)} questions about "
                f"unknown addresses (at most {MAX_ASKED}); declare fewer names unknown"
            )
        table = _end_table(end, peer, names, asked)
        per_end.append((end, _relevant(table, len(asked)), asked, table))
    raw = [(end.name, *asked[i]) for end, keep, asked, _ in per_end for i in keep]
    if len(raw) > MAX_SYMBOLS:
        raise UsageError(
            f"tunnel {tunnel.name}: {len(raw)} unknown facts influence its IKE admission "
            f"(at most {MAX_SYMBOLS}); declare fewer names unknown"
        )
    # symbol k is relevant question keep[j] of its end; irrelevant questions answer False
    groups: dict[tuple[tuple[Admission, ...], ...], list[int]] = {}
    for bits in range(1 << len(raw)):
        key: list[tuple[Admission, ...]] = []
        offset = 0
        for _, keep, _, table in per_end:
            local = sum(1 << q for j, q in enumerate(keep) if bits >> (offset + j) & 1)
            key.append(table[local])
            offset += len(keep)
        groups.setdefault(tuple(key), []).append(bits)
    a, b = system.params.ends
    models = tuple(
        CaseModel(
            tuple(assignments),
            TunnelSystem(
                tunnel,
                replace(
                    system.params,
                    ends=(replace(a, admissions=adm_a), replace(b, admissions=adm_b)),
                ),
            ),
        )
        for (adm_a, adm_b), assignments in groups.items()
    )
    return Split(_label(raw), models)


def _label(raw: Sequence[tuple[str, str, IPv4Address]]) -> tuple[Symbol, ...]:
    """Name the gateway in a label only when the same name is a symbol on two gateways."""
    gateways_of: dict[str, set[str]] = {}
    for gw, name, _ in raw:
        gateways_of.setdefault(name, set()).add(gw)
    return tuple(
        Symbol(
            gw,
            name,
            ip,
            f"{ip} in {name}" + (f" on {gw}" if len(gateways_of[name]) > 1 else ""),
        )
        for gw, name, ip in raw
    )


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    """The answer for one concrete model: its assignments, engine result and trace."""

    assignments: tuple[int, ...]
    result: EngineResult
    trace: Trace | None

    @property
    def verdict(self) -> Verdict:
        return self.result.verdict


@dataclass(frozen=True, slots=True)
class Condition:
    """When each verdict happens, as formulas over the symbols (see the module doc)."""

    symbols: tuple[Symbol, ...]
    cases: tuple[CaseOutcome, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(s.label for s in self.symbols)

    @property
    def exact(self) -> bool:
        """Every case got a definite answer, so each "V iff F" is exact."""
        return all(c.verdict in DEFINITE for c in self.cases)

    @property
    def verdicts(self) -> tuple[Verdict, ...]:
        present = {c.verdict for c in self.cases}
        return tuple(v for v in VERDICT_ORDER if v in present)

    @property
    def uniform(self) -> bool:
        """The same verdict for every value of the unknowns."""
        return len(self.verdicts) == 1

    def formula(self, verdict: Verdict) -> Formula:
        minterms = [m for c in self.cases if c.verdict is verdict for m in c.assignments]
        return minimise(len(self.symbols), minterms)

    def when(self, case: CaseOutcome) -> str:
        """The assignments of one case as a formula."""
        return minimise(len(self.symbols), case.assignments).render(self.labels)

    def text(self) -> str:
        """``VIOLATED iff not (10.56.240.208 in office1)``, or per verdict when inexact."""
        if self.uniform:
            text = f"{self.verdicts[0].value} for every value of the unknowns"
            if not self.symbols:
                text += " (no unknown decides this tunnel's local-in lookup for IKE)"
            return text
        word = "iff" if self.exact else "when"
        # exact with two verdicts: the second is the negation of the first, say it once
        shown = self.verdicts[:1] if self.exact else self.verdicts
        parts = [f"{v.value} {word} {self.formula(v).render(self.labels)}" for v in shown]
        text = "; ".join(parts)
        if not self.exact:
            text += " (undecided cases may hide a violation: the condition is exact only where "
            text += "the verdict is HOLDS or VIOLATED)"
        return text

    def assignment(self, bits: int) -> dict[str, bool]:
        return {s.label: bool(bits >> i & 1) for i, s in enumerate(self.symbols)}


def overall(condition: Condition) -> CaseOutcome:
    """The case whose verdict is the property's: the first violating one, else the first
    inconclusive, else the first bounded-only, else (every case holds) the first."""
    for verdict in VERDICT_ORDER:
        for case in condition.cases:
            if case.verdict is verdict:
                return case
    raise ValueError("a condition without cases")
