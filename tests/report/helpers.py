"""Shared, cached reports for the report tests: each seed check runs once per session.

Checks are limited to ``agreement`` (the property the seed violates): the full property
set takes seconds per run and adds nothing to what these tests look at.
"""

from __future__ import annotations

import functools
from pathlib import Path

from click.testing import CliRunner

from ipsecmc.cli import main
from ipsecmc.workflows.check import CheckOptions, CheckReport, check_paths
from tests.conftest import MODELS

AGREEMENT = CheckOptions(properties=("agreement",))
INTENDED = MODELS / "seed-intended"
FIXED = MODELS / "seed-fixed"
SCHEMA = Path(__file__).with_name("sarif-2.1.0-reduced.schema.json")


def secrets() -> list[str]:
    """Every psksecret value in models/: none may appear in any output."""
    out = []
    for conf in MODELS.glob("*/*.conf"):
        for line in conf.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if words[:2] == ["set", "psksecret"]:
                out.append(words[-1])
    assert out
    return out


def assert_no_secrets(*outputs: str) -> None:
    for text in outputs:
        assert "psksecret" not in text
        for s in secrets():
            assert s not in text
            assert s[:16] not in text


@functools.cache
def report(folder: str) -> CheckReport:
    return check_paths([MODELS / folder], AGREEMENT)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout
