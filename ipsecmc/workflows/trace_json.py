"""Traces read back from ``ipsecmc check --format json`` (issue 14, item 4).

Why: a researcher keeps the JSON of a run (CI artefact, a batch of generated
scenarios) and analyses its traces later, in Python, with the same ``Trace`` objects a
check returns. The JSON keeps each trace's path (the model labels, run-length encoded);
given the model the report came from, the path is replayed, so every event gets its
model state (``TraceEvent.after``) and a path the model does not accept is an error,
not a silently wrong trace. Without a model, the events are rebuilt from their typed
fields (``kind``, ``packet``, ``policy``, ...) and have no state.

Bad input raises ``UsageError`` naming the file and the JSON location
(``results[0].trace.path[3].kind``) and what was expected.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path as FilePath
from typing import Any

from ipsecmc.engines.result import Path, Verdict
from ipsecmc.errors import IpsecmcError, SourceLoc, UsageError
from ipsecmc.model.events import URGENT_KINDS, EventKind, Note, Packet, Sa
from ipsecmc.model.faults import parse_faults
from ipsecmc.model.semantics import Label
from ipsecmc.model.system import TransitionSystem
from ipsecmc.trace import Trace, TraceEvent, replay

#: What a saved label's ``kind`` may be (``Label``'s doc).
_LABEL_KINDS = frozenset({"tick", "delay", *(u.value for u in URGENT_KINDS)})


@dataclass(frozen=True)
class SavedResult:
    """One result of a saved report: which tunnel and property, the verdict, the trace
    (``None`` when the result had none: HOLDS, INCONCLUSIVE)."""

    tunnel: str
    property: str
    verdict: Verdict
    trace: Trace | None


class _Reader:
    """Walks the JSON document, naming the location of anything it cannot use."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, expected: str, got: object) -> UsageError:
        shown = json.dumps(got)[:60] if not isinstance(got, _Missing) else "nothing"
        return UsageError(f"{self.source}: {where}: expected {expected}, found {shown}")

    def get(self, obj: Mapping[str, Any], key: str, where: str) -> Any:
        if key not in obj:
            raise self.fail(f"{where}.{key}", "a value", _MISSING)
        return obj[key]

    def obj(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "an object", value)
        return value

    def seq(self, value: Any, where: str) -> Sequence[Any]:
        if not isinstance(value, list):
            raise self.fail(where, "a list", value)
        return value

    def integer(self, value: Any, where: str, *, optional: bool = False) -> int | None:
        if value is None and optional:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(where, "a whole number" + (" or null" if optional else ""), value)
        return value

    def text(self, value: Any, where: str, *, optional: bool = False) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self.fail(where, "a string" + (" or null" if optional else ""), value)
        return value


class _Missing:
    pass


_MISSING = _Missing()


def _path(r: _Reader, trace: Mapping[str, Any], where: str) -> Path | None:
    runs = r.seq(trace.get("path", []), f"{where}.path")
    if not runs:
        return None
    labels: list[Label] = []
    for n, run in enumerate(runs):
        at = f"{where}.path[{n}]"
        run = r.obj(run, at)
        kind = r.text(r.get(run, "kind", at), f"{at}.kind")
        if kind not in _LABEL_KINDS:
            raise r.fail(f"{at}.kind", f"one of {', '.join(sorted(_LABEL_KINDS))}", kind)
        end = r.integer(r.get(run, "end", at), f"{at}.end")
        arg = r.integer(r.get(run, "arg", at), f"{at}.arg")
        repeat = r.integer(run.get("repeat", 1), f"{at}.repeat")
        assert kind is not None and end is not None and arg is not None and repeat is not None
        if repeat < 1:
            raise r.fail(f"{at}.repeat", "a positive number", repeat)
        labels += [Label(kind, end, arg)] * repeat
    loop = r.integer(trace.get("loop_start_step"), f"{where}.loop_start_step", optional=True)
    if loop is not None and not 0 <= loop <= len(labels):
        raise r.fail(f"{where}.loop_start_step", f"a step index up to {len(labels)}", loop)
    return Path(tuple(labels), loop)


def _enum(r: _Reader, cls: Any, value: Any, where: str) -> Any:
    if value is None:
        return None
    try:
        return cls[value.upper()] if cls is Packet else cls(value)
    except (KeyError, ValueError, AttributeError):
        names = [m.name.lower() for m in cls] if cls is Packet else [m.value for m in cls]
        raise r.fail(where, f"one of {', '.join(names)}", value) from None


def _event(r: _Reader, raw: Any, names: Sequence[str], where: str) -> TraceEvent:
    ev = r.obj(raw, where)
    gateway = r.text(ev.get("gateway"), f"{where}.gateway", optional=True)
    loc_raw = ev.get("loc")
    loc = None
    if loc_raw is not None:
        loc_obj = r.obj(loc_raw, f"{where}.loc")
        loc = SourceLoc(
            str(r.text(r.get(loc_obj, "file", f"{where}.loc"), f"{where}.loc.file")),
            int(r.integer(r.get(loc_obj, "line", f"{where}.loc"), f"{where}.loc.line") or 0),
            int(r.integer(r.get(loc_obj, "column", f"{where}.loc"), f"{where}.loc.column") or 0),
        )
    note = Note(
        end=names.index(gateway) if gateway in names else -1,
        kind=_enum(r, EventKind, r.get(ev, "kind", where), f"{where}.kind"),
        text=str(r.text(r.get(ev, "text", where), f"{where}.text")),
        loc=loc,
        packet=_enum(r, Packet, ev.get("packet"), f"{where}.packet"),
        policy=r.integer(ev.get("policy"), f"{where}.policy", optional=True),
        attempt=r.integer(ev.get("attempt"), f"{where}.attempt", optional=True),
        attempts=r.integer(ev.get("attempts"), f"{where}.attempts", optional=True),
        sa=_enum(r, Sa, ev.get("sa"), f"{where}.sa"),
        seconds=r.integer(ev.get("seconds"), f"{where}.seconds", optional=True),
        rule=str(r.text(ev.get("rule"), f"{where}.rule", optional=True) or ""),
    )
    time = r.integer(r.get(ev, "time", where), f"{where}.time")
    in_loop = ev.get("in_loop", False)
    if not isinstance(in_loop, bool):
        raise r.fail(f"{where}.in_loop", "true or false", in_loop)
    return TraceEvent(int(time or 0), gateway, note, in_loop)


