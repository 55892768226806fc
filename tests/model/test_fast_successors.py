"""The explicit engine's fast paths against the reference semantics (issue 5).

* ``FastSuccessors.successors`` equals ``Semantics.successors`` (labels, order, states)
  on reachable states of the seed scenarios and of random small-timer systems; with
  ``forget_sent`` it equals the reference with ``sent`` cleared.
* Every reduction can be switched off (``ExplicitEngine(compiled=..., keylife_prefix=...,
  accelerate=...)``); with all of them on, verdicts and counterexample durations equal
  those of the plain one-second search, on small timers with free traffic (``any``) and
  short keylives, where the plain search is exhaustive in well under a second.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipsecmc.engines.explicit.fast_successors import FastSuccessors
from ipsecmc.engines.explicit.search import ExplicitEngine
from ipsecmc.engines.result import EngineResult, Plan, Verdict
from ipsecmc.fortios.topology import load_scenario
from ipsecmc.model.state import State
from ipsecmc.model.system import TransitionSystem
from ipsecmc.systems import TunnelSystem, build
from ipsecmc.trace import replay
from tests.model.helpers import MODELS, both_up, small_system
from tests.model.test_acceleration import PAIRS


def _forget(s: State) -> State:
    return State(s.a._replace(sent=False), s.b._replace(sent=False), s.phase, s.phase_left)


def _compare(system: TransitionSystem, forget_sent: bool, limit: int) -> int:
    """BFS over up to ``limit`` states, comparing both successor functions at each."""
    sem = system.semantics
    fast = FastSuccessors(sem, forget_sent)
    start = system.initial()
    seen, queue = {start}, deque([start])
    while queue and len(seen) < limit:
        s = queue.popleft()
        expected = sem.successors(s)
        if forget_sent:
            expected = [(label, _forget(t)) for label, t in expected]
        got = fast.successors(s)
        assert got == expected, s
        for _, t in got:
            if t not in seen:
                seen.add(t)
                queue.append(t)
    return len(seen)


@pytest.mark.parametrize("forget_sent", [False, True])
@pytest.mark.parametrize("traffic", ["any", "both:200,site1-to-site2", "none:5,any"])
@pytest.mark.parametrize("model", ["seed-intended", "seed-fixed"])
def test_fast_successors_equal_reference_on_seeds(
    model: str, traffic: str, forget_sent: bool
) -> None:
    tunnel = load_scenario([str(MODELS / model)]).tunnels[0]
    for rekey in (False, True):
        assert _compare(build(tunnel, traffic, rekey), forget_sent, 3000) > 100


@settings(max_examples=30, deadline=None)
@given(forget_sent=st.booleans(), **{**PAIRS, "traffic": st.sampled_from(["any", "both"])})
def test_fast_successors_equal_reference_on_small_systems(forget_sent: bool, **kw: object) -> None:
    _compare(small_system(**kw), forget_sent, 1500)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- verdicts


def _plans(bound: int) -> list[Plan]:
    disagree = frozenset({"disagree"})
    return [
        Plan("agreement", "bounded", lambda s: s.a.p2 != s.b.p2, bound, disagree),
        Plan(
            "no-blackhole",
            "bounded",
            lambda s: (
                (s.a.p2 == 2 and s.a.sent and s.b.p2 == 0)
                or (s.b.p2 == 2 and s.b.sent and s.a.p2 == 0)
            ),
            bound,
            frozenset({"blackhole"}),
        ),
        Plan("establishes", "reachable", both_up, None, frozenset({"up"})),
        Plan("never-up", "invariant", lambda s: not both_up(s), None, frozenset({"up"})),
        Plan("recoverable", "recoverable", both_up, None, frozenset({"up"})),
    ]


def _same(system: TransitionSystem, plan: Plan, fast: EngineResult, slow: EngineResult) -> None:
    assert fast.verdict == slow.verdict, plan.name
    if fast.path is not None and slow.path is not None and plan.kind != "recoverable":
        assert replay(system, fast.path).duration == replay(system, slow.path).duration
    if fast.verdict is Verdict.VIOLATED and fast.path is not None:
        replay(system, fast.path)  # a concrete path of Semantics steps


SMALL_FREE = {
    **PAIRS,
    "ttl": st.tuples(st.integers(3, 12), st.integers(3, 12)),
    "interval": st.tuples(st.integers(2, 5), st.integers(2, 5)),
    # Free traffic and keylives multiply (the countdowns' offsets are free): keep them
    # tiny so that the plain search stays exhaustive in a fraction of a second.
    "keylife": st.tuples(st.sampled_from([None, 5, 8]), st.sampled_from([None, 5, 8])),
    "traffic": st.sampled_from(["any", "none:10,any", "both:15,end_a-to-end_b?"]),
}


@settings(max_examples=20, deadline=None)
@given(bound=st.integers(5, 40), **SMALL_FREE)
def test_reductions_keep_verdicts_with_free_traffic(bound: int, **kw: object) -> None:
    system = small_system(**kw)  # type: ignore[arg-type]
    plain = ExplicitEngine(accelerate=False, compiled=False, keylife_prefix=False)
    for plan in _plans(bound):
        fast = ExplicitEngine().check(system, plan)
        slow = plain.check(system, plan)
        _same(system, plan, fast, slow)


def test_keylife_prefix_finds_the_seed_counterexample_with_rekey() -> None:
    """With free traffic and real keylives the seed's counterexample comes from the
    keylife-free search and replays through the full model (with rekey)."""
    tunnel = load_scenario([str(MODELS / "seed-intended")]).tunnels[0]
    system = build(tunnel, "any", rekey=True)
    plan = Plan("agreement", "bounded", lambda s: s.a.p2 != s.b.p2, 120, frozenset({"disagree"}))
    result = ExplicitEngine().check(system, plan)
    assert result.verdict is Verdict.VIOLATED and result.path is not None
    trace = replay(system, result.path)
    assert trace.duration < 43200


def test_keylife_prefix_rejects_a_path_longer_than_the_horizon() -> None:
    """A keylife-free counterexample that would cross a keylife expiry is not taken:
    the full search decides (same verdict and length as without the prefix search).
    Seed traffic profile (pinned, so the full search is quick); the keylife-free
    counterexample lasts 391 s, longer than the 100 s phase2 keylife."""
    tunnel = load_scenario([str(MODELS / "seed-intended")]).tunnels[0]
    base = build(tunnel, "both:200,site1-to-site2", rekey=True)
    a, b = (replace(e, p1_keylife=200, p2_keylife=100) for e in base.params.ends)
    system = TunnelSystem(tunnel, replace(base.params, ends=(a, b)))
    plan = Plan("agreement", "bounded", lambda s: s.a.p2 != s.b.p2, 110, frozenset({"disagree"}))
    fast = ExplicitEngine().check(system, plan)
    slow = ExplicitEngine(keylife_prefix=False).check(system, plan)
    assert fast.verdict == slow.verdict
    assert fast.stats.states > slow.stats.states  # the prefix search ran and was rejected
    if fast.path is not None and slow.path is not None:
        assert replay(system, fast.path).duration == replay(system, slow.path).duration
