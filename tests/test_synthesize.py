"""Parameter synthesis (issue 14, item 2): ``ipsecmc synthesize`` / ``api.synthesize``.

The seed's known answer: agreement is violated iff session-ttl < dpd-retryinterval + 200
(site2's UDP 500 session must outlive the 200 s of two-way traffic plus one DPD
interval, or site1's first probe meets the local-in drop). The synthesized region is
compared with a brute-force explicit check of every cell of a 28-cell grid.
"""

from __future__ import annotations

import itertools
import json

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from ipsecmc import api
from ipsecmc.cli import main
from ipsecmc.engines.explicit.search import ExplicitEngine
from ipsecmc.engines.result import Budget, Verdict
from ipsecmc.engines.smt.z3_api import z3
from ipsecmc.properties import load_property
from ipsecmc.strategies import small_systems
from ipsecmc.systems import TunnelSystem
from ipsecmc.workflows.regions import Lin, atom_text, union_formula
from ipsecmc.workflows.synthesize import Axis, SynthesisOptions, retimed, synthesize_property
from ipsecmc.workflows.tunnel_check import plan_for
from tests.conftest import MODELS

SEED = MODELS / "seed-intended"
NAMES = ("session-ttl", "dpd-retryinterval")
# 7 x 4 cells on both sides of session-ttl = dpd-retryinterval + 200, at DPD intervals
# whose exhaustive searches (the HOLDS cells) take about a second each
TTLS = (199, 200, 229, 230, 249, 259, 300)
DPDS = (30, 40, 50, 60)
BOX = {"session-ttl": (150, 300), "dpd-retryinterval": (10, 60)}
SECRETS = (
    "c2l0ZTEtZmFrZS1lbmNyeXB0ZWQtcHNrLWRvLW5vdC11c2UtNzM5MTgyNjQ1MDE4MjczNjQ1",
    "c2l0ZTItZmFrZS1lbmNyeXB0ZWQtcHNrLWRvLW5vdC11c2UtNzM5MTgyNjQ1MDE4MjczNjQ1",
)


def explicit(model: api.LoadedModel, ttl: int, dpd: int) -> Verdict:
    system = api.with_timers(model, session_ttl=ttl, dpd_retryinterval=dpd).systems[0]
    prop = load_property("agreement")
    return ExplicitEngine(Budget()).check(system, plan_for(system, prop, None)).verdict


def test_seed_region_equals_brute_force_on_a_28_cell_grid() -> None:
    model = api.load([SEED])
    report = api.synthesize(
        model,
        NAMES,
        ["agreement"],
        ranges=BOX,
        values={"session-ttl": TTLS, "dpd-retryinterval": DPDS},
    )
    (result,) = report.results
    assert report.violated_text(result) == ["session-ttl < dpd-retryinterval + 200"]
    assert report.rest_text(result) == ["session-ttl >= dpd-retryinterval + 200"]
    assert result.established and len(result.cells) == 28
    variables = [z3.Int(n) for n in NAMES]
    region = union_formula(result.violated, variables)
    by_point = {c.point: c for c in result.cells}
    sides = set()
    for ttl, dpd in itertools.product(TTLS, DPDS):
        brute = explicit(model, ttl, dpd)
        sides.add(brute)
        assert by_point[(ttl, dpd)].verdict is brute, (ttl, dpd)
        inside = z3.simplify(
            z3.substitute(region, (variables[0], z3.IntVal(ttl)), (variables[1], z3.IntVal(dpd)))
        )
        assert z3.is_true(inside) == (brute is Verdict.VIOLATED), (ttl, dpd)
        assert (brute is Verdict.VIOLATED) == (ttl < dpd + 200)
    assert sides == {Verdict.VIOLATED, Verdict.HOLDS}
    # off the grid, every shape's claim is checked at its own corner points: violations
    # are found in milliseconds
    for shape in result.shapes:
        solver = z3.Solver()
        solver.add(union_formula(shape.cubes, variables))
        solver.add(
            *(z3.And(lo <= v, v <= hi) for v, (lo, hi) in zip(variables, BOX.values(), strict=True))
        )
        for objective in (variables[1], -variables[1]):
            opt = z3.Optimize()
            opt.add(solver.assertions())
            opt.maximize(objective)
            assert opt.check() == z3.sat
            m = opt.model()
            ttl, dpd = (m.eval(v, model_completion=True).as_long() for v in variables)
            assert explicit(model, ttl, dpd) is Verdict.VIOLATED, (shape.point, ttl, dpd)


