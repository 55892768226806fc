"""Symbolic execution ("decide or fork") and the z3 relation it derives from the semantics.

The derived relation is compared with ``Semantics.successors`` on reachable states in
``tests/test_smt.py`` (``test_step_equivalence``); here: the executor itself on small
functions (paths partition the domain and give the function's value), outcome numbering
(``pick`` is ``Label.arg``), and a changed behaviour reaching the z3 relation with no edit
to any z3 module.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

z3 = pytest.importorskip("z3")

from ipsecmc.engines.smt.encoding import Encoding, transition  # noqa: E402
from ipsecmc.engines.smt.symbolic import Explorer, SymBool, SymInt  # noqa: E402
from ipsecmc.engines.smt.terms import (  # noqa: E402
    Ints,
    needed_width,
    read_state,
    states_equal,
)
from ipsecmc.errors import InternalError  # noqa: E402
from ipsecmc.fortios.topology import load_scenario  # noqa: E402
from ipsecmc.model.choice import when  # noqa: E402
from ipsecmc.model.params import Admission  # noqa: E402
from ipsecmc.model.semantics import Semantics, Sink  # noqa: E402
from ipsecmc.model.state import EndState, State  # noqa: E402
from ipsecmc.model.system import TransitionSystem  # noqa: E402
from ipsecmc.systems import TunnelSystem, build  # noqa: E402

SEED = Path(__file__).resolve().parent.parent / "models" / "seed-intended"
NAMES = {0: "none", 1: "one", 2: "two", 3: "three"}
SENDS = (0, 3, 9, 21)


def sample(x: int, y: int, flag: bool) -> tuple[int, int, str]:
    """Plain Python with every construct the semantics uses: ``if``/``and``/``or``,
    ``min``, ``in``, a list index, a dict key, ``when``."""
    out = 0
    if x > 2 and (flag or y == 1):
        out = min(x + y, 7)
    elif x in (0, 1):
        out = SENDS[x + 1] - SENDS[x]
    step = when((y > 0) & flag, y - 1, y)
    return out, step, NAMES[y]


def _explore(domain: z3.BoolRef, x: z3.ArithRef, y: z3.ArithRef, f: z3.BoolRef):  # type: ignore[no-untyped-def]
    explorer = Explorer(domain, z3.IntVal)
    args = (SymInt(x, explorer), SymInt(y, explorer), SymBool(f, explorer))
    return explorer.paths(lambda: sample(*args))  # type: ignore[arg-type]


def _value(t: object, model: z3.ModelRef) -> object:
    if isinstance(t, (SymInt, SymBool)):
        t = t.t
    if isinstance(t, z3.ExprRef):
        v = model.eval(t, model_completion=True)
        return z3.is_true(v) if z3.is_bool(v) else v.as_long()
    return t


def test_paths_partition_the_domain_and_compute_the_function() -> None:
    """For every point of the domain exactly one path condition holds, and that path's
    result, evaluated at the point, is the function's value there."""
    x, y, f = z3.Int("x"), z3.Int("y"), z3.Bool("f")
    domain = z3.And(x >= 0, x <= 5, y >= 0, y <= 3)
    paths = _explore(domain, x, y, f)
    assert len(paths) > 2
    for xv in range(6):
        for yv in range(4):
            for fv in (False, True):
                point = z3.And(x == xv, y == yv, f == fv)
                holding = []
                for path in paths:
                    solver = z3.Solver()
                    solver.add(point, path.condition)
                    if solver.check() == z3.sat:
                        holding.append((path, solver.model()))
                assert len(holding) == 1, (xv, yv, fv)
                path, model = holding[0]
                got = tuple(_value(v, model) for v in path.result)
                assert got == sample(xv, yv, fv)


def test_when_does_not_fork() -> None:
    """A value choice is one ``If`` term, not two runs."""
    x = z3.Int("x")
    explorer = Explorer(z3.BoolVal(True), z3.IntVal)
    v = SymInt(x, explorer)
    paths = explorer.paths(lambda: when(v > 0, v - 1, v))
    assert len(paths) == 1


def test_index_with_unbounded_term_is_refused() -> None:
    """Indexing with a term of unboundedly many values is an internal error, not a hang."""
    x = z3.Int("x")
    explorer = Explorer(x >= 0, z3.IntVal)
    v = SymInt(x, explorer)
    with pytest.raises(InternalError, match="too many values"):
        explorer.paths(lambda: [10, 20][v])


