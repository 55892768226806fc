"""Counterexamples as sequence diagrams: the step model shared with the SVG renderer,
and Mermaid text (``ipsecmc check --format mermaid``).

A trace is a list of per-gateway notes; a sequence diagram wants messages between
lifelines. ``sequence_steps`` pairs each ``SENT`` event with what happened to that
packet at the peer (accepted, or dropped by a local-in policy) so that a drop becomes a
crossed arrow, and turns the remaining notes (session expiry, SA state, DPD) into notes
on a lifeline. It reads the events' kinds and fields (``ipsecmc.model.events``), never
their sentences; arrow labels come from ``words.message_name``. Mermaid has no time
axis, so every message carries its time and idle stretches become one "... N s later
..." note.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ipsecmc.engines.result import Verdict
from ipsecmc.errors import SourceLoc
from ipsecmc.model.events import RECEIVED, EventKind
from ipsecmc.model.words import message_name
from ipsecmc.render.explain import short_loc
from ipsecmc.trace import Trace
from ipsecmc.workflows.check import CheckReport, PropertyResult

#: Gaps of at least this many seconds between two steps are drawn as an idle break.
IDLE_GAP = 30


@dataclass(frozen=True)
class Message:
    """A packet from ``src`` to ``dst``; ``dropped_by`` is the local-in policy that ate it."""

    time: int
    src: str
    dst: str
    label: str
    kind: str  # "ike" or "esp"
    dropped_by: int | None
    dropped_why: str
    loc: SourceLoc | None
    in_loop: bool


@dataclass(frozen=True)
class Mark:
    """Something that happened on one lifeline (``gateway`` None: the environment)."""

    time: int
    gateway: str | None
    text: str
    kind: str  # session, sa, dpd, traffic, ike
    in_loop: bool
    event: EventKind  # what happened (``kind`` is its category)


Step = Message | Mark


def _other(names: Sequence[str], gateway: str) -> str:
    return next((n for n in names if n != gateway), gateway)


def sequence_steps(trace: Trace, names: Sequence[str]) -> list[Step]:
    """The trace as messages and marks, in order; accepted-packet notes are folded in."""
    events = trace.events
    used: set[int] = set()
    steps: list[Step] = []
    for i, ev in enumerate(events):
        if i in used:
            continue
        note, gw = ev.note, ev.gateway
        if gw is not None and note.kind in (EventKind.SENT, EventKind.ANSWERED):
            sent = note.kind is EventKind.SENT
            dst = _other(names, gw)
            dropped_by: int | None = None
            why = ""
            loc: SourceLoc | None = None
            if sent:
                for j in range(i + 1, len(events)):
                    nxt = events[j]
                    if nxt.time != ev.time or nxt.note.direction == ">":
                        break
                    if nxt.gateway == dst and nxt.note.direction == "<":
                        if nxt.note.kind in RECEIVED:
                            used.add(j)
                            dropped_by = nxt.note.dropped_by
                            loc = nxt.note.loc
                            if dropped_by is not None:
                                why = f"dropped by {nxt.note.rule_name}"
                        break
            steps.append(
                Message(
                    ev.time,
                    gw,
                    dst,
                    message_name(note) if sent else f"{message_name(note)} (answer)",
                    "ike",
                    dropped_by,
                    why,
                    loc,
                    ev.in_loop,
                )
            )
            continue
        if gw is not None and note.kind is EventKind.ESP_DROPPED:
            steps.append(
                Message(
                    ev.time,
                    _other(names, gw),
                    gw,
                    "ESP",
                    "esp",
                    None,
                    "dropped: unknown SPI",
                    None,
                    ev.in_loop,
                )
            )
            continue
        steps.append(Mark(ev.time, gw, note.text, note.category, ev.in_loop, note.kind))
    return steps


def _esc(text: str) -> str:
    """Mermaid message text: ``#`` and ``;`` start entity codes / statements there."""
    table = {"#": "#35;", ";": "#59;", "\n": " "}
    return "".join(table.get(c, c) for c in text)


def _participant(name: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name) or "gw"


def mermaid_for(r: PropertyResult) -> str:
    """One ``sequenceDiagram`` for the trace of ``r`` (which must have a trace)."""
    assert r.trace is not None
    names = r.system.names
    ids = {n: _participant(n) for n in names}
    out = [
        f"%% ipsecmc: tunnel {r.tunnel.name}, property {r.prop.name}: {r.verdict.value}",
        "sequenceDiagram",
    ]
    out.extend(f"    participant {ids[n]} as {_esc(n)}" for n in names)
    span = f"{ids[names[0]]},{ids[names[-1]]}"
    last_time: int | None = None
    in_loop = False
    for step in sequence_steps(r.trace, names):
        if step.in_loop and not in_loop:
            out.append(f"    loop repeats every {r.trace.loop_duration} s")
            in_loop = True
        ind = "        " if in_loop else "    "
        if last_time is not None and step.time - last_time >= IDLE_GAP:
            out.append(f"{ind}Note over {span}: ... {step.time - last_time} s later ...")
        last_time = step.time
        t = f"[{step.time} s] "
        if isinstance(step, Message):
            if step.dropped_by is not None or step.dropped_why:
                where = f" ({short_loc(step.loc)})" if step.loc is not None else ""
                label = f"{t}{step.label} - {step.dropped_why}{where}"
                out.append(f"{ind}{ids[step.src]}-x{ids[step.dst]}: {_esc(label)}")
            else:
                arrow = "-)" if step.kind == "esp" else "->>"
                out.append(f"{ind}{ids[step.src]}{arrow}{ids[step.dst]}: {_esc(t + step.label)}")
        elif step.gateway is None:
            out.append(f"{ind}Note over {span}: {_esc(t + step.text)}")
        else:
            out.append(f"{ind}Note over {ids[step.gateway]}: {_esc(t + step.text)}")
    if in_loop:
        out.append("    end")
    final = "; ".join(f"{g}: tunnel {s.get('tunnel')}" for g, s in r.trace.final_state.items())
    out.append(f"    Note over {span}: {_esc('final state: ' + final)}")
    return "\n".join(out) + "\n"


def render_mermaid(report: CheckReport) -> str:
    """Every counterexample of ``report``, one ``sequenceDiagram`` block each.

    A Mermaid file holds one diagram; several counterexamples are separated by a ``%%``
    comment line so that each block can be pasted on its own.
    """
    blocks = [
        mermaid_for(r)
        for r in report.results
        if r.verdict is Verdict.VIOLATED and r.trace is not None
    ]
    if not blocks:
        return "%% ipsecmc: no counterexample: no property is VIOLATED\n"
    return "\n".join(blocks)
