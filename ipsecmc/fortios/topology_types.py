"""Data produced by pairing gateways into tunnels (see ``ipsecmc.fortios.topology``)."""

from __future__ import annotations

from dataclasses import dataclass

from ipsecmc.errors import SourceLoc
from ipsecmc.fortios.config import GatewayConfig, IPv4Address, Phase1, Phase2
from ipsecmc.strongswan.host import SwanEnd, SwanHost


@dataclass(frozen=True)
class TunnelEnd:
    """One gateway's side of a tunnel: its phase1, phase2s and its own address.

    ``address_inferred`` is true when no interface of the gateway carries ``address``
    and it was taken from the peer's ``remote-gw`` instead (the seed snippets have no
    interface addresses); the inference is reported to the user.
    """

    gateway: GatewayConfig
    phase1: Phase1
    phase2s: tuple[Phase2, ...]
    address: IPv4Address
    address_inferred: bool

    @property
    def name(self) -> str:
        """The gateway's display name (hostname, or the file stem)."""
        return self.gateway.hostname

    @property
    def conn_name(self) -> str:
        """The name of this end's tunnel definition (the phase1)."""
        return self.phase1.name

    @property
    def loc(self) -> SourceLoc:
        return self.phase1.loc


#: One side of a tunnel, whichever vendor: a FortiGate phase1 or a strongSwan connection.
End = TunnelEnd | SwanEnd


def end_key(e: End) -> tuple[str, str, str, str]:
    """The order of ends in reports: gateway name, VDOM, file, then phase1/connection."""
    if isinstance(e, TunnelEnd):
        return (e.gateway.hostname, e.gateway.vdom or "", e.gateway.path, e.phase1.name)
    return (e.name, "", e.host.path, e.conn_name)


@dataclass(frozen=True)
class Tunnel:
    """A pair of mutually pointing ends (phase1s or strongSwan connections). ``a`` sorts
    before ``b`` by gateway name."""

    a: End
    b: End

    @property
    def name(self) -> str:
        return f"{self.a.name}/{self.a.conn_name}<->{self.b.name}/{self.b.conn_name}"


@dataclass(frozen=True)
class Scenario:
    """Gateways, the tunnels between them, and what pairing had to infer."""

    gateways: tuple[GatewayConfig, ...]
    tunnels: tuple[Tunnel, ...]
    inferences: tuple[str, ...] = ()
    unpaired: tuple[str, ...] = ()
    #: reader warnings (repairs, references nothing uses), each ``file:line:col: ...``;
    #: also among ``inferences`` so that JSON reports carry them
    warnings: tuple[str, ...] = ()
    #: every note of the reader (warnings and assumptions such as the release whose
    #: defaults were applied), as they appear among ``inferences``
    read_notes: tuple[str, ...] = ()
    #: strongSwan hosts read (``ipsecmc.strongswan``), next to the FortiOS ``gateways``
    hosts: tuple[SwanHost, ...] = ()

    @property
    def pairing_inferences(self) -> tuple[str, ...]:
        """The inferences pairing made (addresses it assumed), without the reader's notes."""
        notes = set(self.read_notes)
        return tuple(i for i in self.inferences if i not in notes)
