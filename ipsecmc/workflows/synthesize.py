"""``synthesize``: for which timer values does a property hold? (issue 14, item 2)

The question a network engineer asks after a VIOLATED verdict: not "is 180 s wrong" but
"which session TTLs are safe for my DPD interval". The answer is a region of timer
values, printed as linear constraints in the config's names
(``session-ttl < dpd-retryinterval + 200``).

Method (counterexample-guided path regions; no grid fit):

1. The user's parameters span a *box* (``--range``) and a *grid* of cells in it
   (``--values``, or ``--steps`` evenly spaced values per range).
2. A cell no region found so far covers is checked with the explicit engine (it is
   fast on violations: the shortest counterexample comes first).
3. VIOLATED: the counterexample's event sequence is replayed with the chosen timers as
   z3 variables and every jump over time lasting an unknown number of seconds
   (``ipsecmc.engines.smt.concolic``: the reference handlers themselves, each of their
   decisions recorded as a linear constraint). The delays are projected out (z3's
   quantifier elimination) and the rest is simplified inside the box
   (``ipsecmc.workflows.regions``). Every integer point of that region is violated by
   that very event sequence (a *shape*): a sound region, derived, not sampled; the
   cell it came from is in it (checked).
4. HOLDS: the cell is recorded as checked (exhaustive search, a proof for that cell).
5. The violated region is the union of the shapes. What is left of the box is where
   the property *may* hold: it is established only at the grid cells checked HOLDS
   (``SynthesisResult.established`` says whether that is every grid cell outside the
   violated region). Between grid cells it is not established, and the report says so.

Only properties whose violation is a finite path (``invariant``, ``bounded``) have
shapes; ``recoverable`` and ``reachable`` are rejected (a lasso or a missing witness
says nothing about other timer values).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ipsecmc.engines.explicit.search import ExplicitEngine
from ipsecmc.engines.result import Budget, EngineResult, Plan, Verdict
from ipsecmc.engines.smt.concolic import PathCondition, path_condition
from ipsecmc.engines.smt.z3_api import BoolT, Term, z3
from ipsecmc.errors import InternalError, UsageError
from ipsecmc.model.system import TransitionSystem
from ipsecmc.properties import STANDARD_ATOMS, Property, compile_formula, validate
from ipsecmc.systems import TunnelSystem
from ipsecmc.workflows.check import LoadedModel
from ipsecmc.workflows.parallel import check_systems
from ipsecmc.workflows.regions import (
    Cube,
    box_formula,
    complement,
    cubes_of,
    region_text,
    simplest,
    simplify_in,
    union_formula,
)
from ipsecmc.workflows.tunnel_check import CheckOptions, plan_for, resolve_bound

#: Parameters one may synthesize, by their config-facing name: the ``EndParams`` field
#: (set at both ends) and the smallest value it may take.
PARAMS: dict[str, tuple[str, int]] = {
    "session-ttl": ("session_ttl", 1),
    "dpd-retryinterval": ("dpd_retryinterval", 1),
    "dpd-retrycount": ("dpd_retrycount", 0),
    "p1-keylife": ("p1_keylife", 1),
    "p2-keylife": ("p2_keylife", 1),
}

#: Property kinds whose violation is a finite path, so that a counterexample has a shape.
KINDS = ("invariant", "bounded")

#: Grid values per parameter when only a range is given.
DEFAULT_STEPS = 5

#: Off-grid probes after the grid (``SynthesisOptions.probes``) and the budget of each:
#: a counterexample of the seed is found in about 0.01 s (a few hundred states), an
#: exhaustive search with real keylife timers takes seconds, so a probe finds violations
#: cheaply and gives up (costing little) where the property may hold. A probe that runs
#: out of budget establishes nothing and is reported as such; the budget only decides
#: how much of the violated region is found, never what is claimed about it.
DEFAULT_PROBES = 20
#: Probing stops early after this many probes in a row found no new shape: they are
#: then most likely sitting on the true boundary.
PROBE_PATIENCE = 4
PROBE_STATES = 5_000
PROBE_SECONDS = 0.5


@dataclass(frozen=True)
class Axis:
    """One parameter: its name, the box side ``[low, high]`` and the grid values."""

    name: str
    field: str
    low: int
    high: int
    values: tuple[int, ...]


@dataclass(frozen=True)
class SynthesisOptions:
    """What ``ipsecmc synthesize`` lets a user choose."""

    params: tuple[str, ...]
    ranges: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    values: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    steps: int = DEFAULT_STEPS
    bound_seconds: int | None = None
    max_states: int = 2_000_000
    timeout_seconds: float | None = None
    probes: int = DEFAULT_PROBES
    probe_states: int = PROBE_STATES
    #: worker processes for the grid cells' searches (``workflows.parallel``)
    jobs: int = 1


@dataclass(frozen=True)
class Shape:
    """The violated region of one counterexample: found at ``point`` (grid cell), a path
    of ``steps`` labels with ``delays`` jumps whose lengths were projected out."""

    point: tuple[int, ...]
    steps: int
    delays: int
    cubes: tuple[Cube, ...]


@dataclass(frozen=True)
class Cell:
    """One grid cell's verdict and how it was established: ``explicit`` (checked with
    the explicit engine) or ``shape N`` (inside the region of shape N: not checked)."""

    point: tuple[int, ...]
    verdict: Verdict
    how: str
    reason: str = ""


@dataclass(frozen=True)
class SynthesisResult:
    """One property on one tunnel."""

    tunnel: str
    prop: Property
    bound: str
    shapes: tuple[Shape, ...]
    cells: tuple[Cell, ...]
    violated: tuple[Cube, ...]  # union of the shapes, simplified in the box
    rest: tuple[Cube, ...]  # the box minus ``violated``
    explicit_checks: int
    seconds: float
    #: off-grid points probed next to the violated region (small state budget)
    probes: tuple[Cell, ...] = ()

    @property
    def established(self) -> bool:
        """Every grid cell outside the violated region was checked HOLDS."""
        return all(c.verdict in (Verdict.HOLDS, Verdict.VIOLATED) for c in self.cells)

    def count(self, verdict: Verdict) -> int:
        return sum(1 for c in self.cells if c.verdict is verdict)


@dataclass(frozen=True)
class SynthesisReport:
    axes: tuple[Axis, ...]
    results: tuple[SynthesisResult, ...]
    seconds: float

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.axes)

    def violated_text(self, result: SynthesisResult) -> list[str]:
        return region_text(result.violated, self.names)

    def rest_text(self, result: SynthesisResult) -> list[str]:
        return region_text(result.rest, self.names)


# ---------------------------------------------------------------------- input
def parse_range(text: str) -> tuple[str, tuple[int, int]]:
    """``session-ttl=60:3600`` -> ("session-ttl", (60, 3600))."""
    name, sep, span = text.partition("=")
    low, colon, high = span.partition(":")
    try:
        if not sep or not colon:
            raise ValueError
        return name.strip(), (int(low), int(high))
    except ValueError:
        raise UsageError(
            f"--range {text!r}: expected NAME=LOW:HIGH, e.g. session-ttl=60:3600"
        ) from None


def parse_values(text: str) -> tuple[str, tuple[int, ...]]:
    """``session-ttl=180,200`` -> ("session-ttl", (180, 200))."""
    name, sep, listed = text.partition("=")
    try:
        if not sep:
            raise ValueError
        values = tuple(sorted({int(v) for v in listed.split(",")}))
    except ValueError:
        raise UsageError(
            f"--values {text!r}: expected NAME=V1,V2,..., e.g. session-ttl=180,240"
        ) from None
    return name.strip(), values


def _configured(model: LoadedModel, field_name: str) -> list[int | None]:
    return [getattr(e, field_name) for s in model.systems for e in s.params.ends]


def axes_for(model: LoadedModel, options: SynthesisOptions) -> tuple[Axis, ...]:
    """The box and grid, every name and number checked (``UsageError`` otherwise)."""
    if not options.params:
        raise UsageError("give at least one --param (" + ", ".join(PARAMS) + ")")
    if len(set(options.params)) != len(options.params):
        raise UsageError("a --param is given twice")
    for name in [*options.ranges, *options.values]:
        if name not in options.params:
            raise UsageError(f"{name!r} has a --range or --values but is not a --param")
    if options.steps < 2:
        raise UsageError("--steps must be at least 2")
    axes = []
    for name in options.params:
        if name not in PARAMS:
            raise UsageError(f"unknown parameter {name!r}; expected one of {', '.join(PARAMS)}")
        field_name, least = PARAMS[name]
        configured = _configured(model, field_name)
        if field_name.endswith("keylife") and any(v is None for v in configured):
            raise UsageError(f"{name}: rekeying is not modelled (--no-rekey or scenario.toml)")
        values = options.values.get(name)
        if name in options.ranges:
            low, high = options.ranges[name]
        elif values:
            low, high = values[0], values[-1]
        else:
            known = [v for v in configured if v is not None]
            if not known:
                raise UsageError(f"{name} is not set in the configs: give --range {name}=LOW:HIGH")
            low, high = max(least, min(known) // 4), max(known) * 4
        if low < least or high < low:
            raise UsageError(f"--range {name}={low}:{high}: expected {least} <= LOW <= HIGH")
        if values is None:
            count = min(options.steps, high - low + 1)
            values = tuple(
                sorted({low + round(k * (high - low) / max(count - 1, 1)) for k in range(count)})
            )
        if any(v < low or v > high for v in values):
            raise UsageError(f"--values of {name} must lie in its range {low}:{high}")
        axes.append(Axis(name, field_name, low, high, values))
    fields = {a.field for a in axes}
    if {"dpd_retrycount", "dpd_retryinterval"} <= fields and options.bound_seconds is None:
        raise UsageError(
            "dpd-retrycount and dpd-retryinterval together make the automatic bound "
            "(their product) nonlinear: give --bound-seconds"
        )
    return tuple(axes)


def _check_property(prop: Property, options: SynthesisOptions) -> None:
    if prop.kind not in KINDS:
        raise UsageError(
            f"{prop.name} is a {prop.kind} property: synthesis needs one whose violation is "
            f"a finite path ({' or '.join(KINDS)})"
        )
    symbolic_bound = prop.bound == "auto" and options.bound_seconds is None
    if symbolic_bound and prop.uses_bound:
        raise UsageError(f"{prop.name} uses T in its formula: give --bound-seconds")


# ---------------------------------------------------------------------- one cell
def retimed(system: TunnelSystem, axes: Sequence[Axis], point: Sequence[int]) -> TunnelSystem:
    """``system`` with the axes' timers set to ``point`` at both ends."""
    values = {a.field: v for a, v in zip(axes, point, strict=True)}
    ends = tuple(replace(e, **values) for e in system.params.ends)  # type: ignore[arg-type]
    new = system.with_params(replace(system.params, ends=(ends[0], ends[1])))
    assert isinstance(new, TunnelSystem)
    return new


