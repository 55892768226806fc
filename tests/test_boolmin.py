"""The Quine-McCluskey minimiser behind ``--assume-unknown`` conditions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipsecmc.workflows.boolmin import MAX_VARIABLES, Term, minimise, prime_implicants


@st.composite
def tables(draw: st.DrawFn) -> tuple[int, frozenset[int]]:
    n = draw(st.integers(0, 7))
    return n, frozenset(draw(st.sets(st.integers(0, (1 << n) - 1))))


@given(tables())
def test_minimised_formula_is_equivalent_to_the_table(table: tuple[int, frozenset[int]]) -> None:
    n, minterms = table
    f = minimise(n, minterms)
    for m in range(1 << n):
        assert f.holds(m) == (m in minterms)
    # every term is a prime implicant: it implies the function and no literal can go
    primes = set(prime_implicants(n, minterms))
    assert set(f.terms) <= primes


@given(tables())
def test_rendered_formula_reads_back_equivalently(table: tuple[int, frozenset[int]]) -> None:
    n, minterms = table
    names = [f"v{i}" for i in range(n)]
    text = minimise(n, minterms).render(names)
    for m in range(1 << n):
        env = {name: bool(m >> i & 1) for i, name in enumerate(names)}
        assert _evaluate(text, env) == (m in minterms), text


def _evaluate(text: str, env: dict[str, bool]) -> bool:
    """Evaluate the rendered ``or``/``and``/``not (..)`` text without eval."""
    if text in ("true", "false"):
        return text == "true"
    return any(_term(t.strip(), env) for t in _split(text, " or "))


def _term(text: str, env: dict[str, bool]) -> bool:
    if text.startswith("("):  # a wrapped multi-literal term; a literal never starts so
        text = text[1:-1]
    return all(_literal(lit.strip(), env) for lit in _split(text, " and "))


def _literal(text: str, env: dict[str, bool]) -> bool:
    if text.startswith("not (") and text.endswith(")"):
        return not env[text[5:-1]]
    return env[text]


def _split(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside parentheses."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def test_small_examples() -> None:
    names = ["a", "b"]
    assert minimise(1, [0]).render(["a"]) == "not (a)"
    assert minimise(2, [0, 1, 2]).render(names) == "not (a) or not (b)"
    assert minimise(2, [3]).render(names) == "a and b"
    assert minimise(2, []).render(names) == "false"
    assert minimise(2, [0, 1, 2, 3]).render(names) == "true"
    assert minimise(0, [0]).render([]) == "true"
    assert minimise(3, [1, 3, 5, 7]).terms == (Term(1, 1),)


def test_limits() -> None:
    with pytest.raises(ValueError):
        minimise(MAX_VARIABLES + 1, [])
    with pytest.raises(ValueError):
        minimise(2, [4])
    full = minimise(MAX_VARIABLES, range(1 << MAX_VARIABLES))
    assert full.is_true
