"""``ipsecmc measure`` on the seed models: the pinned figures, the JSON shape, exit codes.

Why 42,930 s for ``seed-intended`` (scenario traffic ``both:200,site1-to-site2``, rekey
on): site1 declares site2 dead at 280 s (three on-demand DPD probes from 220 s, dropped
by site2's local-in policy 2 because site2's UDP 500 session aged out at 180 s) and
takes its IPsec SA down; site2 keeps its SA up. site1 renegotiates every 30 s and is
dropped every time, until site2's own phase2 keylife (43,200 s from 1 s) makes site2
send a rekey at 43,201 s: that outbound packet creates a UDP 500 session on site2, so
site1's next negotiation (43,210 s) is let in and its new IKE SA replaces site2's old
SAs: both ends down, the disagreement is over. 43,210 - 280 = 42,930 s.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from ipsecmc.cli import main
from ipsecmc.render.measure_json import render_measure_json
from ipsecmc.render.measure_text import render_measure_text
from ipsecmc.workflows.measure import MeasureOptions, MeasureReport, exit_code, measure_paths
from tests.conftest import MODELS
from tests.test_cli import no_secrets

SEED = str(MODELS / "seed-intended")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["measure", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def only_result(out: str) -> dict[str, Any]:
    doc = json.loads(out)
    assert doc["version"] == 1 and doc["tool"] == "ipsecmc" and doc["kind"] == "measure"
    assert len(doc["results"]) == 1
    result: dict[str, Any] = doc["results"][0]
    return result


@pytest.fixture(scope="module")
def seed_report() -> MeasureReport:
    """Measured once (about 5 s) and rendered both ways; the CLI wiring is tested on the
    fast cases below."""
    return measure_paths([SEED], MeasureOptions())


@pytest.fixture(scope="module")
def seed_json(seed_report: MeasureReport) -> tuple[int, dict[str, Any], dict[str, Any]]:
    out = render_measure_json(seed_report)
    return exit_code(seed_report), json.loads(out), only_result(out)


def test_seed_intended_worst_disagreement_is_exact_42930_s(seed_json: Any) -> None:
    code, doc, r = seed_json
    assert code == 0
    assert (doc["quantity"], doc["formula"]) == ("disagreement", "disagree")
    assert (doc["traffic"], doc["rekey"]) == ("both:200,site1-to-site2", True)
    assert r["status"] == "exact" and r["method"] == "explicit"
    assert (r["seconds"], r["hms"]) == (42930, "11:55:30")
    assert (r["start_seconds"], r["end_seconds"]) == (280, 43210)
    assert r["reason"].startswith("exact: exhaustive explicit search over")
    assert r["state_at_start"]["site1"]["tunnel"] == "DOWN"
    assert r["state_at_start"]["site2"]["tunnel"] == "UP"
    assert {end["tunnel"] for end in r["state_at_end"].values()} == {"DOWN"}


def test_seed_intended_trace_shows_why_it_ends(seed_json: Any) -> None:
    r = seed_json[2]
    trace = r["trace"]
    assert trace["duration_seconds"] == 43210 and trace["loop_start_seconds"] is None
    texts = [(e["time"], e["gateway"], e["text"]) for e in trace["events"]]
    assert (280, "site1", "link fail: peer declared dead after 3 unanswered DPD probes") in texts
    assert (43201, "site2", "phase2 keylife reached: rekeying the IPsec SA") in texts
    last = trace["events"][-1]
    assert last["time"] == 43210
    dropped = [e for e in trace["events"] if e["dropped_by_policy"] == 2]
    assert len(dropped) > 1000 and all(e["loc"]["line"] == 97 for e in dropped)


def test_seed_intended_text_report_folds_the_renegotiation_loop(
    seed_report: MeasureReport,
) -> None:
    out = render_measure_text(seed_report)
    assert "worst case: 42,930 s (11:55:30), from 280 s to 43,210 s" in out
    assert "exact: exhaustive explicit search over" in out
    assert "repeat 1,429 more time(s), every 30 s, until 43,180 s" in out
    assert "43201 s  site2        phase2 keylife reached" in out
    assert len(out.splitlines()) < 120


def test_no_rekey_is_unbounded_with_a_lasso() -> None:
    code, out, _ = run(SEED, "--no-rekey", "--format", "json")
    r = only_result(out)
    assert code == 0
    assert r["status"] == "unbounded" and r["seconds"] is None and r["end_seconds"] is None
    assert r["start_seconds"] == 280
    assert r["trace"]["loop_start_seconds"] is not None
    assert r["trace"]["loop_start_seconds"] >= 280 and r["trace"]["loop_seconds"] == 30
    assert r["trace"]["final_state"]["site2"]["tunnel"] == "UP"
    assert r["trace"]["final_state"]["site1"]["tunnel"] == "DOWN"
    code, text, _ = run(SEED, "--no-rekey")
    assert "UNBOUNDED: from 280 s on" in text and "repeats forever (every 30 s)" in text
    no_secrets(out, text)


def test_free_traffic_lower_bound_says_how_to_get_an_answer() -> None:
    code, out, _ = run(SEED, "--traffic", "any", "--max-states", "50", "--format", "json")
    r = only_result(out)
    assert code == 3 and r["status"] == "lower_bound"
    assert "pin a --traffic profile" in r["reason"]


def test_seed_fixed_never_disagrees() -> None:
    """The article's fix: every exchange brings both SAs up or down in the same instant
    and DPD answers get through, so no reachable state has the ends disagree."""
    code, out, _ = run(str(MODELS / "seed-fixed"), "--format", "json")
    r = only_result(out)
    assert code == 0
    assert (r["status"], r["seconds"], r["start_seconds"], r["trace"]) == ("exact", 0, None, None)


def test_budget_gives_a_labelled_lower_bound_and_exit_3() -> None:
    code, out, _ = run(SEED, "--max-states", "3", "--format", "json")
    r = only_result(out)
    assert code == 3
    assert r["status"] == "lower_bound" and r["reason"].startswith("lower bound:")
    assert r["seconds"] == 42930 and r["trace"] is not None
    code, text, _ = run(SEED, "--max-states", "2")
    assert code == 3 and "INCONCLUSIVE" in text and "lower bound" in text


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["does-not-exist"], "does-not-exist"),
        ([SEED, "--traffic", "sideways"], "sideways"),
        ([SEED, "--quantity", "happiness"], "happiness"),
        ([SEED, "--max-states", "0"], "max-states"),
    ],
)
def test_bad_input_exits_2_without_traceback(args: list[str], needle: str) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert needle in err and "Traceback" not in err + out