def _symbolic_plan(
    prop: Property, bound_seconds: int | None
) -> Callable[[TransitionSystem, Callable[[Any], Any]], Plan]:
    """The plan of ``prop`` on a system with symbolic timers (``concolic.path_condition``):
    ``bound: auto`` is the model's own ``default_bound`` run on them."""

    def plan_of(system: TransitionSystem, concrete: Callable[[Any], Any]) -> Plan:
        bound = resolve_bound(system.params, prop, bound_seconds)
        compiled = compile_formula(prop.formula, bound if isinstance(bound, int) else None)

        def predicate(state: Any) -> bool:
            return compiled(lambda atom: concrete(system.atom_value(state, atom)))

        return Plan(prop.name, prop.kind, predicate, bound)

    return plan_of


def project(pc: PathCondition, box: BoolT) -> BoolT:
    """The path condition with its delays eliminated (z3's ``qe2``, which leaves far
    fewer cases than ``qe`` on these conditions) and what is redundant in the box
    dropped: a quantifier-free formula over the timers."""
    goal = z3.Goal()
    goal.add(z3.Exists(list(pc.delays), pc.condition) if pc.delays else pc.condition)
    result = z3.Then(z3.Tactic("simplify"), z3.Tactic("qe2"), z3.Tactic("simplify"))(goal)
    return simplify_in(result.as_expr(), box)


