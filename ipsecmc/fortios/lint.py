"""Static checks on gateway configs: findings with severity, file:line:col and a fix hint.

The checks (codes in brackets):

* undefined objects referenced by policies, groups, phase1/phase2 [undefined-reference];
* per tunnel: no common phase1 proposal or DH group, no common phase2 proposal
  [no-common-proposal, no-common-dhgrp, no-common-p2-proposal], IKE version mismatch
  [ike-version-mismatch];
* a local-in policy that denies a *new* inbound IKE packet from the peer (UDP 500, and
  4500 for NAT-T) arriving on the tunnel's interface [localin-denies-ike, error when
  certain; localin-may-deny-ike, warning when it depends on a schedule, an FQDN ...]:
  the seed article's root cause. Evaluation is :func:`ipsecmc.fortios.localin.evaluate`, the same
  code the model uses;
* a deny policy bound to an interface no tunnel uses, while its comment ("deny",
  "implicit", "block", ...) or its place (a catch-all at the end of the table) suggests
  it was meant to guard the tunnel [localin-intf-mismatch] (the seed's ``port2``);
* informational: addresses pairing had to infer, phase1s left unpaired.

Lint never stops at the first problem; the caller decides what an error means (the CLI
exits 1 when any error-severity finding exists).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ipsecmc.errors import SourceLoc
from ipsecmc.findings import RANK, Finding, Severity
from ipsecmc.fortios.config import Action, GatewayConfig, LocalInPolicy
from ipsecmc.fortios.localin import UDP, evaluate, intf_matches
from ipsecmc.fortios.references import undefined_references
from ipsecmc.fortios.topology import pair
from ipsecmc.fortios.topology_types import End, Scenario, Tunnel, TunnelEnd
from ipsecmc.inputs import load_scenario
from ipsecmc.strongswan import lint as strongswan_lint


def _sort_key(f: Finding) -> tuple[str, int, int, int, str, str]:
    loc = f.loc or SourceLoc("", 0, 0)
    return (loc.file, loc.line, loc.column, RANK[f.severity], f.code, f.message)


# --- per gateway ------------------------------------------------------------------------


def lint_references(gw: GatewayConfig) -> list[Finding]:
    return [
        Finding("error", "undefined-reference", r.message, r.loc, r.hint)
        for r in undefined_references(gw)
    ]


# --- per tunnel -------------------------------------------------------------------------


def _proposals(a: TunnelEnd, b: TunnelEnd) -> list[Finding]:
    out: list[Finding] = []
    if not set(a.phase1.proposal) & set(b.phase1.proposal):
        out.append(
            Finding(
                "error",
                "no-common-proposal",
                f"phase1 '{a.phase1.name}' of {a.name} and '{b.phase1.name}' of {b.name} share no "
                f"proposal ({' '.join(a.phase1.proposal)} vs {' '.join(b.phase1.proposal)}, "
                f"{b.phase1.where('proposal')})",
                a.phase1.where("proposal"),
                "add one of the peer's proposals to 'set proposal' on either side",
            )
        )
    if not set(a.phase1.dhgrp) & set(b.phase1.dhgrp):
        out.append(
            Finding(
                "error",
                "no-common-dhgrp",
                f"phase1 '{a.phase1.name}' of {a.name} and '{b.phase1.name}' of {b.name} share no "
                f"DH group ({a.phase1.dhgrp} vs {b.phase1.dhgrp})",
                a.phase1.where("dhgrp"),
                "set a common 'dhgrp' on both sides",
            )
        )
    if a.phase1.ike_version != b.phase1.ike_version:
        out.append(
            Finding(
                "error",
                "ike-version-mismatch",
                f"{a.name} '{a.phase1.name}' uses IKEv{a.phase1.ike_version} but {b.name} "
                f"'{b.phase1.name}' uses IKEv{b.phase1.ike_version} "
                f"({b.phase1.where('ike-version')})",
                a.phase1.where("ike-version"),
                "set the same 'ike-version' on both phase1s",
            )
        )
    for x, _y in ((a, b), (b, a)):
        if not x.phase2s:
            out.append(
                Finding(
                    "warning",
                    "no-phase2",
                    f"{x.name} has no phase2 for phase1 '{x.phase1.name}': "
                    "the tunnel never carries traffic",
                    x.phase1.loc,
                    "add a 'config vpn ipsec phase2-interface' entry with phase1name "
                    f"'{x.phase1.name}'",
                )
            )
    for p2 in a.phase2s:
        if b.phase2s and not any(set(p2.proposal) & set(q.proposal) for q in b.phase2s):
            out.append(
                Finding(
                    "error",
                    "no-common-p2-proposal",
                    f"phase2 '{p2.name}' of {a.name} shares no proposal "
                    f"with any phase2 of {b.name} "
                    f"on '{b.phase1.name}'",
                    p2.where("proposal"),
                    "add one of the peer's phase2 proposals to 'set proposal'",
                )
            )
    return out


def _policy_line(p: LocalInPolicy | None) -> str:
    return "the implicit deny (policy 0)" if p is None else f"local-in policy {p.policyid}"


def _ike_denied(x: TunnelEnd, y: End) -> list[Finding]:
    """Does ``x`` drop a new IKE packet from its peer ``y``? One finding per deciding policy."""
    gw, p1 = x.gateway, x.phase1
    ports = (500,) if p1.nattraversal == "disable" else (500, 4500)
    decisions = [
        (port, evaluate(gw, p1.interface, y.address, x.address, UDP, port, port)) for port in ports
    ]
    out: list[Finding] = []
    reported: set[tuple[int | None, bool]] = set()
    for _port, d in decisions:
        deny = d.first_deny
        if deny is None:
            continue
        certain = d.action is Action.DENY
        key = (deny.policy.policyid if deny.policy else None, certain)
        if key in reported:
            continue
        reported.add(key)
        same = [
            q for q, e in decisions if e.first_deny == deny and (e.action is Action.DENY) == certain
        ]
        udp = " and ".join(f"udp/{q}" for q in same)
        what = f"new IKE ({udp}) from peer {y.name} {y.address} to {x.address} on {p1.interface}"
        if 500 in same:
            effect = (
                f": the tunnel works only while {x.name}'s own IKE session to {y.address} lives; "
                f"after it expires {y.name}'s DPD probes, delete and re-negotiation are dropped "
                "and the two ends disagree"
            )
        else:
            effect = ": IKE moved to udp/4500 by NAT traversal is dropped"
        hint = (
            f"add a local-in policy accepting service IKE from {y.address} "
            f"(intf {p1.interface}) before {_policy_line(deny.policy)}"
        )
        loc = deny.loc or p1.loc
        if certain:
            severity: Severity = (
                "error" if 500 in same or p1.nattraversal == "forced" else "warning"
            )
            out.append(
                Finding(
                    severity,
                    "localin-denies-ike",
                    f"{x.name}: {_policy_line(deny.policy)} denies {what}{effect}",
                    loc,
                    hint,
                )
            )
        else:
            why = "; ".join(d.uncertain) or "the policy table could not be fully evaluated"
            out.append(
                Finding(
                    "warning",
                    "localin-may-deny-ike",
                    f"{x.name}: {_policy_line(deny.policy)} may deny {what} ({why})",
                    loc,
                    hint,
                )
            )
    return out


_GUARD_WORDS = re.compile(r"\b(deny|denies|implicit|block|drop|catch[- ]?all|default)\b", re.I)


def _catch_all(p: LocalInPolicy) -> bool:
    return (
        "all" in p.srcaddr
        and "all" in p.dstaddr
        and "ALL" in p.service
        and not (p.srcaddr_negate or p.dstaddr_negate or p.service_negate)
    )


def _intf_oddity(x: TunnelEnd, y: End) -> list[Finding]:
    gw = x.gateway
    tunnel_intfs = {p.interface for p in gw.phase1s}
    policies = gw.local_in_policies
    out: list[Finding] = []
    for idx, p in enumerate(policies):
        if not p.status or p.action is not Action.DENY:
            continue
        if any(intf_matches(gw, p.intf, i) for i in tunnel_intfs):
            continue
        worded = bool(_GUARD_WORDS.search(p.comments))
        last_catch_all = idx == len(policies) - 1 and _catch_all(p)
        if not (worded or last_catch_all):
            continue
        why = f"its comment is '{p.comments}'" if worded else "it is a catch-all deny at the end"
        out.append(
            Finding(
                "warning",
                "localin-intf-mismatch",
                f"{x.name}: local-in policy {p.policyid} denies on {' '.join(p.intf)} but tunnel "
                f"'{x.phase1.name}' receives IKE on {x.phase1.interface}; {why}, so it looks meant "
                f"to guard {x.phase1.interface} too. Read literally it does not apply to the "
                "tunnel's IKE (the built-in rules accept it)",
                p.where("intf"),
                f"if the deny should cover {x.phase1.interface}, first add a policy accepting "
                f"service IKE from {y.address}; otherwise bind it to the interface it guards",
            )
        )
    return out


def lint_tunnel(t: Tunnel) -> list[Finding]:
    """The findings of a tunnel: per end (FortiGate local-in, strongSwan host's
    nftables), and the proposals when both ends are FortiGates."""
    out = _proposals(t.a, t.b) if isinstance(t.a, TunnelEnd) and isinstance(t.b, TunnelEnd) else []
    for x, y in ((t.a, t.b), (t.b, t.a)):
        if isinstance(x, TunnelEnd):
            out.extend(_ike_denied(x, y))
            out.extend(_intf_oddity(x, y))
        else:
            out.extend(strongswan_lint.lint_end(x, y))
    return out


def lint_scenario(scenario: Scenario) -> tuple[Finding, ...]:
    """Every finding for the gateways and tunnels of ``scenario``, sorted and de-duplicated."""
    found: list[Finding] = []
    for gw in scenario.gateways:
        found.extend(lint_references(gw))
    for t in scenario.tunnels:
        found.extend(lint_tunnel(t))
    for warning in scenario.warnings:  # the reader's repairs and read-past references
        found.append(Finding("warning", "reader-warning", warning, None, "see the message"))
    for note in scenario.pairing_inferences:
        found.append(
            Finding(
                "info",
                "address-inferred",
                note,
                None,
                "add 'config system interface' with the port's ip to make this explicit",
            )
        )
    for note in scenario.unpaired:
        found.append(
            Finding(
                "info",
                "unpaired-phase1",
                note,
                None,
                "give the peer's config too, or check remote-gw",
            )
        )
    unique: dict[tuple[str, str, SourceLoc | None], Finding] = {}
    for f in found:
        unique.setdefault((f.code, f.message, f.loc), f)
    return tuple(sorted(unique.values(), key=_sort_key))


def lint_gateways(gateways: Iterable[GatewayConfig]) -> tuple[Finding, ...]:
    return lint_scenario(pair(gateways, require_tunnel=False))


def lint_paths(paths: Iterable[str | Path]) -> tuple[Finding, ...]:
    """Read files/folders (strongSwan hosts too) leniently (undefined names become
    findings) and lint them."""
    return lint_scenario(load_scenario(paths, allow_undefined=True, require_tunnel=False))
