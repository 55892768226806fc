"""Folding repeated trace blocks keeps the first copy and says how often it repeats."""

from __future__ import annotations

from ipsecmc.model.events import EventKind, Note
from ipsecmc.render.fold import Fold, fold
from ipsecmc.trace import TraceEvent


def ev(time: int, text: str) -> TraceEvent:
    return TraceEvent(time, "site1", Note(0, EventKind.STARTS, text), False)


def test_a_block_repeating_every_period_is_folded() -> None:
    events = [ev(0, "start")]
    for k in range(5):
        events += [ev(10 + 30 * k, "send #1"), ev(20 + 30 * k, "send #2")]
    events.append(ev(200, "end"))
    out = fold(events)
    assert out[:3] == events[:3]
    assert out[3] == Fold(repeats=4, length=2, period=30, first_time=40, last_time=140)
    assert out[4:] == [events[-1]]


def test_two_copies_or_irregular_times_are_not_folded() -> None:
    twice = [ev(0, "a"), ev(5, "a")]
    assert fold(twice) == twice
    irregular = [ev(0, "a"), ev(5, "a"), ev(7, "a"), ev(20, "a")]
    assert fold(irregular) == irregular
