"""The reader's warnings as the user sees them: one stderr line each, and in JSON inferences."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import MODELS
from tests.test_cli import run


def _seed_with(tmp_path: Path, extra: str, prefix: str = "") -> Path:
    folder = tmp_path / "seed"
    shutil.copytree(MODELS / "seed-fixed", folder)
    site2 = folder / "site2.conf"
    site2.write_text(prefix + site2.read_text() + extra)
    return folder


UNUSED = 'config firewall addrgrp\n    edit "old"\n        set member "gone"\n    next\nend\n'


def test_unused_undefined_reference_is_a_warning_line_and_a_json_inference(
    tmp_path: Path,
) -> None:
    folder = _seed_with(tmp_path, UNUSED, prefix="FGT-B (root) # show full-configuration\n")
    code, out, err = run("check", str(folder), "--property", "establishes", "--format", "json")
    assert code == 0
    lines = err.splitlines()
    warned = [ln for ln in lines if ln.startswith("ipsecmc: warning: ")]
    assert any(
        "site2.conf:1:1: read past a CLI prompt line 'FGT-B (root) # show full-configuration'" in ln
        for ln in warned
    )
    assert any(
        "address group 'old' refers to undefined address 'gone', but no tunnel or local-in "
        "policy uses address group 'old'" in ln
        for ln in warned
    )
    doc = json.loads(out)
    assert any("refers to undefined address 'gone'" in n for n in doc["inferences"])


def test_used_undefined_reference_stays_an_input_error(tmp_path: Path) -> None:
    folder = _seed_with(tmp_path, UNUSED)
    site2 = folder / "site2.conf"
    site2.write_text(site2.read_text().replace('set srcaddr "site1_peer"', 'set srcaddr "old"'))
    code, _out, err = run("check", str(folder), "--property", "establishes")
    assert code == 2 and err.count("\n") == 1
    assert "address group 'old' refers to undefined address 'gone'" in err


def test_release_defaults_are_one_inference_line_in_text_and_json() -> None:
    folder = str(MODELS / "seed-fixed")
    code, out, _err = run("check", folder, "--property", "establishes")
    assert code == 0
    notes = [ln for ln in out.splitlines() if ln.startswith("note: ")]
    assert notes == [
        f"note: {folder}/site1.conf:1:1: FortiOS 7.2.5 (#config-version): FortiOS 7.x "
        "defaults applied",
        f"note: {folder}/site2.conf:1:1: FortiOS 7.2.5 (#config-version): FortiOS 7.x "
        "defaults applied",
    ]
    code, out, _err = run("check", folder, "--property", "establishes", "--format", "json")
    assert [n for n in json.loads(out)["inferences"] if "FortiOS 7.2.5" in n] == [
        n[len("note: ") :] for n in notes
    ]
