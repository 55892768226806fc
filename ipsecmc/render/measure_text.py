"""Plain-text report of ``ipsecmc measure``: per tunnel the worst case, how it was
obtained, both ends' state when the worst stretch starts and ends, and its trace.

The trace lines are ``ipsecmc check``'s (``render.text.render_trace``); repeating
blocks are folded (``render.fold``) unless ``full_trace`` is set.
"""

from __future__ import annotations

import click

from ipsecmc.engines.explicit.measure import Status
from ipsecmc.render.text import render_trace, state_text
from ipsecmc.workflows.measure import MeasureReport, TunnelMeasure, hms


def figure_text(r: TunnelMeasure, quantity: str) -> str:
    """The one-line answer: ``42,930 s (11:55:30), from 280 s to 43,210 s``."""
    m = r.measurement
    if m.status is Status.UNBOUNDED:
        return f"UNBOUNDED: from {m.start:,} s on, {quantity} can last forever (lasso below)"
    if m.start is None and m.status is Status.LOWER_BOUND:
        return f"INCONCLUSIVE: no {quantity} in the explored part (a lower bound of 0 s)"
    if m.start is None:
        text = f"0 s: never, in any reachable state ({quantity} never holds)"
    else:
        seconds = m.seconds or 0
        until = f"{m.end:,} s" if m.end is not None else "where the search stopped"
        text = f"{seconds:,} s ({hms(seconds)}), from {m.start:,} s to {until}"
    if m.status is Status.LOWER_BOUND:
        return f"INCONCLUSIVE: at least {text} (a lower bound)"
    return text


def render_measure_text(
    report: MeasureReport, colour: bool = False, full_trace: bool = False
) -> str:
    q = report.quantity
    out: list[str] = [f"note: {n}" for n in report.scenario.inferences]
    faults = f"; faults: {report.faults.text}" if report.faults.enabled else ""
    out.append(
        f"traffic profile: {report.traffic}; rekey {'on' if report.rekey else 'off'}{faults}"
    )
    out.append(f"quantity: {q.name}: the longest time {q.description} (formula: {q.formula})")
    for r in report.results:
        m = r.measurement
        out.append("")
        out.append(f"tunnel {r.tunnel.name}")
        answer = figure_text(r, q.name)
        fg = {Status.UNBOUNDED: "red", Status.LOWER_BOUND: "yellow"}.get(m.status)
        out.append("  worst case: " + (click.style(answer, fg=fg) if colour and fg else answer))
        out.append(f"    how: {m.reason}; {m.stats.seconds:.2f} s")
        if r.at_start is not None and m.start is not None:
            out.append(f"    when it starts ({m.start:,} s): {state_text(r.at_start)}")
        if r.at_end is not None and m.end is not None:
            out.append(f"    when it ends ({m.end:,} s): {state_text(r.at_end)}")
        if r.trace is not None:
            how = "every line" if full_trace else "repeats folded; --full-trace: every line"
            out.append(f"    trace ({r.trace.duration:,} s of model time, {how}):")
            width = max(9, *(len(n) for n in r.system.names))
            out.extend(render_trace(r.trace, width, colour, fold_repeats=not full_trace))
    return "\n".join(out) + "\n"
