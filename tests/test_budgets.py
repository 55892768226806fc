"""Budgets bound all work (issue 12, item 3) and progress lines say what is running (item 2).

The state budget is checked at every stored node, in every search (one-second, zones,
convex hulls), so a search never stores more than ``--max-states``. Time budgets are
not tested against the clock here (tests stay deterministic); the figures are in
benchmarks/.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click
import pytest

from ipsecmc.cli.options import DEFAULT_TIMEOUT, _no_limit_if_zero, progress_line
from ipsecmc.engines import meter
from ipsecmc.engines.explicit.search import ExplicitEngine, confirm_path
from ipsecmc.engines.result import Budget, Plan, Stats, Verdict
from ipsecmc.engines.result import Path as TracePath
from ipsecmc.fortios.topology import load_scenario
from ipsecmc.model.semantics import Label, Outcome
from ipsecmc.model.state import State
from ipsecmc.model.system import TransitionSystem
from ipsecmc.systems import build
from ipsecmc.workflows.check import CheckOptions, check_paths
from ipsecmc.workflows.tunnel_check import _free_traffic_hint

MODELS = Path(__file__).resolve().parents[1] / "models"


@pytest.mark.parametrize("max_states", [1, 10, 200])
def test_state_budget_is_never_exceeded_under_free_traffic(max_states: int) -> None:
    files = [str(p) for p in sorted((MODELS / "seed-fixed").glob("*.conf"))]
    report = check_paths(files, CheckOptions(max_states=max_states, jobs=1))
    for r in report.results:
        assert r.result.stats.stored_nodes <= max_states, r.prop.name
        if r.result.verdict is Verdict.INCONCLUSIVE:
            assert "state budget" in r.result.reason


def test_state_budget_is_never_exceeded_with_a_pinned_profile() -> None:
    report = check_paths(
        [str(MODELS / "seed-intended")], CheckOptions(max_states=3, properties=("recoverable",))
    )
    (r,) = report.results  # the whole proof needs 7 stored nodes (chain compression)
    assert r.result.stats.stored_nodes <= 3
    assert r.verdict is Verdict.INCONCLUSIVE


def test_progress_lines_name_the_tunnel_and_the_property(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = ExplicitEngine.check

    def check_with_progress(self: ExplicitEngine, system, plan):  # type: ignore[no-untyped-def]
        assert self.progress is not None
        self.progress(Stats(states=12_345, stored_nodes=67, depth=8, seconds=3.0))
        return original(self, system, plan)

    monkeypatch.setattr(ExplicitEngine, "check", check_with_progress)
    check_paths(
        [str(MODELS / "seed-fixed")],
        CheckOptions(properties=("agreement", "establishes")),
        progress_line,
    )
    lines = capsys.readouterr().err.splitlines()
    tunnel = "ipsecmc: site1/site1<->site2/site2"
    for name in ("agreement", "establishes"):
        assert f"{tunnel}: {name}: 12,345 states visited, 67 stored, depth 8, 3 s" in lines
    # Real progress lines of a search over a second long name theirs too.
    assert all(
        line.startswith((f"{tunnel}: agreement: ", f"{tunnel}: establishes: ")) for line in lines
    )


def test_default_time_budget_and_zero_for_no_limit() -> None:
    assert DEFAULT_TIMEOUT == 60.0
    ctx = click.Context(click.Command("check"))
    param = click.Option(["--timeout"])
    assert _no_limit_if_zero(ctx, param, 0.0) is None
    assert _no_limit_if_zero(ctx, param, 2.5) == 2.5


class _FakeClock:
    """A clock on which every reading is one second after the one before: a search's
    first budget check finds its time budget spent, whatever the machine's speed."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.mark.parametrize(
    ("model", "traffic", "prop"),
    [
        ("seed-fixed", None, "agreement"),  # the scenario's pinned profile: one-second search
        ("seed-fixed", None, "recoverable"),  # one-second search keeping its graph
        ("seed-fixed", "any", "no-blackhole"),  # free traffic: zone and hull searches
        ("seed-fixed", "any", "recoverable"),  # zones, then the backward pass
    ],
)
def test_time_budget_bounds_the_work_of_every_search(
    monkeypatch: pytest.MonkeyPatch, model: str, traffic: str | None, prop: str
) -> None:
    """Issue 12 item 3: a tiny ``--timeout`` stops a search after a few nodes, not after
    the next of a few hundred (the budget was read every 256 expanded nodes). The clock
    is fake (``meter.clock``), so what is counted is work, not time: every search reads
    it at least every 8 expanded nodes."""
    monkeypatch.setattr(meter, "clock", _FakeClock())
    options = CheckOptions(properties=(prop,), traffic=traffic, timeout_seconds=0.5, jobs=1)
    (r,) = check_paths([str(MODELS / model)], options).results
    assert r.verdict is Verdict.INCONCLUSIVE, r.result.reason
    assert "time budget of 0.5 s reached" in r.result.reason
    assert r.result.stats.stored_nodes <= 10  # it was 88-256 with checks every 32-256 nodes


