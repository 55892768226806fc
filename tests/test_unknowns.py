"""``ipsecmc check --assume-unknown NAME``: unknown address objects as symbols.

The base scenario is ``tests/unknowns_data/office1``: ``models/seed-fixed`` with site2's
IKE accept policy 3 naming ``office1`` instead of ``site1_peer``, and ``office1`` not
defined. The agreement property then holds exactly when site1's address is in office1.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipsecmc.cli import main
from ipsecmc.engines.result import EngineResult, Stats, Verdict
from ipsecmc.errors import ConfigError
from ipsecmc.fortios.resolver import read_gateways
from ipsecmc.fortios.topology import load_scenario
from ipsecmc.render.json_report import render_json, result_dict, result_json
from ipsecmc.render.text import render_text
from ipsecmc.systems import build
from ipsecmc.workflows.check import CheckOptions, CheckReport, check_paths, exit_code
from ipsecmc.workflows.unknowns import CaseOutcome, Condition, Symbol, split
from tests.conftest import MODELS

BASE = Path(__file__).parent / "unknowns_data" / "office1"
A = "10.56.240.208 in office1"
_P3 = '        set action accept\n        set service "IKE"'
#: a deny policy 4 on source 'blocked' before the catch-all deny 2
BLOCKED = {
    "    edit 2\n": '    edit 4\n        set intf "port1"\n        set srcaddr "blocked"\n'
    '        set dstaddr "all"\n        set service "ALL"\n        set schedule "always"\n'
    "    next\n    edit 2\n"
}
#: policy 3 also requires site2's own address to be in (undefined) wan_ips
WAN_IPS = {'set dstaddr "all"\n' + _P3: 'set dstaddr "wan_ips"\n' + _P3}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def office1() -> CheckReport:
    """The acceptance example at real timers, checked once for the tests that read it."""
    return check_paths([BASE], CheckOptions(properties=("agreement",), assume_unknown=("office1",)))


def variant(tmp_path: Path, site2: dict[str, str] | None = None, site1: str = "") -> Path:
    """A copy of the base scenario with text replacements in site2 and text added to site1.

    Variants leave rekeying out (``rekey = false``): the same verdicts, a fifth of the time.
    """
    for f in BASE.iterdir():
        text = f.read_text()
        if f.name == "scenario.toml":
            text += "rekey = false\n"
        if f.name == "site2.conf":
            for old, new in (site2 or {}).items():
                assert old in text, old
                text = text.replace(old, new, 1)
        if f.name == "site1.conf":
            text += site1
        (tmp_path / f.name).write_text(text)
    return tmp_path


def agreement(path: Path, *names: str, **kw: object) -> tuple[int, str]:
    code, out, err = run(
        "check",
        str(path),
        "--property",
        "agreement",
        "--no-rekey",
        *(f"--assume-unknown={n}" for n in names),
    )
    assert err == "" or code != 2, err
    return code, out


# --- reader: without the flag an undefined object stays an input error ------------------


def test_undefined_object_is_an_input_error_with_a_hint() -> None:
    with pytest.raises(ConfigError) as info:
        read_gateways(BASE / "site2.conf")
    assert info.value.loc is not None and (info.value.loc.line, info.value.loc.column) == (90, 9)
    code, out, err = run("check", str(BASE), "--property", "agreement")
    assert code == 2 and out == ""
    assert "site2.conf:90:9: local-in policy 1 refers to undefined address 'office1'" in err
    assert "--assume-unknown office1" in err
    assert "Traceback" not in err


def test_an_undeclared_undefined_object_stays_an_error(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        WAN_IPS,
    )
    code, _, err = run("check", str(path), "--assume-unknown", "office1")
    assert code == 2
    assert "site2.conf:100:9: local-in policy 3 refers to undefined address 'wan_ips'" in err
    assert "--assume-unknown wan_ips" in err


def test_an_unreferenced_name_is_a_usage_error() -> None:
    code, _, err = run(
        "check", str(BASE), "--assume-unknown", "office1", "--assume-unknown", "nope"
    )
    assert code == 2 and "--assume-unknown nope: no configuration refers to" in err


def test_services_cannot_be_declared_unknown(tmp_path: Path) -> None:
    path = variant(tmp_path, {'set service "IKE"': 'set service "IKE9"'})
    code, _, err = run(
        "check", str(path), "--assume-unknown", "office1", "--assume-unknown", "IKE9"
    )
    assert code == 2 and "undefined service 'IKE9'" in err


# --- the condition -------------------------------------------------------------------------


def test_acceptance_example_condition_and_trace(office1: CheckReport) -> None:
    out = render_text(office1)
    assert exit_code(office1) == 1
    assert "agreement (bounded, T = 110 s): VIOLATED" in out
    assert f"unknowns: agreement VIOLATED iff not ({A})\n" in out
    assert f"counterexample (391 s of model time), when not ({A}):" in out
    assert "dropped by local-in policy 2" in out
    # the command line: same condition, exit 1
    code, out = agreement(BASE, "office1")
    assert code == 1 and f"unknowns: agreement VIOLATED iff not ({A})\n" in out


def test_library_result_carries_the_condition(office1: CheckReport) -> None:
    (r,) = office1.results
    assert r.verdict is Verdict.VIOLATED and r.trace is not None and r.condition is not None
    c = r.condition
    assert c.labels == (A,) and c.exact and c.text() == f"VIOLATED iff not ({A})"
    assert [(case.assignments, case.verdict) for case in c.cases] == [
        ((0,), Verdict.VIOLATED),
        ((1,), Verdict.HOLDS),
    ]
    # office1 is also named by policy 1 (HTTPS only): that question cannot change IKE
    assert [u.name for u in office1.unknowns] == ["office1"]
    assert office1.unknowns[0].referenced_by == ("site2",)
    assert office1.unknowns[0].defined_in == ()


def test_json_fields_are_additive(office1: CheckReport) -> None:
    doc = json.loads(render_json(office1))
    assert doc["version"] == 1
    assert doc["unknowns"] == [{"name": "office1", "referenced_by": ["site2"], "defined_in": []}]
    (r,) = doc["results"]
    assert r["verdict"] == "VIOLATED" and r["trace"]["duration_seconds"] == 391
    c = r["condition"]
    assert c["text"] == f"VIOLATED iff not ({A})" and c["exact"] is True
    assert c["symbols"] == [
        {"label": A, "gateway": "site2", "name": "office1", "ip": "10.56.240.208"}
    ]
    assert c["verdicts"] == {"VIOLATED": f"not ({A})", "HOLDS": A}
    assert [(k["when"], k["verdict"], k["assignments"]) for k in c["cases"]] == [
        (f"not ({A})", "VIOLATED", [{A: False}]),
        (A, "HOLDS", [{A: True}]),
    ]
    assert c["cases"][0]["trace"]["duration_seconds"] == 391 and c["cases"][1]["trace"] is None
    # without the flag: the same fields, empty
    code, out, _ = run(
        "check", str(MODELS / "seed-literal"), "--property", "establishes", "--format", "json"
    )
    doc = json.loads(out)
    assert code == 0 and doc["unknowns"] == [] and doc["results"][0]["condition"] is None


def test_fast_result_json_writes_the_cases_traces_like_json_dumps(office1: CheckReport) -> None:
    """``result_json`` splices hand-written events lists into ``json.dumps`` text; here
    they sit at two depths (the result's trace and each case's)."""
    (r,) = office1.results
    reference = textwrap.indent(json.dumps(result_dict(r), indent=2), "    ")
    assert result_json(r) == reference and reference.count('"events": [') == 2


def test_a_defined_object_declared_unknown(tmp_path: Path) -> None:
    # seed-fixed itself: policy 3 accepts IKE from site1_peer (defined as 10.56.240.208/32)
    code, out = agreement(MODELS / "seed-fixed", "site1_peer")
    assert code == 1
    assert "unknown: address 'site1_peer' (its definition in site2 is ignored)" in out
    assert "VIOLATED iff not (10.56.240.208 in site1_peer)" in out
    # office1 only guards HTTPS: no influence on IKE, the verdict is unconditional
    code, out = agreement(MODELS / "seed-fixed", "office1")
    assert code == 0
    assert "agreement HOLDS for every value of the unknowns (no unknown decides" in out


def test_two_symbols_source_and_destination(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        WAN_IPS,
    )
    code, out = agreement(path, "office1", "wan_ips")
    assert code == 1
    b = "10.56.240.221 in wan_ips"
    assert f"unknowns: agreement VIOLATED iff not ({A}) or not ({b})\n" in out
    # three violating assignments, but all select one model: one counterexample
    assert out.count("counterexample (") == 1


def test_two_violating_models_each_get_a_counterexample(tmp_path: Path) -> None:
    path = variant(tmp_path, BLOCKED)
    report = check_paths(
        [path], CheckOptions(properties=("agreement",), assume_unknown=("office1", "blocked"))
    )
    (r,) = report.results
    assert r.condition is not None
    assert r.condition.text() == f"VIOLATED iff not ({A})"
    assert len(r.condition.cases) == 3  # accepted by 3 / denied by 4 / denied by 2
    code, out = agreement(path, "office1", "blocked")
    c = "10.56.240.208 in blocked"
    assert code == 1 and out.count("counterexample (") == 2
    assert (
        f"case not ({A}) and not ({c}): VIOLATED" in out
        or f"case not ({A}) and {c}: VIOLATED" in out
    )
    assert "dropped by local-in policy 4" in out and "dropped by local-in policy 2" in out


def test_same_name_on_both_gateways_is_two_symbols(tmp_path: Path) -> None:
    site1 = (
        'config firewall local-in-policy\n    edit 7\n        set intf "port1"\n'
        '        set srcaddr "office1"\n        set dstaddr "all"\n        set action accept\n'
        '        set service "ALL"\n        set schedule "always"\n    next\n    edit 8\n'
        '        set intf "port1"\n        set srcaddr "all"\n        set dstaddr "all"\n'
        '        set service "ALL"\n        set schedule "always"\n    next\nend\n'
    )
    path = variant(tmp_path, site1=site1)
    scenario = load_scenario([path], allow_undefined=True)
    (tunnel,) = scenario.tunnels
    cases = split(build(tunnel, "both:200,site1-to-site2"), frozenset({"office1"}))
    assert [s.label for s in cases.symbols] == [
        "10.56.240.221 in office1 on site1",
        "10.56.240.208 in office1 on site2",
    ]
    assert len(cases.models) == 4


# --- inexact conditions ---------------------------------------------------------------------


def _case(verdict: Verdict, *assignments: int) -> CaseOutcome:
    return CaseOutcome(assignments, EngineResult(verdict, Stats(), reason="r"), None)


def test_an_inconclusive_case_makes_the_condition_inexact() -> None:
    from ipaddress import IPv4Address

    syms = tuple(Symbol("g", n, IPv4Address("10.0.0.1"), f"10.0.0.1 in {n}") for n in "xy")
    cond = Condition(
        syms,
        (_case(Verdict.VIOLATED, 0, 1), _case(Verdict.INCONCLUSIVE, 2), _case(Verdict.HOLDS, 3)),
    )
    assert not cond.exact and not cond.uniform
    text = cond.text()
    assert text.startswith(
        "VIOLATED when not (10.0.0.1 in y); INCONCLUSIVE when not (10.0.0.1 in x) and "
        "10.0.0.1 in y; HOLDS when 10.0.0.1 in x and 10.0.0.1 in y"
    )
    assert "undecided" in text
    uniform = Condition(syms, (_case(Verdict.HOLDS, 0, 1, 2, 3),))
    assert uniform.text() == "HOLDS for every value of the unknowns"


# --- the case split covers every assignment ------------------------------------------------


def test_split_drops_only_symbols_that_cannot_matter(tmp_path: Path) -> None:
    """Every assignment of *every* question asked (relevant or not) gives the admissions
    of the model the split assigns to its relevant part: nothing is lost by dropping."""
    from ipsecmc.fortios.admission import ike_decision
    from ipsecmc.fortios.localin import Assumptions
    from ipsecmc.fortios.params import admissions

    path = variant(tmp_path, BLOCKED)
    names = frozenset({"office1", "office2", "blocked"})
    (tunnel,) = load_scenario([path], allow_undefined=True).tunnels
    cases = split(build(tunnel, "both"), names)
    end, peer = tunnel.b, tunnel.a  # site2: the only end with unknowns
    asked = ike_decision(end, peer, Assumptions(names)).asked
    assert [n for n, _ in asked] == ["office1", "office2", "blocked"]  # office2: policy 1
    assert [s.name for s in cases.symbols] == ["office1", "blocked"]
    for bits in range(1 << len(asked)):
        values = tuple((n, ip, bool(bits >> i & 1)) for i, (n, ip) in enumerate(asked))
        direct = admissions(end, peer, Assumptions(names, values))
        relevant = sum(
            1 << k
            for k, s in enumerate(cases.symbols)
            if dict(((n, ip), v) for n, ip, v in values)[(s.name, s.ip)]
        )
        (model,) = [m for m in cases.models if relevant in m.assignments]
        assert model.system.params.ends[1].admissions == direct
    # the split partitions the assignments
    assert sorted(a for m in cases.models for a in m.assignments) == list(range(4))


def test_lookup_lists_the_questions_it_asks() -> None:
    from ipaddress import IPv4Address

    from ipsecmc.fortios.config import Action
    from ipsecmc.fortios.localin import UDP, Assumptions, evaluate

    (gw,) = read_gateways(MODELS / "seed-fixed" / "site2.conf")
    peer, me = IPv4Address("10.56.240.208"), IPv4Address("10.56.240.221")
    free = evaluate(
        gw, "port1", peer, me, UDP, 500, 500, assume=Assumptions(frozenset({"site1_peer"}))
    )
    assert free.asked == (("site1_peer", peer),) and not free.certain and free.may_deny
    yes = Assumptions(frozenset({"site1_peer"}), (("site1_peer", peer, True),))
    d = evaluate(gw, "port1", peer, me, UDP, 500, 500, assume=yes)
    assert (
        d.certain and d.action is Action.ACCEPT and d.policy is not None and d.policy.policyid == 3
    )
    no = Assumptions(frozenset({"site1_peer"}), (("site1_peer", peer, False),))
    d = evaluate(gw, "port1", peer, me, UDP, 500, 500, assume=no)
    assert d.certain and d.action is Action.DENY and d.policy is not None and d.policy.policyid == 2
