"""The worst stretch next to a bounded verdict: "T = 206 s: HOLDS" alone hides a 21 s
disagreement that a broken config really has (issue 12, item 5).

A bounded property says "the formula never holds for more than T seconds without a
break"; its verdict alone does not say how long it *does* hold. The figure reported here
is the bounded monitor's own quantity: the largest w such that some reachable run keeps
the formula true from one state to a state w seconds later (for ``disagree`` that is what
``ipsecmc measure`` reports, since the ends' SAs change only in zero-time events).

When the search that proved the property measured its monitor's maximum over every
reachable state (the zone search does: ``EngineResult.monitor_max``), that is w, with no
further search; from convex hulls it is an upper bound that narrows the bisection.

Otherwise, without a second kind of search: w <= k exactly when the property holds with bound
k, so w is the smallest k in 0..T with HOLDS, found by bisection with the same engine on
the same system (only the bound changes). Each probe is one search of the kind that
proved the property; the first probe is k = 0, which settles the common case (the ends
never disagree for a whole second) in one extra search. A probe that runs out of budget,
or more than ``MAX_PROBES`` probes, leave a lower bound, labelled so ("at least").
A VIOLATED property gives "at least T + 1 s" (the counterexample shows it) and no
further search.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ipsecmc.engines.result import EngineResult, Plan, Verdict

#: Formulas (as rendered) whose worst stretch ``check`` reports. ``disagree`` only: the
#: zone search answers it in a fraction of a second even under free traffic; a formula
#: that reads ``blackhole`` needs the one-second search, and the probes would multiply
#: the cost of the default check (``ipsecmc measure --quantity blackhole`` gives that one).
REPORTED = frozenset({"disagree"})

#: Bisection probes at most: 0, then log2(T) more (T = 206 s needs 9 in all).
MAX_PROBES = 12

Check = Callable[[Plan], EngineResult]


@dataclass(frozen=True, slots=True)
class Longest:
    """How long the formula can hold without a break: exactly ``seconds``, or (``exact``
    false) at least ``seconds`` and at most ``at_most`` (``None``: no upper bound known)."""

    seconds: int
    exact: bool
    at_most: int | None

    def text(self) -> str:
        if self.exact:
            return f"{self.seconds:,} s"
        upper = f", at most {self.at_most:,} s" if self.at_most is not None else ""
        return f"at least {self.seconds:,} s{upper}"

    def as_fact(self) -> dict[str, object]:
        return {"seconds": self.seconds, "exact": self.exact, "at_most": self.at_most}


def longest_stretch(plan: Plan, result: EngineResult, check: Check) -> Longest | None:
    """The worst stretch of ``plan``'s formula, given the engine's ``result`` at the
    plan's bound; ``check`` runs the same engine with another bound. ``None`` when
    nothing can be said (not bounded, or the main search gave no definite answer)."""
    if plan.kind != "bounded" or plan.bound is None:
        return None
    if result.verdict is Verdict.VIOLATED:
        return Longest(plan.bound + 1, False, None)
    if result.verdict is not Verdict.HOLDS:
        return None
    lo, hi = 0, plan.bound  # invariant: w >= lo, and the property holds with bound hi
    if result.monitor_max is not None:  # the search measured it (zones: exact)
        if result.monitor_exact:
            return Longest(result.monitor_max, True, result.monitor_max)
        hi = min(hi, result.monitor_max)
    probes = 0
    while lo < hi and probes < MAX_PROBES:
        mid = lo if probes == 0 else (lo + hi) // 2
        probes += 1
        verdict = check(replace(plan, bound=mid)).verdict
        if verdict is Verdict.HOLDS:
            hi = mid
        elif verdict is Verdict.VIOLATED:
            lo = mid + 1
        else:  # a budget ran out: keep what is known
            break
    if lo == hi:
        return Longest(lo, True, hi)
    return Longest(lo, False, hi)
