"""A plan's monitor, defined once for every search that runs concrete states.

A bounded plan ("the formula never holds for more than T seconds without a break")
carries a counter ``c``: seconds the predicate has held without a break, saturating at
T + 1; a tick adds 1 and a delay of d seconds adds d while the predicate holds, a
zero-time event leaves it alone, and a state where the predicate fails resets it. A
state ends a search (``hit``) when it is a counterexample (invariant: predicate false;
bounded: ``c > T``) or a witness (reachable: predicate true); recoverable plans never
end early. The explicit search, the confirmation of a zone-search path and the z3
engine's replay of its model all read these rules from here.
"""

from __future__ import annotations

from collections.abc import Callable

from ipsecmc.engines import meter
from ipsecmc.engines.result import Budget, Path, Plan
from ipsecmc.model.semantics import Label
from ipsecmc.model.state import State
from ipsecmc.model.system import TransitionSystem

#: How many labels a confirmation replays between two readings of the clock.
_CLOCK_EVERY = 64


def seconds(label: Label) -> int:
    """Model seconds a label takes."""
    if label.kind == "tick":
        return 1
    return label.arg if label.kind == "delay" else 0


class Monitor:
    """The counter and the stopping rule of ``plan``; ``pred`` is the plan's predicate
    (a caller may pass a memoised one).

    A ``temporal`` plan's counter is -1 while no obligation is open, else the seconds it
    has been open (0 without a time limit; saturating at T + 1): opened in the initial
    state unless the goal holds there (``until``, ``within``), or in any state where the
    trigger holds and the goal does not (``leads-to``); closed by a state where the goal
    holds. Its hit: open for more than T seconds, or open in a state where ``hold``
    fails (``until``)."""

    def __init__(self, plan: Plan, pred: Callable[[State], bool] | None = None) -> None:
        self.kind = plan.kind
        self.bounded = plan.kind == "bounded"
        self.limit = plan.bound if plan.bound is not None else 0
        self.timed = plan.bound is not None
        self.pred = pred or plan.predicate
        self.obligation = plan.obligation if plan.kind == "temporal" else None

    def initial(self, state: State) -> int:
        """The counter in the initial state ``state``."""
        ob = self.obligation
        if ob is None:
            return 0
        if self.pred(state):
            return -1
        return 0 if ob.trigger is None or ob.trigger(state) else -1

    def step(self, c: int, label: Label, s: State, s2: State) -> int:
        """The counter after ``label`` took ``s`` to ``s2``."""
        if self.obligation is not None:
            return self._obligation_step(c, label, s2)
        if not self.bounded:
            return 0
        if label.kind == "tick":
            c = min(c + 1, self.limit + 1) if self.pred(s) else 0
        elif label.kind == "delay":
            c = min(c + label.arg, self.limit + 1) if self.pred(s) else 0
        return c if self.pred(s2) else 0

    def _obligation_step(self, c: int, label: Label, s2: State) -> int:
        trigger = self.obligation.trigger if self.obligation is not None else None
        if c >= 0:
            if self.pred(s2):
                return -1
            return min(c + seconds(label), self.limit + 1) if self.timed else 0
        if trigger is not None and trigger(s2) and not self.pred(s2):
            return 0
        return c

    def hit(self, state: State, c: int) -> bool:
        """Whether (``state``, ``c``) ends the search early (counterexample or witness)."""
        if self.kind == "invariant":
            return not self.pred(state)
        if self.kind == "bounded":
            return c > self.limit
        if self.kind == "reachable":
            return self.pred(state)
        if self.obligation is not None and c >= 0:
            if self.timed and c > self.limit:
                return True
            return self.obligation.hold is not None and not self.obligation.hold(state)
        return False

    def jump_cap(self, state: State, c: int) -> int | None:
        """The longest delay from (``state``, ``c``) that cannot pass the moment the
        counter would exceed T (None: no limit from the monitor)."""
        if self.bounded and self.pred(state):
            return self.limit - c
        if self.obligation is not None and self.timed and c >= 0:
            return self.limit - c
        return None


def confirm_path(
    system: TransitionSystem,
    plan: Plan,
    path: Path,
    budget: Budget | None = None,
    started: float | None = None,
    horizon: int = 1 << 62,
) -> bool:
    """Whether ``path`` replays through the one-second model, ends within ``horizon``
    seconds and ends in a state that ends the search for ``plan`` (a counterexample, or
    a witness). False as well when ``budget`` (counted from ``started``) runs out first:
    a path of the zone search waits in one-second ticks, 172,800 of them past two
    86,400 s session timers."""
    monitor = Monitor(plan)
    timeout = budget.timeout_seconds if budget is not None else None
    begun = meter.clock() if started is None else started
    state, elapsed = system.initial(), 0
    c = monitor.initial(state)
    for n, label in enumerate(path.labels):
        on_clock = n % _CLOCK_EVERY == _CLOCK_EVERY - 1
        if on_clock and budget is not None:
            if timeout is not None and meter.clock() - begun >= timeout:
                return False
            if budget.cpu_spent() is not None:
                return False
        try:
            after = system.replay_step(state, label).state
        except ValueError:
            return False
        elapsed += seconds(label)
        c = monitor.step(c, label, state, after)
        state = after
    return elapsed < horizon and monitor.hit(state, c)


__all__ = ["Monitor", "confirm_path", "seconds"]
