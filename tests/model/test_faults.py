"""Issue 15, item 1: faults as explored behaviour (``ipsecmc.model.faults``).

A reboot, an admin flush and a lost IKE packet are written once, in ``Semantics``; the
explicit search (one-second and zones) and the z3 engine read them from there and must
agree on them as they do on the reference behaviour.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, run_state_machine_as_test

from ipsecmc.cli import main
from ipsecmc.engines.explicit.search import ExplicitEngine
from ipsecmc.engines.result import Verdict
from ipsecmc.engines.smt.engine import SmtEngine
from ipsecmc.errors import ConfigError, PropertyError, UsageError
from ipsecmc.model.events import EventKind, Urgent
from ipsecmc.model.faults import Fault, FaultModel, parse_faults
from ipsecmc.model.params import DpdMode
from ipsecmc.model.semantics import Sink
from ipsecmc.model.state import UP
from ipsecmc.model.system import TransitionSystem
from ipsecmc.properties import load_property, parse_property
from ipsecmc.workflows.check import load_model, plan_for
from ipsecmc.workflows.scenario_file import read_settings
from tests.model.helpers import MODELS, drawn, small_system, small_system_strategies
from tests.oracles.step_graph import StepGraph
from tests.test_differential import StepRelationMachine, Z3Successors


def _with_faults(system: TransitionSystem, text: str, budget: int = 1) -> TransitionSystem:
    return system.with_params(replace(system.params, faults=parse_faults(text, budget)))


def _passive_pair() -> TransitionSystem:
    """DPD off at both ends and nothing negotiates on its own: only traffic brings the
    tunnel up, so a gateway that loses its SAs stays silent (the classic stale SA)."""
    base = small_system(
        dpd=(DpdMode.DISABLE, DpdMode.DISABLE),
        ike=(1, 1),
        ttl=(30, 30),
        interval=(5, 5),
        retries=(2, 2),
        accept=(True, True),
        keylife=(None, None),
        traffic="any",
    )
    ends = tuple(
        replace(e, p1_auto_negotiate=False, p2_auto_negotiate=False) for e in base.params.ends
    )
    return base.with_params(replace(base.params, ends=(ends[0], ends[1])))


def test_parse_faults() -> None:
    assert parse_faults(None) == FaultModel()
    assert not parse_faults("none").enabled
    assert parse_faults("all").kinds == frozenset(Fault)
    assert parse_faults("reboot, loss", 2) == FaultModel(frozenset({Fault.REBOOT, Fault.LOSS}), 2)
    assert parse_faults("reboot,flush").tick_faults == (
        (Fault.REBOOT, 0),
        (Fault.REBOOT, 1),
        (Fault.FLUSH, 0),
        (Fault.FLUSH, 1),
    )
    assert not parse_faults("reboot", 0).enabled  # a budget of 0: nothing happens
    with pytest.raises(UsageError, match="unknown fault 'power'"):
        parse_faults("reboot,power")
    with pytest.raises(UsageError, match=">= 0"):
        parse_faults("reboot", -1)


@pytest.mark.parametrize("kind", ["reboot", "flush"])
def test_stale_sa_found_with_a_trace_by_every_engine(kind: str) -> None:
    """No fault, no disagreement; one reboot (or flush) of a gateway whose peer has DPD
    off leaves the peer's SA up for good: every engine finds it, the trace shows it."""
    system = _passive_pair()
    plan = plan_for(system, load_property("agreement"), None)
    assert ExplicitEngine().check(system, plan).verdict is Verdict.HOLDS
    faulty = _with_faults(system, kind)
    found = ExplicitEngine().check(faulty, plan)
    assert found.verdict is Verdict.VIOLATED and found.path is not None
    assert ExplicitEngine(zones=False).check(faulty, plan).verdict is Verdict.VIOLATED
    smt = SmtEngine(max_depth=60, induction=False).check(faulty, plan)
    assert smt.verdict is Verdict.VIOLATED and smt.path is not None
    for path in (found.path, smt.path):
        state, kinds = faulty.initial(), []
        for label in path.labels:
            out = faulty.replay_step(state, label)
            state = out.state
            kinds += [n.kind for n in out.notes]
        expected = EventKind.REBOOTED if kind == "reboot" else EventKind.FLUSHED
        assert expected in kinds
        ups = [state.end(i).p2 == UP for i in (0, 1)]
        assert ups[0] != ups[1]  # the trace ends with the ends disagreeing


