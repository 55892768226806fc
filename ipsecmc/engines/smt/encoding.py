"""The z3 transition relation of ``ipsecmc.model.semantics`` (z3 itself comes from
``z3_api``, the one module that imports it).

What is derived and what is written here:

* The behaviour (``due``, every urgent handler, the one-second tick) is *not* written
  here: ``smt_derive`` runs the reference ``Semantics`` code itself by symbolic execution
  on a template state once per tunnel, and a step substitutes its variables into that
  template. There is no second copy of any handler to drift.
* This module adds what the Python model does not have: value ranges of the reachable
  states (the domain the derivation assumes, checked inductive), time jumps (``delay``:
  many ticks as one step), and the shape of a step (event indicators, environment
  choices) that the search decodes.

Why it is the same relation (the soundness argument):

* ``step(s, s')`` is a disjunction over one indicator per event kind per end plus
  ``tick`` and ``delay``; exactly one indicator is true. An urgent indicator ``(K, i)``
  requires the derived ``due(s, i) == K`` and fixes ``s'`` to outcome number ``pick`` of
  the derived handler (``0 <= pick < count``): ``pick`` is ``Label.arg``. ``tick``
  requires that neither end has anything due and fixes ``s'`` to the derived tick under
  a traffic choice the current phase allows.
* Nondeterminism of the Python model has exactly three sources: which end acts first
  when both have an urgent event (``order``), the local-in outcome of a new inbound IKE
  packet (``pick``), and the traffic of a tick (``ab``, ``ba``).
* ``tests/test_smt.py`` checks the relation equal to ``Semantics.successors`` step by
  step: for thousands of concrete states the models of ``step(const(s), s')`` (``delay``
  excluded), enumerated with blocking clauses, are exactly the successors.
* Every counterexample the solver finds is decoded and replayed through
  ``TransitionSystem.replay_step`` before it is returned, so an encoding error can never
  produce a false violation, only a missed one or an internal error.

The delay step (issue 4, "symbolic time") and why it is sound: ``delay(s, d)`` with
``d >= 2`` stands for ``d`` ticks with the same traffic choice and is enabled only if

1. the traffic choice of the step is one the phase of ``s`` allows and the phase does
   not end within the delay (``phase_left == -1`` or ``phase_left > d``), so all ``d``
   ticks may use that one choice;
2. nothing is due in ``s`` (the first tick is enabled) nor in ``s_{d-1}``, the state
   before the last tick. Every ``due`` condition is monotone along a run of ticks from
   ``s_1`` on (discrete fields p1, p2, req, want_p2 are constant after the first
   tick; countdowns reach 0 and stay there; ``quiet`` never decreases), so nothing is
   due in any of ``s_0 .. s_{d-1}``: all ``d`` ticks are enabled;
3. the session timer does not reach 0 within ticks 2..d (``sess(s_1) <= 0`` or
   ``sess(s_1) > d - 1``), so the observation the atoms read (p1, p2, ``sess != 0``,
   sent, dpd_sent) is the same in ``s_1 .. s_d``: a property (or monitor) evaluated at
   ``s_d`` sees what it would see at every skipped state.

Where the phase has one traffic choice the delay is forced when ``d >= 2`` is possible
(the skipped ticks are then the only successors of their states). Where the traffic may
change every second (``"any"``, a free direction) a delay with the step's choice held
constant is offered *next to* the 1 s tick (the ``leap`` choice bit): the ticks keep
every traffic pattern reachable, the delay reaches the states after a long steady wait
in one step instead of one per second (a user's pair without a scenario: the
violation a few dozen steps deep instead of hundreds).

Under 1-3, ``s_d = shift(tick(s), d - 1)`` exactly: after the first tick, traffic in a
fixed direction rewrites ``sent``, ``want_p2``, ``dpd_sent``/``dpd_timer`` (IKEv1
inbound) and ``quiet`` to values that do not depend on the previous second (or leaves
them alone), so later ticks only count countdowns down (saturating at 0) and ``quiet``
up to the DPD interval, unless the end receives ESP that second (then ``quiet`` is
reset every second and stays constant). ``tests/test_smt.py`` checks ``delay`` against
``d`` Python ticks on random states. Because a delay is a composition of enabled ticks,
it adds no reachable state (BMC counterexamples stay real, k-induction proofs stay
proofs), and because 1-second ticks remain in the relation, nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from ipsecmc.engines.result import Plan
from ipsecmc.engines.smt.derive import Derived, evaluate, wrap_state
from ipsecmc.engines.smt.symbolic import SymInt
from ipsecmc.engines.smt.terms import (
    BV32,
    CODE,
    NOTHING_DUE,
    URGENT,
    Ints,
    SEnd,
    SState,
    flat,
    ite,
    states_equal,
    substitute_all,
    unflat,
)
from ipsecmc.engines.smt.z3_api import BoolT, IntT, z3
from ipsecmc.errors import InternalError
from ipsecmc.model.clocks import END_CLOCKS, PHASE_CLOCK, phase_advance
from ipsecmc.model.params import TunnelParams
from ipsecmc.model.semantics import Semantics
from ipsecmc.model.state import (
    CONNECTING,
    DOWN,
    NO_TIMER,
    REQ_NONE,
    REQ_REKEY_P2,
    SESSION_FOREVER,
    UP,
)

#: Per end, per clock of ``clocks.END_CLOCKS``: does it move with time (``moving``).
ClockBits = tuple[list[BoolT], list[BoolT]]


@dataclass
class Choices:
    """The environment's choices in one step: the traffic of a tick (``ab``: a to b,
    ``ba``: b to a) and which outcome of an urgent event happens (``pick``, the index
    into ``Semantics.handle``'s list: ``Label.arg``)."""

    ab: BoolT
    ba: BoolT
    pick: IntT
    #: take the maximal delay rather than a 1 s tick where the phase lets the traffic
    #: change every second (``transition``; in a one-choice phase the jump is forced)
    leap: BoolT
    #: the fault starting a tick (``Semantics.fault_codes``; 0: none)
    fault: IntT


def fresh_choices(prefix: str, ints: Ints) -> Choices:
    return Choices(
        z3.Bool(f"{prefix}.ab"),
        z3.Bool(f"{prefix}.ba"),
        ints.var(f"{prefix}.pick"),
        z3.Bool(f"{prefix}.leap"),
        ints.var(f"{prefix}.fault"),
    )


class Encoding:
    """One ``TunnelParams`` as z3 terms: the derived behaviour, ranges and delays."""

    def __init__(
        self, params: TunnelParams, semantics: Semantics | None = None, *, ints: Ints = BV32
    ) -> None:
        """``semantics``: the behaviour to derive (default ``Semantics(params)``; tests pass
        variants to show that the relation follows the reference code). ``ints``: the
        integer sort of every term (the z3 engine picks the narrowest safe width,
        ``needed_width``; Spacer needs ``INTEGERS``)."""
        self.params = params
        self.ints = ints
        self.ends = params.ends
        self.phases = params.traffic.phases
        for p in self.ends:
            if not p.admissions:
                raise InternalError(f"{p.name}: no local-in outcome for IKE (model bug)")
        self.semantics = semantics if semantics is not None else Semantics(params)
        self.initial = self.semantics.initial()
        self._derived: Derived | None = None
        #: ``transition`` over template variables, per (integer sort, delays, cap).
        self.transitions: dict[tuple[int | None, bool, int], tuple[BoolT, Step]] = {}

    @property
    def derived(self) -> Derived:
        """The derived behaviour (built on first use)."""
        if self._derived is None:
            self._derived = Derived(self.semantics, self.ranges, self.ints)
        return self._derived

    # ------------------------------------------------------------------ ranges
    # ------------------------------------------------------------------ ranges
    def ranges(
        self, s: SState, c: IntT | None = None, bound: int | None = None, lowest: int = 0
    ) -> BoolT:
        """Value ranges every reachable state satisfies (checked inductive by a test and
        by ``SmtEngine`` before a proof uses them); the monitor ``c`` lies in ``lowest``
        (-1: no obligation open, for a temporal property) .. ``bound + 1``."""
        out: list[BoolT] = []
        for i in (0, 1):
            e, p = s.end(i), self.ends[i]
            sends = p.request_sends
            max_wait = max(
                [p.request_giveup - sends[-1]]
                + [sends[n] - sends[n - 1] for n in range(1, len(sends))]
            )
            dpd_wait = max_wait if p.behaviour.dpd_is_request else p.dpd_retryinterval
            out += [
                z3.Or(e.p1 == DOWN, e.p1 == CONNECTING, e.p1 == UP),
                z3.Or(e.p2 == DOWN, e.p2 == UP),
                e.req >= REQ_NONE,
                e.req <= REQ_REKEY_P2,
                e.req_sent >= 0,
                e.req_sent <= len(sends),
                e.req_timer >= NO_TIMER,
                e.req_timer <= max_wait,
                e.dpd_sent >= 0,
                e.dpd_sent <= p.dpd_probes,
                e.dpd_timer >= NO_TIMER,
                e.dpd_timer <= dpd_wait,
                e.quiet >= NO_TIMER,
                e.quiet <= p.dpd_retryinterval,
                e.faults >= 0,
                e.faults <= self.params.faults.budget,
            ]
            out.append(
                e.sess == SESSION_FOREVER
                if p.session_ttl is None
                else z3.And(e.sess >= 0, e.sess <= p.session_ttl)
            )
            for life, keylife in ((e.p1_life, p.p1_keylife), (e.p2_life, p.p2_keylife)):
                out.append(
                    life == NO_TIMER
                    if keylife is None
                    else z3.And(life >= NO_TIMER, life <= keylife)
                )
        n = len(self.phases)
        out += [s.phase >= 0, s.phase < n]
        for k, ph in enumerate(self.phases):
            if ph.duration is None:
                out.append(z3.Implies(s.phase == k, s.phase_left == NO_TIMER))
            else:
                out.append(
                    z3.Implies(s.phase == k, z3.And(s.phase_left >= 1, s.phase_left <= ph.duration))
                )
        if c is not None and bound is not None:
            out += [c >= lowest, c <= bound + 1]
        return z3.And(out)

    # ------------------------------------------------------------------ behaviour
    def due(self, s: SState, i: int) -> IntT:
        """``Semantics.due`` as a code: ``NOTHING_DUE``, else ``CODE[kind]``."""
        return self.derived.due(s, i)

    def handler(self, kind: str, s: SState, i: int, ch: Choices) -> SState:
        """Outcome ``ch.pick`` of urgent event ``kind`` at end ``i``."""
        return self.derived.handler(kind, s, i, ch.pick)

    def count(self, kind: str, s: SState, i: int) -> IntT:
        """How many outcomes urgent event ``kind`` at end ``i`` has."""
        return self.derived.count(kind, s, i)

    def tick(self, s: SState, ab: BoolT, ba: BoolT, fault: IntT | None = None) -> SState:
        """One second (``Semantics.tick``), started by ``fault`` (default: none)."""
        return self.derived.tick(s, ab, ba, self.ints.val(0) if fault is None else fault)

    def urgent(self, s: SState, i: int, pick: IntT) -> SState:
        """Outcome ``pick`` of the urgent event ``Semantics.due`` picks at end ``i`` (when
        one is due)."""
        due = self.due(s, i)
        handled = self.derived.handler(URGENT[-1], s, i, pick)
        for kind in reversed(URGENT[:-1]):
            handled = ite(due == CODE[kind], self.derived.handler(kind, s, i, pick), handled)
        return handled

    def outcomes(self, s: SState, i: int) -> IntT:
        """How many outcomes the urgent event due at end ``i`` has (when one is due)."""
        due = self.due(s, i)
        count = self.count(URGENT[-1], s, i)
        for kind in reversed(URGENT[:-1]):
            count = z3.If(due == CODE[kind], self.count(kind, s, i), count)
        return count

    # ------------------------------------------------------------------ time
    # ------------------------------------------------------------------ time
    def faults_left(self, s: SState) -> BoolT:
        """``Semantics.faults_left``: a fault may still happen in this run."""
        return evaluate(lambda x: self.semantics.faults_left(wrap_state(s, x)), self.ints)

    def fault_possible(self, s: SState) -> BoolT:
        """A fault may start the next second (``Semantics.fault_codes`` has more than 0)."""
        if not self.params.faults.tick_faults:
            return z3.BoolVal(False)
        return self.faults_left(s)

    def no_fault(self, ch: Choices) -> BoolT:
        """The step starts no fault (true when faults are off: then no term reads it)."""
        return ch.fault == 0 if self.params.faults.tick_faults else z3.BoolVal(True)

    def traffic_allowed(self, s: SState, ch: Choices) -> BoolT:
        """The traffic bits are one of ``phase.choices()`` of the current phase, and the
        fault one of ``Semantics.fault_codes``."""
        n = len(self.params.faults.tick_faults)
        out: list[BoolT] = []
        if n:  # else ``fault`` is no choice: nothing reads it (terms stay as without faults)
            out.append(
                z3.Or(ch.fault == 0, z3.And(ch.fault >= 1, ch.fault <= n, self.faults_left(s)))
            )
        for k, ph in enumerate(self.phases):
            conds: list[BoolT] = []
            for bit, flow in ((ch.ab, ph.a_to_b), (ch.ba, ph.b_to_a)):
                if flow == "always":
                    conds.append(bit)
                elif flow == "never":
                    conds.append(z3.Not(bit))
            out.append(z3.Implies(s.phase == k, z3.And(conds)))
        return z3.And(out)

    def deterministic_phase(self, s: SState) -> BoolT:
        """Time may only tick one way from ``s`` (``Semantics.steady_choice``): a phase
        with one traffic choice and no fault possible."""
        return z3.And(
            z3.Or(
                [s.phase == k for k, ph in enumerate(self.phases) if len(ph.choices()) == 1]
                or [z3.BoolVal(False)]
            ),
            z3.Not(self.fault_possible(s)),
        )

    # ------------------------------------------------------------------ delay
    def moving(self, s1: SState, ab: BoolT, ba: BoolT) -> ClockBits:
        """Per end and clock (``clocks.END_CLOCKS``): does it move with time from ``s1``
        on, under the traffic choice ``ab``/``ba``? It runs (the clock table) and a
        further tick moves it: traffic that rewrites a clock every second (inbound ESP
        resetting ``quiet``) holds it. Derived from the clock table and the derived
        tick, as ``Semantics.max_delay`` does with two trial ticks; the second tick is
        only built for clocks some tick can hold (``Derived.ticks_always_move``)."""
        rows: list[list[BoolT]] = []
        for i in (0, 1):
            p, e = self.ends[i], s1.end(i)
            row = []
            for clock in END_CLOCKS:
                runs = evaluate(
                    lambda x, i=i, p=p, clock=clock: clock.running(p, wrap_state(s1, x).end(i)),  # type: ignore[misc]
                    self.ints,
                )
                if not self.derived.ticks_always_move(i, clock, p):
                    later = self.derived.tick_clock(s1, ab, ba, i, clock.field)
                    runs = z3.And(runs, later != getattr(e, clock.field))
                row.append(runs)
            rows.append(row)
        return rows[0], rows[1]

    def shift(self, s1: SState, m: IntT, moving: ClockBits, saturate: bool = True) -> SState:
        """``m`` further ticks after a first tick produced ``s1`` (see module doc): each
        moving clock moves ``m`` toward its ceiling, stopping there (``saturate``;
        without it the linear form, exact while ``m`` stays below every ceiling)."""

        def end(i: int) -> SEnd:
            e, p = s1.end(i), self.ends[i]
            changes: dict[str, IntT] = {}
            for clock, moves in zip(END_CLOCKS, moving[i], strict=True):
                value = getattr(e, clock.field)
                if saturate:
                    moved = evaluate(
                        lambda x, p=p, clock=clock, value=value: clock.step(  # type: ignore[misc]
                            p, SymInt(value, x), SymInt(m, x)
                        ),
                        self.ints,
                    )
                else:
                    moved = clock.moved(value, m)
                changes[clock.field] = z3.If(moves, moved, value)
            return e._replace(**changes)

        left = evaluate(lambda x: phase_advance(SymInt(s1.phase_left, x), SymInt(m, x)), self.ints)
        return SState(end(0), end(1), s1.phase, left)

    def jump_bounds(self, s: SState, s1: SState, moving: ClockBits) -> list[tuple[BoolT, IntT]]:
        """``(condition, longest delay)`` pairs: a delay from ``s`` (``s1 = tick(s)``)
        stops where a moving clock would reach its ceiling (the clock table): a clock a
        property sees (``sess``) stays before it, the others may reach it in the
        delay's last second (``d - 1`` seconds after ``s1``); and the traffic phase of
        ``s`` must not end (the first second already went by)."""
        out: list[tuple[BoolT, IntT]] = [
            (s.phase_left > 0, PHASE_CLOCK.distance(self.ends[0], s.phase_left) - 1)
        ]
        for i in (0, 1):
            e, p = s1.end(i), self.ends[i]
            for clock, moves in zip(END_CLOCKS, moving[i], strict=True):
                slack = 0 if clock.observable else 1
                out.append((moves, clock.distance(p, getattr(e, clock.field)) + slack))
        return out

    def no_due(self, s: SState) -> BoolT:
        return z3.And(self.due(s, 0) == NOTHING_DUE, self.due(s, 1) == NOTHING_DUE)

    def guard(self, s: SState, s1: SState, d: IntT, before_last: SState, ch: Choices) -> BoolT:
        """Conditions 1-3 of the module doc for a delay of ``d`` from ``s``."""
        parts = [
            d >= 2,
            self.traffic_allowed(s, ch),
            z3.Or(s.phase_left == NO_TIMER, s.phase_left > d),
            self.no_due(s),
            self.no_due(before_last),
        ]
        for i in (0, 1):
            sess = s1.end(i).sess
            parts.append(z3.Or(sess <= 0, sess > d - 1))
        return z3.And(parts)

    def jump_length(self, s: SState, s1: SState, moving: ClockBits, cap: int) -> IntT:
        """The length of the maximal delay from ``s`` (``s1 = tick(s)``), as a function:
        the least of ``jump_bounds``, ``cap`` when nothing runs. Being a function of the
        state (not a free variable constrained by "maximal"), it leaves the SAT search
        nothing to guess about time; ``tests/test_smt.py`` checks it against the longest
        delay the guard allows.
        """
        top = self.ints.sentinel()
        best: IntT = top
        for cond, value in self.jump_bounds(s, s1, moving):
            best = z3.If(z3.And(cond, value < best), value, best)
        return z3.If(best == top, cap, best)

    def delay(
        self, s: SState, s1: SState, d: IntT, moving: ClockBits, ch: Choices
    ) -> tuple[BoolT, BoolT, SState]:
        """(jump possible, guard of the delay of ``d``, result); ``s1 = tick(s)``,
        ``moving = self.moving(s1, ...)``.

        ``d`` is ``jump_length`` (the maximal delay). When a jump of 2 is possible in a
        one-choice phase the 1 s tick is disabled (see ``transition``): every skipped
        tick is then the only successor of its state and shows the same observation as
        the state the delay ends in, so forcing the jump loses no violation (a bounded
        monitor only grows over the skipped seconds; the replay cuts the trace at the
        first violating second). In a phase with several choices the jump is taken only
        under the ``leap`` choice and the tick stays.
        """
        before_last = self.shift(s1, d - 2, moving)
        result = self.shift(s1, d - 1, moving)
        possible = z3.And(self.guard(s, s1, self.ints.val(2), s1, ch), self.no_fault(ch))
        jump = z3.And(possible, z3.Or(self.deterministic_phase(s), ch.leap))
        return jump, self.guard(s, s1, d, before_last, ch), result


@dataclass
class Step:
    """The symbolic variables of one unrolled step ``s -> s'``."""

    events: dict[tuple[str, int], BoolT]  # ("tick", -1), ("delay", -1), (kind, end)
    choices: Choices
    d: IntT  # delay length (meaningful when the delay indicator is true)
    order: BoolT  # end 0 acts first when both ends have an urgent event due
    after: SState  # the successor as a term of the state and the choices
    allowed: BoolT  # the constraints on the choices (``transition`` minus ``s' == after``)

    def seconds(self) -> IntT:
        return z3.If(self.events[("tick", -1)], 1, z3.If(self.events[("delay", -1)], self.d, 0))


def event_keys() -> list[tuple[str, int]]:
    return [("tick", -1), ("delay", -1)] + [(k, i) for i in (0, 1) for k in URGENT]


def transition(
    enc: Encoding,
    s: SState,
    s2: SState,
    prefix: str,
    with_delay: bool = True,
    cap: int = 2,
) -> tuple[BoolT, Step]:
    """``T(s, s')`` as ``s' == next(s, choices)`` plus constraints on the choices.

    The successor is a *function* of the state and the environment's choices of the
    step: the traffic bits, the outcome index ``pick``, and ``order`` (which end acts
    first when both have an urgent event due; ``Semantics.successors`` offers both). So
    the solver never guesses which event fires or how long a delay lasts: it only picks
    the choices, and the event indicators (kept for decoding) are terms. One definition
    per step also lets ``solve-eqs`` substitute ``s'`` away and fold constants.

    ``with_delay=False`` is exactly ``Semantics.successors``; with delays, a 1 s tick is
    taken in a one-choice phase only where no jump is possible, in a phase with several
    choices unless ``leap`` takes the jump (``Encoding.delay``); ``cap`` is the length
    of a jump over a future in which no timer runs.

    The relation is built once per encoding, integer sort and options over template
    variables; each call substitutes its own state and choice variables into it.
    """
    key = (enc.ints.width, with_delay, cap)
    if key not in enc.transitions:
        names = _template_names()
        rel, step = _build_transition(
            enc,
            enc.ints.fresh_state(names[0]),
            enc.ints.fresh_state(names[1]),
            names[2],
            with_delay,
            cap,
        )
        enc.transitions[key] = (rel, step)
    rel, step = enc.transitions[key]
    names = _template_names()
    pairs = list(zip(flat(enc.ints.fresh_state(names[0])), flat(s), strict=True))
    pairs += list(zip(flat(enc.ints.fresh_state(names[1])), flat(s2), strict=True))
    mine = fresh_choices(prefix, enc.ints)
    pairs += [
        (step.choices.ab, mine.ab),
        (step.choices.ba, mine.ba),
        (step.choices.pick, mine.pick),
        (step.choices.leap, mine.leap),
        (step.choices.fault, mine.fault),
        (step.order, z3.Bool(f"{prefix}.order")),
    ]
    keys = list(step.events)
    terms = [rel, step.d, step.order, step.allowed, *step.events.values(), *flat(step.after)]
    done = substitute_all(terms, pairs)
    rel2, d, order, allowed = done[:4]
    events = dict(zip(keys, done[4 : 4 + len(keys)], strict=True))
    return rel2, Step(events, mine, d, order, unflat(done[4 + len(keys) :]), allowed)


def _template_names() -> tuple[str, str, str]:
    return ("tpl.s", "tpl.s2", "tpl.step")


def _build_transition(
    enc: Encoding, s: SState, s2: SState, prefix: str, with_delay: bool, cap: int
) -> tuple[BoolT, Step]:
    """``transition`` over the given (template) variables."""
    ch = fresh_choices(prefix, enc.ints)
    order = z3.Bool(f"{prefix}.order")
    dues = (enc.due(s, 0), enc.due(s, 1))
    urgent = (dues[0] != NOTHING_DUE, dues[1] != NOTHING_DUE)
    first = z3.And(urgent[0], z3.Or(z3.Not(urgent[1]), order))
    take = (first, z3.And(urgent[1], z3.Not(first)))
    timed = z3.And(z3.Not(urgent[0]), z3.Not(urgent[1]))
    s1 = enc.tick(s, ch.ab, ch.ba, ch.fault if enc.params.faults.tick_faults else None)
    moving = enc.moving(s1, ch.ab, ch.ba)
    d = enc.jump_length(s, s1, moving, cap)
    counts: IntT = enc.ints.val(1)
    for i in (1, 0):
        counts = z3.If(take[i], enc.outcomes(s, i), counts)
    parts: list[BoolT] = [
        ch.pick >= 0,
        ch.pick < counts,
        z3.Implies(timed, enc.traffic_allowed(s, ch)),
    ]
    nxt = s1
    jump: BoolT = z3.BoolVal(False)
    if with_delay:
        jump, guard, result = enc.delay(s, s1, d, moving, ch)
        jump = z3.And(timed, jump)
        # ``d`` is the maximal delay by construction; the guard re-states why it is a
        # composition of enabled ticks (tests check it never cuts a jump off)
        parts.append(z3.Implies(jump, guard))
        nxt = ite(jump, result, s1)
    events: dict[tuple[str, int], BoolT] = {
        ("tick", -1): z3.And(timed, z3.Not(jump)),
        ("delay", -1): jump,
    }
    for i in (1, 0):
        nxt = ite(take[i], enc.urgent(s, i, ch.pick), nxt)
        for kind in URGENT:
            events[(kind, i)] = z3.And(take[i], dues[i] == CODE[kind])
    step = Step({k: events[k] for k in event_keys()}, ch, d, order, nxt, z3.And(parts))
    return z3.And(step.allowed, states_equal(s2, nxt)), step


def jump_cap(params: TunnelParams, plan: Plan) -> int:
    """The length of a jump over a timer-free future (the ``cap`` of ``transition``, used
    by the z3 engine and its test twin ``tests/oracles/step_graph.py`` alike): long
    enough to saturate ``quiet`` and a bounded or temporal plan's monitor."""
    cap = max(p.dpd_retryinterval for p in params.ends) + 2
    if plan.kind in ("bounded", "temporal"):
        cap += (plan.bound or 0) + 2
    return cap
