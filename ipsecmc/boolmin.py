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
    """Every prime implicant of the function true exactly on ``minterms`` (sorted)."""
    full = (1 << n) - 1
    current = {Term(full, m) for m in minterms}
    primes: set[Term] = set()
    while current:
        merged: set[Term] = set()
        used: set[Term] = set()
        ordered = sorted(current)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                c = _combine(a, b)
                if c is not None:
                    merged.add(c)
                    used.update((a, b))
        primes.update(current - used)
        current = merged
    return tuple(sorted(primes))


def minimise(n: int, minterms: Iterable[int]) -> Formula:
    """A small sum of products true exactly on ``minterms`` (assignments as integers)."""
    if not 0 <= n <= MAX_VARIABLES:
        raise ValueError(f"at most {MAX_VARIABLES} variables, got {n}")
    todo = set(minterms)
    if any(not 0 <= m < 1 << n for m in todo):
        raise ValueError("a minterm is out of range")
    primes = prime_implicants(n, todo)
    chosen: list[Term] = []
    for m in sorted(todo):
        covering = [p for p in primes if p.holds(m)]
        if len(covering) == 1 and covering[0] not in chosen:
            chosen.append(covering[0])
    for p in chosen:
        todo -= {m for m in todo if p.holds(m)}
    while todo:
        best = max(
            primes,
            key=lambda p: (sum(p.holds(m) for m in todo), -p.care.bit_count(), -primes.index(p)),
        )
        chosen.append(best)
        todo -= {m for m in todo if best.holds(m)}
    return Formula(n, tuple(sorted(chosen, key=lambda t: (t.care.bit_count(), t))))
