"""What was read from a strongSwan host, as ``ipsecmc parse`` prints it (text and JSON).

Nothing secret is in a ``SwanHost`` (the reader keeps ``<redacted>`` for secret values),
so everything here may be printed.
"""

from __future__ import annotations

from typing import Any

from ipsecmc.linux.nftables import Chain
from ipsecmc.strongswan.host import SwanHost
from ipsecmc.strongswan.swanctl import Child, Connection

JSON = dict[str, Any]


def _child(c: Child) -> JSON:
    return {
        "name": c.name,
        "start_action": sorted(c.start_action) or ["none"],
        "dpd_action": c.dpd_action,
        "close_action": c.close_action,
        "rekey_time": c.rekey_time,
        "life_time": c.life_time,
        "loc": str(c.loc),
    }


def _connection(c: Connection) -> JSON:
    return {
        "name": c.name,
        "version": c.version,
        "local_addrs": list(c.local_addrs),
        "remote_addrs": list(c.remote_addrs),
        "dpd_delay": c.dpd_delay,
        "dpd_timeout": c.dpd_timeout,
        "rekey_time": c.rekey_time,
        "reauth_time": c.reauth_time,
        "over_time": c.over_time,
        "children": [_child(k) for k in c.children],
        "loc": str(c.loc),
    }


def _chain(c: Chain) -> JSON:
    return {
        "table": c.table,
        "name": c.name,
        "hook": c.hook,
        "type": c.type,
        "priority": c.priority,
        "policy": c.policy,
        "rules": [{"number": r.number, "text": r.text, "loc": str(r.loc)} for r in c.rules],
        "loc": str(c.loc),
    }


def host_to_dict(host: SwanHost) -> JSON:
    """The normalized form ``ipsecmc parse --format json`` prints for one host."""
    r = host.swanctl.retransmission
    return {
        "path": host.path,
        "hostname": host.hostname,
        "vendor": "strongswan",
        "connections": [_connection(c) for c in host.connections],
        "retransmission": {
            "timeout": r.timeout,
            "base": r.base,
            "tries": r.tries,
            "limit": r.limit,
            "jitter": r.jitter,
            "sends": list(r.sends()),
            "giveup": r.giveup(),
        },
        "nftables": None
        if host.ruleset is None
        else {"path": host.ruleset.path, "chains": [_chain(c) for c in host.ruleset.chains]},
        "conntrack_udp_stream_timeout": host.conntrack.seconds,
        "skipped_sections": dict(host.skipped_sections),
        "notes": [str(n) for n in host.notes],
    }


def host_text(host: SwanHost, verbose: bool) -> list[str]:
    """The lines ``ipsecmc parse`` prints for one host."""
    out = [f"{host.path}: strongSwan host {host.hostname}"]
    for c in host.connections:
        out.append(
            f"  connection {c.name} ({c.loc}): IKEv{c.version} local {','.join(c.local_addrs)} "
            f"remote {','.join(c.remote_addrs)} dpd_delay {c.dpd_delay}s rekey {c.rekey_time}s "
            f"reauth {c.reauth_time}s"
        )
        for k in c.children:
            start = "|".join(sorted(k.start_action)) or "none"
            out.append(
                f"    child {k.name} ({k.loc}): start_action {start} dpd_action "
                f"{k.dpd_action} close_action {k.close_action} rekey {k.rekey_time}s"
            )
    r = host.swanctl.retransmission
    sends = ", ".join(str(s) for s in r.sends()[1:])
    out.append(f"  retransmits at {sends} s, given up at {r.giveup()} s")
    if host.ruleset is None:
        out.append("  no nftables ruleset: nothing filters IKE")
    else:
        for chain in host.ruleset.base_chains():
            out.append(
                f"  nftables chain {chain.label} ({chain.loc}): hook {chain.hook} priority "
                f"{chain.priority} policy {chain.policy}, {len(chain.rules)} rules"
            )
    out.append(f"  conntrack UDP stream timeout {host.conntrack.seconds}s")
    skipped = host.skipped_sections
    out.append(
        f"  skipped: {len(skipped)} sections ({sum(n for _, n in skipped)} items)"
        + ("" if verbose else "; --verbose lists them")
    )
    if verbose:
        out.extend(f"    {name}: {n}" for name, n in skipped)
    return out
