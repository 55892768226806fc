"""Versioned JSON of ``ipsecmc measure`` (a contract from its first release: extend it,
never change it). Same schema version and trace object as ``check``'s JSON::

    {"version": 1, "tool": "ipsecmc", "kind": "measure", "quantity": str,
     "formula": str, "description": str, "traffic": str, "rekey": bool,
     "faults": {"kinds": [str], "budget": int},   # added within version 1 (--faults)
     "inferences": [str], "results": [{
        "tunnel": str, "ends": [str, str],
        "status": "exact" | "unbounded" | "lower_bound",
        "seconds": int | null,          # null when unbounded
        "hms": "h:mm:ss" | null,
        "start_seconds": int | null,    # null: the formula never holds
        "end_seconds": int | null,      # null: never ends (unbounded) or not reached
        "method": "explicit", "reason": str, "stats": {...},
        "state_at_start": {gateway: {...}} | null, "state_at_end": {...} | null,
        "trace": null | <check's trace object>}]}
"""

from __future__ import annotations

import json
from typing import Any

from ipsecmc.render.json_report import SCHEMA_VERSION, faults_json, trace_dict
from ipsecmc.workflows.measure import MeasureReport, TunnelMeasure, hms


def measure_result_dict(r: TunnelMeasure) -> dict[str, Any]:
    m = r.measurement
    return {
        "tunnel": r.tunnel.name,
        "ends": list(r.system.names),
        "status": m.status.value,
        "seconds": m.seconds,
        "hms": None if m.seconds is None else hms(m.seconds),
        "start_seconds": m.start,
        "end_seconds": m.end,
        "method": "explicit",
        "reason": m.reason,
        "stats": m.stats.as_dict(),
        "state_at_start": r.at_start,
        "state_at_end": r.at_end,
        "trace": None if r.trace is None else trace_dict(r.trace),
    }


def render_measure_json(report: MeasureReport) -> str:
    q = report.quantity
    doc = {
        "version": SCHEMA_VERSION,
        "tool": "ipsecmc",
        "kind": "measure",
        "quantity": q.name,
        "formula": q.formula,
        "description": q.description,
        "traffic": report.traffic,
        "rekey": report.rekey,
        "faults": faults_json(report.faults),
        "inferences": list(report.scenario.inferences),
        "results": [measure_result_dict(r) for r in report.results],
    }
    return json.dumps(doc, indent=2)
