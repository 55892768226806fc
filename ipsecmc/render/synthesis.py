"""Text and versioned JSON of ``ipsecmc synthesize`` (a contract: extend, never change).

Schema version 1 (the ``version`` of every ipsecmc JSON document)::

    {"version": 1, "tool": "ipsecmc", "command": "synthesize", "traffic": str,
     "rekey": bool, "seconds": float,
     "parameters": [{"name": str, "low": int, "high": int, "grid": [int]}],
     "results": [{
        "tunnel": str, "property": str, "kind": str, "bound": str,
        "violated": [str], "rest": [str],
        "established": bool, "explicit_checks": int, "seconds": float,
        "shapes": [{"point": {name: int}, "steps": int, "delays": int, "region": [str]}],
        "cells": [{"point": {name: int}, "verdict": VERDICT, "how": str}],
        "probes": [{"point": {name: int}, "verdict": VERDICT, "how": str}]}]}

``violated`` and ``rest`` are unions: one string per conjunction of linear constraints in
the parameters' names (``session-ttl < dpd-retryinterval + 200``), inside the box of
``parameters``. Every point of ``violated`` is violated (derived). ``rest`` is the box
minus ``violated``: where the property *may* hold; it is established only at the
``cells`` whose verdict is ``HOLDS`` (``established``: every grid cell outside
``violated`` was checked HOLDS), never between them. ``probes`` are off-grid points
checked with a small budget next to the violated region (``INCONCLUSIVE``: the budget
ran out, nothing is claimed there).
"""

from __future__ import annotations

import json
from typing import Any

from ipsecmc.engines.result import Verdict
from ipsecmc.fortios.serialize import SCHEMA_VERSION
from ipsecmc.workflows.check import LoadedModel
from ipsecmc.workflows.regions import region_text
from ipsecmc.workflows.synthesize import SynthesisReport, SynthesisResult

_MARK = {Verdict.VIOLATED: "V", Verdict.HOLDS: "H"}


def _point(report: SynthesisReport, point: tuple[int, ...]) -> dict[str, int]:
    return dict(zip(report.names, point, strict=True))


def render_synthesis_json(model: LoadedModel, report: SynthesisReport) -> str:
    doc: dict[str, Any] = {
        "version": SCHEMA_VERSION,
        "tool": "ipsecmc",
        "command": "synthesize",
        "traffic": model.traffic,
        "rekey": model.rekey,
        "seconds": round(report.seconds, 3),
        "parameters": [
            {"name": a.name, "low": a.low, "high": a.high, "grid": list(a.values)}
            for a in report.axes
        ],
        "results": [
            {
                "tunnel": r.tunnel,
                "property": r.prop.name,
                "kind": r.prop.kind,
                "bound": r.bound,
                "violated": report.violated_text(r),
                "rest": report.rest_text(r),
                "established": r.established,
                "explicit_checks": r.explicit_checks,
                "seconds": round(r.seconds, 3),
                "shapes": [
                    {
                        "point": _point(report, s.point),
                        "steps": s.steps,
                        "delays": s.delays,
                        "region": region_text(s.cubes, report.names),
                    }
                    for s in r.shapes
                ],
                "cells": [
                    {"point": _point(report, c.point), "verdict": c.verdict.value, "how": c.how}
                    for c in r.cells
                ],
                "probes": [
                    {"point": _point(report, c.point), "verdict": c.verdict.value, "how": c.how}
                    for c in r.probes
                ],
            }
            for r in report.results
        ],
    }
    return json.dumps(doc, indent=2)


def _lines(items: list[str], empty: str) -> list[str]:
    if not items:
        return [f"      {empty}"]
    return [f"      {'or ' if k else '   '}{text}" for k, text in enumerate(items)]


def _grid(report: SynthesisReport, result: SynthesisResult) -> list[str]:
    """Two parameters: a table (rows: the first, columns: the second)."""
    if len(report.axes) != 2:
        return []
    rows, cols = report.axes
    mark = {c.point: _MARK.get(c.verdict, "?") for c in result.cells}
    width = max(len(str(v)) for v in cols.values) + 1
    out = [f"    grid (V violated, H holds, ? not answered): rows {rows.name}, columns {cols.name}"]
    out.append("    " + " " * 8 + "".join(str(v).rjust(width) for v in cols.values))
    for r in rows.values:
        out.append(
            "    " + str(r).rjust(8) + "".join(mark[(r, c)].rjust(width) for c in cols.values)
        )
    return out


def _result_text(report: SynthesisReport, r: SynthesisResult) -> list[str]:
    violated_cells = r.count(Verdict.VIOLATED)
    holds_cells = r.count(Verdict.HOLDS)
    open_cells = len(r.cells) - violated_cells - holds_cells
    head = f"{r.tunnel}: {r.prop.name}" + (f" ({r.bound})" if r.bound else "")
    out = [head]
    if r.shapes:
        out.append(
            f"  VIOLATED at every integer point of the box where (the union of {len(r.shapes)} "
            "counterexample shape(s), each derived symbolically from one counterexample):"
        )
        out += _lines(report.violated_text(r), "no point")
    else:
        out.append("  VIOLATED nowhere found: no grid cell has a counterexample")
    out.append("  the rest of the box, where it may hold:")
    out += _lines(report.rest_text(r), "no point")
    rest_cells = holds_cells + open_cells
    if r.established:
        out.append(
            f"  HOLDS established at all {holds_cells} grid cell(s) in the rest (each by an "
            "exhaustive explicit search); between grid cells it is not established"
        )
    else:
        out.append(
            f"  HOLDS established at {holds_cells} of {rest_cells} grid cell(s) in the rest; "
            f"{open_cells} not answered (a budget ran out): see the grid"
        )
    if r.probes:
        found = sum(1 for c in r.probes if c.verdict is Verdict.VIOLATED)
        held = sum(1 for c in r.probes if c.verdict is Verdict.HOLDS)
        out.append(
            f"  {len(r.probes)} off-grid probe(s) next to the violated region: {found} "
            f"violated (each a shape), {held} held, {len(r.probes) - found - held} "
            "out of their small budget (nothing claimed)"
        )
    out += _grid(report, r)
    out.append(f"  {r.explicit_checks} explicit check(s), {r.seconds:.2f} s")
    return out


def render_synthesis_text(model: LoadedModel, report: SynthesisReport) -> str:
    box = ", ".join(
        f"{a.name} {a.low}..{a.high} ({len(a.values)} grid values)" for a in report.axes
    )
    cells = 1
    for a in report.axes:
        cells *= len(a.values)
    lines = [f"synthesize: {box}; {cells} grid cells; traffic {model.traffic}"]
    for r in report.results:
        lines.append("")
        lines += _result_text(report, r)
    return "\n".join(lines) + "\n"


__all__ = ["render_synthesis_json", "render_synthesis_text"]
