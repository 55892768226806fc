"""Defaults follow ``#config-version`` where a sourced difference exists; the choice is said."""

from __future__ import annotations

import pytest

from ipsecmc.fortios import defaults as D
from ipsecmc.fortios.resolver import read_text

P1 = (
    "config vpn ipsec phase1-interface\n"
    ' edit "t"\n  set interface "port1"\n  set remote-gw 192.0.2.1\n{extra} next\nend\n'
)


def header(model_version: str) -> str:
    return f"#config-version={model_version}-FW-build1517-230606:opmode=0:vdom=0\n"


@pytest.mark.parametrize(
    ("head", "ike", "note"),
    [
        (
            header("FGT60F-7.2.5"),
            1,
            "h.conf:1:1: FortiOS 7.2.5 (#config-version): FortiOS 7.x defaults applied",
        ),
        (
            header("FGT60F-8.0.1"),
            2,
            "h.conf:1:1: FortiOS 8.0.1 (#config-version): its defaults applied where they "
            "differ from 7.x (ike-version 2), 7.x defaults elsewhere",
        ),
        (
            "",
            1,
            "h.conf:1:1: no #config-version header: FortiOS 7.x defaults assumed for settings "
            "the file omits (8.0+ defaults ike-version to 2 [C][AG80-IKE]); keep the header "
            "of a backup to pin the release",
        ),
        (
            header("FGT60E-6.4.9"),
            1,
            "h.conf:1:1: FortiOS 6.4.9 (#config-version): FortiOS 7.x defaults applied; "
            "defaults of releases before 7.0 are not sourced",
        ),
    ],
)
def test_ike_version_default_follows_the_release(head: str, ike: int, note: str) -> None:
    (gw,) = read_text(head + P1.format(extra=""), "h.conf")
    assert gw.phase1s[0].ike_version == ike
    infos = [str(n) for n in gw.notes if n.severity == "info"]
    assert infos == [note]


def test_explicit_value_wins_over_the_release_default() -> None:
    (gw,) = read_text(header("FGT60F-8.0.1") + P1.format(extra="  set ike-version 1\n"), "h.conf")
    assert gw.phase1s[0].ike_version == 1


def test_release_parsing_and_versioned_rows_are_sourced() -> None:
    assert D.release_of("FGT60F-7.2.5-FW-build1517-230606:opmode=0:vdom=0") == (7, 2, 5)
    assert D.release_of("FG100F-7.4.3-FW-build2573-240201:opmode=0:vdom=1:user=admin") == (
        7,
        4,
        3,
    )
    assert D.release_of("garbage") is None
    assert D.default(D.P1, "ike-version", (8, 0, 0)).value == ("2",)
    assert D.default(D.P1, "ike-version", (7, 6, 4)).value == ("1",)
    assert all(v.default.source.startswith("[C]") for v in D.VERSIONED)