def test_cli_json_is_versioned_exit_1_and_has_no_secrets() -> None:
    result = CliRunner().invoke(
        main,
        [
            "synthesize",
            str(SEED),
            "--param",
            "session-ttl",
            "--param",
            "dpd-retryinterval",
            "--range",
            "session-ttl=150:300",
            "--range",
            "dpd-retryinterval=10:60",
            "--steps",
            "3",
            "--property",
            "agreement",
            "--no-rekey",
            "--json",
        ],
    )
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert doc["version"] == 1 and doc["command"] == "synthesize"
    (res,) = doc["results"]
    assert res["violated"] == ["session-ttl < dpd-retryinterval + 200"]
    assert res["rest"] == ["session-ttl >= dpd-retryinterval + 200"]
    assert [p["grid"] for p in doc["parameters"]] == [[150, 225, 300], [10, 35, 60]]
    assert {c["verdict"] for c in res["cells"]} == {"VIOLATED", "HOLDS"}
    text = CliRunner().invoke(
        main,
        [
            "synthesize",
            str(SEED),
            "--param",
            "session-ttl",
            "--values",
            "session-ttl=180,400",
            "--property",
            "agreement",
            "--no-rekey",
        ],
    )
    assert text.exit_code == 1 and "HOLDS established at all 1 grid cell(s)" in text.stdout
    for out in (result.stdout, result.stderr, text.stdout, text.stderr):
        assert not any(s[:16] in out for s in SECRETS)


def test_bad_input_exits_2_with_one_line() -> None:
    cases = [
        (["--param", "keylife"], "unknown parameter 'keylife'"),
        (["--param", "session-ttl", "--range", "session-ttl=60-3600"], "expected NAME=LOW:HIGH"),
        (["--param", "session-ttl", "--range", "session-ttl=300:60"], "expected 1 <= LOW <= HIGH"),
        (["--param", "session-ttl", "--range", "dpd-retryinterval=1:9"], "is not a --param"),
        (["--param", "session-ttl", "--values", "session-ttl=a,b"], "expected NAME=V1,V2"),
        (["--param", "session-ttl", "--property", "recoverable"], "finite path"),
        (["--param", "p2-keylife", "--no-rekey"], "rekeying is not modelled"),
        ([], "give at least one --param"),
    ]
    for args, message in cases:
        result = CliRunner().invoke(main, ["synthesize", str(SEED), *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_constraints_read_like_config() -> None:
    names = ("session-ttl", "dpd-retryinterval")
    assert atom_text(Lin((1, -1), -199), names) == "session-ttl < dpd-retryinterval + 200"
    assert atom_text(Lin((-1, 1), 200), names) == "session-ttl >= dpd-retryinterval + 200"
    assert atom_text(Lin((0, -1), 30), names) == "dpd-retryinterval >= 30"
    assert atom_text(Lin((2, 0), -7, eq=True), names) == "2*session-ttl = 7"


@settings(max_examples=20)
@given(small_systems(max_rules=2), st.sampled_from(["agreement", "one-sided"]))
def test_every_point_of_a_violated_region_is_violated(system: TunnelSystem, name: str) -> None:
    """Soundness on random small scenarios (IKEv1/v2, every DPD mode, local-in tables,
    schedules): every integer point of the box the synthesized violated region covers is
    VIOLATED by an explicit search, and every grid cell's verdict is the search's."""
    prop = load_property(name)
    axes = (
        Axis("session-ttl", "session_ttl", 3, 12, (3, 12)),
        Axis("dpd-retryinterval", "dpd_retryinterval", 2, 5, (2, 5)),
    )
    result = synthesize_property(
        system, prop, axes, SynthesisOptions(params=NAMES, probes=3, max_states=200_000)
    )
    variables = [z3.Int(n) for n in NAMES]
    region = union_formula(result.violated, variables)
    verdicts = {c.point: c.verdict for c in result.cells}
    for point in itertools.product(range(3, 13), range(2, 6)):
        pairs = [(v, z3.IntVal(x)) for v, x in zip(variables, point, strict=True)]
        inside = z3.is_true(z3.simplify(z3.substitute(region, *pairs)))
        if not inside and point not in verdicts:
            continue
        concrete = retimed(system, axes, point)
        verdict = (
            ExplicitEngine(Budget(200_000)).check(concrete, plan_for(concrete, prop, None)).verdict
        )
        if inside:
            assert verdict is Verdict.VIOLATED, point
        if point in verdicts and verdicts[point] is not Verdict.INCONCLUSIVE:
            assert verdicts[point] is verdict, point


def test_parallel_grid_searches_give_the_same_report() -> None:
    """``jobs=2``: the grid cells are searched up front by two workers; the regions and
    every cell's verdict are those of the one-process run (without rekey: quick)."""
    model = api.load([SEED], rekey=False)
    grid = {"session-ttl": TTLS[::2], "dpd-retryinterval": DPDS[::2]}

    def run(jobs: int) -> api.SynthesisReport:
        return api.synthesize(model, NAMES, ["agreement"], ranges=BOX, values=grid, jobs=jobs)

    one, two = run(1), run(2)
    assert one.violated_text(one.results[0]) == two.violated_text(two.results[0])
    assert [(c.point, c.verdict) for c in one.results[0].cells] == [
        (c.point, c.verdict) for c in two.results[0].cells
    ]
