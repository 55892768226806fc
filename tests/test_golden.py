"""Golden files: the normalized JSON of every models/ config, and lint/pairing per folder.

Regenerate after an intended change with::

    IPSECMC_UPDATE_GOLDEN=1 pytest tests/test_golden.py

and review ``git diff tests/golden``. Paths inside the JSON are relative to the repo root.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from ipsecmc.fortios.lint import lint_scenario
from ipsecmc.fortios.resolver import read_text
from ipsecmc.fortios.serialize import (
    SCHEMA_VERSION,
    finding_to_dict,
    gateway_to_dict,
    scenario_to_dict,
)
from ipsecmc.inputs import load_scenario
from tests.conftest import MODELS, REPO

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("IPSECMC_UPDATE_GOLDEN") == "1"
FILES = sorted(MODELS.glob("*/*.conf"))
FOLDERS = sorted(p for p in MODELS.iterdir() if p.is_dir())


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def _check(name: str, data: dict[str, Any]) -> None:
    text = json.dumps({"version": SCHEMA_VERSION, **data}, indent=2, sort_keys=False) + "\n"
    golden = GOLDEN / name
    if UPDATE:
        golden.write_text(text)
        return
    assert golden.exists(), f"missing {golden}: run IPSECMC_UPDATE_GOLDEN=1 pytest {__file__}"
    assert text == golden.read_text(), f"{golden} differs: regenerate with IPSECMC_UPDATE_GOLDEN=1"


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_normalized_config_golden(path: Path) -> None:
    gws = read_text(path.read_text(), _rel(path))
    _check(f"{path.parent.name}__{path.stem}.json", {"gateways": [gateway_to_dict(g) for g in gws]})


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_pairing_and_lint_golden(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each model folder as ``ipsecmc check`` reads it (strongSwan hosts included)."""
    monkeypatch.chdir(REPO)
    scenario = load_scenario([folder.relative_to(REPO)])
    _check(
        f"{folder.name}__lint.json",
        {
            "scenario": scenario_to_dict(scenario),
            "findings": [finding_to_dict(f) for f in lint_scenario(scenario)],
        },
    )
