"""``scenario.toml`` beside the configs of a scenario folder: what the folder pins down.

A scenario folder may say which host traffic it is about and which verdicts it expects
(the expectations are what ``models/`` tests assert; the checker reports them)::

    traffic = "both:200,site1-to-site2"   # see ipsecmc.model.traffic
    rekey = true
    faults = "reboot,flush"               # explored faults (ipsecmc.model.faults); default none
    fault_budget = 1                      # at most this many faults per run

    [expect]
    agreement = "VIOLATED"
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ipsecmc.errors import ConfigError, SourceLoc, UsageError
from ipsecmc.model.faults import parse_faults

FILE_NAME = "scenario.toml"
_KEYS = {"traffic", "rekey", "expect", "description", "faults", "fault_budget"}


@dataclass(frozen=True)
class ScenarioSettings:
    traffic: str | None = None
    rekey: bool | None = None
    expect: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None
    faults: str | None = None
    fault_budget: int | None = None


def read_settings(paths: Iterable[str | Path]) -> ScenarioSettings:
    """Settings of the first folder among ``paths`` that has a ``scenario.toml``."""
    for raw in paths:
        folder = Path(raw)
        candidate = folder / FILE_NAME
        if folder.is_dir() and candidate.is_file():
            return _parse(candidate)
    return ScenarioSettings()


def _parse(path: Path) -> ScenarioSettings:
    loc = SourceLoc(str(path), 1, 1)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            SourceLoc(str(path), getattr(exc, "lineno", 1) or 1, getattr(exc, "colno", 1) or 1),
            f"bad TOML: {exc}",
        ) from exc
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ConfigError(
            loc, f"unknown key(s) {', '.join(unknown)}; expected one of {', '.join(sorted(_KEYS))}"
        )
    traffic = data.get("traffic")
    rekey = data.get("rekey")
    expect = data.get("expect", {})
    if traffic is not None and not isinstance(traffic, str):
        raise ConfigError(loc, 'traffic must be a string such as "any"')
    if rekey is not None and not isinstance(rekey, bool):
        raise ConfigError(loc, "rekey must be true or false")
    if not isinstance(expect, dict) or not all(isinstance(v, str) for v in expect.values()):
        raise ConfigError(loc, "[expect] maps property names to verdict strings")
    faults = data.get("faults")
    budget = data.get("fault_budget")
    if faults is not None and not isinstance(faults, str):
        raise ConfigError(loc, 'faults must be a string such as "reboot,loss" or "all"')
    if budget is not None and (
        isinstance(budget, bool) or not isinstance(budget, int) or budget < 0
    ):
        raise ConfigError(loc, "fault_budget must be a whole number >= 0")
    if faults is not None:
        try:
            parse_faults(faults, budget)
        except UsageError as exc:
            raise ConfigError(loc, str(exc)) from None
    return ScenarioSettings(traffic, rekey, dict(expect), str(path), faults, budget)
