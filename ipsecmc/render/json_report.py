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
                                     "in_loop": bool, "kind": str, "packet": str|null,
                                     "policy": int|null, "sa": "ike"|"ipsec"|null,
                                     "attempt": int|null, "attempts": int|null,
                                     "seconds": int|null, "rule": str|null}],
                         "final_state": {gateway: {...}},
                         "loop_start_step": int|null,
                         "path": [{"kind": str, "end": int, "arg": int, "repeat": int}]},
        "condition": null | CONDITION}],
     "unknowns": [{"name": str, "referenced_by": [str], "defined_in": [str]}]}

An event's ``text`` is for people; programs read its typed fields (added after 0.1.0 within
schema version 1: only keys were added): ``kind`` (``ipsecmc.model.events.EventKind``
value: ``sent``, ``dropped``, ``sa_up``, ``session_expired``, ...), ``packet`` (``p1``,
``p2``, ``rekey_p1``, ``rekey_p2``, ``probe``, ``delete_p2``, ``delete_p1``), ``policy``
(the local-in policy that accepted or dropped the packet; null: the built-in rules),
``sa``, ``attempt``/``attempts`` (transmission or DPD probe number, of how many) and
``seconds`` (the TTL of an expired session, DPD's idle time, a request's give-up time)
and ``rule`` (the filter rule that accepted or dropped the packet when it is not a FortiOS
local-in policy, e.g. ``nftables rule 3 of chain inet filter/input``; else null).

``faults`` (added within schema version 1, at the top and per result): the faults explored,
``{"kinds": ["reboot", "flush", "loss"], "budget": int}``, kinds empty when none; a fault
event has category ``fault`` and kind ``rebooted``, ``flushed``, ``packet_lost`` or
``answer_lost``; a tick label's ``arg >> 2`` is the fault starting that second.

``path`` and ``loop_start_step`` (added within schema version 1) are the engine's path
the trace replays: model labels (``kind`` ``tick``, ``delay`` or an urgent event, the
acting ``end``, ``arg``: traffic bits, seconds or local-in outcome), run-length encoded
(``repeat`` equal labels in a row); ``loop_start_step`` indexes the first label of a
lasso's loop. ``ipsecmc.api.load_traces`` reads them back and replays them on a model.

``unknowns`` lists the ``--assume-unknown`` names (empty without the flag); with it,
every result has a ``condition`` (``ipsecmc.workflows.unknowns``)::

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from ipsecmc.engines.result import Verdict
from ipsecmc.model.events import Note
from ipsecmc.model.faults import Fault, FaultModel
from ipsecmc.model.semantics import Label
from ipsecmc.trace import Trace, TraceEvent
from ipsecmc.workflows.check import CheckReport, PropertyResult
from ipsecmc.workflows.suspects import suspect_dicts, suspects_in
from ipsecmc.workflows.unknowns import Condition

SCHEMA_VERSION = 1


TraceToDict = Callable[[Trace], dict[str, Any]]


def _typed(note: Note) -> tuple[tuple[str, str | int | None], ...]:
    """The event's typed fields, in output order (after the version 1 keys)."""
    return (
        ("kind", note.kind.value),
        ("packet", None if note.packet is None else note.packet.name.lower()),
        ("policy", note.policy),
        ("sa", None if note.sa is None else note.sa.value),
        ("attempt", note.attempt),
        ("attempts", note.attempts),
        ("seconds", note.seconds),
        ("rule", note.rule or None),
    )


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
                **dict(_typed(ev.note)),
            }
            for ev in trace.events
        ],
        "final_state": trace.final_state,
        "loop_start_step": None if trace.path is None else trace.path.loop_start,
        "path": [] if trace.path is None else path_runs(trace.path.labels),
    }


def path_runs(labels: Sequence[Label]) -> list[dict[str, int | str]]:
    """``labels`` run-length encoded (a wait of a day is 86,400 equal ticks)."""
    runs: list[dict[str, int | str]] = []
    last: Label | None = None
    for label in labels:
        if label == last:
            runs[-1]["repeat"] = int(runs[-1]["repeat"]) + 1
        else:
            runs.append({"kind": str(label.kind), "end": label.end, "arg": label.arg, "repeat": 1})
            last = label
    return runs


