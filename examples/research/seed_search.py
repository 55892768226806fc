"""The search the research tests and ``find_seed_rate.py`` share: Hypothesis draws random
small scenarios and checks agreement on each; the first VIOLATED draw fails the test and
Hypothesis shrinks it. Only ``ipsecmc.api`` and ``ipsecmc.strategies`` are used.

Nothing points the search at the seed: ``min_rules=(0, 0)`` (no local-in table is
required on either side, so the simplest draw, which Hypothesis always tries first, is
two gateways without tables, where agreement holds), every knob left at ``"any"``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from hypothesis import given, seed, settings

from ipsecmc import api
from ipsecmc.strategies import PROFILE, GeneratedScenario, small_scenarios

#: Random small scenarios, no rekey (so that every draw can be saved as a folder).
RANDOM_SCENARIOS = small_scenarios(rekey=False, min_rules=(0, 0))


@dataclass
class Search:
    """What one search saw: draws checked, the draw number of the first violation, the
    last (shrunk) failing scenario and its agreement result."""

    draws: int = 0
    first_violation: int | None = None
    scenario: GeneratedScenario | None = None
    result: api.PropertyResult | None = None


def agreement_search(hypothesis_seed: int | None, max_examples: int = 200) -> Search:
    """Run the search (``hypothesis_seed=None``: derandomized, as in the test suite)."""
    found = Search()

    @settings(
        PROFILE,
        max_examples=max_examples,
        database=None,
        derandomize=hypothesis_seed is None,
    )
    @given(RANDOM_SCENARIOS)
    def agreement_holds(s: GeneratedScenario) -> None:
        found.draws += 1
        (result,) = api.check(s.model(), ["agreement"], max_states=30_000).results
        if result.verdict is api.Verdict.VIOLATED:
            if found.first_violation is None:
                found.first_violation = found.draws
            found.scenario, found.result = s, result
            raise AssertionError(f"agreement VIOLATED:\n{s.short()}")

    test = agreement_holds if hypothesis_seed is None else seed(hypothesis_seed)(agreement_holds)
    with contextlib.suppress(AssertionError):  # the violation: recorded in ``found``
        test()
    return found


def seed_shape(s: GeneratedScenario, result: api.PropertyResult) -> str | None:
    """``None`` when the counterexample is the seed's, else why not: one end's local-in
    denies the peer's IKE while the other admits it, and along the trace the denying end's
    UDP 500 session expires, after which its local-in drops the peer's IKE (a DPD probe,
    a delete, a negotiation) that the session would have let through."""
    ends = s.system().params.ends
    verdicts = [[a.accepted for a in e.admissions] for e in ends]
    deniers = [e.name for e, v in zip(ends, verdicts, strict=True) if v == [False]]
    admitters = [e.name for e, v in zip(ends, verdicts, strict=True) if v == [True]]
    if len(deniers) != 1 or len(admitters) != 1:
        return f"local-in verdicts {verdicts}: expected one end denying, one admitting"
    denier = deniers[0]
    assert result.trace is not None
    expired = None
    for i, event in enumerate(result.trace.events):
        if event.gateway != denier:
            continue
        kind = event.note.kind.value
        if kind == "session_expired" and expired is None:
            expired = i
        if kind == "dropped" and event.note.policy is not None and expired is not None:
            return None
    return f"no drop by {denier}'s local-in after its UDP 500 session expired"
