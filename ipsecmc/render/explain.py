"""One paragraph, in words, of what went wrong along a counterexample.

A trace of 60 lines is exact but slow to read; the engineer on call wants the story
first ("site2's local-in policy 2 drops site1's DPD probes once ..."). The paragraph is
built only from the trace's events (their ``EventKind`` and typed fields: packet,
policy, seconds, ``loc``; never their sentences) and the final state, so it can never
say something the trace does not show, and rewording a trace line cannot change it. The
packet kinds are named in the words of the IKE version that sent them
(``words.plural``). When the trace has no shape this module recognises, it falls back to
the final state.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ipsecmc.errors import SourceLoc
from ipsecmc.model.events import EventKind, Packet
from ipsecmc.model.words import message_name, plural
from ipsecmc.trace import Trace, TraceEvent, lead_drops, tunnel_up_at
from ipsecmc.workflows.suspects import Suspect


def short_loc(loc: SourceLoc) -> str:
    """``site2.conf:97``: the file name and line, enough to find it in a change request."""
    return f"{Path(loc.file).name}:{loc.line}"


def _peer(names: Sequence[str], gateway: str) -> str:
    others = [n for n in names if n != gateway]
    return others[0] if others else "the peer"


def _kinds(drops: Sequence[TraceEvent]) -> list[str]:
    out: list[str] = []
    for ev in drops:
        words = plural(ev.note)
        if words not in out:
            out.append(words)
    return out


def _is_delete(ev: TraceEvent) -> bool:
    return ev.note.packet is not None and ev.note.packet.is_delete


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _final(trace: Trace) -> str:
    parts = [f"{g} has the tunnel {s.get('tunnel', '?')}" for g, s in trace.final_state.items()]
    return " while ".join(parts)


def _fault(events: Sequence[TraceEvent], names: Sequence[str]) -> str | None:
    """What the first injected fault of the trace did (``--faults``), if it has one."""
    ev = next((e for e in events if e.note.kind.category == "fault"), None)
    if ev is None:
        return None
    at = ev.gateway or "?"
    peer = _peer(names, at)
    kind = ev.note.kind
    if kind is EventKind.REBOOTED:
        return (
            f"{at} reboots at {ev.time} s (an injected fault) and loses its SAs; "
            f"{peer} keeps its own"
        )
    if kind is EventKind.FLUSHED:
        return (
            f"an admin flushes the tunnel at {at} at {ev.time} s (an injected fault); "
            f"{peer} keeps its SAs"
        )
    if kind is EventKind.PACKET_LOST:
        return (
            f"{peer}'s {message_name(ev.note)} to {at} is lost at {ev.time} s (an injected fault)"
        )
    return (
        f"the answer to {at}'s {message_name(ev.note)} is lost at {ev.time} s (an injected fault)"
    )


def explain(trace: Trace, names: Sequence[str], suspects: Sequence[Suspect] = ()) -> str:
    """The paragraph for ``trace`` of a tunnel whose two ends are ``names``; ``suspects``
    (``ipsecmc.workflows.suspects``): the address objects that made an accept policy miss the
    dropped packets, named right after the drop."""
    events = trace.events
    fault = _fault(events, names)
    # The story starts once the tunnel is up: a drop before that did not stop it coming
    # up (the other side's own negotiation did), so it is not what went wrong.
    later = lead_drops(events)
    if not later:
        end = f"at the end of the trace ({trace.duration} s) {_final(trace)}."
        return f"{fault}; {end}" if fault else end[0].upper() + end[1:]
    up_at = tunnel_up_at(events)
    first_i = later[0]
    first = events[first_i]
    dropper = first.gateway or "?"
    sender = _peer(names, dropper)
    policy = first.note.dropped_by
    where = f" ({short_loc(first.note.loc)})" if first.note.loc is not None else ""
    same = [
        i for i in later if events[i].gateway == dropper and events[i].note.dropped_by == policy
    ]
    dead_i = next(
        (
            i
            for i in range(first_i, len(events))
            if events[i].gateway == sender and events[i].note.kind is EventKind.PEER_DEAD
        ),
        None,
    )
    before_dead = [i for i in same if dead_i is None or i < dead_i]
    kinds = _kinds([events[i] for i in before_dead if not _is_delete(events[i])])
    rule = first.note.rule_name
    by = f"{rule} on {dropper}" if first.note.rule else f"{dropper}'s {rule}"
    head = f"{by}{where} drops {sender}'s {_join(kinds)}"
    expiry: tuple[TraceEvent, int] | None = None
    for i in range(max(up_at, 0), first_i):
        note = events[i].note
        if events[i].gateway == dropper and note.kind is EventKind.SESSION_EXPIRED:
            assert note.seconds is not None  # a session that expires has a TTL
            expiry = (events[i], note.seconds)
    if expiry is not None:
        head += (
            f" once the UDP 500 session that {dropper}'s own IKE packets had opened expired "
            f"after {expiry[1]} s (at {expiry[0].time} s)"
        )
    else:
        head += f" from {first.time} s on"
    sentence = [*([fault] if fault else []), head, *(s.sentence() for s in suspects)]
    if dead_i is not None:
        dead = events[dead_i]
        sentence.append(f"at {dead.time} s {sender} declares {dropper} dead and deletes the SA")
        if any(_is_delete(events[i]) and i > dead_i for i in same):
            sentence.append("its delete is dropped too")
        if any(events[i].note.packet is Packet.P1 and i > dead_i for i in same):
            sentence.append(f"{sender}'s attempts to negotiate a new tunnel are dropped as well")
    tail = f"at the end of the trace ({trace.duration} s) {_final(trace)}"
    if trace.loop_time is not None:
        tail += f", and from {trace.loop_time} s on this repeats forever"
    sentence.append(tail)
    return "; ".join(sentence) + "."
