"""The sentences of a trace: each event's typed fields, in the words of an IKE version.

An engineer reads a trace against ``diagnose debug application ike`` and the RFCs: an
IKEv1 tunnel has phase1 (main/aggressive mode), phase2 quick mode and DPD R-U-THERE
notifications; an IKEv2 tunnel has the IKE_SA_INIT and IKE_AUTH exchanges, CREATE_CHILD_SA
for a new or rekeyed IPsec SA and for an IKE SA rekey, and INFORMATIONAL exchanges for
liveness checks (DPD) and deletes (RFC 7296 1.2-1.4). The model's events are the same for
both versions (``Label`` kinds, ``EventKind``s and JSON fields do not change); only the
text does, chosen by the IKE version of the end that started the exchange.

This module is the only place that turns an event into English (``phrase``, and the
packet names renderers print: ``message_name``, ``plural``). Nothing reads meaning back
out of the text: consumers match ``ipsecmc.model.events.Note`` fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ipsecmc.model.events import DELETE_P1, DELETE_P2, PROBE, EventKind, Note, Packet, Sa
from ipsecmc.model.params import DpdMode, EndParams
from ipsecmc.model.state import REQ_P1, REQ_P2, REQ_REKEY_P1, REQ_REKEY_P2

__all__ = [
    "DELETE_P1",
    "DELETE_P2",
    "IKEV1",
    "IKEV2",
    "PROBE",
    "Words",
    "message_name",
    "naming_end",
    "phrase",
    "plural",
    "words",
]


@dataclass(frozen=True, slots=True)
class Words:
    """The trace's words for one IKE version."""

    #: message kind (REQ_*, PROBE, DELETE_*) -> its name in ``send X``, ``X dropped by``
    packets: Mapping[int, str]
    #: what the responder's answer is called, per message kind it answers
    answers: Mapping[int, str]
    #: message kind -> the explanation's plural ("DPD probes", "delete notifications")
    plurals: Mapping[int, str]
    #: a DPD probe in the plural: "DPD probes" / "liveness checks"
    probes: str
    #: the new phase1 from the peer replaced the old SAs: until when the tunnel is down
    replaced: str
    #: an SA's keylife ended and the end rekeys it
    keylife: Mapping[Sa, str]


IKEV1 = Words(
    packets=MappingProxyType(
        {
            REQ_P1: "IKE phase1 negotiation",
            REQ_P2: "IKE phase2 (quick mode) negotiation",
            REQ_REKEY_P1: "IKE phase1 rekey",
            REQ_REKEY_P2: "IKE phase2 rekey",
            PROBE: "DPD R-U-THERE",
            DELETE_P2: "delete IPsec SA",
            DELETE_P1: "delete IKE SA",
        }
    ),
    answers=MappingProxyType(
        {
            REQ_P1: "phase1 negotiation",
            REQ_REKEY_P1: "phase1 rekey",
            REQ_P2: "phase2 negotiation",
            REQ_REKEY_P2: "phase2 negotiation",
            PROBE: "DPD R-U-THERE-ACK",
        }
    ),
    plurals=MappingProxyType(
        {
            REQ_P1: "new phase1 negotiations",
            REQ_P2: "phase2 negotiations",
            REQ_REKEY_P1: "IKE phase1 rekey packets",
            REQ_REKEY_P2: "IKE phase2 rekey packets",
            PROBE: "DPD probes",
            DELETE_P2: "delete notifications",
            DELETE_P1: "delete notifications",
        }
    ),
    probes="DPD probes",
    replaced="tunnel DOWN until phase2 is negotiated",
    keylife=MappingProxyType(
        {
            Sa.IKE: "phase1 keylife reached: rekeying the IKE SA",
            Sa.IPSEC: "phase2 keylife reached: rekeying the IPsec SA",
        }
    ),
)

