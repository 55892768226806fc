"""``recoverable`` on zones at real timers (issue 12, item 2): the whole-node proof that
waits out timer cycles, the exact backward pass, and the zero-time rekey loop it exposed.

Random small-timer agreement with the one-second search is in ``test_zone_search.py``
(``test_zone_search_new_kinds_keep_verdicts``); these are the seeds at real timers, where
the one-second search cannot finish under free traffic.
"""

from __future__ import annotations

import time

from ipsecmc.engines.explicit.search import ExplicitEngine
from ipsecmc.engines.result import Budget, Plan, Verdict
from ipsecmc.engines.zones import recovery as zone_recovery
from ipsecmc.engines.zones.engine import ZoneSearch
from ipsecmc.fortios.topology import load_scenario
from ipsecmc.model.semantics import Sink
from ipsecmc.model.state import REQ_REKEY_P2, UP
from ipsecmc.model.system import TransitionSystem
from ipsecmc.systems import build
from tests.model.helpers import MODELS

ENGINEER = MODELS.parent / "tests" / "engineer_data"


def _free(name: str) -> TransitionSystem:
    """A seed under free traffic with its real timers and keylives."""
    return build(load_scenario([str(MODELS / name)]).tunnels[0], "any", rekey=True)


def _recoverable() -> Plan:
    return Plan(
        "recoverable", "recoverable", lambda s: s.a.p2 == UP == s.b.p2, None, frozenset({"up"})
    )


def test_seed_intended_recovers_only_by_waiting_for_the_rekey_and_that_is_proved() -> None:
    """site1 retries every few seconds for up to 43,200 s until site2's phase2 rekey: the
    exact pass needs a round per retry; the whole-node proof sees that site2's keylife
    runs through the retry loop without a reset, so the loop cannot last."""
    result = ExplicitEngine(Budget(cpu_seconds=600)).check(_free("seed-intended"), _recoverable())
    assert result.verdict is Verdict.HOLDS
    assert "waiting out timer cycles" in result.reason


def test_whole_node_proof_and_exact_pass_agree_on_seed_fixed() -> None:
    system = _free("seed-fixed")
    search = ZoneSearch(system, _recoverable(), Budget(), None, time.perf_counter())
    assert search.run() is not None
    assert zone_recovery.all_won(search)
    assert zone_recovery._unrecoverable(search) is None


def test_both_keylives_ending_together_do_not_loop_in_zero_time() -> None:
    """Found by the zone recovery on seed-intended under free traffic: with the phase1 and
    phase2 keylives at 0 in the same second, each rekey replaced the other's pending
    request, forever, and time could not pass. The phase1 rekey now waits for the
    phase2 rekey's exchange to end."""
    system = _free("seed-fixed")
    sem = system.semantics
    s = system.initial()
    end = s.b._replace(p1=UP, p2=UP, p1_life=0, p2_life=0)
    state = s.with_end(1, end)
    assert sem.due(state, 1) == "p2_keylife"
    after = sem._handlers["p2_keylife"](state, 1, Sink(False))
    for outcome in after:
        b = outcome.state.b
        if b.req == REQ_REKEY_P2:  # still pending: the phase1 rekey must wait
            assert sem.due(outcome.state, 1) != "p1_keylife"


def test_zone_monitor_maximum_is_the_bisected_longest_stretch() -> None:
    """The zone search's monitor maximum (one search) bounds what bisection over the bound
    finds (many searches): 21 s on the IKEv2 pair of issue 12, item 5."""
    from dataclasses import replace

    from ipsecmc.workflows.longest import longest_stretch

    tunnel = load_scenario([str(ENGINEER / "ikev2-localin")]).tunnels[0]
    system = build(tunnel, "any", rekey=True)
    plan = Plan("agreement", "bounded", lambda s: s.a.p2 != s.b.p2, 206, frozenset({"up"}))
    engine = ExplicitEngine(Budget())
    result = engine.check(system, plan)
    assert result.verdict is Verdict.HOLDS and result.monitor_max is not None
    # exact from exact zones, an upper bound from hulls (this pair needs hulls)
    assert result.monitor_max == 21 if result.monitor_exact else result.monitor_max >= 21
    bisected = longest_stretch(
        plan, replace(result, monitor_max=None), lambda p: engine.check(system, p)
    )
    assert bisected is not None and (bisected.seconds, bisected.exact) == (21, True)
