"""The walk's families of states (``engines/smt/cover.py``) and the z3 engine's proof
from them (``_Search._cover_proved``): the families hold every reachable state, the
seeds' properties are proved from them, and a cover with a family missing proves nothing
(the check is z3's, not the walk's)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("z3")

from ipsecmc.engines.result import Budget, Plan, Verdict
from ipsecmc.engines.smt import engine
from ipsecmc.engines.smt.cover import cover
from ipsecmc.engines.smt.engine import SmtEngine, _Search
from ipsecmc.engines.smt.houdini import Guesses, _Linear
from ipsecmc.engines.smt.samples import Sample
from ipsecmc.engines.smt.terms import Ints
from ipsecmc.engines.smt.z3_api import z3
from ipsecmc.fortios.topology import load_scenario
from ipsecmc.model.system import TransitionSystem
from ipsecmc.properties import load_property
from ipsecmc.strategies import GeneratedScenario, small_scenarios
from ipsecmc.systems import build
from ipsecmc.workflows.check import plan_for
from tests.test_differential import plans
from tests.test_houdini import SETTINGS, reachable

MODELS = Path(__file__).resolve().parents[1] / "models"


def _seed(model: str, prop: str) -> tuple[TransitionSystem, Plan]:
    system = build(load_scenario([str(MODELS / model)]).tunnels[0], "both:200,site1-to-site2")
    return system, plan_for(system, load_property(prop), None)


@SETTINGS
@given(small_scenarios(), st.data())
def test_the_families_hold_every_reachable_state(
    scenario: GeneratedScenario, data: st.DataObject
) -> None:
    system = scenario.system()
    plan = data.draw(plans(system))
    found = cover(system, plan)
    if found.hit or not found.complete:
        return
    guessed = Guesses(Sample((), True, False, found.families), Ints(24), 0)
    assert guessed.families is not None
    if sum(_size(f) for f in guessed.families) > 200_000:
        return  # too many to list here
    every = _expanded(guessed.families)
    points = sorted(reachable(system, plan), key=repr)
    vectors = [guessed._vector(p) for p in points]
    assert set(vectors) <= every
    # the z3 membership term says the same (on a few points: each term is large)
    ints = guessed.ints
    for (state, c), vector in list(zip(points, vectors, strict=True))[:: max(1, len(points) // 3)]:
        member = guessed.terms(ints.const_state(state), ints.val(c))[0]
        assert z3.is_true(z3.simplify(member)), vector


def _size(family: _Linear) -> int:
    size = 1
    for _, count in family.directions:
        size *= count + 1
    return size


def _expanded(families: list[_Linear]) -> set[tuple[int | bool, ...]]:
    """Every feature vector of ``families``, by trying every count (small systems)."""
    out: set[tuple[int | bool, ...]] = set()
    for f in families:
        vectors = [f.base]
        for unit, count in f.directions:
            vectors = [
                tuple(v + k * u for v, u in zip(vector, unit, strict=True))
                for vector in vectors
                for k in range(count + 1)
            ]
        out.update(f.location + vector for vector in vectors)
    return out


@pytest.mark.parametrize("model", ["seed-fixed", "seed-literal"])
def test_the_seeds_are_proved_from_the_families(model: str) -> None:
    system, plan = _seed(model, "agreement")
    result = SmtEngine(Budget(cpu_seconds=120)).check(system, plan)
    assert result.verdict is Verdict.HOLDS
    assert result.facts["proof"] == "cover"


def test_a_cover_without_one_family_proves_nothing() -> None:
    """Each family of seed-fixed's cover is needed: without it the rest is not an
    inductive invariant, and z3 says so."""
    system, plan = _seed("seed-fixed", "agreement")
    found = cover(system, plan)
    assert found.complete and not found.hit
    search = _Search(system, plan, Budget(cpu_seconds=120), 60, True)
    whole = Sample((), True, False, found.families)
    assert search._cover_proved(whole) is True
    stepped = [n for n, f in enumerate(found.families) if f.generators][len(found.families) // 8]
    for drop in (1, stepped, len(found.families) - 1):
        rest = found.families[:drop] + found.families[drop + 1 :]
        assert search._cover_proved(Sample((), True, False, rest)) is False


def test_the_families_check_is_budgeted_in_work_not_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check's budget is z3's work count (``COVER_RLIMIT``), not seconds: out of it
    the check answers None (no conclusion), whatever the machine's load; seed-fixed's
    62 families need about 2 million units, far below the default."""
    system, plan = _seed("seed-fixed", "agreement")
    found = cover(system, plan)
    whole = Sample((), True, False, found.families)
    search = _Search(system, plan, Budget(), 60, True)
    assert search._cover_proved(whole) is True
    monkeypatch.setattr(engine, "COVER_RLIMIT", 10_000)
    assert search._cover_proved(whole) is None
