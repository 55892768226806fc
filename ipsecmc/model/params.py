"""Per-tunnel constants of the model, computed once from the resolved configs.

Everything an engine needs from the configs is here, already decided: timer values,
DPD mode, and the local-in verdict on a *new* inbound IKE packet from the peer (the
packet's 5-tuple is fixed, peer:500 -> own:500 on the phase1 interface, so the
first-match evaluation is done once, not per state).

Timing constants that FortiOS does not expose as settings are in ``TIMING`` with their
sources (``../shared/domain.md`` keys; [U] = unconfirmed, chosen and documented).
"""

from __future__ import annotations

from dataclasses import dataclass

from ipsecmc.errors import SourceLoc
from ipsecmc.fortios.admission import evaluate_ike_admission
from ipsecmc.fortios.config import DpdMode
from ipsecmc.fortios.localin import NO_ASSUMPTIONS, Assumptions
from ipsecmc.fortios.topology_types import Tunnel, TunnelEnd
from ipsecmc.model.traffic import TrafficProfile

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

IKE_PORT = 500
UDP = 17


@dataclass(frozen=True, slots=True)
class Admission:
    """One possible local-in outcome for a new inbound IKE packet from the peer.

    ``policy_id`` is ``None`` when no user policy matched and the built-in rules accepted
    IKE (domain.md 2.4). More than one Admission per end means the outcome depends on
    something the file does not pin down (a non-``always`` schedule, an FQDN address),
    and the model branches on it.
    """

    accepted: bool
    policy_id: int | None
    loc: SourceLoc | None
    reason: str


@dataclass(frozen=True, slots=True)
class EndParams:
    """Constants of one tunnel end."""

    name: str
    address: str
    ike_version: int
    dpd: DpdMode
    dpd_retrycount: int
    dpd_retryinterval: int
    p1_keylife: int | None  # None: rekey not modelled (--no-rekey)
    p2_keylife: int | None
    p1_auto_negotiate: bool
    p2_auto_negotiate: bool
    session_ttl: int | None  # None: the UDP 500 session never ages out
    admissions: tuple[Admission, ...]
    phase1_loc: SourceLoc
    session_ttl_source: str

    @property
    def request_sends(self) -> tuple[int, ...]:
        key = "ikev2_request_sends" if self.ike_version == 2 else "ikev1_negotiation_sends"
        return TIMING[key][0]

    @property
    def request_giveup(self) -> int:
        key = "ikev2_request_giveup" if self.ike_version == 2 else "ikev1_negotiation_giveup"
        return TIMING[key][0][0]

    @property
    def dpd_probes(self) -> int:
        """Unanswered DPD probes before the peer is declared dead: IKEv1 sends
        ``dpd-retrycount`` of them; IKEv2's liveness check is an ordinary request, given
        up after its last retransmission."""
        return len(self.request_sends) if self.ike_version == 2 else self.dpd_retrycount

    @property
    def dpd_detection_seconds(self) -> int:
        """Worst-case time from the first unanswered probe to declaring the peer dead."""
        if self.ike_version == 2:
            return self.request_giveup
        return self.dpd_retrycount * self.dpd_retryinterval


@dataclass(frozen=True, slots=True)
class TunnelParams:
    """Both ends (index 0 = ``tunnel.a``, 1 = ``tunnel.b``) and the traffic profile."""

    ends: tuple[EndParams, EndParams]
    traffic: TrafficProfile
    rekey: bool

    def default_bound(self) -> int:
        """Default T for bounded properties: how long a correct pair may disagree.

        Detecting a dead peer (DPD interval to notice + the probes) plus one failed
        negotiation attempt: the time FortiOS itself needs to converge after a failure.
        """
        return max(
            e.dpd_retryinterval + e.dpd_detection_seconds + e.request_giveup for e in self.ends
        )


def _session_ttl(end: TunnelEnd) -> tuple[int | None, str]:
    gw = end.gateway
    for entry in gw.session_ttl_ports:
        if entry.protocol == UDP and entry.start_port <= IKE_PORT <= entry.end_port:
            return entry.timeout, f"session-ttl port entry at {entry.loc}"
    return gw.udp_idle_timer, "udp-idle-timer"


def admissions(
    end: TunnelEnd, peer: TunnelEnd, assume: Assumptions = NO_ASSUMPTIONS
) -> tuple[Admission, ...]:
    """Possible local-in outcomes at ``end`` for a new IKE packet from ``peer``."""
    return tuple(
        Admission(d.accepted, d.policy_id, d.loc, d.reason)
        for d in evaluate_ike_admission(end, peer, assume)
    )


def end_params(end: TunnelEnd, peer: TunnelEnd, rekey: bool) -> EndParams:
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
    )


def tunnel_params(tunnel: Tunnel, traffic: TrafficProfile, rekey: bool = True) -> TunnelParams:
    return TunnelParams(
        ends=(end_params(tunnel.a, tunnel.b, rekey), end_params(tunnel.b, tunnel.a, rekey)),
        traffic=traffic,
        rekey=rekey,
    )
