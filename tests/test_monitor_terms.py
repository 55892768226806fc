"""The z3 engine's monitor is derived from ``engines.monitor.Monitor`` (issue 13):
``DerivedMonitor`` terms, evaluated on concrete values, equal ``Monitor.step`` and
``Monitor.hit`` for every kind of plan, every step kind and every predicate value.
A z3 delay of d seconds is a tick followed by d - 1 seconds at the new state's
observation (``Encoding.delay``), so it is compared with those two concrete steps."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("z3")

from ipsecmc.engines.monitor import Monitor
from ipsecmc.engines.result import Obligation, Plan
from ipsecmc.engines.smt.monitor_terms import DerivedMonitor
from ipsecmc.engines.smt.terms import INTEGERS, URGENT, Ints, int_value
from ipsecmc.engines.smt.z3_api import z3
from ipsecmc.model.semantics import Label

Values = dict[str, dict[str, bool]]  # state ("s", "s2") -> predicate name -> value


def _reader(values: Values, name: str):  # type: ignore[no-untyped-def]
    return lambda state: values[state][name]


@st.composite
def plans(draw: st.DrawFn, values: Values) -> Plan:
    kind = draw(st.sampled_from(["invariant", "bounded", "reachable", "temporal"]))
    bound = draw(st.one_of(st.none(), st.integers(0, 30))) if kind == "temporal" else None
    if kind == "bounded":
        bound = draw(st.integers(0, 30))
    obligation = None
    if kind == "temporal":
        obligation = Obligation(
            trigger=draw(st.sampled_from([None, _reader(values, "trigger")])),
            hold=draw(st.sampled_from([None, _reader(values, "hold")])),
        )
    return Plan("p", kind, _reader(values, "pred"), bound, None, obligation)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.data(),
    st.sampled_from(["tick", "delay", "event"]),
    st.integers(1, 40),
    st.sampled_from([INTEGERS, Ints(16)]),
)
def test_derived_monitor_is_the_monitor(data: st.DataObject, kind: str, d: int, ints: Ints) -> None:
    names = ("pred", "trigger", "hold")
    values: Values = {
        at: {n: data.draw(st.booleans(), label=f"{n}@{at}") for n in names} for at in ("s", "s2")
    }
    plan = data.draw(plans(values), label="plan")
    monitor = Monitor(plan)
    lowest = -1 if plan.kind == "temporal" else 0
    c = data.draw(st.integers(lowest, (plan.bound or 0) + 1), label="c")

    if kind == "tick":
        expected = monitor.step(c, Label("tick", -1, 0), "s", "s2")  # type: ignore[arg-type]
    elif kind == "delay":
        first = monitor.step(c, Label("tick", -1, 0), "s", "s2")  # type: ignore[arg-type]
        expected = monitor.step(first, Label("delay", -1, d - 1), "s2", "s2")  # type: ignore[arg-type]
    else:
        expected = monitor.step(c, Label(URGENT[0], 0, 0), "s", "s2")  # type: ignore[arg-type]

    derived = DerivedMonitor(plan, ints)
    terms = {at: {n: z3.BoolVal(v) for n, v in values[at].items()} for at in values}
    step = derived.step(
        ints.val(c),
        z3.BoolVal(kind == "tick"),
        z3.BoolVal(kind == "delay"),
        ints.val(d),
        terms["s"].__getitem__,
        terms["s2"].__getitem__,
    )
    model = z3.Model()
    assert int_value(model, z3.simplify(step)) == expected
    bad = z3.simplify(derived.bad(ints.val(c), terms["s2"].__getitem__))
    assert z3.is_true(bad) == monitor.hit("s2", c)  # type: ignore[arg-type]