IKEV2 = Words(
    packets=MappingProxyType(
        {
            REQ_P1: "IKE_SA_INIT",
            REQ_P2: "CREATE_CHILD_SA (new IPsec SA)",
            REQ_REKEY_P1: "CREATE_CHILD_SA (IKE SA rekey)",
            REQ_REKEY_P2: "CREATE_CHILD_SA (IPsec SA rekey)",
            PROBE: "INFORMATIONAL (DPD liveness check)",
            DELETE_P2: "INFORMATIONAL (delete IPsec SA)",
            DELETE_P1: "INFORMATIONAL (delete IKE SA)",
        }
    ),
    answers=MappingProxyType(
        {
            REQ_P1: "IKE_SA_INIT and IKE_AUTH",
            REQ_REKEY_P1: "CREATE_CHILD_SA (IKE SA rekey)",
            REQ_P2: "CREATE_CHILD_SA",
            REQ_REKEY_P2: "CREATE_CHILD_SA",
            PROBE: "INFORMATIONAL (liveness check)",
        }
    ),
    plurals=MappingProxyType(
        {
            REQ_P1: "new IKE_SA_INIT negotiations",
            REQ_P2: "CREATE_CHILD_SA negotiations",
            REQ_REKEY_P1: "CREATE_CHILD_SA rekeys",
            REQ_REKEY_P2: "CREATE_CHILD_SA rekeys",
            PROBE: "DPD liveness checks (INFORMATIONAL)",
            DELETE_P2: "delete notifications",
            DELETE_P1: "delete notifications",
        }
    ),
    probes="DPD liveness checks (INFORMATIONAL)",
    replaced="tunnel DOWN until a CREATE_CHILD_SA brings a new IPsec SA",
    keylife=MappingProxyType(
        {
            Sa.IKE: "IKE SA lifetime reached: rekeying it with CREATE_CHILD_SA",
            Sa.IPSEC: "IPsec SA (child SA) lifetime reached: rekeying it with CREATE_CHILD_SA",
        }
    ),
)


def words(ike_version: int) -> Words:
    """The words of ``ike_version`` (1 or 2)."""
    return IKEV2 if ike_version == 2 else IKEV1


#: Events named in the words of the peer of the end they happen at: the peer started
#: the exchange (its packet arrives, is answered, or its new IKE SA replaces ours).
_PEER_NAMED = frozenset(
    {
        EventKind.SESSION_MATCH,
        EventKind.ADMITTED,
        EventKind.DROPPED,
        EventKind.IGNORED,
        EventKind.VERSION_MISMATCH,
        EventKind.ANSWERED,
        EventKind.SA_REPLACED,
        EventKind.PACKET_LOST,
    }
)


def naming_end(kind: EventKind, end: int) -> int:
    """The end whose IKE version names event ``kind`` at ``end``."""
    return 1 - end if kind in _PEER_NAMED and end >= 0 else end


def message_name(note: Note) -> str:
    """The packet as a ``send`` or ``answers`` line names it (``DPD R-U-THERE 1/3``,
    ``IKE phase1 negotiation #2``, ``phase1 negotiation`` for an answer)."""
    assert note.packet is not None
    w = words(note.ike_version)
    if note.kind is EventKind.ANSWERED:
        return w.answers[note.packet]
    name = w.packets[note.packet]
    if note.attempts is not None:
        return f"{name} {note.attempt}/{note.attempts}"
    if note.attempt is not None:
        return f"{name} #{note.attempt}"
    return name


def plural(note: Note) -> str:
    """The packet kind of ``note`` in the plural, for the explanation paragraph."""
    assert note.packet is not None
    return words(note.ike_version).plurals[note.packet]


#: Events whose sentence depends only on which SA they concern.
_SA_EVENTS: dict[EventKind, dict[Sa, str]] = {
    EventKind.SA_UP: {Sa.IKE: "IKE SA UP", Sa.IPSEC: "IPsec SA UP (tunnel UP)"},
    EventKind.SA_DOWN: {Sa.IKE: "IKE SA down", Sa.IPSEC: "IPsec SA down (tunnel DOWN)"},
    EventKind.SA_DELETED: {Sa.IKE: "IKE SA deleted", Sa.IPSEC: "IPsec SA deleted (tunnel DOWN)"},
    EventKind.SA_DELETED_BY_PEER: {
        Sa.IKE: "IKE SA deleted by the peer",
        Sa.IPSEC: "IPsec SA deleted by the peer (tunnel DOWN)",
    },
}


