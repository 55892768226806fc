"""What a counterexample violates, in the words of its property (issue 14, item 5).

``explain`` tells the story of a trace (who dropped what, which session expired); it
does not know the property, and read on its own it spoke of agreement whatever was
checked. This module writes the sentence that comes first: what of *this* property
fails, and when ("`not up(end_a)` is false at 1 s", "`F` holds from 280 s without a
break, more than T = 110 s", "`P` holds at 280 s and `Q` does not follow within 110
s"). It replays the trace's path with the property's own monitor
(``engines.monitor.Monitor``), so the times are those at which the checker decided.
"""

from __future__ import annotations

from ipsecmc.engines.monitor import Monitor, seconds
from ipsecmc.engines.result import Verdict
from ipsecmc.properties import render
from ipsecmc.render.explain import explain
from ipsecmc.workflows.suspects import Suspect
from ipsecmc.workflows.tunnel_check import PropertyResult, plan_for


def what_failed(r: PropertyResult) -> str | None:
    """The sentence for a VIOLATED result with a trace whose path replays to the hit;
    None otherwise (a witness, a lasso of ``recoverable`` is said by its loop)."""
    trace = r.trace
    if r.verdict is not Verdict.VIOLATED or trace is None:
        return None
    prop = r.prop
    if prop.kind == "recoverable":
        if trace.loop_time is None:
            return None
        return (
            f"From {trace.loop_time} s on the run repeats forever without "
            f"`{prop.render()}` holding again"
        )
    if trace.path is None or prop.kind == "reachable":
        return None
    plan = plan_for(r.system, prop, r.bound)
    monitor = Monitor(plan)
    state = r.system.initial()
    c, now = monitor.initial(state), 0
    if not monitor.hit(state, c):
        for label in trace.path.labels:
            after = r.system.replay_step(state, label).state
            c = monitor.step(c, label, state, after)
            state, now = after, now + seconds(label)
            if monitor.hit(state, c):
                break
        else:
            return None
    formula = f"`{render(prop.formula)}`"
    if prop.kind == "invariant":
        return f"{formula} is false at {now} s"
    limit = plan.bound
    if prop.kind == "bounded":
        return (
            f"{formula} holds from {now - c} s without a break, more than T = {limit} s "
            f"(by {now} s)"
        )
    temporal = prop.temporal
    if temporal is None:
        return None
    left = None if temporal.left is None else f"`{render(temporal.left)}`"
    if temporal.op == "leads-to":
        return (
            f"{left} holds at {now - c} s and {formula} does not follow within {limit} s "
            f"(still not by {now} s)"
        )
    if temporal.op == "within" or (limit is not None and c > limit):
        return f"{formula} does not hold within {limit} s of the start"
    return f"{left} fails at {now} s, before {formula} has held"


def paragraph(r: PropertyResult, suspects: tuple[Suspect, ...] = ()) -> str:
    """What failed (:func:`what_failed`), then the trace's story (``explain``)."""
    assert r.trace is not None
    story = explain(r.trace, r.system.names, suspects)
    head = what_failed(r)
    return story if head is None else f"{head}: {story}"


__all__ = ["paragraph", "what_failed"]
