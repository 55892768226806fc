"""Data produced by pairing gateways into tunnels (see ``ipsecmc.fortios.topology``)."""

from __future__ import annotations

from dataclasses import dataclass

from ipsecmc.fortios.config import GatewayConfig, IPv4Address, Phase1, Phase2


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


@dataclass(frozen=True)
class Tunnel:
    """A pair of mutually pointing phase1s. ``a`` sorts before ``b`` by gateway name."""

    a: TunnelEnd
    b: TunnelEnd

    @property
    def name(self) -> str:
        return f"{self.a.name}/{self.a.phase1.name}<->{self.b.name}/{self.b.phase1.name}"


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

    @property
    def pairing_inferences(self) -> tuple[str, ...]:
        """The inferences pairing made (addresses it assumed), without the reader's notes."""
        notes = set(self.read_notes)
        return tuple(i for i in self.inferences if i not in notes)
