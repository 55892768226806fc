"""Generated hubs: the generator's configs, ``--jobs``, and symmetry between identical spokes."""

from __future__ import annotations

import json
import pickle
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from benchmarks.hub_gen import TIMER_CLASSES, Hub, generate
from ipsecmc.cli import main
from ipsecmc.errors import ConfigError, SourceLoc
from ipsecmc.fortios.config import GatewayConfig
from ipsecmc.fortios.topology import (
    _Candidate,
    _candidates,
    _points_at,
    gateway_addresses,
    load_scenario,
)
from ipsecmc.render.json_report import SCHEMA_VERSION, iter_json, render_json, result_dict
from ipsecmc.systems import build
from ipsecmc.workflows.check import CheckOptions, check_paths, load_properties
from ipsecmc.workflows.parallel import SHARED_FACT, _Failure, check_systems, symmetry_key
from tests.test_topology import gw

#: Every spoke alike: one class of open spokes, one of blocked ones (2 searches per property).
ONE_CLASS = TIMER_CLASSES[:1]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Hub:
    return generate(tmp_path_factory.mktemp("hub"), 6, blocked=2, seed=3, timer_classes=ONE_CLASS)


def test_generated_configs_parse_and_pair(tmp_path: Path) -> None:
    made = generate(tmp_path, 12, blocked=3, seed=7)
    scenario = load_scenario([tmp_path])
    assert [t.name for t in scenario.tunnels] == [s.tunnel for s in made.spokes]
    assert scenario.unpaired == () and scenario.pairing_inferences == ()
    by_name = {g.hostname: g for g in scenario.gateways}
    assert len(by_name["hub"].phase1s) == 12 and len(by_name["hub"].phase2s) == 12
    for s in made.spokes:
        assert bool(by_name[s.hostname].local_in_policies) == s.blocked
    assert len(made.blocked) == 3
    again = generate(tmp_path / "again", 12, blocked=3, seed=7)
    assert again.spokes == made.spokes  # deterministic from the seed
    assert (tmp_path / "hub.conf").read_text() == (tmp_path / "again" / "hub.conf").read_text()


def _run_json(path: Path, jobs: int) -> tuple[int, dict[str, Any]]:
    args = [str(path), "--property", "agreement", "--format", "json", "--jobs", str(jobs)]
    result = CliRunner().invoke(main, ["check", *args])
    doc = json.loads(result.stdout)
    for r in doc["results"]:
        r["stats"].pop("seconds")  # wall-clock time: the only thing allowed to differ
    return result.exit_code, doc


def test_jobs_1_and_2_give_identical_json(hub: Hub) -> None:
    code1, doc1 = _run_json(hub.path, 1)
    code2, doc2 = _run_json(hub.path, 2)
    assert code1 == code2 == 1
    assert doc1 == doc2
    verdicts = {r["tunnel"]: r["verdict"] for r in doc1["results"]}
    assert verdicts == {s.tunnel: "VIOLATED" if s.blocked else "HOLDS" for s in hub.spokes}
    shared = [r for r in doc1["results"] if SHARED_FACT in r["facts"]]
    assert len(shared) == 4  # 6 tunnels, 2 classes: 2 searches


def test_symmetric_reuse_gives_each_spoke_its_own_trace(hub: Hub) -> None:
    report = check_paths([hub.path], CheckOptions(properties=("agreement",), jobs=1))
    blocked = [r for r in report.results if r.verdict.value == "VIOLATED"]
    assert [r.tunnel.name for r in blocked] == [s.tunnel for s in hub.blocked]
    first, second = blocked
    assert SHARED_FACT not in first.result.facts
    assert second.result.facts[SHARED_FACT] == first.tunnel.name
    for r, spoke in zip(blocked, hub.blocked, strict=True):
        assert r.trace is not None
        gateways = {ev.gateway for ev in r.trace.events} - {None}
        assert gateways == {"hub", spoke.hostname}
        drops = [ev for ev in r.trace.events if ev.note.dropped_by is not None]
        assert drops, "the seed bug: the spoke's local-in policy drops the hub's IKE"
        own_file = str(hub.path / f"{spoke.hostname}.conf")
        assert {ev.note.loc.file for ev in drops if ev.note.loc} == {own_file}
        spoke_text = Path(own_file).read_text().splitlines()
        for ev in drops:
            assert ev.note.loc is not None
            assert "edit 2" in spoke_text[ev.note.loc.line - 1]  # the deny-all policy


