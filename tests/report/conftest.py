"""Cache ``check_paths`` inside the CLI for these tests: the CLI code paths still run,
but each (paths, options) pair is model-checked once per session (seed-fixed's proof
takes seconds)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import ipsecmc.cli.check
import ipsecmc.workflows.diff
from ipsecmc.workflows.check import CheckOptions, CheckReport, check_paths

_CACHE: dict[tuple[tuple[str, ...], CheckOptions], CheckReport] = {}


def _cached(
    paths: Sequence[str | Path], options: CheckOptions, *args: Any, **kwargs: Any
) -> CheckReport:
    """``check_paths`` once per (paths, options); ``render`` (keyword) only saves time, and
    ``PropertyResult.render`` falls back to rendering in this process."""
    key = (tuple(str(Path(p).resolve()) for p in paths), options)
    if key not in _CACHE:
        _CACHE[key] = check_paths(paths, options)
    return _CACHE[key]


@pytest.fixture(autouse=True)
def _cache_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(ipsecmc.workflows.diff, "check_paths", _cached)
    monkeypatch.setattr(ipsecmc.cli.check, "check_paths", _cached)
    yield
