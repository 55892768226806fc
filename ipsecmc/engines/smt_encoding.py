"""The transition relation of ``ipsecmc.model.semantics`` as Z3 formulas (z3 itself comes
from ``z3_api``, the one module that imports it).

What this is: a line-by-line transcription of ``Semantics`` (``due``, every urgent
handler, ``_exchange``/``_deliver``, the SA helpers and ``_tick``) from Python ``if``
statements into ``z3.If`` terms over a symbolic state (one ``Int``/``Bool`` per field of
``EndState``/``State``). Each Python function ``_f(s, ...)`` has a twin ``f(s, ...)`` here
with the same structure, so a reviewer can diff them side by side.

Why it is the same relation (the soundness argument):

* ``step(s, s')`` is a disjunction over one indicator per event kind per end plus
  ``tick`` and ``delay``; exactly one indicator is true. An urgent indicator
  ``(K, i)`` requires ``due(s, i) == K`` (``due`` is the same priority chain as
  ``Semantics.due``) and fixes ``s'`` to the handler's result; ``tick`` requires that
  neither end has anything due and fixes ``s'`` to ``_tick`` under a traffic choice the
  current phase allows.
* Nondeterminism of the Python model has exactly two sources: the traffic choice of a
  tick (``phase.choices()``) and the local-in outcome of a new inbound IKE packet
  (``EndParams.admissions``). The first is two Booleans constrained to the phase's
  choices; the second only matters through ``Admission.accepted``, so it is one Boolean
  per exchange constrained to the set of ``accepted`` values of the receiver.
* ``tests/test_smt.py`` proves the transcription equal to the model step by step: for
  thousands of concrete states (random reachable states of several scenarios and random
  configurations) the set of models of ``step(const(s), s')`` (``delay`` excluded),
  enumerated with blocking clauses, equals ``{s2 for _, s2 in Semantics.successors(s)}``.
* Every counterexample the solver finds is decoded and replayed through
  ``TransitionSystem.replay_step`` before it is returned, so a transcription error
  can never produce a false violation, only a missed one or an internal error.

The delay step (issue 4, "symbolic time") and why it is sound: ``delay(s, d)`` with
``d >= 2`` stands for ``d`` ticks with the same traffic choice and is enabled only if

1. the traffic phase of ``s`` has exactly one choice (deterministic) and does not end
   within the delay (``phase_left == -1`` or ``phase_left > d``), so all ``d`` ticks
   use that one choice;
2. nothing is due in ``s`` (the first tick is enabled) nor in ``s_{d-1}``, the state
   before the last tick. Every ``due`` condition is monotone along a run of ticks from
   ``s_1`` on (discrete fields p1, p2, req, want_p2 are constant after the first
   tick; countdowns reach 0 and stay there; ``quiet`` never decreases), so nothing is
   due in any of ``s_0 .. s_{d-1}``: all ``d`` ticks are enabled;
3. the session timer does not reach 0 within ticks 2..d (``sess(s_1) <= 0`` or
   ``sess(s_1) > d - 1``), so the observation the atoms read (p1, p2, ``sess != 0``,
   sent, dpd_sent) is the same in ``s_1 .. s_d``: a property (or monitor) evaluated at
   ``s_d`` sees what it would see at every skipped state.

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

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from ipsecmc.config import DpdMode
from ipsecmc.engines.z3_api import BoolT, IntT, Term, z3
from ipsecmc.errors import InternalError
from ipsecmc.model.params import EndParams, TunnelParams
from ipsecmc.model.semantics import DELETE_P1, DELETE_P2, PROBE, Semantics
from ipsecmc.model.state import (
    CONNECTING,
    DOWN,
    NO_TIMER,
    REQ_NONE,
    REQ_P1,
    REQ_P2,
    REQ_REKEY_P1,
    REQ_REKEY_P2,
    SESSION_FOREVER,
    UP,
    EndState,
    State,
)

#: Urgent event kinds, in the priority order of ``Semantics.due`` (code = index + 1).
URGENT = ("p2_keylife", "p1_keylife", "request", "start_p2", "dpd", "start_p1")
NOTHING_DUE = 0
CODE = {kind: n + 1 for n, kind in enumerate(URGENT)}

INT_FIELDS = (
    "p1",
    "p2",
    "p1_life",
    "p2_life",
    "sess",
    "quiet",
    "dpd_sent",
    "dpd_timer",
    "req",
    "req_sent",
    "req_timer",
)
BOOL_FIELDS = ("want_p2", "sent")


class SEnd(NamedTuple):
    """A symbolic ``EndState``: same field names, z3 terms as values."""

    p1: IntT
    p2: IntT
    p1_life: IntT
    p2_life: IntT
    sess: IntT
    quiet: IntT
    dpd_sent: IntT
    dpd_timer: IntT
    req: IntT
    req_sent: IntT
    req_timer: IntT
    want_p2: BoolT
    sent: BoolT


class SState(NamedTuple):
    """A symbolic ``State``."""

    a: SEnd
    b: SEnd
    phase: IntT
    phase_left: IntT

    def end(self, index: int) -> SEnd:
        return self.a if index == 0 else self.b

    def with_end(self, index: int, end: SEnd) -> SState:
        return self._replace(a=end) if index == 0 else self._replace(b=end)


assert SEnd._fields == EndState._fields, "SEnd must mirror EndState"
assert SState._fields == State._fields, "SState must mirror State"

T = TypeVar("T", SEnd, SState)


def _ite_term(c: BoolT, x: Term, y: Term) -> Term:
    if isinstance(c, bool):
        return x if c else y
    if z3.is_true(c):
        return x
    if z3.is_false(c):
        return y
    if x.eq(y):
        return x
    return z3.If(c, x, y)


def ite(c: BoolT, x: T, y: T) -> T:
    """Field-wise ``If`` of two symbolic ends or states (identical fields stay shared)."""
    if isinstance(x, SState):
        assert isinstance(y, SState)
        return SState(
            ite(c, x.a, y.a),
            ite(c, x.b, y.b),
            _ite_term(c, x.phase, y.phase),
            _ite_term(c, x.phase_left, y.phase_left),
        )
    return type(x)(*(_ite_term(c, u, v) for u, v in zip(x, y, strict=True)))


#: Integers are bit-vectors (signed comparisons) of ``WIDTH`` bits: bit-blasting to SAT is
#: much faster than linear arithmetic on this If-heavy relation for BMC. The width is set
#: per check by ``set_width`` (``needed_width``) so that no value of the unrolling can
#: overflow. ``None`` means mathematical integers, which Spacer (IC3/PDR) needs. Not
#: thread-safe: one check at a time.
WIDTH: int | None = 32

#: Larger than every value of the encoding in integer mode (the ``jump_length`` sentinel).
_INT_SENTINEL = 1 << 40


def needed_width(params: TunnelParams, depth: int, bound: int) -> int:
    """Bits for every value of a ``depth``-step unrolling: timers, the monitor, and the
    sum of all step lengths (each at most the largest timer or the jump cap)."""
    biggest = (
        max(
            [bound + 2]
            + [
                v
                for p in params.ends
                for v in (
                    p.p1_keylife or 0,
                    p.p2_keylife or 0,
                    p.session_ttl or 0,
                    p.dpd_retryinterval,
                    p.request_giveup,
                )
            ]
            + [ph.duration or 0 for ph in params.traffic.phases]
        )
        + 2
    )
    magnitude = (depth + 2) * (2 * biggest + 8)
    return max(8, magnitude.bit_length() + 2)


def set_width(bits: int | None) -> None:
    """Bit-vectors of ``bits`` bits, or mathematical integers for ``None``."""
    global WIDTH
    WIDTH = bits


def sentinel() -> IntT:
    """A constant above every value of the encoding."""
    return IV(_INT_SENTINEL if WIDTH is None else 1 << (WIDTH - 2))


def IV(value: int) -> IntT:
    return z3.IntVal(value) if WIDTH is None else z3.BitVecVal(value, WIDTH)


def IVar(name: str) -> IntT:
    return z3.Int(name) if WIDTH is None else z3.BitVec(name, WIDTH)


def _bool(value: bool) -> BoolT:
    return z3.BoolVal(value)


def const_end(e: EndState) -> SEnd:
    return SEnd(*(z3.BoolVal(v) if isinstance(v, bool) else IV(v) for v in e))


def const_state(s: State) -> SState:
    return SState(const_end(s.a), const_end(s.b), IV(s.phase), IV(s.phase_left))


def fresh_state(prefix: str) -> SState:
    def end(tag: str) -> SEnd:
        return SEnd(
            *(
                z3.Bool(f"{prefix}.{tag}.{f}") if f in BOOL_FIELDS else IVar(f"{prefix}.{tag}.{f}")
                for f in SEnd._fields
            )
        )

    return SState(end("a"), end("b"), IVar(f"{prefix}.phase"), IVar(f"{prefix}.left"))


def flat(s: SState) -> list[Term]:
    return [*s.a, *s.b, s.phase, s.phase_left]


def states_equal(x: SState, y: SState) -> BoolT:
    return z3.And([u == v for u, v in zip(flat(x), flat(y), strict=True)])


def int_value(model: z3.ModelRef, t: IntT) -> int:
    """The integer a model gives ``t`` (bit-vectors read as signed)."""
    v = model.eval(t, model_completion=True)
    return int(v.as_long()) if z3.is_int_value(v) else int(v.as_signed_long())


def read_state(model: z3.ModelRef, s: SState) -> State:
    """The concrete ``State`` a model assigns to ``s``."""

    def val(t: Term) -> int | bool:
        if z3.is_bool(t):
            return bool(z3.is_true(model.eval(t, model_completion=True)))
        return int_value(model, t)

    def end(e: SEnd) -> EndState:
        return EndState(*(val(t) for t in e))  # type: ignore[arg-type]

    return State(end(s.a), end(s.b), int(val(s.phase)), int(val(s.phase_left)))


def count_down(e: SEnd, dec: Callable[[IntT], IntT], quiet: IntT) -> SEnd:
    """``e`` with every countdown moved by ``dec`` and ``quiet`` replaced: the timer part
    of a tick (``age``), of a delay (``shift``) and of ``smt_proof``'s linear delay."""
    return e._replace(
        sess=dec(e.sess),
        quiet=quiet,
        p1_life=dec(e.p1_life),
        p2_life=dec(e.p2_life),
        req_timer=dec(e.req_timer),
        dpd_timer=dec(e.dpd_timer),
    )


