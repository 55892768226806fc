"""Issue 12, item 5: a real disagreement is never hidden behind the derived bound T.

``tests/engineer_data/ikev2-localin/`` is seed-intended with ``ike-version 2``, ``keylife
28800`` and ``dpd on-idle`` on both ends: site2's local-in policy 2 denies IKE from site1
(lint: error). With IKEv2's 93 s request give-up, T is derived as 20 + 93 + 93 = 206 s
(DPD interval + detection + one failed negotiation: no keylife, no session TTL in it),
and the worst disagreement is 21 s: site1 declares site2 dead at 312 s, site2 keeps its
SA up and drops everything site1 sends, until site2's own idle DPD probe at 331 s opens a
UDP 500 session that lets site1's next IKE_SA_INIT in (333 s). ``agreement`` HOLDS with
T = 206 s; the report now says "longest disagreement: 21 s" next to it, and the
``one-sided`` property (in the default set) is VIOLATED, so ``check`` exits 1 as ``lint``
does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipsecmc.cli import main
from ipsecmc.engines.explicit.search import ExplicitEngine
from ipsecmc.engines.result import EngineResult, Plan, Stats, Verdict
from ipsecmc.fortios.topology import load_scenario
from ipsecmc.properties import STANDARD_ATOMS, Atom, parse_property, validate
from ipsecmc.systems import build
from ipsecmc.workflows.check import CheckOptions, check_paths, load_properties, plan_for
from ipsecmc.workflows.longest import MAX_PROBES, Longest, longest_stretch
from ipsecmc.workflows.measure import MeasureOptions, measure_paths
from tests.conftest import MODELS

PAIR = Path(__file__).parent / "engineer_data" / "ikev2-localin"
FILES = [str(PAIR / "site1.conf"), str(PAIR / "site2.conf")]
PINNED = "both:200,site1-to-site2"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout


def test_lint_calls_the_pair_an_error() -> None:
    code, out = run("lint", *FILES)
    assert code == 1
    assert "site2.conf:100:5: error: site2: local-in policy 2 denies new IKE" in out


def test_agreement_holds_at_206_s_and_says_the_21_s_disagreement() -> None:
    """The wrong HOLDS of the issue, and the figure that now stands next to it; the
    figure is the one ``ipsecmc measure`` computes exactly on the explicit graph."""
    options = CheckOptions(properties=("agreement",), traffic=PINNED, rekey=False)
    (r,) = check_paths(FILES, options).results
    assert (r.verdict, r.bound) == (Verdict.HOLDS, 206)
    assert r.result.facts["longest_stretch"] == {"seconds": 21, "exact": True, "at_most": 21}
    (m,) = measure_paths(FILES, MeasureOptions(traffic=PINNED, rekey=False)).results
    assert m.measurement.seconds == 21
    code, out = run("check", *FILES, "--property", "agreement", "--traffic", PINNED, "--no-rekey")
    assert code == 0
    assert "agreement (bounded, T = 206 s): HOLDS (proved: " in out
    assert (
        out.split("agreement (bounded")[1].splitlines()[0].endswith("; longest disagreement: 21 s")
    )


def test_one_sided_is_violated_on_the_default_path() -> None:
    """Two config files, no scenario.toml: free traffic and real keylives (28800 s)."""
    code, out = run("check", *FILES, "--property", "one-sided")
    assert code == 1
    assert "traffic profile: any; rekey on" in out
    assert "one-sided (invariant): VIOLATED" in out
    last = [line for line in out.splitlines() if line.startswith("    final state:")][-1]
    assert "site1: tunnel DOWN" in last and "site2: tunnel UP" in last


def test_one_sided_and_agreement_exit_1_together() -> None:
    code, out = run(
        "check", *FILES, "--property", "agreement", "--property", "one-sided", "--traffic", PINNED
    )
    assert code == 1
    assert "longest disagreement: 21 s" in out
    assert "one-sided (invariant): VIOLATED" in out


@pytest.mark.parametrize(
    ("folder", "verdict"), [("seed-fixed", "HOLDS"), ("seed-literal", "HOLDS")]
)
def test_one_sided_holds_where_local_in_admits_the_peer(folder: str, verdict: str) -> None:
    options = CheckOptions(properties=("one-sided",), traffic="any")
    (r,) = check_paths([MODELS / folder], options).results
    assert r.verdict.value == verdict


def test_one_sided_is_in_the_default_set() -> None:
    assert "one-sided" in {p.name for p in load_properties([])}


def test_longest_disagreement_is_0_s_on_seed_fixed_under_free_traffic() -> None:
    options = CheckOptions(properties=("agreement",), traffic="any")
    (r,) = check_paths([MODELS / "seed-fixed"], options).results
    assert r.verdict is Verdict.HOLDS
    assert r.result.facts["longest_stretch"] == {"seconds": 0, "exact": True, "at_most": 0}


def test_violated_agreement_reports_a_lower_bound_in_json() -> None:
    code, out = run(
        "check", str(MODELS / "seed-intended"), "--property", "agreement", "--format", "json"
    )
    assert code == 1
    (result,) = json.loads(out)["results"]
    assert result["facts"]["longest_stretch"] == {"seconds": 111, "exact": False, "at_most": None}


def test_drops_ike_atom() -> None:
    """``drops_ike(G)``: no UDP 500 session on G and its local-in denies the peer's IKE."""
    (tunnel,) = load_scenario([MODELS / "seed-intended"]).tunnels
    system = build(tunnel, PINNED)
    text = "name: x\ndescription: d\nkind: invariant\nformula: not drops_ike(site2)\n"
    prop = parse_property(text, "x.prop")
    validate(prop, STANDARD_ATOMS, system.names)
    atom = prop.atoms[0]
    s0 = system.initial()
    assert s0.b.sess == 0 and system.atom_value(s0, atom) is True
    with_session = s0._replace(b=s0.b._replace(sess=5))
    assert system.atom_value(with_session, atom) is False
    site1 = Atom("drops_ike", ("site1",))
    assert system.atom_value(s0, site1) is False  # site1 has no local-in table: built-in accept


