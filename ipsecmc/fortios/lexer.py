"""Split FortiOS CLI text into statements of tokens, each token with file:line:col.

FortiOS configuration text (``show``, ``show full-configuration``, backups) is
line-oriented: one statement per line, tokens separated by blanks. Quoted strings
(single or double quotes) may contain blanks and newlines, and a backslash escapes
the next character inside or outside quotes (domain.md 4.2). Lines that start with
``#`` are comments; the ones before the first statement are the file header
(``#config-version=...``, domain.md 4.6) and are kept as a dict.

Pasted terminal output: a line that is a FortiGate CLI prompt (``FGT # show
full-configuration``, ``FGT-A (root) # show vpn ipsec phase1-interface``, ``FGT $ get``)
or a pager mark (``--More--``) is not configuration; it is dropped and reported in
``LexResult.repairs`` so the user sees what was read past.

Secrets: the lexer remembers (as hashes only) the values of secret fields such as
``psksecret`` so that every error message built from a token can redact it, even if
the token ends up somewhere unexpected in a broken file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ipsecmc.cursor import Cursor
from ipsecmc.errors import ConfigError, SourceLoc
from ipsecmc.fortios.config import ReadNote
from ipsecmc.safe_text import REDACTED as REDACTED  # re-exported (parser, serialize)
from ipsecmc.safe_text import digest as _digest
from ipsecmc.safe_text import note_secrets

#: Field names whose values are secrets. Matched exactly, plus any name containing
#: ``secret``, ``passw`` or ``passphrase`` (see :func:`is_secret_field`).
SECRET_FIELDS = frozenset(
    {
        "psksecret",
        "psksecret-remote",
        "ppk-secret",
        "password",
        "passwd",
        "key",
        "private-key",
        "md5-key",
        "md5-keys",
        "auth-pwd",
        "authpasswd",
        "auth-key",
        "priv-pwd",
        "sso-password",
    }
)


def is_secret_field(name: str) -> bool:
    """Whether values of the field ``name`` must never be stored or shown."""
    lowered = name.lower()
    return (
        lowered in SECRET_FIELDS
        or "secret" in lowered
        or "passw" in lowered
        or "passphrase" in lowered
    )


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a statement. ``quoted`` records whether it was written in quotes."""

    text: str
    loc: SourceLoc
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Statement:
    """The tokens of one logical line (a quoted string may span several physical lines)."""

    tokens: tuple[Token, ...]

    @property
    def loc(self) -> SourceLoc:
        return self.tokens[0].loc


@dataclass(frozen=True)
class Secrets:
    """Hashes of secret values seen in a file; used only to redact error messages."""

    digests: frozenset[bytes] = field(default_factory=frozenset, repr=False)

    def is_secret(self, text: str) -> bool:
        return _digest(text) in self.digests

    def show(self, text: str) -> str:
        """A token as an error message may quote it: redacted if secret, shortened if long."""
        if not text:
            return "''"
        if self.is_secret(text) or any(self.is_secret(part) for part in text.split()):
            return REDACTED
        shown = text if len(text) <= 40 else text[:37] + "..."
        return repr(shown)


@dataclass(frozen=True)
class LexResult:
    """The statements of a file, its ``#`` header lines and its secret digests."""

    filename: str
    header: tuple[tuple[str, str], ...]
    statements: tuple[Statement, ...]
    end: SourceLoc
    secrets: Secrets
    repairs: tuple[ReadNote, ...] = ()


class _Scanner(Cursor):
    """The FortiOS lexer's cursor over the text (line and column, both 1-based)."""


_BLANKS = " \t\r\f\v"


def _unterminated(quote: str) -> str:
    return f"unterminated {quote}-quoted string: expected a closing {quote}, found end of file"


def _read_quoted(sc: _Scanner, quote: str) -> str:
    start = sc.loc()
    sc.advance()
    out: list[str] = []
    while True:
        ch = sc.peek()
        if ch == "":
            raise ConfigError(
                start,
                _unterminated(quote),
            )
        sc.advance()
        if ch == quote:
            return "".join(out)
        if ch == "\\":
            nxt = sc.peek()
            if nxt == "":
                raise ConfigError(
                    start,
                    _unterminated(quote),
                )
            out.append(sc.advance())
            continue
        out.append(ch)


def _read_bare(sc: _Scanner) -> str:
    out: list[str] = []
    while True:
        ch = sc.peek()
        if ch == "" or ch == "\n" or ch in _BLANKS:
            return "".join(out)
        sc.advance()
        if ch == "\\":
            nxt = sc.peek()
            if nxt in ("", "\n"):
                continue
            out.append(sc.advance())
            continue
        out.append(ch)