def test_a_reboot_loses_everything_a_flush_keeps_the_session() -> None:
    system = _with_faults(_passive_pair(), "reboot,flush")
    sem = system.semantics
    state = system.initial()
    up = state.a._replace(p1=UP, p2=UP, sess=12, p1_life=-1, p2_life=-1)
    state = state._replace(a=up, b=up)
    codes = sem.fault_codes(state)
    assert codes == (0, 1, 2, 3, 4)
    after = {code: sem.tick(state, False, False, Sink(False), code) for code in codes}
    rebooted, flushed = after[1].a, after[3].a  # codes: reboot a, reboot b, flush a, flush b
    assert rebooted.p2 != UP and rebooted.sess == 0 and rebooted.faults == 1
    assert flushed.p2 != UP and flushed.sess == 11 and flushed.faults == 1
    assert after[1].b.p2 == UP  # the peer keeps its SAs
    assert sem.fault_codes(after[1]) == (0,)  # the budget (1) is spent


def test_a_lost_packet_and_a_lost_answer_are_outcomes_of_the_exchange() -> None:
    system = _with_faults(_passive_pair(), "loss")
    sem = system.semantics
    state = system.initial()
    state = state._replace(a=state.a._replace(want_p2=True))
    assert sem.due(state, 0) == Urgent.START_P1
    plain = _passive_pair().semantics.handle(Urgent.START_P1, state, 0, Sink(False))
    sink = Sink(True, ends=system.params.ends)
    outcomes = sem.handle(Urgent.START_P1, state, 0, sink)
    assert len(outcomes) == len(plain) + 2  # answered; answer lost; request lost
    answered, answer_lost, request_lost = outcomes
    assert answered.state == plain[0].state
    assert answer_lost.state.b.p1 == UP and answer_lost.state.a.p1 != UP
    assert request_lost.state.b.p1 != UP and request_lost.state.a.p1 != UP
    assert EventKind.ANSWER_LOST in [n.kind for n in answer_lost.notes]
    assert EventKind.PACKET_LOST in [n.kind for n in request_lost.notes]
    assert all(o.state.a.faults + o.state.b.faults == 1 for o in (answer_lost, request_lost))
    spent = request_lost.state
    assert len(sem.handle(Urgent.REQUEST, spent, 0, Sink(False))) == len(plain)


@drawn(3)
@given(
    st.fixed_dictionaries(
        small_system_strategies(ttl=(4, 10), interval=(2, 4), keylives=[None], traffic=["any"])
    ),
    st.sampled_from(["reboot", "flush", "loss", "all"]),
    st.integers(0, 10),
)
def test_engines_agree_with_faults(kwargs: dict[str, object], faults: str, bound: int) -> None:
    """Random small tunnels with faults: the one-second search and the zone search give
    the same verdict; a violation z3 finds (BMC to 6 steps) the explicit engine finds
    too. (z3's relation is checked step by step against the twin below, and finds the
    stale SA in ``test_stale_sa_found_with_a_trace_by_every_engine``: deeper z3 runs on
    drawn systems with losses took minutes.)"""
    system = _with_faults(small_system(**kwargs), faults)  # type: ignore[arg-type]
    plan = plan_for(system, load_property("agreement"), bound)
    explicit = ExplicitEngine().check(system, plan)
    seconds = ExplicitEngine(zones=False).check(system, plan)
    assert explicit.verdict is seconds.verdict
    smt = SmtEngine(max_depth=6, induction=False, past_depth=False).check(system, plan)
    if smt.verdict in (Verdict.VIOLATED, Verdict.HOLDS):
        assert explicit.verdict is smt.verdict


def test_scenario_and_property_files_read_faults(tmp_path: Path) -> None:
    (tmp_path / "scenario.toml").write_text('faults = "reboot,loss"\nfault_budget = 2\n')
    settings_ = read_settings([tmp_path])
    assert (settings_.faults, settings_.fault_budget) == ("reboot,loss", 2)
    (tmp_path / "scenario.toml").write_text('faults = "reboot,meteor"\n')
    with pytest.raises(ConfigError, match="unknown fault 'meteor'"):
        read_settings([tmp_path])
    prop = load_property("fault-recovery")
    assert prop.faults == parse_faults("all")
    with pytest.raises(PropertyError, match=r"x\.prop:5:9: .*unknown fault"):
        parse_property(
            "name: x\ndescription: d\nkind: invariant\nformula: agree\nfaults: lightning\n",
            "x.prop",
        )


