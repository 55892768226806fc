"""Regions of timer values: linear constraints over a few integer parameters, as z3
formulas and as text an engineer reads (``session-ttl < dpd-retryinterval + 200``).

Why a module of its own: parameter synthesis (``ipsecmc.workflows.synthesize``) gets
each violated region as a quantifier-eliminated path condition, a conjunction of
hundreds of (mostly redundant) linear facts. What a user needs is the same set, inside
the box of values asked about, in as few readable constraints as possible. Every step
here replaces a formula by one with the same integer points in the box (checked with
z3, never assumed), so the text says exactly what the formula says.

A region is a union of *cubes* (conjunctions of ``Lin`` atoms); ``simplest`` makes each
cube as large as the region allows (dropping atoms) and removes cubes the others cover,
like the expand and irredundant steps of two-level logic minimisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ipsecmc.engines.smt.z3_api import BoolT, Term, z3
from ipsecmc.errors import InternalError


@dataclass(frozen=True)
class Lin:
    """``sum(coefs[k] * var[k]) + const <= 0`` (``eq``: ``== 0``) over the parameters."""

    coefs: tuple[int, ...]
    const: int
    eq: bool = False

    def formula(self, variables: Sequence[Term]) -> BoolT:
        total = z3.Sum([c * v for c, v in zip(self.coefs, variables, strict=True) if c] or [0])
        return total + self.const == 0 if self.eq else total + self.const <= 0


Cube = tuple[Lin, ...]


def box_formula(variables: Sequence[Term], bounds: Sequence[tuple[int, int]]) -> BoolT:
    """``lo <= var <= hi`` for every parameter."""
    return z3.And([z3.And(lo <= v, v <= hi) for v, (lo, hi) in zip(variables, bounds, strict=True)])


def cube_formula(cube: Cube, variables: Sequence[Term]) -> BoolT:
    return z3.And([a.formula(variables) for a in cube]) if cube else z3.BoolVal(True)


def union_formula(cubes: Sequence[Cube], variables: Sequence[Term]) -> BoolT:
    return z3.Or([cube_formula(c, variables) for c in cubes]) if cubes else z3.BoolVal(False)


# ---------------------------------------------------------------------- from z3
def _linear(expr: Term, variables: Sequence[Term]) -> tuple[tuple[int, ...], int]:
    """Coefficients and constant of a linear integer term (checked at one more point)."""

    def at(values: Sequence[int]) -> int:
        pairs = [(v, z3.IntVal(x)) for v, x in zip(variables, values, strict=True)]
        simple = z3.simplify(z3.substitute(expr, *pairs))
        if not z3.is_int_value(simple):
            raise InternalError(f"region: {expr} is not a linear integer term")
        return int(simple.as_long())

    n = len(variables)
    const = at([0] * n)
    coefs = tuple(at([1 if k == j else 0 for k in range(n)]) - const for j in range(n))
    probe = [3 + 7 * k for k in range(n)]
    if at(probe) != const + sum(c * x for c, x in zip(coefs, probe, strict=True)):
        raise InternalError(f"region: {expr} is not linear")
    return coefs, const


def _atoms(f: Term, variables: Sequence[Term], positive: bool) -> list[Cube]:
    """The DNF (cubes) of an atom or its negation."""
    if z3.is_not(f):
        return _dnf(f.arg(0), variables, not positive)
    if (z3.is_eq(f) or z3.is_distinct(f)) and z3.is_bool(f.arg(0)):
        a, b = f.arg(0), f.arg(1)
        same = z3.Or(z3.And(a, b), z3.And(z3.Not(a), z3.Not(b)))
        return _dnf(same, variables, positive == z3.is_eq(f))
    if z3.is_eq(f) or z3.is_distinct(f):
        coefs, const = _linear(f.arg(0) - f.arg(1), variables)
        equal = z3.is_eq(f) == positive
        if equal:
            return [(Lin(coefs, const, eq=True),)]
        neg = tuple(-c for c in coefs)
        return [(Lin(coefs, const + 1),), (Lin(neg, -const + 1),)]
    if z3.is_le(f) or z3.is_lt(f) or z3.is_ge(f) or z3.is_gt(f):
        lhs, rhs = f.arg(0), f.arg(1)
        # as e <= 0 (integers: a < b is a - b + 1 <= 0)
        if z3.is_le(f):
            coefs, const = _linear(lhs - rhs, variables)
        elif z3.is_lt(f):
            coefs, const = _linear(lhs - rhs + 1, variables)
        elif z3.is_ge(f):
            coefs, const = _linear(rhs - lhs, variables)
        else:
            coefs, const = _linear(rhs - lhs + 1, variables)
        if positive:
            return [(Lin(coefs, const),)]
        return [(Lin(tuple(-c for c in coefs), -const + 1),)]  # e > 0 is -e + 1 <= 0
    raise InternalError(f"region: cannot read {f} as a linear constraint")


def _dnf(f: Term, variables: Sequence[Term], positive: bool = True) -> list[Cube]:
    if z3.is_true(f) or z3.is_false(f):
        return [()] if z3.is_true(f) == positive else []
    if z3.is_and(f) or z3.is_or(f):
        conjunctive = z3.is_and(f) == positive
        parts = [_dnf(c, variables, positive) for c in f.children()]
        if not conjunctive:
            return [cube for part in parts for cube in part]
        out: list[Cube] = [()]
        for part in parts:
            out = [a + b for a in out for b in part]
            if len(out) > 4096:
                raise InternalError("region: the constraints have too many cases to print")
        return out
    return _atoms(f, variables, positive)


# ---------------------------------------------------------------------- simplify
class _Checker:
    def __init__(self, box: BoolT) -> None:
        self.solver = z3.Solver()
        self.solver.add(box)

    def empty(self, *fs: BoolT) -> bool:
        answer = self.solver.check(*fs)
        if answer == z3.unknown:  # pragma: no cover - small linear integer queries
            raise InternalError("region: z3 could not decide a linear question")
        return bool(answer == z3.unsat)


def _flat(f: BoolT, op: str) -> list[BoolT]:
    test = z3.is_and if op == "and" else z3.is_or
    if test(f):
        return [g for c in f.children() for g in _flat(c, op)]
    return [f]


def simplify_in(f: BoolT, box: BoolT) -> BoolT:
    """``f`` with every part the rest of it (and the box) makes redundant dropped: the
    same points in the box. Recursive over ``And``/``Or``: a conjunct is dropped when
    the others imply it, a disjunct when it adds no point to the others, each judged
    in the context of everything around it."""
    return _simplify(f, [], _Checker(box))


def _simplify(f: BoolT, context: list[BoolT], checker: _Checker) -> BoolT:
    conjunctive = z3.is_and(f)
    if not conjunctive and not z3.is_or(f):
        return f
    parts = _flat(f, "and" if conjunctive else "or")
    k = 0
    while k < len(parts):
        others = parts[:k] + parts[k + 1 :]
        # a conjunct is judged where the others hold, a disjunct where they do not
        around = context + (others if conjunctive else [z3.Not(o) for o in others])
        redundant = (
            checker.empty(*around, z3.Not(parts[k]))
            if conjunctive
            else checker.empty(*around, parts[k])
        )
        if redundant:
            parts.pop(k)
            continue
        parts[k] = _simplify(parts[k], around, checker)
        k += 1
    if not parts:
        return z3.BoolVal(conjunctive)
    return (z3.And if conjunctive else z3.Or)(parts) if len(parts) > 1 else parts[0]


def simplest(
    cubes: Sequence[Cube], target: BoolT, variables: Sequence[Term], box: BoolT
) -> list[Cube]:
    """Cubes whose union has the same points as ``target`` in ``box``, each as large as
    ``target`` allows; ``cubes`` must already describe ``target`` in the box."""
    checker = _Checker(box)
    outside = z3.Not(target)
    grown: list[Cube] = []
    for cube in cubes:
        if checker.empty(cube_formula(cube, variables)):
            continue
        atoms = list(dict.fromkeys(cube))
        k = 0
        while k < len(atoms):
            trial = tuple(atoms[:k] + atoms[k + 1 :])
            if checker.empty(cube_formula(trial, variables), outside):
                atoms.pop(k)
            else:
                k += 1
        if tuple(atoms) not in grown:
            grown.append(tuple(atoms))
    grown.sort(key=len)
    k = 0
    while k < len(grown):
        rest = grown[:k] + grown[k + 1 :]
        if checker.empty(cube_formula(grown[k], variables), z3.Not(union_formula(rest, variables))):
            grown.pop(k)
        else:
            k += 1
    if not checker.empty(z3.Xor(union_formula(grown, variables), target)):
        raise InternalError("region: the simplified constraints differ from the region")
    return grown


def cubes_of(f: BoolT, variables: Sequence[Term]) -> list[Cube]:
    """``f`` (quantifier-free, linear, over ``variables``) as cubes."""
    return _dnf(f, variables)


def _negations(atom: Lin) -> list[Lin]:
    """The atoms whose union is the negation of ``atom`` (on integers)."""
    neg = tuple(-c for c in atom.coefs)
    if atom.eq:
        return [Lin(atom.coefs, atom.const + 1), Lin(neg, -atom.const + 1)]
    return [Lin(neg, -atom.const + 1)]


def complement(cubes: Sequence[Cube], variables: Sequence[Term], box: BoolT) -> list[Cube]:
    """Cubes of the points of ``box`` outside the union of ``cubes``: the negation is
    multiplied out one cube at a time, dropping empty and duplicate cubes as it goes
    (done at once, n cubes of three atoms would be 3^n cases)."""
    checker = _Checker(box)
    out: list[Cube] = [()]
    for cube in cubes:
        grown: list[Cube] = []
        for kept in out:
            for atom in cube:
                for neg in _negations(atom):
                    candidate = tuple(dict.fromkeys((*kept, neg)))
                    if candidate in grown:
                        continue
                    if not checker.empty(cube_formula(candidate, variables)):
                        grown.append(candidate)
        out = [c for c in grown if not any(set(o) < set(c) for o in grown)]
        if len(out) > 4096:
            raise InternalError("region: the constraints have too many cases to print")
    return out


# ---------------------------------------------------------------------- text
def _term_text(coefs: Sequence[tuple[int, str]], const: int) -> str:
    parts: list[str] = []
    for c, name in coefs:
        if c == 0:
            continue
        mag = "" if abs(c) == 1 else f"{abs(c)}*"
        if not parts:
            parts.append(("-" if c < 0 else "") + mag + name)
        else:
            parts.append(("- " if c < 0 else "+ ") + mag + name)
    if const or not parts:
        if not parts:
            parts.append(str(const))
        else:
            parts.append(("- " if const < 0 else "+ ") + str(abs(const)))
    return " ".join(parts)


def atom_text(atom: Lin, names: Sequence[str]) -> str:
    """One constraint, solved for its first parameter: ``session-ttl < dpd-retryinterval
    + 200``, ``dpd-retryinterval >= 30``, ``session-ttl = 180``."""
    lead = next(k for k, c in enumerate(atom.coefs) if c)
    c = atom.coefs[lead]
    rest = [(-atom.coefs[k] * (1 if c > 0 else -1), names[k]) for k in range(len(names))]
    rest = [r for k, r in enumerate(rest) if k != lead]
    const = -atom.const * (1 if c > 0 else -1)
    left = f"{'' if abs(c) == 1 else f'{abs(c)}*'}{names[lead]}"
    if atom.eq:
        return f"{left} = {_term_text(rest, const)}"
    if c > 0:  # |c| * lead <= rest + const, on integers: < rest + const + 1
        return f"{left} < {_term_text(rest, const + 1)}"
    return f"{left} >= {_term_text(rest, const)}"


def cube_text(cube: Cube, names: Sequence[str]) -> str:
    if not cube:
        return "every value in the box"
    return " and ".join(atom_text(a, names) for a in cube)


def region_text(cubes: Sequence[Cube], names: Sequence[str]) -> list[str]:
    """One line per cube (the region is their union); no line: the empty region."""
    return [cube_text(c, names) for c in cubes]


__all__ = [
    "Cube",
    "Lin",
    "atom_text",
    "box_formula",
    "complement",
    "cube_formula",
    "cube_text",
    "cubes_of",
    "region_text",
    "simplest",
    "simplify_in",
    "union_formula",
]
