"""What a trace calls each IKE message, in the words of the end's IKE version.

An engineer reads a trace against ``diagnose debug application ike`` and the RFCs: an
IKEv1 tunnel has phase1 (main/aggressive mode), phase2 quick mode and DPD R-U-THERE
notifications; an IKEv2 tunnel has the IKE_SA_INIT and IKE_AUTH exchanges, CREATE_CHILD_SA
for a new or rekeyed IPsec SA and for an IKE SA rekey, and INFORMATIONAL exchanges for
liveness checks (DPD) and deletes (RFC 7296 1.2-1.4). The model's events are the same for
both versions (``Label`` kinds, note categories and JSON fields do not change); only
the text does, chosen by the IKE version of the end that sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ipsecmc.model.state import REQ_P1, REQ_P2, REQ_REKEY_P1, REQ_REKEY_P2

#: Message kinds besides the REQ_* negotiations of ``ipsecmc.model.state``.
PROBE, DELETE_P2, DELETE_P1 = -1, -2, -3


@dataclass(frozen=True, slots=True)
class Words:
    """The trace's words for one IKE version."""

    #: message kind (REQ_*, PROBE, DELETE_*) -> its name in ``send X``, ``X dropped by``
    packets: Mapping[int, str]
    #: what the responder's answer is called, per message kind it answers
    answers: Mapping[int, str]
    #: a DPD probe in the plural: "DPD probes" / "liveness checks"
    probes: str
    #: the new phase1 from the peer replaced the old SAs: until when the tunnel is down
    replaced: str


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
    probes="DPD probes",
    replaced="tunnel DOWN until phase2 is negotiated",
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
    probes="DPD liveness checks (INFORMATIONAL)",
    replaced="tunnel DOWN until a CREATE_CHILD_SA brings a new IPsec SA",
)


def words(ike_version: int) -> Words:
    """The words of ``ike_version`` (1 or 2)."""
    return IKEV2 if ike_version == 2 else IKEV1
