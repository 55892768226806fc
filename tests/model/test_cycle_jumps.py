"""Cycle jumps (``engines.explicit.cycles``) change no verdict and no counterexample.

With keylives many rounds of DPD long, the search with jumps over the rounds that only
wear the keylives down must give the verdict, and the very path (counterexample,
witness, slowest recovery), of the search that walks every round.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from ipsecmc.engines.explicit.search import ExplicitEngine
from ipsecmc.engines.result import Plan, Verdict
from ipsecmc.model.state import REQ_REKEY_P1, REQ_REKEY_P2, State
from ipsecmc.properties import load_property
from ipsecmc.systems import TunnelSystem
from ipsecmc.trace import replay
from ipsecmc.workflows.check import load_model
from ipsecmc.workflows.tunnel_check import plan_for
from tests.model.helpers import (
    MODELS,
    agreement_plan,
    both_up,
    small_system,
    small_system_strategies,
)

PAIRS = small_system_strategies(
    ttl=(3, 40),
    interval=(2, 8),
    keylives=[None, 97, 300, 451],
    traffic=["both", "none", "end_a-to-end_b", "both:30,end_b-to-end_a", "none:20,both"],
)


def _no_rekey(s: State) -> bool:
    return all(e.req not in (REQ_REKEY_P1, REQ_REKEY_P2) for e in (s.a, s.b))


def _plans(bound: int) -> list[Plan]:
    # "never-rekeys" fails only once a keylife has run out: its counterexample crosses
    # the rounds the jumps skip.
    return [
        agreement_plan(bound),
        Plan("establishes", "reachable", both_up),
        Plan("never-up", "invariant", lambda s: not both_up(s)),
        Plan("down-for-long", "bounded", lambda s: not both_up(s), bound),
        Plan("never-rekeys", "invariant", _no_rekey),
        Plan("recoverable", "recoverable", both_up),
    ]


def _engines() -> tuple[ExplicitEngine, ExplicitEngine]:
    # Without the keylife-free first search, so that the full search is what is compared.
    return ExplicitEngine(keylife_prefix=False), ExplicitEngine(keylife_prefix=False, cycles=False)


@settings(max_examples=30, deadline=None)
@given(bound=st.integers(5, 60), **PAIRS)
def test_cycle_jumps_keep_verdicts_and_counterexample_lengths(bound: int, **kw: object) -> None:
    system = small_system(**kw)  # type: ignore[arg-type]
    jumping, walking = _engines()
    for plan in _plans(bound):
        fast = jumping.check(system, plan)
        slow = walking.check(system, plan)
        assert fast.verdict == slow.verdict, plan.name
        assert fast.stats.states <= slow.stats.states
        if fast.path is not None and slow.path is not None:
            # the same path (a recoverable HOLDS carries its slowest recovery, a
            # VIOLATED one its lasso)
            assert fast.path.labels == slow.path.labels, plan.name
        if fast.verdict is Verdict.VIOLATED and fast.path is not None:
            replay(system, fast.path)  # a concrete path of Semantics steps


def test_seed_with_real_keylives_skips_the_rounds() -> None:
    """The seed with a session TTL that keeps agreement (260 s): the same HOLDS, from a
    few hundred states instead of 26,000 (one per DPD round of the 43,200 s keylife),
    and the same counterexample on the seed as bundled (180 s)."""
    model = load_model([str(MODELS / "seed-intended")])
    prop = load_property("agreement")
    jumping, walking = _engines()
    for ttl, verdict in ((260, Verdict.HOLDS), (180, Verdict.VIOLATED)):
        base = model.systems[0]
        a, b = (replace(e, session_ttl=ttl) for e in base.params.ends)
        system = TunnelSystem(base.tunnel, replace(base.params, ends=(a, b)))
        plan = plan_for(system, prop, None)
        fast = jumping.check(system, plan)
        slow = walking.check(system, plan)
        assert fast.verdict is slow.verdict is verdict
        if verdict is Verdict.HOLDS:
            assert slow.stats.states > 20_000 and fast.stats.states < 1_000
        else:
            assert fast.path is not None and slow.path is not None
            assert fast.path.labels == slow.path.labels
