"""The property language: what ipsecmc checks, as data files parsed without ``eval``.

Properties live in ``properties/``, one ``<name>.prop`` file each, so that users and
researchers add their own without touching Python. This module reads them (a small
hand-written tokenizer and recursive-descent parser), checks them against the atoms a
model provides, and evaluates formulas on a state. It knows nothing about the model:
the checker passes in the atom signatures and a function that gives an atom's value in
a state, which keeps the pipeline one-directional (properties never import the model).

File format
-----------
Line-oriented; ``#`` starts a comment anywhere on a line (so descriptions cannot
contain ``#``). Each non-blank line is ``key: value`` starting in column 1; an
indented line continues the previous ``description:`` or ``formula:``::

    # The two ends never disagree on "tunnel up" for more than T seconds.
    name: agreement
    description: both ends agree on whether the tunnel is up, except for at most T seconds
    kind: bounded
    formula: disagree
    bound: auto     # or a whole number of seconds

Keys: ``name`` (must equal the file name without ``.prop``), ``description``, ``kind``
and ``formula`` are required; ``bound`` is required for kind ``bounded`` or when the
formula mentions ``T``, and rejected otherwise (it would silently do nothing).

Kinds (the engines implement them; this module only parses and evaluates formulas):

==============  =================================================================
``invariant``    the formula holds in every reachable state
``bounded``      the formula never holds continuously for more than ``bound`` seconds
``reachable``    some reachable state satisfies the formula (a witness; none found is
                 a failure, which is how vacuity is caught)
``recoverable``  from every reachable state, a state satisfying the formula can be
                 reached again without admin events (AG EF)
==============  =================================================================

Formulas, loosest binding first: ``a implies b`` (right-associative), ``a or b``,
``a and b``, ``not a``, comparisons ``== != < <= > >=`` (they do not chain), then
operands: atoms, whole numbers, enum names (UPPERCASE: ``UP``, ``DOWN``,
``CONNECTING``), ``true``/``false``, ``T`` (the property's bound, an integer) and
parentheses. An atom is a lowercase name with optional arguments: ``disagree``,
``up(site1)``, ``session(site2, udp/500)``. Arguments are words of letters, digits and
``_ . / : -``; the first argument of the standard atoms names a gateway, and besides
the real gateway names the generic ``end_a``/``end_b`` (the tunnel's two ends, mapped
by the checker) are accepted.

Atoms the model provides (:data:`STANDARD_ATOMS`; the checker may pass its own table):

=======================  ======  =========================================================
atom                      type    meaning
=======================  ======  =========================================================
``up(G)``                 bool    G holds an IPsec SA for the tunnel in state UP
``p1(G)``                 enum    G's phase1 (IKE SA): ``DOWN``, ``CONNECTING`` or ``UP``
``p2(G)``                 enum    G's phase2 (IPsec SA): ``DOWN`` or ``UP``
``session(G, udp/500)``   bool    G's session table holds a session for that service
``disagree``              bool    exactly one end of the tunnel considers it up
``blackhole(G)``          bool    G sends ESP into an SA the peer does not hold
``dpd_failures(G)``       int     consecutive unanswered DPD probes counted by G
``drops_ike(G)``          bool    G's local-in drops (or, under a schedule, may drop) a new
                                  IKE packet from its peer now: G has no UDP 500 session
                                  to match it and a local-in policy denies it
=======================  ======  =========================================================

Errors: anything wrong in a file raises :class:`~ipsecmc.errors.PropertyError` whose
message starts with ``file:line:col:`` and mostly reads ``expected X, found Y``. A
property that cannot be found by name (or a missing directory) raises
:class:`~ipsecmc.errors.UsageError`, since that is a bad request, not a bad file.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Literal, TypeAlias

from ipsecmc.errors import InternalError, PropertyError, SourceLoc, UsageError

__all__ = [
    "ENUM_NAMES",
    "GENERIC_ENDS",
    "KINDS",
    "MAX_NESTING",
    "PROPERTIES_DIR_ENV",
    "STANDARD_ATOMS",
    "And",
    "Atom",
    "AtomSignature",
    "AtomValue",
    "BoolLit",
    "BoundRef",
    "Compare",
    "CompareOp",
    "EnumLit",
    "Expr",
    "Implies",
    "IntLit",
    "Kind",
    "Not",
    "Or",
    "Property",
    "Value",
    "builtin_properties_dir",
    "compile_formula",
    "default_properties_dir",
    "evaluate",
    "load_all",
    "load_property",
    "parse_formula",
    "parse_property",
    "render",
    "subexpressions",
    "validate",
]

Kind: TypeAlias = Literal["invariant", "bounded", "reachable", "recoverable"]
KINDS: tuple[Kind, ...] = ("invariant", "bounded", "reachable", "recoverable")

CompareOp: TypeAlias = Literal["==", "!=", "<", "<=", ">", ">="]
ResultType: TypeAlias = Literal["bool", "int", "enum"]

#: The value of an atom or sub-formula in a state: enum values are their names.
Value: TypeAlias = bool | int | str

ENUM_NAMES: tuple[str, ...] = ("CONNECTING", "DOWN", "UP")
"""Enum names every formula may use; signatures may add more through ``values``."""

GENERIC_ENDS: tuple[str, ...] = ("end_a", "end_b")
"""Gateway arguments that stand for the tunnel's two ends, whatever the real names."""

