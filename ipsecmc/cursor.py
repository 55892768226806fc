"""A cursor over config text that tracks line and column (both 1-based), shared by the
readers whose errors point at ``file:line:col`` (FortiOS CLI, strongSwan settings)."""

from __future__ import annotations

from ipsecmc.errors import SourceLoc


class Cursor:
    """Position in ``text`` (of file ``path``): ``pos`` and its line and column."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.pos = 0
        self.line = 1
        self.col = 1

    def loc(self) -> SourceLoc:
        return SourceLoc(self.path, self.line, self.col)

    def peek(self) -> str:
        """The next character, or "" at the end of the text."""
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def advance(self) -> str:
        """Consume and return the next character (there must be one)."""
        ch = self.text[self.pos]
        self.pos += 1
        if ch == "\n":
            self.line += 1
            self.col = 1
        else:
            self.col += 1
        return ch
