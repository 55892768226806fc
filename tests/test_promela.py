"""The Promela model for SPIN (``benchmarks/spin/promela.py``) is derived from ipsecmc's
step relation and printed; these tests run the printed text, without SPIN, on every
reachable state of small systems and compare each state's Promela successors and
assertions with ``TransitionSystem.successors`` and ``engines.monitor.Monitor``.

A small interpreter for exactly what the generator prints (declarations, ``hidden``
temporaries, one ``d_step`` per option: temporaries, then ``if :: tG -> x = tK; ...;
assert(!tB) :: else -> skip fi``) stands in for SPIN; ``benchmarks/spin/crosscheck.py
--cells`` compares SPIN's own state counts where SPIN is installed.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings

pytest.importorskip("z3")

from benchmarks.spin.crosscheck import SMALL_CELLS, load_system, with_timers
from benchmarks.spin.promela import SpinModel, agreement_plan, promela
from ipsecmc.engines.monitor import Monitor
from ipsecmc.engines.result import Plan
from ipsecmc.model.system import TransitionSystem
from ipsecmc.properties import load_property
from ipsecmc.strategies import GeneratedScenario, small_scenarios
from ipsecmc.workflows.tunnel_check import plan_for
from tests.conftest import MODELS

_TOKEN = re.compile(r"\s*(->|==|!=|<=|>=|&&|\|\||[-+*!<>():]|\w+)")
_PYTHON_OP = {"&&": "and", "||": "or"}


def to_python(text: str) -> str:
    """A fully parenthesised Promela expression of the generator as a Python expression
    (C's values: comparisons and logic give 0 or 1, a conditional picks a branch)."""
    tokens = _TOKEN.findall(text)
    pos = 0

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def expr() -> str:
        tok = take()
        if tok != "(":
            return {"true": "1", "false": "0"}.get(tok, tok)
        if tokens[pos] in ("!", "-"):
            op = take()
            inner = expr()
            take()  # ")"
            return f"(not {inner})" if op == "!" else f"(-{inner})"
        first = expr()
        if tokens[pos] == "->":
            take()
            yes = expr()
            take()  # ":"
            no = expr()
            take()  # ")"
            return f"({yes} if {first} else {no})"
        parts = [first]
        while tokens[pos] != ")":
            parts += [_PYTHON_OP.get(take(), tokens[pos - 1]), expr()]
        take()
        return "(" + " ".join(parts) + ")"

    result = expr()
    assert pos == len(tokens), f"trailing tokens in {text!r}"
    return result


@dataclass(frozen=True)
class Option:
    temps: tuple[tuple[str, str], ...]
    guard: str
    assigns: tuple[tuple[str, str], ...]
    bad: str


_IF = re.compile(r"if :: (t\d+) -> (.*); assert\(!(t\d+)\) :: else -> skip fi")


def parse(text: str) -> tuple[dict[str, int], list[Option]]:
    """The initial values and the ``do`` options of a generated model."""
    initial: dict[str, int] = {}
    options: list[Option] = []
    temps: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = raw.strip()
        declared = re.fullmatch(r"(bit|byte|short|int) (\w+) = (-?\d+);", line)
        if declared:
            initial[declared.group(2)] = int(declared.group(3))
        elif line.startswith(":: d_step"):
            temps = []
        elif re.fullmatch(r"t\d+ = .*;", line):
            name, expr = line[:-1].split(" = ", 1)
            temps.append((name, expr))
        elif line.startswith("if ::"):
            match = _IF.fullmatch(line)
            assert match, line
            assigns = tuple(
                tuple(part.split(" = ")) for part in match.group(2).split("; ") if part != "skip"
            )
            options.append(Option(tuple(temps), match.group(1), assigns, match.group(3)))  # type: ignore[arg-type]
    return initial, options


def compile_option(
    option: Option,
) -> Callable[[dict[str, int]], tuple[dict[str, int], bool] | None]:
    """The option as a function: the next variables and whether the assertion fails, or
    None if its guard does not hold."""
    code = compile(
        "\n".join(f"{name} = {to_python(expr)}" for name, expr in option.temps),
        "<option>",
        "exec",
    )

    def run(env: dict[str, int]) -> tuple[dict[str, int], bool] | None:
        scope = dict(env)
        exec(code, {}, scope)
        if not scope[option.guard]:
            return None
        after = dict(env)
        for name, temp in option.assigns:
            after[name] = int(scope[temp])
        return after, bool(scope[option.bad])

    return run


def check_model(system: TransitionSystem, plan: Plan, max_states: int = 1500) -> int:
    """Every reachable (state, counter) pair, up to ``max_states``: the Promela options
    give exactly the model's successors, and assert exactly where the monitor hits."""
    model: SpinModel = promela(system, plan)
    initial, parsed = parse(model.text)
    options = [compile_option(o) for o in parsed]
    names = [f.replace(".", "_") for f in model.fields]
    monitored = "mon" in initial
    monitor = Monitor(plan)

    def env_of(state: object, c: int) -> dict[str, int]:
        env = {n: int(v) for n, v in zip(names, model.project(state), strict=True)}  # type: ignore[arg-type]
        if monitored:
            env["mon"] = c
        return env

    start = system.initial()
    c0 = monitor.initial(start)
    assert env_of(start, c0) == initial
    seen = {(model.project(start), c0)}
    queue = deque([(start, c0)])
    while queue and len(seen) < max_states:
        s, c = queue.popleft()
        expected = set()
        hits = {}
        for label, s2 in system.successors(s):
            c2 = monitor.step(c, label, s, s2)
            key = tuple(sorted(env_of(s2, c2).items()))
            expected.add(key)
            hits[key] = monitor.hit(s2, c2)
            if not hits[key] and (model.project(s2), c2) not in seen:
                seen.add((model.project(s2), c2))
                queue.append((s2, c2))
        got = set()
        for option in options:
            ran = option(env_of(s, c))
            if ran is not None:
                key = tuple(sorted(ran[0].items()))
                got.add(key)
                assert ran[1] == hits.get(key), f"assertion differs after {s}"
        assert got == expected, f"successors of {s}, counter {c}"
    return len(seen)


@pytest.mark.parametrize("scenario", ["seed-fixed", "seed-intended"])
def test_printed_model_is_the_step_relation_on_small_timers(scenario: str) -> None:
    ttl, dpd, retry, p1_life, p2_life, bound = SMALL_CELLS[1]
    system = with_timers(
        load_system(MODELS / scenario, rekey=True), ttl, dpd, retry, p1_life, p2_life
    )
    assert check_model(system, agreement_plan(system, bound)) > 100


def test_sent_is_kept_only_for_a_property_that_reads_it() -> None:
    system = load_system(MODELS / "seed-fixed", rekey=False)
    assert "a.sent" not in promela(system, agreement_plan(system, 60)).fields
    blackhole = plan_for(system, load_property("no-blackhole"), 30)  # type: ignore[arg-type]
    assert "a.sent" in promela(system, blackhole).fields


@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(small_scenarios())
def test_printed_model_is_the_step_relation_on_drawn_scenarios(s: GeneratedScenario) -> None:
    system = s.system()
    for name in ("agreement", "no-blackhole"):
        plan = plan_for(system, load_property(name), 20)
        check_model(system, plan, max_states=400)