PROPERTIES_DIR_ENV = "IPSECMC_PROPERTIES_DIR"

MAX_NESTING = 50
"""Deepest nesting of ``not``/parentheses/``implies`` accepted; keeps every recursive
walk (parser, renderer, evaluator) far from Python's recursion limit on hostile input."""

_MAX_INT_DIGITS = 18
_KEYWORDS = frozenset({"not", "and", "or", "implies", "true", "false"})
_KEYS = ("name", "description", "kind", "formula", "bound")
_CONTINUABLE = frozenset({"description", "formula"})

_ATOM_NAME_RE = re.compile(r"[a-z_][A-Za-z0-9_]*", re.ASCII)
_ENUM_NAME_RE = re.compile(r"[A-Z][A-Z0-9_]*", re.ASCII)
_INT_RE = re.compile(r"[0-9]+", re.ASCII)
_PROP_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*", re.ASCII)
_TOKEN_RE = re.compile(
    r"(?P<ws>[ \t]+)|(?P<op>==|!=|<=|>=|<|>)|(?P<punct>[(),])|(?P<word>[A-Za-z0-9_./:-]+)",
    re.ASCII,
)


# --------------------------------------------------------------------------- AST
# Locations are excluded from equality and hashing: two occurrences of ``up(site1)``
# are the same atom (the checker caches atom values per state by Atom), and a
# formula parsed back from its rendering equals the original.


