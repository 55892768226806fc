"""strongSwan -> model: the constants of one connection's end (``ipsecmc.model.params``).

What charon does, as data (domain.md section 6; swanctl.conf(5) and strongswan.conf(5)
of 5.9.8; [C] confirmed in source or docs, [U] chosen and documented):

* every request, a DPD liveness check included, is resent ``timeout * base^(n-1)``
  apart (``charon.retransmit_*``; 4, 11, 24, 47, 89 s, given up at 165 s) [C 6.4];
* giving up on any request re-establishes: the IKE SA goes, each child gets its
  ``dpd_action`` [C 6.5];
* DPD is on-idle: a check only when nothing came from the peer for ``dpd_delay``
  (IKE, or ESP in 5.x) [C 6.6]; IKEv2 takes only the answer as proof of life, IKEv1
  R_U_THERE with a ``dpd_timeout`` counts any packet; an IKEv1 ``dpd_timeout`` of 0 uses
  the retransmission schedule (swanctl.conf(5));
* a peer declared dead gets **no** DELETE (unlike FortiOS) [issue 15, C 6.5];
* INITIAL_CONTACT: a new IKE SA replaces the peer's old ones (uniqueids) [U];
* IKEv2 rekeying keeps the CHILD_SAs; reauthentication (``reauth_time``, and IKEv1's
  rekey, which is a reauthentication) is break-before-make: the IPsec SA goes [C 6.3 doc];
* the host's filter is its nftables input path with conntrack: an established UDP 500
  entry is accepted before the other rules only if the ruleset says so (``ct state
  established accept`` ahead of the rules that drop IKE).

How a child is (re)started maps onto the model's knobs (``EndParams``):
``start_action = start`` -> ``starts_at_boot``; a trap policy (``start_action`` trap,
or ``dpd_action``/``close_action`` trap) -> ``on_traffic``; ``dpd_action = restart``
with ``close_action = start`` -> ``p2_auto_negotiate`` (re-created whatever ended it).
Where the mapping is approximate it says so in a reader note.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ipsecmc.errors import ConfigError
from ipsecmc.fortios.config import ReadNote
from ipsecmc.linux.nftables import NO_CHAIN, Outcome, Packet, evaluate
from ipsecmc.model.params import Admission, Behaviour, DpdMode, EndParams
from ipsecmc.strongswan.host import IPv4Address, SwanEnd
from ipsecmc.strongswan.swanctl import Child, Connection

IKE_PORT = 500
UDP = 17


def _rule_name(o: Outcome) -> str:
    if o.chain is NO_CHAIN:
        return "no nftables rule (no input chain)"
    if o.rule is None:
        return f"the nftables policy {o.chain.policy} of chain {o.chain.label}"
    return f"nftables rule {o.rule.number} of chain {o.chain.label}"


def _admission(o: Outcome) -> Admission:
    """The model's view of one outcome: ``policy_id`` is the rule's number in its chain
    (0: the chain's policy), for JSON's ``dropped_by_policy``."""
    policy = None if o.chain is NO_CHAIN else (o.rule.number if o.rule is not None else 0)
    if o.assumed:
        why = "assuming " + " and ".join(o.assumed)
    elif o.rule is None:
        why = "no rule of the chain decides a new UDP 500 packet from the peer"
    else:
        why = f"{o.rule.text!r} matches a new UDP 500 packet from the peer"
    return Admission(o.accepted, policy, None if o.chain is NO_CHAIN else o.loc, why, _rule_name(o))


def filter_params(end: SwanEnd, peer: IPv4Address) -> tuple[tuple[Admission, ...], bool]:
    """The admissions of a new IKE packet from ``peer`` and whether an established
    conntrack entry lets the peer's IKE in before the rest of the ruleset decides."""
    ruleset = end.host.ruleset
    if ruleset is None:
        return (Admission(True, None, None, "no nftables ruleset", "no nftables ruleset"),), True

    def packet(state: str) -> Packet:
        return Packet(peer, end.address, UDP, IKE_PORT, IKE_PORT, state)

    new = evaluate(ruleset, packet("new"))
    established = evaluate(ruleset, packet("established"))
    if all(o.accepted for o in established):
        session_first = True
    elif not any(o.accepted for o in new):
        session_first = False
    else:
        dropped = next(o for o in established if not o.accepted)
        raise ConfigError(
            dropped.loc,
            f"{end.name}: the input path drops the peer's IKE of an established conntrack "
            f"entry ({dropped.describe()}) but accepts a new one; ipsecmc models a filter "
            "that accepts established IKE at least as readily as new IKE",
        )
    return tuple(_admission(o) for o in new), session_first


def _retries(conn: Connection) -> int:
    if conn.dpd_delay == 0:
        return 1
    return max(1, math.ceil(conn.dpd_timeout / conn.dpd_delay))


def behaviour(end: SwanEnd, session_first: bool) -> Behaviour:
    """What charon does for this connection (module doc)."""
    conn = end.connection
    r = end.host.swanctl.retransmission
    v1_timer = conn.version == 1 and conn.dpd_timeout > 0
    return Behaviour(
        request_sends=r.sends(),
        request_giveup=r.giveup(),
        dpd_is_request=not v1_timer,
        giveup_drops_ike=True,
        inbound_clears_dpd=v1_timer,
        delete_on_dead_peer=False,
        new_ike_sa_replaces=True,
        ike_rekey_drops_ipsec=conn.version == 1 or conn.reauth_time > 0,
        session_before_local_in=session_first,
    )


def mapping_notes(conn: Connection, giveup: int) -> tuple[ReadNote, ...]:
    """Where the connection maps onto the model only approximately: children's actions,
    several children, hard lifetimes shorter than a failed rekey's give-up (``giveup``
    seconds: the model ends an unanswered rekey by giving it up)."""
    notes: list[ReadNote] = []
    if (conn.rekey_time or conn.reauth_time) and conn.over_time < giveup:
        notes.append(
            ReadNote(
                conn.where("over_time"),
                f"connection '{conn.name}': over_time {conn.over_time} s closes the IKE SA "
                f"before an unanswered rekey is given up ({giveup} s); the model ends it at "
                "the give-up",
            )
        )
    for c in conn.children:
        if c.rekey_time and c.life_time - c.rekey_time < giveup:
            notes.append(
                ReadNote(
                    c.where("life_time"),
                    f"child '{c.name}': life_time {c.life_time} s ends the CHILD_SA "
                    f"{c.life_time - c.rekey_time} s after rekey_time, before an unanswered "
                    f"rekey is given up ({giveup} s); the model ends it at the give-up",
                )
            )
    if len(conn.children) > 1:
        notes.append(
            ReadNote(
                conn.loc,
                f"connection '{conn.name}' has {len(conn.children)} children; the model has "
                "one IPsec SA: started, trapped and re-created if any child is, rekeyed at "
                "the shortest rekey_time",
            )
        )
    for c in conn.children:
        restart, start = c.dpd_action == "restart", c.close_action == "start"
        if restart != start:
            key = "dpd_action" if restart else "close_action"
            notes.append(
                ReadNote(
                    c.where(key),
                    f"child '{c.name}': {key} {'restart' if restart else 'start'} is modelled "
                    "as re-creating the CHILD_SA after any loss (set dpd_action = restart "
                    "and close_action = start to match exactly)",
                )
            )
        if (restart or start) and "start" not in c.start_action:
            notes.append(
                ReadNote(
                    c.where("start_action"),
                    f"child '{c.name}': re-created after a loss but not started at load; "
                    "modelled as also started at load",
                )
            )
        if "trap" in (c.dpd_action, c.close_action) and "trap" not in c.start_action:
            notes.append(
                ReadNote(
                    c.where("dpd_action" if c.dpd_action == "trap" else "close_action"),
                    f"child '{c.name}': a trap policy installed after a loss is modelled as "
                    "installed at all times (start_action = trap matches exactly)",
                )
            )
    return tuple(notes)


def end_params(end: SwanEnd, peer: IPv4Address, rekey: bool) -> EndParams:
    """The model constants of ``end`` facing ``peer`` (``mapping_notes`` says where the
    mapping is approximate)."""
    conn = end.connection
    admissions, session_first = filter_params(end, peer)
    kids: Sequence[Child] = conn.children
    at_start = any("start" in c.start_action for c in kids)
    rearm = any(c.dpd_action == "restart" or c.close_action == "start" for c in kids)
    trap = any("trap" in c.start_action or "trap" in (c.dpd_action, c.close_action) for c in kids)
    p1_life = conn.reauth_time or conn.rekey_time
    p2_life = min((c.rekey_time for c in kids if c.rekey_time), default=0)
    v1_timer = conn.version == 1 and conn.dpd_timeout > 0
    return EndParams(
        name=end.name,
        address=str(end.address),
        ike_version=conn.version,
        dpd=DpdMode.ON_IDLE if conn.dpd_delay else DpdMode.DISABLE,
        dpd_retrycount=_retries(conn) if v1_timer else len(end.host.swanctl.retransmission.sends()),
        dpd_retryinterval=conn.dpd_delay,
        p1_keylife=(p1_life or None) if rekey else None,
        p2_keylife=(p2_life or None) if rekey else None,
        p1_auto_negotiate=False,
        p2_auto_negotiate=rearm,
        session_ttl=end.host.conntrack.seconds,
        admissions=admissions,
        phase1_loc=conn.loc,
        session_ttl_source=end.host.conntrack.source,
        behaviour=behaviour(end, session_first),
        on_traffic=trap,
        starts_at_boot=at_start,
    )
