"""Read strongSwan's settings syntax (``swanctl.conf``, ``strongswan.conf``) into a tree.

The syntax (strongswan.conf(5), swanctl.conf(5)) is nested sections of key/value pairs::

    connections {
        site1 : base {          # a section may name templates to inherit from
            remote_addrs = 198.51.100.1
            children { net { start_action = trap } }
        }
    }
    include conf.d/*.conf       # a glob, relative to the including file's folder

A value runs to the end of the line (or to ``#``, ``}``); a quoted value (``"..."``,
with backslash escapes) may hold anything and span lines. Every key and section keeps
its ``file:line:col``. ``include`` of a pattern that matches nothing is not an error
(as in strongSwan); a missing plain file name is.

Secrets: the secret values under a ``secrets`` section (swanctl's PSKs, EAP and
private-key passphrases, PINs: ``is_secret_key``) are never stored: the tree keeps
``<redacted>`` and the safe-text scope remembers their digests, so no message can show
them.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

from ipsecmc.cursor import Cursor
from ipsecmc.errors import ConfigError, SourceLoc
from ipsecmc.safe_text import REDACTED, digest, note_secrets

#: Characters that end a name (section or key) and an unquoted value.
_NAME_END = frozenset(' \t\r\n=:{},#"')
#: How deep ``include`` may nest before it must be a loop.
_MAX_INCLUDE_DEPTH = 16


@dataclass(frozen=True, slots=True)
class Setting:
    """``key = value`` with where it was written."""

    key: str
    value: str
    loc: SourceLoc


@dataclass(frozen=True)
class Section:
    """A named section: its settings and subsections in file order, and the names of the
    templates it inherits from (``name : tmpl1, tmpl2 { ... }``)."""

    name: str
    loc: SourceLoc
    settings: tuple[Setting, ...] = ()
    sections: tuple[Section, ...] = ()
    templates: tuple[str, ...] = field(default=())

    def get(self, key: str) -> Setting | None:
        """The last setting of ``key`` (a later one overrides, as in strongSwan)."""
        found = None
        for s in self.settings:
            if s.key == key:
                found = s
        return found

    def section(self, name: str) -> Section | None:
        """The subsection ``name``; several with one name are merged in file order."""
        parts = [s for s in self.sections if s.name == name]
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return Section(
            name,
            parts[0].loc,
            tuple(s for p in parts for s in p.settings),
            tuple(s for p in parts for s in p.sections),
            tuple(t for p in parts for t in p.templates),
        )

    def subsections(self) -> tuple[Section, ...]:
        """Each distinct subsection once (merged), in order of first appearance."""
        names = dict.fromkeys(s.name for s in self.sections)
        return tuple(s for s in (self.section(n) for n in names) if s is not None)


def is_secret_key(key: str) -> bool:
    """Whether ``key`` (in a ``secrets`` section) holds a secret: swanctl's ``secret``
    (PSK, EAP/XAuth password, private key passphrase) and ``pin`` (smartcard); the
    ``id``/``file``/``handle`` keys beside them are not."""
    lowered = key.lower()
    return lowered in ("secret", "pin") or "secret" in lowered or "pass" in lowered


class _Reader(Cursor):
    """Recursive-descent reader of one file; ``include`` reads further files."""

    def __init__(self, text: str, path: str, depth: int, secret: bool) -> None:
        super().__init__(text, path)
        self.depth = depth
        self.secret = secret

    # ------------------------------------------------------------------ characters
    def skip_blank(self, newlines: bool = True) -> None:
        while self.pos < len(self.text):
            ch = self.peek()
            if ch == "#":
                while self.pos < len(self.text) and self.peek() != "\n":
                    self.advance()
            elif ch in " \t\r" or (newlines and ch == "\n"):
                self.advance()
            else:
                return

    def name(self, what: str) -> str:
        start = self.loc()
        out: list[str] = []
        while self.pos < len(self.text) and self.peek() not in _NAME_END and self.peek() != "}":
            out.append(self.advance())
        if not out:
            raise ConfigError(start, f"expected {what}, found {self._found()}")
        return "".join(out)

    def _found(self) -> str:
        ch = self.peek()
        if not ch:
            return "the end of the file"
        if ch == "\n":
            return "the end of the line"
        return f"'{ch}'" if ch.isprintable() else f"character U+{ord(ch):04X}"

    # ------------------------------------------------------------------ grammar
    def body(self, closing: bool, start: SourceLoc | None) -> tuple[list[Setting], list[Section]]:
        settings: list[Setting] = []
        sections: list[Section] = []
        while True:
            self.skip_blank()
            ch = self.peek()
            if not ch:
                if closing:
                    raise ConfigError(
                        self.loc(), f"expected '}}' to close the section opened at {start}"
                    )
                return settings, sections
            if ch == "}":
                if not closing:
                    raise ConfigError(self.loc(), "'}' closes no section")
                self.advance()
                return settings, sections
            at = self.loc()
            key = self.name("a key, a section name or 'include'")
            self.skip_blank(newlines=False)
            if key == "include" and self.peek() not in "={:":
                inc_settings, inc_sections = self.include(at)
                settings.extend(inc_settings)
                sections.extend(inc_sections)
                continue
            ch = self.peek()
            if ch == "=":
                self.advance()
                value = self.value()
                if self.secret and is_secret_key(key):
                    note_secrets([digest(value)])
                    value = REDACTED
                settings.append(Setting(key, value, at))
            elif ch in "{:":
                sections.append(self.section(key, at))
            else:
                raise ConfigError(
                    self.loc(), f"expected '=', '{{' or ':' after '{key}', found {self._found()}"
                )

    def section(self, name: str, at: SourceLoc) -> Section:
        templates: list[str] = []
        if self.peek() == ":":
            self.advance()
            while True:
                self.skip_blank(newlines=False)
                templates.append(self.name("a template section name after ':'"))
                self.skip_blank(newlines=False)
                if self.peek() != ",":
                    break
                self.advance()
        self.skip_blank()
        if self.peek() != "{":
            raise ConfigError(self.loc(), f"expected '{{' to open section '{name}'")
        opened = self.loc()
        self.advance()
        was_secret = self.secret
        self.secret = was_secret or name == "secrets"
        settings, sections = self.body(True, opened)
        self.secret = was_secret
        return Section(name, at, tuple(settings), tuple(sections), tuple(templates))

    def value(self) -> str:
        self.skip_blank(newlines=False)
        if self.peek() == '"':
            return self.quoted()
        out: list[str] = []
        while self.pos < len(self.text) and self.peek() not in "\n#}":
            if self.peek() in '{"':
                raise ConfigError(
                    self.loc(), f"unexpected {self._found()} in a value (quote the value)"
                )
            out.append(self.advance())
        return "".join(out).strip()

    def quoted(self) -> str:
        start = self.loc()
        self.advance()
        out: list[str] = []
        escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
        while True:
            if self.pos >= len(self.text):
                raise ConfigError(start, "unterminated quoted value (no closing '\"')")
            ch = self.advance()
            if ch == '"':
                return "".join(out)
            if ch == "\\" and self.pos < len(self.text):
                nxt = self.advance()
                out.append(escapes.get(nxt, "\\" + nxt))
            else:
                out.append(ch)

    def include(self, at: SourceLoc) -> tuple[list[Setting], list[Section]]:
        pattern = self.value()
        if not pattern:
            raise ConfigError(at, "expected a file name or pattern after 'include'")
        base = Path(self.path).parent
        full = pattern if Path(pattern).is_absolute() else str(base / pattern)
        if self.depth >= _MAX_INCLUDE_DEPTH:
            raise ConfigError(at, f"include nested more than {_MAX_INCLUDE_DEPTH} deep (a loop?)")
        if glob.has_magic(full):
            files = sorted(glob.glob(full))
        elif Path(full).is_file():
            files = [full]
        else:
            raise ConfigError(at, f"included file {pattern!r} does not exist")
        settings: list[Setting] = []
        sections: list[Section] = []
        for f in files:
            tree = read_file(Path(f), depth=self.depth + 1, secret=self.secret)
            settings.extend(tree.settings)
            sections.extend(tree.sections)
        return settings, sections


def read_text(text: str, path: str, *, depth: int = 0, secret: bool = False) -> Section:
    """The tree of one file's text (the root section is named after the file)."""
    reader = _Reader(text, path, depth, secret)
    settings, sections = reader.body(False, None)
    return Section(path, SourceLoc(path, 1, 1), tuple(settings), tuple(sections))


def read_file(path: Path, *, depth: int = 0, secret: bool = False) -> Section:
    """The tree of a settings file and everything it includes."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(None, f"{path}: cannot read: {exc.strerror or exc}") from None
    return read_text(text, str(path), depth=depth, secret=secret)
