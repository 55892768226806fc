"""Time jumps and chain compression change no verdict (issue 3: "Real timer values").

On small timer values the explicit engine with jumps must give the same verdicts and
the same counterexample length in seconds as plain one-second ticks.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ipsecmc.engines.result import Plan, Verdict
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
