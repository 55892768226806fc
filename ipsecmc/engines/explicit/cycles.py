"""Cycle jumps: skip the repetitions of a deterministic cycle that only wears down a
long countdown.

Why: a tunnel that stays up with real timers runs the same short cycle (a DPD exchange
every 20 s, a session refreshed by it) thousands of times before its IPsec SA's keylife
(43,200 s) ends. The states of one round differ from the round before only in the
keylife countdowns, so the one-second search (time jumps and chain compression
included) walks about keylife / cycle rounds: 26,000 states and 1.6 s for each
seed timer setting where agreement holds, most of a synthesis run's time.

What: while the search walks a deterministic chain it remembers, per *shape* (the
state and the monitor value with the ``only_at_ceiling`` clocks of the clock table left
out), the seconds and steps at which it was met. When a shape comes back ``P`` seconds
later and every such clock either has its old value or ran down by exactly ``P``, the
walk is at the same point of a cycle of ``P`` seconds that wears those clocks down by
``P`` per round; it jumps ``n`` rounds ahead, to the state ``n * P`` seconds later.

Soundness (the states skipped are reachable and verdict-neutral): an
``only_at_ceiling`` clock is read by nothing but its reaching the ceiling (0): not by a
handler, a guard or an atom (``clocks.Clock.only_at_ceiling``); and time jumps are cut
by it only when it is the nearest ceiling. ``n`` is chosen so that every such clock
still has more than ``P`` seconds left after the jump, so in each skipped round every
state has the same other fields, the same monitor value and the same successors as its
counterpart in the round just walked (a jump of at most ``P`` seconds never meets
those clocks' ceilings), and no state of it is due anything the walked round was not.
So the skipped states hold exactly the predicate values and monitor steps the walked
round had: none is a counterexample or a witness, none branches, and the state the jump
lands on is the one the one-second walk would reach. Paths are unchanged: the chain's
step count includes the skipped rounds, and replaying the chain walks them. For
``recoverable``, which times the stretches without a goal state along a chain, the
skipped rounds repeat the walked round's stretches: a stretch still open when the jump
is taken began inside that round (then it moves with the jump) or before it (then the
round had no goal state, nor have the skipped ones, and it goes on through them).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any, NamedTuple

from ipsecmc.engines.monitor import seconds
from ipsecmc.model.clocks import END_CLOCKS
from ipsecmc.model.semantics import Label
from ipsecmc.model.state import EndState, State

#: Positions in ``EndState`` of the clocks that only their ceiling makes visible.
_WORN = tuple(EndState._fields.index(c.field) for c in END_CLOCKS if c.only_at_ceiling)
_REST = tuple(i for i in range(len(EndState._fields)) if i not in _WORN)
_rest = itemgetter(*_REST)


def _worn(end: EndState) -> tuple[int, ...]:
    return tuple(end[i] for i in _WORN)


Key = tuple[State, int]


class Round(NamedTuple):
    """A wearing cycle the walk just went round once: its length in seconds and in
    chain steps, the walk's second at which it began, and how many more rounds fit
    before a worn clock could come within a round of its ceiling."""

    seconds: int
    steps: int
    start: int
    rounds: int
    #: per end, per ``only_at_ceiling`` clock: whether the round wore it down
    wearing: tuple[tuple[bool, ...], tuple[bool, ...]]

    def skip(self, key: Key, steps: int, secs: int) -> tuple[Key, int, int]:
        """Every round there is room for, from ``key`` at the walk's ``steps`` and
        ``secs``: where the walk lands and its steps and seconds then."""
        return (
            self.land(key, self.rounds),
            steps + self.rounds * self.steps,
            secs + self.rounds * self.seconds,
        )

    def land(self, key: Key, rounds: int) -> Key:
        """``key`` (where the round ended) ``rounds`` rounds later (at most ``rounds``)."""
        if not 0 < rounds <= self.rounds:
            raise ValueError(f"{rounds} rounds: there is room for 1 to {self.rounds}")
        state, monitor = key
        shift = rounds * self.seconds
        a = _worn_down(state.a, self.wearing[0], shift)
        b = _worn_down(state.b, self.wearing[1], shift)
        return State(a, b, state.phase, state.phase_left), monitor


class CycleJumps:
    """One chain walk's memory of shapes; ``see`` each key the walk reaches."""

    __slots__ = ("_met",)

    def __init__(self) -> None:
        self._met: dict[tuple[Any, ...], tuple[tuple[int, ...], int, int]] = {}

    def see(self, key: Key, steps: int, secs: int) -> Round | None:
        """The round ``key`` closes, if it is a wearing cycle with room for at least
        one more round, else None. ``steps`` and ``secs``: the walk's so far."""
        state, monitor = key
        a, b = state.a, state.b
        shape = (_rest(a), _rest(b), state.phase, state.phase_left, monitor)
        worn = _worn(a) + _worn(b)
        before = self._met.get(shape)
        self._met[shape] = (worn, steps, secs)
        if before is None:
            return None
        worn_before, steps_before, secs_before = before
        period = secs - secs_before
        rounds: int | None = None
        for old, now in zip(worn_before, worn, strict=True):
            if old == now:
                continue
            if old - now != period:
                return None  # not a pure wear (reset, or stopped)
            room = (now - period - 1) // period  # after n rounds: now - n*P > P
            rounds = room if rounds is None else min(rounds, room)
        if rounds is None or rounds < 1:
            return None  # an exact repeat (the walk's own loop check) or no room
        self._met.clear()
        wearing = tuple(old != now for old, now in zip(worn_before, worn, strict=True))
        half = len(_WORN)
        return Round(
            period, steps - steps_before, secs_before, rounds, (wearing[:half], wearing[half:])
        )


