"""Plain-text report of ``ipsecmc check``: one block per tunnel x property.

Traces read like a FortiOS debug log: time in seconds, the gateway, ``>`` for what the
gateway sends or does, ``<`` for what reaches it, and the config line that decided a
drop. Seconds in which nothing happens are not printed; the repeating part of a lasso
is marked.

Above each counterexample, one paragraph says in words what went wrong
(``ipsecmc.render.explain``). Colour (click.style: verdicts, drops, SA changes) only
when ``colour`` is set: the CLI sets it when stdout is a terminal and ``NO_COLOR`` is
not, so piped output and files stay plain text.
"""

from __future__ import annotations

import os
import sys
import textwrap
from dataclasses import replace

import click

from ipsecmc.engines.result import Verdict
from ipsecmc.model.events import LOST, SA_LOST
from ipsecmc.render.fold import Fold, fold
from ipsecmc.render.why import paragraph
from ipsecmc.trace import Trace, TraceEvent
from ipsecmc.workflows.check import CheckReport, PropertyResult
from ipsecmc.workflows.suspects import suspects_in
from ipsecmc.workflows.unknowns import overall

_VERDICT_COLOURS = {
    Verdict.VIOLATED: "red",
    Verdict.HOLDS: "green",
    Verdict.HOLDS_UP_TO: "yellow",
    Verdict.INCONCLUSIVE: "yellow",
}


