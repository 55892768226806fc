"""What the model's events mean, as data: event kinds, packet kinds, urgent-event order.

Why: a trace line used to be a category and an English sentence, and renderers, the
explanation, the SARIF blame and the suspects recovered its meaning by searching the
sentence ("dropped", "tunnel UP", a regex for the TTL). Rewording a line (or an IKEv2
trace, whose words differ) could silently change a verdict's explanation. Now every
``Note`` carries an ``EventKind`` and typed fields (packet kind, transmission number,
local-in policy, SA, seconds, config location); consumers read those, and the sentence
is written from them in one place (``ipsecmc.model.words.phrase``), for display only.

The urgent (zero-time) events of one end are the ``Urgent`` kinds; their order here is
their priority (``Semantics.due`` takes the first one whose guard holds) and the order
every engine numbers them in (``URGENT_KINDS``). ``Label.kind`` is one of them, ``tick``
or ``delay``; ``Urgent`` members are ``str`` so labels compare and hash as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum, StrEnum

from ipsecmc.errors import SourceLoc
from ipsecmc.model.state import REQ_P1, REQ_P2, REQ_REKEY_P1, REQ_REKEY_P2

#: Message kinds besides the REQ_* negotiations of ``ipsecmc.model.state``: plain ints,
#: because the semantics compares them with (possibly symbolic) state fields.
PROBE, DELETE_P2, DELETE_P1 = -1, -2, -3


class Urgent(StrEnum):
    """Urgent events of one end, highest priority first (module doc)."""

    P2_KEYLIFE = "p2_keylife"
    P1_KEYLIFE = "p1_keylife"
    REQUEST = "request"
    START_P2 = "start_p2"
    DPD = "dpd"
    START_P1 = "start_p1"


#: The urgent kinds in priority order: the one definition engines number them by.
URGENT_KINDS: tuple[Urgent, ...] = tuple(Urgent)


class Packet(IntEnum):
    """An IKE message kind; the values are the semantics' REQ_* / PROBE / DELETE_* ints."""

    P1 = REQ_P1  # a new IKE SA (IKEv1 phase1, IKEv2 IKE_SA_INIT + IKE_AUTH)
    P2 = REQ_P2  # a new IPsec SA (quick mode, CREATE_CHILD_SA)
    REKEY_P1 = REQ_REKEY_P1
    REKEY_P2 = REQ_REKEY_P2
    PROBE = PROBE  # DPD R-U-THERE / INFORMATIONAL liveness check
    DELETE_P2 = DELETE_P2
    DELETE_P1 = DELETE_P1

    @property
    def is_delete(self) -> bool:
        return self in (Packet.DELETE_P1, Packet.DELETE_P2)


class Sa(Enum):
    """Which SA an event is about."""

    IKE = "ike"  # phase1
    IPSEC = "ipsec"  # phase2: "tunnel up" is this SA being up


class EventKind(Enum):
    """What one trace line records (its fields are listed per kind)."""

    # IKE messages (packet; SENT: attempt, attempts; received ones: policy, loc)
    STARTS = "starts"  # the end starts a negotiation or rekey (packet)
    SENT = "sent"  # the end sends a packet
    ANSWERED = "answered"  # the end answers the peer's request (packet = the request)
    SESSION_MATCH = "session_match"  # a packet matched the UDP 500 session: accepted
    ADMITTED = "admitted"  # no session, local-in accepts (policy None: built-in rules)
    DROPPED = "dropped"  # no session, local-in policy ``policy`` drops it
    IGNORED = "ignored"  # accepted, but no IKE SA to handle it (packet)
    VERSION_MISMATCH = "version_mismatch"  # the phase1s speak other IKE versions (packet)
    GAVE_UP = "gave_up"  # a request went unanswered (packet, seconds)
    # SAs (sa)
    KEYLIFE = "keylife"  # the SA's keylife ended: rekeying it
    SA_UP = "sa_up"
    SA_DOWN = "sa_down"  # after an unanswered request
    SA_DELETED = "sa_deleted"  # the end deleted it (peer dead)
    SA_DELETED_BY_PEER = "sa_deleted_by_peer"
    SA_REPLACED = "sa_replaced"  # a new IKE SA from the peer replaced the IPsec SA
    SA_REKEYED = "sa_rekeyed"  # a new IKE SA; the IPsec SA returns when traffic needs it
    # sessions, DPD, traffic
    SESSION_EXPIRED = "session_expired"  # seconds = the TTL
    DPD_IDLE = "dpd_idle"  # DPD starts probing (seconds = the retry interval)
    PEER_DEAD = "peer_dead"  # attempt = unanswered probes
    ESP_DROPPED = "esp_dropped"  # ESP for an SA the end does not hold
    NEEDS_SA = "needs_sa"  # host traffic needs an IPsec SA
    TRAFFIC_CHANGES = "traffic_changes"  # the traffic profile's next phase (end -1)
    # injected faults (``model.faults``; explored only when switched on)
    REBOOTED = "rebooted"  # the gateway restarted: SAs, sessions, DPD state lost
    FLUSHED = "flushed"  # an admin flushed the tunnel's SAs (no delete sent)
    PACKET_LOST = "packet_lost"  # a packet to this end was lost on the wire (packet)
    ANSWER_LOST = "answer_lost"  # the answer to this end's request was lost (packet)

    @property
    def category(self) -> str:
        """The coarse category of the JSON/SARIF output: ike, session, sa, dpd, esp,
        traffic, fault."""
        return _CATEGORY[self]

    @property
    def direction(self) -> str:
        """``>`` the end sends, ``<`` something reaches it, ``""`` neither."""
        return _DIRECTION.get(self, "")


