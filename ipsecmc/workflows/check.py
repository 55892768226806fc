"""``check``: scenario x properties x engine -> results. No printing, no exiting.

This is the library face of ``ipsecmc check``: load configs, pair tunnels, build one
transition system per tunnel, resolve each property's bound, run the engine, and replay
every counterexample or witness into a ``Trace``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ipsecmc.engines.result import Stats, Verdict
from ipsecmc.errors import UsageError
from ipsecmc.fortios.topology_types import Scenario
from ipsecmc.inputs import load_scenario
from ipsecmc.model.faults import NO_FAULTS, FaultModel, parse_faults
from ipsecmc.model.system import DEFAULT_TRAFFIC
from ipsecmc.properties import Property
from ipsecmc.systems import TunnelSystem, build
from ipsecmc.workflows.parallel import SearchesInterrupted, check_pairs
from ipsecmc.workflows.scenario_file import ScenarioSettings, read_settings
from ipsecmc.workflows.tunnel_check import (
    ENGINES,
    INTERRUPTED_FACT,
    CheckOptions,
    PropertyResult,
    ResultRenderer,
    check_tunnel,
    check_with_unknowns,
    interrupted_result,
    load_properties,
    make_result,
    plan_for,
)
from ipsecmc.workflows.unknowns import UnknownName, declare_unknowns


@dataclass(frozen=True)
class CheckReport:
    scenario: Scenario
    settings: ScenarioSettings
    traffic: str
    rekey: bool
    results: tuple[PropertyResult, ...]
    unknowns: tuple[UnknownName, ...] = ()
    #: the faults explored for every property (one with a ``faults:`` line may add its own)
    faults: FaultModel = NO_FAULTS


class CheckInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`check_paths`. ``report`` has every result: those answered
    before the interruption as they are, the others INCONCLUSIVE (:func:`interrupted_result`).
    A ``KeyboardInterrupt``, so a caller that does not look for it stops as usual."""

    def __init__(self, report: CheckReport) -> None:
        super().__init__("interrupted")
        self.report = report


def interrupted_count(report: CheckReport) -> int:
    """How many results of ``report`` Ctrl-C left unanswered."""
    return sum(1 for r in report.results if r.result.facts.get(INTERRUPTED_FACT))


@dataclass(frozen=True)
class LoadedModel:
    """Configs read and paired into tunnels, with what the scenario folder pins down:
    the input of :func:`check_model` (and of ``ipsecmc.api``, which may change its
    timers before checking). ``systems`` has one transition system per tunnel."""

    scenario: Scenario
    settings: ScenarioSettings
    traffic: str
    rekey: bool
    systems: tuple[TunnelSystem, ...]
    faults: FaultModel = NO_FAULTS


def load_model(
    paths: Sequence[str | Path],
    traffic: str | None = None,
    rekey: bool | None = None,
    allow_undefined: bool = False,
    faults: str | None = None,
    fault_budget: int | None = None,
) -> LoadedModel:
    """Read ``paths`` (config files or scenario folders); ``traffic``, ``rekey``,
    ``faults`` and ``fault_budget`` override ``scenario.toml``'s, which override the
    defaults (``any``, rekey on, no faults, budget 1). ``allow_undefined``: names used
    but not defined are left for ``--assume-unknown``."""
    settings = read_settings(paths)
    scenario = load_scenario(paths, allow_undefined=allow_undefined)
    chosen_traffic = traffic or settings.traffic or DEFAULT_TRAFFIC
    chosen_rekey = (
        rekey if rekey is not None else (settings.rekey if settings.rekey is not None else True)
    )
    chosen_faults = parse_faults(
        faults if faults is not None else settings.faults,
        fault_budget if fault_budget is not None else settings.fault_budget,
    )
    systems = tuple(build(t, chosen_traffic, chosen_rekey, chosen_faults) for t in scenario.tunnels)
    return LoadedModel(scenario, settings, chosen_traffic, chosen_rekey, systems, chosen_faults)


