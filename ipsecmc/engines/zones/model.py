"""The model's timers as clocks: which state fields run, and each step of ``Semantics``
lifted from one state to a whole zone of timer values.

A model state (``State``) mixes discrete fields (SA states, counters, flags) with timers:
per end the UDP 500 session TTL, the DPD clock ``quiet``, the two keylives and the
request and DPD countdowns, and the traffic phase's countdown; a bounded property adds
its monitor (seconds the predicate has held). A timer is *running* when one second of
time moves it (``Semantics._age``): a countdown above 0, ``quiet`` while the IKE SA is up
with DPD enabled and below the retry interval, the phase clock above 0, the monitor
while the predicate holds. Everything else in the state, including the value of a timer
that is not running (0 = expired or due, -1 = off, ``quiet`` saturated), is discrete.

**Clocks.** Running timers become clocks of a DBM (``dbm.Zone``). All clocks must grow
with time, so a countdown ``v`` is the clock ``x = -v``; ``quiet`` and the monitor are
``x = v``. Each running clock has a *ceiling* in clock space (a countdown's 0, ``quiet``'s
retry interval, the monitor's T + 1) at which it stops running: reaching it is the only way
time alone changes the discrete part (a session expires, a timer becomes due, ``quiet``
saturates, the phase changes, the monitor exceeds T).

**Lifting a step.** The discrete step of an urgent event or of one second's traffic is
computed by running ``Semantics``' own code on a *symbolic* state: each running field holds
a ``Sym`` that knows only its range of values. Every comparison the code makes on it
(``sess != 0``, ``req_timer == 0``, ``quiet >= interval``) must be decided by that range;
with the ranges every reachable zone has (``canonical_range``: a running countdown is >= 1,
a running ``quiet`` is below the interval, because ceilings are taken out by
``ZoneSearch``'s normalisation) they all are, so the result depends on the discrete part
alone and is computed once per discrete state (``Lifter`` memoizes it). A comparison the
range does not decide raises ``Undecided`` and the zone search declines the model
(the explicit search then runs): nothing is guessed. A field of the result that still holds
its ``Sym`` kept its value (the step did not touch that timer); a field holding an int was
set to that value (a reset), and becomes a clock again if it runs. Arithmetic on a ``Sym``
raises ``Undecided`` too: a step that computed a new timer value from an old one could not be
lifted this way, and is not (only ``_age`` does, and time is the zone search's job).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ipsecmc.model.clocks import CLOCK_FIELDS, END_CLOCKS
from ipsecmc.model.params import EndParams
from ipsecmc.model.semantics import Label, Semantics, Sink
from ipsecmc.model.state import EndState, State

#: EndState fields that are timers, in clock order (end a's clocks 1-6, end b's 7-12):
#: the clock table's (``ipsecmc.model.clocks``).
TIMER_FIELDS = CLOCK_FIELDS
PHASE_CLOCK = 1 + 2 * len(TIMER_FIELDS)
MONITOR_CLOCK = PHASE_CLOCK + 1
DIM = MONITOR_CLOCK + 1
#: What a running timer's field holds in the discrete part of a zone state.
RUNNING = -1000
_FAR = 1 << 30


_CLOCKS = {
    (end, field): 1 + end * len(TIMER_FIELDS) + j
    for end in (0, 1)
    for j, field in enumerate(TIMER_FIELDS)
}
#: Positions of the timer fields and of ``sent`` in an ``EndState`` tuple.
_TIMER_AT = tuple(EndState._fields.index(field) for field in TIMER_FIELDS)
_SENT_AT = EndState._fields.index("sent")


_BY_FIELD = {clock.field: clock for clock in END_CLOCKS}


def clock_of(end: int, field: str) -> int:
    return _CLOCKS[end, field]


class Undecided(TypeError):
    """A step used a running timer in a way the lifting cannot follow: a comparison its
    range does not decide, arithmetic, or a truth test. (A ``TypeError``, as Python's own
    error for an unsupported operation would be; the zone search catches this class
    only, so a genuine bug elsewhere is never mistaken for "cannot lift".)"""


class Sym:
    """A running timer's value during a lifted step: only its range is known."""

    __slots__ = ("clock", "hi", "lo")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, clock: int, lo: int, hi: int) -> None:
        self.clock, self.lo, self.hi = clock, lo, hi

    def _decide(self, c: object, true_if: bool, false_if: bool) -> bool:
        if not isinstance(c, int) or isinstance(c, bool):
            raise Undecided(f"timer compared with {c!r}")
        if true_if:
            return True
        if false_if:
            return False
        raise Undecided(f"clock {self.clock} in [{self.lo}, {self.hi}] compared with {c}")

    def __eq__(self, c: object) -> bool:
        lo, hi = self.lo, self.hi
        return self._decide(c, lo == hi == c, isinstance(c, int) and not lo <= c <= hi)

    def __ne__(self, c: object) -> bool:
        return not self.__eq__(c)

    def __lt__(self, c: int) -> bool:
        return self._decide(c, self.hi < c, self.lo >= c)

    def __le__(self, c: int) -> bool:
        return self._decide(c, self.hi <= c, self.lo > c)

    def __gt__(self, c: int) -> bool:
        return self._decide(c, self.lo > c, self.hi <= c)

    def __ge__(self, c: int) -> bool:
        return self._decide(c, self.lo >= c, self.hi < c)

    def __bool__(self) -> bool:
        raise Undecided("truth value of a timer")

    def _arithmetic(self, other: object) -> Sym:
        raise Undecided(f"arithmetic on timer clock {self.clock}")

    __add__ = __radd__ = __sub__ = __rsub__ = _arithmetic


