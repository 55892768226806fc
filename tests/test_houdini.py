"""Invariants the z3 engine guesses from a sample and proves (``engines/smt/samples.py``,
``engines/smt/houdini.py``): the sample is the model's reachable set when it says it is
complete, a proved invariant holds on every reachable state, a candidate that is not
inductive or not initially true is dropped, and "not bad" is never proved for a
violated property."""

from __future__ import annotations

from collections import deque

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("z3")

from ipsecmc.engines.explicit.search import ExplicitEngine
from ipsecmc.engines.monitor import Monitor
from ipsecmc.engines.result import Budget, Plan, Verdict
from ipsecmc.engines.smt.engine import SmtEngine, _Search
from ipsecmc.engines.smt.houdini import Guesses, strongest_invariant
from ipsecmc.engines.smt.samples import Point, sample
from ipsecmc.engines.smt.terms import Ints, states_equal
from ipsecmc.engines.smt.z3_api import z3
from ipsecmc.model.system import TransitionSystem
from ipsecmc.strategies import GeneratedScenario, small_scenarios
from tests.test_differential import plans

SETTINGS = settings(
    derandomize=True,
    database=None,
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def reachable(system: TransitionSystem, plan: Plan) -> set[Point]:
    """(state, monitor) pairs of the one-second model, breadth-first, not past a hit."""
    monitor = Monitor(plan)
    start = (system.initial(), monitor.initial(system.initial()))
    seen, queue = {start}, deque([start])
    while queue:
        state, c = queue.popleft()
        if monitor.hit(state, c):
            continue
        for label, s2 in system.successors(state):
            nxt = (s2, monitor.step(c, label, state, s2))
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _violated_somewhere(search: _Search, kept: object, points: set[Point]) -> bool:
    """Whether the kept invariants fail at one of ``points`` (one z3 query)."""
    ints = search.enc.ints
    s, c = ints.fresh_state("p"), ints.var("p.c")
    at_a_point = z3.Or(
        [z3.And(states_equal(s, ints.const_state(state)), c == m) for state, m in points]
    )
    solver = z3.Solver()
    solver.add(at_a_point, z3.Not(kept.at(s, c)))  # type: ignore[attr-defined]
    return bool(solver.check() == z3.sat)


@SETTINGS
@given(small_scenarios(), st.data())
def test_a_complete_sample_is_the_reachable_set(
    scenario: GeneratedScenario, data: st.DataObject
) -> None:
    system = scenario.system()
    plan = data.draw(plans(system))
    got = sample(system, plan)
    if got.complete:
        assert set(got.points) == reachable(system, plan)


@SETTINGS
@given(small_scenarios(), st.data())
def test_proved_invariants_hold_on_every_reachable_state(
    scenario: GeneratedScenario, data: st.DataObject
) -> None:
    """Whatever was kept holds on every reachable (state, monitor) pair; "not bad" is
    kept only if no reachable pair is bad."""
    system = scenario.system()
    plan = data.draw(plans(system))
    points = sample(system, plan)
    if points.hit:
        return  # the engine tries no proof then (``_Search._run``)
    search = _Search(system, plan, Budget(), 4, True)
    invariant = search._invariant(points)
    assert invariant is not None
    every = reachable(system, plan)
    monitor = Monitor(plan)
    assert not _violated_somewhere(search, invariant, every)
    if invariant.excludes_bad:
        assert not any(monitor.hit(*point) for point in every)


def test_candidates_not_initially_true_or_not_inductive_are_dropped() -> None:
    """Over a one-step relation on one variable: x' = x + 1 below 5, else 5; from 0."""
    x, x2 = z3.BitVec("x", 8), z3.BitVec("x2", 8)
    relation = x2 == z3.If(x < 5, x + 1, x)

    def candidates(v: z3.BitVecRef) -> list[z3.BoolRef]:
        return [
            z3.And(v >= 0, v <= 5),  # inductive
            v <= 3,  # initially true, not preserved
            v >= 1,  # not initially true
            z3.Or(v == 0, v >= 1),  # inductive (weaker)
        ]

    def check(solver: z3.Solver, *assumptions: z3.BoolRef) -> z3.CheckSatResult:
        return solver.check(*assumptions)

    initial = candidates(z3.BitVecVal(0, 8))
    kept = strongest_invariant(initial, candidates(x), candidates(x2), relation, check)
    assert kept == [0, 3]


def test_a_partial_sample_has_no_exact_candidate() -> None:
    scenario = small_scenarios().example()
    system = scenario.system()
    plan = plans(system).example()
    got = sample(system, plan, limit=3, walks=2, walk_length=5, cover_limit=2)
    assert not got.complete
    guessed = Guesses(got, Ints(16), 0)
    s = guessed.ints.const_state(system.initial())
    assert z3.is_false(z3.simplify(guessed.terms(s, guessed.ints.val(0))[0]))


@SETTINGS
@given(small_scenarios(), st.data())
def test_a_complete_sample_proves_what_holds(
    scenario: GeneratedScenario, data: st.DataObject
) -> None:
    """Where the explicit engine says HOLDS and the sample is complete, z3 proves it
    with k = 1 (the exact reachable set is an inductive invariant of z3's relation) and
    says how many invariants it used."""
    system = scenario.system()
    plan = data.draw(plans(system))
    if ExplicitEngine().check(system, plan).verdict is not Verdict.HOLDS:
        return
    if not sample(system, plan).complete:
        return
    # (``layers=False``: else the layered search enumerates such a state space first)
    result = SmtEngine(max_depth=2, spacer=False, layers=False).check(system, plan)
    assert result.verdict is Verdict.HOLDS, result.reason
    assert result.facts["k"] == 1
    assert "invariants" in result.reason
