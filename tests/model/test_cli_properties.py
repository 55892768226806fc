"""User property files on the command line: checked like library ones, bad ones exit 2."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ipsecmc.cli import main
from tests.model.helpers import MODELS

OUTAGE = """name: short-outage
description: site2's SA is never down for more than T seconds while site1's is up
kind: bounded
formula: up(site1) and not up(site2)
bound: 90
"""


def test_user_property_file_is_checked(tmp_path: Path) -> None:
    prop = tmp_path / "short-outage.prop"
    prop.write_text(OUTAGE)
    out = CliRunner().invoke(
        main, ["check", str(MODELS / "seed-intended"), "--property", str(prop)]
    )
    assert out.exit_code == 0, out.output
    assert "short-outage (bounded, T = 90 s): HOLDS" in out.stdout
    # The reverse outage is the seed's failure: site1 down while site2 is up.
    prop.write_text(OUTAGE.replace("up(site1) and not up(site2)", "up(site2) and not up(site1)"))
    out = CliRunner().invoke(
        main, ["check", str(MODELS / "seed-intended"), "--property", str(prop)]
    )
    assert out.exit_code == 1 and "VIOLATED" in out.stdout


def test_bad_property_files_exit_2_with_location(tmp_path: Path) -> None:
    prop = tmp_path / "bad.prop"
    prop.write_text("name: bad\ndescription: x\nkind: invariant\nformula: up(site3)\n")
    out = CliRunner().invoke(
        main, ["check", str(MODELS / "seed-intended"), "--property", str(prop)]
    )
    assert out.exit_code == 2
    assert f"{prop}:4:" in out.stderr and "site3" in out.stderr
    assert "Traceback" not in out.output
