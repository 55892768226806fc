"""The public Hypothesis strategies (``ipsecmc.strategies``) draw real, readable input.

* generated config pairs go through the real reader without ``ConfigError`` and pair into
  exactly one tunnel, and the reader sees the values the spec asked for;
* traffic profiles parse;
* every small system is explored exhaustively by the explicit engine within a small
  state budget, and the verdicts of a sample are mixed (HOLDS and VIOLATED both common);
* a scenario written to files and checked by ``check_paths`` gets the verdict of the
  same scenario checked in memory;
* shrinking reaches the seed's shape.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import Phase, given, seed, settings
from hypothesis import strategies as st

from ipsecmc import api
from ipsecmc.engines.explicit.search import ExplicitEngine
from ipsecmc.engines.result import Budget, Plan, Verdict
from ipsecmc.fortios.config import Action
from ipsecmc.fortios.lexer import tokenize
from ipsecmc.fortios.resolver import read_text
from ipsecmc.fortios.strategies_text import (
    PSK_PLACEHOLDER,
    SECRET_DIGESTS,
    lex_site,
    read_site,
    render_site,
)
from ipsecmc.model.system import TransitionSystem
from ipsecmc.model.traffic import parse_profile
from ipsecmc.safe_text import redact, secret_scope
from ipsecmc.strategies import (
    DPD_CHOICES,
    IKE_VERSION_CHOICES,
    LOCAL_IN_CHOICES,
    PROFILE,
    REAL_TIMERS,
    SMALL_TIMERS,
    TTL_CHOICES,
    ConfigPair,
    GeneratedScenario,
    config_pairs,
    register_profile,
    scenarios,
    small_scenarios,
    small_systems,
    traffic_profiles,
    ttl_feasible,
)
from ipsecmc.workflows.check import CheckOptions, check_paths, load_properties

T = TypeVar("T")

#: Stored-state budget for the small systems (the largest seen in 300 draws stores far
#: fewer; a draw that needs more is a strategy bug).
SMALL_BUDGET = Budget(max_states=30_000)


def _agreement(bound: int) -> Plan:
    # ``reads`` as ``check.plan_for`` sets it for the agreement formula, so that both
    # sides of the comparison below run the same search (the ``sent`` projection).
    return Plan(
        "agreement", "bounded", lambda s: s.a.p2 != s.b.p2, bound, reads=frozenset({"disagree"})
    )


@given(config_pairs() | config_pairs(timers=SMALL_TIMERS))
def test_config_pairs_read_and_pair_into_one_tunnel(configs: ConfigPair) -> None:
    scenario = configs.read()
    assert len(scenario.tunnels) == 1
    assert scenario.unpaired == () and scenario.pairing_inferences == ()
    tunnel = scenario.tunnels[0]
    assert (tunnel.a.name, tunnel.b.name) == ("site1", "site2")
    # The reader sees what the spec wrote (defaults where the spec left a line out).
    for spec, end in zip(configs.specs, (tunnel.a, tunnel.b), strict=True):
        p1, gw = end.phase1, end.gateway
        assert p1.ike_version == (spec.ike_version or 1)
        assert p1.dpd.value == (spec.dpd or "on-demand")
        assert p1.dpd_retryinterval == (spec.dpd_retryinterval or 20)
        assert p1.dpd_retrycount == (3 if spec.dpd_retrycount is None else spec.dpd_retrycount)
        assert p1.keylife == (spec.keylife or 86400)
        assert end.phase2s[0].keylifeseconds == (spec.keylifeseconds or 43200)
        assert gw.udp_idle_timer == (spec.udp_idle_timer or 180)
        ports = gw.session_ttl_ports
        if spec.ike_session_ttl is None:
            assert ports == ()
        else:
            expected = None if spec.ike_session_never else spec.ike_session_ttl
            assert [(p.start_port, p.timeout) for p in ports] == [(500, expected)]
        policies = gw.local_in_policies
        assert [p.policyid for p in policies] == [r.policyid for r in spec.local_in]
        for rule, policy in zip(spec.local_in, policies, strict=True):
            assert policy.action is (Action.ACCEPT if rule.action == "accept" else Action.DENY)
            assert policy.status is (rule.status != "disable")
            assert policy.srcaddr == rule.srcaddr and policy.service == rule.service


@given(scenarios())
def test_scenario_traffic_parses_and_system_builds(s: GeneratedScenario) -> None:
    profile = parse_profile(s.traffic, "site1", "site2")
    assert profile.text == s.traffic
    system = s.system()
    assert system.params.rekey is s.rekey
    assert system.names == ("site1", "site2")


@given(traffic_profiles(names=("end_a", "end_b"), phase_seconds=(1, 5), free_forever=False))
def test_traffic_profiles_without_free_last_phase(text: str) -> None:
    last = parse_profile(text, "x", "y").phases[-1]
    assert "maybe" not in (last.a_to_b, last.b_to_a)


def test_small_systems_are_exhaustively_checkable_and_verdicts_are_mixed() -> None:
    """Every draw finishes within the budget; both verdicts are common in the sample.

    Agreement with T of 2-10 s (the small timers' scale). The counts over 4 x 150 draws
    are printed by ``python -m pytest -m slow -s tests/test_strategies.py``.
    """
    verdicts = _sample_verdicts(60, seeds=(0,))
    assert set(verdicts) <= {Verdict.HOLDS, Verdict.VIOLATED}, verdicts
    assert min(verdicts[Verdict.HOLDS], verdicts[Verdict.VIOLATED]) >= 5, verdicts


@pytest.mark.slow
def test_small_systems_verdict_distribution() -> None:
    verdicts = _sample_verdicts(150, seeds=(0, 1, 2, 3))
    print(f"\nsmall_scenarios(), agreement T=2..10, 4 seeds x 150 draws: {dict(verdicts)}")
    assert set(verdicts) <= {Verdict.HOLDS, Verdict.VIOLATED}, verdicts
    assert min(verdicts[Verdict.HOLDS], verdicts[Verdict.VIOLATED]) >= 60, verdicts


def _sample_verdicts(examples: int, seeds: tuple[int, ...]) -> Counter[Verdict]:
    """Agreement verdicts of the explicit engine on ``examples`` draws per seed (Hypothesis
    draws within one run are related; several seeds give a fairer picture)."""
    verdicts: Counter[Verdict] = Counter()

    @settings(max_examples=examples, database=None, derandomize=False)
    @given(small_scenarios(), st.integers(2, 10))
    def explore(s: GeneratedScenario, bound: int) -> None:
        result = ExplicitEngine(SMALL_BUDGET).check(s.system(), _agreement(bound))
        assert result.verdict is not Verdict.INCONCLUSIVE, (s, result.reason)
        verdicts[result.verdict] += 1

    for k in seeds:
        seed(k)(explore)()
    return verdicts


@settings(max_examples=12)
@given(small_scenarios(rekey=False), st.integers(2, 10))
def test_check_paths_on_written_files_gives_the_in_memory_verdict(
    s: GeneratedScenario, bound: int
) -> None:
    direct = ExplicitEngine(SMALL_BUDGET).check(s.system(), _agreement(bound))
    with tempfile.TemporaryDirectory() as folder:
        s.write(folder)
        options = CheckOptions(
            properties=("agreement",), bound_seconds=bound, max_states=SMALL_BUDGET.max_states
        )
        report = check_paths([folder], options)
    assert report.traffic == s.traffic and report.rekey is s.rekey
    (result,) = report.results
    assert result.verdict is direct.verdict
    if direct.path is not None:
        assert result.result.path == direct.path


def _simplest(strategy: st.SearchStrategy[T]) -> T:
    """The first example Hypothesis draws: the all-zero choice sequence, which is also
    what shrinking aims at (``find`` would get there too, but takes many seconds)."""
    got: list[T] = []

    @settings(max_examples=1, phases=[Phase.generate], database=None)
    @given(strategy)
    def first(value: T) -> None:
        got.append(value)

    first()
    return got[0]


def test_scenario_with_substituted_keylives_is_not_written(tmp_path: Path) -> None:
    s = _simplest(small_scenarios().filter(lambda s: s.rekey))
    assert s.keylives is not None
    with pytest.raises(ValueError, match="120 s minimum"):
        s.write(tmp_path)
    # The repr is the short rendering: drawn lines only, never the secret.
    assert "--- site2.conf (drawn lines only) ---" in repr(s) and "keylives=" in repr(s)
    assert "psksecret" not in repr(s) and "psksecret" in s.configs.site2


def test_the_simplest_pair_is_the_seed_shape() -> None:
    """Defaults everywhere, no table on site1, and on site2 the seed's policy 2 (port1,
    all, ALL, no action: deny), so site2 denies IKE from site1."""
    configs = _simplest(config_pairs())
    one, two = configs.specs
    assert one.local_in == () and len(two.local_in) == 1
    rule = two.local_in[0]
    assert (rule.intf, rule.srcaddr, rule.service, rule.action) == (
        "port1",
        ("all",),
        ("ALL",),
        None,
    )
    assert one.dpd is None and one.keylife is None and one.udp_idle_timer is None
    ends = GeneratedScenario(configs, configs.read(), "any", True).system().params.ends
    assert ends[0].admissions[0].accepted and not ends[1].admissions[0].accepted
    assert ends[1].admissions[0].policy_id == 1


AGREEMENT = load_properties(["agreement"])[0]


@settings(PROFILE, max_examples=20)
@given(small_scenarios(local_in="admits"))
def test_readme_example_agreement_when_both_ends_admit_ike(s: GeneratedScenario) -> None:
    """The README's example test, verbatim but for max_examples (the knob replaced an
    ``assume`` that rejected most draws)."""
    (result,) = api.check(s.model(), ["agreement"]).results
    assert result.verdict is api.Verdict.HOLDS, s.short()


@settings(max_examples=5)
@given(small_systems())
def test_small_systems_are_transition_systems(system: TransitionSystem) -> None:
    assert all(e.session_ttl is not None and e.session_ttl <= 12 for e in system.params.ends)
    assert system.successors(system.initial())


# --- knobs: each promise holds on every draw, nothing is filtered ----------------------

KNOBS = st.fixed_dictionaries(
    {
        "local_in": st.tuples(*[st.sampled_from(LOCAL_IN_CHOICES)] * 2),
        "dpd": st.tuples(*[st.sampled_from(DPD_CHOICES)] * 2),
        "ttl_vs_dpd": st.tuples(*[st.sampled_from(TTL_CHOICES)] * 2),
        "ike_versions": st.sampled_from(IKE_VERSION_CHOICES),
    }
)


def _keeps_promises(knobs: dict[str, Any], s: GeneratedScenario) -> None:
    ends = s.system().params.ends
    versions = [e.ike_version for e in ends]
    if knobs["ike_versions"] == "same":
        assert versions[0] == versions[1]
    elif knobs["ike_versions"] == "mixed":
        assert versions[0] != versions[1]
    for end, spec, verdict, dpd, ttl in zip(
        ends, s.configs.specs, knobs["local_in"], knobs["dpd"], knobs["ttl_vs_dpd"], strict=True
    ):
        outcomes = [a.accepted for a in end.admissions]
        if verdict == "admits":
            assert outcomes == [True], (end.name, end.admissions)
        elif verdict == "denies":
            assert outcomes == [False], (end.name, end.admissions)
            assert spec.local_in, "a denial needs a policy"
        if dpd != "any":
            assert end.dpd.value == dpd
        detection = end.dpd_detection_seconds
        if ttl == "below-dpd":
            assert end.session_ttl is not None and end.session_ttl < detection
        elif ttl == "above-dpd":
            assert end.session_ttl is None or end.session_ttl > detection


@settings(max_examples=150, suppress_health_check=[])
@given(st.data(), KNOBS, st.booleans())
def test_every_knob_keeps_its_promise_on_every_draw(
    data: st.DataObject, knobs: dict[str, Any], small: bool
) -> None:
    """Real and small timers, any combination of knobs (the infeasible ones refused up
    front), every health check on: each drawn scenario keeps every promise."""
    timers = SMALL_TIMERS if small else REAL_TIMERS
    try:
        strategy = (
            small_scenarios(rekey=False, **knobs) if small else scenarios(timers=timers, **knobs)
        )
    except ValueError as refused:  # a relation the timers cannot hold, refused up front
        assert "impossible" in str(refused)
        return
    _keeps_promises(knobs, data.draw(strategy))


@pytest.mark.parametrize(
    "knobs",
    [
        {"local_in": ("admits", "denies"), "dpd": "on-demand", "ttl_vs_dpd": ("any", "below-dpd")},
        {"local_in": "denies", "dpd": ("on-idle", "disable"), "ttl_vs_dpd": "above-dpd"},
        {"local_in": "admits", "ike_versions": "mixed", "ttl_vs_dpd": "below-dpd"},
    ],
)
def test_knob_strategies_pass_every_health_check(knobs: dict[str, Any]) -> None:
    """Hypothesis' health checks (filter_too_much, data_too_large, ...) all on, and the
    test body sees nothing but kept promises (no draw is thrown away: no assume, no
    filter)."""
    knobs = {"ike_versions": "any", "dpd": "any", "ttl_vs_dpd": "any", **knobs}
    per_end = {
        k: (v, v) if isinstance(v, str) and k != "ike_versions" else v for k, v in knobs.items()
    }
    seen = []

    @settings(max_examples=40, suppress_health_check=[], database=None)
    @given(small_scenarios(rekey=False, **knobs))
    def run(s: GeneratedScenario) -> None:
        _keeps_promises(per_end, s)
        seen.append(s)

    run()
    assert len(seen) >= 40


def test_bad_knobs_are_refused_when_the_strategy_is_made() -> None:
    with pytest.raises(ValueError, match="local_in="):
        config_pairs(local_in="sometimes")
    with pytest.raises(ValueError, match="ike_versions="):
        config_pairs(ike_versions="both")
    with pytest.raises(ValueError, match="impossible"):
        # IKEv2's detection time is the 93 s give-up; small sessions are at most 12 s.
        config_pairs(timers=SMALL_TIMERS, ttl_vs_dpd="above-dpd", ike_versions="mixed")
    assert ttl_feasible(SMALL_TIMERS, 1, "above-dpd") and not ttl_feasible(
        SMALL_TIMERS, 2, "above-dpd"
    )


# --- the fast read path -----------------------------------------------------------------


@settings(max_examples=80)
@given(config_pairs() | config_pairs(timers=SMALL_TIMERS, local_in="denies"))
def test_fast_path_reads_what_the_reader_reads(configs: ConfigPair) -> None:
    """Tokens made line by line equal the lexer's (locations included), and the gateways
    and pairing equal what ``read_text`` makes of the text."""
    for spec in configs.specs:
        name = f"{spec.hostname}.conf"
        lexed = lex_site(spec, name)
        assert lexed == tokenize(render_site(spec), name)
        assert lexed.secrets.digests == SECRET_DIGESTS
        assert read_site(spec, name) == read_text(render_site(spec), name)
    assert configs.read() == configs.read_text()


# --- saving a failing example -----------------------------------------------------------


@settings(max_examples=6, phases=[Phase.generate])
@given(small_scenarios(rekey=False, local_in=("admits", "denies")), st.integers(2, 10))
def test_save_round_trips_through_ipsecmc_check(s: GeneratedScenario, bound: int) -> None:
    """A saved folder checked by ``ipsecmc.api`` (what ``ipsecmc check FOLDER`` runs) gives
    the verdict of the scenario checked in memory; its [expect] table is honoured."""
    direct = ExplicitEngine(SMALL_BUDGET).check(s.system(), _agreement(bound))
    with tempfile.TemporaryDirectory() as folder:
        s.save(folder, description="drawn", expect={"agreement": direct.verdict.name})
        model = api.load([folder])
        assert model.traffic == s.traffic and model.rekey is s.rekey
        report = api.check(model, ["agreement"], bound_seconds=bound, max_states=30_000)
    (result,) = report.results
    assert result.verdict is direct.verdict
    assert api.exit_code(report) == (1 if direct.verdict is Verdict.VIOLATED else 0)


def test_saved_folder_reproduces_with_the_command_line(tmp_path: Path) -> None:
    """The real command on a saved folder: exit code and verdict as in memory; no
    secret in what it prints or in the short rendering."""
    s = _simplest(small_scenarios(rekey=False, local_in=("admits", "denies")))
    direct = api.check(_model_of(s, tmp_path / "a"), ["agreement"])
    s.save(tmp_path / "b", expect={"agreement": direct.results[0].verdict.name})
    run = subprocess.run(
        [sys.executable, "-m", "ipsecmc", "check", str(tmp_path / "b"), "--property", "agreement"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    assert run.returncode == api.exit_code(direct), run.stderr
    assert direct.results[0].verdict.name in run.stdout
    secret = PSK_PLACEHOLDER
    assert secret in (tmp_path / "b" / "site1.conf").read_text()
    assert secret not in run.stdout + run.stderr and secret not in s.short() + repr(s)
    assert "psksecret" not in s.short()


def _model_of(s: GeneratedScenario, folder: Path) -> api.LoadedModel:
    return api.load([s.save(folder)])


def test_short_rendering_shows_only_drawn_lines() -> None:
    """The simplest pair: site1 all defaults, site2 the seed's policy 2."""
    configs = _simplest(config_pairs())
    short = configs.short()
    assert "(every setting at its FortiOS default; no local-in policy)" in short
    assert 'set intf "port1"' in short and "config firewall local-in-policy" in short
    assert "set proposal" not in short and "config system interface" not in short
    assert len(short.splitlines()) < 15 < len(configs.site2.splitlines())


