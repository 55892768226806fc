"""Folding periodic repetition in long traces, so a 12-hour witness stays readable.

The worst disagreement of the seed lasts 42,930 s, most of it site1 renegotiating every
30 s and being dropped: thousands of lines that say the same thing. A block of events
that repeats at least ``MIN_REPEATS`` times in a row with the same events (kind,
fields, text) and the same time step is shown once, followed by one line that says
how often it repeats and until when. Folding only drops lines that are identical up
to the time shift; the JSON always carries every event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ipsecmc.trace import TraceEvent

#: Fewer repetitions than this are printed in full.
MIN_REPEATS = 3
#: How far ahead (in events) a repetition of the current event is looked for.
WINDOW = 64


@dataclass(frozen=True, slots=True)
class Fold:
    """``repeats`` more copies of the ``length`` events above, every ``period`` s."""

    repeats: int
    length: int
    period: int
    first_time: int  # time of the first folded event
    last_time: int  # time of the last folded event


def _key(ev: TraceEvent) -> tuple[object, ...]:
    return (ev.gateway, ev.note, ev.in_loop)


def _same_block(events: Sequence[TraceEvent], i: int, j: int, length: int, shift: int) -> bool:
    if j + length > len(events):
        return False
    return all(
        _key(events[i + r]) == _key(events[j + r])
        and events[j + r].time - events[i + r].time == shift
        for r in range(length)
    )


def fold(events: Sequence[TraceEvent]) -> list[TraceEvent | Fold]:
    """The events with runs of a repeating block replaced by one copy and a ``Fold``."""
    out: list[TraceEvent | Fold] = []
    i, n = 0, len(events)
    while i < n:
        key = _key(events[i])
        for j in range(i + 1, min(n, i + WINDOW)):
            if _key(events[j]) != key:
                continue
            length, period = j - i, events[j].time - events[i].time
            if period <= 0:
                continue
            copies = 1
            while _same_block(events, i, i + copies * length, length, copies * period):
                copies += 1
            if copies >= MIN_REPEATS:
                out.extend(events[i:j])
                first, last = j, i + copies * length - 1
                out.append(Fold(copies - 1, length, period, events[first].time, events[last].time))
                i += copies * length
                break
        else:
            out.append(events[i])
            i += 1
    return out