@settings(derandomize=True, database=None, max_examples=40, deadline=None)
@given(st.integers(-3, 8), st.integers(-3, 8))
def test_arithmetic_and_comparisons_follow_python(a: int, b: int) -> None:
    x = z3.Int("x")
    explorer = Explorer(x == a, z3.IntVal)
    v = SymInt(x, explorer)

    def run() -> tuple[object, ...]:
        return (v + b, b + v, v - b, b - v, -v, v < b, v <= b, v > b, v >= b, v == b, v != b)

    [path] = explorer.paths(lambda: tuple(bool(r) if isinstance(r, SymBool) else r for r in run()))
    model_solver = z3.Solver()
    model_solver.add(x == a)
    assert model_solver.check() == z3.sat
    model = model_solver.model()
    got = tuple(_value(r, model) for r in path.result)
    assert got == (a + b, b + a, a - b, b - a, -a, a < b, a <= b, a > b, a >= b, a == b, a != b)


# ---------------------------------------------------------------------- derived relation
def _system() -> TransitionSystem:
    return build(load_scenario([SEED]).tunnels[0], "any")


def _reachable(system: TransitionSystem, rng: random.Random, n: int) -> list[State]:
    out: list[State] = []
    state = system.initial()
    while len(out) < n:
        out.append(state)
        nxt = system.successors(state)
        state = system.initial() if not nxt or rng.random() < 0.02 else rng.choice(nxt)[1]
    return out


def _successor(enc: Encoding, state: State, kind: str, end: int, pick: int) -> State:
    s, s2 = enc.ints.fresh_state("s"), enc.ints.fresh_state("t")
    rel, step = transition(enc, s, s2, "x", with_delay=False)
    solver = z3.Solver()
    solver.add(rel, states_equal(s, enc.ints.const_state(state)), step.events[(kind, end)])
    solver.add(step.choices.pick == pick)
    assert solver.check() == z3.sat, (state, kind, end, pick)
    return read_state(solver.model(), s2)


def test_pick_is_label_arg() -> None:
    """Outcome number ``pick`` of an urgent event is the model's ``Label.arg``: on the seed
    with a local-in outcome left open at both ends (a new IKE packet may be accepted or
    dropped: two outcomes per exchange), every urgent successor of sampled reachable
    states is the derived handler's outcome of the same number."""
    base = _system()
    accept = Admission(True, None, None, "built-in rules accept IKE")
    deny = Admission(False, 2, None, "local-in policy 2 denies")
    ends = tuple(dataclasses.replace(e, admissions=(accept, deny)) for e in base.params.ends)
    params = dataclasses.replace(base.params, ends=ends)
    system = TunnelSystem(base.tunnel, params)
    enc = Encoding(system.params, ints=Ints(needed_width(system.params, 4, 64)))
    rng = random.Random(7)
    compared = 0
    several = 0
    urgent = [s for s in _reachable(system, rng, 3000) if system.successors(s)[0][0].kind != "tick"]
    for state in rng.sample(urgent, 40):
        successors = system.successors(state)
        for label, expected in successors:
            if label.kind == "tick":
                continue
            assert _successor(enc, state, label.kind, label.end, label.arg) == expected
            compared += 1
            several += label.arg > 0
    assert compared > 20 and several > 0


class NeverExpiringSessions(Semantics):
    """A test-only behaviour change: UDP 500 sessions never age (as if every session
    were refreshed each second)."""

    def _age(self, i: int, e: EndState, sink: Sink) -> EndState:
        aged = super()._age(i, e, sink)
        return aged._replace(sess=e.sess)


def test_a_changed_behaviour_reaches_the_z3_relation_without_z3_edits() -> None:
    """Deriving from a variant of the semantics gives the variant's relation (and not the
    reference one): the z3 engine follows the Python code, with no edit to any z3 module."""
    system = _system()
    variant = NeverExpiringSessions(system.params)
    enc = Encoding(system.params, variant, ints=Ints(needed_width(system.params, 4, 64)))
    rng = random.Random(3)
    differs = 0
    for state in rng.sample(_reachable(system, rng, 300), 30):
        if any(variant.due(state, i) is not None for i in (0, 1)):
            continue
        for ab, ba in ((False, False), (True, False), (False, True), (True, True)):
            s = enc.ints.const_state(state)
            got = enc.tick(s, z3.BoolVal(ab), z3.BoolVal(ba))
            solver = z3.Solver()
            target = enc.ints.fresh_state("t")
            solver.add(states_equal(target, got))
            assert solver.check() == z3.sat
            after = read_state(solver.model(), target)
            assert after == variant.tick(state, ab, ba, Sink(False))
            differs += after != system.semantics.tick(state, ab, ba, Sink(False))
    assert differs > 0
