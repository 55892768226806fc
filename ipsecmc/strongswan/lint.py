"""Static checks on a strongSwan host's end of a tunnel (``ipsecmc lint``).

The host's nftables input path is asked what it does with a *new* IKE packet from the
peer (UDP 500, and 4500 for NAT traversal) and with the peer's ESP: the same questions
as FortiOS's ``localin-denies-ike``, with the deciding rule's file:line.
"""

from __future__ import annotations

from ipsecmc.findings import Finding, Severity
from ipsecmc.fortios.topology_types import End
from ipsecmc.linux.nftables import Outcome, Packet, evaluate
from ipsecmc.strongswan.host import SwanEnd

_UDP, _ESP = 17, 50


def _where(o: Outcome) -> str:
    if o.rule is None:
        return f"the policy {o.chain.policy} of chain {o.chain.label}"
    return f"rule {o.rule.number} of chain {o.chain.label} ({o.rule.text!r})"


def _first_drop(outcomes: tuple[Outcome, ...]) -> Outcome | None:
    return next((o for o in outcomes if not o.accepted), None)


def lint_end(end: SwanEnd, peer: End) -> list[Finding]:
    """Findings for ``end``'s host facing ``peer``."""
    ruleset = end.host.ruleset
    if ruleset is None:
        return []
    out: list[Finding] = []
    for port in (500, 4500):
        fates = evaluate(ruleset, Packet(peer.address, end.address, _UDP, port, port, "new"))
        drop = _first_drop(fates)
        if drop is None:
            continue
        certain = all(not o.accepted for o in fates)
        what = f"new IKE (udp/{port}) from peer {peer.name} {peer.address} to {end.address}"
        effect = (
            f": the tunnel works only while {end.name}'s own conntrack entry for IKE with "
            f"{peer.address} lives; after it expires {peer.name}'s DPD probes, delete and "
            "re-negotiation are dropped and the two ends disagree"
            if port == 500
            else ": IKE moved to udp/4500 by NAT traversal is dropped"
        )
        hint = (
            f"add 'ip saddr {peer.address} udp dport {{ 500, 4500 }} accept' to the input "
            f"chain before {_where(drop)}"
        )
        if certain:
            severity: Severity = "error" if port == 500 else "warning"
            out.append(
                Finding(
                    severity,
                    "nftables-denies-ike",
                    f"{end.name}: {_where(drop)} drops {what}{effect}",
                    drop.loc,
                    hint,
                )
            )
        else:
            assumed = "; ".join(" and ".join(o.assumed) for o in fates if not o.accepted)
            out.append(
                Finding(
                    "warning",
                    "nftables-may-deny-ike",
                    f"{end.name}: {_where(drop)} may drop {what} ({assumed})",
                    drop.loc,
                    hint,
                )
            )
    esp = evaluate(ruleset, Packet(peer.address, end.address, _ESP, None, None, "new"))
    drop = _first_drop(esp)
    if drop is not None:
        out.append(
            Finding(
                "warning",
                "nftables-denies-esp",
                f"{end.name}: {_where(drop)} drops new ESP from peer {peer.name} "
                f"{peer.address}: traffic through the tunnel is lost, which the model does "
                "not show (it assumes ESP arrives)",
                drop.loc,
                f"add 'ip saddr {peer.address} meta l4proto esp accept' to the input chain",
            )
        )
    return out
