"""The formula language's types and syntax tree, and its rendering."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from ipsecmc.errors import SourceLoc

Kind: TypeAlias = Literal["invariant", "bounded", "reachable", "recoverable", "temporal"]
KINDS: tuple[Kind, ...] = ("invariant", "bounded", "reachable", "recoverable", "temporal")

TemporalOp: TypeAlias = Literal["leads-to", "until", "within"]
TEMPORAL_OPS: tuple[TemporalOp, ...] = ("leads-to", "until", "within")

CompareOp: TypeAlias = Literal["==", "!=", "<", "<=", ">", ">="]
ResultType: TypeAlias = Literal["bool", "int", "enum"]

#: The value of an atom or sub-formula in a state: enum values are their names.
Value: TypeAlias = bool | int | str

ENUM_NAMES: tuple[str, ...] = ("CONNECTING", "DOWN", "UP")
"""Enum names every formula may use; signatures may add more through ``values``."""

GENERIC_ENDS: tuple[str, ...] = ("end_a", "end_b")
"""Gateway arguments that stand for the tunnel's two ends, whatever the real names."""


MAX_NESTING = 50
"""Deepest nesting of ``not``/parentheses/``implies`` accepted; keeps every recursive
walk (parser, renderer, evaluator) far from Python's recursion limit on hostile input."""

# --------------------------------------------------------------------------- AST
# Locations are excluded from equality and hashing: two occurrences of ``up(site1)``
# are the same atom (the checker caches atom values per state by Atom), and a
# formula parsed back from its rendering equals the original.


@dataclass(frozen=True, slots=True)
class Atom:
    """A state observation such as ``up(site1)``; its meaning comes from the model."""

    name: str
    args: tuple[str, ...] = ()
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)
    arg_locs: tuple[SourceLoc, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class IntLit:
    """A whole number (seconds, counters)."""

    value: int
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class EnumLit:
    """An enum name such as ``UP``, compared with an enum-valued atom."""

    name: str
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class BoolLit:
    """``true`` or ``false``."""

    value: bool
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class BoundRef:
    """``T``: the property's bound in seconds, known only once ``auto`` is resolved."""

    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Not:
    """Negation."""

    operand: Expr
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class And:
    """Conjunction of two or more operands (n-ary so long chains do not nest deeply)."""

    operands: tuple[Expr, ...]
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Or:
    """Disjunction of two or more operands."""

    operands: tuple[Expr, ...]
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Implies:
    """``left implies right``; right-associative."""

    left: Expr
    right: Expr
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Compare:
    """A comparison; ``loc`` is the operator's position (where type errors point)."""

    op: CompareOp
    left: Expr
    right: Expr
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


Expr: TypeAlias = Atom | IntLit | EnumLit | BoolLit | BoundRef | Not | And | Or | Implies | Compare

#: How the checker supplies atom values: called with an atom, returns its value.
AtomValue: TypeAlias = Callable[[Atom], Value]


def subexpressions(expr: Expr) -> Iterator[Expr]:
    """Yield ``expr`` and every sub-expression, pre-order, left to right."""
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        yield node
        match node:
            case Not(operand=operand):
                stack.append(operand)
            case And(operands=ops) | Or(operands=ops):
                stack.extend(reversed(ops))
            case Implies(left=left, right=right) | Compare(left=left, right=right):
                stack.append(right)
                stack.append(left)
            case _:
                pass


def _distinct_atoms(exprs: Expr | tuple[Expr, ...]) -> tuple[Atom, ...]:
    seen: dict[Atom, None] = {}
    for expr in exprs if isinstance(exprs, tuple) else (exprs,):
        for node in subexpressions(expr):
            if isinstance(node, Atom) and node not in seen:
                seen[node] = None
    return tuple(seen)


# --------------------------------------------------------------------------- rendering

_PREC_IMPLIES, _PREC_OR, _PREC_AND, _PREC_NOT, _PREC_CMP, _PREC_ATOM = range(1, 7)


def _prec(expr: Expr) -> int:
    match expr:
        case Implies():
            return _PREC_IMPLIES
        case Or():
            return _PREC_OR
        case And():
            return _PREC_AND
        case Not():
            return _PREC_NOT
        case Compare():
            return _PREC_CMP
        case _:
            return _PREC_ATOM


def render(expr: Expr) -> str:
    """Pretty-print a formula with the fewest parentheses that parse back to ``expr``.

    Parentheses are kept where the tree differs from how the parser would group the
    flat text (a nested ``and`` inside ``and``, ``implies`` on the left of ``implies``),
    so ``parse_formula(render(e)) == e`` for every tree.
    """

    def wrap(child: Expr, needs: bool) -> str:
        text = render(child)
        return f"({text})" if needs else text

    match expr:
        case Atom(name=name, args=args):
            return f"{name}({', '.join(args)})" if args else name
        case IntLit(value=value):
            return str(value)
        case EnumLit(name=name):
            return name
        case BoolLit(value=value):
            return "true" if value else "false"
        case BoundRef():
            return "T"
        case Not(operand=operand):
            return "not " + wrap(operand, _prec(operand) < _PREC_NOT)
        case And(operands=ops):
            return " and ".join(wrap(op, _prec(op) <= _PREC_AND) for op in ops)
        case Or(operands=ops):
            return " or ".join(wrap(op, _prec(op) <= _PREC_OR) for op in ops)
        case Implies(left=left, right=right):
            return (
                f"{wrap(left, _prec(left) <= _PREC_IMPLIES)} implies "
                f"{wrap(right, _prec(right) < _PREC_IMPLIES)}"
            )
        case Compare(op=op, left=left, right=right):
            return (
                f"{wrap(left, _prec(left) < _PREC_ATOM)} {op} "
                f"{wrap(right, _prec(right) < _PREC_ATOM)}"
            )


# --------------------------------------------------------------------------- temporal


@dataclass(frozen=True, slots=True)
class Temporal:
    """The top of a ``kind: temporal`` formula; the property's ``formula`` is the goal.

    * ``P leads-to Q within L``: whenever ``P`` holds, ``Q`` holds within ``L`` seconds
      (at that moment or later); ``left`` is ``P``.
    * ``P until Q`` (``within L``): from the start, ``P`` holds in every state until
      ``Q`` holds (weak: if ``Q`` never holds, ``P`` holds forever; with ``within``,
      ``Q`` must also come within ``L`` seconds); ``left`` is ``P``.
    * ``Q within L``: from the start, ``Q`` holds within ``L`` seconds; ``left`` is None.

    ``limit`` is a number of seconds or ``T`` (the ``bound:`` line).
    """

    op: TemporalOp
    left: Expr | None
    limit: IntLit | BoundRef | None
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)

    def parts(self) -> tuple[Expr, ...]:
        """The sub-formulas and the limit (for atoms and ``T``)."""
        return tuple(x for x in (self.left, self.limit) if x is not None)


def render_temporal(temporal: Temporal, goal: Expr) -> str:
    """``P leads-to Q within L`` etc. (parses back to the same property)."""

    limit = "" if temporal.limit is None else f" within {render(temporal.limit)}"
    if temporal.op == "within":
        return f"{render(goal)}{limit}"
    assert temporal.left is not None
    return f"{render(temporal.left)} {temporal.op} {render(goal)}{limit}"