def _min(x: IntT, y: IntT) -> IntT:
    return z3.If(x <= y, x, y)


def _max(x: IntT, y: IntT) -> IntT:
    return z3.If(x >= y, x, y)


@dataclass
class Choices:
    """The environment's choices in one step: traffic bits and local-in outcomes.

    ``acc[j][n]`` is whether the ``n``-th exchange of the step is admitted by receiver
    ``j``'s local-in table when it has no session (only ``declare dead`` uses n = 1).
    """

    ab: BoolT
    ba: BoolT
    acc: tuple[tuple[BoolT, BoolT], tuple[BoolT, BoolT]]


def fresh_choices(prefix: str) -> Choices:
    return Choices(
        z3.Bool(f"{prefix}.ab"),
        z3.Bool(f"{prefix}.ba"),
        (
            (z3.Bool(f"{prefix}.acc0_0"), z3.Bool(f"{prefix}.acc0_1")),
            (z3.Bool(f"{prefix}.acc1_0"), z3.Bool(f"{prefix}.acc1_1")),
        ),
    )


class Encoding:
    """``Semantics`` of one ``TunnelParams`` as z3 terms (method names mirror it)."""

    def __init__(self, params: TunnelParams) -> None:
        self.params = params
        self.ends = params.ends
        self.phases = params.traffic.phases
        for p in self.ends:
            if not p.admissions:
                raise InternalError(f"{p.name}: no local-in outcome for IKE (model bug)")
        self.initial = Semantics(params).initial()

    # ------------------------------------------------------------------ constants
    @staticmethod
    def quiet_reset(p: EndParams) -> int:
        return 0 if p.dpd is DpdMode.ON_IDLE else NO_TIMER

    @staticmethod
    def refresh(p: EndParams) -> int:
        return SESSION_FOREVER if p.session_ttl is None else p.session_ttl

    @staticmethod
    def dpd_limit(p: EndParams) -> int:
        return len(p.request_sends) if p.ike_version == 2 else p.dpd_retrycount

    def retransmit_wait(self, p: EndParams, sent: IntT) -> IntT:
        """``Semantics._retransmit_wait`` for a symbolic ``sent`` in 1..len(sends)."""
        sends = p.request_sends
        result: IntT = IV(p.request_giveup - sends[-1])
        for n in range(len(sends) - 1, 0, -1):
            result = z3.If(sent == n, sends[n] - sends[n - 1], result)
        return result

    # ------------------------------------------------------------------ ranges
    def ranges(self, s: SState, c: IntT | None = None, bound: int | None = None) -> BoolT:
        """Value ranges every reachable state satisfies (checked inductive by a test and
        by ``SmtEngine`` before a proof uses them)."""
        out: list[BoolT] = []
        for i in (0, 1):
            e, p = s.end(i), self.ends[i]
            sends = p.request_sends
            max_wait = max(
                [p.request_giveup - sends[-1]]
                + [sends[n] - sends[n - 1] for n in range(1, len(sends))]
            )
            dpd_wait = max_wait if p.ike_version == 2 else p.dpd_retryinterval
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
                e.dpd_sent <= self.dpd_limit(p),
                e.dpd_timer >= NO_TIMER,
                e.dpd_timer <= dpd_wait,
                e.quiet >= NO_TIMER,
                e.quiet <= p.dpd_retryinterval,
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
            out += [c >= 0, c <= bound + 1]
        return z3.And(out)

    # ------------------------------------------------------------------ what is due
    def due(self, s: SState, i: int) -> IntT:
        """``Semantics.due`` as a code: 0 nothing, else ``CODE[kind]``."""
        e, p = s.end(i), self.ends[i]
        rules: list[tuple[BoolT, str]] = [
            (z3.And(e.p2 == UP, e.p2_life == 0, e.req != REQ_REKEY_P2), "p2_keylife"),
            (
                z3.And(e.p1 == UP, e.p1_life == 0, e.req != REQ_REKEY_P1, e.req != REQ_REKEY_P2),
                "p1_keylife",
            ),
            (z3.And(e.req != REQ_NONE, e.req_timer == 0), "request"),
            (z3.And(e.p1 == UP, e.p2 == DOWN, e.want_p2, e.req == REQ_NONE), "start_p2"),
            (e.dpd_timer == 0, "dpd"),
            (
                z3.And(
                    e.p1 == UP,
                    e.dpd_timer == NO_TIMER,
                    p.dpd is not DpdMode.DISABLE,
                    e.quiet >= p.dpd_retryinterval,
                ),
                "dpd",
            ),
            (
                z3.And(e.p1 == DOWN, e.req == REQ_NONE, z3.Or(p.p1_auto_negotiate, e.want_p2)),
                "start_p1",
            ),
        ]
        result: IntT = IV(NOTHING_DUE)
        for cond, kind in reversed(rules):
            result = z3.If(cond, CODE[kind], result)
        return result

    # ------------------------------------------------------------------ urgent events
    def handler(self, kind: str, s: SState, i: int, ch: Choices) -> SState:
        if kind == "p2_keylife":
            return self.start_request(s, i, REQ_REKEY_P2, ch)
        if kind == "p1_keylife":
            return self.start_request(s, i, REQ_REKEY_P1, ch)
        if kind == "request":
            return self.request_due(s, i, ch)
        if kind == "start_p2":
            return self.start_request(s, i, REQ_P2, ch)
        if kind == "start_p1":
            return self.start_request(s, i, REQ_P1, ch)
        if kind == "dpd":
            return self.dpd_due(s, i, ch)
        raise InternalError(f"unknown urgent kind {kind}")

    def start_request(self, s: SState, i: int, req: int, ch: Choices) -> SState:
        e = s.end(i)._replace(req=IV(req), req_sent=IV(0), req_timer=IV(0))
        if req == REQ_P1:
            e = e._replace(p1=IV(CONNECTING))
        return self.request_kind(s.with_end(i, e), i, req, ch, fresh=True)

    def request_due(self, s: SState, i: int, ch: Choices) -> SState:
        e = s.end(i)
        out = self.request_kind(s, i, REQ_REKEY_P2, ch, fresh=False)
        for k in (REQ_REKEY_P1, REQ_P2, REQ_P1):
            out = ite(e.req == k, self.request_kind(s, i, k, ch, fresh=False), out)
        return out

    def request_kind(self, s: SState, i: int, kind: int, ch: Choices, fresh: bool) -> SState:
        """``_request_due`` when the pending request is ``kind``."""
        p = self.ends[i]
        e = s.end(i)
        answered, out = self.exchange(s, i, kind, ch.acc[1 - i][0])
        me = out.end(i)
        sent = me.req_sent + 1
        me2 = me._replace(req_sent=sent, req_timer=self.retransmit_wait(p, sent))
        cont = ite(z3.Or(answered, me.req == REQ_NONE), out, out.with_end(i, me2))
        if fresh:  # req_sent == 0 < len(sends): never gives up
            return cont
        return ite(e.req_sent >= len(p.request_sends), self.give_up(s, i), cont)

    def give_up(self, s: SState, i: int) -> SState:
        p = self.ends[i]
        e = s.end(i)
        req = e.req
        e = e._replace(req=IV(REQ_NONE), req_sent=IV(0), req_timer=IV(NO_TIMER))
        kill_ike: BoolT = (
            _bool(True) if p.ike_version == 2 else z3.Or(req == REQ_P1, req == REQ_REKEY_P1)
        )
        e = ite(z3.Or(req == REQ_REKEY_P2, kill_ike), self.p2_down(p, e), e)
        e = ite(kill_ike, self.p1_down(p, e), e)
        return s.with_end(i, e)

    def dpd_due(self, s: SState, i: int, ch: Choices) -> SState:
        p = self.ends[i]
        e = s.end(i)
        limit = self.dpd_limit(p)
        answered, out = self.exchange(s, i, PROBE, ch.acc[1 - i][0])
        sent = e.dpd_sent + 1
        wait = self.retransmit_wait(p, sent) if p.ike_version == 2 else IV(p.dpd_retryinterval)
        me = out.end(i)._replace(dpd_sent=sent, dpd_timer=wait)
        probe = ite(answered, out, out.with_end(i, me))
        return ite(e.dpd_sent >= limit, self.declare_dead(s, i, ch), probe)

    def declare_dead(self, s: SState, i: int, ch: Choices) -> SState:
        p = self.ends[i]
        s = s.with_end(i, self.p1_down(p, self.p2_down(p, s.end(i))))
        _, after_p2 = self.exchange(s, i, DELETE_P2, ch.acc[1 - i][0])
        _, after_p1 = self.exchange(after_p2, i, DELETE_P1, ch.acc[1 - i][1])
        return after_p1

    # ------------------------------------------------------------------ one exchange
    def admission(self, j: int, acc: BoolT) -> BoolT:
        """``acc`` ranges over the ``accepted`` values of receiver ``j``'s outcomes."""
        values = {a.accepted for a in self.ends[j].admissions}
        if values == {True}:
            return acc
        if values == {False}:
            return z3.Not(acc)
        return _bool(True)

    def exchange(self, s: SState, i: int, kind: int, acc: BoolT) -> tuple[BoolT, SState]:
        j = 1 - i
        p, q = self.ends[i], self.ends[j]
        me, peer = s.end(i), s.end(j)
        me = me._replace(sess=IV(self.refresh(p)))
        admitted = z3.Or(peer.sess != 0, acc)
        answered, delivered = self.deliver(s, i, me, peer._replace(sess=IV(self.refresh(q))), kind)
        dropped = s.with_end(i, me).with_end(j, peer)
        return z3.And(admitted, answered), ite(admitted, delivered, dropped)

    def deliver(self, s: SState, i: int, me: SEnd, peer: SEnd, kind: int) -> tuple[BoolT, SState]:
        j = 1 - i
        p, q = self.ends[i], self.ends[j]
        ignored = s.with_end(i, me).with_end(j, peer)
        if kind == REQ_P1:
            me, peer = self.establish_p1(p, me), self.establish_p1(q, peer)
            peer = self.p2_down(q, peer)
            return _bool(True), self.answered(s, i, me, peer)
        peer_up = peer.p1 == UP
        if kind == REQ_REKEY_P1:
            me = self.p2_down(p, self.establish_p1(p, me))
            peer = self.p2_down(q, self.establish_p1(q, peer))
            return peer_up, ite(peer_up, self.answered(s, i, me, peer), ignored)
        peer = self.inbound(q, peer)
        if kind in (REQ_P2, REQ_REKEY_P2):
            me = self.inbound(p, me)
            me, peer = self.establish_p2(p, me), self.establish_p2(q, peer)
            return peer_up, ite(peer_up, self.answered(s, i, me, peer), ignored)
        if kind == PROBE:
            me = self.inbound(p, me)._replace(dpd_sent=IV(0), dpd_timer=IV(NO_TIMER))
            return peer_up, ite(peer_up, self.answered(s, i, me, peer), ignored)
        if kind == DELETE_P2:
            peer = self.p2_down(q, peer)
        elif kind == DELETE_P1:
            peer = self.p1_down(q, self.p2_down(q, peer))
        else:
            raise InternalError(f"unknown IKE message kind {kind}")
        return peer_up, ite(peer_up, s.with_end(i, me).with_end(j, peer), ignored)

    def answered(self, s: SState, i: int, me: SEnd, peer: SEnd) -> SState:
        p, q = self.ends[i], self.ends[1 - i]
        peer = peer._replace(sess=IV(self.refresh(q)))
        me = me._replace(sess=IV(self.refresh(p)))
        return s.with_end(i, me).with_end(1 - i, peer)

    # ------------------------------------------------------------------ SA helpers
    @staticmethod
    def _req_fields(e: SEnd, req: IntT) -> SEnd:
        none = req == REQ_NONE
        return e._replace(
            req=req,
            req_sent=z3.If(none, 0, e.req_sent),
            req_timer=z3.If(none, NO_TIMER, e.req_timer),
        )

    def establish_p1(self, p: EndParams, e: SEnd) -> SEnd:
        req = z3.If(e.req == REQ_P2, e.req, REQ_NONE)
        e = self._req_fields(e, req)._replace(
            p1=IV(UP),
            p1_life=IV(p.p1_keylife if p.p1_keylife is not None else NO_TIMER),
            dpd_sent=IV(0),
            dpd_timer=IV(NO_TIMER),
        )
        return self.inbound(p, e)

    def establish_p2(self, p: EndParams, e: SEnd) -> SEnd:
        req = z3.If(z3.Or(e.req == REQ_P2, e.req == REQ_REKEY_P2), REQ_NONE, e.req)
        return self._req_fields(e, req)._replace(
            p2=IV(UP),
            p2_life=IV(p.p2_keylife if p.p2_keylife is not None else NO_TIMER),
            want_p2=_bool(False),
        )

    def p2_down(self, p: EndParams, e: SEnd) -> SEnd:
        req = z3.If(z3.Or(e.req == REQ_P2, e.req == REQ_REKEY_P2), REQ_NONE, e.req)
        return self._req_fields(e, req)._replace(
            p2=IV(DOWN),
            p2_life=IV(NO_TIMER),
            sent=_bool(False),
            quiet=IV(self.quiet_reset(p)),
            want_p2=z3.Or(e.want_p2, p.p2_auto_negotiate),
        )

    def p1_down(self, p: EndParams, e: SEnd) -> SEnd:
        return e._replace(
            p1=IV(DOWN),
            p1_life=IV(NO_TIMER),
            dpd_sent=IV(0),
            dpd_timer=IV(NO_TIMER),
            req=IV(REQ_NONE),
            req_sent=IV(0),
            req_timer=IV(NO_TIMER),
            quiet=IV(self.quiet_reset(p)),
        )

    def inbound(self, p: EndParams, e: SEnd) -> SEnd:
        e = e._replace(quiet=IV(self.quiet_reset(p)))
        if p.ike_version == 1:
            e = e._replace(dpd_sent=IV(0), dpd_timer=IV(NO_TIMER))
        return e

    # ------------------------------------------------------------------ time
    def traffic_allowed(self, s: SState, ch: Choices) -> BoolT:
        """The traffic bits are one of ``phase.choices()`` of the current phase."""
        out: list[BoolT] = []
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
        return z3.Or(
            [s.phase == k for k, ph in enumerate(self.phases) if len(ph.choices()) == 1]
            or [_bool(False)]
        )

    def tick(self, s: SState, ab: BoolT, ba: BoolT) -> SState:
        a, b = s.a, s.b
        a, b = self.traffic(0, a, b, ab)
        b, a = self.traffic(1, b, a, ba)
        a = self.age(0, a)
        b = self.age(1, b)
        left = s.phase_left
        running = left != NO_TIMER
        switch = z3.And(running, left - 1 == 0)
        nxt_duration: IntT = IV(NO_TIMER)
        for k, ph in enumerate(self.phases):
            if k > 0:
                nxt_duration = z3.If(
                    s.phase + 1 == k,
                    ph.duration if ph.duration is not None else NO_TIMER,
                    nxt_duration,
                )
        phase = z3.If(switch, s.phase + 1, s.phase)
        new_left = z3.If(running, z3.If(switch, nxt_duration, left - 1), left)
        return SState(a, b, phase, new_left)

    def traffic(self, i: int, me: SEnd, peer: SEnd, flows: BoolT) -> tuple[SEnd, SEnd]:
        p, q = self.ends[i], self.ends[1 - i]
        me_up = me.p2 == UP
        quiet = me.quiet
        if p.dpd is DpdMode.ON_DEMAND:
            quiet = z3.If(quiet == NO_TIMER, 0, quiet)
        sending = me._replace(sent=_bool(True), quiet=quiet)
        blocked = me._replace(sent=_bool(False), want_p2=_bool(True))
        idle = me._replace(sent=_bool(False))
        new_me = ite(flows, ite(me_up, sending, blocked), idle)
        received = ite(peer.p2 == UP, self.inbound(q, peer), peer)
        new_peer = ite(z3.And(flows, me_up), received, peer)
        return new_me, new_peer

    def age(self, i: int, e: SEnd) -> SEnd:
        p = self.ends[i]
        quiet = e.quiet
        if p.dpd is not DpdMode.DISABLE:
            quiet = z3.If(
                z3.And(quiet != NO_TIMER, e.p1 == UP), _min(quiet + 1, p.dpd_retryinterval), quiet
            )

        def dec(t: IntT) -> IntT:
            return z3.If(t > 0, t - 1, t)

        return count_down(e, dec, quiet)

    # ------------------------------------------------------------------ delay
    def shift(self, s1: SState, m: IntT, ab: BoolT, ba: BoolT) -> SState:
        """``m`` further ticks after a first tick produced ``s1`` (see module doc)."""
        flows = (ab, ba)

        def end(i: int) -> SEnd:
            e, p = s1.end(i), self.ends[i]
            j = 1 - i
            receives = z3.And(flows[j], s1.end(j).p2 == UP, e.p2 == UP)

            def dec(t: IntT) -> IntT:
                return z3.If(t > 0, _max(t - m, 0), t)

            quiet = e.quiet
            if p.dpd is not DpdMode.DISABLE:
                quiet = z3.If(
                    z3.And(quiet != NO_TIMER, e.p1 == UP, z3.Not(receives)),
                    _min(quiet + m, p.dpd_retryinterval),
                    quiet,
                )
            return count_down(e, dec, quiet)

        left = z3.If(s1.phase_left != NO_TIMER, s1.phase_left - m, s1.phase_left)
        return SState(end(0), end(1), s1.phase, left)

    def no_due(self, s: SState) -> BoolT:
        return z3.And(self.due(s, 0) == NOTHING_DUE, self.due(s, 1) == NOTHING_DUE)

    def guard(self, s: SState, s1: SState, d: IntT, before_last: SState, ch: Choices) -> BoolT:
        """Conditions 1-3 of the module doc for a delay of ``d`` from ``s``."""
        parts = [
            d >= 2,
            self.deterministic_phase(s),
            self.traffic_allowed(s, ch),
            z3.Or(s.phase_left == NO_TIMER, s.phase_left > d),
            self.no_due(s),
            self.no_due(before_last),
        ]
        for i in (0, 1):
            sess = s1.end(i).sess
            parts.append(z3.Or(sess <= 0, sess > d - 1))
        return z3.And(parts)

    def jump_length(self, s: SState, s1: SState, ch: Choices, cap: int) -> IntT:
        """The length of the maximal delay from ``s`` (``s1 = tick(s)``), as a function.

        A delay stops at the first second where any threshold can be crossed: the traffic
        phase ends (``phase_left(s) - 1``), a session would reach 0 (it stays >= 1:
        ``sess(s1)``), a countdown reaches 0 (``t(s1) + 1``), or ``quiet`` reaches the DPD
        interval (``interval - quiet(s1) + 1``). With nothing running it is ``cap``. Being a
        function of the state (not a free variable constrained by "maximal"), it leaves
        the SAT search nothing to guess about time; ``tests/test_smt.py`` checks it
        against the longest delay the guard allows.
        """
        flows = (ch.ab, ch.ba)
        top = sentinel()
        best: IntT = top
        candidates: list[tuple[BoolT, IntT]] = [
            (s.phase_left != NO_TIMER, s.phase_left - 1),
        ]
        for i in (0, 1):
            e, p = s1.end(i), self.ends[i]
            candidates.append((e.sess > 0, e.sess))
            for t in (e.p1_life, e.p2_life, e.req_timer, e.dpd_timer):
                candidates.append((t > 0, t + 1))
            if p.dpd is not DpdMode.DISABLE:
                j = 1 - i
                receives = z3.And(flows[j], s1.end(j).p2 == UP, e.p2 == UP)
                runs = z3.And(
                    e.quiet != NO_TIMER,
                    e.p1 == UP,
                    z3.Not(receives),
                    e.quiet < p.dpd_retryinterval,
                )
                candidates.append((runs, p.dpd_retryinterval - e.quiet + 1))
        for cond, value in candidates:
            best = z3.If(z3.And(cond, value < best), value, best)
        return z3.If(best == top, cap, best)

    def delay(self, s: SState, s1: SState, d: IntT, ch: Choices) -> tuple[BoolT, BoolT, SState]:
        """(jump possible, guard of the delay of ``d``, result); ``s1 = tick(s)``.

        ``d`` is ``jump_length`` (the maximal delay). When a jump of 2 is possible the
        1 s tick is disabled (see ``transition``): every skipped tick is then the only
        successor of its state and shows the same observation as the state the delay
        ends in, so forcing the jump loses no violation (a bounded monitor only grows
        over the skipped seconds; the replay cuts the trace at the first violating
        second).
        """
        before_last = self.shift(s1, d - 2, ch.ab, ch.ba)
        result = self.shift(s1, d - 1, ch.ab, ch.ba)
        jump = self.guard(s, s1, IV(2), s1, ch)
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
    step: the traffic bits, the local-in outcomes, and ``order`` (which end acts first
    when both have an urgent event due; ``Semantics.successors`` offers both). So the
    solver never guesses which event fires or how long a delay lasts: it only picks the
    choice bits, and the event indicators (kept for decoding) are terms. One definition
    per step also lets ``solve-eqs`` substitute ``s'`` away and fold constants.

    ``with_delay=False`` is exactly ``Semantics.successors``; with delays, a 1 s tick is
    taken only where no jump is possible (``Encoding.delay``); ``cap`` is the length of
    a jump over a future in which no timer runs.
    """
    ch = fresh_choices(prefix)
    order = z3.Bool(f"{prefix}.order")
    dues = (enc.due(s, 0), enc.due(s, 1))
    urgent = (dues[0] != NOTHING_DUE, dues[1] != NOTHING_DUE)
    first = z3.And(urgent[0], z3.Or(z3.Not(urgent[1]), order))
    take = (first, z3.And(urgent[1], z3.Not(first)))
    timed = z3.And(z3.Not(urgent[0]), z3.Not(urgent[1]))
    s1 = enc.tick(s, ch.ab, ch.ba)
    d = enc.jump_length(s, s1, ch, cap)
    parts: list[BoolT] = [
        enc.admission(0, ch.acc[0][0]),
        enc.admission(0, ch.acc[0][1]),
        enc.admission(1, ch.acc[1][0]),
        enc.admission(1, ch.acc[1][1]),
        z3.Implies(timed, enc.traffic_allowed(s, ch)),
    ]
    nxt = s1
    jump: BoolT = _bool(False)
    if with_delay:
        jump, guard, result = enc.delay(s, s1, d, ch)
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
        handled = enc.handler(URGENT[-1], s, i, ch)
        for kind in reversed(URGENT[:-1]):
            handled = ite(dues[i] == CODE[kind], enc.handler(kind, s, i, ch), handled)
        nxt = ite(take[i], handled, nxt)
        for kind in URGENT:
            events[(kind, i)] = z3.And(take[i], dues[i] == CODE[kind])
    step = Step({k: events[k] for k in event_keys()}, ch, d, order, nxt, z3.And(parts))
    return z3.And(step.allowed, states_equal(s2, nxt)), step