def faulty(system: TunnelSystem, prop: Property) -> TunnelSystem:
    """``system`` as ``prop`` is checked on: with the faults of its ``faults:`` line when
    the run explores none of its own (``--faults`` / scenario.toml choose otherwise);
    without faults for a ``recoverable`` property, whose way back must not be a fault (a
    reboot or flush would unstick every stuck state; each result states its faults)."""
    if prop.kind == "recoverable":
        faults = NO_FAULTS
    elif prop.faults is not None and not system.params.faults.enabled:
        faults = prop.faults
    else:
        return system
    if faults == system.params.faults:
        return system
    return system.with_params(replace(system.params, faults=faults))  # type: ignore[return-value]


def check_paths(
    paths: Sequence[str | Path],
    options: CheckOptions,
    progress: Callable[[Stats], None] | None = None,
    *,
    render: ResultRenderer | None = None,
) -> CheckReport:
    """The whole ``ipsecmc check`` job for config files or scenario folders.

    ``render``: the renderer the caller will apply to every result; the worker processes
    run it where they replay the traces (``PropertyResult.render``), which is what makes
    ``--jobs`` pay off for a report with long traces (``ipsecmc.workflows.parallel``).
    """
    if options.engine not in ENGINES:
        raise UsageError(f"unknown engine {options.engine!r}; expected one of {', '.join(ENGINES)}")
    model = load_model(
        paths,
        options.traffic,
        options.rekey,
        allow_undefined=bool(options.assume_unknown),
        faults=options.faults,
        fault_budget=options.fault_budget,
    )
    return check_model(model, options, progress, render=render)


def check_model(
    model: LoadedModel,
    options: CheckOptions,
    progress: Callable[[Stats], None] | None = None,
    *,
    render: ResultRenderer | None = None,
    properties: Sequence[Property] | None = None,
) -> CheckReport:
    """``check_paths`` on a model already loaded (``options.traffic`` and ``rekey`` were
    applied by :func:`load_model`; the model's systems are checked as they are).
    ``properties``: checked instead of ``options.properties`` (parsed by the caller)."""
    if options.engine not in ENGINES:
        raise UsageError(f"unknown engine {options.engine!r}; expected one of {', '.join(ENGINES)}")
    scenario, settings, systems = model.scenario, model.settings, list(model.systems)
    unknowns = declare_unknowns(scenario, options.assume_unknown)
    props = tuple(properties) if properties is not None else load_properties(options.properties)

    def report(results: Sequence[PropertyResult]) -> CheckReport:
        return CheckReport(
            scenario, settings, model.traffic, model.rekey, tuple(results), unknowns, model.faults
        )

    if options.assume_unknown:  # per-tunnel case split (workflows.unknowns), here
        results: list[PropertyResult] = []
        pairs = [(faulty(system, prop), prop) for system in systems for prop in props]
        try:
            for system, prop in pairs:
                expected = settings.expect.get(prop.name)
                results.append(check_with_unknowns(system, prop, options, progress, expected))
        except KeyboardInterrupt:
            results.extend(
                interrupted_result(system, prop, options, settings.expect.get(prop.name))
                for system, prop in pairs[len(results) :]
            )
            raise CheckInterrupted(report(results)) from None
        return report(results)
    # One system per tunnel; identical tunnels share a search, searches run in
    # ``options.jobs`` processes; results keep the tunnel-then-property order.
    try:
        pairs = [(faulty(system, prop), prop) for system in systems for prop in props]
        shared = check_pairs(pairs, options, settings.expect, progress, render=render)
    except SearchesInterrupted as exc:
        raise CheckInterrupted(report(exc.results)) from None
    return report(shared)


def exit_code(report: CheckReport) -> int:
    """0 every property proved, 1 one violated, 3 one inconclusive or only bounded."""
    verdicts = {r.verdict for r in report.results}
    if Verdict.VIOLATED in verdicts:
        return 1
    if verdicts & {Verdict.INCONCLUSIVE, Verdict.HOLDS_UP_TO}:
        return 3
    return 0


# One import for a library user: the per-tunnel pieces are ``workflows.tunnel_check``'s.
__all__ = [
    "ENGINES",
    "INTERRUPTED_FACT",
    "CheckInterrupted",
    "CheckOptions",
    "CheckReport",
    "LoadedModel",
    "PropertyResult",
    "ResultRenderer",
    "check_model",
    "check_paths",
    "check_tunnel",
    "check_with_unknowns",
    "exit_code",
    "interrupted_count",
    "interrupted_result",
    "load_model",
    "load_properties",
    "make_result",
    "plan_for",
]
