"""Evaluating a formula on a state: directly, or compiled once into closures."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

from ipsecmc.errors import InternalError
from ipsecmc.properties.syntax import (
    And,
    Atom,
    AtomValue,
    BoolLit,
    BoundRef,
    Compare,
    CompareOp,
    EnumLit,
    Expr,
    Implies,
    IntLit,
    Not,
    Or,
    Value,
    render,
)

# --------------------------------------------------------------------------- evaluation


def _compare(op: CompareOp, left: Value, right: Value) -> bool:
    match op:
        case "==":
            return left == right
        case "!=":
            return left != right
    if not (_is_int(left) and _is_int(right)):
        raise InternalError(f"'{op}' on non-integers {left!r} and {right!r}: formula not validated")
    assert isinstance(left, int) and isinstance(right, int)
    match op:
        case "<":
            return left < right
        case "<=":
            return left <= right
        case ">":
            return left > right
        case ">=":
            return left >= right
    raise InternalError(f"unknown comparison {op!r}")


def _is_int(value: Value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _need_bool(value: Value, expr: Expr) -> bool:
    if not isinstance(value, bool):
        raise InternalError(
            f"{render(expr)} evaluated to {value!r}, not a truth value: formula not validated "
            "or the model returned the wrong type"
        )
    return value


def _need_bound(bound: int | None, expr: Expr) -> int:
    if bound is None:
        raise InternalError(
            f"T used at {expr.loc} but the checker passed no bound (auto unresolved?)"
        )
    return bound


def evaluate(expr: Expr, atom_value: AtomValue, bound: int | None) -> Value:
    """The value of ``expr`` in one state: the reference semantics of formulas.

    ``atom_value`` gives each atom's value in that state (bool, int, or enum name);
    ``bound`` is what ``T`` means. ``and``/``or``/``implies`` short-circuit, so atoms
    the result does not depend on may not be asked for. A value of the wrong type
    (a validated formula with a model that breaks its signatures) raises
    :class:`~ipsecmc.errors.InternalError`: that is a bug, not bad input.
    """
    match expr:
        case Atom():
            return atom_value(expr)
        case IntLit(value=value):
            return value
        case EnumLit(name=name):
            return name
        case BoolLit(value=value):
            return value
        case BoundRef():
            return _need_bound(bound, expr)
        case Not(operand=operand):
            return not _need_bool(evaluate(operand, atom_value, bound), operand)
        case And(operands=ops):
            return all(_need_bool(evaluate(op, atom_value, bound), op) for op in ops)
        case Or(operands=ops):
            return any(_need_bool(evaluate(op, atom_value, bound), op) for op in ops)
        case Implies(left=left, right=right):
            if not _need_bool(evaluate(left, atom_value, bound), left):
                return True
            return _need_bool(evaluate(right, atom_value, bound), right)
        case Compare(op=op, left=left, right=right):
            return _compare(
                op, evaluate(left, atom_value, bound), evaluate(right, atom_value, bound)
            )


_Compiled: TypeAlias = Callable[[AtomValue], Value]


def compile_formula(expr: Expr, bound: int | None) -> Callable[[AtomValue], bool]:
    """Turn a validated boolean formula into a closure, for engines that evaluate it in
    millions of states.

    Same semantics as :func:`evaluate` (a test checks they agree), minus the per-node
    type checks: only the final result is checked to be a truth value.
    """
    inner = _compile(expr, bound)

    def run(atom_value: AtomValue) -> bool:
        result = inner(atom_value)
        if not isinstance(result, bool):
            raise InternalError(f"{render(expr)} evaluated to {result!r}, not a truth value")
        return result

    return run


def _compile(expr: Expr, bound: int | None) -> _Compiled:
    match expr:
        case Atom():
            atom = expr
            return lambda av: av(atom)
        case IntLit(value=value) | BoolLit(value=value):
            const: Value = value
            return lambda av: const
        case EnumLit(name=name):
            return lambda av: name
        case BoundRef():
            t = _need_bound(bound, expr)
            return lambda av: t
        case Not(operand=operand):
            f = _compile(operand, bound)
            return lambda av: not f(av)
        case And(operands=ops):
            fs = tuple(_compile(op, bound) for op in ops)
            return lambda av: all(f(av) for f in fs)
        case Or(operands=ops):
            fs = tuple(_compile(op, bound) for op in ops)
            return lambda av: any(f(av) for f in fs)
        case Implies(left=left, right=right):
            fl, fr = _compile(left, bound), _compile(right, bound)
            return lambda av: (not fl(av)) or fr(av)
        case Compare(op=op, left=left, right=right):
            fl, fr = _compile(left, bound), _compile(right, bound)
            return _compile_compare(op, fl, fr)


def _compile_compare(op: CompareOp, fl: _Compiled, fr: _Compiled) -> _Compiled:
    match op:
        case "==":
            return lambda av: fl(av) == fr(av)
        case "!=":
            return lambda av: fl(av) != fr(av)
        case _:
            return lambda av: _compare(op, fl(av), fr(av))
