"""The one root exception of ipsecmc and its kinds.

Everything the library raises on bad input derives from :class:`IpsecmcError`, so that
the CLI (the only module that prints or exits) can turn any of them into one clear line
and exit code 2 instead of a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceLoc:
    """Where a value came from: file, 1-based line and 1-based column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class IpsecmcError(Exception):
    """Root of every error ipsecmc raises on purpose."""


class ConfigError(IpsecmcError):
    """Bad configuration input: syntax, a reference to an undefined object, a bad value.

    The message always starts with ``file:line:col:`` so editors and CI can jump to it.
    """

    def __init__(self, loc: SourceLoc | None, message: str) -> None:
        self.loc = loc
        self.message = message
        super().__init__(f"{loc}: {message}" if loc is not None else message)


class PropertyError(IpsecmcError):
    """A property file that cannot be parsed or refers to unknown atoms."""

    def __init__(self, loc: SourceLoc | None, message: str) -> None:
        self.loc = loc
        self.message = message
        super().__init__(f"{loc}: {message}" if loc is not None else message)


class UsageError(IpsecmcError):
    """A command-line request that cannot be satisfied (unknown property, bad profile)."""


class InternalError(IpsecmcError):
    """A bug in ipsecmc: an engine result that the model does not replay, for instance."""
