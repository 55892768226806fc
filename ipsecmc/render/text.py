"""Plain-text report of ``ipsecmc check``: one block per tunnel x property.

Traces read like a FortiOS debug log: time in seconds, the gateway, ``>`` for what the
gateway sends or does, ``<`` for what reaches it, and the config line that decided a
drop. Seconds in which nothing happens are not printed; the repeating part of a lasso
is marked.
"""

from __future__ import annotations

from ipsecmc.check import CheckReport, PropertyResult
from ipsecmc.engines.result import Verdict
from ipsecmc.trace import Trace


def _verdict_line(r: PropertyResult) -> str:
    v = r.verdict
    bound = f", T = {r.bound} s" if r.bound is not None else ""
    text = v.value
    if v is Verdict.HOLDS:
        text = "HOLDS (proved: " + r.result.reason + ")"
    elif v is Verdict.HOLDS_UP_TO:
        text = f"HOLDS up to {r.result.bound}"
    elif v is Verdict.INCONCLUSIVE:
        text = f"INCONCLUSIVE ({r.result.reason})"
    elif r.prop.kind == "reachable":
        text = f"VIOLATED ({r.result.reason})"
    expected = ""
    if r.expected is not None and r.expected != v.value:
        expected = f"   [scenario.toml expects {r.expected}]"
    return f"{r.prop.name} ({r.prop.kind}{bound}): {text}{expected}"


def render_trace(trace: Trace, width: int) -> list[str]:
    lines: list[str] = []
    loop_marked = False
    for ev in trace.events:
        if ev.in_loop and not loop_marked:
            lines.append(
                f"    --- from {ev.time} s on, the following repeats forever "
                f"(every {trace.loop_duration} s) ---"
            )
            loop_marked = True
        who = ev.gateway or "(traffic)"
        arrow = ev.note.direction or " "
        where = f"   [{ev.note.loc}]" if ev.note.loc is not None else ""
        lines.append(f"    {ev.time:>7} s  {who:<{width}}  {arrow} {ev.note.text}{where}")
    lines.append(
        "    final state: "
        + "; ".join(
            f"{g}: tunnel {s['tunnel']} (phase1 {s['p1']}, phase2 {s['p2']})"
            for g, s in trace.final_state.items()
        )
    )
    return lines


def render_text(report: CheckReport, verbose: bool = False) -> str:
    out: list[str] = []
    for note in report.scenario.inferences:
        out.append(f"note: {note}")
    out.append(f"traffic profile: {report.traffic}; rekey {'on' if report.rekey else 'off'}")
    current = None
    for r in report.results:
        if r.tunnel.name != current:
            current = r.tunnel.name
            out.append("")
            out.append(f"tunnel {current}")
        out.append("  " + _verdict_line(r))
        s = r.result.stats
        if verbose or r.verdict is Verdict.INCONCLUSIVE:
            out.append(f"    {s.states} states visited, {s.stored_nodes} stored, {s.seconds:.2f} s")
        if r.trace is not None and (r.verdict is Verdict.VIOLATED or verbose):
            kind = "witness" if r.verdict is Verdict.HOLDS else "counterexample"
            out.append(f"    {kind} ({r.trace.duration} s of model time):")
            width = max(len(n) for n in r.system.names)
            out.extend(render_trace(r.trace, max(width, 9)))
    return "\n".join(out) + "\n"