def test_symmetry_changes_nothing_but_the_shared_fact(hub: Hub) -> None:
    """Reference: every tunnel searched on its own gives the same verdicts, paths, traces."""
    scenario = load_scenario([hub.path])
    blocked = {s.tunnel for s in hub.blocked}
    tunnels = [t for t in scenario.tunnels if t.name in blocked]
    tunnels += [t for t in scenario.tunnels if t.name not in blocked][:2]  # 2 open, 2 blocked
    systems = [build(t, "both:200,end_a-to-end_b") for t in tunnels]
    props = load_properties(("agreement", "establishes"))
    options = CheckOptions()
    reduced = check_systems(systems, props, options, {})
    reference = check_systems(systems, props, options, {}, symmetry=False)
    assert len(reduced) == len(reference) == 8
    for a, b in zip(reduced, reference, strict=True):
        assert (a.tunnel.name, a.prop.name, a.verdict) == (b.tunnel.name, b.prop.name, b.verdict)
        assert a.result.path == b.result.path and a.trace == b.trace
        assert a.result.stats.states == b.result.stats.states
        assert {k: v for k, v in a.result.facts.items() if k != SHARED_FACT} == b.result.facts


def test_symmetry_key_sees_timers_and_local_in_but_not_names(tmp_path: Path) -> None:
    generate(tmp_path, 9, blocked=3, seed=5)
    scenario = load_scenario([tmp_path])
    prop = load_properties(("agreement",))[0]
    classes: dict[object, set[tuple[bool, int, int]]] = {}
    for t in scenario.tunnels:
        spoke = t.b.gateway
        config = (
            bool(spoke.local_in_policies),
            t.b.phase1.dpd_retryinterval,
            t.b.phase2s[0].keylifeseconds,
        )
        classes.setdefault(symmetry_key(build(t, "any"), prop), set()).add(config)
    assert all(len(members) == 1 for members in classes.values())  # one config class per key
    assert len(classes) == len({m for ms in classes.values() for m in ms})


def test_worker_errors_come_back_as_the_same_clean_error() -> None:
    exc = ConfigError(SourceLoc("hub.conf", 3, 5), "bad value")
    back = pickle.loads(pickle.dumps(_Failure.of(exc))).rebuild()
    assert type(back) is ConfigError and str(back) == "hub.conf:3:5: bad value"


def test_bad_property_with_jobs_is_exit_2(hub: Hub) -> None:
    result = CliRunner().invoke(main, ["check", str(hub.path), "--property", "nope", "--jobs", "2"])
    assert result.exit_code == 2 and "Traceback" not in result.output


# ------------------------------------------------------------- pairing by address index


def _pairwise(gws: list[GatewayConfig]) -> list[_Candidate]:
    """The plain every-pair loop the indexed ``_candidates`` must reproduce."""
    out = []
    for i, a in enumerate(gws):
        for j in range(i + 1, len(gws)):
            b = gws[j]
            for p in a.phase1s:
                for q in b.phase1s:
                    if p.type == "dynamic" and q.type == "dynamic":
                        continue
                    aa, ab = gateway_addresses(a), gateway_addresses(b)
                    fwd, back = _points_at(aa, p, b, ab, q), _points_at(ab, q, a, aa, p)
                    if fwd is not None and back is not None:
                        out.append(_Candidate(i, p, j, q, fwd, back))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_indexed_pairing_equals_the_pairwise_loop(seed: int) -> None:
    rng = random.Random(seed)
    pool = [f"192.0.2.{k}" for k in range(1, 6)]
    gws = []
    for g in range(rng.randint(2, 5)):
        ip = {"wan": f"{rng.choice(pool)}/24"} if rng.random() < 0.6 else None
        phase1s = tuple(
            (f"t{k}", "wan", None if rng.random() < 0.2 else rng.choice(pool))
            for k in range(rng.randint(1, 3))
        )
        gws.append(gw(f"g{g}", *phase1s, ip=ip))
    assert _candidates(gws) == _pairwise(gws)


def test_streamed_json_is_the_whole_document(hub: Hub) -> None:
    report = check_paths([hub.path], CheckOptions(properties=("agreement", "establishes")))
    whole = {
        "version": SCHEMA_VERSION,
        "tool": "ipsecmc",
        "traffic": report.traffic,
        "rekey": report.rekey,
        "faults": {"kinds": [], "budget": 1},
        "inferences": list(report.scenario.inferences),
        "results": [result_dict(r) for r in report.results],
        "unknowns": [],
    }
    assert "".join(iter_json(report)) == json.dumps(whole, indent=2)
    empty = replace(report, results=())
    assert render_json(empty) == json.dumps({**whole, "results": []}, indent=2)
