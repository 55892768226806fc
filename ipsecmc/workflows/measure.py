"""``measure``: scenario x quantity -> worst case per tunnel. No printing, no exiting.

The library face of ``ipsecmc measure``: load configs, pair tunnels, build one
transition system per tunnel (traffic profile and rekey as ``check`` resolves them),
measure the longest stretch of the quantity's formula on the explicit graph
(``ipsecmc.engines.explicit.measure``), and replay the witness into a ``Trace``.

A quantity is a formula in the property language, so its atoms are the ones
properties use (``disagree`` is ``TunnelSystem.atom_value``'s, defined once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ipsecmc.engines.explicit.measure import Measurement, Status, measure
from ipsecmc.engines.result import Budget, Stats
from ipsecmc.errors import UsageError
from ipsecmc.fortios.topology_types import Scenario, Tunnel
from ipsecmc.model.faults import NO_FAULTS, FaultModel
from ipsecmc.model.state import State
from ipsecmc.properties import (
    STANDARD_ATOMS,
    Atom,
    compile_formula,
    parse_formula,
    parse_property,
    validate,
)
from ipsecmc.systems import TunnelSystem
from ipsecmc.trace import Trace, replay
from ipsecmc.workflows.check import LoadedModel, load_model
from ipsecmc.workflows.scenario_file import ScenarioSettings


@dataclass(frozen=True, slots=True)
class Quantity:
    """What is measured: the longest time ``formula`` holds without a break."""

    name: str
    formula: str
    description: str


QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        Quantity(
            "disagreement",
            "disagree",
            'the two ends disagree on "tunnel up" (one IPsec SA up, the other down)',
        ),
        Quantity(
            "blackhole",
            "blackhole(end_a) or blackhole(end_b)",
            "an end sends ESP into an IPsec SA the peer does not hold",
        ),
    )
}


@dataclass(frozen=True)
class MeasureOptions:
    """Everything ``ipsecmc measure`` lets a user choose (defaults = the documented ones)."""

    quantity: str = "disagreement"
    traffic: str | None = None  # None: scenario.toml's, else "any"
    rekey: bool | None = None  # None: scenario.toml's, else True
    max_states: int = 2_000_000
    timeout_seconds: float | None = None
    cpu_seconds: float | None = None
    faults: str | None = None  # as ``CheckOptions.faults``
    fault_budget: int | None = None


@dataclass(frozen=True)
class TunnelMeasure:
    """The worst case on one tunnel, its witness replayed, and both ends' state at the
    start and at the end of the worst stretch."""

    tunnel: Tunnel
    system: TunnelSystem
    measurement: Measurement
    trace: Trace | None
    at_start: dict[str, dict[str, object]] | None
    at_end: dict[str, dict[str, object]] | None

    @property
    def status(self) -> Status:
        return self.measurement.status


@dataclass(frozen=True)
class MeasureReport:
    scenario: Scenario
    settings: ScenarioSettings
    traffic: str
    rekey: bool
    quantity: Quantity
    results: tuple[TunnelMeasure, ...]
    #: the faults explored (``--faults``): the worst case then includes a fault's aftermath
    faults: FaultModel = NO_FAULTS


def predicate_for(system: TunnelSystem, quantity: Quantity) -> Callable[[State], bool]:
    """Compile the quantity's formula to a predicate over ``system``'s states."""
    compiled = compile_formula(parse_formula(quantity.formula), None)

    def predicate(state: State) -> bool:
        def value(atom: Atom) -> bool | int | str:
            return system.atom_value(state, atom)

        return compiled(value)

    return predicate


def measure_tunnel(
    system: TunnelSystem,
    quantity: Quantity,
    options: MeasureOptions,
    progress: Callable[[Stats], None] | None = None,
) -> TunnelMeasure:
    """Measure one tunnel and replay the witness (a replay failure is an internal error)."""
    predicate = predicate_for(system, quantity)
    m = measure(
        system,
        predicate,
        Budget(options.max_states, options.timeout_seconds, options.cpu_seconds),
        progress,
    )
    if m.status is Status.LOWER_BOUND and not system.params.traffic.deterministic:
        m = replace(
            m,
            reason=m.reason + "; with free traffic choices every second the state space is "
            "very large: pin a --traffic profile or try --no-rekey",
        )
    trace = replay(system, m.path) if m.path is not None else None
    return TunnelMeasure(
        system.tunnel,
        system,
        m,
        trace,
        None if m.at_start is None else system.describe(m.at_start),
        None if m.at_end is None else system.describe(m.at_end),
    )


def quantity_for(name_or_formula: str) -> Quantity:
    """A built-in quantity by name, else a quantity of its own: the longest time the
    formula holds without a break (its syntax checked here, with ``line:col`` errors; its
    atoms and gateways by :func:`measure_model`, which knows the tunnels)."""
    if name_or_formula in QUANTITIES:
        return QUANTITIES[name_or_formula]
    text = name_or_formula.strip()
    if "\n" in text or not text:
        raise UsageError(f"expected a quantity name ({', '.join(QUANTITIES)}) or a formula")
    parse_formula(text, "<quantity>")
    return Quantity(text, text, f"`{text}` holds")


def measure_model(
    model: LoadedModel,
    quantity: Quantity,
    options: MeasureOptions,
    progress: Callable[[Stats], None] | None = None,
) -> MeasureReport:
    """``measure`` on configs already read (``ipsecmc.api``: timers may be changed). The
    quantity's formula is checked like a property's (unknown atoms or gateways, a formula
    that is not a condition: ``PropertyError``)."""
    text = f"name: quantity\ndescription: q\nkind: invariant\nformula: {quantity.formula}\n"
    prop = parse_property(text, "<quantity>")
    for system in model.systems:
        validate(prop, STANDARD_ATOMS, system.names)
    results = tuple(measure_tunnel(s, quantity, options, progress) for s in model.systems)
    return MeasureReport(
        model.scenario, model.settings, model.traffic, model.rekey, quantity, results, model.faults
    )


def measure_paths(
    paths: Sequence[str | Path],
    options: MeasureOptions,
    progress: Callable[[Stats], None] | None = None,
) -> MeasureReport:
    """The whole ``ipsecmc measure`` job for config files or scenario folders."""
    quantity = QUANTITIES.get(options.quantity)
    if quantity is None:
        raise UsageError(
            f"unknown quantity {options.quantity!r}; expected one of {', '.join(QUANTITIES)}"
        )
    model = load_model(
        paths,
        options.traffic,
        options.rekey,
        faults=options.faults,
        fault_budget=options.fault_budget,
    )
    return measure_model(model, quantity, options, progress)


def exit_code(report: MeasureReport) -> int:
    """0 every tunnel measured (exact or unbounded), 3 a budget ran out (lower bound)."""
    return 3 if any(r.status is Status.LOWER_BOUND for r in report.results) else 0


def hms(seconds: int) -> str:
    """``42930`` -> ``11:55:30`` (hours may exceed 24)."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}"
