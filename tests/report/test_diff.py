"""``ipsecmc diff``: regressions exit 1 with their counterexample; fixes exit 0."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from ipsecmc.engines.result import Verdict
from ipsecmc.workflows.diff import diff_reports, tunnel_key
from tests.report.helpers import FIXED, INTENDED, assert_no_secrets, report, run


def test_fixed_to_intended_is_a_regression_with_trace() -> None:
    code, out = run("diff", str(FIXED), str(INTENDED), "--property", "agreement")
    assert code == 1
    assert "agreement: HOLDS -> VIOLATED   [REGRESSION]" in out
    assert "counterexample in NEW" in out
    assert "dropped by local-in policy 2" in out
    assert "site2's local-in policy 2 (site2.conf:97)" in " ".join(out.split())  # explanation
    assert "1 regression(s)" in out
    assert_no_secrets(out)


def test_intended_to_fixed_reports_the_fix() -> None:
    code, out = run("diff", str(INTENDED), str(FIXED), "--property", "agreement")
    assert code == 0
    assert "agreement: VIOLATED -> HOLDS   [fixed]" in out
    assert "counterexample" not in out


def test_diff_json_and_junit() -> None:
    code, out = run(
        "diff", str(FIXED), str(INTENDED), "--property", "agreement", "--format", "json"
    )
    assert code == 1
    doc = json.loads(out)
    (change,) = doc["changes"]
    assert change["status"] == "regression"
    assert change["before"] == "HOLDS" and change["after"] == "VIOLATED"
    assert any(ev["dropped_by_policy"] == 2 for ev in change["trace"]["events"])
    code, out = run(
        "diff", str(FIXED), str(INTENDED), "--property", "agreement", "--format", "junit"
    )
    assert code == 1
    assert ET.fromstring(out).find("./testsuite/testcase/failure") is not None


def test_tunnels_match_by_phase1_and_endpoints() -> None:
    old, new = report("seed-fixed"), report("seed-intended")
    assert {tunnel_key(r.tunnel) for r in old.results} == {
        tunnel_key(r.tunnel) for r in new.results
    }
    d = diff_reports(old, new)
    assert [c.status for c in d.changes] == ["regression"]
    assert d.changes[0].after is Verdict.VIOLATED
    assert diff_reports(new, new).regressions == ()