def _contains(cubes: Sequence[Cube], variables: Sequence[Term], point: Sequence[int]) -> bool:
    pairs = [(v, z3.IntVal(x)) for v, x in zip(variables, point, strict=True)]
    return bool(z3.is_true(z3.simplify(z3.substitute(union_formula(cubes, variables), *pairs))))


# ---------------------------------------------------------------------- one property
def synthesize_property(
    system: TunnelSystem,
    prop: Property,
    axes: Sequence[Axis],
    options: SynthesisOptions,
) -> SynthesisResult:
    """Cover the grid with counterexample shapes and checked cells, then probe off the
    grid next to the violated region (module doc)."""
    started = time.perf_counter()
    validate(prop, STANDARD_ATOMS, system.names)
    variables = [z3.Int(a.name) for a in axes]
    box = box_formula(variables, [(a.low, a.high) for a in axes])
    plan_of = _symbolic_plan(prop, options.bound_seconds)
    shapes: list[Shape] = []
    checks = 0

    longest = _largest_bound(system, prop, axes, options.bound_seconds)

    grid = list(itertools.product(*(a.values for a in axes)))
    known = _checked_in_parallel(system, prop, axes, grid, options)

    def explore(point: tuple[int, ...], budget: Budget) -> Cell:
        """Check ``point`` (or take its verdict from the parallel pass); a
        counterexample becomes a new shape."""
        nonlocal checks
        concrete = retimed(system, axes, point)
        plan = plan_for(concrete, prop, options.bound_seconds)
        result = known.get(point) or ExplicitEngine(budget).check(concrete, plan)
        checks += 1
        if result.verdict is not Verdict.VIOLATED or result.path is None:
            return Cell(point, result.verdict, "explicit", result.reason)
        labels = result.path.labels
        if longest is not None and plan.bound is not None and longest > plan.bound:
            # A bounded violation's shortest path ends as soon as the formula has held
            # T + 1 s: replayed, it holds only where T is no larger, which pins the
            # timers T is made of (bound: auto) to at most the cell's. The same state
            # held for the box's largest T gives a path valid across the whole box.
            stretched = ExplicitEngine(small).check(concrete, replace(plan, bound=longest))
            checks += 1
            if stretched.verdict is Verdict.VIOLATED and stretched.path is not None:
                labels = stretched.path.labels
        timers = {a.field: (a.name, v) for a, v in zip(axes, point, strict=True)}
        pc = path_condition(system, timers, plan_of, labels)
        region = project(pc, box)
        cubes = tuple(simplest(cubes_of(region, variables), region, variables, box))
        if not _contains(cubes, variables, point):
            raise InternalError(f"synthesis: the shape of {point} does not contain it")
        shapes.append(Shape(point, pc.steps, len(pc.delays), cubes))
        return Cell(point, Verdict.VIOLATED, f"explicit, shape {len(shapes)}")

    def covering(point: tuple[int, ...]) -> int | None:
        return next((k for k, s in enumerate(shapes) if _contains(s.cubes, variables, point)), None)

    cells: list[Cell] = []
    full = Budget(options.max_states, options.timeout_seconds)
    probe_seconds = min(PROBE_SECONDS, options.timeout_seconds or PROBE_SECONDS)
    small = Budget(min(options.probe_states, options.max_states), probe_seconds)
    for point in grid:
        k = covering(point)
        if k is not None:
            cells.append(Cell(point, Verdict.VIOLATED, f"shape {k + 1}"))
        else:
            cells.append(explore(point, full))
    probes: list[Cell] = []
    for _ in range(options.probes):
        recent = probes[-PROBE_PATIENCE:]
        if not shapes or (
            len(recent) == PROBE_PATIENCE and all(c.verdict is not Verdict.VIOLATED for c in recent)
        ):
            break
        union = union_formula([c for s in shapes for c in s.cubes], variables)
        # far from where the property held or a probe gave up (the true boundary is
        # there); points already in a shape cannot be chosen anyway
        seen = [c.point for c in cells + probes if c.verdict is not Verdict.VIOLATED]
        probe = next_probe(variables, axes, box, union, seen)
        if probe is None:
            break
        probes.append(explore(probe, small))
    all_cubes = [c for s in shapes for c in s.cubes]
    union = union_formula(all_cubes, variables)
    for cell in cells + probes:
        if cell.verdict is Verdict.HOLDS and _contains(all_cubes, variables, cell.point):
            raise InternalError(
                f"synthesis: {cell.point} holds by search but lies in a violated shape"
            )
    violated = simplest(all_cubes, union, variables, box)
    rest = simplest(complement(violated, variables, box), z3.Not(union), variables, box)
    bound = _bound_text(prop, options.bound_seconds)
    return SynthesisResult(
        system.tunnel.name,
        prop,
        bound,
        tuple(shapes),
        tuple(cells),
        tuple(violated),
        tuple(rest),
        checks,
        time.perf_counter() - started,
        tuple(probes),
    )


