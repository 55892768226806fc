"""Phase1s of different IKE versions never negotiate (issue 14, item 3: the generated
configs paired an IKEv1 end with an IKEv2 one about one time in four, and the tunnel
came up although lint calls it an error and real gateways never answer)."""

from __future__ import annotations

import pytest

from ipsecmc.engines.explicit.search import ExplicitEngine
from ipsecmc.engines.result import Verdict
from ipsecmc.engines.smt.engine import SmtEngine
from ipsecmc.model.events import EventKind
from ipsecmc.model.params import DpdMode
from ipsecmc.properties import load_property, parse_property
from ipsecmc.trace import replay
from ipsecmc.workflows.check import plan_for
from tests.model.helpers import small_system


@pytest.mark.parametrize("ike", [(1, 2), (2, 1), (1, 1), (2, 2)])
def test_only_equal_versions_bring_the_tunnel_up(ike: tuple[int, int]) -> None:
    system = small_system(
        dpd=(DpdMode.ON_IDLE, DpdMode.ON_IDLE),
        ike=ike,
        ttl=(10, 10),
        interval=(3, 3),
        retries=(2, 2),
        accept=(True, True),
        keylife=(None, None),
        traffic="both",
    )
    plan = plan_for(system, load_property("tunnel-comes-up"), None)
    explicit = ExplicitEngine().check(system, plan)
    smt = SmtEngine(max_depth=8, spacer=False).check(system, plan)
    mixed = ike[0] != ike[1]
    # reachable: HOLDS = a witness that the tunnel comes up; VIOLATED = proof it never does
    expected = Verdict.VIOLATED if mixed else Verdict.HOLDS
    assert explicit.verdict is expected, explicit.reason
    assert smt.verdict in (expected, Verdict.INCONCLUSIVE, Verdict.HOLDS_UP_TO), smt.reason
    if not mixed:
        return
    # what the engineer sees: the phase1 message reaches the peer and is not answered
    waiting = parse_property(
        "name: waiting\ndescription: d\nkind: invariant\nformula: p1(end_a) != CONNECTING\n",
        "waiting.prop",
    )
    found = ExplicitEngine().check(system, plan_for(system, waiting, None))
    assert found.verdict is Verdict.VIOLATED and found.path is not None
    kinds = [e.note.kind for e in replay(system, found.path).events]
    assert EventKind.VERSION_MISMATCH in kinds
    assert EventKind.ANSWERED not in kinds
