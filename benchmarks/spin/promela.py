"""Promela text of one tunnel and one property, derived from ipsecmc's own semantics.

Nothing of the gateways' behaviour is written here (issue 13: the semantics exist once).
The model is the z3 engine's step relation without delays (``engines/smt/encoding.py``,
``transition(..., with_delay=False)``: exactly ``Semantics.successors``), whose parts
are derived by symbolic execution of the reference handlers and tick; the property's
counter and stopping rule are the z3 engine's (``engines/smt/engine.monitor_terms``).
This module only prints those z3 terms as Promela expressions, so that SPIN runs *our*
semantics (``compare.py``); ``crosscheck.py`` checks SPIN's state count against a
breadth-first search of the one-second model. It is not used by ipsecmc itself.

Shape of the model: one process whose ``do`` loop has one ``d_step`` option per choice
of the environment that the relation can take: each end's due urgent event with each
outcome index ``pick`` (the local-in outcomes of what it sends), and the four traffic
choices of a one-second tick (a->b yes/no x b->a yes/no). Options whose guard
simplifies to false are left out (a pinned local-in has one outcome). Every option first
computes the subterms its guard and next values share into ``hidden`` temporaries (not
part of SPIN's state vector), then, if its guard holds, assigns the next state, updates
the counter ``mon`` and asserts that the new state is not a counterexample. An option
whose guard fails leaves the state as it is: a self-loop, which stores no state and
checks nothing, so SPIN's "states, stored" is still one state per reachable (state,
counter) pair of ipsecmc's one-second model.

Cone of influence: a state field no guard, counter or assertion reads, directly or
through the next values of fields they read, is left out (``sent`` for a property that
does not read ``blackhole``). ``SpinModel.fields`` lists what is kept, so the
cross-check projects ipsecmc's states the same way.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from ipsecmc.engines.monitor import Monitor  # noqa: E402
from ipsecmc.engines.result import Plan  # noqa: E402
from ipsecmc.engines.smt.encoding import transition  # noqa: E402
from ipsecmc.engines.smt.engine import MonitorTerms, monitor_terms  # noqa: E402
from ipsecmc.engines.smt.terms import INTEGERS, URGENT, SEnd, SState, flat, unflat  # noqa: E402
from ipsecmc.engines.smt.z3_api import BoolT, IntT, Term, z3  # noqa: E402
from ipsecmc.model.state import State  # noqa: E402
from ipsecmc.model.system import TransitionSystem  # noqa: E402

#: The most outcomes of one urgent event the generator looks for.
MAX_PICKS = 16

_INFIX = {
    z3.Z3_OP_ADD: "+",
    z3.Z3_OP_SUB: "-",
    z3.Z3_OP_MUL: "*",
    z3.Z3_OP_LE: "<=",
    z3.Z3_OP_LT: "<",
    z3.Z3_OP_GE: ">=",
    z3.Z3_OP_GT: ">",
    z3.Z3_OP_EQ: "==",
    z3.Z3_OP_IFF: "==",
    z3.Z3_OP_DISTINCT: "!=",
    z3.Z3_OP_AND: "&&",
    z3.Z3_OP_OR: "||",
}


@dataclass(frozen=True)
class SpinModel:
    """A Promela model, the state fields it keeps (``a.p1``, ``phase``, ...; besides the
    counter ``mon`` of a bounded or temporal property) and its number of ``do`` options."""

    text: str
    fields: tuple[str, ...]
    options: int

    def project(self, state: State) -> tuple[int | bool, ...]:
        """``state`` reduced to the kept fields (what one SPIN state holds)."""
        out: list[int | bool] = []
        for name in self.fields:
            owner, _, field = name.rpartition(".")
            holder = state.a if owner == "a" else state.b if owner == "b" else state
            out.append(getattr(holder, field))
        return tuple(out)


@dataclass(frozen=True)
class _Option:
    """One choice of the environment: its guard and the next values it assigns."""

    comment: str
    guard: BoolT
    after: SState
    monitor: IntT
    bad: BoolT


def _field_names(s: SState) -> dict[int, str]:
    """Template variable id -> dotted field name (``a.p1``, ``phase``)."""
    names: dict[int, str] = {}
    for tag, end in (("a", s.a), ("b", s.b)):
        for field, term in zip(SEnd._fields, end, strict=True):
            names[term.get_id()] = f"{tag}.{field}"
    names[s.phase.get_id()] = "phase"
    names[s.phase_left.get_id()] = "phase_left"
    return names


def _variables(terms: Iterable[Term]) -> set[int]:
    """Ids of the uninterpreted constants in ``terms``."""
    seen: set[int] = set()
    found: set[int] = set()
    stack = list(terms)
    while stack:
        t = stack.pop()
        if t.get_id() in seen:
            continue
        seen.add(t.get_id())
        if z3.is_const(t) and t.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            found.add(t.get_id())
        stack.extend(t.children())
    return found


class _Printer:
    """Terms of one option as Promela: shared subterms into temporaries, post-order."""

    def __init__(self, names: dict[int, str], roots: Sequence[Term]) -> None:
        self.names = dict(names)
        self.uses: dict[int, int] = {}
        self.lines: list[str] = []
        self.temps = 0
        for root in roots:
            self._count(root)

    def _count(self, t: Term) -> None:
        key = t.get_id()
        self.uses[key] = self.uses.get(key, 0) + 1
        if self.uses[key] == 1:
            for child in t.children():
                self._count(child)

    def temp(self, t: Term) -> str:
        """A temporary holding ``t`` (computed now)."""
        name = f"t{self.temps}"
        self.temps += 1
        self.lines.append(f"{name} = {self.expr(t)}")
        return name

    def expr(self, t: Term) -> str:
        key = t.get_id()
        if key in self.names:
            return self.names[key]
        text = self._render(t)
        if self.uses.get(key, 0) > 1 and t.num_args() > 0:
            name = f"t{self.temps}"
            self.temps += 1
            self.lines.append(f"{name} = {text}")
            self.names[key] = name
            return name
        return text

    def _render(self, t: Term) -> str:
        if z3.is_true(t):
            return "true"
        if z3.is_false(t):
            return "false"
        if z3.is_int_value(t):
            value = t.as_long()
            if not -(2**31) <= value < 2**31:
                raise ValueError(f"constant {value} does not fit a Promela int")
            return str(value) if value >= 0 else f"({value})"
        kind = t.decl().kind()
        args = [self.expr(c) for c in t.children()]
        if kind == z3.Z3_OP_ITE:
            return f"({args[0]} -> {args[1]} : {args[2]})"
        if kind == z3.Z3_OP_NOT:
            return f"(!{args[0]})"
        if kind == z3.Z3_OP_UMINUS:
            return f"(-{args[0]})"
        if kind == z3.Z3_OP_IMPLIES:
            return f"(!{args[0]} || {args[1]})"
        if kind in _INFIX and (kind != z3.Z3_OP_DISTINCT or len(args) == 2):
            return "(" + f" {_INFIX[kind]} ".join(args) + ")"
        raise ValueError(f"no Promela form for the z3 operator {t.decl()}")


def _options(mt: MonitorTerms, s: SState, mon: IntT) -> list[_Option]:
    """Every choice the relation can take, with its guard and next state (simplified)."""
    enc = mt.encoding
    _, step = transition(enc, s, INTEGERS.fresh_state("s2"), "choice", with_delay=False)
    ch = step.choices
    no = z3.BoolVal(False)
    domain = enc.ranges(s)

    def fixed(term: Term, ab: bool, ba: bool, order: bool, pick: int) -> Term:
        pairs = [
            (ch.ab, z3.BoolVal(ab)),
            (ch.ba, z3.BoolVal(ba)),
            (step.order, z3.BoolVal(order)),
            (ch.pick, INTEGERS.val(pick)),
            (ch.fault, INTEGERS.val(0)),  # faults (``--faults``) are not in the SPIN model
        ]
        return z3.simplify(z3.substitute(term, *pairs))

    def option(comment: str, guard: BoolT, after: SState, tick: bool) -> _Option:
        after = unflat([z3.simplify(x) for x in flat(after)])
        seconds = INTEGERS.val(1 if tick else 0)
        counter = z3.simplify(mt.step(s, after, mon, z3.BoolVal(tick), no, seconds))
        return _Option(comment, guard, after, counter, z3.simplify(mt.bad(after, counter)))

    def possible(guard: BoolT) -> bool:
        if z3.is_false(guard):
            return False
        solver = z3.Solver()
        solver.add(domain, guard)
        return bool(solver.check() != z3.unsat)

    out: list[_Option] = []
    for i, end in enumerate(("a", "b")):
        urgent = z3.And(step.allowed, z3.Or([step.events[(kind, i)] for kind in URGENT]))
        for pick in range(MAX_PICKS):
            guard = fixed(urgent, False, False, i == 0, pick)
            if not possible(guard):
                break
            after = enc.urgent(s, i, INTEGERS.val(pick))
            out.append(option(f"{end}: urgent event, outcome {pick}", guard, after, False))
    timed = z3.And(step.allowed, step.events[("tick", -1)])
    for ab in (False, True):
        for ba in (False, True):
            guard = fixed(timed, ab, ba, False, 0)
            if possible(guard):
                after = enc.tick(s, z3.BoolVal(ab), z3.BoolVal(ba))
                out.append(option(f"tick a->b={int(ab)} b->a={int(ba)}", guard, after, True))
    return out


def _ctype(lo: int, hi: int) -> str:
    """The smallest Promela integer type holding ``lo..hi``."""
    if lo >= 0 and hi <= 1:
        return "bit"
    if lo >= 0 and hi <= 255:
        return "byte"
    if lo >= -32768 and hi <= 32767:
        return "short"
    return "int"


def _bounds(domain: BoolT, term: IntT) -> tuple[int, int]:
    """The least and greatest value of ``term`` within ``domain`` (the encoding's
    ranges, which every reachable state satisfies)."""
    out = []
    for minimize in (True, False):
        opt = z3.Optimize()
        opt.add(domain)
        handle = opt.minimize(term) if minimize else opt.maximize(term)
        if opt.check() != z3.sat:
            raise ValueError("the encoding's ranges are empty")
        out.append(handle.value().as_long())
    return out[0], out[1]


def _kept(options: Sequence[_Option], s: SState, monitored: bool) -> list[int]:
    """Ids of the state variables the model needs (cone of influence, see the module doc)."""
    state_vars = {t.get_id(): n for n, t in enumerate(flat(s))}
    needed = _variables(o.guard for o in options) | _variables(o.bad for o in options)
    if monitored:
        needed |= _variables(o.monitor for o in options)
    needed &= state_vars.keys()
    frontier = set(needed)
    while frontier:
        reads = (
            _variables(flat(o.after)[state_vars[v]] for o in options for v in frontier)
            & state_vars.keys()
        )
        frontier = reads - needed
        needed |= frontier
    return sorted(needed, key=state_vars.__getitem__)


def promela(system: TransitionSystem, plan: Plan) -> SpinModel:
    """The Promela model of ``system`` checking ``plan`` (see the module docstring)."""
    if system.params.faults.enabled:
        raise ValueError("faults (--faults) are not part of the SPIN comparison model")
    mt = monitor_terms(system, plan)
    s = INTEGERS.fresh_state("s")
    mon = INTEGERS.var("mon")
    monitored = plan.kind in ("bounded", "temporal")
    options = _options(mt, s, mon)
    kept = _kept(options, s, monitored)
    dotted = _field_names(s)
    names = {key: dotted[key].replace(".", "_") for key in kept}
    names[mon.get_id()] = "mon"
    position = {t.get_id(): n for n, t in enumerate(flat(s))}
    initial = system.initial()
    initial_terms = flat(INTEGERS.const_state(initial))
    domain = mt.encoding.ranges(s)

    decls = []
    for key in kept:
        term = flat(s)[position[key]]
        start = initial_terms[position[key]]
        if z3.is_bool(term):
            decls.append(f"bit {names[key]} = {int(z3.is_true(start))};")
        else:
            lo, hi = _bounds(domain, term)
            decls.append(f"{_ctype(lo, hi)} {names[key]} = {start.as_long()};")
    bound = plan.bound if plan.bound is not None else 0
    if monitored:
        decls.append(f"{_ctype(mt.lowest, bound + 1)} mon = {mt.initial};")

    body: list[str] = []
    temps = 0
    for option in options:
        after = flat(option.after)
        updates = [(names[key], after[position[key]]) for key in kept]
        updates = [(n, t) for (n, t), key in zip(updates, kept, strict=True) if t.get_id() != key]
        roots: list[Term] = [option.guard, option.bad, *(t for _, t in updates)]
        if monitored:
            roots.append(option.monitor)
        printer = _Printer(names, roots)
        guard = printer.temp(option.guard)
        values = [(n, printer.temp(t)) for n, t in updates]
        if monitored:
            values.append(("mon", printer.temp(option.monitor)))
        bad = printer.temp(option.bad)
        temps = max(temps, printer.temps)
        assign = "; ".join(f"{n} = {v}" for n, v in values) or "skip"
        body.append(f"  :: d_step {{  /* {option.comment} */")
        body += [f"       {line};" for line in printer.lines]
        body.append(f"       if :: {guard} -> {assign}; assert(!{bad}) :: else -> skip fi")
        body.append("     }")
    hit = Monitor(plan).hit(initial, mt.initial)
    lines = [
        "/* Generated by benchmarks/spin/promela.py from ipsecmc's derived step relation",
        f" * (the z3 engine's, without delays) and the monitor of {plan.name!r}"
        f" ({plan.kind}, T = {plan.bound}).",
        f" * Tunnel: {system.params.ends[0].name} <-> {system.params.ends[1].name}.",
        " */",
        *decls,
        f"hidden int {', '.join(f't{n}' for n in range(max(temps, 1)))};",
        "",
        "active proctype tunnel() {",
        *(["  assert(false);  /* the initial state is a counterexample */"] if hit else []),
        "  do",
        *body,
        "  od",
        "}",
        "",
    ]
    return SpinModel("\n".join(lines), tuple(dotted[key] for key in kept), len(options))


def agreement_plan(system: TransitionSystem, bound: int) -> Plan:
    """The library's ``agreement`` property with T = ``bound`` seconds."""
    from ipsecmc.properties import load_property
    from ipsecmc.workflows.tunnel_check import plan_for

    return plan_for(system, load_property("agreement"), bound)  # type: ignore[arg-type]


def _main() -> None:
    from benchmarks.spin.crosscheck import load_system

    parser = argparse.ArgumentParser(description="Print the Promela model of a scenario.")
    parser.add_argument("scenario", help="scenario folder with one tunnel")
    parser.add_argument("--bound", type=int, default=120, help="agreement's T (seconds)")
    parser.add_argument("--no-rekey", action="store_true")
    args = parser.parse_args()
    system = load_system(args.scenario, not args.no_rekey)
    print(promela(system, agreement_plan(system, args.bound)).text)


if __name__ == "__main__":
    _main()