def _checked_in_parallel(
    system: TunnelSystem,
    prop: Property,
    axes: Sequence[Axis],
    grid: Sequence[tuple[int, ...]],
    options: SynthesisOptions,
) -> dict[tuple[int, ...], EngineResult]:
    """With ``jobs`` > 1, every grid cell searched up front by ``jobs`` forked workers
    (``workflows.parallel``, as ``check --jobs``): the cells where the property holds
    need a whole search each, and shapes save none of them. With one job, nothing: cells
    are searched one by one and those a shape already covers are skipped."""
    if options.jobs <= 1 or len(grid) <= 1:
        return {}
    systems = [retimed(system, axes, point) for point in grid]
    check = CheckOptions(
        properties=(prop.name,),
        bound_seconds=options.bound_seconds,
        max_states=options.max_states,
        timeout_seconds=options.timeout_seconds,
        jobs=options.jobs,
        longest=False,
    )
    results = check_systems(systems, [prop], check, {}, symmetry=False)
    return {point: r.result for point, r in zip(grid, results, strict=True)}


def _largest_bound(
    system: TunnelSystem, prop: Property, axes: Sequence[Axis], bound_seconds: int | None
) -> int | None:
    """The largest T of a bounded property over the box (``bound: auto`` is a maximum of
    sums of timers, so it is largest at a corner), or None when T does not vary."""
    if prop.kind != "bounded" or prop.bound != "auto" or bound_seconds is not None:
        return None
    corners = itertools.product(*((a.low, a.high) for a in axes))
    return max(retimed(system, axes, c).params.default_bound() for c in corners)