def use_colour() -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set (no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _event_colour(ev: TraceEvent) -> str | None:
    if ev.note.kind in LOST:
        return "red"
    if ev.note.category == "sa":
        return "red" if ev.note.kind in SA_LOST else "green"
    if ev.note.category in ("session", "dpd"):
        return "yellow"
    return None


def explanation_lines(r: PropertyResult, indent: str = "    ") -> list[str]:
    """The explanation paragraph of ``r``'s trace, wrapped for a terminal."""
    if r.trace is None:
        return []
    return textwrap.wrap(
        paragraph(r, suspects_in(r.tunnel, r.trace)),
        width=96,
        initial_indent=indent,
        subsequent_indent=indent,
        break_on_hyphens=False,  # "local-in" stays one word
    )


def _verdict_line(r: PropertyResult, colour: bool = False) -> str:
    v = r.verdict
    bound = f", T = {r.bound} s" if r.bound is not None else ""
    faults = r.system.params.faults
    if faults.enabled:
        bound += f", faults: {faults.text}"
    text = v.value
    if v is Verdict.HOLDS:
        text = "HOLDS (proved: " + r.result.reason + ")"
        worst = r.result.facts.get("worst_recovery_seconds")
        if isinstance(worst, int):
            text += f"; worst case: both ends up again after {worst} s (--verbose shows how)"
    elif v is Verdict.HOLDS_UP_TO:
        text = f"HOLDS up to {r.result.bound}"
    elif v is Verdict.INCONCLUSIVE:
        text = f"INCONCLUSIVE ({r.result.reason})"
    elif r.prop.kind == "reachable":
        text = f"VIOLATED ({r.result.reason})"
    text += _longest_text(r) + _engines_text(r)
    expected = ""
    if r.expected is not None and r.expected != v.value:
        expected = f"   [scenario.toml expects {r.expected}]"
    if colour:
        text = click.style(text, fg=_VERDICT_COLOURS.get(v), bold=v is Verdict.VIOLATED)
    return f"{r.prop.name} ({r.prop.kind}{bound}): {text}{expected}"


def _longest_text(r: PropertyResult) -> str:
    """``; longest disagreement: 21 s`` after a bounded verdict (``ipsecmc.workflows.longest``)."""
    fact = r.result.facts.get("longest_stretch")
    if not isinstance(fact, dict):
        return ""
    seconds, at_most = fact["seconds"], fact["at_most"]
    if fact["exact"]:
        figure = f"{seconds:,} s"
    else:
        figure = f"at least {seconds:,} s" + (f", at most {at_most:,} s" if at_most else "")
    what = "disagreement" if r.prop.render() == "disagree" else "stretch of the formula"
    return f"; longest {what}: {figure}"


def _engines_text(r: PropertyResult) -> str:
    """With ``--engine both``: that both ran, and what each said."""
    engines = r.result.facts.get("engines")
    if not isinstance(engines, dict):
        return ""
    said = f"explicit {engines['explicit']}, z3 {engines['z3']}"
    if r.result.facts.get("engines_agree"):
        return f"; both engines ran and agree ({said})"
    definite = [n for n, v in engines.items() if v in ("HOLDS", "VIOLATED")]
    if not definite:
        return f"; both engines ran ({said}): neither gave a definite answer"
    return f"; both engines ran ({said}): only {definite[0]} gave a definite answer"


def render_trace(
    trace: Trace, width: int, colour: bool = False, fold_repeats: bool = False
) -> list[str]:
    """The trace's lines; with ``fold_repeats``, runs of a repeating block are shown once
    with a line saying how often they repeat (``render.fold``)."""
    lines: list[str] = []
    loop_marked = False
    for ev in fold(trace.events) if fold_repeats else trace.events:
        if isinstance(ev, Fold):
            lines.append(
                f"    {'':>7}    ... the {ev.length} line(s) above repeat {ev.repeats:,} "
                f"more time(s), every {ev.period:,} s, until {ev.last_time:,} s ..."
            )
            continue
        if ev.in_loop and not loop_marked:
            lines.append(
                f"    --- from {ev.time} s on, the following repeats forever "
                f"(every {trace.loop_duration} s) ---"
            )
            loop_marked = True
        lines.append(event_line(ev, width, colour))
    lines.append("    final state: " + state_text(trace.final_state))
    return lines


def _trace_block(r: PropertyResult, verbose: bool, colour: bool, when: str = "") -> list[str]:
    """The explanation and the trace of ``r`` (``when``: the case of the unknowns)."""
    # the verdict first: reading ``r.trace`` replays a witness (``PropertyResult.trace``)
    if not (r.verdict is Verdict.VIOLATED or verbose) or r.trace is None:
        return []
    out: list[str] = []
    kind = "witness" if r.verdict is Verdict.HOLDS else "counterexample"
    if r.verdict is Verdict.VIOLATED:
        out.extend(explanation_lines(r))
    case = f", when {when}" if when else ""
    out.append(f"    {kind} ({r.trace.duration} s of model time){case}:")
    width = max(len(n) for n in r.system.names)
    out.extend(render_trace(r.trace, max(width, 9), colour))
    return out


def _unknowns_block(r: PropertyResult, verbose: bool, colour: bool) -> list[str]:
    """With --assume-unknown: the condition, then a trace per case (the chosen one first)."""
    cond = r.condition
    if cond is None:
        return _trace_block(r, verbose, colour)
    out = [f"    unknowns: {r.prop.name} {cond.text()}"]
    primary = overall(cond)  # the case ``r`` itself shows (``check_with_unknowns``)
    others = [c for c in cond.cases if c is not primary]
    for case in (primary, *others):
        if case is not primary and case.verdict is not Verdict.VIOLATED and not verbose:
            continue
        one = replace(r, result=case.result, replayed=case.trace)
        when = cond.when(case) if cond.symbols else ""
        if case is not primary:
            out.append(f"    case {when}: {case.verdict.value} ({case.result.reason})")
        out.extend(_trace_block(one, verbose, colour, when))
    return out


def event_line(ev: TraceEvent, width: int, colour: bool = False) -> str:
    """One trace line: time, gateway, direction, what happened and the config line."""
    who = ev.gateway or "(traffic)"
    arrow = ev.note.direction or " "
    where = f"   [{ev.note.loc}]" if ev.note.loc is not None else ""
    line = f"    {ev.time:>7} s  {who:<{width}}  {arrow} {ev.note.text}{where}"
    fg = _event_colour(ev) if colour else None
    return click.style(line, fg=fg) if fg else line


def state_text(described: dict[str, dict[str, object]]) -> str:
    """Both ends' SA state in words (``TunnelSystem.describe``)."""
    return "; ".join(
        f"{g}: tunnel {s['tunnel']} (phase1 {s['p1']}, phase2 {s['p2']})"
        for g, s in described.items()
    )


def render_text(report: CheckReport, verbose: bool = False, colour: bool = False) -> str:
    out: list[str] = []
    for note in report.scenario.inferences:
        out.append(f"note: {note}")
    for u in report.unknowns:
        defined = (
            f" (its definition in {', '.join(u.defined_in)} is ignored)" if u.defined_in else ""
        )
        out.append(f"unknown: address '{u.name}'{defined}: each result says when it matters")
    faults = f"; faults: {report.faults.text}" if report.faults.enabled else ""
    out.append(
        f"traffic profile: {report.traffic}; rekey {'on' if report.rekey else 'off'}{faults}"
    )
    current = None
    for r in report.results:
        if r.tunnel.name != current:
            current = r.tunnel.name
            out.append("")
            out.append(f"tunnel {current}")
        out.append("  " + _verdict_line(r, colour))
        s = r.result.stats
        if verbose or r.verdict is Verdict.INCONCLUSIVE:
            out.append(f"    {s.states} states visited, {s.stored_nodes} stored, {s.seconds:.2f} s")
        out.extend(_unknowns_block(r, verbose, colour))
    return "\n".join(out) + "\n"
