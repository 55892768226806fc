"""Tunnels -> transition systems: each end's constants from its vendor's reader.

A tunnel end is a FortiGate phase1 (``ipsecmc.fortios.params``) or a strongSwan
connection (``ipsecmc.strongswan.params``); both give ``EndParams``, the vendor seam of
the one semantics, so a mixed pair is a tunnel like any other.
"""

from __future__ import annotations

from ipsecmc.fortios import params as fortios_params
from ipsecmc.fortios.topology_types import End, Tunnel, TunnelEnd
from ipsecmc.model.faults import NO_FAULTS, FaultModel
from ipsecmc.model.params import EndParams, TunnelParams
from ipsecmc.model.system import DEFAULT_TRAFFIC, TransitionSystem
from ipsecmc.model.traffic import TrafficProfile, parse_profile
from ipsecmc.strongswan import params as strongswan_params


def end_params(end: End, peer: End, rekey: bool) -> EndParams:
    """The model constants of ``end`` facing ``peer``, by ``end``'s vendor."""
    if isinstance(end, TunnelEnd):
        return fortios_params.end_params(end, peer, rekey)
    return strongswan_params.end_params(end, peer.address, rekey)


def tunnel_params(
    tunnel: Tunnel, traffic: TrafficProfile, rekey: bool = True, faults: FaultModel = NO_FAULTS
) -> TunnelParams:
    return TunnelParams(
        ends=(end_params(tunnel.a, tunnel.b, rekey), end_params(tunnel.b, tunnel.a, rekey)),
        traffic=traffic,
        rekey=rekey,
        faults=faults,
    )


class TunnelSystem(TransitionSystem):
    """The transition system of a tunnel read from configs, with the configs' objects
    (``tunnel``) that reports point at; the engines see a ``TransitionSystem``."""

    def __init__(self, tunnel: Tunnel, params: TunnelParams) -> None:
        super().__init__(tunnel.name, params)
        self.tunnel = tunnel


def build(
    tunnel: Tunnel,
    traffic: str | None = None,
    rekey: bool = True,
    faults: FaultModel = NO_FAULTS,
) -> TunnelSystem:
    """Build the transition system of one tunnel (the ``build`` stage of the pipeline)."""
    profile = parse_profile(traffic or DEFAULT_TRAFFIC, tunnel.a.name, tunnel.b.name)
    return TunnelSystem(tunnel, tunnel_params(tunnel, profile, rekey, faults))