@dataclass(frozen=True, slots=True)
class Atom:
    """A state observation such as ``up(site1)``; its meaning comes from the model."""

    name: str
    args: tuple[str, ...] = ()
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)
    arg_locs: tuple[SourceLoc, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class IntLit:
    """A whole number (seconds, counters)."""

    value: int
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class EnumLit:
    """An enum name such as ``UP``, compared with an enum-valued atom."""

    name: str
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class BoolLit:
    """``true`` or ``false``."""

    value: bool
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class BoundRef:
    """``T``: the property's bound in seconds, known only once ``auto`` is resolved."""

    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Not:
    """Negation."""

    operand: Expr
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class And:
    """Conjunction of two or more operands (n-ary so long chains do not nest deeply)."""

    operands: tuple[Expr, ...]
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Or:
    """Disjunction of two or more operands."""

    operands: tuple[Expr, ...]
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Implies:
    """``left implies right``; right-associative."""

    left: Expr
    right: Expr
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Compare:
    """A comparison; ``loc`` is the operator's position (where type errors point)."""

    op: CompareOp
    left: Expr
    right: Expr
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


Expr: TypeAlias = Atom | IntLit | EnumLit | BoolLit | BoundRef | Not | And | Or | Implies | Compare

#: How the checker supplies atom values: called with an atom, returns its value.
AtomValue: TypeAlias = Callable[[Atom], Value]


def subexpressions(expr: Expr) -> Iterator[Expr]:
    """Yield ``expr`` and every sub-expression, pre-order, left to right."""
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        yield node
        match node:
            case Not(operand=operand):
                stack.append(operand)
            case And(operands=ops) | Or(operands=ops):
                stack.extend(reversed(ops))
            case Implies(left=left, right=right) | Compare(left=left, right=right):
                stack.append(right)
                stack.append(left)
            case _:
                pass


def _distinct_atoms(expr: Expr) -> tuple[Atom, ...]:
    seen: dict[Atom, None] = {}
    for node in subexpressions(expr):
        if isinstance(node, Atom) and node not in seen:
            seen[node] = None
    return tuple(seen)


# --------------------------------------------------------------------------- rendering

_PREC_IMPLIES, _PREC_OR, _PREC_AND, _PREC_NOT, _PREC_CMP, _PREC_ATOM = range(1, 7)


def _prec(expr: Expr) -> int:
    match expr:
        case Implies():
            return _PREC_IMPLIES
        case Or():
            return _PREC_OR
        case And():
            return _PREC_AND
        case Not():
            return _PREC_NOT
        case Compare():
            return _PREC_CMP
        case _:
            return _PREC_ATOM


def render(expr: Expr) -> str:
    """Pretty-print a formula with the fewest parentheses that parse back to ``expr``.

    Parentheses are kept where the tree differs from how the parser would group the
    flat text (a nested ``and`` inside ``and``, ``implies`` on the left of ``implies``),
    so ``parse_formula(render(e)) == e`` for every tree.
    """

    def wrap(child: Expr, needs: bool) -> str:
        text = render(child)
        return f"({text})" if needs else text

    match expr:
        case Atom(name=name, args=args):
            return f"{name}({', '.join(args)})" if args else name
        case IntLit(value=value):
            return str(value)
        case EnumLit(name=name):
            return name
        case BoolLit(value=value):
            return "true" if value else "false"
        case BoundRef():
            return "T"
        case Not(operand=operand):
            return "not " + wrap(operand, _prec(operand) < _PREC_NOT)
        case And(operands=ops):
            return " and ".join(wrap(op, _prec(op) <= _PREC_AND) for op in ops)
        case Or(operands=ops):
            return " or ".join(wrap(op, _prec(op) <= _PREC_OR) for op in ops)
        case Implies(left=left, right=right):
            return (
                f"{wrap(left, _prec(left) <= _PREC_IMPLIES)} implies "
                f"{wrap(right, _prec(right) < _PREC_IMPLIES)}"
            )
        case Compare(op=op, left=left, right=right):
            return (
                f"{wrap(left, _prec(left) < _PREC_ATOM)} {op} "
                f"{wrap(right, _prec(right) < _PREC_ATOM)}"
            )


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

    @property
    def uses_bound(self) -> bool:
        """Whether the formula mentions ``T``."""
        return any(isinstance(node, BoundRef) for node in subexpressions(self.formula))

    def render(self) -> str:
        """The formula, pretty-printed (parses back to an equal formula)."""
        return render(self.formula)

    def with_bound(self, seconds: int) -> Property:
        """This property with ``bound: auto`` (or any bound) replaced by ``seconds``."""
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
            raise InternalError(f"bound for {self.name} must be seconds >= 0, got {seconds!r}")
        return replace(self, bound=seconds)


# --------------------------------------------------------------------------- tokenizer


@dataclass(frozen=True, slots=True)
class _Token:
    kind: Literal["op", "punct", "word", "eof"]
    text: str
    loc: SourceLoc

    def describe(self) -> str:
        return "end of formula" if self.kind == "eof" else repr(self.text)


@dataclass(frozen=True, slots=True)
class _Segment:
    """A piece of formula text and where its first character sits in the file."""

    text: str
    line: int
    column: int


def _tokenize(segments: list[_Segment], filename: str) -> list[_Token]:
    tokens: list[_Token] = []
    end = SourceLoc(filename, 1, 1)
    for seg in segments:
        pos = 0
        while pos < len(seg.text):
            loc = SourceLoc(filename, seg.line, seg.column + pos)
            m = _TOKEN_RE.match(seg.text, pos)
            if m is None:
                ch = seg.text[pos]
                if ch == "=":
                    raise PropertyError(loc, "expected '==' (comparison), found '='")
                if ch == "!":
                    raise PropertyError(loc, "expected '!=' (comparison), found '!'")
                raise PropertyError(
                    loc,
                    f"expected an atom, number, operator or parenthesis, found character {ch!r}",
                )
            kind = m.lastgroup
            if kind == "op":
                tokens.append(_Token("op", m.group(), loc))
            elif kind == "punct":
                tokens.append(_Token("punct", m.group(), loc))
            elif kind == "word":
                tokens.append(_Token("word", m.group(), loc))
            pos = m.end()
        end = SourceLoc(filename, seg.line, seg.column + len(seg.text))
    tokens.append(_Token("eof", "", end))
    return tokens


# --------------------------------------------------------------------------- parser

_OPERAND_EXPECTED = "an atom, a number, an enum name, T, true, false, 'not' or '('"


class _Parser:
    """Recursive descent over the grammar in the module docstring."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.pos]

    def advance(self) -> _Token:
        tok = self.tokens[self.pos]
        if tok.kind != "eof":
            self.pos += 1
        return tok

    def fail(self, expected: str) -> PropertyError:
        return PropertyError(self.tok.loc, f"expected {expected}, found {self.tok.describe()}")

    def at_punct(self, text: str) -> bool:
        # A method, not an inline test: mypy would otherwise keep a narrowed
        # ``self.tok.kind`` across ``advance()``.
        return self.tok.kind == "punct" and self.tok.text == text

    def is_word(self, text: str) -> bool:
        return self.tok.kind == "word" and self.tok.text == text

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise PropertyError(
                self.tok.loc,
                f"expected at most {MAX_NESTING} levels of nesting, found more "
                "(split the property)",
            )

    def parse(self) -> Expr:
        expr = self.parse_implies()
        if self.tok.kind != "eof":
            if self.at_punct(")"):
                raise self.fail("end of formula (this ')' has no matching '(')")
            raise self.fail("'and', 'or', 'implies' or end of formula")
        return expr

    def parse_implies(self) -> Expr:
        self.enter()
        left = self.parse_or()
        if self.is_word("implies"):
            loc = self.advance().loc
            right = self.parse_implies()
            left = Implies(left, right, loc)
        self.depth -= 1
        return left

    def parse_or(self) -> Expr:
        first = self.parse_and()
        if not self.is_word("or"):
            return first
        loc = self.tok.loc
        operands = [first]
        while self.is_word("or"):
            self.advance()
            operands.append(self.parse_and())
        return Or(tuple(operands), loc)

    def parse_and(self) -> Expr:
        first = self.parse_unary()
        if not self.is_word("and"):
            return first
        loc = self.tok.loc
        operands = [first]
        while self.is_word("and"):
            self.advance()
            operands.append(self.parse_unary())
        return And(tuple(operands), loc)

    def parse_unary(self) -> Expr:
        if self.is_word("not"):
            loc = self.advance().loc
            self.enter()
            operand = self.parse_unary()
            self.depth -= 1
            return Not(operand, loc)
        return self.parse_comparison()

    def parse_comparison(self) -> Expr:
        left = self.parse_operand()
        if self.tok.kind != "op":
            return left
        op_tok = self.advance()
        right = self.parse_operand()
        if self.tok.kind == "op":
            raise self.fail(
                "'and', 'or', 'implies', ')' or end of formula (comparisons do "
                "not chain; add parentheses)"
            )
        return Compare(_as_op(op_tok.text), left, right, op_tok.loc)

    def parse_operand(self) -> Expr:
        tok = self.tok
        if tok.kind == "punct" and tok.text == "(":
            self.advance()
            inner = self.parse_implies()
            if not self.at_punct(")"):
                raise self.fail(
                    f"')' to close the '(' at {tok.loc.line}:{tok.loc.column}, or an operator"
                )
            self.advance()
            return inner
        if tok.kind != "word" or tok.text in {"and", "or", "implies"}:
            raise self.fail(_OPERAND_EXPECTED)
        text = tok.text
        if text == "true" or text == "false":
            self.advance()
            return BoolLit(text == "true", tok.loc)
        if text == "T":
            self.advance()
            return BoundRef(tok.loc)
        if _INT_RE.fullmatch(text):
            if len(text) > _MAX_INT_DIGITS:
                raise self.fail(f"a number of at most {_MAX_INT_DIGITS} digits")
            self.advance()
            return IntLit(int(text), tok.loc)
        if _ENUM_NAME_RE.fullmatch(text):
            self.advance()
            return EnumLit(text, tok.loc)
        if _ATOM_NAME_RE.fullmatch(text):
            self.advance()
            return self.parse_atom_args(text, tok.loc)
        raise self.fail(_OPERAND_EXPECTED + " (atoms are lowercase, enum names UPPERCASE)")

    def parse_atom_args(self, name: str, loc: SourceLoc) -> Atom:
        if not self.at_punct("("):
            return Atom(name, (), loc)
        self.advance()
        args: list[str] = []
        locs: list[SourceLoc] = []
        if self.at_punct(")"):
            self.advance()
            return Atom(name, (), loc)
        while True:
            if self.tok.kind != "word" or self.tok.text in _KEYWORDS:
                raise self.fail("an argument (a gateway name or a word like udp/500)")
            arg = self.advance()
            args.append(arg.text)
            locs.append(arg.loc)
            if self.at_punct(","):
                self.advance()
                continue
            if self.at_punct(")"):
                self.advance()
                return Atom(name, tuple(args), loc, tuple(locs))
            raise self.fail(f"',' or ')' in the arguments of {name}")


def _as_op(text: str) -> CompareOp:
    match text:
        case "==" | "!=" | "<" | "<=" | ">" | ">=":
            return text
    raise InternalError(f"tokenizer produced unknown operator {text!r}")


def parse_formula(text: str, filename: str = "<formula>", line: int = 1, column: int = 1) -> Expr:
    """Parse a formula on its own (tests, ``--formula`` style options).

    ``line``/``column`` say where ``text`` starts so errors point into the right file.
    A newline in ``text`` is an error: formulas in files span lines through the
    file format's continuation lines, which :func:`parse_property` handles.
    """
    if "\n" in text:
        nl = text.index("\n")
        raise PropertyError(
            SourceLoc(filename, line, column + nl),
            "expected a formula on one line, found a newline",
        )
    return _Parser(_tokenize([_Segment(text, line, column)], filename)).parse()


# --------------------------------------------------------------------------- file format


@dataclass(slots=True)
class _Entry:
    key_loc: SourceLoc
    segments: list[_Segment]


def _found_text(text: str) -> str:
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
            entries[last_key].segments.append(_Segment(stripped, lineno, col))
            continue
        colon = code.find(":")
        key = code[:colon].rstrip() if colon >= 0 else ""
        if colon < 0 or key not in _KEYS:
            found = _found_text(code) if colon < 0 else _found_text(key)
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
        segments = [_Segment(value, lineno, col)] if value else []
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
            "expected a name of letters, digits, '-' and '_', found " + _found_text(name_seg.text),
        )
    kind_seg = _single_line_value(entries["kind"], "kind", filename)
    kind = _parse_kind(kind_seg, filename)
    description = " ".join(seg.text for seg in entries["description"].segments)

    formula = _Parser(_tokenize(entries["formula"].segments, filename)).parse()
    first_formula = entries["formula"].segments[0]
    formula_loc = SourceLoc(filename, first_formula.line, first_formula.column)

    bound: int | Literal["auto"] | None = None
    bound_loc: SourceLoc | None = None
    if "bound" in entries:
        bound_seg = _single_line_value(entries["bound"], "bound", filename)
        bound_loc = SourceLoc(filename, bound_seg.line, bound_seg.column)
        bound = _parse_bound(bound_seg, bound_loc)

    uses_t = next((n for n in subexpressions(formula) if isinstance(n, BoundRef)), None)
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

    return Property(
        name=name_seg.text,
        description=description,
        kind=kind,
        formula=formula,
        bound=bound,
        loc=SourceLoc(filename, name_seg.line, name_seg.column),
        source=None,
        atoms=_distinct_atoms(formula),
        formula_loc=formula_loc,
        bound_loc=bound_loc,
    )


def _single_line_value(entry: _Entry, key: str, filename: str) -> _Segment:
    seg = entry.segments[0]
    if len(entry.segments) > 1 or len(seg.text.split()) > 1:
        extra = entry.segments[1] if len(entry.segments) > 1 else None
        if extra is not None:
            loc = SourceLoc(filename, extra.line, extra.column)
            found = _found_text(extra.text)
        else:
            word2 = seg.text.split()[1]
            loc = SourceLoc(filename, seg.line, seg.column + seg.text.index(word2, 1))
            found = _found_text(word2)
        raise PropertyError(loc, f"expected a single word after '{key}:', found also {found}")
    return seg


def _parse_kind(seg: _Segment, filename: str) -> Kind:
    for kind in KINDS:
        if seg.text == kind:
            return kind
    raise PropertyError(
        SourceLoc(filename, seg.line, seg.column),
        f"expected kind {', '.join(KINDS[:-1])} or {KINDS[-1]}, found {_found_text(seg.text)}",
    )


def _parse_bound(seg: _Segment, loc: SourceLoc) -> int | Literal["auto"]:
    if seg.text == "auto":
        return "auto"
    if _INT_RE.fullmatch(seg.text) and len(seg.text) <= 9:
        return int(seg.text)
    raise PropertyError(
        loc,
        "expected a whole number of seconds (at most 9 digits) or 'auto', found "
        + _found_text(seg.text),
    )


# --------------------------------------------------------------------------- loading


def default_properties_dir() -> Path:
    """``$IPSECMC_PROPERTIES_DIR`` if set, else the built-in library
    (:func:`builtin_properties_dir`).

    Read on every call (no module-level state), so tests and users can point the
    checker at their own library.
    """
    env = os.environ.get(PROPERTIES_DIR_ENV)
    if env:
        return Path(env)
    return builtin_properties_dir()


#: Where an installed package keeps the built-in library: ``setup.py`` maps the
#: repository's ``properties/`` to the package ``ipsecmc.builtin_properties`` (a mapping at
#: build time, not a second copy in the repository).
BUILTIN_PROPERTIES_PACKAGE = "builtin_properties"


def builtin_properties_dir() -> Path:
    """The built-in property library: ``ipsecmc/builtin_properties/`` when ipsecmc is
    installed from a wheel (``pip install .``), else the repository's ``properties/``
    (a source checkout or an editable install, where the package sits next to it)."""
    package = Path(__file__).resolve().parent
    installed = package / BUILTIN_PROPERTIES_PACKAGE
    if installed.is_dir():
        return installed
    return package.parent / "properties"


def _read_file(path: Path) -> Property:
    filename = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PropertyError(SourceLoc(filename, 1, 1), f"expected UTF-8 text: {exc}") from exc
    except OSError as exc:
        raise UsageError(f"cannot read property file {filename}: {exc.strerror or exc}") from exc
    prop = parse_property(text, filename)
    if prop.name != path.stem:
        raise PropertyError(
            prop.loc,
            f"expected name '{path.stem}' (the file name), found {_found_text(prop.name)}",
        )
    return replace(prop, source=path)


def _looks_like_path(name_or_path: str) -> bool:
    return name_or_path.endswith(".prop") or "/" in name_or_path or os.sep in name_or_path


def load_property(name_or_path: str, search_dir: Path | None = None) -> Property:
    """Load a property by name (``agreement``) from the library, or from a file path.

    A value that ends in ``.prop`` or contains a path separator is a path; anything
    else is a name looked up as ``<search_dir>/<name>.prop``.
    """
    if _looks_like_path(name_or_path):
        return _read_file(Path(name_or_path))
    directory = search_dir if search_dir is not None else default_properties_dir()
    path = directory / f"{name_or_path}.prop"
    if not path.is_file():
        known = sorted(p.stem for p in directory.glob("*.prop")) if directory.is_dir() else []
        hint = difflib.get_close_matches(name_or_path, known, n=1)
        did_you_mean = f"; did you mean '{hint[0]}'?" if hint else ""
        listing = ", ".join(known) if known else "none"
        raise UsageError(
            f"unknown property '{name_or_path}' in {directory} (known: {listing}){did_you_mean}"
        )
    return _read_file(path)


def load_all(search_dir: Path | None = None) -> tuple[Property, ...]:
    """Every ``*.prop`` file of the library, sorted by name."""
    directory = search_dir if search_dir is not None else default_properties_dir()
    if not directory.is_dir():
        raise UsageError(f"property directory {directory} does not exist")
    props = [_read_file(path) for path in sorted(directory.glob("*.prop"))]
    return tuple(sorted(props, key=lambda p: p.name))


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True, slots=True)
class AtomSignature:
    """What the model says about one atom: its arity and the type of its value.

    ``gateway_args`` are the argument positions that must name a gateway (default: the
    first, if there is one). ``values`` lists the names an enum atom can take, so that
    ``p2(G) == CONNECTING`` (never true) is caught; empty means "not said".
    """

    name: str
    arity: int
    result: ResultType
    gateway_args: tuple[int, ...] | None = None
    values: tuple[str, ...] = ()

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
            AtomSignature("session", 2, "bool"),
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
    checker.expect_bool(prop.formula, "the formula")


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


# --------------------------------------------------------------------------- evaluation


def _compare(op: CompareOp, left: Value, right: Value) -> bool:
    match op:
        case "==":
            return left == right
        case "!=":
            return left != right
    if not (_is_int(left) and _is_int(right)):
        raise InternalError(f"'{op}' on non-integers {left!r} and {right!r}: formula not validated")
    assert isinstance(left, int) and isinstance(right, int)
    match op:
        case "<":
            return left < right
        case "<=":
            return left <= right
        case ">":
            return left > right
        case ">=":
            return left >= right
    raise InternalError(f"unknown comparison {op!r}")


def _is_int(value: Value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _need_bool(value: Value, expr: Expr) -> bool:
    if not isinstance(value, bool):
        raise InternalError(
            f"{render(expr)} evaluated to {value!r}, not a truth value: formula not validated "
            "or the model returned the wrong type"
        )
    return value


def _need_bound(bound: int | None, expr: Expr) -> int:
    if bound is None:
        raise InternalError(
            f"T used at {expr.loc} but the checker passed no bound (auto unresolved?)"
        )
    return bound


def evaluate(expr: Expr, atom_value: AtomValue, bound: int | None) -> Value:
    """The value of ``expr`` in one state: the reference semantics of formulas.

    ``atom_value`` gives each atom's value in that state (bool, int, or enum name);
    ``bound`` is what ``T`` means. ``and``/``or``/``implies`` short-circuit, so atoms
    the result does not depend on may not be asked for. A value of the wrong type
    (a validated formula with a model that breaks its signatures) raises
    :class:`~ipsecmc.errors.InternalError`: that is a bug, not bad input.
    """
    match expr:
        case Atom():
            return atom_value(expr)
        case IntLit(value=value):
            return value
        case EnumLit(name=name):
            return name
        case BoolLit(value=value):
            return value
        case BoundRef():
            return _need_bound(bound, expr)
        case Not(operand=operand):
            return not _need_bool(evaluate(operand, atom_value, bound), operand)
        case And(operands=ops):
            return all(_need_bool(evaluate(op, atom_value, bound), op) for op in ops)
        case Or(operands=ops):
            return any(_need_bool(evaluate(op, atom_value, bound), op) for op in ops)
        case Implies(left=left, right=right):
            if not _need_bool(evaluate(left, atom_value, bound), left):
                return True
            return _need_bool(evaluate(right, atom_value, bound), right)
        case Compare(op=op, left=left, right=right):
            return _compare(
                op, evaluate(left, atom_value, bound), evaluate(right, atom_value, bound)
            )


_Compiled: TypeAlias = Callable[[AtomValue], Value]


def compile_formula(expr: Expr, bound: int | None) -> Callable[[AtomValue], bool]:
    """Turn a validated boolean formula into a closure, for engines that evaluate it in
    millions of states.

    Same semantics as :func:`evaluate` (a test checks they agree), minus the per-node
    type checks: only the final result is checked to be a truth value.
    """
    inner = _compile(expr, bound)

    def run(atom_value: AtomValue) -> bool:
        result = inner(atom_value)
        if not isinstance(result, bool):
            raise InternalError(f"{render(expr)} evaluated to {result!r}, not a truth value")
        return result

    return run


def _compile(expr: Expr, bound: int | None) -> _Compiled:
    match expr:
        case Atom():
            atom = expr
            return lambda av: av(atom)
        case IntLit(value=value) | BoolLit(value=value):
            const: Value = value
            return lambda av: const
        case EnumLit(name=name):
            return lambda av: name
        case BoundRef():
            t = _need_bound(bound, expr)
            return lambda av: t
        case Not(operand=operand):
            f = _compile(operand, bound)
            return lambda av: not f(av)
        case And(operands=ops):
            fs = tuple(_compile(op, bound) for op in ops)
            return lambda av: all(f(av) for f in fs)
        case Or(operands=ops):
            fs = tuple(_compile(op, bound) for op in ops)
            return lambda av: any(f(av) for f in fs)
        case Implies(left=left, right=right):
            fl, fr = _compile(left, bound), _compile(right, bound)
            return lambda av: (not fl(av)) or fr(av)
        case Compare(op=op, left=left, right=right):
            fl, fr = _compile(left, bound), _compile(right, bound)
            return _compile_compare(op, fl, fr)


def _compile_compare(op: CompareOp, fl: _Compiled, fr: _Compiled) -> _Compiled:
    match op:
        case "==":
            return lambda av: fl(av) == fr(av)
        case "!=":
            return lambda av: fl(av) != fr(av)
        case _:
            return lambda av: _compare(op, fl(av), fr(av))