def _read_comment(sc: _Scanner) -> str:
    out: list[str] = []
    while sc.peek() not in ("", "\n"):
        out.append(sc.advance())
    return "".join(out)


def _header_entry(comment: str) -> tuple[str, str]:
    body = comment[1:].strip()
    key, sep, value = body.partition("=")
    return (key.strip(), value.strip()) if sep else (body, "")


#: Verbs whose arguments after the field name are values (``select`` and ``unselect``
#: take values of list fields, a secret one included: ``select psksecret "..."``).
_VALUE_VERBS = ("set", "append", "select", "unselect")


def secret_digests(statements: Sequence[Statement]) -> frozenset[bytes]:
    """Digests of the values of secret fields (and of ``ENC`` values) in ``statements``."""
    found: set[bytes] = set()
    for st in statements:
        toks = st.tokens
        for i, tok in enumerate(toks):
            if (i == 1 and toks[0].text in _VALUE_VERBS and is_secret_field(tok.text)) or (
                tok.text == "ENC" and i >= 1
            ):
                for later in toks[i + 1 :]:
                    if later.text != "ENC":
                        found.add(_digest(later.text))
    return frozenset(found)


#: The words of a CLI prompt: a hostname (letters, digits, ``._-``), an optional
#: ``(vdom)`` and the ``#`` (admin) or ``$`` (read-only) mark, possibly glued on.
_HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_VDOM = re.compile(r"\([A-Za-z0-9._-]*\)")
_COMMAND_WORDS = frozenset(
    {"config", "edit", "next", "end", "set", "unset", "append", "select", "unselect"}
    | {"delete", "purge", "rename", "move", "clone", "abort"}
)


def _is_prompt(toks: list[Token]) -> bool:
    """Whether a statement is a pasted CLI prompt line (``FGT (root) # show ...``)."""
    if any(t.quoted for t in toks[:3]) or toks[0].text.lower() in _COMMAND_WORDS:
        return False
    words = [t.text for t in toks[:3]]
    host = words[0]
    if host[-1:] in ("#", "$"):  # 'FGT#' or 'FGT$'
        return bool(_HOST.fullmatch(host[:-1]))
    if not _HOST.fullmatch(host) or len(words) < 2:
        return False
    if words[1] in ("#", "$"):
        return True
    if _VDOM.fullmatch(words[1].rstrip("#$")):
        return words[1][-1:] in ("#", "$") or (len(words) > 2 and words[2] in ("#", "$"))
    return False


def _paste_repair(toks: list[Token]) -> ReadNote | None:
    """A note when the statement is pasted terminal output rather than configuration."""
    if len(toks) == 1 and toks[0].text == "--More--" and not toks[0].quoted:
        return ReadNote(toks[0].loc, "read past a pager mark '--More--' (pasted terminal output)")
    if _is_prompt(toks):
        line = " ".join(t.text for t in toks)
        shown = line if len(line) <= 60 else line[:57] + "..."
        return ReadNote(toks[0].loc, f"read past a CLI prompt line {shown!r}")
    return None


def tokenize(text: str, filename: str) -> LexResult:
    """Split ``text`` into statements; raise :class:`ConfigError` on an unterminated quote."""
    sc = _Scanner(text, filename)
    header: list[tuple[str, str]] = []
    statements: list[Statement] = []
    repairs: list[ReadNote] = []
    current: list[Token] = []

    def finish_statement() -> None:
        repair = _paste_repair(current)
        if repair is not None:
            repairs.append(repair)
        else:
            statements.append(Statement(tuple(current)))
        current.clear()

    if text.startswith("\ufeff"):
        sc.pos = 1
    while True:
        ch = sc.peek()
        if ch == "":
            break
        if ch == "\n":
            sc.advance()
            if current:
                finish_statement()
            continue
        if ch in _BLANKS:
            sc.advance()
            continue
        if ch == "#" and not current:
            comment = _read_comment(sc)
            if not statements:
                header.append(_header_entry(comment))
            continue
        loc = sc.loc()
        if ch in ("'", '"'):
            current.append(Token(_read_quoted(sc, ch), loc, quoted=True))
        else:
            current.append(Token(_read_bare(sc), loc))
    if current:
        finish_statement()
    digests = secret_digests(statements)
    note_secrets(digests)  # for messages written later from names (ipsecmc.safe_text)
    return LexResult(
        filename=filename,
        header=tuple(header),
        statements=tuple(statements),
        end=sc.loc(),
        secrets=Secrets(digests),
        repairs=tuple(repairs),
    )
