"""``when``: a choice between two values, in a form every interpreter of the semantics
understands.

Why not ``a if c else b``: the z3 engine derives its transition relation by running the
reference semantics on symbolic values (``ipsecmc.engines.smt.symbolic``). A Python
conditional forces a truth value, so each one doubles the number of runs, and choices that
do not depend on each other (six independent timers counting down in one tick) multiply
into thousands of paths. ``when`` hands the choice to the value instead: on plain bools
it is the conditional; on a symbolic condition it becomes one ``If`` term. Control flow
(which handler runs, which packet is sent) stays ordinary Python ``if``.

Conditions combine with ``&`` and ``|`` (not ``and``/``or``, which also force a truth
value); on bools they mean the same.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

V = TypeVar("V")


class Selecting(Protocol):
    """A symbolic condition (``ipsecmc.engines.smt.symbolic.SymBool``)."""

    def select(self, then: Any, otherwise: Any) -> Any: ...


def when(condition: bool | Selecting, then: V, otherwise: V) -> V:
    """``then`` if ``condition`` holds, else ``otherwise`` (both are evaluated)."""
    if condition is True:
        return then
    if condition is False:
        return otherwise
    return condition.select(then, otherwise)  # type: ignore[no-any-return]


__all__ = ["when"]
