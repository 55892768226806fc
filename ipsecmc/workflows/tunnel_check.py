"""One property on one tunnel: the engine(s), the bound, the replayed result.

The unit of work of ``ipsecmc check`` (``workflows.check``) and of its worker processes
(``workflows.parallel``), kept apart from both so that they depend on it and not on each
other. No printing, no exiting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from ipsecmc.engines.base import Engine
from ipsecmc.engines.explicit.search import ExplicitEngine
from ipsecmc.engines.result import Budget, EngineResult, Obligation, Plan, Stats, Verdict
from ipsecmc.errors import InternalError, UsageError
from ipsecmc.fortios.topology_types import Tunnel
from ipsecmc.model.params import TunnelParams
from ipsecmc.model.state import State
from ipsecmc.properties import (
    STANDARD_ATOMS,
    Atom,
    BoundRef,
    Expr,
    Property,
    compile_formula,
    load_all,
    load_property,
    subexpressions,
    validate,
)
from ipsecmc.systems import TunnelSystem
from ipsecmc.trace import Trace, replay
from ipsecmc.workflows.longest import REPORTED, longest_stretch
from ipsecmc.workflows.unknowns import CaseOutcome, Condition, overall, split

ENGINES = ("explicit", "z3", "both")


@dataclass(frozen=True)
class CheckOptions:
    """Everything ``ipsecmc check`` lets a user choose (defaults = the documented ones)."""

    properties: tuple[str, ...] = ()  # empty: every property in properties/
    bound_seconds: int | None = None
    traffic: str | None = None  # None: scenario.toml's, else "any"
    engine: str = "explicit"
    max_states: int = 2_000_000
    timeout_seconds: float | None = None
    cpu_seconds: float | None = None  # CPU time per property (``Budget.cpu_seconds``)
    solver_rlimit: int | None = None  # z3 resource limit per query
    rekey: bool | None = None  # None: scenario.toml's, else True
    #: ``--faults`` (``model.faults.parse_faults`` text); None: scenario.toml's, else none
    #: (a property with a ``faults:`` line brings its own)
    faults: str | None = None
    fault_budget: int | None = None  # None: scenario.toml's, else 1
    assume_unknown: tuple[str, ...] = ()
    jobs: int = 1  # worker processes for the distinct searches (ipsecmc.workflows.parallel)
    #: report the worst disagreement next to agreement's verdict (``ipsecmc.workflows.longest``);
    #: ``fix`` turns it off for the re-checks that only judge a candidate
    longest: bool = True


#: Renders one result as a piece of a report (``render.json_report.result_json``); a
#: module-level function, so a worker process can run it (``ipsecmc.workflows.parallel``).
ResultRenderer = Callable[["PropertyResult"], str]


@dataclass(frozen=True)
class PropertyResult:
    """One property on one tunnel: the engine's answer and, through ``trace``, its path
    replayed through this tunnel's own system.

    A counterexample is replayed when the result is made (:func:`make_result`): the replay
    checks it step by step, so a path the model rejects is an ``InternalError``, never a
    VIOLATED verdict. A witness of a property that holds is replayed only when ``trace``
    is first read: a blocked hub spoke's recovery witness has ~10^4 events, and only
    ``--verbose`` text and JSON show it. ``replayed`` is a trace already at hand (it must
    belong to ``result.path`` through ``system``); ``rendered`` is this result already
    rendered, with the renderer that made it, by a worker process (:meth:`render`).
    """

    tunnel: Tunnel
    system: TunnelSystem
    prop: Property
    bound: int | None
    engine: str
    result: EngineResult
    expected: str | None
    #: with --assume-unknown: when each verdict happens (``ipsecmc.workflows.unknowns``)
    condition: Condition | None = None
    replayed: Trace | None = field(default=None, compare=False, repr=False)
    rendered: tuple[ResultRenderer, str] | None = field(default=None, compare=False, repr=False)

    @property
    def verdict(self) -> Verdict:
        return self.result.verdict

    @cached_property
    def trace(self) -> Trace | None:
        """The path replayed (once, on first use); ``None`` when the engine gave none."""
        if self.replayed is not None:
            return self.replayed
        path = self.result.path
        return None if path is None else replay(self.system, path)

    def render(self, renderer: ResultRenderer) -> str:
        """``renderer(self)``: the text a worker made already if it used ``renderer``."""
        if self.rendered is not None and self.rendered[0] is renderer:
            return self.rendered[1]
        return renderer(self)


def make_result(
    system: TunnelSystem,
    prop: Property,
    bound: int | None,
    engine: str,
    result: EngineResult,
    expected: str | None,
) -> PropertyResult:
    """A result whose counterexample, if any, is replayed (checked) now."""
    replayed = None
    if result.verdict is Verdict.VIOLATED and result.path is not None:
        replayed = replay(system, result.path)
    return PropertyResult(
        system.tunnel, system, prop, bound, engine, result, expected, replayed=replayed
    )


#: ``facts`` key of a result whose search Ctrl-C stopped before it was answered.
INTERRUPTED_FACT = "interrupted"


def interrupted_result(
    system: TunnelSystem, prop: Property, options: CheckOptions, expected: str | None = None
) -> PropertyResult:
    """The INCONCLUSIVE result of a search Ctrl-C stopped (or never started)."""
    bound = plan_for(system, prop, options.bound_seconds).bound
    result = EngineResult(
        Verdict.INCONCLUSIVE,
        Stats(),
        bound=bound,
        reason="interrupted (Ctrl-C) before this search was answered",
        facts={INTERRUPTED_FACT: True},
    )
    return make_result(system, prop, bound, options.engine, result, expected)


def load_properties(names: Sequence[str]) -> tuple[Property, ...]:
    """The named properties, or the default set: the library's properties but those
    about faults (a ``faults:`` line), which are checked when named."""
    if not names:
        return tuple(p for p in load_all() if p.faults is None)
    return tuple(load_property(n) for n in names)


def resolve_bound(params: TunnelParams, prop: Property, bound_seconds: int | None) -> Any:
    """``prop``'s T: ``bound_seconds`` if given, ``bound: auto`` derived from ``params``'
    timers (an int, or a term when the timers are symbolic: synthesis), else the file's
    number; None without a ``bound:`` line."""
    if prop.bound is None:
        return None
    if bound_seconds is not None:
        return bound_seconds
    if prop.bound == "auto":
        return params.default_bound()
    return int(prop.bound)


def plan_for(system: TunnelSystem, prop: Property, bound_seconds: int | None) -> Plan:
    """Resolve ``bound: auto`` and compile the formula to a predicate over states."""
    bound: int | None = resolve_bound(system.params, prop, bound_seconds)

    def predicate_of(expr: Expr) -> Callable[[State], bool]:
        compiled = compile_formula(expr, bound)

        def predicate(state: State) -> bool:
            def value(atom: Atom) -> bool | int | str:
                return system.atom_value(state, atom)

            return compiled(value)

        return predicate

    reads = frozenset(
        n.name for e in prop.expressions() for n in subexpressions(e) if isinstance(n, Atom)
    )
    temporal = prop.temporal
    if temporal is None:
        return Plan(prop.name, prop.kind, predicate_of(prop.formula), bound, reads)
    # the time limit is the formula's ``within`` (a number, or T: the bound above)
    limit = temporal.limit
    within = None if limit is None else bound if isinstance(limit, BoundRef) else limit.value
    left = None if temporal.left is None else predicate_of(temporal.left)
    obligation = Obligation(
        trigger=left if temporal.op == "leads-to" else None,
        hold=left if temporal.op == "until" else None,
    )
    return Plan(prop.name, prop.kind, predicate_of(prop.formula), within, reads, obligation)


def _engine(name: str, budget: Budget, progress: Callable[[Stats], None] | None) -> Engine:
    if name == "explicit":
        return ExplicitEngine(budget, progress)
    if name == "z3":
        try:
            from ipsecmc.engines.smt.engine import SmtEngine
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise UsageError(f"the z3 engine is not available: {exc}") from exc
        return SmtEngine(budget)
    raise UsageError(f"unknown engine {name!r}; expected one of {', '.join(ENGINES)}")


def _tagged(progress: Callable[[Stats], None], task: str) -> Callable[[Stats], None]:
    """``progress`` with every line naming the tunnel and property being searched."""

    def report(stats: Stats) -> None:
        progress(replace(stats, task=task))

    return report


def check_tunnel(
    system: TunnelSystem,
    prop: Property,
    options: CheckOptions,
    progress: Callable[[Stats], None] | None = None,
    expected: str | None = None,
) -> PropertyResult:
    """Check one property on one tunnel; with engine ``both``, compare the answers."""
    validate(prop, STANDARD_ATOMS, system.names)
    plan = plan_for(system, prop, options.bound_seconds)
    budget = Budget(
        options.max_states, options.timeout_seconds, options.cpu_seconds, options.solver_rlimit
    )
    names = ("explicit", "z3") if options.engine == "both" else (options.engine,)
    if progress is not None:
        progress = _tagged(progress, f"{system.tunnel.name}: {prop.name}")
    results = [(n, _engine(n, budget, progress).check(system, plan)) for n in names]
    engine_name, result = results[0]
    if len(results) == 2:
        result = _reconcile(prop, results[0][1], results[1][1])
        result = replace(result, facts={**result.facts, **_agreement_facts(results)})
        engine_name = "both"
    if options.longest and engine_name in ("explicit", "both"):
        result = _with_longest(system, prop, plan, results[0][1], result, budget, progress)
    if result.verdict is Verdict.INCONCLUSIVE and not system.params.traffic.deterministic:
        result = replace(result, reason=result.reason + _free_traffic_hint(system, engine_name))
    return make_result(system, prop, plan.bound, engine_name, result, expected)


def _free_traffic_hint(system: TunnelSystem, engine_name: str) -> str:
    """What to try when a search under free traffic ran out of budget. The z3 engine
    chooses four traffic bits a step, so its deep queries are hard (a 43-step
    counterexample out of reach in 60 s, ``benchmarks/smt_free_traffic.py``, with or
    without keylives), while the explicit engine searches free traffic as zones."""
    if engine_name == "z3":
        return (
            "; under free traffic (a choice every second) z3 rarely reaches deep "
            "counterexamples: use the explicit engine (the default) or pin a --traffic profile"
        )
    keylives = " and real keylife timers" if system.params.rekey else ""
    also = " or try --no-rekey" if system.params.rekey else ""
    return (
        f"; with free traffic choices every second{keylives} the state space is very "
        f"large: pin a --traffic profile{also}"
    )


def _with_longest(
    system: TunnelSystem,
    prop: Property,
    plan: Plan,
    explicit: EngineResult,
    result: EngineResult,
    budget: Budget,
    progress: Callable[[Stats], None] | None,
) -> EngineResult:
    """``result`` with the worst stretch of a bounded property's formula as a fact
    (``ipsecmc.workflows.longest``), found with the explicit engine that gave ``explicit``; only
    for the formulas in ``REPORTED`` (``disagree``: the figure costs one more search
    of the same kind in the common case)."""
    if prop.uses_bound or prop.render() not in REPORTED:
        return result
    longest = longest_stretch(
        plan, explicit, lambda p: ExplicitEngine(budget, progress).check(system, p)
    )
    if longest is None:
        return result
    return replace(result, facts={**result.facts, "longest_stretch": longest.as_fact()})


def _agreement_facts(results: list[tuple[str, EngineResult]]) -> dict[str, object]:
    """What ``--engine both`` says about its two engines: each one's verdict, and whether
    they agree (a definite disagreement never gets here: ``_reconcile`` raises)."""
    verdicts = {n: r.verdict.value for n, r in results}
    definite = [r.verdict for _, r in results if r.verdict in _DEFINITE]
    return {
        "engines": verdicts,
        "engines_agree": len(definite) == len(results) and len(set(definite)) == 1,
    }


_DEFINITE = {Verdict.HOLDS, Verdict.VIOLATED}


def _reconcile(prop: Property, explicit: EngineResult, smt: EngineResult) -> EngineResult:
    """Both engines answered: definite verdicts must be equal (else an internal error)."""
    a, b = explicit.verdict, smt.verdict
    if a in _DEFINITE and b in _DEFINITE and a != b:
        raise InternalError(
            f"engines disagree on {prop.name}: explicit says {a.value} ({explicit.reason}), "
            f"z3 says {b.value} ({smt.reason})"
        )
    if a is Verdict.HOLDS and b is Verdict.HOLDS_UP_TO:
        return explicit
    if a in _DEFINITE:
        return explicit
    return smt


def check_with_unknowns(
    system: TunnelSystem,
    prop: Property,
    options: CheckOptions,
    progress: Callable[[Stats], None] | None = None,
    expected: str | None = None,
) -> PropertyResult:
    """``check_tunnel`` with ``--assume-unknown`` names as symbols: one check per concrete
    model they select, combined into the property's verdict and its condition (sound
    because the models cover every assignment: see ``ipsecmc.workflows.unknowns``)."""
    if not options.assume_unknown:
        return check_tunnel(system, prop, options, progress, expected)
    cases = split(system, frozenset(options.assume_unknown))
    outcomes = [
        (m, check_tunnel(m.system, prop, options, progress, expected)) for m in cases.models
    ]
    condition = Condition(
        cases.symbols, tuple(CaseOutcome(m.assignments, r.result, r.trace) for m, r in outcomes)
    )
    main = overall(condition)
    chosen = next(r for m, r in outcomes if m.assignments == main.assignments)
    return replace(chosen, condition=condition)
