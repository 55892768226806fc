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


def render_json(report: CheckReport) -> str:
    doc = {
        "version": SCHEMA_VERSION,
        "tool": "ipsecmc",
        "traffic": report.traffic,
        "rekey": report.rekey,
        "inferences": list(report.scenario.inferences),
        "results": [result_dict(r) for r in report.results],
        "unknowns": [
            {
                "name": u.name,
                "referenced_by": list(u.referenced_by),
                "defined_in": list(u.defined_in),
            }
            for u in report.unknowns
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=False)
