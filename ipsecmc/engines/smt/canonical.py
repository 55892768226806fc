"""The pieces of the printed counterexample's canonicalisation (``engine._Search._found``).

Among the counterexamples the engine may print (the fewest seconds within a few steps of
the shortest), it prints the first in the order the explicit engine explores successors,
so both engines print the same events. That order is fixed one *choice point* at a time,
in time order: the first alternative for which some counterexample still exists.

Asking that of the whole unrolling costs a query over every step (about 2 s at the seed's
41 steps, whatever the answer). Most alternatives are a local change: two urgent events
of different ends in the other order, which rejoins the same states a step later. So the
engine first asks a small solver for a *detour*: from the current path's concrete state
before the step, a few steps with the alternative taken that end in the current path's
concrete state (and monitor) after them, taking no more seconds. A detour found makes a
counterexample with the alternative (the current one, with the detour spliced in; the
rest, and so the violation, unchanged), so the answer is the one the whole unrolling would
give; only a detour not found falls back to the query over the unrolling. The printed path
is then a list of ``PathStep``, each read from the z3 model that chose it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from ipsecmc.engines.smt.encoding import Step
from ipsecmc.engines.smt.terms import SState, int_value, read_state
from ipsecmc.engines.smt.z3_api import BoolT, IntT, z3
from ipsecmc.model.semantics import Semantics, Sink
from ipsecmc.model.traffic import TrafficPhase

#: Steps of a detour (``canonical`` module doc): two swapped events rejoin after two.
DETOUR_STEPS = 3


@dataclass(frozen=True)
class PathStep:
    """One step of a counterexample as the z3 model that chose it assigns it: from state
    ``here`` (monitor ``mon_here``) by ``step`` to ``there`` (``mon_there``); ``bad_of``
    says, as a term, whether a state and monitor are a violation."""

    model: z3.ModelRef
    here: SState
    mon_here: IntT
    step: Step
    there: SState
    mon_there: IntT
    bad_of: Callable[[SState, IntT], BoolT]

    def holds(self, term: BoolT) -> bool:
        return bool(z3.is_true(self.model.eval(term, model_completion=True)))

    def value(self, term: IntT) -> int:
        return int_value(self.model, term)

    @cached_property
    def seconds(self) -> int:
        return self.value(self.step.seconds())

    @cached_property
    def bad(self) -> bool:
        """Whether the step ends in a violation."""
        return self.holds(self.bad_of(self.there, self.mon_there))


def path_steps(
    model: z3.ModelRef,
    states: list[SState],
    mons: list[IntT],
    steps: list[Step],
    bad_of: Callable[[SState, IntT], BoolT],
) -> list[PathStep]:
    """The steps of an unrolling (``states[0]`` by ``steps[0]`` to ``states[1]``, ...)
    as ``model`` assigns them."""
    return [
        PathStep(model, states[i], mons[i], step, states[i + 1], mons[i + 1], bad_of)
        for i, step in enumerate(steps)
    ]


@dataclass(frozen=True)
class ChoicePoint:
    """A choice of one step that changes its outcome, with its alternatives in
    ``Semantics.successors`` order: which end's urgent event goes first (``order``: end 0
    first), which outcome of the urgent event (``pick``: ``count`` of them, outcome 0
    first), or the traffic of a second (``traffic``: the phase's ``choices``, in profile
    order)."""

    kind: Literal["order", "pick", "traffic"]
    count: int = 2
    #: ``traffic``: (a to b, b to a, fault code) per alternative (``Semantics.successors``)
    choices: tuple[tuple[bool, bool, int], ...] = ()

    def alternatives(self, step: Step) -> list[BoolT]:
        """The alternatives as literals of ``step``'s choice bits."""
        if self.kind == "order":
            return [step.order, z3.Not(step.order)]
        if self.kind == "pick":
            return [step.choices.pick == n for n in range(self.count)]
        # a fault is a choice only where one is possible (else ``fault`` is not read)
        faulty = any(fault for _, _, fault in self.choices)
        return [
            z3.And(
                step.choices.ab if ab else z3.Not(step.choices.ab),
                step.choices.ba if ba else z3.Not(step.choices.ba),
                step.choices.fault == fault if faulty else z3.BoolVal(True),
            )
            for ab, ba, fault in self.choices
        ]


def choice_points(
    semantics: Semantics, phases: tuple[TrafficPhase, ...], piece: PathStep
) -> list[ChoicePoint]:
    """The choice points of ``piece``'s step, asked of its concrete source state (what is
    due, how many outcomes the event taken has, the traffic phase): the relation is the
    model's semantics (``encoding``), so no terms are built for this."""
    here = read_state(piece.model, piece.here)
    urgent = [semantics.due(here, i) is not None for i in (0, 1)]
    out: list[ChoicePoint] = []
    if all(urgent):
        out.append(ChoicePoint("order"))
    if any(urgent):
        kind, end = next(key for key, event in piece.step.events.items() if piece.holds(event))
        count = len(semantics.handle(kind, here, end, Sink(False)))
        if count > 1:
            out.append(ChoicePoint("pick", count))
        return out
    choices = tuple(
        (ab, ba, fault)
        for fault in semantics.fault_codes(here)
        for ab, ba in phases[here.phase].choices()
    )
    if len(choices) > 1:
        out.append(ChoicePoint("traffic", len(choices), choices))
    return out


__all__ = ["DETOUR_STEPS", "ChoicePoint", "PathStep", "choice_points", "path_steps"]
