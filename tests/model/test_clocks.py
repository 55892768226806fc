"""The clock table (``ipsecmc.model.clocks``, issue 13 item 2) and what is derived from it."""

from __future__ import annotations

from ipsecmc.engines.zones.model import TIMER_FIELDS, Lifter
from ipsecmc.model import clocks
from ipsecmc.model.params import DpdMode
from ipsecmc.model.semantics import Sink
from ipsecmc.model.state import UP
from tests.model.helpers import small_system


def _system():  # type: ignore[no-untyped-def]
    return small_system(
        dpd=(DpdMode.ON_IDLE, DpdMode.DISABLE),
        ike=(1, 1),
        ttl=(3, 3),
        interval=(3, 2),
        retries=(1, 1),
        accept=(False, True),
        keylife=(None, None),
        traffic="both",
    )


def test_every_timer_field_is_in_the_table_once() -> None:
    assert len(set(clocks.CLOCK_FIELDS)) == len(clocks.CLOCK_FIELDS) == 6
    assert TIMER_FIELDS == clocks.CLOCK_FIELDS  # the zone model's clocks are the table's


def test_the_zone_model_takes_direction_and_ceiling_from_the_table() -> None:
    system = _system()
    lifter = Lifter(system.semantics)
    for i, p in enumerate(system.params.ends):
        for k, clock in enumerate(clocks.END_CLOCKS):
            index = 1 + i * len(clocks.END_CLOCKS) + k
            assert lifter.sign[index] == clock.direction
            assert lifter.ceiling[index] == clock.ceiling(p)


def test_aging_moves_running_clocks_one_second_toward_their_ceilings() -> None:
    system = _system()
    p = system.params.ends[0]
    e = system.initial().a._replace(p1=UP, sess=5, quiet=2, p1_life=0, req_timer=-1)
    aged = clocks.age(p, e)
    assert (aged.sess, aged.quiet, aged.p1_life, aged.req_timer) == (4, 3, 0, -1)
    top = e._replace(quiet=p.dpd_retryinterval)
    assert clocks.age(p, top).quiet == p.dpd_retryinterval  # stopped at the ceiling


def test_a_jump_from_quiet_zero_under_inbound_esp_is_not_a_count_up() -> None:
    """Inbound ESP resets ``quiet`` to 0 each second and the tick ages it to 1: from
    quiet 0 one tick looks like counting up, but the next leaves it at 1. A jump from
    there once moved quiet to the DPD interval (a probe while traffic flows)."""
    system = _system()
    sem = system.semantics
    state = system.initial()
    seen = 0
    for _ in range(200):
        if state.a.p2 == UP and state.b.p2 == UP and state.a.quiet == 0:
            d = sem.max_delay(state)
            choice = sem.steady_choice(state)
            if choice is not None and d >= 2:
                ticked = state
                for _ in range(d):
                    ticked = sem.tick(ticked, *choice, Sink(False))
                assert sem.delay(state, d) == ticked
            seen += 1
        nxt = system.successors(state)
        state = nxt[0][1] if nxt else system.initial()
    assert seen
