"""The state of one tunnel: two compact, hashable end states and the traffic phase.

States are ``NamedTuple``s of small ints and bools so that the explicit engine can
hash and store millions of them. Timers count *down* to the moment something happens
(``-1`` = not running); counters that only matter up to a threshold saturate there, so
states that no future can tell apart are equal.
"""

from __future__ import annotations

from typing import NamedTuple

# Phase1 (IKE SA) states.
DOWN, CONNECTING, UP = 0, 1, 2
P1_NAMES = ("DOWN", "CONNECTING", "UP")
P2_NAMES = ("DOWN", "?", "UP")  # p2 uses DOWN (0) and UP (2) like p1

# Pending IKE request kinds (the negotiation machine of one end).
REQ_NONE, REQ_P1, REQ_P2, REQ_REKEY_P1, REQ_REKEY_P2 = 0, 1, 2, 3, 4
REQ_NAMES = ("none", "phase1 negotiation", "phase2 negotiation", "phase1 rekey", "phase2 rekey")

NO_TIMER = -1
#: ``sess`` value of a session whose TTL is ``never``.
SESSION_FOREVER = -1


class EndState(NamedTuple):
    """One gateway's view of the tunnel."""

    p1: int  # DOWN / CONNECTING / UP
    p2: int  # DOWN or UP (same constants as p1): "tunnel up" is p2 == UP
    p1_life: int  # seconds until the IKE SA's keylife ends (NO_TIMER: not running)
    p2_life: int  # seconds until the IPsec SA's keylife ends
    sess: int  # remaining TTL of the UDP 500 session with the peer; 0 = no session
    quiet: int  # DPD trigger clock, saturating at the retry interval (see semantics)
    dpd_sent: int  # unanswered DPD probes (IKEv1) / transmissions of the DPD request (IKEv2)
    dpd_timer: int  # seconds to the next probe or to giving up
    req: int  # pending negotiation kind (REQ_*)
    req_sent: int  # transmissions of that request so far
    req_timer: int  # seconds to the next retransmission or to giving up
    want_p2: bool  # traffic (or phase2 auto-negotiate) needs an IPsec SA
    sent: bool  # ESP was sent to the peer during the last second
    faults: int  # injected faults this end suffered so far (``model.faults``; 0 when off)


class State(NamedTuple):
    """A tunnel: end ``a`` (index 0), end ``b`` (index 1) and the traffic phase clock."""

    a: EndState
    b: EndState
    phase: int  # index into the traffic profile's phases
    phase_left: int  # seconds left in that phase (NO_TIMER: the last phase, forever)

    def end(self, index: int) -> EndState:
        return self.a if index == 0 else self.b

    def with_end(self, index: int, end: EndState) -> State:
        return self._replace(a=end) if index == 0 else self._replace(b=end)