def test_cli_faults(tmp_path: Path) -> None:
    """``--faults`` reaches the model and the JSON; a bad name is exit 2; the fault
    property is not in the default set but runs with its faults when named."""
    for conf in (MODELS / "seed-fixed").glob("*.conf"):  # no scenario.toml: free traffic
        (tmp_path / conf.name).write_text(conf.read_text())
    runner = CliRunner()
    bad = runner.invoke(main, ["check", str(tmp_path), "--faults", "reboot,meteor"])
    assert bad.exit_code == 2 and "unknown fault 'meteor'" in bad.output
    default = runner.invoke(main, ["check", str(tmp_path), "--format", "json"])
    doc = json.loads(default.stdout)
    assert doc["faults"] == {"kinds": [], "budget": 1}
    assert "fault-recovery" not in [r["property"] for r in doc["results"]]
    named = runner.invoke(
        main, ["check", str(tmp_path), "--property", "fault-recovery", "--format", "json"]
    )
    (result,) = json.loads(named.stdout)["results"]
    assert result["faults"] == {"kinds": ["reboot", "flush", "loss"], "budget": 1}
    assert result["verdict"] == "HOLDS", result["reason"]
    text = runner.invoke(
        main, ["check", str(tmp_path), "--faults", "reboot", "--property", "agreement"]
    )
    assert "faults: reboot (at most 1)" in text.output


class _FaultyWalk(StepRelationMachine):
    """``StepRelationMachine`` (z3's successors are the step-graph twin's, which runs
    ``Semantics``) on small systems with faults."""

    seen: ClassVar[Counter[str]] = Counter()

    @initialize(
        kwargs=st.fixed_dictionaries(
            small_system_strategies(
                ttl=(3, 8), interval=(2, 4), keylives=[None, 9], traffic=["any", "both", "none"]
            )
        ),
        faults=st.sampled_from(["reboot", "flush", "loss", "all"]),
        budget=st.integers(1, 2),
        cap=st.integers(2, 20),
    )
    def start(self, kwargs: dict[str, object], faults: str, budget: int, cap: int) -> None:  # type: ignore[override]
        system = _with_faults(small_system(**kwargs), faults, budget)  # type: ignore[arg-type]
        self.graph = StepGraph(system, cap)
        self.z3 = Z3Successors(system, cap)
        self.state = system.initial()

    @invariant()
    def count_faulted(self) -> None:
        if self.state is not None:
            self.seen["faulted"] += int(self.state.a.faults + self.state.b.faults > 0)


def test_z3_relation_has_the_faults_of_the_semantics() -> None:
    _FaultyWalk.seen.clear()
    run_state_machine_as_test(  # type: ignore[no-untyped-call]
        _FaultyWalk,
        settings=settings(drawn(10), stateful_step_count=10),
    )
    assert _FaultyWalk.seen["faulted"] > 0  # the walks met faults


def test_saved_json_with_a_fault_replays_on_the_configs() -> None:
    """A saved report's trace with a fault in it replays on the configs loaded without
    faults: the result's ``faults`` object says which faults it was checked under."""
    from ipsecmc import api

    seed = str(MODELS / "seed-intended")
    runner = CliRunner()
    saved = runner.invoke(main, ["check", seed, "--property", "fault-recovery", "--format", "json"])
    assert saved.exit_code == 1
    (result,) = api.load_traces("report.json", api.load([seed]), text=saved.stdout)
    assert result.verdict is Verdict.VIOLATED and result.trace is not None
    assert EventKind.PACKET_LOST in [e.note.kind for e in result.trace.events]
    assert all(e.after is not None for e in result.trace.events)