def trace_from_dict(
    data: Mapping[str, Any],
    system: TransitionSystem | None = None,
    *,
    ends: Sequence[str] = (),
    source: str = "<json>",
    where: str = "trace",
) -> Trace:
    """A ``Trace`` from one ``trace`` object of the JSON. With ``system`` (the model of
    the result's tunnel) the saved path is replayed on it: events with states, checked.
    Without, the saved events (``ends`` names the gateways, for ``Note.end``)."""
    r = _Reader(source)
    trace = r.obj(data, where)
    path = _path(r, trace, where)
    if system is not None:
        if path is None:
            raise r.fail(f"{where}.path", "the trace's path (saved by ipsecmc 0.2+)", [])
        try:
            return replay(system, path)
        except IpsecmcError as exc:  # the path does not replay: another model
            raise UsageError(
                f"{source}: {where}: the saved path does not replay on this model "
                f"(a different config or ipsecmc version?): {exc}"
            ) from None
    raw_events = r.seq(r.get(trace, "events", where), f"{where}.events")
    events = tuple(_event(r, e, ends, f"{where}.events[{n}]") for n, e in enumerate(raw_events))
    final = r.obj(trace.get("final_state", {}), f"{where}.final_state")
    return Trace(
        events=events,
        duration=int(r.integer(r.get(trace, "duration_seconds", where), where) or 0),
        loop_time=r.integer(trace.get("loop_start_seconds"), f"{where}.loop", optional=True),
        loop_duration=r.integer(trace.get("loop_seconds"), f"{where}.loop", optional=True),
        final_state=dict(final),
        steps=int(r.integer(trace.get("steps", 0), f"{where}.steps") or 0),
        path=path,
    )


def _with_saved_faults(
    r: _Reader, system: TransitionSystem, raw: object, where: str
) -> TransitionSystem:
    """``system`` with the faults a result was checked under (its ``faults`` object), so
    that a path with fault labels replays; no object: the system as it is."""
    if raw is None:
        return system
    saved = r.obj(raw, where)
    kinds = [str(r.text(k, f"{where}.kinds")) for k in r.seq(saved.get("kinds", []), where)]
    budget = saved.get("budget", 1)
    if not isinstance(budget, int) or isinstance(budget, bool) or budget < 0:
        raise r.fail(f"{where}.budget", "a whole number >= 0", budget)
    try:
        faults = parse_faults(",".join(kinds) or None, budget)
    except UsageError as exc:
        raise r.fail(f"{where}.kinds", "fault names", str(exc)) from None
    if faults == system.params.faults:
        return system
    return system.with_params(replace(system.params, faults=faults))


def results_from_json(
    text: str, systems: Sequence[TransitionSystem] = (), source: str = "<json>"
) -> tuple[SavedResult, ...]:
    """Every result of a ``check --format json`` document, its trace read back (and
    replayed on the system of ``systems`` whose tunnel name matches, if any)."""
    r = _Reader(source)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{source}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg}); expected the "
            "output of `ipsecmc check --format json`"
        ) from None
    doc = r.obj(doc, "document")
    version = r.get(doc, "version", "document")
    if version != 1:
        raise r.fail("version", "schema version 1", version)
    by_name = {s.name: s for s in systems}
    out = []
    for n, raw in enumerate(r.seq(r.get(doc, "results", "document"), "results")):
        where = f"results[{n}]"
        res = r.obj(raw, where)
        tunnel = str(r.text(r.get(res, "tunnel", where), f"{where}.tunnel"))
        verdict = _enum(r, Verdict, r.get(res, "verdict", where), f"{where}.verdict")
        ends = [str(e) for e in r.seq(res.get("ends", []), f"{where}.ends")]
        raw_trace = res.get("trace")
        trace = None
        if raw_trace is not None:
            system = by_name.get(tunnel)
            if system is not None:
                system = _with_saved_faults(r, system, res.get("faults"), f"{where}.faults")
            trace = trace_from_dict(
                raw_trace, system, ends=ends, source=source, where=f"{where}.trace"
            )
        prop = str(r.text(r.get(res, "property", where), f"{where}.property"))
        out.append(SavedResult(tunnel, prop, verdict, trace))
    return tuple(out)


def read_results(
    path: str | FilePath, systems: Sequence[TransitionSystem] = ()
) -> tuple[SavedResult, ...]:
    """:func:`results_from_json` of a file."""
    try:
        text = FilePath(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    return results_from_json(text, systems, str(path))


__all__ = ["SavedResult", "read_results", "results_from_json", "trace_from_dict"]
