"""Faults the environment may inject, as explored behaviour (issue 15, item 1).

Off by default: a tunnel is checked as configured, with no packet lost but to local-in.
With ``--faults`` (or ``faults = ...`` in scenario.toml) every engine also explores, at
most ``budget`` times per run (the count is part of the state, so a run cannot fault
forever):

* ``reboot``: a gateway restarts. It loses every SA with the peer, its session table and
  its DPD and negotiation state (the end is as at boot); the peer keeps its SAs until
  DPD, a keylife or the rebooted end's next negotiation (INITIAL_CONTACT) ends them.
* ``flush``: an admin flushes the tunnel at one end (``diagnose vpn tunnel flush``): its
  IKE and IPsec SAs are removed without a delete to the peer; its session table stays.
* ``loss``: one IKE packet is lost on the wire: a request before it reaches the peer, or
  the peer's response on its way back (the peer has acted on the request; the sender
  has not heard of it and retransmits).

A reboot or flush happens at the start of any second (it is one more choice of the
environment's per-second input, next to the traffic: ``Semantics.successors``); a loss
is one more outcome of the exchange that sent the packet. Either way every engine reads
it from ``Semantics``: none has a line of its own for faults.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ipsecmc.errors import UsageError


class Fault(StrEnum):
    """A kind of fault (``--faults`` names)."""

    REBOOT = "reboot"
    FLUSH = "flush"
    LOSS = "loss"


#: Faults that happen at the start of a second, at one end (in ``Label.arg`` order).
TICK_FAULTS: tuple[Fault, ...] = (Fault.REBOOT, Fault.FLUSH)

#: ``--fault-budget`` default: "after any single fault".
DEFAULT_BUDGET = 1


@dataclass(frozen=True, slots=True)
class FaultModel:
    """Which faults are explored, and how many per run at most."""

    kinds: frozenset[Fault] = frozenset()
    budget: int = DEFAULT_BUDGET

    @property
    def enabled(self) -> bool:
        return bool(self.kinds) and self.budget > 0

    @property
    def tick_faults(self) -> tuple[tuple[Fault, int], ...]:
        """(kind, end) of each fault that may start a second; code ``n + 1`` in a tick
        label is entry ``n`` (``Label.arg >> 2``; 0: none)."""
        if not self.enabled:
            return ()
        return tuple((kind, end) for kind in TICK_FAULTS if kind in self.kinds for end in (0, 1))

    @property
    def loses_packets(self) -> bool:
        return self.enabled and Fault.LOSS in self.kinds

    @property
    def text(self) -> str:
        """How reports show it (``none``, or ``reboot,loss (at most 1)``)."""
        if not self.enabled:
            return "none"
        names = ",".join(kind.value for kind in Fault if kind in self.kinds)
        return f"{names} (at most {self.budget})"


NO_FAULTS = FaultModel()


def parse_faults(text: str | None, budget: int | None = None) -> FaultModel:
    """``--faults`` text: ``none``, ``all``, or fault names joined by commas."""
    chosen_budget = DEFAULT_BUDGET if budget is None else budget
    if chosen_budget < 0:
        raise UsageError(f"fault budget {chosen_budget}: expected a whole number >= 0")
    if text is None or text.strip() in ("", "none"):
        return FaultModel(frozenset(), chosen_budget)
    if text.strip() == "all":
        return FaultModel(frozenset(Fault), chosen_budget)
    kinds: set[Fault] = set()
    for part in text.split(","):
        name = part.strip()
        try:
            kinds.add(Fault(name))
        except ValueError:
            known = ", ".join(kind.value for kind in Fault)
            raise UsageError(
                f"faults {text!r}: unknown fault {name!r}; expected none, all, or some of "
                f"{known} joined by commas"
            ) from None
    return FaultModel(frozenset(kinds), chosen_budget)


__all__ = [
    "DEFAULT_BUDGET",
    "NO_FAULTS",
    "TICK_FAULTS",
    "Fault",
    "FaultModel",
    "parse_faults",
]
