"""FortiOS -> model: the constants of one tunnel's two ends (``ipsecmc.model.params``).

Everything FortiOS-specific about how an end behaves is decided here, as data: the
retransmit schedules (``TIMING``, with their sources: ``../shared/domain.md`` keys; [U] =
unconfirmed, chosen and documented), what a given-up request and DPD take down per IKE
version (``BEHAVIOURS``), the UDP 500 session TTL (``session-ttl`` port entries, else
``udp-idle-timer``) and the local-in verdicts on the peer's new IKE packet
(``ipsecmc.fortios.admission``).
"""

from __future__ import annotations

from ipsecmc.fortios.admission import IKE_PORT, UDP, evaluate_ike_admission
from ipsecmc.fortios.localin import NO_ASSUMPTIONS, Assumptions
from ipsecmc.fortios.topology_types import End, TunnelEnd
from ipsecmc.model.params import Admission, Behaviour, EndParams

#: name -> (value, source). Retransmission offsets are seconds after the first send.
TIMING: dict[str, tuple[tuple[int, ...], str]] = {
    # IKEv1: FortiOS retransmits a phase1/phase2 negotiation message and gives up after
    # negotiate-timeout (30 s, domain.md 1.10 [S]); the 10 s spacing is [U].
    "ikev1_negotiation_sends": ((0, 10, 20), "[U] retransmit every 10 s"),
    "ikev1_negotiation_giveup": ((30,), "negotiate-timeout 30 s, domain.md 1.10 [S]"),
    # IKEv2: any request is retransmitted at 3+6+12+24+48 s and the SA is dropped when the
    # last one goes unanswered (about 93 s), even with DPD disabled (domain.md 1.4 [C]).
    "ikev2_request_sends": ((0, 3, 9, 21, 45), "KB294932 [C]"),
    "ikev2_request_giveup": ((93,), "KB294932 [C]"),
}

#: What FortiOS does, for both IKE versions: a peer declared dead by DPD gets delete
#: notifications, best effort (domain.md 1.1, the seed's debug log); a new IKE SA with a
#: peer replaces its old IPsec SA (INITIAL_CONTACT, [U]); a successful IKE rekey leaves
#: the IPsec SA down until traffic needs it (KB384951); a packet of an existing UDP 500
#: session is accepted before the local-in table is consulted (domain.md 2.4, 2.7).
_FORTIOS = {
    "delete_on_dead_peer": True,
    "new_ike_sa_replaces": True,
    "ike_rekey_drops_ipsec": True,
    "session_before_local_in": True,
}

#: FortiOS per IKE version: IKEv1 resends a negotiation on ``ikev1_negotiation_sends``,
#: probes with R-U-THERE ``dpd-retrycount`` times and takes any packet from the peer as
#: proof of life; IKEv2 resends every request on ``ikev2_request_sends``, its liveness
#: check is such a request, and giving up any request drops the IKE SA (domain.md 1.4).
BEHAVIOURS: dict[int, Behaviour] = {
    1: Behaviour(
        request_sends=TIMING["ikev1_negotiation_sends"][0],
        request_giveup=TIMING["ikev1_negotiation_giveup"][0][0],
        dpd_is_request=False,
        giveup_drops_ike=False,
        inbound_clears_dpd=True,
        **_FORTIOS,
    ),
    2: Behaviour(
        request_sends=TIMING["ikev2_request_sends"][0],
        request_giveup=TIMING["ikev2_request_giveup"][0][0],
        dpd_is_request=True,
        giveup_drops_ike=True,
        inbound_clears_dpd=False,
        **_FORTIOS,
    ),
}


def _session_ttl(end: TunnelEnd) -> tuple[int | None, str]:
    gw = end.gateway
    for entry in gw.session_ttl_ports:
        if entry.protocol == UDP and entry.start_port <= IKE_PORT <= entry.end_port:
            return entry.timeout, f"session-ttl port entry at {entry.loc}"
    return gw.udp_idle_timer, "udp-idle-timer"


def admissions(
    end: TunnelEnd, peer: End, assume: Assumptions = NO_ASSUMPTIONS
) -> tuple[Admission, ...]:
    """Possible local-in outcomes at ``end`` for a new IKE packet from ``peer``."""
    return tuple(
        Admission(d.accepted, d.policy_id, d.loc, d.reason)
        for d in evaluate_ike_admission(end, peer, assume)
    )


def end_params(end: TunnelEnd, peer: End, rekey: bool) -> EndParams:
    p1 = end.phase1
    p2s = end.phase2s
    ttl, ttl_source = _session_ttl(end)
    p2_keylife = min((p.keylifeseconds for p in p2s), default=None)
    return EndParams(
        name=end.name,
        address=str(end.address),
        ike_version=p1.ike_version,
        dpd=p1.dpd,
        dpd_retrycount=p1.dpd_retrycount,
        dpd_retryinterval=p1.dpd_retryinterval,
        p1_keylife=p1.keylife if rekey else None,
        p2_keylife=p2_keylife if rekey else None,
        p1_auto_negotiate=p1.auto_negotiate,
        p2_auto_negotiate=any(p.auto_negotiate for p in p2s),
        session_ttl=ttl,
        admissions=admissions(end, peer),
        phase1_loc=p1.loc,
        session_ttl_source=ttl_source,
        behaviour=BEHAVIOURS[p1.ike_version],
    )
