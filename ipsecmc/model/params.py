"""Per-tunnel constants of the model: the vendor seam.

Everything the semantics needs from a gateway is here, already decided, as data: timer
values, the DPD mode, the local-in verdict on a *new* inbound IKE packet from the peer
(its 5-tuple is fixed, peer:500 -> own:500 on the phase1 interface, so the first-match
evaluation is done once, not per state), and what the end's IKE implementation does
(``Behaviour``: retransmit schedule, what a given-up request and a dead peer take down,
what counts as proof of life). A config reader fills these in (FortiOS:
``ipsecmc.fortios.params``); the model and the engines never see a config.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ipsecmc.errors import SourceLoc
from ipsecmc.model.faults import NO_FAULTS, FaultModel
from ipsecmc.model.traffic import TrafficProfile


class DpdMode(StrEnum):
    """When an end sends dead peer detection probes (FortiOS ``set dpd``, domain.md 1.1):
    never, after an idle interval with nothing inbound, or when outbound ESP goes
    unanswered."""

    DISABLE = "disable"
    ON_IDLE = "on-idle"
    ON_DEMAND = "on-demand"


@dataclass(frozen=True, slots=True)
class Behaviour:
    """What an end's IKE implementation does, as data (one per vendor and IKE version;
    FortiOS's are ``ipsecmc.fortios.params.BEHAVIOURS``).

    ``request_sends``: seconds after the first send of a request (negotiation, or an
    IKEv2 liveness check) at which it is (re)sent; ``request_giveup``: seconds after the
    first send when an unanswered request is given up. ``dpd_is_request``: a DPD probe
    is an ordinary request, resent on ``request_sends`` and given up with it (IKEv2);
    else ``dpd-retrycount`` probes ``dpd-retryinterval`` apart (IKEv1 R-U-THERE).
    ``giveup_drops_ike``: any given-up request takes the IKE SA down (IKEv2); else only
    a given-up phase1 negotiation does. ``inbound_clears_dpd``: any valid packet from
    the peer clears unanswered DPD probes (IKEv1: proof of life); else only the answer
    to the probe does.

    The rest holds for both IKE versions on FortiOS and is data so that another vendor
    (or a what-if) can differ: ``delete_on_dead_peer``: a peer declared dead is sent
    delete notifications (best effort) for the IPsec and IKE SAs; ``new_ike_sa_replaces``:
    a new IKE SA with the peer replaces that peer's old IPsec SA (INITIAL_CONTACT);
    ``ike_rekey_drops_ipsec``: rekeying the IKE SA takes the IPsec SA down, to be
    negotiated again; ``session_before_local_in``: a packet matching an existing UDP 500
    session is accepted without consulting the local-in table (a stateful filter)."""

    request_sends: tuple[int, ...]
    request_giveup: int
    dpd_is_request: bool
    giveup_drops_ike: bool
    inbound_clears_dpd: bool
    delete_on_dead_peer: bool = True
    new_ike_sa_replaces: bool = True
    ike_rekey_drops_ipsec: bool = True
    session_before_local_in: bool = True


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
    #: the deciding rule in the vendor's words ("" = FortiOS's ``local-in policy N``;
    #: reports read it from the trace event, ``events.Note.rule_name``)
    rule: str = ""


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
    behaviour: Behaviour
    #: outbound traffic with no IPsec SA starts a negotiation (FortiOS always; strongSwan
    #: with a trap policy); else only ``*_auto_negotiate``/``starts_at_boot`` start one
    on_traffic: bool = True
    #: negotiates once when the end starts (boots), even without ``p2_auto_negotiate``
    #: (strongSwan ``start_action = start``)
    starts_at_boot: bool = False

    @property
    def request_sends(self) -> tuple[int, ...]:
        return self.behaviour.request_sends

    @property
    def request_giveup(self) -> int:
        return self.behaviour.request_giveup

    @property
    def dpd_probes(self) -> int:
        """Unanswered DPD probes before the peer is declared dead: ``dpd-retrycount`` of
        them, or, when a probe is an ordinary request, its sends until it is given up."""
        return len(self.request_sends) if self.behaviour.dpd_is_request else self.dpd_retrycount

    @property
    def dpd_detection_seconds(self) -> int:
        """Worst-case time from the first unanswered probe to declaring the peer dead."""
        if self.behaviour.dpd_is_request:
            return self.request_giveup
        return self.dpd_retrycount * self.dpd_retryinterval


@dataclass(frozen=True, slots=True)
class TunnelParams:
    """Both ends (index 0 = ``tunnel.a``, 1 = ``tunnel.b``), the traffic profile and the
    faults explored (``ipsecmc.model.faults``; none by default)."""

    ends: tuple[EndParams, EndParams]
    traffic: TrafficProfile
    rekey: bool
    faults: FaultModel = NO_FAULTS

    def default_bound(self) -> int:
        """Default T for bounded properties: how long a correct pair may disagree.

        Detecting a dead peer (DPD interval to notice + the probes) plus one failed
        negotiation attempt: the time FortiOS itself needs to converge after a failure.
        """
        return max(
            e.dpd_retryinterval + e.dpd_detection_seconds + e.request_giveup for e in self.ends
        )