def next_probe(
    variables: Sequence[Term],
    axes: Sequence[Axis],
    box: BoolT,
    union: BoolT,
    seen: Sequence[tuple[int, ...]],
) -> tuple[int, ...] | None:
    """A point of the box outside the violated region ``union`` but next to it (one
    second away along one parameter), as far as possible from every point ``seen``
    (where the property held or a probe gave up; each axis scaled to the box): where a
    shape ended because its event sequence changed, not because the property starts to
    hold, a probe there finds the next shape; keeping away from the points that did not
    fail keeps the probes from walking along a true boundary."""
    opt = z3.Optimize()
    opt.add(box, z3.Not(union))
    steps = [(v, v + d) for v in variables for d in (1, -1)]
    opt.add(z3.Or([z3.substitute(union, pair) for pair in steps]))
    spans = [max(a.high - a.low, 1) for a in axes]
    top = max(spans)
    weights = [max(top // span, 1) for span in spans]
    if seen:
        margin = z3.Int("__margin")
        for point in seen:
            distance = z3.Sum(
                [
                    w * z3.If(v >= x, v - x, x - v)
                    for v, x, w in zip(variables, point, weights, strict=True)
                ]
            )
            opt.add(margin <= distance)
        opt.add(margin >= 1)
        opt.maximize(margin)
    if opt.check() != z3.sat:
        return None
    model = opt.model()
    return tuple(model.eval(v, model_completion=True).as_long() for v in variables)


def _bound_text(prop: Property, bound_seconds: int | None) -> str:
    if prop.bound is None:
        return ""
    if bound_seconds is not None:
        return f"T = {bound_seconds} s (--bound-seconds)"
    if prop.bound == "auto":
        return "T = auto: from each point's own DPD and negotiation timers"
    return f"T = {prop.bound} s"


def synthesize_model(
    model: LoadedModel, properties: Sequence[Property], options: SynthesisOptions
) -> SynthesisReport:
    """Every property on every tunnel of ``model``."""
    started = time.perf_counter()
    axes = axes_for(model, options)
    for prop in properties:
        _check_property(prop, options)
    results = tuple(
        synthesize_property(system, prop, axes, options)
        for system in model.systems
        for prop in properties
    )
    return SynthesisReport(axes, results, time.perf_counter() - started)


def exit_code(report: SynthesisReport) -> int:
    """1 some cell is VIOLATED, else 3 some cell is not answered, else 0 (every cell
    HOLDS, each proved by exhaustive search)."""
    cells = [c for r in report.results for c in r.cells]
    if any(c.verdict is Verdict.VIOLATED for c in cells):
        return 1
    if any(c.verdict is not Verdict.HOLDS for c in cells):
        return 3
    return 0


__all__ = [
    "DEFAULT_PROBES",
    "DEFAULT_STEPS",
    "KINDS",
    "PARAMS",
    "PROBE_PATIENCE",
    "PROBE_SECONDS",
    "PROBE_STATES",
    "Axis",
    "Cell",
    "Shape",
    "SynthesisOptions",
    "SynthesisReport",
    "SynthesisResult",
    "axes_for",
    "exit_code",
    "next_probe",
    "parse_range",
    "parse_values",
    "project",
    "retimed",
    "synthesize_model",
    "synthesize_property",
]
