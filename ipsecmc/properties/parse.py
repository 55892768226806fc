"""Reading formulas and ``.prop`` files: a small tokenizer and recursive-descent parser
(no ``eval``); every error names file, line and column."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ipsecmc.errors import InternalError, PropertyError, SourceLoc
from ipsecmc.properties.syntax import (
    MAX_NESTING,
    TEMPORAL_OPS,
    And,
    Atom,
    BoolLit,
    BoundRef,
    Compare,
    CompareOp,
    EnumLit,
    Expr,
    Implies,
    IntLit,
    Not,
    Or,
    Temporal,
    TemporalOp,
)

_MAX_INT_DIGITS = 18
_TEMPORAL_WORDS = frozenset(TEMPORAL_OPS)
_KEYWORDS = frozenset({"not", "and", "or", "implies", "true", "false"}) | _TEMPORAL_WORDS

_ATOM_NAME_RE = re.compile(r"[a-z_][A-Za-z0-9_]*", re.ASCII)
_ENUM_NAME_RE = re.compile(r"[A-Z][A-Z0-9_]*", re.ASCII)
INT_RE = re.compile(r"[0-9]+", re.ASCII)
_TOKEN_RE = re.compile(
    r"(?P<ws>[ \t]+)|(?P<op>==|!=|<=|>=|<|>)|(?P<punct>[(),])|(?P<word>[A-Za-z0-9_./:-]+)",
    re.ASCII,
)


# --------------------------------------------------------------------------- tokenizer


@dataclass(frozen=True, slots=True)
class _Token:
    kind: Literal["op", "punct", "word", "eof"]
    text: str
    loc: SourceLoc

    def describe(self) -> str:
        return "end of formula" if self.kind == "eof" else repr(self.text)


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of formula text and where its first character sits in the file."""

    text: str
    line: int
    column: int


def _tokenize(segments: list[Segment], filename: str) -> list[_Token]:
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
        expr, temporal = self.parse_top()
        if temporal is not None:
            raise PropertyError(
                temporal.loc,
                f"expected no temporal operator here, found '{temporal.op}' (temporal "
                "operators belong in a property of kind temporal)",
            )
        return expr

    def parse_top(self) -> tuple[Expr, Temporal | None]:
        """A formula, or ``P leads-to Q within L`` / ``P until Q [within L]`` / ``Q within
        L`` (temporal operators only at the top: the result is the goal ``Q`` and the
        operator around it)."""
        first = self.parse_implies()
        temporal: Temporal | None = None
        if self.tok.kind == "word" and self.tok.text in _TEMPORAL_WORDS:
            word = self.advance()
            op: TemporalOp = "within" if word.text == "within" else _temporal(word.text)
            if op == "within":
                temporal = Temporal("within", None, self.parse_limit(), word.loc)
            else:
                goal = self.parse_implies()
                limit = None
                if self.is_word("within"):
                    self.advance()
                    limit = self.parse_limit()
                elif op == "leads-to":
                    raise self.fail("'within' and a number of seconds or T after 'leads-to'")
                temporal = Temporal(op, first, limit, word.loc)
                first = goal
        if self.tok.kind != "eof":
            if self.at_punct(")"):
                raise self.fail("end of formula (this ')' has no matching '(')")
            if temporal is None:
                raise self.fail("'and', 'or', 'implies' or end of formula")
            raise self.fail("end of formula (one temporal operator per formula)")
        return first, temporal

    def parse_limit(self) -> IntLit | BoundRef:
        tok = self.tok
        if tok.kind == "word" and tok.text == "T":
            self.advance()
            return BoundRef(tok.loc)
        if tok.kind == "word" and INT_RE.fullmatch(tok.text) and len(tok.text) <= 9:
            self.advance()
            return IntLit(int(tok.text), tok.loc)
        raise self.fail("a number of seconds or T after 'within'")

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
            if self.tok.kind == "word" and self.tok.text in _TEMPORAL_WORDS:
                raise self.fail(
                    f"')' to close the '(' at {tok.loc.line}:{tok.loc.column} (temporal "
                    "operators go only at the top of a formula, outside parentheses)"
                )
            if not self.at_punct(")"):
                raise self.fail(
                    f"')' to close the '(' at {tok.loc.line}:{tok.loc.column}, or an operator"
                )
            self.advance()
            return inner
        if tok.kind != "word" or tok.text in {"and", "or", "implies"} | _TEMPORAL_WORDS:
            raise self.fail(_OPERAND_EXPECTED)
        text = tok.text
        if text == "true" or text == "false":
            self.advance()
            return BoolLit(text == "true", tok.loc)
        if text == "T":
            self.advance()
            return BoundRef(tok.loc)
        if INT_RE.fullmatch(text):
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


def _temporal(text: str) -> TemporalOp:
    match text:
        case "leads-to" | "until" | "within":
            return text
    raise InternalError(f"not a temporal operator: {text!r}")


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
    return _Parser(_tokenize([Segment(text, line, column)], filename)).parse()


def parse_segments(segments: list[Segment], filename: str) -> tuple[Expr, Temporal | None]:
    """Parse a formula given as pieces of a file (a ``.prop`` file's ``formula:`` value
    and its continuation lines), with the temporal operator at its top, if any."""
    return _Parser(_tokenize(segments, filename)).parse_top()
