"""Text that is safe to print as an error message: one line, no secret.

Two rules of the command-line contract meet here (README, "exit codes"):

* **Every error is one line.** A config value may hold a newline (a quoted string can
  span lines) or a terminal escape sequence, and a message may quote it. :func:`one_line`
  writes every control character as an escape (``\\n``, ``\\x1b``), so the message stays
  one line and cannot drive the terminal.
* **No secret ever appears.** The reader already quotes tokens through
  ``Secrets.show`` (``ipsecmc.fortios.lexer``), but a message can also be written later
  from a *name* (an interface, an undefined reference, a phase1) that happens to equal a
  secret of the same file. So, while a command runs (:func:`secret_scope`, opened by
  the CLI), the lexer records the digests of every secret value it reads
  (:func:`note_secrets`), and :func:`redact` replaces each word or quoted string of a
  message that equals one of them by ``<redacted>``, whichever module wrote the message.
  Only SHA-256 digests are kept, never the values.

The scope is a context variable, not module state: outside a command (a library call, a
test) nothing is recorded, and two commands never share secrets. Forked ``--jobs``
workers inherit the scope of the command that forked them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

REDACTED = "<redacted>"

_SCOPE: ContextVar[set[bytes] | None] = ContextVar("ipsecmc_secret_digests", default=None)

#: Quoted strings and blank-separated words: the pieces of a message that may be a token.
_PIECES = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|\S+")
#: Punctuation a message puts around a word (``name;``, ``(name)``, ``'name',``).
_AROUND = "'\"()[]{}<>,;:.!?`"
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def digest(text: str) -> bytes:
    """The SHA-256 digest under which a secret value is remembered."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


@contextmanager
def secret_scope() -> Iterator[None]:
    """While open, secrets noted by the reader are redacted from :func:`redact`'s input."""
    token = _SCOPE.set(set())
    try:
        yield
    finally:
        _SCOPE.reset(token)


def note_secrets(digests: Iterable[bytes]) -> None:
    """Remember secret digests for the open scope (nothing happens outside a scope)."""
    scope = _SCOPE.get()
    if scope is not None:
        scope.update(digests)


def _candidates(message: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, text) of every piece of ``message`` that could be a quoted token."""
    for m in _PIECES.finditer(message):
        piece = m.group()
        yield m.start(), m.end(), piece
        if piece[0] in "'\"" and piece[-1] == piece[0] and len(piece) >= 2:
            yield m.start(), m.end(), piece[1:-1]
        stripped = piece.strip(_AROUND)
        if stripped and stripped != piece:
            start = m.start() + piece.index(stripped)
            yield start, start + len(stripped), stripped


def redact(message: str) -> str:
    """``message`` with every piece equal to a secret of the open scope replaced."""
    secrets = _SCOPE.get()
    if not secrets:
        return message
    spans = sorted(  # longest first among pieces starting at the same place
        (start, -end) for start, end, text in _candidates(message) if digest(text) in secrets
    )
    out: list[str] = []
    pos = 0
    for start, minus_end in spans:
        end = -minus_end
        if start < pos:  # inside a span already replaced
            continue
        out.append(message[pos:start])
        out.append(REDACTED)
        pos = end
    out.append(message[pos:])
    return "".join(out)


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def one_line(message: str) -> str:
    """``message`` with control and line/paragraph separator characters escaped."""
    return "".join(
        _escape(ch) if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in message
    )


def safe_message(message: str) -> str:
    """What an error line may say: secrets redacted, then made one line."""
    return one_line(redact(message))
