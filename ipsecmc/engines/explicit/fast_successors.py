"""A memoized form of ``Semantics.successors`` for the explicit engine's hot loop.

``Semantics`` is the reference: the z3 engine derives its relation from it and traces
replay through it. It builds every successor of a tick field by field with ``NamedTuple._replace``
(about 30 us per state). This module computes exactly the same list, faster, by
splitting a tick into one function per end and remembering each result:

* **A tick decomposes per end.** ``Semantics._tick`` does the traffic of a->b, then of
  b->a, then ages both ends and moves the traffic phase. End a's part of the result
  depends only on a itself, the two traffic bits of that second and whether b's IPsec
  SA is UP (b's traffic reaches a's IKE daemon as proof of life only then, and a's own
  traffic reads nothing else of b); symmetrically for b. The phase clock depends on
  nothing else. So ``tick(s, ab, ba) = (f0(a, ab, ba, b.p2 == UP),
  f1(b, ab, ba, a.p2 == UP), phase step)``, where ``f0``/``f1`` run the reference tick's
  own steps (``_traffic`` a->b, ``_traffic`` b->a, ``_age``) for that end, with a
  stand-in for the other end that has the right ``p2``.
* **Urgency is a per-end test.** ``Semantics.due(s, i)`` reads only end ``i``.

**Optional quotient: forgetting ``sent``** (``forget_sent=True``). ``EndState.sent``
(ESP sent during the last second) is written by every tick and by ``_p2_down``, and
read by nothing in ``Semantics`` (not by ``due``, the handlers, ``_tick`` or the
choices): it is there for the ``blackhole`` atom only. So two states that differ only in
``sent`` have the same enabled labels, and each label leads to states that again differ
at most in ``sent`` (a tick overwrites it; urgent events carry it along): the relation
"equal but for ``sent``" is a bisimulation. For a property whose predicate does not
read ``sent`` (no ``blackhole`` atom: ``Plan.reads``), related states also agree on the
predicate, hence on the bounded monitor, so exploring one state per class (the one with
``sent = False``) reaches exactly the same predicate values and monitor values, and
gives the same verdict. Labels found on the quotient are labels of the real model (the
enabled labels are equal), so traces replay through ``Semantics`` as before. With the
``any`` profile this about halves the seed's states (seed-fixed agreement with
``--no-rekey``: 54,087 -> 28,485 states visited; benchmarks/README.md). It is used only
when some traffic phase is nondeterministic: on a pinned profile ``sent`` is constant in
steady stretches, and forgetting it would hide the steadiness that time jumps
(``Semantics.max_delay``) rely on.

Both functions are memoized per end state: a search meets far fewer distinct end states
than tunnel states (the tunnel state is roughly a product of the two), so almost every
tick becomes two dictionary lookups. Urgent events (the IKE exchanges) are rarer and go
to the reference handlers unchanged. ``tests/model/test_fast_successors.py`` checks,
over every reachable state of the seed scenarios and of random small-timer systems,
that ``FastSuccessors.successors`` equals ``Semantics.successors`` (labels, order and
states).
"""

from __future__ import annotations

from ipsecmc.model.semantics import Label, Semantics, Sink
from ipsecmc.model.state import DOWN, NO_TIMER, UP, EndState, State

#: Memo of one end's tick, indexed by ``ab | ba << 1 | peer_up << 2``.
_TickMemo = list[dict[EndState, EndState]]


def _seconds_left(duration: int | None) -> int:
    return duration if duration is not None else NO_TIMER


class FastSuccessors:
    """``successors(state)`` equal to ``Semantics.successors(state)``, memoized per end."""

    __slots__ = (
        "_choices",
        "_due",
        "_faulty",
        "_forget_sent",
        "_next_phase",
        "_sem",
        "_stand_in",
        "_tick",
    )

    def __init__(self, semantics: Semantics, forget_sent: bool = False) -> None:
        self._sem = semantics
        self._forget_sent = forget_sent
        self._faulty = bool(semantics.params.faults.tick_faults)
        fresh = semantics.initial().a
        # Stand-ins for "the other end", differing only in what a tick reads of it (p2).
        self._stand_in = (fresh._replace(p2=DOWN), fresh._replace(p2=UP))
        self._due: tuple[dict[EndState, str | None], dict[EndState, str | None]] = ({}, {})
        self._tick: tuple[_TickMemo, _TickMemo] = (
            [{} for _ in range(8)],
            [{} for _ in range(8)],
        )
        phases = semantics.params.traffic.phases
        self._choices = tuple(
            tuple(
                (Label("tick", -1, int(ab) | (2 if ba else 0)), int(ab) | (2 if ba else 0))
                for ab, ba in phase.choices()
            )
            for phase in phases
        )
        # (phase, seconds left) after the last second of phase k (the last phase never ends)
        self._next_phase = tuple(
            (k + 1, _seconds_left(phases[k + 1].duration)) if k + 1 < len(phases) else (k, NO_TIMER)
            for k in range(len(phases))
        )

    def due(self, end: EndState, i: int) -> str | None:
        """``Semantics.due`` for end ``i`` in state ``end`` (it reads nothing else)."""
        memo = self._due[i]
        try:
            return memo[end]
        except KeyError:
            other = self._stand_in[0]
            probe = State(end, other, 0, NO_TIMER) if i == 0 else State(other, end, 0, NO_TIMER)
            kind = memo[end] = self._sem.due(probe, i)
            return kind

    def _end_tick(self, end: EndState, i: int, flags: int) -> EndState:
        memo = self._tick[i][flags]
        try:
            return memo[end]
        except KeyError:
            # Semantics._tick's steps, for end i only: traffic a->b, traffic b->a, age.
            sem, sink = self._sem, Sink(False)
            other = self._stand_in[flags >> 2]
            ab, ba = bool(flags & 1), bool(flags & 2)
            if i == 0:
                me, peer = sem._traffic(0, end, other, ab, sink)
                _, me = sem._traffic(1, peer, me, ba, sink)
            else:
                peer, me = sem._traffic(0, other, end, ab, sink)
                me, _ = sem._traffic(1, me, peer, ba, sink)
            after = sem._age(i, me, sink)
            if self._forget_sent and after.sent:
                after = after._replace(sent=False)
            memo[end] = after
            return after

    def successors(self, state: State) -> list[tuple[Label, State]]:
        """Exactly ``Semantics.successors(state)``: same labels, order and states (with
        ``forget_sent``: the same with ``sent = False``, for a state with ``sent = False``:
        urgent events keep ``sent`` as it was)."""
        a, b, phase, left = state
        if self.due(a, 0) is not None or self.due(b, 1) is not None:
            return self._sem.successors(state)
        if self._faulty and len(self._sem.fault_codes(state)) > 1:
            return self._sem.successors(state)  # a fault may start the second
        if left != NO_TIMER:
            left -= 1
            if left == 0:
                phase, left = self._next_phase[phase]
        a_up = 4 if b.p2 == UP else 0  # end a's flags see b's p2, and vice versa
        b_up = 4 if a.p2 == UP else 0
        ta, tb = self._tick
        out: list[tuple[Label, State]] = []
        for label, bits in self._choices[state.phase]:
            ma, mb = ta[bits | a_up], tb[bits | b_up]
            na = ma.get(a)
            if na is None:
                na = self._end_tick(a, 0, bits | a_up)
            nb = mb.get(b)
            if nb is None:
                nb = self._end_tick(b, 1, bits | b_up)
            out.append((label, State(na, nb, phase, left)))
        return out


__all__ = ["FastSuccessors"]
