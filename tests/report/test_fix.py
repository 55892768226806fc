"""``ipsecmc fix`` on the seed: the accept-IKE-from-peer policy, verified and written."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from ipsecmc.cli.extra import render_fix_text
from ipsecmc.engines.result import Verdict
from ipsecmc.systems import build
from ipsecmc.workflows.check import CheckOptions, check_paths, check_tunnel, load_properties
from ipsecmc.workflows.fix import (
    FixReport,
    FixResult,
    _patch,
    candidates,
    causes_of,
    fix_dict,
    order_key,
    verify,
    verify_all,
    write_fixes,
)
from ipsecmc.workflows.parallel import symmetry_key
from tests.conftest import MODELS
from tests.report.helpers import AGREEMENT, INTENDED, assert_no_secrets, report, run


def _allow_ike() -> tuple[object, object]:
    rep = report("seed-intended")
    (cause,) = causes_of(rep)
    assert (cause.end.name, cause.policy.policyid, cause.peer.name) == ("site2", 2, "site1")
    cand = next(c for c in candidates(cause) if c.kind == "allow-ike")
    return rep, cand


def test_proposes_accept_ike_from_peer_before_the_deny() -> None:
    _, cand = _allow_ike()
    cli = cand.cli  # type: ignore[attr-defined]
    lines = [line.strip() for line in cli.splitlines()]
    assert "config firewall address" in lines
    assert 'edit "site1_peer"' in lines
    assert "set subnet 10.56.240.208 255.255.255.255" in lines
    assert "config firewall local-in-policy" in lines
    assert 'set srcaddr "site1_peer"' in lines
    assert 'set intf "port1"' in lines
    assert 'set service "IKE"' in lines
    assert "set action accept" in lines
    assert lines.index("move 3 before 2") > lines.index("edit 3")
    assert_no_secrets(cli)


def test_patched_config_checks_holds(tmp_path: Path) -> None:
    rep, cand = _allow_ike()
    result = verify([INTENDED], rep, AGREEMENT, cand)  # type: ignore[arg-type]
    assert result.passed, result.reason
    (change,) = result.changes
    assert (change.prop, change.before, change.after) == (
        "agreement",
        Verdict.VIOLATED,
        Verdict.HOLDS,
    )
    # --write: a checkable folder; the written file keeps the secret, nothing printed has it
    fixes = FixReport(rep, causes_of(rep), (result,))  # type: ignore[arg-type]
    written = write_fixes(fixes, [INTENDED], tmp_path)
    (site2,) = written
    assert site2.name == "site2.conf"
    assert "set psksecret ENC" in site2.read_text(encoding="utf-8")
    after = check_paths([site2.parent], AGREEMENT)
    assert [r.verdict for r in after.results] == [Verdict.HOLDS]
    assert (site2.parent / "scenario.toml").is_file()
    assert (site2.parent / "site1.conf").is_file()
    assert_no_secrets(result.reason, repr(result), (site2.parent / "FIX.txt").read_text())


def test_a_candidate_that_does_not_help_is_rejected() -> None:
    rep = report("seed-intended")
    (cause,) = causes_of(rep)
    # a deliberately useless change: a comment on the deny
    cand = candidates(cause)[0]
    useless = type(cand)(
        "noop",
        cand.gateway,
        cand.path,
        "comment only",
        0,
        "nothing",
        'config firewall local-in-policy\n    edit 2\n        set comments "x"\n    next\nend\n',
    )
    result = verify([INTENDED], rep, AGREEMENT, useless)
    assert not result.passed
    assert "still VIOLATED" in result.reason


#: The seed under free traffic (the default path), two properties: ``one-sided`` is
#: violated (first round), ``tunnel-comes-up`` holds (second round); one candidate (DPD)
#: does not fix ``one-sided``. About a second for all six candidates.
FREE = CheckOptions(properties=("one-sided", "tunnel-comes-up"), traffic="any")


def test_batched_recheck_judges_like_one_candidate_at_a_time() -> None:
    rep = check_paths([INTENDED], FREE)
    (cause,) = causes_of(rep)
    cands = candidates(cause)
    batched = verify_all([INTENDED], rep, replace(FREE, jobs=2), cands)
    alone = [verify([INTENDED], rep, FREE, c) for c in cands]  # no sharing, in-process
    assert [(r.candidate, r.passed, r.reason, r.changes) for r in batched] == [
        (r.candidate, r.passed, r.reason, r.changes) for r in alone
    ]
    assert [r.passed for r in batched] == [c.kind != "dpd" for c in cands]
    # every verdict is the candidate's own system checked directly; after a failure, none
    props = {p.name: p for p in load_properties(FREE.properties)}
    judging = replace(FREE, longest=False)
    for r in batched:
        tunnels = _patch([INTENDED], r.candidate).tunnels
        for v in r.changes:
            if v.after is not None:
                system = build(tunnels[v.tunnel], rep.traffic, rep.rekey)
                assert check_tunnel(system, props[v.prop], judging).verdict is v.after
        if not r.passed:
            assert r.changes[-1].after is None
    # why batching pays: the four changes to the local-in table give one system up to names
    keys = {
        symmetry_key(build(_patch([INTENDED], c).tunnels[t.name], rep.traffic, rep.rekey), p)
        for c in cands
        if c.role == "root-cause"
        for t in rep.scenario.tunnels
        for p in props.values()
    }
    assert len(keys) == len(props)


def test_the_timeout_bounds_every_recheck() -> None:
    """Out of time, a re-check is INCONCLUSIVE, which fixes nothing (deterministic: the
    searches look at the clock after a few nodes, and no budget is that small)."""
    rep = check_paths([INTENDED], FREE)
    (cause,) = causes_of(rep)
    out = verify_all(
        [INTENDED], rep, replace(FREE, timeout_seconds=1e-9, jobs=2), candidates(cause)
    )
    assert {r.reason for r in out} == {"one-sided is still INCONCLUSIVE"}
    assert {v.after for r in out for v in r.changes} == {Verdict.INCONCLUSIVE, None}


def test_nothing_to_fix_on_the_fixed_seed() -> None:
    assert causes_of(report("seed-fixed")) == ()


@pytest.mark.slow
def test_fix_cli_json_lists_allow_ike_and_no_secrets(tmp_path: Path) -> None:
    """The whole command (six candidates, ~20 s): run with ``-m slow``."""
    code, out = run(
        "fix",
        str(INTENDED),
        "--property",
        "agreement",
        "--format",
        "json",
        "--write",
        str(tmp_path),
    )
    assert code == 0
    doc = json.loads(out)
    kinds = [f["kind"] for f in doc["fixes"] if f["passed"]]
    assert "allow-ike" in kinds
    passed = [(f["role"] != "root-cause", f["exposure"]) for f in doc["fixes"] if f["passed"]]
    assert passed == sorted(passed)  # root cause first, then workarounds; smallest first
    assert_no_secrets(out)
    code, text = run("fix", str(INTENDED), "--property", "agreement")
    assert "move 3 before 2" in text
    assert_no_secrets(text)


def _all_passing() -> FixReport:
    """Every candidate for the seed, marked as passed (the order and the words are under
    test here, not the verification: that is ``test_patched_config_checks_holds``)."""
    rep = report("seed-intended")
    (cause,) = causes_of(rep)
    results = [FixResult(c, True, "ok", ()) for c in candidates(cause)]
    return FixReport(rep, (cause,), tuple(sorted(results, key=order_key)))


def test_root_cause_first_then_timer_workarounds() -> None:
    fixes = _all_passing()
    kinds = [(f.candidate.kind, f.candidate.role) for f in fixes.results]
    assert kinds[0] == ("allow-ike", "root-cause")
    roles = [role for _, role in kinds]
    assert roles == sorted(roles, key=lambda r: r != "root-cause")
    assert {k for k, r in kinds if r == "workaround"} == {"session-ttl", "dpd"}
    assert {k for k, r in kinds if r == "root-cause"} == {"allow-ike", "narrow-deny", "rebind-deny"}
    for role in ("root-cause", "workaround"):
        exposures = [f.candidate.exposure for f in fixes.results if f.candidate.role == role]
        assert exposures == sorted(exposures)
    assert [fix_dict(f)["role"] for f in fixes.results] == roles


def test_fix_text_labels_workarounds() -> None:
    text = render_fix_text(_all_passing())
    heads = [line for line in text.splitlines() if line.startswith("fix ")]
    assert heads[0].startswith("fix 1 (root cause): accept IKE from site1 (10.56.240.208)")
    assert heads[-1].startswith(f"fix {len(heads)} (workaround): ")
    assert "site2's local-in still drops new IKE from its peer" in text
    assert "root-cause fixes first, then timer workarounds" in text


def test_root_cause_fix_reads_in_a_multi_vdom_backup() -> None:
    """seed-backup's site2 is a multi-VDOM backup (``config vdom`` / ``edit root``): the
    fix must be pasted inside the tunnel's VDOM, or its ``move 3 before 2`` finds no
    policy 2 (every root-cause candidate was rejected as "patched config does not read"
    while the header's ``vdom=1`` sat inside ``#config-version``)."""
    rep = report("seed-backup")
    (cause,) = causes_of(rep)
    cand = next(c for c in candidates(cause) if c.kind == "allow-ike")
    lines = [line.strip() for line in cand.cli.splitlines()]
    assert lines[:2] == ["config vdom", 'edit "root"'] and lines[-1] == "end"
    result = verify([MODELS / "seed-backup"], rep, AGREEMENT, cand)
    assert result.passed, result.reason
