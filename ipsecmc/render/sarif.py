"""SARIF 2.1.0 for CI (GitHub code scanning and friends): one result per VIOLATED property.

The result is located where an engineer has to act: the local-in policy that dropped a
packet in the counterexample (the first drop after the tunnel came up, the one the
explanation paragraph names), else the phase1 of the tunnel. The trace is a code flow
(one thread flow, one location per event, in order), so viewers can step through it.
Written with the standard library: the document is plain JSON and the official
``sarif-om`` object model is unmaintained since 2019 and adds nothing we need.

``baseline`` (used by ``ipsecmc diff``) sets each result's ``baselineState``: ``new``
for a regression, ``unchanged`` for a violation the old config had too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ipsecmc import __version__
from ipsecmc.engines.result import Verdict
from ipsecmc.errors import SourceLoc
from ipsecmc.render.why import paragraph
from ipsecmc.trace import TraceEvent, lead_drops
from ipsecmc.workflows.check import CheckReport, PropertyResult
from ipsecmc.workflows.suspects import Suspect, suspects_in

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/ipsecmc/ipsecmc"


def _uri(path: str) -> str:
    """Repository-relative, forward-slash URI when the file is under the cwd."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(Path.cwd())
        except ValueError:
            return p.as_uri()
    return p.as_posix()


def _physical(loc: SourceLoc) -> dict[str, Any]:
    return {
        "artifactLocation": {"uri": _uri(loc.file)},
        "region": {"startLine": max(loc.line, 1), "startColumn": max(loc.column, 1)},
    }


def blame(r: PropertyResult) -> SourceLoc:
    """The config line to blame for a violation: the dropping policy, else the phase1."""
    if r.trace is not None:
        for i in lead_drops(r.trace.events):
            loc = r.trace.events[i].note.loc
            if loc is not None:
                return loc
    return r.tunnel.a.loc


def _event_text(ev: TraceEvent) -> str:
    who = ev.gateway or "(traffic)"
    arrow = f"{ev.note.direction} " if ev.note.direction else ""
    return f"{ev.time} s {who}: {arrow}{ev.note.text}"


def _thread_location(ev: TraceEvent, order: int) -> dict[str, Any]:
    location: dict[str, Any] = {"message": {"text": _event_text(ev)}}
    if ev.note.loc is not None:
        location["physicalLocation"] = _physical(ev.note.loc)
    out: dict[str, Any] = {
        "location": location,
        "executionOrder": order,
        "importance": "essential" if ev.note.dropped_by is not None else "important",
        "properties": {"time": ev.time, "gateway": ev.gateway, "category": ev.note.category},
    }
    if ev.in_loop:
        out["properties"]["inLoop"] = True
    return out


def _related(found: Sequence[Suspect]) -> list[dict[str, Any]]:
    """Each suspect address object (its definition) and the accept policy field that names
    it, as SARIF related locations: the other lines an engineer has to look at."""
    out: list[dict[str, Any]] = []
    for s in found:
        if s.loc is not None:
            out.append(
                {
                    "id": len(out) + 1,
                    "physicalLocation": _physical(s.loc),
                    "message": {
                        "text": f"address '{s.name}' holds {s.holds}, not {s.whose} {s.missing}"
                    },
                }
            )
        out.append(
            {
                "id": len(out) + 1,
                "physicalLocation": _physical(s.policy_loc),
                "message": {
                    "text": f"local-in policy {s.policy_id} would accept the dropped IKE "
                    f"if its {s.field} '{s.name}' held {s.missing}"
                },
            }
        )
    return out


def _rules(results: Sequence[PropertyResult]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for r in results:
        if r.prop.name not in seen:
            seen[r.prop.name] = {
                "id": r.prop.name,
                "name": r.prop.name,
                "shortDescription": {"text": r.prop.description or r.prop.name},
                "fullDescription": {"text": f"{r.prop.kind}: {r.prop.render()}"},
                "defaultConfiguration": {"level": "error"},
            }
    return list(seen.values())


def result_dict(
    r: PropertyResult, rule_index: int, baseline_state: str | None = None
) -> dict[str, Any]:
    """One SARIF result for a VIOLATED property result."""
    msg = f"{r.prop.name} VIOLATED on tunnel {r.tunnel.name}"
    if r.condition is not None:
        msg += f" ({r.prop.name} {r.condition.text()})"
    found = suspects_in(r.tunnel, r.trace)
    if r.trace is not None:
        msg += ": " + paragraph(r, found)
    out: dict[str, Any] = {
        "ruleId": r.prop.name,
        "ruleIndex": rule_index,
        "level": "error",
        "kind": "fail",
        "message": {"text": msg},
        "locations": [{"physicalLocation": _physical(blame(r))}],
        "partialFingerprints": {"ipsecmc/tunnel-property": f"{r.tunnel.name}|{r.prop.name}"},
        "properties": {"tunnel": r.tunnel.name, "verdict": r.verdict.value, "bound": r.bound},
    }
    if r.condition is not None:
        out["properties"]["condition"] = r.condition.text()
    if found:
        out["relatedLocations"] = _related(found)
    if r.trace is not None and r.trace.events:
        out["codeFlows"] = [
            {
                "message": {"text": f"counterexample, {r.trace.duration} s of model time"},
                "threadFlows": [
                    {
                        "locations": [
                            _thread_location(ev, k + 1) for k, ev in enumerate(r.trace.events)
                        ]
                    }
                ],
            }
        ]
    if baseline_state is not None:
        out["baselineState"] = baseline_state
    return out


def sarif_log(
    results: Sequence[PropertyResult],
    baseline: Callable[[PropertyResult], str | None] | None = None,
    properties: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A SARIF log with one run; one result per VIOLATED entry of ``results``."""
    violated = [r for r in results if r.verdict is Verdict.VIOLATED]
    rules = _rules(results)
    index = {rule["id"]: k for k, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "ipsecmc",
                "version": __version__,
                "informationUri": INFO_URI,
                "rules": rules,
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": [
            result_dict(r, index[r.prop.name], baseline(r) if baseline else None) for r in violated
        ],
    }
    if properties:
        run["properties"] = dict(properties)
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(report: CheckReport) -> str:
    doc = sarif_log(report.results, properties={"traffic": report.traffic, "rekey": report.rekey})
    return json.dumps(doc, indent=2) + "\n"
