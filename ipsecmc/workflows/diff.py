"""``ipsecmc diff OLD NEW``: which verdicts a proposed change flips.

Both sides are checked with the same options. Tunnels are matched by what identifies
them on the wire and in the GUI, not by file names: the pair of (phase1 name, end
address) of their two ends. Per matched tunnel x property the old and new verdicts are
compared: HOLDS/HOLDS_UP_TO -> VIOLATED is a regression (the CLI exits 1 and shows the
new counterexample), VIOLATED -> HOLDS/HOLDS_UP_TO is a fix. A tunnel that only exists in
NEW and is violated there counts as a regression too (the change brought it in).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ipsecmc.engines.result import Stats, Verdict
from ipsecmc.fortios.topology_types import Tunnel
from ipsecmc.workflows.check import CheckOptions, CheckReport, PropertyResult, check_paths

_HOLDS = {Verdict.HOLDS, Verdict.HOLDS_UP_TO}

TunnelKey = frozenset[tuple[str, str]]


def tunnel_key(t: Tunnel) -> TunnelKey:
    """(phase1 name, address) of both ends, order-free."""
    return frozenset({(t.a.conn_name, str(t.a.address)), (t.b.conn_name, str(t.b.address))})


@dataclass(frozen=True)
class Change:
    """One tunnel x property in OLD and/or NEW."""

    tunnel: str
    prop: str
    old: PropertyResult | None
    new: PropertyResult | None

    @property
    def before(self) -> Verdict | None:
        return None if self.old is None else self.old.verdict

    @property
    def after(self) -> Verdict | None:
        return None if self.new is None else self.new.verdict

    @property
    def status(self) -> str:
        """regression, fixed, unchanged, changed, added or removed."""
        b, a = self.before, self.after
        if a is Verdict.VIOLATED and (b is None or b in _HOLDS):
            return "regression"
        if b is Verdict.VIOLATED and a in _HOLDS:
            return "fixed"
        if b is None:
            return "added"
        if a is None:
            return "removed"
        return "unchanged" if a is b else "changed"


@dataclass(frozen=True)
class DiffReport:
    old: CheckReport
    new: CheckReport
    changes: tuple[Change, ...]

    @property
    def regressions(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.status == "regression")

    @property
    def fixed(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.status == "fixed")


def diff_reports(old: CheckReport, new: CheckReport) -> DiffReport:
    """Match results of ``old`` and ``new`` by tunnel key and property name."""
    old_by = {(tunnel_key(r.tunnel), r.prop.name): r for r in old.results}
    changes: list[Change] = []
    matched: set[tuple[TunnelKey, str]] = set()
    for r in new.results:
        key = (tunnel_key(r.tunnel), r.prop.name)
        o = old_by.get(key)
        matched.add(key)
        changes.append(Change(r.tunnel.name, r.prop.name, o, r))
    for key, o in old_by.items():
        if key not in matched:
            changes.append(Change(o.tunnel.name, o.prop.name, o, None))
    return DiffReport(old, new, tuple(changes))


def diff_paths(
    old: Sequence[str | Path],
    new: Sequence[str | Path],
    options: CheckOptions,
    progress: Callable[[Stats], None] | None = None,
) -> DiffReport:
    return diff_reports(check_paths(old, options, progress), check_paths(new, options, progress))
