"""One paragraph, in words, of what went wrong along a counterexample.

A trace of 60 lines is exact but slow to read; the engineer on call wants the story
first ("site2's local-in policy 2 drops site1's DPD probes once ..."). The paragraph is
built only from the trace's events (their category, direction, ``dropped_by`` and
``loc``) and the final state, so it can never say something the trace does not show.
When the trace has no shape this module recognises, it falls back to the final state.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ipsecmc.errors import SourceLoc
from ipsecmc.model.state import REQ_P1, REQ_P2, REQ_REKEY_P1, REQ_REKEY_P2
from ipsecmc.model.words import DELETE_P1, DELETE_P2, IKEV1, IKEV2, PROBE
from ipsecmc.suspects import Suspect
from ipsecmc.trace import Trace, TraceEvent

_DROP = re.compile(r"^(?P<name>.+?) dropped by local-in policy (?P<id>\d+)")
_EXPIRED = re.compile(r"session with the peer expired \(TTL (?P<ttl>\d+) s")
_DEAD = re.compile(r"^link fail")

#: How a dropped packet is called in the paragraph (model packet name -> words), in the
#: words of each IKE version (``ipsecmc.model.words``).
_PLURAL = {
    IKEV1.packets[PROBE]: "DPD probes",
    IKEV1.packets[DELETE_P2]: "delete notifications",
    IKEV1.packets[DELETE_P1]: "delete notifications",
    IKEV1.packets[REQ_P1]: "new phase1 negotiations",
    IKEV1.packets[REQ_P2]: "phase2 negotiations",
    IKEV2.packets[PROBE]: "DPD liveness checks (INFORMATIONAL)",
    IKEV2.packets[DELETE_P2]: "delete notifications",
    IKEV2.packets[DELETE_P1]: "delete notifications",
    IKEV2.packets[REQ_P1]: "new IKE_SA_INIT negotiations",
    IKEV2.packets[REQ_P2]: "CREATE_CHILD_SA negotiations",
    IKEV2.packets[REQ_REKEY_P1]: "CREATE_CHILD_SA rekeys",
    IKEV2.packets[REQ_REKEY_P2]: "CREATE_CHILD_SA rekeys",
}
#: How a new negotiation of the IKE SA starts, in either version.
_NEW_IKE_SA = (IKEV1.packets[REQ_P1], IKEV2.packets[REQ_P1])


def short_loc(loc: SourceLoc) -> str:
    """``site2.conf:97``: the file name and line, enough to find it in a change request."""
    return f"{Path(loc.file).name}:{loc.line}"


def packet_name(text: str) -> str:
    """The packet kind of a ``dropped by`` note (``DPD R-U-THERE``, ``delete IKE SA``)."""
    m = _DROP.match(text)
    return m.group("name") if m else text


def _peer(names: Sequence[str], gateway: str) -> str:
    others = [n for n in names if n != gateway]
    return others[0] if others else "the peer"


def _kinds(drops: Sequence[TraceEvent]) -> list[str]:
    out: list[str] = []
    for ev in drops:
        name = packet_name(ev.note.text)
        words = _PLURAL.get(name, f"{name} packets")
        if words not in out:
            out.append(words)
    return out


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _final(trace: Trace) -> str:
    parts = [f"{g} has the tunnel {s.get('tunnel', '?')}" for g, s in trace.final_state.items()]
    return " while ".join(parts)


def explain(trace: Trace, names: Sequence[str], suspects: Sequence[Suspect] = ()) -> str:
    """The paragraph for ``trace`` of a tunnel whose two ends are ``names``; ``suspects``
    (``ipsecmc.suspects``): the address objects that made an accept policy miss the
    dropped packets, named right after the drop."""
    events = trace.events
    drops = [i for i, ev in enumerate(events) if ev.note.dropped_by is not None and ev.gateway]
    if not drops:
        return f"At the end of the trace ({trace.duration} s) {_final(trace)}."
    # The story starts once the tunnel is up: a drop before that did not stop it coming
    # up (the other side's own negotiation did), so it is not what went wrong.
    up_at = next((i for i, ev in enumerate(events) if "tunnel UP" in ev.note.text), -1)
    later = [i for i in drops if i > up_at] or drops
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
            if events[i].gateway == sender and _DEAD.match(events[i].note.text)
        ),
        None,
    )
    before_dead = [i for i in same if dead_i is None or i < dead_i]
    kinds = _kinds([events[i] for i in before_dead if "delete" not in events[i].note.text])
    head = f"{dropper}'s local-in policy {policy}{where} drops {sender}'s {_join(kinds)}"
    expiry: tuple[TraceEvent, int] | None = None
    for i in range(max(up_at, 0), first_i):
        m = _EXPIRED.search(events[i].note.text)
        if events[i].gateway == dropper and m:
            expiry = (events[i], int(m.group("ttl")))
    if expiry is not None:
        head += (
            f" once the UDP 500 session that {dropper}'s own IKE packets had opened expired "
            f"after {expiry[1]} s (at {expiry[0].time} s)"
        )
    else:
        head += f" from {first.time} s on"
    sentence = [head, *(s.sentence() for s in suspects)]
    if dead_i is not None:
        dead = events[dead_i]
        sentence.append(f"at {dead.time} s {sender} declares {dropper} dead and deletes the SA")
        if any("delete" in events[i].note.text and i > dead_i for i in same):
            sentence.append("its delete is dropped too")
        if any(events[i].note.text.startswith(_NEW_IKE_SA) and i > dead_i for i in same):
            sentence.append(f"{sender}'s attempts to negotiate a new tunnel are dropped as well")
    tail = f"at the end of the trace ({trace.duration} s) {_final(trace)}"
    if trace.loop_time is not None:
        tail += f", and from {trace.loop_time} s on this repeats forever"
    sentence.append(tail)
    return "; ".join(sentence) + "."
