"""The clock table: every timer of the model, once (issue 13, item 2).

A gateway's timers are fields of ``EndState`` that time moves: five countdowns (the UDP
500 session's TTL, the IKE and IPsec SA keylives, the retransmission timer of a pending
request, the DPD probe timer) and one count-up (``quiet``: seconds since the end last
heard from its peer, which starts a DPD probe when it reaches the DPD interval). The
traffic profile adds one more countdown on ``State``: the seconds left in its phase.

Per clock the table says which way it runs, where it stops (its *ceiling*: 0 for a
countdown, the DPD interval for ``quiet``), when time moves it at all, and whether a
property can see it reach the ceiling (an atom reads ``sess != 0``; the phase ending
changes the traffic). Everything that asks "how does time move this state" is derived
from here:

* one second of aging in ``Semantics.tick`` (``age``), which the z3 engine in turn
  derives by symbolic execution, so ``running`` must stay symbolic-friendly (``&``,
  comparisons, no Python ``and``/``if`` on values);
* the explicit engine's jumps (``Semantics.max_delay``/``delay``: ``advance`` and
  ``horizon``);
* the zone model's clocks (``ipsecmc.engines.zones.model``: direction, ceiling, when a
  field is a running clock);
* the z3 engine's delay step (``engines.smt.encoding``: the length of a maximal jump and the
  state it ends in).

What resets a clock (a packet refreshes the session, inbound ESP resets ``quiet``) is
behaviour, and stays in the handlers of ``Semantics``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ipsecmc.model.choice import when
from ipsecmc.model.params import DpdMode, EndParams
from ipsecmc.model.state import NO_TIMER, UP, EndState

#: "forever": the horizon of a state in which no clock runs.
FOREVER = 1 << 30


@dataclass(frozen=True)
class Clock:
    """One timer field of ``EndState``."""

    field: str
    #: +1: counts up to its ceiling; -1: counts down to 0.
    direction: int
    #: A property reads whether it reached its ceiling (``sess != 0``): a jump over
    #: time must stop before it does, not on it.
    observable: bool
    #: The ceiling for one end's parameters.
    ceiling_of: Callable[[EndParams], int]
    #: Whether time moves it in this end (its value below the ceiling, and, for
    #: ``quiet``, an IKE SA up and DPD on); symbolic-friendly.
    running_in: Callable[[EndParams, EndState, Any], Any]
    #: Nothing but its reaching the ceiling is ever read: no handler, guard or atom
    #: looks at its value otherwise (the keylives: ``due`` asks ``== 0``). Two states
    #: that differ only in such clocks, all far from their ceilings, behave alike, which
    #: the explicit engine's cycle jumps rely on (``engines.explicit.cycles``). A
    #: behaviour that reads the value (a soft lifetime, a rekey margin) must clear it.
    only_at_ceiling: bool = False

    def ceiling(self, p: EndParams) -> int:
        return self.ceiling_of(p)

    def running(self, p: EndParams, e: EndState, value: Any = None) -> Any:
        """Whether time moves this clock in ``e`` (with ``value`` in place of the field's
        own, when given: the zone model asks about values it is about to store)."""
        return self.running_in(p, e, getattr(e, self.field) if value is None else value)

    def step(self, p: EndParams, value: Any, seconds: Any) -> Any:
        """``value`` moved ``seconds`` toward the ceiling, stopping there (a running
        clock; ``seconds`` may be symbolic)."""
        moved = self.moved(value, seconds)
        top = self.ceiling(p)
        if self.direction > 0:
            return when(moved < top, moved, top)
        return when(moved > top, moved, top)

    def moved(self, value: Any, seconds: Any) -> Any:
        """``value`` moved ``seconds`` in its direction, ignoring the ceiling (exact
        while ``seconds`` stays within ``distance``)."""
        return value + seconds if self.direction > 0 else value - seconds

    def distance(self, p: EndParams, value: Any) -> Any:
        """Seconds until a running clock with this value reaches its ceiling (``value``
        may be symbolic)."""
        top = self.ceiling(p)
        return top - value if self.direction > 0 else value - top


def _countdown(field: str, *, observable: bool = False, only_at_ceiling: bool = False) -> Clock:
    return Clock(field, -1, observable, lambda p: 0, lambda p, e, v: v > 0, only_at_ceiling)


def _dpd_quiet_runs(p: EndParams, e: EndState, value: Any) -> Any:
    if p.dpd is DpdMode.DISABLE:
        return False
    return (value != NO_TIMER) & (e.p1 == UP) & (value < p.dpd_retryinterval)


#: The clocks of one end, in ``EndState`` field order.
END_CLOCKS: tuple[Clock, ...] = (
    _countdown("sess", observable=True),
    Clock("quiet", 1, False, lambda p: p.dpd_retryinterval, _dpd_quiet_runs),
    _countdown("p1_life", only_at_ceiling=True),
    _countdown("p2_life", only_at_ceiling=True),
    _countdown("req_timer"),
    _countdown("dpd_timer"),
)

#: Their field names (the zone model's clock order).
CLOCK_FIELDS: tuple[str, ...] = tuple(c.field for c in END_CLOCKS)

#: The traffic profile's phase clock (``State.phase_left``): a countdown whose end
#: changes the traffic, so a jump stops before it.
PHASE_CLOCK = _countdown("phase_left", observable=True)


#: Per end, per clock of ``END_CLOCKS``: whether it moves with time.
Moving = tuple[tuple[bool, ...], tuple[bool, ...]]


def phase_horizon(phase_left: int) -> int:
    """Seconds until the traffic phase ends (``FOREVER`` for the last, open phase)."""
    return phase_left if phase_left > 0 else FOREVER


def phase_advance(phase_left: Any, seconds: Any) -> Any:
    """``State.phase_left`` ``seconds`` later, within the phase (symbolic-friendly)."""
    return when(phase_left > 0, PHASE_CLOCK.moved(phase_left, seconds), phase_left)


def age(p: EndParams, e: EndState) -> EndState:
    """``e`` one second later: every running clock moved by one (symbolic-friendly)."""
    changes = {}
    for clock in END_CLOCKS:
        value = getattr(e, clock.field)
        changes[clock.field] = when(clock.running(p, e), value + clock.direction, value)
    return e._replace(**changes)


def advance(p: EndParams, e: EndState, seconds: int, moving: Sequence[bool]) -> EndState:
    """``e`` ``seconds`` later when ``moving[k]`` says whether clock ``END_CLOCKS[k]``
    moves with time (a running clock the traffic of every second does not rewrite)."""
    changes = {}
    for clock, moves in zip(END_CLOCKS, moving, strict=True):
        if moves:
            changes[clock.field] = clock.step(p, getattr(e, clock.field), seconds)
    return e._replace(**changes) if changes else e


def horizon(p: EndParams, e: EndState, moving: Sequence[bool]) -> int:
    """The longest run of seconds from ``e`` in which no moving clock reaches its
    ceiling (``FOREVER`` if none moves)."""
    out = FOREVER
    for clock, moves in zip(END_CLOCKS, moving, strict=True):
        if moves:
            out = min(out, clock.distance(p, getattr(e, clock.field)))
    return out


def moving_clocks(p: EndParams, before: EndState, after: EndState) -> tuple[bool, ...]:
    """Per clock: does it move from ``before`` to ``after`` (two states one tick apart)?
    A running clock that a tick leaves where it was is held by the traffic (inbound ESP
    resets ``quiet`` every second)."""
    return tuple(
        bool(clock.running(p, before))
        and getattr(after, clock.field) != getattr(before, clock.field)
        for clock in END_CLOCKS
    )


__all__ = [
    "CLOCK_FIELDS",
    "END_CLOCKS",
    "FOREVER",
    "PHASE_CLOCK",
    "Clock",
    "Moving",
    "advance",
    "age",
    "horizon",
    "moving_clocks",
    "phase_advance",
    "phase_horizon",
]
