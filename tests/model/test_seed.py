"""Acceptance tests of the model and explicit engine on the seed case (issue 3)."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipsecmc.cli import main
from tests.model.helpers import MODELS, check, variant, verdicts


@pytest.fixture(scope="module")
def intended():  # type: ignore[no-untyped-def]
    return check([MODELS / "seed-intended"], properties=("agreement",), bound_seconds=120)


def test_seed_intended_agreement_violated_with_the_article_story(intended) -> None:  # type: ignore[no-untyped-def]
    (result,) = intended.results
    assert result.verdict.value == "VIOLATED"
    trace = result.trace
    assert trace is not None
    events = [(e.time, e.gateway, e.note.text, e.note.loc) for e in trace.events]
    texts = [f"{g} {t}" for _, g, t, _ in events]
    # site2's UDP 500 session (created by its own IKE packet) ages out after 180 s.
    assert any(
        g == "site2" and "session with the peer expired (TTL 180 s" in t for _, g, t, _ in events
    )
    # site1's three IKEv1 probes, 20 s apart, each dropped by site2's policy 2 at its line.
    probes = [
        (tm, loc)
        for tm, g, t, loc in events
        if g == "site2" and t.startswith("DPD R-U-THERE dropped by local-in policy 2")
    ]
    assert len(probes) == 3
    assert [b[0] - a[0] for a, b in pairwise(probes)] == [20, 20]
    site2_conf = (MODELS / "seed-intended" / "site2.conf").read_text().splitlines()
    for _, loc in probes:
        assert loc is not None and loc.file.endswith("seed-intended/site2.conf")
        assert site2_conf[loc.line - 1].strip() == "edit 2"
    assert any(
        "site1 link fail: peer declared dead after 3 unanswered DPD probes" in t for t in texts
    )
    assert any("site2 delete IPsec SA dropped by local-in policy 2" in t for t in texts)
    assert trace.final_state["site1"]["tunnel"] == "DOWN"
    assert trace.final_state["site2"]["tunnel"] == "UP"
    # The session expiry comes before the first probe, the dead verdict after the third.
    expiry = next(tm for tm, g, t, _ in events if g == "site2" and "expired" in t)
    dead = next(tm for tm, g, t, _ in events if "declared dead" in t)
    assert expiry < probes[0][0] and dead == probes[2][0] + 20


@pytest.mark.parametrize("model", ["seed-literal", "seed-fixed", "seed-backup"])
def test_agreement_holds_proved_without_the_ike_deny(model: str) -> None:
    expected = {"seed-backup": "VIOLATED"}.get(model, "HOLDS")
    report = check([MODELS / model], properties=("agreement",))
    assert verdicts(report) == {"agreement": expected}
    if expected == "HOLDS":
        assert "exhaustive" in report.results[0].result.reason


def test_every_model_matches_its_scenario_expectations() -> None:
    for folder in sorted(p for p in MODELS.iterdir() if (p / "scenario.toml").is_file()):
        report = check([folder])
        for r in report.results:
            if r.expected is not None:
                assert r.verdict.value == r.expected, (folder.name, r.prop.name)


def test_recovery_comes_only_through_site2s_rekey() -> None:
    with_rekey = check([MODELS / "seed-intended"], properties=("recoverable",))
    assert verdicts(with_rekey) == {"recoverable": "HOLDS"}
    (held,) = with_rekey.results
    # Worst case: site1 is down from 280 s until site2's phase2 rekey at 43200 s (+1 s
    # tick, +9 s to site1's next negotiation retransmission).
    assert held.result.facts["worst_recovery_seconds"] == 43210 - 280
    assert held.trace is not None
    rekey = [e for e in held.trace.events if e.note.text == "starts IKE phase2 rekey"]
    assert [(e.gateway, e.time) for e in rekey] == [("site2", 43201)]
    assert held.trace.final_state["site1"]["tunnel"] == "UP"
    without = check([MODELS / "seed-intended"], properties=("recoverable",), rekey=False)
    (r,) = without.results
    assert r.verdict.value == "VIOLATED"
    assert r.trace is not None and r.trace.loop_time is not None
    # The lasso's loop: site1 keeps renegotiating, site2 keeps dropping; site2 stays up.
    loop = [e for e in r.trace.events if e.in_loop]
    assert loop and all(e.note.dropped_by in (None, 2) for e in loop)
    assert any(e.note.dropped_by == 2 for e in loop)
    assert r.trace.final_state["site2"]["tunnel"] == "UP"
    # The fixed config recovers without rekey too.
    fixed = check([MODELS / "seed-fixed"], properties=("recoverable",), rekey=False)
    assert verdicts(fixed) == {"recoverable": "HOLDS"}


SITE2 = "site2.conf"


@pytest.mark.parametrize(
    ("name", "edits", "expected"),
    [
        (
            "ikev2-both",
            {
                "site1.conf": [("set remote-gw", "set ike-version 2\n        set remote-gw")],
                SITE2: [("set remote-gw", "set ike-version 2\n        set remote-gw")],
            },
            "VIOLATED",
        ),
        (
            "deny-disabled",
            {
                SITE2: [
                    (
                        'set comments "implicit deny"',
                        'set comments "implicit deny"\n        set status disable',
                    )
                ]
            },
            "HOLDS",
        ),
        (
            "negated-source",
            {
                SITE2: [
                    (
                        'edit 2\n        set intf "port1"\n        set srcaddr "all"',
                        'edit 2\n        set intf "port1"\n        set srcaddr "peer-site1"\n'
                        "        set srcaddr-negate enable",
                    )
                ]
            },
            "HOLDS",
        ),
        ("udp4500-only", {SITE2: [('set service "ALL"', 'set service "NATT"')]}, "HOLDS"),
    ],
)
def test_variations(
    tmp_path: Path, name: str, edits: dict[str, list[tuple[str, str]]], expected: str
) -> None:
    folder = variant(tmp_path, "seed-intended", edits)
    if name == "negated-source":
        text = (
            (folder / SITE2)
            .read_text()
            .replace(
                "config firewall local-in-policy",
                'config firewall address\n    edit "peer-site1"\n        set subnet 10.56.240.208 '
                "255.255.255.255\n    next\nend\nconfig firewall local-in-policy",
                1,
            )
        )
        (folder / SITE2).write_text(text)
    if name == "udp4500-only":
        text = (
            (folder / SITE2)
            .read_text()
            .replace(
                "config firewall local-in-policy",
                'config firewall service custom\n    edit "NATT"\n        set udp-portrange 4500\n'
                "    next\nend\nconfig firewall local-in-policy",
                1,
            )
        )
        (folder / SITE2).write_text(text)
    report = check([folder], properties=("agreement",), bound_seconds=120)
    assert verdicts(report) == {"agreement": expected}, name


def test_both_ends_denying_still_establish_by_crossing_sessions(tmp_path: Path) -> None:
    """Both ends deny new IKE, yet both auto-negotiate at once: each one's own outbound
    session (500<->500) admits the other's request, so the tunnel comes up, and later
    falls apart once the sessions age out."""
    deny = (
        'config firewall local-in-policy\n    edit 7\n        set intf "any"\n'
        '        set srcaddr "all"\n        set dstaddr "all"\n        set service "IKE"\n'
        '        set schedule "always"\n    next\nend\n'
    )
    folder = variant(tmp_path, "seed-intended", {})
    (folder / "site1.conf").write_text((folder / "site1.conf").read_text() + deny)
    report = check([folder], properties=("establishes", "tunnel-comes-up", "agreement"))
    assert verdicts(report) == {
        "establishes": "HOLDS",
        "tunnel-comes-up": "HOLDS",
        "agreement": "VIOLATED",
    }


def test_cli_check_exit_codes_and_json() -> None:
    runner = CliRunner()
    bad = runner.invoke(
        main,
        ["check", str(MODELS / "seed-intended"), "--property", "agreement", "--format", "json"],
    )
    assert bad.exit_code == 1, bad.output
    doc = json.loads(bad.stdout)
    assert doc["version"] == 1
    (res,) = doc["results"]
    assert res["verdict"] == "VIOLATED" and res["property"] == "agreement"
    assert res["trace"]["events"][0]["time"] == 0
    assert "psksecret" not in bad.stdout and "ENC" not in bad.stdout
    good = runner.invoke(main, ["check", str(MODELS / "seed-fixed"), "--property", "agreement"])
    assert good.exit_code == 0, good.output
    assert "HOLDS (proved" in good.stdout
    budget = runner.invoke(
        main,
        [
            "check",
            str(MODELS / "seed-fixed"),
            "--property",
            "agreement",
            "--traffic",
            "any",
            "--max-states",
            "50",
        ],
    )
    assert budget.exit_code == 3, budget.output
    assert "INCONCLUSIVE" in budget.stdout
    usage = runner.invoke(main, ["check", str(MODELS / "seed-fixed"), "--traffic", "bogus"])
    assert usage.exit_code == 2 and "Traceback" not in usage.output
    unknown = runner.invoke(main, ["check", str(MODELS / "seed-fixed"), "--property", "nope"])
    assert unknown.exit_code == 2
