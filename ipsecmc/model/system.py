"""``TransitionSystem``: the one object every engine explores for one tunnel.

It ties the semantics (``semantics.Semantics``) to the names of the ends and answers the
atoms properties are written in, so that properties never see the state layout.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ipsecmc.errors import UsageError
from ipsecmc.model.params import TunnelParams
from ipsecmc.model.semantics import Label, Outcome, Semantics
from ipsecmc.model.state import DOWN, P1_NAMES, P2_NAMES, UP, EndState, State

AtomValue = bool | int | str

#: Traffic profile used when neither the scenario nor the user pins one.
DEFAULT_TRAFFIC = "any"


class AtomLike(Protocol):
    """What the model needs of a property atom (``ipsecmc.properties.Atom``)."""

    @property
    def name(self) -> str: ...

    @property
    def args(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class AtomSpec:
    """Signature of one atom the model answers."""

    name: str
    arity: int
    result: str  # "bool" | "int" | "enum"


ATOMS: tuple[AtomSpec, ...] = (
    AtomSpec("up", 1, "bool"),
    AtomSpec("p1", 1, "enum"),
    AtomSpec("p2", 1, "enum"),
    AtomSpec("session", 2, "bool"),
    AtomSpec("disagree", 0, "bool"),
    AtomSpec("blackhole", 1, "bool"),
    AtomSpec("dpd_failures", 1, "int"),
    AtomSpec("drops_ike", 1, "bool"),
)


class TransitionSystem:
    """Initial state, successors in a stable order, replay, and atom values."""

    def __init__(
        self, name: str, params: TunnelParams, semantics: type[Semantics] = Semantics
    ) -> None:
        """``name`` names the tunnel in messages; the ends' names are ``params``'.
        ``semantics``: the behaviour (a subclass of the reference ``Semantics`` adds one,
        e.g. a fault; every engine reads it from here, none has a copy)."""
        self.name = name
        self.params = params
        self.semantics = semantics(params)
        self.names: tuple[str, str] = (params.ends[0].name, params.ends[1].name)

    def with_params(self, params: TunnelParams) -> TransitionSystem:
        """The same tunnel (and subclass: a reader's system keeps its config objects)
        with other constants, e.g. without keylife timers."""
        other = copy.copy(self)
        other.params = params
        other.semantics = type(self.semantics)(params)
        other.names = (params.ends[0].name, params.ends[1].name)
        return other

    def with_semantics(self, semantics: type[Semantics]) -> TransitionSystem:
        """The same tunnel with another behaviour (a ``Semantics`` subclass)."""
        other = copy.copy(self)
        other.semantics = semantics(self.params)
        return other

    def initial(self) -> State:
        return self.semantics.initial()

    def successors(self, state: State) -> list[tuple[Label, State]]:
        return self.semantics.successors(state)

    def replay_step(self, state: State, label: Label) -> Outcome:
        return self.semantics.replay_step(state, label)

    def max_delay(self, state: State) -> int:
        """Seconds that may be skipped at once from ``state`` (see ``Semantics.max_delay``)."""
        return self.semantics.max_delay(state)

    def delay(self, state: State, seconds: int) -> State:
        return self.semantics.delay(state, seconds)

    def end_index(self, name: str) -> int:
        """Map a gateway name (or ``end_a``/``end_b``) to 0/1."""
        if name in ("end_a", self.names[0]):
            return 0
        if name in ("end_b", self.names[1]):
            return 1
        raise UsageError(f"{name!r} is not an end of tunnel {self.name}")

    def atom_value(self, state: State, atom: AtomLike) -> AtomValue:
        """The value of ``atom`` in ``state``; the property validator checked its shape."""
        name = atom.name
        if name == "disagree":
            return state.a.p2 != state.b.p2
        i = self.end_index(atom.args[0])
        e: EndState = state.end(i)
        if name == "up":
            return e.p2 == UP
        if name == "p1":
            return P1_NAMES[e.p1]
        if name == "p2":
            return P2_NAMES[e.p2]
        if name == "session":
            return e.sess != 0
        if name == "blackhole":
            return e.p2 == UP and e.sent and state.end(1 - i).p2 == DOWN
        if name == "dpd_failures":
            return e.dpd_sent
        if name == "drops_ike":
            # A new IKE packet from the peer meets G's local-in table only when G has no
            # UDP 500 session to match it; "may drop" when a schedule or an FQDN leaves
            # the outcome open (the model explores the drop then, so the atom does too).
            return e.sess == 0 and any(not a.accepted for a in self.params.ends[i].admissions)
        raise UsageError(f"unknown atom {name!r}")

    def describe(self, state: State) -> dict[str, dict[str, object]]:
        """Both ends' state in words, for traces and JSON."""
        out: dict[str, dict[str, object]] = {}
        for i, name in enumerate(self.names):
            e = state.end(i)
            out[name] = {
                "p1": P1_NAMES[e.p1],
                "p2": P2_NAMES[e.p2],
                "tunnel": "UP" if e.p2 == UP else "DOWN",
                "udp500_session_ttl": None if e.sess == 0 else ("never" if e.sess < 0 else e.sess),
                "dpd_unanswered": e.dpd_sent,
                "p2_keylife_left": e.p2_life if e.p2_life >= 0 else None,
            }
        return out


def signatures() -> Sequence[AtomSpec]:
    return ATOMS
