"""SARIF (validated against the vendored, reduced 2.1.0 schema) and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema

from tests.report.helpers import FIXED, INTENDED, SCHEMA, assert_no_secrets, run


def _validate(doc: dict[str, object]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(doc), key=str)
    assert not errors, errors[0]


def test_sarif_points_at_site2_policy_2_and_validates() -> None:
    code, out = run("check", str(INTENDED), "--property", "agreement", "--format", "sarif")
    assert code == 1  # exit codes do not depend on the format
    doc = json.loads(out)
    _validate(doc)
    assert doc["version"] == "2.1.0"
    (result,) = doc["runs"][0]["results"]
    assert result["ruleId"] == "agreement"
    phys = result["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"].endswith("seed-intended/site2.conf")
    line = phys["region"]["startLine"]
    text = (INTENDED / "site2.conf").read_text(encoding="utf-8").splitlines()
    assert text[line - 1].strip() == "edit 2"  # the edit line of local-in policy 2
    assert "local-in-policy" in "\n".join(text[:line])
    flow = result["codeFlows"][0]["threadFlows"][0]["locations"]
    assert len(flow) > 10
    assert [f["executionOrder"] for f in flow] == list(range(1, len(flow) + 1))
    assert any(f["importance"] == "essential" for f in flow)
    assert "policy 2" in result["message"]["text"]
    assert_no_secrets(out)


def test_sarif_of_a_clean_config_has_no_results() -> None:
    code, out = run("check", str(FIXED), "--property", "agreement", "--format", "sarif")
    assert code == 0
    doc = json.loads(out)
    _validate(doc)
    assert doc["runs"][0]["results"] == []


def test_sarif_of_diff_marks_the_regression_new() -> None:
    code, out = run(
        "diff", str(FIXED), str(INTENDED), "--property", "agreement", "--format", "sarif"
    )
    assert code == 1
    doc = json.loads(out)
    _validate(doc)
    (result,) = doc["runs"][0]["results"]
    assert result["baselineState"] == "new"


def test_junit_one_case_per_tunnel_and_property() -> None:
    code, out = run(
        "check",
        str(INTENDED),
        "--property",
        "agreement",
        "--property",
        "establishes",
        "--format",
        "junit",
    )
    assert code == 1
    root = ET.fromstring(out)
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    assert sorted(c.get("name") for c in cases) == ["agreement", "establishes"]
    failed = {c.get("name"): c.find("failure") for c in cases}
    assert failed["establishes"] is None
    failure = failed["agreement"]
    assert failure is not None
    assert "policy 2" in (failure.get("message") or "")
    assert "dropped by local-in policy 2" in (failure.text or "")
    assert root.get("tests") == "2" and root.get("failures") == "1"
    assert_no_secrets(out)