def test_replaying_a_long_path_stops_at_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Confirming a counterexample replays it one label at a time; a zone search's path
    waits in one-second ticks (172,800 of them past two 86,400 s session timers), which
    took 4 s past a 1 s ``--timeout``. The replay reads the budget too and gives up
    (not confirmed: the caller falls back, then ends INCONCLUSIVE)."""
    ts = build(load_scenario([str(MODELS / "seed-fixed")]).tunnels[0])
    state, labels = ts.initial(), []
    for _ in range(2000):
        label, state = ts.successors(state)[0]
        labels.append(label)
    plan = Plan("never", "invariant", lambda s: False)  # every state is a violation
    replayed: list[int] = []
    real = TransitionSystem.replay_step

    def counting(self: TransitionSystem, s: State, label: Label) -> Outcome:
        replayed.append(1)
        return real(self, s, label)

    monkeypatch.setattr(TransitionSystem, "replay_step", counting)
    monkeypatch.setattr(meter, "clock", _FakeClock())
    budget = Budget(timeout_seconds=0.5)
    assert not confirm_path(ts, plan, TracePath(tuple(labels)), budget, started=0.0)
    assert len(replayed) <= 64
    replayed.clear()
    assert confirm_path(ts, plan, TracePath(tuple(labels[:10])))  # no budget: it replays


class _FakeProcessTime:
    """``time`` as ``Budget`` sees it, with a CPU clock that gains a second per reading."""

    def __init__(self) -> None:
        self.clock = _FakeClock()

    def process_time(self) -> float:
        return self.clock()


@pytest.mark.parametrize(
    ("model", "traffic", "prop"),
    [
        ("seed-fixed", None, "agreement"),  # the pinned profile: one-second search
        ("seed-fixed", "any", "no-blackhole"),  # free traffic: zone and hull searches
        ("seed-fixed", "any", "recoverable"),  # zones, then the backward pass
    ],
)
def test_cpu_budget_bounds_the_work_of_every_search(
    monkeypatch: pytest.MonkeyPatch, model: str, traffic: str | None, prop: str
) -> None:
    """Issue 14 item 1: a CPU-time budget stops every search where the wall-clock one
    does (the CPU clock is fake: a reading per budget check)."""
    from ipsecmc.engines import result as result_module

    monkeypatch.setattr(result_module, "time", _FakeProcessTime())
    options = CheckOptions(properties=(prop,), traffic=traffic, cpu_seconds=0.5, jobs=1)
    (r,) = check_paths([str(MODELS / model)], options).results
    assert r.verdict is Verdict.INCONCLUSIVE, r.result.reason
    assert "CPU budget of 0.5 s reached" in r.result.reason
    assert r.result.stats.stored_nodes <= 10


def test_a_generous_cpu_budget_changes_no_verdict() -> None:
    options = CheckOptions(properties=("agreement",), cpu_seconds=600, jobs=1)
    (r,) = check_paths([str(MODELS / "seed-intended")], options).results
    assert r.verdict is Verdict.VIOLATED


def test_z3_resource_limit_is_deterministic() -> None:
    """``solver_rlimit`` bounds each z3 query in z3's own units: a tiny one stops the
    search with a reason that names it, the same on every machine and load."""
    options = CheckOptions(
        properties=("agreement",), engine="z3", solver_rlimit=1, timeout_seconds=None, jobs=1
    )
    (r,) = check_paths([str(MODELS / "seed-intended")], options).results
    assert r.verdict is Verdict.INCONCLUSIVE
    assert "z3 resource limit of 1 per query reached" in r.result.reason


def test_cpu_budget_options_on_the_command_line() -> None:
    from click.testing import CliRunner

    from ipsecmc.cli import main

    seed = str(MODELS / "seed-intended")
    out = CliRunner().invoke(
        main, ["check", seed, "--property", "agreement", "--cpu-timeout", "600"]
    )
    assert out.exit_code == 1, out.output
    bad = CliRunner().invoke(main, ["check", seed, "--cpu-timeout", "0"])
    assert bad.exit_code == 2 and "--cpu-timeout" in bad.output
    bad = CliRunner().invoke(main, ["check", seed, "--z3-rlimit", "x"])
    assert bad.exit_code == 2 and "--z3-rlimit" in bad.output


def test_the_free_traffic_hint_fits_the_engine_and_the_rekey_setting() -> None:
    """An INCONCLUSIVE under free traffic says what to try: the z3 engine is pointed at the
    explicit engine (its deep queries are hard there, with or without keylives); the
    explicit engine at pinning the traffic, and at --no-rekey only while rekeying is on."""
    system = build(load_scenario([str(MODELS / "seed-intended")]).tunnels[0], "any")
    assert "use the explicit engine" in _free_traffic_hint(system, "z3")
    assert "try --no-rekey" in _free_traffic_hint(system, "explicit")
    assert "real keylife timers" in _free_traffic_hint(system, "explicit")
    no_rekey = system.with_params(dataclasses.replace(system.params, rekey=False))
    assert "--no-rekey" not in _free_traffic_hint(no_rekey, "explicit")
    assert "keylife" not in _free_traffic_hint(no_rekey, "explicit")
