"""Symbolic states as z3 terms: the shape of ``State`` with one term per field, and the
integer sort every term uses (bit-vectors for BMC, mathematical integers for Spacer).

Why a module of its own: both the derived step relation (``smt_derive``, which runs the
reference semantics on these terms) and the pieces of the encoding that are not derived
(``smt_encoding``: delays, value ranges) build on it, and neither should import the other
for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from ipsecmc.engines.smt.z3_api import BoolT, IntT, Term, expr_ref, z3
from ipsecmc.model.events import URGENT_KINDS
from ipsecmc.model.params import TunnelParams
from ipsecmc.model.state import EndState, State

#: Urgent event kinds in their one order (``events.URGENT_KINDS``; ``Semantics.due``
#: decides which is due; code = index + 1).
URGENT = URGENT_KINDS
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
    "faults",
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
    faults: IntT


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


#: Larger than every value of the encoding in integer mode (the ``jump_length`` sentinel).
_INT_SENTINEL = 1 << 40


def _biggest(params: TunnelParams, bound: int) -> int:
    """The largest constant of the encoding: a timer, a phase length or the bound."""
    return (
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


def needed_width(params: TunnelParams, depth: int, bound: int) -> int:
    """Bits for every value of one step (``depth`` is accepted for callers that size an
    unrolling; sums over steps use ``sum_width``): a state field is at most the largest
    constant ``b``; within a step a value is a field plus a delay or the monitor plus a
    delay (under ``3 b``), and the ``jump_length`` sentinel ``1 << (width - 2)`` must
    exceed them all. Narrower bit-vectors make every SAT query cheaper (each query
    costs time in proportion to the bit-blasted unrolling)."""
    del depth
    magnitude = 4 * _biggest(params, bound) + 8
    return max(8, magnitude.bit_length() + 2)


def sum_width(params: TunnelParams, depth: int, bound: int) -> int:
    """Bits for a sum of ``depth`` step lengths (each under ``4 b``, see ``needed_width``)."""
    magnitude = (depth + 2) * (4 * _biggest(params, bound) + 8)
    return max(needed_width(params, depth, bound), magnitude.bit_length() + 2)


@dataclass(frozen=True)
class Ints:
    """The integer sort of one encoding: bit-vectors of ``width`` bits (signed
    comparisons), or mathematical integers for ``width=None``.

    Bit-blasting to SAT is much faster than linear arithmetic on this If-heavy relation
    for BMC; the width is chosen per check (``needed_width``) so that no value of one step
    can overflow; sums over many steps (the seconds of a path) use ``widen``. Spacer
    (IC3/PDR) needs mathematical integers. The sort is a value each ``Encoding`` carries,
    not a process setting, so two checks (or a proof built next to BMC) never see each
    other's sort.
    """

    width: int | None

    def val(self, value: int) -> IntT:
        """The constant ``value``."""
        return z3.IntVal(value) if self.width is None else z3.BitVecVal(value, self.width)

    def var(self, name: str) -> IntT:
        """A fresh integer variable."""
        return z3.Int(name) if self.width is None else z3.BitVec(name, self.width)

    def sentinel(self) -> IntT:
        """A constant above every value of the encoding."""
        return self.val(_INT_SENTINEL if self.width is None else 1 << (self.width - 2))

    def widen(self, t: IntT, bits: int) -> IntT:
        """``t`` as a term of ``bits`` bits (sign-extended; integers stay integers)."""
        if self.width is None or bits <= self.width:
            return t
        return z3.SignExt(bits - self.width, t)

    def const_end(self, e: EndState) -> SEnd:
        return SEnd(*(z3.BoolVal(v) if isinstance(v, bool) else self.val(v) for v in e))

    def const_state(self, s: State) -> SState:
        """The concrete state ``s`` as constants."""
        return SState(
            self.const_end(s.a), self.const_end(s.b), self.val(s.phase), self.val(s.phase_left)
        )

    def fresh_state(self, prefix: str) -> SState:
        """A state of fresh variables named after ``prefix``."""

        def end(tag: str) -> SEnd:
            return SEnd(
                *(
                    z3.Bool(f"{prefix}.{tag}.{f}")
                    if f in BOOL_FIELDS
                    else self.var(f"{prefix}.{tag}.{f}")
                    for f in SEnd._fields
                )
            )

        return SState(end("a"), end("b"), self.var(f"{prefix}.phase"), self.var(f"{prefix}.left"))


#: Mathematical integers (Spacer).
INTEGERS = Ints(None)
#: 32-bit vectors: wide enough for every FortiOS timer (the default of ``Encoding``).
BV32 = Ints(32)


def flat(s: SState) -> list[Term]:
    return [*s.a, *s.b, s.phase, s.phase_left]


def unflat(terms: list[Term]) -> SState:
    """The state ``flat`` listed."""
    n = len(SEnd._fields)
    return SState(SEnd(*terms[:n]), SEnd(*terms[n : 2 * n]), terms[-2], terms[-1])


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


def substitute_all(terms: list[Term], pairs: list[tuple[Term, Term]]) -> list[Term]:
    """``z3.substitute(t, *pairs)`` for every ``t`` of ``terms``, with the pairs converted
    once: a step instantiates its whole template this way (``z3.substitute`` re-checks
    every pair's sorts in Python on each call, which was most of the cost)."""
    if not terms:
        return []
    n = len(pairs)
    sources = (z3.Ast * n)()
    targets = (z3.Ast * n)()
    for k, (a, b) in enumerate(pairs):
        sources[k] = a.as_ast()
        targets[k] = b.as_ast()
    ctx = terms[0].ctx
    return [
        expr_ref(z3.Z3_substitute(ctx.ref(), t.as_ast(), n, sources, targets), ctx) for t in terms
    ]
