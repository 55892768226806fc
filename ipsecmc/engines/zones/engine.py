"""The zone engine's entry: the explorer of ``zones.search`` plus, for recoverable
plans, the backward pass of ``zones.recovery`` over the graph it stored.

Kept apart so that the dependencies run one way: ``recovery`` and ``waiting`` read a
finished ``ZoneExplorer``; the explorer knows nothing of them.
"""

from __future__ import annotations

from ipsecmc.engines.result import EngineResult
from ipsecmc.engines.zones.recovery import recoverable
from ipsecmc.engines.zones.search import ZoneExplorer, applicable, lifter_for


class ZoneSearch(ZoneExplorer):
    """A zone search of any plan kind (``ZoneExplorer`` with recoverable plans)."""

    def _recover(self) -> EngineResult:
        return recoverable(self)


__all__ = ["ZoneSearch", "applicable", "lifter_for"]