class Op(NamedTuple):
    """What a discrete step does to one clock: keep it, reset it (``value`` in clock
    space), or stop it (``value`` is None: the field is discrete afterwards)."""

    clock: int
    kind: str  # keep | reset | stop
    value: int | None = None


#: The ops that carry no value, made once (``discretize`` makes a dozen per outcome).
_KEEP = {k: Op(k, "keep") for k in range(DIM)}
_STOP = {k: Op(k, "stop") for k in range(DIM)}


@dataclass(frozen=True, slots=True)
class Step:
    """One lifted discrete step from a discrete state: its label, the discrete state after
    it (running fields hold ``RUNNING``; ``sent`` is forgotten unless the ``Lifter`` keeps
    it) and its clock ops."""

    label: Label
    after: State
    ops: tuple[Op, ...]


class Lifter:
    """``Semantics`` on discrete states with running timers as clocks (module doc)."""

    def __init__(self, semantics: Semantics, keep_sent: bool = False) -> None:
        """``keep_sent``: keep ``EndState.sent`` in the discrete part (a property reads it:
        ``blackhole``); otherwise it is forgotten (the ``sent`` bisimulation of
        ``fast_successors``)."""
        self.sem = semantics
        self.keep_sent = keep_sent
        self.ends: tuple[EndParams, EndParams] = semantics.ends
        self._urgent: dict[State, tuple[Step, ...]] = {}
        self._traffic: dict[tuple[State, int], Step] = {}
        self._running: dict[State, list[int]] = {}
        self._symbolic: dict[State, State] = {}
        self._expired: dict[tuple[State, int], State] = {}
        self.ceiling = [0] * DIM
        self.sign = [0] * DIM
        for i, p in enumerate(self.ends):
            for clock in END_CLOCKS:
                k = clock_of(i, clock.field)
                self.sign[k] = clock.direction
                self.ceiling[k] = clock.ceiling(p)
        self.sign[PHASE_CLOCK] = -1
        self.sign[MONITOR_CLOCK] = 1

    def field_of(self, k: int) -> tuple[int, str]:
        """The end and field of timer clock ``k`` (not the phase or monitor clock)."""
        i, j = divmod(k - 1, len(TIMER_FIELDS))
        return i, TIMER_FIELDS[j]

    # ------------------------------------------------------------------ running timers
    def runs(self, end: EndState, i: int, field: str, value: int) -> bool:
        """Whether a timer field with this (int) value moves with time in ``end``."""
        return bool(_BY_FIELD[field].running(self.ends[i], end, value))

    def running(self, d: State) -> list[int]:
        """Clocks running in discrete state ``d`` (the monitor is not included)."""
        try:
            return self._running[d]
        except KeyError:
            pass
        out = [
            clock_of(i, field)
            for i in (0, 1)
            for field in TIMER_FIELDS
            if getattr(d.end(i), field) == RUNNING
        ]
        if d.phase_left == RUNNING:
            out.append(PHASE_CLOCK)
        self._running[d] = out
        return out

    def canonical_range(self, k: int) -> tuple[int, int]:
        """Values a running timer can have in a normalised zone (ceilings taken out)."""
        if self.sign[k] > 0:
            return 0, self.ceiling[k] - 1
        return 1, _FAR

    def symbolic(self, d: State) -> State:
        """``d`` with every running field holding a ``Sym`` of its canonical range
        (memoized: a ``Sym`` is never changed, so the steps and the predicate of one
        discrete state can share it)."""
        try:
            return self._symbolic[d]
        except KeyError:
            pass
        ends = []
        for i in (0, 1):
            e = d.end(i)
            changes: dict[str, object] = {}
            for field in TIMER_FIELDS:
                if getattr(e, field) == RUNNING:
                    k = clock_of(i, field)
                    changes[field] = Sym(k, *self.canonical_range(k))
            ends.append(e._replace(**changes) if changes else e)  # type: ignore[arg-type]
        left: int | Sym = d.phase_left
        if left == RUNNING:
            left = Sym(PHASE_CLOCK, *self.canonical_range(PHASE_CLOCK))
        s = self._symbolic[d] = State(ends[0], ends[1], d.phase, left)  # type: ignore[arg-type]
        return s

    def expired(self, d: State, k: int) -> State:
        """The discrete state once timer clock ``k`` (not the phase or monitor clock)
        reached its ceiling: the field holds the value it has there."""
        try:
            return self._expired[d, k]
        except KeyError:
            pass
        i, field = self.field_of(k)
        value = self.ceiling[k] * self.sign[k]
        stopped = d.end(i)._replace(**{field: value})  # type: ignore[arg-type]
        out = self._expired[d, k] = d.with_end(i, stopped)
        return out

    # ------------------------------------------------------------------ from concrete
    def discretize(
        self, s: State, was_running: list[int] | None = None
    ) -> tuple[State, tuple[Op, ...]]:
        """Split a state whose fields are ints or kept ``Sym``s into its discrete part
        and the ops that give its clocks their values (a clock that was not running
        before, ``was_running``, needs no "stop": it is free already)."""
        ops: list[Op] = []
        ends = []
        for i in (0, 1):
            e = s.end(i)
            values: list[object] = list(e)  # edited by position: cheaper than _replace
            if not self.keep_sent:
                values[_SENT_AT] = False
            for field, at in zip(TIMER_FIELDS, _TIMER_AT, strict=True):
                value = values[at]
                k = _CLOCKS[i, field]
                if isinstance(value, Sym):
                    if value.clock != k:  # pragma: no cover - Semantics never moves timers
                        raise Undecided("a timer moved to another field")
                    if not _BY_FIELD[field].running(self.ends[i], e, value):
                        raise Undecided("a running clock stopped without a reset")
                    ops.append(_KEEP[k])
                    values[at] = RUNNING
                elif self.runs(e, i, field, value):  # type: ignore[arg-type]
                    ops.append(Op(k, "reset", self.sign[k] * value))  # type: ignore[operator]
                    values[at] = RUNNING
                else:
                    ops.append(_STOP[k])
            ends.append(EndState._make(values))
        left = s.phase_left
        if isinstance(left, Sym):
            ops.append(_KEEP[PHASE_CLOCK])
            left = RUNNING
        elif left > 0:
            ops.append(Op(PHASE_CLOCK, "reset", -left))
            left = RUNNING
        else:
            ops.append(_STOP[PHASE_CLOCK])
        if was_running is not None:
            ops = [op for op in ops if op.kind != "stop" or op.clock in was_running]
        return State(ends[0], ends[1], s.phase, left), tuple(ops)

    # ------------------------------------------------------------------ lifted steps
    def urgent(self, d: State) -> tuple[Step, ...]:
        """The urgent events of ``d`` (``Semantics.successors`` order); empty if none."""
        try:
            return self._urgent[d]
        except KeyError:
            pass
        s = self.symbolic(d)
        steps: list[Step] = []
        for i in (0, 1):
            kind = self.sem.due(s, i)
            if kind is None:
                continue
            outcomes = self.sem.handle(kind, s, i, Sink(False))
            for idx, outcome in enumerate(outcomes):
                after, ops = self.discretize(outcome.state, self.running(d))
                steps.append(Step(Label(kind, i, idx), after, ops))
        result = self._urgent[d] = tuple(steps)
        return result

    def traffic(self, d: State, bits: int) -> Step:
        """The traffic part of one second (``Semantics._tick`` before aging), after the
        fault that starts it (``bits >> 2``; 0: none)."""
        try:
            return self._traffic[(d, bits)]
        except KeyError:
            pass
        sink = Sink(False)
        s = self.sem.inject(self.symbolic(d), bits >> 2, sink)
        a, b = self.sem._traffic(0, s.a, s.b, bool(bits & 1), sink)
        b, a = self.sem._traffic(1, b, a, bool(bits & 2), sink)
        after, ops = self.discretize(State(a, b, s.phase, s.phase_left), self.running(d))
        step = self._traffic[(d, bits)] = Step(Label("tick", -1, bits), after, ops)
        return step


__all__ = [
    "DIM",
    "MONITOR_CLOCK",
    "PHASE_CLOCK",
    "RUNNING",
    "TIMER_FIELDS",
    "Lifter",
    "Op",
    "Step",
    "Sym",
    "Undecided",
    "clock_of",
]