def test_profile_has_no_explain_phase_and_registers() -> None:
    assert Phase.explain not in PROFILE.phases and PROFILE.deadline is None
    got = register_profile("ipsecmc-test", max_examples=7)
    assert got.max_examples == 7 and Phase.explain not in got.phases
    assert settings.get_profile("ipsecmc-test").max_examples == 7


def test_cached_reads_still_tell_the_secret_scope() -> None:
    """Inside a command's secret scope, a message quoting the generated psksecret is
    redacted even when the pair's read comes from the cache."""
    configs = _simplest(config_pairs())
    configs.read()  # fills the cache outside any scope
    with secret_scope():
        configs.read()
        assert PSK_PLACEHOLDER not in redact(f"bad value {PSK_PLACEHOLDER!r}")


def test_explicit_timer_ranges_and_the_relations_they_allow() -> None:
    """Explicit ranges are a ``Timers`` value; a relation they cannot hold is refused, one
    they can is kept on every draw."""
    tight = replace(SMALL_TIMERS, session_ttl=(3, 4), dpd_retryinterval=(2, 2))
    assert not ttl_feasible(tight, 2, "above-dpd") and ttl_feasible(tight, 1, "above-dpd")
    with pytest.raises(ValueError, match="impossible"):
        config_pairs(timers=tight, ttl_vs_dpd="above-dpd", ike_versions="mixed")
    base = {"local_in": ("any", "any"), "dpd": ("any", "any"), "ike_versions": "any"}

    @settings(max_examples=50, database=None)
    @given(st.sampled_from(("below-dpd", "above-dpd")), st.data())
    def keeps(relation: str, data: st.DataObject) -> None:
        s = data.draw(scenarios(timers=tight, ttl_vs_dpd=relation))
        _keeps_promises({**base, "ttl_vs_dpd": (relation, relation)}, s)
        assert all(3 <= (e.session_ttl or 0) <= 4 for e in s.system().params.ends)

    keeps()
