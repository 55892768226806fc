"""Versioned JSON of ``ipsecmc check`` (a contract: extend it, never change it).

Schema version 1::

    {"version": 1, "tool": "ipsecmc", "traffic": str, "rekey": bool,
     "inferences": [str], "results": [{
        "tunnel": str, "ends": [str, str], "property": str, "kind": str,
        "description": str, "formula": str, "verdict": "VIOLATED"|"HOLDS"|"HOLDS_UP_TO"|
        "INCONCLUSIVE", "bound": int|null, "engine": str, "reason": str,
        "expected": str|null, "stats": {...},
        "trace": null | {"duration_seconds": int, "loop_start_seconds": int|null,
                         "loop_seconds": int|null, "steps": int,
                         "events": [{"time": int, "gateway": str|null, "category": str,
                                     "text": str, "direction": str,
                                     "dropped_by_policy": int|null,
                                     "loc": null|{"file": str, "line": int, "column": int},
                                     "in_loop": bool}],
                         "final_state": {gateway: {...}}},
        "condition": null | CONDITION}],
     "unknowns": [{"name": str, "referenced_by": [str], "defined_in": [str]}]}

``unknowns`` lists the ``--assume-unknown`` names (empty without the flag); with it,
every result has a ``condition`` (``ipsecmc.unknowns``)::

    CONDITION = {"text": str, "exact": bool,
                 "symbols": [{"label": str, "gateway": str, "name": str, "ip": str}],
                 "verdicts": {VERDICT: formula-text},
                 "cases": [{"when": formula-text, "verdict": VERDICT, "reason": str,
                            "assignments": [{label: bool}], "trace": null | {...}}]}

The result's own ``verdict``/``trace`` are those of its first case with the property's
verdict (VIOLATED if any case is); ``cases`` has the others.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from typing import Any

from ipsecmc.check import CheckReport, PropertyResult
from ipsecmc.trace import Trace
from ipsecmc.unknowns import Condition

SCHEMA_VERSION = 1


def trace_dict(trace: Trace) -> dict[str, Any]:
    return {
        "duration_seconds": trace.duration,
        "loop_start_seconds": trace.loop_time,
        "loop_seconds": trace.loop_duration,
        "steps": trace.steps,
        "events": [
            {
                "time": ev.time,
                "gateway": ev.gateway,
                "category": ev.note.category,
                "text": ev.note.text,
                "direction": ev.note.direction,
                "dropped_by_policy": ev.note.dropped_by,
                "loc": None
                if ev.note.loc is None
                else {
                    "file": ev.note.loc.file,
                    "line": ev.note.loc.line,
                    "column": ev.note.loc.column,
                },
                "in_loop": ev.in_loop,
            }
            for ev in trace.events
        ],
        "final_state": trace.final_state,
    }


def result_dict(r: PropertyResult) -> dict[str, Any]:
    return {
        "tunnel": r.tunnel.name,
        "ends": list(r.system.names),
        "property": r.prop.name,
        "kind": r.prop.kind,
        "description": r.prop.description,
        "formula": r.prop.render(),
        "verdict": r.verdict.value,
        "bound": r.bound,
        "engine": r.engine,
        "reason": r.result.reason,
        "expected": r.expected,
        "stats": r.result.stats.as_dict(),
        "facts": {k: v for k, v in r.result.facts.items() if isinstance(v, int | str | float)},
        "trace": None if r.trace is None else trace_dict(r.trace),
        "condition": None if r.condition is None else condition_dict(r.condition),
    }


def condition_dict(c: Condition) -> dict[str, Any]:
    return {
        "text": c.text(),
        "exact": c.exact,
        "symbols": [
            {"label": s.label, "gateway": s.gateway, "name": s.name, "ip": str(s.ip)}
            for s in c.symbols
        ],
        "verdicts": {v.value: c.formula(v).render(c.labels) for v in c.verdicts},
        "cases": [
            {
                "when": c.when(case),
                "verdict": case.verdict.value,
                "reason": case.result.reason,
                "assignments": [c.assignment(bits) for bits in case.assignments],
                "trace": None if case.trace is None else trace_dict(case.trace),
            }
            for case in c.cases
        ],
    }


def result_json(r: PropertyResult) -> str:
    """One result's text in :func:`iter_json` (indented for its place in the list).

    ``ipsecmc check --format json`` passes this to ``check_paths``, so worker processes
    run it next to the replay of each trace (``ipsecmc.parallel``).
    """
    return textwrap.indent(json.dumps(result_dict(r), indent=2), "    ")


def render_json(report: CheckReport) -> str:
    return "".join(iter_json(report))


def iter_json(report: CheckReport) -> Iterator[str]:
    """The text of :func:`render_json` in pieces, one result at a time.

    A hub with a thousand spokes has thousands of results, some with traces of ten
    thousand events; building the whole document as dicts first would need gigabytes.
    The pieces join to exactly ``json.dumps(doc, indent=2)`` ("results" is a placeholder
    in the head, spliced in one result at a time).
    """
    head = {
        "version": SCHEMA_VERSION,
        "tool": "ipsecmc",
        "traffic": report.traffic,
        "rekey": report.rekey,
        "inferences": list(report.scenario.inferences),
        "results": None,
        "unknowns": [
            {
                "name": u.name,
                "referenced_by": list(u.referenced_by),
                "defined_in": list(u.defined_in),
            }
            for u in report.unknowns
        ],
    }
    before, after = json.dumps(head, indent=2).rsplit('"results": null', 1)
    yield before + '"results": ['
    for k, r in enumerate(report.results):
        yield ("," if k else "") + "\n" + r.render(result_json)
    yield ("\n  ]" if report.results else "]") + after
