"""Blame the object that is wrong, not only the policy that dropped (issue 12, item 5).

``tests/engineer_data/wrong-subnet/`` is seed-fixed with a typo in site2's address object
``site1_peer`` (10.56.241.208/32 instead of 10.56.240.208/32): the IKE accept policy 3
misses site1, and the deny policy 2 drops site1's IKE once site2's session has expired.
The report names policy 2 (as before) and also ``site1_peer`` and policy 3's srcaddr.
"""

from __future__ import annotations

import json
from pathlib import Path

from ipsecmc.fortios.topology import load_scenario
from ipsecmc.workflows.suspects import suspects
from tests.report.helpers import INTENDED, run
from tests.report.test_sarif_junit import _validate

WRONG = Path(__file__).parents[1] / "engineer_data" / "wrong-subnet"
SITE2 = (WRONG / "site2.conf").read_text(encoding="utf-8").splitlines()


def _line(loc: dict[str, object]) -> str:
    return SITE2[int(loc["line"]) - 1].strip()  # type: ignore[call-overload]


def test_suspect_is_the_address_object_of_the_accept_policy() -> None:
    (tunnel,) = load_scenario([WRONG]).tunnels
    (s,) = suspects(tunnel.b, tunnel.a, 2)
    assert (s.gateway, s.policy_id, s.field, s.name) == ("site2", 3, "srcaddr", "site1_peer")
    assert (s.holds, str(s.missing)) == ("10.56.241.208/32", "10.56.240.208")
    assert s.loc is not None and SITE2[s.loc.line - 1].strip() == 'edit "site1_peer"'
    assert SITE2[s.policy_loc.line - 1].strip() == 'set srcaddr "site1_peer"'


def test_no_suspect_when_no_accept_policy_nearly_matched() -> None:
    (tunnel,) = load_scenario([INTENDED]).tunnels
    assert suspects(tunnel.b, tunnel.a, 2) == ()


def test_text_names_the_object_after_the_drop() -> None:
    code, out = run("check", str(WRONG), "--property", "agreement")
    assert code == 1
    paragraph = " ".join(out.split())
    assert "site2's local-in policy 2 (site2.conf:110) drops site1's DPD probes" in paragraph
    assert (
        "site2's local-in policy 3 (site2.conf:103) would accept them, but its srcaddr "
        "'site1_peer' (site2.conf:43) holds 10.56.241.208/32, not site1's address "
        "10.56.240.208" in paragraph
    )


def test_json_adds_suspects_and_keeps_the_rest() -> None:
    code, out = run("check", str(WRONG), "--property", "agreement", "--format", "json")
    assert code == 1
    (result,) = json.loads(out)["results"]
    (suspect,) = result["suspects"]
    assert (suspect["policy"], suspect["field"], suspect["name"]) == (3, "srcaddr", "site1_peer")
    assert _line(suspect["loc"]) == 'edit "site1_peer"'
    assert _line(suspect["policy_loc"]) == 'set srcaddr "site1_peer"'
    drops = [e for e in result["trace"]["events"] if e["dropped_by_policy"] is not None]
    assert {e["dropped_by_policy"] for e in drops} == {2}  # the event fields are unchanged
    code, out = run("check", str(INTENDED), "--property", "agreement", "--format", "json")
    assert json.loads(out)["results"][0]["suspects"] == []


def test_sarif_related_locations_point_at_the_object_and_validate() -> None:
    code, out = run("check", str(WRONG), "--property", "agreement", "--format", "sarif")
    assert code == 1
    doc = json.loads(out)
    _validate(doc)
    (result,) = doc["runs"][0]["results"]
    primary = result["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert SITE2[primary - 1].strip() == "edit 2"  # still the dropping policy first
    related = result["relatedLocations"]
    lines = [SITE2[r["physicalLocation"]["region"]["startLine"] - 1].strip() for r in related]
    assert lines == ['edit "site1_peer"', 'set srcaddr "site1_peer"']
    assert "10.56.241.208/32" in related[0]["message"]["text"]
    assert "site1_peer" in result["message"]["text"]
