"""The stable Python interface of ipsecmc (issue 14, item 1): what a script, a notebook
or a property-based test imports.

Everything here is typed and listed in ``__all__`` (a test checks that the list is
exactly what the module defines or re-exports). The package layout behind it may change
between releases; these names change only by extension, like the command line and its
JSON. A worked example::

    from ipsecmc import api

    model = api.load(["models/seed-intended"])          # scenario.toml honoured
    report = api.check(model, ["agreement"])
    result = report.results[0]
    result.verdict                                     # Verdict.VIOLATED
    for event in result.trace.events: ...              # the counterexample, replayed

    longer = api.with_timers(model, session_ttl=3600)  # what-if, no config text edited
    api.check(longer, ["agreement"]).results[0].verdict

    saved = api.load_traces("report.json", model)      # `check --format json`, replayed
    report = api.synthesize(model, ["session-ttl", "dpd-retryinterval"], ["agreement"],
                            ranges={"session-ttl": (150, 300), "dpd-retryinterval": (10, 60)})
    report.violated_text(report.results[0])            # ['session-ttl < dpd-retryinterval + 200']

    mine = api.property_from_text(
        "name: both-up\\ndescription: never one end up alone\\nkind: invariant\\n"
        "formula: up(end_a) == up(end_b)\\n"
    )
    api.check(model, [mine])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from ipsecmc.engines.result import Budget, EngineResult, Verdict
from ipsecmc.errors import IpsecmcError, UsageError
from ipsecmc.properties import Property, load_all, load_property
from ipsecmc.systems import TunnelSystem
from ipsecmc.trace import Trace
from ipsecmc.workflows import synthesize as _synthesis
from ipsecmc.workflows.check import (
    CheckOptions,
    CheckReport,
    LoadedModel,
    PropertyResult,
    check_model,
    exit_code,
    load_model,
)
from ipsecmc.workflows.measure import (
    MeasureOptions,
    MeasureReport,
    TunnelMeasure,
    measure_model,
    quantity_for,
)
from ipsecmc.workflows.synthesize import SynthesisReport, SynthesisResult
from ipsecmc.workflows.trace_json import SavedResult, read_results, results_from_json

#: The per-end constants :func:`with_timers` may change, with the config setting each
#: one stands for.
TIMERS: dict[str, str] = {
    "session_ttl": "udp-idle-timer / session-ttl port entry for udp/500 (None: never)",
    "dpd_retryinterval": "phase1 dpd-retryinterval",
    "dpd_retrycount": "phase1 dpd-retrycount",
    "p1_keylife": "phase1 keylife (None: no rekey)",
    "p2_keylife": "phase2 keylifeseconds (None: no rekey)",
}


#: The timers :func:`synthesize` may vary, by their config-facing names.
SYNTHESIS_PARAMS: tuple[str, ...] = tuple(_synthesis.PARAMS)


def load(
    paths: Sequence[str | Path],
    *,
    traffic: str | None = None,
    rekey: bool | None = None,
    faults: str | None = None,
    fault_budget: int | None = None,
) -> LoadedModel:
    """Read config files or scenario folders and pair their tunnels, as ``ipsecmc
    check`` does: ``scenario.toml`` gives the traffic profile, rekey setting and faults
    unless ``traffic`` / ``rekey`` / ``faults`` (``"reboot,loss"``, ``"all"``) and
    ``fault_budget`` are given. Bad input raises ``IpsecmcError`` (file, line,
    column in the message)."""
    return load_model(
        [str(p) for p in paths], traffic, rekey, faults=faults, fault_budget=fault_budget
    )


def with_timers(model: LoadedModel, *, end: str | None = None, **timers: int | None) -> LoadedModel:
    """``model`` with other timer values (names in :data:`TIMERS`), at both ends or at
    the gateway named ``end``. Traces still point at the config lines the original
    values came from."""
    unknown = sorted(set(timers) - set(TIMERS))
    if unknown:
        raise UsageError(f"unknown timer(s) {', '.join(unknown)}; expected {', '.join(TIMERS)}")
    for name, value in timers.items():
        if value is None and name in ("dpd_retryinterval", "dpd_retrycount"):
            raise UsageError(f"{name} needs a value")
        if value is not None and value < (0 if name == "dpd_retrycount" else 1):
            raise UsageError(f"{name} = {value}: expected a positive value")
    if end is not None and not any(end in s.names for s in model.systems):
        raise UsageError(f"no tunnel has an end named {end!r}")

    def retimed(system: TunnelSystem) -> TunnelSystem:
        ends = tuple(
            p if end is not None and p.name != end else replace(p, **timers)  # type: ignore[arg-type]
            for p in system.params.ends
        )
        new = system.with_params(replace(system.params, ends=(ends[0], ends[1])))
        assert isinstance(new, TunnelSystem)  # with_params keeps the class
        return new

    return replace(model, systems=tuple(retimed(s) for s in model.systems))


def property_from_text(text: str, filename: str = "<text>") -> Property:
    """A property written in the ``.prop`` format (README, "Properties"); the same as
    ``Property.from_text``."""
    return Property.from_text(text, filename)


def check(
    model: LoadedModel,
    properties: Sequence[str | Property] = (),
    *,
    engine: str = "explicit",
    timeout_seconds: float | None = None,
    cpu_seconds: float | None = None,
    solver_rlimit: int | None = None,
    max_states: int = 2_000_000,
    bound_seconds: int | None = None,
    jobs: int = 1,
) -> CheckReport:
    """Check ``properties`` (library names, ``.prop`` paths or :class:`Property`
    objects; empty: the whole library) on every tunnel of ``model``. Each result has
    its verdict and, for a counterexample or witness, the replayed ``trace``. HOLDS is
    a proof; HOLDS_UP_TO and INCONCLUSIVE say how far the search went (``reason``).
    Budgets per property: ``timeout_seconds`` (wall clock), ``cpu_seconds`` (CPU time
    of the searching process: not shortened by a loaded machine), ``solver_rlimit``
    (z3's deterministic resource units per query), ``max_states`` (stored states)."""
    props = tuple(p if isinstance(p, Property) else load_property(p) for p in properties)
    options = CheckOptions(
        bound_seconds=bound_seconds,
        engine=engine,
        max_states=max_states,
        timeout_seconds=timeout_seconds,
        cpu_seconds=cpu_seconds,
        solver_rlimit=solver_rlimit,
        jobs=jobs,
    )
    return check_model(model, options, properties=props or None)


def measure(
    model: LoadedModel,
    quantity: str = "disagreement",
    *,
    max_states: int = 2_000_000,
    timeout_seconds: float | None = None,
    cpu_seconds: float | None = None,
) -> MeasureReport:
    """The worst case of ``quantity`` on every tunnel of ``model`` (as ``ipsecmc
    measure``): the longest time its formula holds without a break, exact, unbounded
    (a lasso) or a lower bound when a budget runs out, each with its witness trace.
    ``quantity`` is a built-in name (``disagreement``, ``blackhole``) or a formula of the
    property language (``"up(end_a) and not up(end_b)"``)."""
    options = MeasureOptions(
        quantity=quantity,
        max_states=max_states,
        timeout_seconds=timeout_seconds,
        cpu_seconds=cpu_seconds,
    )
    return measure_model(model, quantity_for(quantity), options)


def load_traces(
    source: str | Path, model: LoadedModel | None = None, *, text: str | None = None
) -> tuple[SavedResult, ...]:
    """The results and traces of a saved ``ipsecmc check --format json`` report (the file
    ``source``, or the JSON ``text`` itself with ``source`` naming it in errors). With
    ``model`` (the configs the report was made from) each trace's path is replayed on its
    tunnel: every event gets its model state (``TraceEvent.after``), and a path the model
    does not accept raises ``IpsecmcError``. Without, events carry their saved fields."""
    systems = () if model is None else model.systems
    if text is not None:
        return results_from_json(text, systems, str(source))
    return read_results(source, systems)


def synthesize(
    model: LoadedModel,
    params: Sequence[str],
    properties: Sequence[str | Property] = (),
    *,
    ranges: Mapping[str, tuple[int, int]] | None = None,
    values: Mapping[str, Sequence[int]] | None = None,
    steps: int = _synthesis.DEFAULT_STEPS,
    bound_seconds: int | None = None,
    max_states: int = 2_000_000,
    timeout_seconds: float | None = None,
    probes: int = _synthesis.DEFAULT_PROBES,
    jobs: int = 1,
) -> SynthesisReport:
    """Timer regions where each property holds or is violated (README, "Parameter
    synthesis"). ``params`` are config-facing names (:data:`SYNTHESIS_PARAMS`:
    ``session-ttl``, ``dpd-retryinterval``, ...), set at both ends; ``ranges`` gives the
    box, ``values`` the grid (default: ``steps`` values per range). ``properties``
    (default: every invariant or bounded library property) must be of those kinds.

    Each result's ``violated`` region is derived from counterexamples (every point of
    it is violated); ``rest`` is the remainder of the box, established only at the grid
    cells checked HOLDS (``established``), not between them. ``jobs`` worker processes
    search the grid cells."""
    chosen = tuple(p if isinstance(p, Property) else load_property(p) for p in properties)
    if not chosen:
        chosen = tuple(p for p in load_all() if p.kind in _synthesis.KINDS)
    options = _synthesis.SynthesisOptions(
        params=tuple(params),
        ranges=dict(ranges or {}),
        values={k: tuple(sorted(set(v))) for k, v in (values or {}).items()},
        steps=steps,
        bound_seconds=bound_seconds,
        max_states=max_states,
        timeout_seconds=timeout_seconds,
        probes=probes,
        jobs=jobs,
    )
    return _synthesis.synthesize_model(model, chosen, options)


__all__ = [
    "SYNTHESIS_PARAMS",
    "TIMERS",
    "Budget",
    "CheckReport",
    "EngineResult",
    "IpsecmcError",
    "LoadedModel",
    "MeasureReport",
    "Property",
    "PropertyResult",
    "SavedResult",
    "SynthesisReport",
    "SynthesisResult",
    "Trace",
    "TunnelMeasure",
    "Verdict",
    "check",
    "exit_code",
    "load",
    "load_traces",
    "measure",
    "property_from_text",
    "synthesize",
    "with_timers",
]