def _worn_down(end: EndState, wearing: tuple[bool, ...], shift: int) -> EndState:
    """``end`` with each clock the round wore down worn ``shift`` seconds more."""
    if not any(wearing):
        return end
    changes: dict[str, Any] = {
        EndState._fields[position]: end[position] - shift
        for position, worn in zip(_WORN, wearing, strict=True)
        if worn
    }
    return end._replace(**changes)


#: The only step on from a key of a chain (None: it branches there).
ChainStep = Callable[[Key], "tuple[Label, Key] | None"]


def replay_chain(
    step: ChainStep,
    key: Key,
    steps: int,
    labels: list[Label],
    goals: list[bool] | None = None,
    goal: Callable[[Key], bool] | None = None,
    jump: bool = True,
) -> Key:
    """Walk ``steps`` steps of a stored chain from ``key``, appending their labels to
    ``labels`` (and, with ``goals``, ``goal`` of the key after each to ``goals``), and
    return the key it ends in. Rounds of a wearing cycle are jumped (``jump``) as in the
    search, their labels and goals repeated, never past the chain's end."""
    jumps = CycleJumps() if jump else None
    done, secs = 0, 0
    while done < steps:
        nxt = step(key)
        if nxt is None:
            raise AssertionError("stored chain no longer deterministic")
        label, key = nxt
        labels.append(label)
        done += 1
        secs += seconds(label)
        if goals is not None and goal is not None:
            goals.append(goal(key))
        cycle = None if jumps is None else jumps.see(key, done, secs)
        rounds = 0 if cycle is None else min(cycle.rounds, (steps - done) // cycle.steps)
        if cycle is not None and rounds > 0:
            labels.extend(labels[-cycle.steps :] * rounds)
            if goals is not None:
                goals.extend(goals[-cycle.steps :] * rounds)
            key = cycle.land(key, rounds)
            done += rounds * cycle.steps
            secs += rounds * cycle.seconds
    return key


__all__ = ["ChainStep", "CycleJumps", "Round", "replay_chain"]
