"""Traces: an engine's path of labels, replayed through the model with what happened.

Every path an engine returns is replayed here before anything is shown; a step the
model does not accept is an ``InternalError`` (an engine bug), never a result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ipsecmc.engines.result import Path
from ipsecmc.errors import InternalError
from ipsecmc.model.semantics import Label, Note
from ipsecmc.model.state import State
from ipsecmc.model.system import TransitionSystem


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One line of a trace: model time, the gateway (or ``None`` for the environment),
    what happened, and ``after``: the model state once the step that caused it is done
    (``TransitionSystem.describe`` puts it in words).

    Timestamp rule: ``time`` is the model seconds elapsed before that step. Zero-time
    events (packets, SAs coming up or down) carry the time of the second they happen
    in; the notes of a one-second tick (host traffic of that second, a session or
    keylife running out at its end) carry the time at the tick's start, so an event at
    ``t`` happened in the second [t, t+1)."""

    time: int
    gateway: str | None
    note: Note
    in_loop: bool
    after: State | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Trace:
    """What happened along a path, with the lasso's loop marked (``loop_time``)."""

    events: tuple[TraceEvent, ...]
    duration: int  # model seconds covered by the path
    loop_time: int | None  # model time at which the repeating part starts
    loop_duration: int | None
    final_state: dict[str, dict[str, object]]
    steps: int
    #: The engine's path this trace replays (``None`` for a trace read back from JSON
    #: without its path): what ``ipsecmc.workflows.trace_json`` replays again.
    path: Path | None = field(default=None, compare=False)


def replay(system: TransitionSystem, path: Path) -> Trace:
    """Re-execute ``path`` from the initial state, collecting notes; check every step."""
    state: State = system.initial()
    now = 0
    events: list[TraceEvent] = []
    loop_time: int | None = None
    for position, label in enumerate(path.labels):
        if path.loop_start is not None and position == path.loop_start:
            loop_time = now
        in_loop = loop_time is not None
        try:
            outcome = system.replay_step(state, label)
        except ValueError as exc:
            raise InternalError(
                f"engine path does not replay at step {position} ({_label_text(label)}): {exc}"
            ) from exc
        for note in outcome.notes:
            gateway = system.names[note.end] if note.end >= 0 else None
            events.append(TraceEvent(now, gateway, note, in_loop, outcome.state))
        state = outcome.state
        if label.kind == "tick":
            now += 1
        elif label.kind == "delay":
            now += label.arg
    return Trace(
        events=tuple(events),
        duration=now,
        loop_time=loop_time,
        loop_duration=None if loop_time is None else now - loop_time,
        final_state=system.describe(state),
        steps=len(path.labels),
        path=path,
    )


def tunnel_up_at(events: Sequence[TraceEvent]) -> int:
    """Index of the first event where an end's IPsec SA came up (-1: never)."""
    return next((i for i, ev in enumerate(events) if ev.note.tunnel_up), -1)


def lead_drops(events: Sequence[TraceEvent]) -> list[int]:
    """Indices of the local-in drops a report leads with: those after the tunnel first
    came up (a drop before that did not stop it coming up), else all of them."""
    up_at = tunnel_up_at(events)
    drops = [i for i, ev in enumerate(events) if ev.note.dropped_by is not None and ev.gateway]
    return [i for i in drops if i > up_at] or drops


def _label_text(label: Label) -> str:
    return f"{label.kind} end={label.end} arg={label.arg}"
