"""``ipsecmc diff --format json``: a diff report as a JSON-ready dict (schema version 1;
a regression's new counterexample in the ``check`` JSON trace format)."""

from __future__ import annotations

from typing import Any

from ipsecmc.render.json_report import trace_dict
from ipsecmc.workflows.diff import DiffReport


def diff_dict(d: DiffReport) -> dict[str, Any]:
    """JSON view (the new counterexample of a regression in the check JSON schema)."""
    return {
        "tool": "ipsecmc",
        "regressions": len(d.regressions),
        "fixed": len(d.fixed),
        "changes": [
            {
                "tunnel": c.tunnel,
                "property": c.prop,
                "before": None if c.before is None else c.before.value,
                "after": None if c.after is None else c.after.value,
                "status": c.status,
                "trace": trace_dict(c.new.trace)
                if c.status == "regression" and c.new is not None and c.new.trace is not None
                else None,
            }
            for c in d.changes
        ],
    }
