"""Time jumps and chain compression change no verdict (issue 3: "Real timer values").

On small timer values the explicit engine with jumps must give the same verdicts and
the same counterexample length in seconds as plain one-second ticks.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ipsecmc.engines.result import Plan, Verdict
from ipsecmc.model.semantics import Sink
from ipsecmc.trace import replay
from tests.model.helpers import (
    agreement_plan,
    both_up,
    run,
    small_system,
    small_system_strategies,
)

PAIRS = small_system_strategies(
    ttl=(3, 40),
    interval=(2, 8),
    keylives=[None, 120, 150],
    traffic=[
        "none",
        "both",
        "end_a-to-end_b",
        "end_b-to-end_a",
        "both:30,end_a-to-end_b",
        "none:20,both:30,end_b-to-end_a",
    ],
)


def _plans(bound: int) -> list[Plan]:
    return [
        agreement_plan(bound),
        Plan("establishes", "reachable", both_up),
        Plan("recoverable", "recoverable", both_up),
        Plan("never-up", "invariant", lambda s: not both_up(s)),
    ]


@settings(max_examples=40)
@given(bound=st.integers(5, 60), **PAIRS)
def test_jumps_keep_verdicts_and_counterexample_lengths(bound: int, **kw: object) -> None:
    system = small_system(**kw)  # type: ignore[arg-type]
    for plan in _plans(bound):
        fast = run(system, plan, accelerate=True)
        slow = run(system, plan, accelerate=False)
        assert fast.verdict == slow.verdict, plan.name
        if fast.path is not None and slow.path is not None and plan.kind != "recoverable":
            assert replay(system, fast.path).duration == replay(system, slow.path).duration
        if fast.verdict is Verdict.VIOLATED and fast.path is not None:
            replay(system, fast.path)  # replays without error


def test_a_delay_is_its_ticks_whatever_sent_was() -> None:
    """``Semantics.delay(s, d)`` equals ``d`` one-second ticks, also from states whose
    ``sent`` the first tick overwrites (ESP went out last second, not this one). The
    explicit engine's quotient forgets ``sent`` (``fast_successors``), so its delays are
    found on states with ``sent`` False and replayed on the real ones: a delay allowed
    on one must be allowed, and equal, on the other (a counterexample once failed to
    replay here)."""
    checked: list[int] = []

    @settings(derandomize=True, database=None, max_examples=12, deadline=None)
    @given(rng=st.randoms(use_true_random=False), **PAIRS)  # type: ignore[arg-type]
    def check(rng: random.Random, **kw: object) -> None:
        system = small_system(**kw)  # type: ignore[arg-type]
        sem = system.semantics
        state = system.initial()
        for _ in range(120):
            for sent in ((False, False), (True, False), (False, True), (True, True)):
                variant = state._replace(
                    a=state.a._replace(sent=sent[0]), b=state.b._replace(sent=sent[1])
                )
                longest = sem.max_delay(variant)
                assert longest == sem.max_delay(state)
                # A state with no running timer may wait "forever" (2**30 s): tick a
                # prefix of that wait, any delay up to the longest is allowed.
                d = min(longest, 300)
                choice = sem.steady_choice(variant)
                if d < 2 or choice is None:
                    continue
                ticked = variant
                for _ in range(d):
                    ticked = sem.tick(ticked, *choice, Sink(False))
                assert sem.delay(variant, d) == ticked
                checked.append(sent[0] or sent[1])
            successors = system.successors(state)
            state = rng.choice(successors)[1] if successors else system.initial()

    check()
    assert any(checked) and len(checked) > 100
