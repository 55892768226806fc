"""Host-traffic profiles: what the environment may send into the tunnel each second.

A profile is a sequence of phases; each phase says, per direction, whether traffic
always flows, never flows, or may or may not flow (a nondeterministic choice each
second). The last phase lasts forever. Syntax (``--traffic`` and ``scenario.toml``)::

    any                       both directions free (the default)
    none | both               no traffic / traffic both ways every second
    site1-to-site2            site1 sends every second, site2 never
    none:200,site1-to-site2   200 s of no traffic, then site1 -> site2 forever

Gateway names may be the hostnames or ``end_a`` / ``end_b``. A direction can be written
``site1-to-site2?`` to make it optional (may or may not flow) within a phase.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ipsecmc.errors import UsageError

Flow = Literal["never", "always", "maybe"]


@dataclass(frozen=True, slots=True)
class TrafficPhase:
    """Traffic per direction for ``duration`` seconds (``None`` = forever)."""

    a_to_b: Flow
    b_to_a: Flow
    duration: int | None

    def choices(self) -> tuple[tuple[bool, bool], ...]:
        """The (a->b, b->a) combinations the environment may pick in one second."""
        ab = _options(self.a_to_b)
        ba = _options(self.b_to_a)
        return tuple((x, y) for x in ab for y in ba)


def _options(flow: Flow) -> tuple[bool, ...]:
    return {"never": (False,), "always": (True,), "maybe": (False, True)}[flow]


@dataclass(frozen=True, slots=True)
class TrafficProfile:
    """A parsed profile; ``text`` is what the user wrote (shown in reports)."""

    text: str
    phases: tuple[TrafficPhase, ...]

    @property
    def deterministic(self) -> bool:
        return all(len(p.choices()) == 1 for p in self.phases)


def parse_profile(text: str, name_a: str, name_b: str) -> TrafficProfile:
    """Parse ``text`` for a tunnel whose ends are called ``name_a`` and ``name_b``."""
    phases: list[TrafficPhase] = []
    parts = [p.strip() for p in text.split(",")]
    for index, part in enumerate(parts):
        body, _, dur_text = part.partition(":")
        duration: int | None = None
        if dur_text:
            if not dur_text.strip().isdigit() or int(dur_text) <= 0:
                raise UsageError(
                    f"traffic profile {text!r}: phase {part!r} needs a positive number of "
                    "seconds after ':'"
                )
            duration = int(dur_text)
        elif index != len(parts) - 1:
            raise UsageError(f"traffic profile {text!r}: every phase but the last needs ':SECONDS'")
        if index == len(parts) - 1 and duration is not None:
            raise UsageError(
                f"traffic profile {text!r}: the last phase lasts forever; drop ':{dur_text}'"
            )
        phases.append(_parse_phase(body.strip(), duration, text, name_a, name_b))
    return TrafficProfile(text=text, phases=tuple(phases))


def _parse_phase(
    body: str, duration: int | None, text: str, name_a: str, name_b: str
) -> TrafficPhase:
    if body == "any":
        return TrafficPhase("maybe", "maybe", duration)
    if body == "none":
        return TrafficPhase("never", "never", duration)
    if body == "both":
        return TrafficPhase("always", "always", duration)
    a_names = {name_a, "end_a"}
    b_names = {name_b, "end_b"}
    a_to_b: Flow = "never"
    b_to_a: Flow = "never"
    for direction in body.split("+"):
        direction = direction.strip()
        flow: Flow = "always"
        if direction.endswith("?"):
            flow, direction = "maybe", direction[:-1]
        src, sep, dst = direction.partition("-to-")
        if sep and src in a_names and dst in b_names:
            a_to_b = flow
        elif sep and src in b_names and dst in a_names:
            b_to_a = flow
        else:
            raise UsageError(
                f"traffic profile {text!r}: cannot read {direction!r}; expected any, none, "
                f"both, or X-to-Y with X, Y in {{{name_a}, {name_b}, end_a, end_b}} "
                "(optionally ending in '?', several joined with '+')"
            )
    return TrafficPhase(a_to_b, b_to_a, duration)
