"""What every engine is: a ``check`` of one plan on one transition system.

The workflows pick an engine by name (``--engine``) and call it through this protocol;
they never reach into an engine's internals. An engine holds its own budget and
settings (no process-wide state), so two engines may run side by side in one process.
"""

from __future__ import annotations

from typing import Protocol

from ipsecmc.engines.result import EngineResult, Plan
from ipsecmc.model.system import TransitionSystem


class Engine(Protocol):
    """A model checker of ``Plan``s: ``ExplicitEngine`` (one-second states, zones) and
    ``SmtEngine`` (Z3: BMC, k-induction, Spacer)."""

    #: the ``--engine`` name, as reports print it
    name: str

    def check(self, system: TransitionSystem, plan: Plan) -> EngineResult:
        """The verdict of ``plan`` on ``system``: HOLDS only with a proof, else
        HOLDS_UP_TO or INCONCLUSIVE; VIOLATED (HOLDS for reachable) with a path."""
        ...


__all__ = ["Engine"]
