"""Issue 13 acceptance: adding a behaviour touches the semantics only, not the engines.

``Reboots`` is a test-only behaviour written as a subclass of the reference semantics:
when an end's DPD would probe, the gateway may instead crash and restart (its SAs,
session and DPD state lost, as at boot; the peer keeps its stale SAs). It is one more
outcome of an urgent event, which ``Semantics.handle`` already returns as a list. No
engine has a line for it: the explicit search, the zone search and the z3 engine (whose
relation is derived from ``handle`` by symbolic execution) read it from the system they
are given, and must agree with each other on it, as they do on the reference behaviour.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ipsecmc.engines.explicit.search import ExplicitEngine
from ipsecmc.engines.result import Verdict
from ipsecmc.engines.smt.engine import SmtEngine
from ipsecmc.model.events import Urgent
from ipsecmc.model.params import DpdMode
from ipsecmc.model.semantics import Outcome, Semantics, Sink
from ipsecmc.model.state import State
from ipsecmc.model.system import TransitionSystem
from ipsecmc.properties import load_property, parse_property
from ipsecmc.workflows.check import plan_for
from tests.model.helpers import drawn, small_system, small_system_strategies


class Reboots(Semantics):
    """The reference behaviour, plus: at its DPD event an end may reboot instead."""

    def handle(self, kind: str, state: State, i: int, sink: Sink) -> list[Outcome]:
        outcomes = super().handle(kind, state, i, sink)
        if kind != Urgent.DPD:
            return outcomes
        rebooted = state.with_end(i, self.initial().end(i))
        return [*outcomes, Outcome(rebooted, ())]


def _pair(system: TransitionSystem) -> tuple[TransitionSystem, TransitionSystem]:
    return system, system.with_semantics(Reboots)


STALE = parse_property(
    "name: stale\ndescription: the peer keeps its tunnel while this end has no IKE SA\n"
    "kind: reachable\nformula: up(end_b) and p1(end_a) == DOWN\n",
    "stale.prop",
)


def test_a_reboot_is_an_outcome_every_engine_sees() -> None:
    """On a tunnel whose peer has DPD off, no state of the reference behaviour has end a
    without an IKE SA while b's tunnel is up; with reboots one is reachable (b keeps its
    stale SAs). The explicit engine (zones and one-second search alike) and z3 all find
    it, none by a line of its own, and the witness takes the reboot outcome."""
    system = small_system(
        dpd=(DpdMode.ON_IDLE, DpdMode.DISABLE),
        ike=(1, 1),
        ttl=(30, 30),
        interval=(5, 5),
        retries=(2, 2),
        accept=(True, True),
        keylife=(None, None),
        traffic="any",
    )
    reference, rebooting = _pair(system)
    plan = plan_for(rebooting, STALE, None)  # type: ignore[arg-type]
    assert ExplicitEngine().check(reference, plan).verdict is Verdict.VIOLATED  # unreachable
    found = ExplicitEngine().check(rebooting, plan)
    assert found.verdict is Verdict.HOLDS and found.path is not None  # a witness
    assert any(
        label.kind == Urgent.DPD
        and label.arg == len(reference.semantics.handle(Urgent.DPD, state, label.end, Sink(False)))
        for label, state in _labels_and_states(rebooting, found.path.labels)
    ), "the witness does not use the reboot"
    assert ExplicitEngine(zones=False).check(rebooting, plan).verdict is Verdict.HOLDS
    smt = SmtEngine(max_depth=30, induction=False).check(rebooting, plan)
    assert smt.verdict is Verdict.HOLDS
    assert SmtEngine(max_depth=30, induction=False).check(reference, plan).verdict in (
        Verdict.INCONCLUSIVE,
        Verdict.VIOLATED,
    )


def _labels_and_states(
    system: TransitionSystem, labels: tuple[object, ...]
) -> list[tuple[object, State]]:
    state, out = system.initial(), []
    for label in labels:
        out.append((label, state))
        state = system.replay_step(state, label).state  # type: ignore[arg-type]
    return out


@drawn(15)
@given(
    st.fixed_dictionaries(
        small_system_strategies(
            ttl=(4, 12), interval=(2, 5), keylives=[None], traffic=["none", "both", "any"]
        )
    ),
    st.integers(0, 12),
)
def test_engines_agree_on_the_added_behaviour(kwargs: dict[str, object], bound: int) -> None:
    """Random small tunnels with reboots: the one-second search, the zone search (where
    it applies) and z3's BMC agree (z3 to 6 steps: a violation it finds is one the
    explicit engine finds; a shortest one within 6 steps it must find)."""
    system = small_system(**kwargs).with_semantics(Reboots)  # type: ignore[arg-type]
    plan = plan_for(system, load_property("agreement"), bound)  # type: ignore[arg-type]
    explicit = ExplicitEngine().check(system, plan)
    seconds = ExplicitEngine(zones=False).check(system, plan)
    assert explicit.verdict is seconds.verdict
    smt = SmtEngine(max_depth=6, induction=False, past_depth=False).check(system, plan)
    if smt.verdict is Verdict.VIOLATED:
        assert explicit.verdict is Verdict.VIOLATED
    elif explicit.verdict is Verdict.VIOLATED and explicit.path is not None:
        assert smt.verdict is Verdict.HOLDS_UP_TO