def test_recoverable_is_checked_without_faults(tmp_path: Path) -> None:
    """A flush would be a way back from any stuck state: ``recoverable`` runs without
    faults under ``--faults`` and says so (its result's faults are empty), while the
    other properties of the run explore them."""
    for conf in (MODELS / "seed-intended").glob("*.conf"):
        (tmp_path / conf.name).write_text(conf.read_text())
    out = CliRunner().invoke(
        main,
        [
            *("check", str(tmp_path), "--faults", "flush", "--format", "json"),
            *("--property", "recoverable", "--property", "agreement"),
        ],
    )
    plain = CliRunner().invoke(
        main, ["check", str(tmp_path), "--property", "recoverable", "--format", "json"]
    )
    results = {r["property"]: r for r in json.loads(out.stdout)["results"]}
    (alone,) = json.loads(plain.stdout)["results"]
    assert results["recoverable"]["faults"]["kinds"] == []
    assert results["recoverable"]["verdict"] == alone["verdict"]
    assert results["agreement"]["faults"]["kinds"] == ["flush"]


def test_stale_sa_from_config_text(tmp_path: Path) -> None:
    """The classic stale SA from FortiOS text: seed-fixed's pair with DPD and phase1
    auto-negotiate off at both ends holds ``agreement`` and fails ``fault-recovery``; the
    paragraph names the fault, the trace shows it."""
    for conf in (MODELS / "seed-fixed").glob("*.conf"):  # no scenario.toml: free traffic
        text = conf.read_text()
        gw = "        set remote-gw "
        assert text.count(gw) == 1
        at = text.index("\n", text.index(gw))
        extra = "\n        set dpd disable\n        set auto-negotiate disable"
        (tmp_path / conf.name).write_text(text[:at] + extra + text[at:])
    out = CliRunner().invoke(
        main, ["check", str(tmp_path), "--property", "agreement", "--property", "fault-recovery"]
    )
    assert out.exit_code == 1, out.output
    assert "agreement (bounded, T = 110 s): HOLDS" in out.output
    assert (
        "fault-recovery (bounded, T = 110 s, faults: reboot,flush,loss (at most 1)): VIOLATED"
        in (out.output)
    )
    assert "(an injected fault)" in out.output
    assert "(fault)" in out.output.split("counterexample")[1]


@drawn(4)
@given(
    st.fixed_dictionaries(
        small_system_strategies(
            ttl=(4, 10),
            interval=(2, 4),
            keylives=[None, 12],
            traffic=["both", "none:7,both", "end_a-to-end_b", "both:9,end_b-to-end_a"],
        )
    ),
    st.sampled_from(["reboot", "flush", "reboot,flush"]),
    st.integers(0, 10),
)
def test_free_traffic_proof_agrees_with_the_profile_search(
    kwargs: dict[str, object], faults: str, bound: int
) -> None:
    """A pinned profile with faults: the explicit engine first tries the zone search on
    free traffic (a superset of the profile's runs; only its HOLDS counts). Its verdict
    is the one-second search's on the profile itself."""
    system = _with_faults(small_system(**kwargs), faults)  # type: ignore[arg-type]
    plan = plan_for(system, load_property("agreement"), bound)
    assert ExplicitEngine().check(system, plan).verdict is (
        ExplicitEngine(zones=False).check(system, plan).verdict
    )


def test_measure_takes_faults(tmp_path: Path) -> None:
    """``ipsecmc measure --faults``: the worst case then includes a fault's aftermath; the
    report says which faults (a bad name: exit 2)."""
    runner = CliRunner()
    seed = str(MODELS / "seed-intended")
    out = runner.invoke(
        main, ["measure", seed, "--faults", "reboot", "--format", "json", "--timeout", "2"]
    )
    doc = json.loads(out.stdout)
    assert doc["faults"] == {"kinds": ["reboot"], "budget": 1}
    assert doc["results"][0]["status"] in ("exact", "unbounded", "lower_bound")
    bad = runner.invoke(main, ["measure", seed, "--faults", "gremlins"])
    assert bad.exit_code == 2 and "unknown fault 'gremlins'" in bad.output


def test_pinned_profile_with_faults_is_proved_on_free_traffic() -> None:
    """seed-fixed with its scenario.toml (traffic pinned both ways, then one way; 43,200 s
    keylives): the one-second search ran out of its budget with faults on; the proof
    under free traffic answers HOLDS and says how."""
    plan_system = load_model([str(MODELS / "seed-fixed")]).systems[0]
    system = _with_faults(plan_system, "all")
    plan = plan_for(system, load_property("fault-recovery"), None)
    result = ExplicitEngine().check(system, plan)
    assert result.verdict is Verdict.HOLDS
    assert "under free traffic ('any'), which has every run of the profile" in result.reason
