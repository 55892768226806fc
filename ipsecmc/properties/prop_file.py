"""A property file (``.prop``): ``Property``, what one file says, and its reader.

The reader splits the file into ``key: value`` entries (``description`` and
``formula`` continue on indented lines) and hands the formula's pieces to the formula
parser (``properties.parse``); every error names file, line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from ipsecmc.errors import InternalError, PropertyError, SourceLoc, UsageError
from ipsecmc.model.faults import FaultModel, parse_faults
from ipsecmc.properties.parse import INT_RE, Segment, parse_segments
from ipsecmc.properties.syntax import (
    KINDS,
    Atom,
    BoundRef,
    Expr,
    Kind,
    Temporal,
    _distinct_atoms,
    render,
    render_temporal,
    subexpressions,
)

_KEYS = ("name", "description", "kind", "formula", "bound", "faults")
_CONTINUABLE = frozenset({"description", "formula"})
_PROP_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*", re.ASCII)


# --------------------------------------------------------------------------- Property


@dataclass(frozen=True, slots=True)
class Property:
    """One parsed property file.

    ``bound`` is ``None`` when the file has no ``bound:`` line, ``"auto"`` when the
    checker must derive it from the scenario's timers, or seconds. The checker resolves
    ``auto`` with :meth:`with_bound` before evaluating formulas that mention ``T``.
    ``atoms`` lists each distinct atom once, in order of first use (with that use's
    location), so the checker can validate and precompute them.
    """

    name: str
    description: str
    kind: Kind
    formula: Expr
    bound: int | Literal["auto"] | None
    loc: SourceLoc
    source: Path | None
    atoms: tuple[Atom, ...]
    formula_loc: SourceLoc
    bound_loc: SourceLoc | None = None
    #: ``kind: temporal``: the operator around ``formula`` (then the goal ``Q``)
    temporal: Temporal | None = None
    #: ``faults:`` line: the faults this property is about (``model.faults``), explored
    #: whenever it is checked (unless ``--faults`` says which); such a property is not
    #: in the default set (``library.default_set``): it is checked when named
    faults: FaultModel | None = None

    @classmethod
    def from_text(cls, text: str, filename: str = "<text>") -> Property:
        """A property written in the ``.prop`` format (README, "Properties"); a
        ``PropertyError`` with line and column when it is not one."""
        return parse_property(text, filename)

    def expressions(self) -> tuple[Expr, ...]:
        """The formula and, for a temporal property, its other parts."""
        extra = () if self.temporal is None else self.temporal.parts()
        return (self.formula, *extra)

    @property
    def uses_bound(self) -> bool:
        """Whether the formula mentions ``T``."""
        return any(
            isinstance(node, BoundRef) for e in self.expressions() for node in subexpressions(e)
        )

    def render(self) -> str:
        """The formula, pretty-printed (parses back to an equal formula)."""
        if self.temporal is not None:
            return render_temporal(self.temporal, self.formula)
        return render(self.formula)

    def with_bound(self, seconds: int) -> Property:
        """This property with ``bound: auto`` (or any bound) replaced by ``seconds``."""
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
            raise InternalError(f"bound for {self.name} must be seconds >= 0, got {seconds!r}")
        return replace(self, bound=seconds)


# --------------------------------------------------------------------------- file format


@dataclass(slots=True)
class _Entry:
    key_loc: SourceLoc
    segments: list[Segment]


def found_text(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _end_of_file(text: str, filename: str) -> SourceLoc:
    lines = text.split("\n")
    return SourceLoc(filename, len(lines), len(lines[-1]) + 1)


def parse_property(text: str, filename: str) -> Property:
    """Parse the text of one property file; ``filename`` is used in error locations.

    The result has ``source=None``; :func:`load_property` fills it in. Atoms are not
    checked here (the parser does not know which exist): call :func:`validate`.
    """
    entries: dict[str, _Entry] = {}
    last_key: str | None = None
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = raw.removesuffix("\r")
        code = line.split("#", 1)[0].rstrip()
        if not code.strip():
            continue
        if code[0].isspace():
            if last_key not in _CONTINUABLE or last_key is None:
                col = len(code) - len(code.lstrip()) + 1
                raise PropertyError(
                    SourceLoc(filename, lineno, col),
                    "expected a 'key: value' line starting in column 1, found an indented line "
                    "(only description and formula continue on indented lines)",
                )
            stripped = code.lstrip()
            col = len(code) - len(stripped) + 1
            entries[last_key].segments.append(Segment(stripped, lineno, col))
            continue
        colon = code.find(":")
        key = code[:colon].rstrip() if colon >= 0 else ""
        if colon < 0 or key not in _KEYS:
            found = found_text(code) if colon < 0 else found_text(key)
            raise PropertyError(
                SourceLoc(filename, lineno, 1),
                f"expected 'key: value' with key one of {', '.join(_KEYS)}, found {found}",
            )
        if key in entries:
            first = entries[key].key_loc.line
            raise PropertyError(
                SourceLoc(filename, lineno, 1),
                f"expected each key once, found a second '{key}:' (first at line {first})",
            )
        rest = code[colon + 1 :]
        value = rest.lstrip()
        col = colon + 2 + len(rest) - len(value)
        segments = [Segment(value, lineno, col)] if value else []
        entries[key] = _Entry(SourceLoc(filename, lineno, 1), segments)
        last_key = key

    eof = _end_of_file(text, filename)
    for key in ("name", "description", "kind", "formula"):
        if key not in entries:
            raise PropertyError(eof, f"expected a '{key}:' line, found end of file")
    for key, entry in entries.items():
        if not entry.segments:
            loc = SourceLoc(filename, entry.key_loc.line, len(key) + 2)
            raise PropertyError(loc, f"expected a value after '{key}:', found nothing")

    name_seg = _single_line_value(entries["name"], "name", filename)
    if not _PROP_NAME_RE.fullmatch(name_seg.text):
        raise PropertyError(
            SourceLoc(filename, name_seg.line, name_seg.column),
            "expected a name of letters, digits, '-' and '_', found " + found_text(name_seg.text),
        )
    kind_seg = _single_line_value(entries["kind"], "kind", filename)
    kind = _parse_kind(kind_seg, filename)
    description = " ".join(seg.text for seg in entries["description"].segments)

    formula, temporal = parse_segments(entries["formula"].segments, filename)
    first_formula = entries["formula"].segments[0]
    formula_loc = SourceLoc(filename, first_formula.line, first_formula.column)
    if temporal is not None and kind != "temporal":
        raise PropertyError(
            temporal.loc,
            f"expected no temporal operator in a property of kind {kind}, found "
            f"'{temporal.op}' (use 'kind: temporal')",
        )
    if temporal is None and kind == "temporal":
        raise PropertyError(
            formula_loc,
            "expected a temporal formula for kind temporal ('P leads-to Q within L', "
            "'P until Q', 'P until Q within L' or 'Q within L'), found none",
        )

    bound: int | Literal["auto"] | None = None
    bound_loc: SourceLoc | None = None
    if "bound" in entries:
        bound_seg = _single_line_value(entries["bound"], "bound", filename)
        bound_loc = SourceLoc(filename, bound_seg.line, bound_seg.column)
        bound = _parse_bound(bound_seg, bound_loc)

    parts = (formula, *(() if temporal is None else temporal.parts()))
    uses_t = next((n for e in parts for n in subexpressions(e) if isinstance(n, BoundRef)), None)
    kind_loc = SourceLoc(filename, kind_seg.line, kind_seg.column)
    if kind == "bounded" and bound is None:
        raise PropertyError(
            eof, "expected a 'bound:' line (kind bounded needs seconds or auto), found end of file"
        )
    if uses_t is not None and bound is None:
        raise PropertyError(
            uses_t.loc or formula_loc,
            "expected a 'bound:' line for T to refer to, found none (add 'bound: <seconds>')",
        )
    if bound is not None and kind != "bounded" and uses_t is None:
        raise PropertyError(
            bound_loc,
            f"expected no 'bound:' for kind {kind} whose formula does not use T, found one "
            f"(it would have no effect; kind is at line {kind_loc.line})",
        )

    faults: FaultModel | None = None
    if "faults" in entries:
        faults_seg = _single_line_value(entries["faults"], "faults", filename)
        try:
            faults = parse_faults(faults_seg.text)
        except UsageError as exc:
            raise PropertyError(
                SourceLoc(filename, faults_seg.line, faults_seg.column), str(exc)
            ) from None

    return Property(
        name=name_seg.text,
        description=description,
        kind=kind,
        formula=formula,
        bound=bound,
        loc=SourceLoc(filename, name_seg.line, name_seg.column),
        source=None,
        atoms=_distinct_atoms(parts),
        formula_loc=formula_loc,
        bound_loc=bound_loc,
        temporal=temporal,
        faults=faults,
    )


def _single_line_value(entry: _Entry, key: str, filename: str) -> Segment:
    seg = entry.segments[0]
    if len(entry.segments) > 1 or len(seg.text.split()) > 1:
        extra = entry.segments[1] if len(entry.segments) > 1 else None
        if extra is not None:
            loc = SourceLoc(filename, extra.line, extra.column)
            found = found_text(extra.text)
        else:
            word2 = seg.text.split()[1]
            loc = SourceLoc(filename, seg.line, seg.column + seg.text.index(word2, 1))
            found = found_text(word2)
        raise PropertyError(loc, f"expected a single word after '{key}:', found also {found}")
    return seg


def _parse_kind(seg: Segment, filename: str) -> Kind:
    for kind in KINDS:
        if seg.text == kind:
            return kind
    raise PropertyError(
        SourceLoc(filename, seg.line, seg.column),
        f"expected kind {', '.join(KINDS[:-1])} or {KINDS[-1]}, found {found_text(seg.text)}",
    )


def _parse_bound(seg: Segment, loc: SourceLoc) -> int | Literal["auto"]:
    if seg.text == "auto":
        return "auto"
    if INT_RE.fullmatch(seg.text) and len(seg.text) <= 9:
        return int(seg.text)
    raise PropertyError(
        loc,
        "expected a whole number of seconds (at most 9 digits) or 'auto', found "
        + found_text(seg.text),
    )
