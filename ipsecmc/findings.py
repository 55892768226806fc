"""A lint finding, whichever reader found it (``ipsecmc lint``'s output unit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ipsecmc.errors import SourceLoc

Severity = Literal["error", "warning", "info"]
RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint result. ``loc`` is None only for findings about no single line."""

    severity: Severity
    code: str
    message: str
    loc: SourceLoc | None
    hint: str

    def __str__(self) -> str:
        where = f"{self.loc}: " if self.loc is not None else ""
        return f"{where}{self.severity}: {self.message} ({self.hint})"
