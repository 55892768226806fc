"""Checking a formula against the atoms a model provides (names, arities, types)."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ipsecmc.errors import PropertyError, SourceLoc
from ipsecmc.properties.prop_file import Property
from ipsecmc.properties.syntax import (
    ENUM_NAMES,
    GENERIC_ENDS,
    And,
    Atom,
    BoolLit,
    BoundRef,
    Compare,
    EnumLit,
    Expr,
    Implies,
    IntLit,
    Not,
    Or,
    ResultType,
    render,
)

# --------------------------------------------------------------------------- validation


@dataclass(frozen=True, slots=True)
class AtomSignature:
    """What the model says about one atom: its arity and the type of its value.

    ``gateway_args`` are the argument positions that must name a gateway (default: the
    first, if there is one). ``values`` lists the names an enum atom can take, so that
    ``p2(G) == CONNECTING`` (never true) is caught; empty means "not said".
    ``arg_choices``: (position, the only words accepted there, why), so that an argument
    the model cannot honour is an error rather than silently ignored (``session(G,
    tcp/443)`` would otherwise read the UDP 500 session).
    """

    name: str
    arity: int
    result: ResultType
    gateway_args: tuple[int, ...] | None = None
    values: tuple[str, ...] = ()
    arg_choices: tuple[tuple[int, tuple[str, ...], str], ...] = ()

    @property
    def gateway_positions(self) -> tuple[int, ...]:
        """Argument positions that must name a gateway."""
        if self.gateway_args is not None:
            return self.gateway_args
        return (0,) if self.arity >= 1 else ()

    def usage(self) -> str:
        """How the atom is written, e.g. ``session(G, x)``."""
        if self.arity == 0:
            return self.name
        names = ["G" if i in self.gateway_positions else "x" for i in range(self.arity)]
        return f"{self.name}({', '.join(names)})"


STANDARD_ATOMS: Mapping[str, AtomSignature] = MappingProxyType(
    {
        sig.name: sig
        for sig in (
            AtomSignature("up", 1, "bool"),
            AtomSignature("p1", 1, "enum", values=("DOWN", "CONNECTING", "UP")),
            AtomSignature("p2", 1, "enum", values=("DOWN", "UP")),
            AtomSignature(
                "session",
                2,
                "bool",
                arg_choices=((1, ("udp/500",), "the model tracks the IKE session only"),),
            ),
            AtomSignature("disagree", 0, "bool"),
            AtomSignature("blackhole", 1, "bool"),
            AtomSignature("dpd_failures", 1, "int"),
            AtomSignature("drops_ike", 1, "bool"),
        )
    }
)
"""The atoms documented in the module docstring, for checkers and tests to pass in."""

_TYPE_WORDS: Mapping[str, str] = {"bool": "a condition", "int": "an integer", "enum": "an enum"}
_TYPE_PLURALS: Mapping[str, str] = {"bool": "conditions", "int": "integers", "enum": "enums"}


def validate(
    prop: Property, atoms: Mapping[str, AtomSignature], gateway_names: Collection[str]
) -> None:
    """Check ``prop`` against the model's atoms and the scenario's gateways.

    Raises :class:`PropertyError` at the offending spot for an unknown atom, a wrong
    number of arguments, an unknown gateway (``end_a``/``end_b`` are always allowed),
    an unknown enum name, and type errors (a condition used as a number, an enum
    compared with a number, ``<`` on non-numbers, a formula that is not a condition).
    """
    gateways = set(gateway_names) | set(GENERIC_ENDS)
    enum_names = set(ENUM_NAMES).union(*(sig.values for sig in atoms.values()))
    for atom in prop.atoms:
        _check_atom(atom, atoms, gateways, prop.formula_loc)
    checker = _TypeChecker(atoms, enum_names, prop.formula_loc)
    temporal = prop.temporal
    if temporal is None:
        checker.expect_bool(prop.formula, "the formula")
        return
    goal = "the formula after 'within'" if temporal.op == "within" else "the right side"
    checker.expect_bool(prop.formula, f"{goal} of '{temporal.op}'")
    if temporal.left is not None:
        checker.expect_bool(temporal.left, f"the left side of '{temporal.op}'")


def _check_atom(
    atom: Atom, atoms: Mapping[str, AtomSignature], gateways: set[str], fallback: SourceLoc
) -> None:
    loc = atom.loc or fallback
    sig = atoms.get(atom.name)
    if sig is None:
        known = ", ".join(atoms[name].usage() for name in sorted(atoms)) or "none"
        hint = difflib.get_close_matches(atom.name, list(atoms), n=1)
        did_you_mean = f"; did you mean '{hint[0]}'?" if hint else ""
        raise PropertyError(loc, f"unknown atom '{atom.name}' (known atoms: {known}){did_you_mean}")
    if len(atom.args) != sig.arity:
        plural = "" if sig.arity == 1 else "s"
        raise PropertyError(
            loc,
            f"expected {sig.arity} argument{plural} for {sig.usage()}, found "
            f"{len(atom.args)} in {render(atom)}",
        )
    for pos in sig.gateway_positions:
        if pos >= len(atom.args) or atom.args[pos] in gateways:
            continue
        arg_loc = atom.arg_locs[pos] if pos < len(atom.arg_locs) else loc
        raise PropertyError(
            arg_loc,
            f"unknown gateway '{atom.args[pos]}' in {render(atom)} "
            f"(known gateways: {', '.join(sorted(gateways))})",
        )
    for pos, choices, why in sig.arg_choices:
        if pos < len(atom.args) and atom.args[pos] not in choices:
            arg_loc = atom.arg_locs[pos] if pos < len(atom.arg_locs) else loc
            raise PropertyError(
                arg_loc,
                f"expected {' or '.join(choices)} in {render(atom)}, found "
                f"'{atom.args[pos]}' ({why})",
            )


class _TypeChecker:
    """Infers each sub-formula's type; there are three and no conversions."""

    def __init__(
        self, atoms: Mapping[str, AtomSignature], enum_names: set[str], fallback: SourceLoc
    ) -> None:
        self.atoms = atoms
        self.enum_names = enum_names
        self.fallback = fallback

    def loc(self, expr: Expr) -> SourceLoc:
        return expr.loc or self.fallback

    def expect_bool(self, expr: Expr, where: str) -> None:
        found = self.infer(expr)
        if found != "bool":
            raise PropertyError(
                self.loc(expr),
                f"expected a condition as {where}, found {render(expr)}, "
                f"which is {_TYPE_WORDS[found]}",
            )

    def infer(self, expr: Expr) -> ResultType:
        match expr:
            case Atom(name=name):
                return self.atoms[name].result
            case IntLit() | BoundRef():
                return "int"
            case BoolLit():
                return "bool"
            case EnumLit(name=name):
                if name not in self.enum_names:
                    raise PropertyError(
                        self.loc(expr),
                        f"expected an enum name ({', '.join(sorted(self.enum_names))}), "
                        f"found '{name}'",
                    )
                return "enum"
            case Not(operand=operand):
                self.expect_bool(operand, "the operand of 'not'")
                return "bool"
            case And(operands=ops) | Or(operands=ops):
                word = "and" if isinstance(expr, And) else "or"
                for op in ops:
                    self.expect_bool(op, f"an operand of '{word}'")
                return "bool"
            case Implies(left=left, right=right):
                self.expect_bool(left, "the left side of 'implies'")
                self.expect_bool(right, "the right side of 'implies'")
                return "bool"
            case Compare():
                self.check_compare(expr)
                return "bool"

    def check_compare(self, cmp: Compare) -> None:
        left, right = self.infer(cmp.left), self.infer(cmp.right)
        if left != right:
            raise PropertyError(
                self.loc(cmp),
                f"expected both sides of '{cmp.op}' to have the same type, found "
                f"{render(cmp.left)} ({_TYPE_WORDS[left]}) and "
                f"{render(cmp.right)} ({_TYPE_WORDS[right]})",
            )
        if cmp.op not in ("==", "!=") and left != "int":
            raise PropertyError(
                self.loc(cmp),
                f"expected integers on both sides of '{cmp.op}', found {_TYPE_PLURALS[left]} "
                f"(use == or != for {_TYPE_PLURALS[left]})",
            )
        if left == "enum":
            for atom_side, lit_side in ((cmp.left, cmp.right), (cmp.right, cmp.left)):
                if not (isinstance(atom_side, Atom) and isinstance(lit_side, EnumLit)):
                    continue
                values = self.atoms[atom_side.name].values
                if values and lit_side.name not in values:
                    raise PropertyError(
                        self.loc(lit_side),
                        f"expected one of {', '.join(values)} (the values of "
                        f"{atom_side.name}), found {lit_side.name}",
                    )