def result_dict(r: PropertyResult, trace_to: TraceToDict = trace_dict) -> dict[str, Any]:
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
        "faults": faults_json(r.system.params.faults),
        "reason": r.result.reason,
        "expected": r.expected,
        "stats": r.result.stats.as_dict(),
        "facts": {
            k: v for k, v in r.result.facts.items() if isinstance(v, int | str | float | dict)
        },
        "trace": None if r.trace is None else trace_to(r.trace),
        "condition": None if r.condition is None else condition_dict(r.condition, trace_to),
        "suspects": suspect_dicts(suspects_in(r.tunnel, r.trace))
        if r.verdict is Verdict.VIOLATED
        else [],
    }


def condition_dict(c: Condition, trace_to: TraceToDict = trace_dict) -> dict[str, Any]:
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
                "trace": None if case.trace is None else trace_to(case.trace),
            }
            for case in c.cases
        ],
    }


def faults_json(faults: FaultModel) -> dict[str, object]:
    """The faults explored: ``{"kinds": [...], "budget": int}`` (kinds empty: none)."""
    kinds = [kind.value for kind in Fault if faults.enabled and kind in faults.kinds]
    return {"kinds": kinds, "budget": faults.budget}


def result_json(r: PropertyResult) -> str:
    """One result's text in :func:`iter_json`: ``json.dumps(result_dict(r), indent=2)``,
    indented for its place in the list, byte for byte.

    ``ipsecmc check --format json`` passes this to ``check_paths``, so worker processes
    run it next to the replay of each trace (``ipsecmc.workflows.parallel``). Trace events, nearly
    all of a big report, are written by :func:`_events_json` (``json.dumps`` with
    ``indent`` runs the pure-Python encoder); the rest goes through ``json.dumps`` with a
    placeholder per events list, spliced afterwards.
    """
    events: list[tuple[TraceEvent, ...]] = []

    def skeleton(trace: Trace) -> dict[str, Any]:
        events.append(trace.events)
        return {**trace_dict(replace(trace, events=())), "events": _EVENTS_HOLE}

    text = textwrap.indent(json.dumps(result_dict(r, skeleton), indent=2), "    ")
    pieces = text.split(_EVENTS_HOLE_JSON)
    assert len(pieces) == len(events) + 1, "a placeholder string in the result itself"
    out = [pieces[0]]
    for evs, after in zip(events, pieces[1:], strict=True):
        key_line = out[-1][out[-1].rfind("\n") + 1 :]
        out += [_events_json(evs, key_line[: len(key_line) - len(key_line.lstrip())]), after]
    return "".join(out)


#: Placeholder for an events list in :func:`result_json` (no note or name contains NUL).
_EVENTS_HOLE = "\x00events\x00"
_EVENTS_HOLE_JSON = json.dumps(_EVENTS_HOLE)
_str = json.encoder.encode_basestring_ascii  # the encoder json.dumps uses for str


def _json_scalar(value: str | int | None) -> str:
    return "null" if value is None else _str(value) if isinstance(value, str) else str(value)


def _events_json(events: tuple[TraceEvent, ...], indent: str) -> str:
    """``json.dumps`` of ``trace_dict``'s events list with ``indent=2``, for a list whose
    key starts at ``indent`` (tested against ``json.dumps`` itself)."""
    if not events:
        return "[]"
    item, key, sub = indent + "  ", indent + "    ", indent + "      "
    out = []
    for ev in events:
        note, loc = ev.note, ev.note.loc
        where = (
            "null"
            if loc is None
            else f'{{\n{sub}"file": {_str(loc.file)},\n{sub}"line": {loc.line},\n'
            f'{sub}"column": {loc.column}\n{key}}}'
        )
        typed = "".join(f',\n{key}"{k}": {_json_scalar(v)}' for k, v in _typed(note))
        out.append(
            f'{item}{{\n{key}"time": {ev.time},\n'
            f'{key}"gateway": {_json_scalar(ev.gateway)},\n'
            f'{key}"category": {_str(note.category)},\n'
            f'{key}"text": {_str(note.text)},\n'
            f'{key}"direction": {_str(note.direction)},\n'
            f'{key}"dropped_by_policy": {_json_scalar(note.dropped_by)},\n'
            f'{key}"loc": {where},\n'
            f'{key}"in_loop": {"true" if ev.in_loop else "false"}{typed}\n{item}}}'
        )
    return "[\n" + ",\n".join(out) + "\n" + indent + "]"


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
        "faults": faults_json(report.faults),
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