# ------------------------------------------------------------------ the bisection itself
def _plan(bound: int) -> Plan:
    return Plan("p", "bounded", lambda s: True, bound, frozenset())


def _answer(verdict: Verdict) -> EngineResult:
    return EngineResult(verdict, Stats())


def _oracle(
    worst: int, calls: list[int], give_up_at: int | None = None
) -> Callable[[Plan], EngineResult]:
    """An engine whose property holds exactly for bounds >= ``worst``."""

    def check(plan: Plan) -> EngineResult:
        assert plan.bound is not None
        calls.append(plan.bound)
        if give_up_at is not None and len(calls) >= give_up_at:
            return _answer(Verdict.INCONCLUSIVE)
        return _answer(Verdict.HOLDS if plan.bound >= worst else Verdict.VIOLATED)

    return check


@pytest.mark.parametrize("worst", [0, 1, 2, 21, 99, 205, 206])
def test_bisection_finds_the_exact_worst(worst: int) -> None:
    calls: list[int] = []
    got = longest_stretch(_plan(206), _answer(Verdict.HOLDS), _oracle(worst, calls))
    assert got == Longest(worst, True, worst)
    assert calls[0] == 0 and len(calls) <= 9


def test_bisection_budget_gives_a_labelled_lower_bound() -> None:
    calls: list[int] = []
    got = longest_stretch(_plan(10**6), _answer(Verdict.HOLDS), _oracle(777_777, calls))
    assert got is not None and not got.exact and len(calls) == MAX_PROBES
    assert got.seconds <= 777_777 <= (got.at_most or 0)
    assert got.text().startswith("at least ")
    calls = []  # 0: VIOLATED, 103: HOLDS, 52: out of budget
    got = longest_stretch(_plan(206), _answer(Verdict.HOLDS), _oracle(50, calls, give_up_at=3))
    assert calls == [0, 103, 52] and got == Longest(1, False, 103)
    assert got.text() == "at least 1 s, at most 103 s"


def test_no_figure_without_a_definite_answer() -> None:
    calls: list[int] = []
    for v in (Verdict.INCONCLUSIVE, Verdict.HOLDS_UP_TO):
        assert longest_stretch(_plan(5), _answer(v), _oracle(1, calls)) is None
    assert calls == []
    assert longest_stretch(_plan(5), _answer(Verdict.VIOLATED), _oracle(1, calls)) == Longest(
        6, False, None
    )


def test_longest_uses_the_explicit_engine_like_the_main_search() -> None:
    """The figure for seed-literal agreement with a plain explicit search per probe."""
    (tunnel,) = load_scenario([MODELS / "seed-literal"]).tunnels
    system = build(tunnel, PINNED)
    (agreement,) = load_properties(["agreement"])
    plan = plan_for(system, agreement, None)
    main_result = ExplicitEngine().check(system, plan)
    got = longest_stretch(plan, main_result, lambda p: ExplicitEngine().check(system, p))
    assert got == Longest(0, True, 0)
