"""Readable Boolean formulas from truth tables: a small Quine-McCluskey minimiser.

``ipsecmc check --assume-unknown`` learns, for every assignment of a few Boolean symbols
("10.56.240.208 in office1"), which verdict a property gets. To say *when* a verdict
happens, the set of assignments is turned into a sum of products (an ``or`` of ``and``
terms) with few literals: prime implicants by Quine-McCluskey, then every essential
prime, then greedily the prime that covers most of what is left (ties: fewer literals,
then the first in a fixed order). The result is always *equivalent* to the table (the
tests check this with Hypothesis); it is minimal in most small cases but the greedy
cover does not promise a minimum. Variables are at most ``MAX_VARIABLES``: enough for
the handful of symbols a local-in table asks about, small enough that 2^n is nothing.

Assignments are integers: bit ``i`` is the value of variable ``i``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_VARIABLES = 10


@dataclass(frozen=True, slots=True, order=True)
class Term:
    """An ``and`` of literals: variable ``i`` is fixed to bit ``i`` of ``value`` where ``care``
    has bit ``i`` set; the other variables are free. ``care == 0`` is the constant true."""

    care: int
    value: int

    def holds(self, assignment: int) -> bool:
        return (assignment & self.care) == self.value

    def literals(self, n: int) -> tuple[tuple[int, bool], ...]:
        """(variable, polarity) of each literal, by variable index."""
        return tuple((i, bool(self.value >> i & 1)) for i in range(n) if self.care >> i & 1)


@dataclass(frozen=True, slots=True)
class Formula:
    """An ``or`` of terms over ``n`` variables; no terms is false, an empty term is true."""

    n: int
    terms: tuple[Term, ...]

    def holds(self, assignment: int) -> bool:
        return any(t.holds(assignment) for t in self.terms)

    @property
    def is_false(self) -> bool:
        return not self.terms

    @property
    def is_true(self) -> bool:
        return any(t.care == 0 for t in self.terms)

    def render(self, names: Sequence[str]) -> str:
        """``A and not (B) or C``-style text; each atom is a name, negation is ``not (..)``."""
        if self.is_false:
            return "false"
        if self.is_true:
            return "true"

        def literal(i: int, positive: bool) -> str:
            return names[i] if positive else f"not ({names[i]})"

        parts = []
        for t in self.terms:
            lits = [literal(i, p) for i, p in t.literals(self.n)]
            text = " and ".join(lits)
            parts.append(f"({text})" if len(lits) > 1 and len(self.terms) > 1 else text)
        return " or ".join(parts)


def _combine(a: Term, b: Term) -> Term | None:
    """The term covering both when they differ in exactly one cared-for variable."""
    if a.care != b.care:
        return None
    diff = a.value ^ b.value
    if diff == 0 or diff & (diff - 1):
        return None
    return Term(a.care & ~diff, a.value & ~diff)


def prime_implicants(n: int, minterms: Iterable[int]) -> tuple[Term, ...]:
    """Every prime implicant of the function true exactly on ``minterms`` (sorted).

    Implicants are (care, value) pairs; two merge when they differ in one cared-for bit,
    found by flipping each bit and looking the partner up (O(3^n * n) at worst)."""
    full = (1 << n) - 1
    current = {(full, m) for m in minterms}
    primes: set[tuple[int, int]] = set()
    while current:
        merged: set[tuple[int, int]] = set()
        used: set[tuple[int, int]] = set()
        for care, value in current:
            for i in range(n):
                bit = 1 << i
                if care & bit and not value & bit and (care, value | bit) in current:
                    merged.add((care & ~bit, value))
                    used.update(((care, value), (care, value | bit)))
        primes.update(current - used)
        current = merged
    return tuple(sorted(Term(c, v) for c, v in primes))


def _cube(n: int, term: Term) -> frozenset[int]:
    """The assignments ``term`` holds on (every subset of its free variables)."""
    free = ((1 << n) - 1) & ~term.care
    out = []
    sub = free
    while True:
        out.append(term.value | sub)
        if sub == 0:
            return frozenset(out)
        sub = (sub - 1) & free


def minimise(n: int, minterms: Iterable[int]) -> Formula:
    """A small sum of products true exactly on ``minterms`` (assignments as integers)."""
    if not 0 <= n <= MAX_VARIABLES:
        raise ValueError(f"at most {MAX_VARIABLES} variables, got {n}")
    todo = set(minterms)
    if any(not 0 <= m < 1 << n for m in todo):
        raise ValueError("a minterm is out of range")
    primes = prime_implicants(n, todo)
    covers = [_cube(n, p) for p in primes]
    chosen: list[int] = []  # indices into primes
    covering: dict[int, list[int]] = {}
    for k, cube in enumerate(covers):
        for m in cube:
            covering.setdefault(m, []).append(k)
    for m in sorted(todo):  # essential primes: the only cover of some assignment
        if len(covering[m]) == 1 and covering[m][0] not in chosen:
            chosen.append(covering[m][0])
    for k in chosen:
        todo -= covers[k]
    while todo:  # greedy: most of what is left, then fewer literals, then first
        _, _, best = max(
            (len(covers[k] & todo), -p.care.bit_count(), -k) for k, p in enumerate(primes)
        )
        chosen.append(-best)
        todo -= covers[-best]
    terms = (primes[k] for k in chosen)
    return Formula(n, tuple(sorted(terms, key=lambda t: (t.care.bit_count(), t))))