def _ttl_text(p: EndParams) -> str:
    return "never expires" if p.session_ttl is None else f"{p.session_ttl} s"


def phrase(note: Note, ends: tuple[EndParams, EndParams], reason: str = "") -> str:
    """The sentence of ``note`` (its ``text`` is ignored) at a tunnel with ``ends``;
    ``reason``: the local-in evaluation's own words for a drop."""
    kind, end = note.kind, note.end
    if kind is EventKind.TRAFFIC_CHANGES:
        return "traffic pattern changes"
    me, peer = ends[end], ends[1 - end]
    w = words(note.ike_version)
    name = w.packets[note.packet] if note.packet is not None else ""
    sa = note.sa or Sa.IPSEC
    if kind is EventKind.STARTS:
        return f"starts {name}"
    if kind is EventKind.SENT:
        return f"send {message_name(note)}: {me.address}:500 -> {peer.address}:500"
    if kind is EventKind.ANSWERED:
        return f"answers {message_name(note)}: {me.address}:500 -> {peer.address}:500"
    if kind is EventKind.SESSION_MATCH:
        return (
            f"{name} matches the existing UDP 500 session: accepted, "
            f"session refreshed to {_ttl_text(me)}"
        )
    if kind is EventKind.ADMITTED:
        via = note.rule_name + (" (IKE allowed)" if note.policy is None and not note.rule else "")
        return f"{name}: no UDP 500 session, {via} accepts it; new session, TTL {_ttl_text(me)}"
    if kind is EventKind.DROPPED:
        return f"{name} dropped by {note.rule_name} (no UDP 500 session to match): {reason}"
    if kind is EventKind.IGNORED:
        what = "rekey" if note.packet is Packet.REKEY_P1 else "message"
        return f"no IKE SA with the peer: {what} ignored"
    if kind is EventKind.VERSION_MISMATCH:
        return (
            f"{name} not answered: IKE version mismatch (IKEv{me.ike_version} here, "
            f"IKEv{peer.ike_version} at the peer)"
        )
    if kind is EventKind.GAVE_UP:
        return f"{name} failed: no answer after {note.seconds} s"
    if kind is EventKind.KEYLIFE:
        return w.keylife[sa]
    if kind in _SA_EVENTS:
        return _SA_EVENTS[kind][sa]
    if kind is EventKind.SA_REPLACED:
        return f"old IPsec SA replaced by the new IKE SA ({w.replaced})"
    if kind is EventKind.SA_REKEYED:
        return "new IKE SA; the IPsec SA returns when traffic needs it"
    if kind is EventKind.SESSION_EXPIRED:
        return (
            f"UDP 500 session with the peer expired (TTL {note.seconds} s, {me.session_ttl_source})"
        )
    if kind is EventKind.DPD_IDLE:
        why = "nothing inbound for" if me.dpd is DpdMode.ON_IDLE else "outbound ESP unanswered for"
        return f"link is idle: {why} {note.seconds} s"
    if kind is EventKind.PEER_DEAD:
        return f"link fail: peer declared dead after {note.attempt} unanswered {w.probes}"
    if kind is EventKind.ESP_DROPPED:
        return f"ESP from {peer.address} dropped: unknown SPI (no IPsec SA)"
    if kind is EventKind.REBOOTED:
        return "gateway reboots (fault): its SAs, UDP 500 session and DPD state are gone"
    if kind is EventKind.FLUSHED:
        return "admin flushes the tunnel (fault): IKE and IPsec SAs removed, no delete sent"
    if kind is EventKind.PACKET_LOST:
        return f"{message_name(note)} from {peer.address} lost on the wire (fault)"
    if kind is EventKind.ANSWER_LOST:
        return f"the answer to {message_name(note)} is lost on the wire (fault)"
    assert kind is EventKind.NEEDS_SA, kind
    return "host traffic for the tunnel: needs an IPsec SA"
