"""``ipsecmc fix --write DIR`` writes only inside DIR and never onto an input (issue 12).

The fix itself is crafted (a comment appended to site2.conf): what is tested is where the
files go, not which fix is found (``test_fix.py`` covers that).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import ipsecmc.cli.extra
from ipsecmc.cli import main
from ipsecmc.errors import UsageError
from ipsecmc.workflows.fix import Candidate, FixReport, FixResult, write_fixes
from tests.report.helpers import INTENDED

PATCH = "# the fix\n"


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """A copy of seed-intended (two configs and scenario.toml) in ``tmp_path/in``."""
    folder = tmp_path / "in"
    shutil.copytree(INTENDED, folder, ignore=shutil.ignore_patterns("README.md"))
    return folder


def _fixes(site2: Path) -> FixReport:
    original = site2.read_text(encoding="utf-8")
    cand = Candidate("allow-ike", "site2", str(site2), "accept IKE", 1, "IKE from site1", PATCH)
    result = FixResult(cand, True, "ok", (), {str(site2): original + PATCH})
    return FixReport(None, (), (result,))  # type: ignore[arg-type]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _all_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def test_inputs_given_with_dotdot_and_absolute_paths_land_in_dir(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (inputs / "sub").mkdir()
    monkeypatch.chdir(inputs / "sub")
    before = _all_files(tmp_path)
    paths = ["../site1.conf", str((inputs / "site2.conf").resolve())]
    written = write_fixes(_fixes(inputs / "site2.conf"), paths, "out")
    out = inputs / "sub" / "out"
    assert [p.resolve() for p in written] == [(out / "fix-1" / "site2.conf").resolve()]
    new = _all_files(tmp_path) - before
    assert {p.relative_to(out) for p in new} == {
        Path("fix-1/site1.conf"),
        Path("fix-1/site2.conf"),
        Path("fix-1/FIX.txt"),
    }
    assert (out / "fix-1" / "site2.conf").read_text(encoding="utf-8").endswith(PATCH)


def test_a_fix_folder_that_is_a_symlink_is_not_followed(inputs: Path, tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "fix-1").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UsageError, match="fix-1: it is a symbolic link"):
        write_fixes(_fixes(inputs / "site2.conf"), [inputs], out)
    assert list(elsewhere.iterdir()) == []


def test_a_symlink_in_dir_onto_an_input_is_not_written_through(
    inputs: Path, tmp_path: Path
) -> None:
    before = _snapshot(inputs)
    folder = tmp_path / "out" / "fix-1"
    folder.mkdir(parents=True)
    (folder / "site2.conf").symlink_to(inputs / "site2.conf")
    with pytest.raises(UsageError, match=r"site2\.conf: it is a symbolic link"):
        write_fixes(_fixes(inputs / "site2.conf"), [inputs], tmp_path / "out")
    assert _snapshot(inputs) == before
    assert sorted(p.name for p in folder.iterdir()) == ["site2.conf"]  # nothing half written


def test_a_hard_link_to_an_input_is_not_overwritten(inputs: Path, tmp_path: Path) -> None:
    before = _snapshot(inputs)
    folder = tmp_path / "out" / "fix-1"
    folder.mkdir(parents=True)
    os.link(inputs / "site2.conf", folder / "site2.conf")
    with pytest.raises(UsageError, match="it is one of the input files"):
        write_fixes(_fixes(inputs / "site2.conf"), [inputs], tmp_path / "out")
    assert _snapshot(inputs) == before


def test_fixing_a_written_fix_into_the_same_dir_leaves_it_alone(
    inputs: Path, tmp_path: Path
) -> None:
    """``ipsecmc fix DIR/fix-1 --write DIR``: DIR/fix-1 is the input folder itself."""
    out = tmp_path / "out"
    write_fixes(_fixes(inputs / "site2.conf"), [inputs], out)
    again = out / "fix-1"
    before = _snapshot(again)
    with pytest.raises(UsageError, match="it is one of the input files"):
        write_fixes(_fixes(again / "site2.conf"), [again], out)
    assert _snapshot(again) == before


def test_two_inputs_with_the_same_name_are_refused(inputs: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(inputs / "site1.conf", other / "site1.conf")
    with pytest.raises(UsageError, match=r"two input files are named 'site1\.conf'"):
        write_fixes(
            _fixes(inputs / "site2.conf"),
            [inputs / "site1.conf", other / "site1.conf", inputs / "site2.conf"],
            tmp_path / "out",
        )
    assert not (tmp_path / "out").exists()


def test_the_cli_refusal_is_one_error_line(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ipsecmc.cli.extra, "propose", lambda *a: _fixes(inputs / "site2.conf"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "fix-1").symlink_to(tmp_path, target_is_directory=True)
    result = CliRunner().invoke(main, ["fix", str(inputs), "--write", str(out)])
    assert result.exit_code == 2
    assert result.stderr.startswith("ipsecmc: error: --write ")
    assert "refusing to write" in result.stderr and len(result.stderr.splitlines()) == 1
