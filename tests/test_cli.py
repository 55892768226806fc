from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipsecmc.cli import main
from tests.conftest import MODELS

SECRETS = [
    "c2l0ZTEtZmFrZS1lbmNyeXB0ZWQtcHNrLWRvLW5vdC11c2UtNzM5MTgyNjQ1MDE4MjczNjQ1",
    "c2l0ZTItZmFrZS1lbmNyeXB0ZWQtcHNrLWRvLW5vdC11c2UtNzM5MTgyNjQ1MDE4MjczNjQ1",
    "c2l0ZTItYmFja3VwLWZha2UtZW5jcnlwdGVkLXBzay1kby1ub3QtdXNlLTQ0MjkxMDM4NTc=",
    "SH2Zm9vYmFyLWZha2UtaGFzaC1ub3QtYS1yZWFsLXBhc3N3b3JkLTEyMzQ1Njc4OTA=",
]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def no_secrets(*outputs: str) -> None:
    for out in outputs:
        for secret in SECRETS:
            assert secret not in out
            assert secret[:16] not in out


def test_parse_json_has_version_and_redacts() -> None:
    code, out, err = run("parse", str(MODELS / "seed-intended" / "site2.conf"), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["version"] == 1
    (gw,) = doc["gateways"]
    assert gw["phase1s"][0]["psksecret"] == "<redacted>"
    assert gw["skipped_sections"] == {"firewall policy": 2, "router static": 3}
    no_secrets(out, err)


def test_parse_text_verbose_lists_skipped_sections() -> None:
    path = str(MODELS / "seed-backup" / "site2-backup.conf")
    code, out, err = run("parse", path)
    assert code == 0 and "skipped: 14 sections" in out and "system admin: 2" not in out
    code, out, err = run("parse", path, "--verbose")
    assert "    system admin: 2" in out and "<redacted>" in out
    no_secrets(out, err)


@pytest.mark.parametrize(
    ("folder", "code", "first"),
    [
        ("seed-intended", 1, "site2.conf:97:5: error: site2: local-in policy 2 denies new IKE"),
        ("seed-literal", 0, "site2.conf:98:9: warning: site2: local-in policy 2 denies on port2"),
        ("seed-fixed", 0, "0 error(s), 0 warning(s), 0 info"),
        ("seed-backup", 1, "site2-backup.conf:517:5: error:"),
    ],
)
def test_lint_exit_codes_and_text(folder: str, code: int, first: str) -> None:
    exit_code, out, err = run("lint", str(MODELS / folder))
    assert exit_code == code
    assert first in out.splitlines()[0]
    no_secrets(out, err)


def test_lint_json() -> None:
    code, out, _ = run("lint", str(MODELS / "seed-intended"), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["version"] == 1
    assert [f["code"] for f in doc["findings"]] == ["localin-denies-ike"]


def test_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.conf"
    text = (MODELS / "seed-intended" / "site2.conf").read_text()
    bad.write_text(
        text.replace("set dpd-retryinterval", "x").replace(
            "set remote-gw 10.56.240.208", "set remote-gw " + SECRETS[1]
        )
    )
    for cmd in ("parse", "lint"):
        code, out, err = run(cmd, str(bad))
        assert code == 2 and out == ""
        assert err.startswith(f"ipsecmc: error: {bad}:") and err.count("\n") == 1
        assert "Traceback" not in err
        no_secrets(out, err)


def test_syntax_error_and_missing_file() -> None:
    code, _, err = run("parse", "/nonexistent/x.conf")
    assert code == 2 and err == "ipsecmc: error: /nonexistent/x.conf: no such file or folder\n"
    code, _, err = run("lint", "/nonexistent/dir")
    assert code == 2 and "no such file or folder" in err


def test_undefined_reference_parse_vs_lint(tmp_path: Path) -> None:
    f = tmp_path / "site2.conf"
    f.write_text(
        (MODELS / "seed-intended" / "site2.conf")
        .read_text()
        .replace('"office1" "office2"', '"office1" "office9"')
    )
    text = f.read_text()
    assert '"office9"' in text
    code, _, err = run("parse", str(f))
    assert code == 2 and "undefined address 'office9'" in err
    code, out, _ = run("lint", str(f))
    assert code == 1 and "undefined address 'office9'" in out


def test_engine_both_answers_with_both() -> None:
    code, out, _ = run(
        "check",
        str(MODELS / "seed-intended"),
        "--engine",
        "both",
        "--property",
        "establishes",
        "--format",
        "json",
        "--timeout",
        "0",
        "--cpu-timeout",
        "120",
    )
    assert code == 0
    (result,) = json.loads(out)["results"]
    assert (result["engine"], result["verdict"]) == ("both", "HOLDS")
    assert result["facts"]["engines"] == {"explicit": "HOLDS", "z3": "HOLDS"}
    assert result["facts"]["engines_agree"] is True


def test_engine_both_says_both_ran_and_agreed_in_text() -> None:
    code, out, _ = run(
        "check",
        str(MODELS / "seed-intended"),
        "--engine",
        "both",
        "--property",
        "establishes",
        "--timeout",
        "0",
        "--cpu-timeout",
        "120",
    )
    assert code == 0
    line = next(x for x in out.splitlines() if "establishes (reachable)" in x)
    assert line.endswith("; both engines ran and agree (explicit HOLDS, z3 HOLDS)")


def test_engines_disagreeing_is_an_internal_error() -> None:
    from ipsecmc.engines.result import EngineResult, Stats, Verdict
    from ipsecmc.errors import InternalError
    from ipsecmc.properties import load_property
    from ipsecmc.workflows.tunnel_check import _reconcile

    prop = load_property("agreement")
    holds = EngineResult(Verdict.HOLDS, Stats(), reason="proved")
    violated = EngineResult(Verdict.VIOLATED, Stats(), reason="counterexample found")
    with pytest.raises(InternalError, match="engines disagree on agreement"):
        _reconcile(prop, holds, violated)
    assert _reconcile(prop, holds, EngineResult(Verdict.HOLDS_UP_TO, Stats())) is holds