_CATEGORY = {
    **dict.fromkeys(
        (
            EventKind.STARTS,
            EventKind.SENT,
            EventKind.ANSWERED,
            EventKind.DROPPED,
            EventKind.IGNORED,
            EventKind.VERSION_MISMATCH,
            EventKind.GAVE_UP,
        ),
        "ike",
    ),
    **dict.fromkeys(
        (EventKind.SESSION_MATCH, EventKind.ADMITTED, EventKind.SESSION_EXPIRED), "session"
    ),
    **dict.fromkeys(
        (
            EventKind.KEYLIFE,
            EventKind.SA_UP,
            EventKind.SA_DOWN,
            EventKind.SA_DELETED,
            EventKind.SA_DELETED_BY_PEER,
            EventKind.SA_REPLACED,
            EventKind.SA_REKEYED,
        ),
        "sa",
    ),
    EventKind.DPD_IDLE: "dpd",
    EventKind.PEER_DEAD: "dpd",
    EventKind.ESP_DROPPED: "esp",
    EventKind.NEEDS_SA: "traffic",
    EventKind.TRAFFIC_CHANGES: "traffic",
    **dict.fromkeys(
        (EventKind.REBOOTED, EventKind.FLUSHED, EventKind.PACKET_LOST, EventKind.ANSWER_LOST),
        "fault",
    ),
}
_DIRECTION = {
    EventKind.SENT: ">",
    EventKind.ANSWERED: ">",
    EventKind.SESSION_MATCH: "<",
    EventKind.ADMITTED: "<",
    EventKind.DROPPED: "<",
    EventKind.ESP_DROPPED: "<",
    EventKind.NEEDS_SA: "<",
}

#: A packet of the peer reaching the end's local-in check: accepted or dropped.
RECEIVED = frozenset({EventKind.SESSION_MATCH, EventKind.ADMITTED, EventKind.DROPPED})
#: A packet lost at this end (local-in drop, ESP without an SA).
LOST = frozenset({EventKind.DROPPED, EventKind.ESP_DROPPED})
#: An SA went away (for colours: bad news).
SA_LOST = frozenset(
    {
        EventKind.SA_DOWN,
        EventKind.SA_DELETED,
        EventKind.SA_DELETED_BY_PEER,
        EventKind.SA_REPLACED,
    }
)


@dataclass(frozen=True, slots=True)
class Note:
    """One line of a trace: event ``kind`` at ``end`` (-1: the environment), its typed
    fields, and ``text``, the sentence ``words.phrase`` wrote from them (for display:
    nothing may read meaning out of it)."""

    end: int
    kind: EventKind
    text: str
    loc: SourceLoc | None = None  # the config line involved (local-in policy, phase1)
    packet: Packet | None = None  # the IKE message sent, answered, accepted or dropped
    policy: int | None = None  # local-in policy that accepted/dropped it (None: built-in)
    attempt: int | None = None  # transmission or probe number; PEER_DEAD: probes sent
    attempts: int | None = None  # of how many (DPD probes)
    sa: Sa | None = None  # the SA a ``sa`` event is about
    seconds: int | None = None  # the duration the event states (TTL, idle time, give-up)
    ike_version: int = 1  # the version whose words name ``packet`` (the initiator's)
    rule: str = ""  # the filter rule that decided, in its vendor's words ("" = ``policy``)

    @property
    def category(self) -> str:
        return self.kind.category

    @property
    def direction(self) -> str:
        return self.kind.direction

    @property
    def rule_name(self) -> str:
        """The filter rule that accepted or dropped a packet here, as reports name it:
        FortiOS ``local-in policy N``, an nftables rule, the built-in rules."""
        if self.rule:
            return self.rule
        if self.policy is None:
            return "the built-in local-in rules"
        return f"local-in policy {self.policy}"

    @property
    def dropped_by(self) -> int | None:
        """The local-in policy that dropped a packet here, else None."""
        return self.policy if self.kind is EventKind.DROPPED else None

    @property
    def tunnel_up(self) -> bool:
        """The IPsec SA came up at this end ("tunnel up", design.md)."""
        return self.kind is EventKind.SA_UP and self.sa is Sa.IPSEC


__all__ = [
    "DELETE_P1",
    "DELETE_P2",
    "LOST",
    "PROBE",
    "RECEIVED",
    "SA_LOST",
    "URGENT_KINDS",
    "EventKind",
    "Note",
    "Packet",
    "Sa",
    "Urgent",
]
