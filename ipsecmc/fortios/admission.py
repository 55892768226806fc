"""The local-in verdict on a *new* inbound IKE packet from the peer, per tunnel end.

The packet is always the same (peer:500 -> own:500, UDP, arriving on the phase1
interface: no NAT is modelled, so NAT-T never moves IKE to 4500), so the first-match
lookup of ``ipsecmc.fortios.localin`` runs once per end, not per state. When the outcome depends
on something the file cannot settle (an FQDN address, a non-``always`` schedule), every
possible outcome is returned and the model branches on them.

With address names declared unknown (``--assume-unknown``), ``assume`` carries the
assumed answers of one case of ``ipsecmc.workflows.unknowns``; the questions the lookup asks of
those names are ``ike_decision(...).asked``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ipsecmc.errors import SourceLoc
from ipsecmc.fortios.config import Action
from ipsecmc.fortios.localin import NO_ASSUMPTIONS, Assumptions, LocalInDecision, evaluate
from ipsecmc.fortios.topology_types import End, TunnelEnd

IKE_PORT = 500
UDP = 17


@dataclass(frozen=True, slots=True)
class AdmissionOutcome:
    accepted: bool
    policy_id: int | None
    loc: SourceLoc | None
    reason: str


def ike_decision(
    end: TunnelEnd, peer: End, assume: Assumptions = NO_ASSUMPTIONS
) -> LocalInDecision:
    """The local-in lookup at ``end`` for a new IKE packet (peer:500 -> own:500)."""
    return evaluate(
        end.gateway,
        end.phase1.interface,
        peer.address,
        end.address,
        UDP,
        IKE_PORT,
        IKE_PORT,
        assume=assume,
    )


def evaluate_ike_admission(
    end: TunnelEnd, peer: End, assume: Assumptions = NO_ASSUMPTIONS
) -> tuple[AdmissionOutcome, ...]:
    """Possible local-in outcomes at ``end`` for a new IKE packet sent by ``peer``."""
    decision = ike_decision(end, peer, assume)
    outcomes: list[AdmissionOutcome] = []
    for outcome in decision.outcomes:
        policy = outcome.policy
        reason = outcome.reason
        if policy is not None and policy.comments:
            reason = f"{reason} ({policy.comments!r})"
        outcomes.append(
            AdmissionOutcome(
                accepted=outcome.action is Action.ACCEPT,
                policy_id=policy.policyid
                if policy is not None
                else (None if outcome.action is Action.ACCEPT else 0),
                loc=outcome.loc,
                reason=reason,
            )
        )
    return tuple(outcomes)
