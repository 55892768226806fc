"""``measure`` against brute force over plain one-second ticks (issue 4, scope 5).

The reference below knows nothing of chain compression, time jumps, stored graphs or
components: it walks the product of the unreduced model (one-second ticks only) with a
counter of the seconds the current stretch has lasted, and records every stretch that
ends. A stretch longer than the number of reachable states must pass some state twice
with time in between while the formula held: a timed cycle, so the answer is
unbounded. Hypothesis draws small-timer, seed-shaped tunnels; both quantities are
compared (``blackhole`` reads ``sent``, which ticks change, so it also exercises a
formula whose value changes on a tick).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from ipsecmc.engines.explicit.measure import Status, measure
from ipsecmc.engines.result import Budget
from ipsecmc.model.state import State
from ipsecmc.model.system import TransitionSystem
from ipsecmc.workflows.measure import QUANTITIES, predicate_for
from tests.model.helpers import small_system
from tests.model.test_acceleration import PAIRS as _BASE

#: The acceleration test's small-timer tunnels, biased towards the seed's shape (one end
#: denies new IKE, traffic that stops one way).
PAIRS = {
    **_BASE,
    "accept": st.sampled_from([(True, False), (False, True), (True, True), (False, False)]),
    "traffic": st.sampled_from(
        [
            "both:30,end_a-to-end_b",
            "both:20,end_b-to-end_a",
            "none:20,both:30,end_b-to-end_a",
            "end_a-to-end_b",
            "both",
        ]
    ),
}
#: Optional traffic (runs branch every second): without keylife, or the brute force's
#: state space explodes (millions of states).
OPTIONAL = {
    **PAIRS,
    "keylife": st.just((None, None)),
    "traffic": st.sampled_from(["end_a-to-end_b?", "end_a-to-end_b+end_b-to-end_a?"]),
}


UNBOUNDED = -1


def _reachable(system: TransitionSystem) -> int:
    seen = {system.initial()}
    queue = deque(seen)
    while queue:
        for _, s2 in system.successors(queue.popleft()):
            if s2 not in seen:
                seen.add(s2)
                queue.append(s2)
    return len(seen)


def brute_force(system: TransitionSystem, pred: Callable[[State], bool]) -> int:
    """Longest stretch over one-second ticks, or ``UNBOUNDED``; -2 when it never holds."""
    limit = _reachable(system)
    s0 = system.initial()
    start = (s0, 0 if pred(s0) else None)
    seen = {start}
    queue = deque([start])
    best = -2
    while queue:
        state, since = queue.popleft()
        for label, s2 in system.successors(state):
            secs = 1 if label.kind == "tick" else 0
            now: int | None
            if pred(s2):
                now = 0 if since is None else since + secs
                if now > limit:
                    return UNBOUNDED
            else:
                if since is not None:
                    best = max(best, since + secs)
                now = None
            key = (s2, now)
            if key not in seen:
                seen.add(key)
                queue.append(key)
    return best


def _compare(quantity: str, kw: dict[str, object]) -> None:
    system = small_system(**kw)  # type: ignore[arg-type]
    pred = predicate_for(system, QUANTITIES[quantity])
    expected = brute_force(system, pred)
    m = measure(system, pred)
    if expected == UNBOUNDED:
        assert m.status is Status.UNBOUNDED
        assert m.path is not None and m.path.loop_start is not None
    elif expected == -2:
        assert (m.status, m.seconds, m.path) == (Status.EXACT, 0, None)
    else:
        assert m.status is Status.EXACT
        assert m.seconds == expected
        assert m.start is not None and m.end is not None
        assert m.end - m.start == expected


@settings(max_examples=30, deadline=None)
@given(quantity=st.sampled_from(sorted(QUANTITIES)), **PAIRS)
def test_measure_equals_brute_force_over_one_second_ticks(quantity: str, **kw: object) -> None:
    _compare(quantity, kw)


@settings(max_examples=15, deadline=None)
@given(quantity=st.sampled_from(sorted(QUANTITIES)), **OPTIONAL)
def test_measure_equals_brute_force_with_branching_traffic(quantity: str, **kw: object) -> None:
    _compare(quantity, kw)


@settings(max_examples=30, deadline=None)
@given(
    quantity=st.sampled_from(sorted(QUANTITIES)),
    max_states=st.integers(1, 12),
    **PAIRS,
)
def test_a_budget_gives_a_sound_lower_bound(quantity: str, max_states: int, **kw: object) -> None:
    """Cut short, the figure never exceeds the true worst case and replays (the engine
    re-measures its witness); an unbounded answer found early is definite."""
    system = small_system(**kw)  # type: ignore[arg-type]
    pred = predicate_for(system, QUANTITIES[quantity])
    expected = brute_force(system, pred)
    m = measure(system, pred, Budget(max_states))
    if m.status is Status.UNBOUNDED:
        assert expected == UNBOUNDED
    elif m.status is Status.EXACT:
        assert expected != UNBOUNDED and m.seconds == max(expected, 0)
    elif expected != UNBOUNDED:
        assert m.seconds is not None and m.seconds <= max(expected, 0)
