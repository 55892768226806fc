"""Research tests: Hypothesis finds the seed failure (Fortinet KB 294094) in random
configs, and the knobs state the claim it refutes. Only ``ipsecmc.api`` and
``ipsecmc.strategies`` are used (and the search helper beside this file)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from seed_search import agreement_search, seed_shape

from ipsecmc import api
from ipsecmc.strategies import PROFILE, GeneratedScenario, small_scenarios


def test_random_configs_lead_to_the_seed_failure(tmp_path: Path) -> None:
    """Agreement is claimed for random small scenarios; Hypothesis refutes it and shrinks
    the counterexample to the seed's shape, which saved as a folder reproduces."""
    found = agreement_search(None)
    assert found.scenario is not None and found.result is not None, "no violation found"
    problem = seed_shape(found.scenario, found.result)
    assert problem is None, f"{problem}\n{found.scenario.short()}"
    folder = found.scenario.save(tmp_path / "found", expect={"agreement": "VIOLATED"})
    report = api.check(api.load([folder]), ["agreement"], max_states=30_000)
    assert report.results[0].verdict is api.Verdict.VIOLATED
    assert api.exit_code(report) == 1
    # What-if on the saved model: UDP 500 sessions that never age out repair it.
    never = api.with_timers(api.load([folder]), session_ttl=None)
    assert api.check(never, ["agreement"], max_states=30_000).results[0].verdict in (
        api.Verdict.HOLDS,
        api.Verdict.HOLDS_UP_TO,
    )


@settings(PROFILE, max_examples=40, derandomize=True, database=None)
@given(small_scenarios(rekey=False, local_in="admits"))
def test_agreement_holds_when_both_ends_admit_ike(s: GeneratedScenario) -> None:
    """The claim that survives, stated with a knob instead of ``assume`` (every draw is
    a pair whose local-in tables both admit the peer's IKE)."""
    (result,) = api.check(s.model(), ["agreement"], max_states=30_000).results
    assert result.verdict is api.Verdict.HOLDS, s.short()


def test_the_seed_shape_drawn_by_knobs_gets_both_verdicts() -> None:
    """Knobs draw the seed's shape directly (site1 admits, site2 denies the peer's IKE,
    site2's UDP 500 session TTL below its DPD detection time); whether agreement breaks
    still depends on the traffic and the DPD modes, so both verdicts occur, and every
    verdict is final (no search runs out of its budget)."""
    verdicts: list[api.Verdict] = []

    @settings(PROFILE, max_examples=40, derandomize=True, database=None)
    @given(
        small_scenarios(rekey=False, local_in=("admits", "denies"), ttl_vs_dpd=("any", "below-dpd"))
    )
    def check(s: GeneratedScenario) -> None:
        (result,) = api.check(s.model(), ["agreement"], max_states=30_000).results
        assert result.verdict in (api.Verdict.HOLDS, api.Verdict.VIOLATED), result.verdict
        verdicts.append(result.verdict)

    check()
    assert api.Verdict.HOLDS in verdicts and api.Verdict.VIOLATED in verdicts, verdicts
