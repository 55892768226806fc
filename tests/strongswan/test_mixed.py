"""strongSwan hosts as tunnel ends: vendor data, pairing (mixed and strongSwan-only), the
check command on models/mixed-*, and the engines agreeing on a mixed pair."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipsecmc.cli import main
from ipsecmc.errors import ConfigError
from ipsecmc.inputs import classify, load_scenario
from ipsecmc.model.params import DpdMode
from ipsecmc.strongswan.host import SwanEnd
from ipsecmc.systems import build
from tests.conftest import MODELS
from tests.model.helpers import check, verdicts

MIXED = MODELS / "mixed-intended"
PSK = "an-example-psk-that-must-never-be-printed"


def test_charon_behaviour_is_vendor_data() -> None:
    (tunnel,) = load_scenario([MIXED]).tunnels
    assert isinstance(tunnel.b, SwanEnd) and tunnel.b.name == "site2"
    site1, site2 = build(tunnel).params.ends
    b = site2.behaviour
    assert (b.request_sends, b.request_giveup) == ((0, 4, 11, 24, 47, 89), 165)
    assert not b.delete_on_dead_peer  # charon sends no DELETE to a dead peer
    assert not b.ike_rekey_drops_ipsec  # IKEv2 rekeying keeps the CHILD_SAs
    assert b.session_before_local_in  # ct state established,related accept comes first
    assert site2.dpd is DpdMode.DISABLE  # dpd_delay defaults to 0s
    assert (site2.starts_at_boot, site2.on_traffic, site2.p2_auto_negotiate) == (True, True, True)
    assert (site2.p1_keylife, site2.p2_keylife, site2.session_ttl) == (14400, 3600, 120)
    (drop,) = site2.admissions
    assert not drop.accepted and drop.policy_id == 0
    assert drop.rule == "the nftables policy drop of chain inet filter/input"
    assert drop.loc is not None and drop.loc.line == 8
    # the FortiGate end is unchanged vendor data
    assert site1.behaviour.delete_on_dead_peer and site1.on_traffic and not site1.starts_at_boot


def test_the_mixed_models_verdicts_and_the_blamed_nftables_line() -> None:
    report = check([MIXED], properties=("agreement",))
    assert verdicts(report) == {"agreement": "VIOLATED"}
    (r,) = report.results
    assert r.trace is not None
    drops = [e for e in r.trace.events if e.note.dropped_by is not None]
    assert drops and all(e.gateway == "site2" for e in drops)
    assert all(e.note.loc is not None and e.note.loc.file.endswith("nftables.conf") for e in drops)
    assert r.trace.final_state["site2"]["tunnel"] == "UP"
    assert r.trace.final_state["site1"]["tunnel"] == "DOWN"
    fixed = check([MODELS / "mixed-fixed"], properties=("agreement", "one-sided"))
    assert verdicts(fixed) == {"agreement": "HOLDS", "one-sided": "HOLDS"}


def test_explicit_and_z3_agree_on_the_mixed_pair() -> None:
    explicit = check([MIXED], properties=("agreement", "one-sided"))
    z3 = check([MIXED], properties=("agreement", "one-sided"), engine="z3")
    assert verdicts(explicit) == verdicts(z3) == {"agreement": "VIOLATED", "one-sided": "VIOLATED"}


def test_check_cli_text_json_and_no_secret() -> None:
    runner = CliRunner()
    text = runner.invoke(main, ["check", str(MIXED), "--property", "agreement"])
    assert text.exit_code == 1
    assert "the nftables policy drop of chain inet filter/input on site2" in " ".join(
        text.stdout.split()
    )
    doc = runner.invoke(main, ["check", str(MIXED), "--property", "agreement", "--format", "json"])
    assert doc.exit_code == 1
    data = json.loads(doc.stdout)
    (result,) = data["results"]
    rules = {e["rule"] for e in result["trace"]["events"] if e["dropped_by_policy"] is not None}
    assert rules == {"the nftables policy drop of chain inet filter/input"}
    for out in (text.stdout, text.stderr, doc.stdout, doc.stderr):
        assert PSK not in out and PSK[:12] not in out


def _host(folder: Path, name: str, conn: str, nft: str | None = None) -> Path:
    host = folder / name
    host.mkdir(parents=True)
    (host / "swanctl.conf").write_text(conn)
    if nft is not None:
        (host / "nftables.conf").write_text(nft)
    return host


def _conn(local: str, remote: str, extra: str = "") -> str:
    return (
        f"connections {{ c {{ local_addrs = {local}\n remote_addrs = {remote}\n{extra}"
        " children { n { start_action = start } } } }\n"
    )


def test_two_strongswan_hosts_pair_and_a_responder_pairs_with_its_initiator(tmp_path: Path) -> None:
    _host(tmp_path, "east", _conn("192.0.2.1", "192.0.2.2"))
    _host(tmp_path, "west", _conn("192.0.2.2", "%any"))  # a responder: aims nowhere
    (t,) = load_scenario([tmp_path]).tunnels
    assert t.name == "east/c<->west/c"
    assert (str(t.a.address), str(t.b.address)) == ("192.0.2.1", "192.0.2.2")
    system = build(t)
    assert all(e.behaviour.delete_on_dead_peer is False for e in system.params.ends)


def test_an_unknown_own_address_is_assumed_and_said(tmp_path: Path) -> None:
    _host(tmp_path, "east", _conn("192.0.2.1", "192.0.2.2"))
    _host(tmp_path, "west", _conn("%any", "192.0.2.1"))
    scenario = load_scenario([tmp_path])
    (t,) = scenario.tunnels
    assert t.b.address_inferred and str(t.b.address) == "192.0.2.2"
    assert any("west/c: no address of its own" in i for i in scenario.inferences)


def test_ambiguous_and_unpaired_connections(tmp_path: Path) -> None:
    _host(tmp_path, "east", _conn("192.0.2.1", "192.0.2.2"))
    _host(tmp_path, "west", _conn("%any", "192.0.2.1"))
    _host(tmp_path, "north", _conn("%any", "192.0.2.1"))
    with pytest.raises(ConfigError, match=r"ambiguous pairing: east/c .* with north/c, west/c"):
        load_scenario([tmp_path])
    shutil.rmtree(tmp_path / "north")
    _host(tmp_path, "south", _conn("192.0.2.9", "192.0.2.77"))
    _host(tmp_path, "tmpl", "connections { base { version = 1 } }\n")
    scenario = load_scenario([tmp_path])
    assert len(scenario.tunnels) == 1
    unpaired = "\n".join(scenario.unpaired)
    assert "south/c" in unpaired and "no peer among the inputs points back at it" in unpaired
    assert "tmpl/base" in unpaired and "it has no children" in unpaired


def test_paths_name_hosts_by_folder_by_swanctl_conf_or_as_subfolders(tmp_path: Path) -> None:
    host = _host(tmp_path, "east", _conn("192.0.2.1", "192.0.2.2"))
    (tmp_path / "gw.conf").write_text("config system global\nend\n")
    assert classify([tmp_path]).hosts == (host,)
    assert classify([host / "swanctl.conf"]).hosts == (host,)
    assert classify([host, tmp_path / "gw.conf"]).fortios == (tmp_path / "gw.conf",)
    empty = tmp_path / "empty"
    empty.mkdir()
    runner = CliRunner()
    result = runner.invoke(main, ["check", str(empty)])
    assert result.exit_code == 2 and "no strongSwan host folder" in result.stderr


def test_bad_strongswan_input_exits_2_with_file_line_and_no_secret(tmp_path: Path) -> None:
    text = _conn("192.0.2.1", "192.0.2.2", ' dpd_delay = "30 s"\n') + (
        f'secrets {{ ike {{ secret = "{PSK}" }} }}\n'
    )
    host = _host(tmp_path, "east", text)
    result = CliRunner().invoke(main, ["check", str(host)])
    assert result.exit_code == 2
    assert f"{host}/swanctl.conf:3:2: dpd_delay: expected a time" in result.stderr
    assert PSK not in result.stderr + result.stdout
    nft = _host(tmp_path, "west", _conn("192.0.2.2", "192.0.2.1"), "table inet f { chain input {\n")
    result = CliRunner().invoke(main, ["check", str(nft)])
    assert result.exit_code == 2
    assert f"{nft}/nftables.conf:1:22: chain input: expected '}}' to close it" in result.stderr


def test_lint_names_the_nftables_rule_that_drops_new_ike() -> None:
    runner = CliRunner()
    bad = runner.invoke(main, ["lint", str(MIXED), "--format", "json"])
    assert bad.exit_code == 1
    findings = json.loads(bad.stdout)["findings"]
    codes = {(f["code"], f["severity"]) for f in findings}
    assert codes == {("nftables-denies-ike", "error"), ("nftables-denies-ike", "warning")}
    assert all(f["loc"].endswith("site2/nftables.conf:8:49") for f in findings)
    assert "ip saddr 198.51.100.1 udp dport { 500, 4500 } accept" in findings[0]["hint"]
    good = runner.invoke(main, ["lint", str(MODELS / "mixed-fixed")])
    assert good.exit_code == 0, good.stdout


def test_lint_reads_a_folder_of_strongswan_hosts_only(tmp_path: Path) -> None:
    _host(tmp_path, "east", _conn("192.0.2.1", "192.0.2.2"))
    _host(tmp_path, "west", _conn("192.0.2.2", "192.0.2.1"))
    result = CliRunner().invoke(main, ["lint", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert "0 error(s)" in result.stdout


def test_fix_says_why_it_proposes_nothing_for_an_nftables_drop() -> None:
    result = CliRunner().invoke(main, ["fix", str(MIXED), "--property", "one-sided"])
    assert result.exit_code == 1  # violated, and no fix that passes
    assert "ipsecmc fix writes FortiOS CLI only" in result.stdout


def test_hard_lifetimes_shorter_than_a_rekey_give_up_are_reported(tmp_path: Path) -> None:
    short = " over_time = 60s\n"
    _host(tmp_path, "east", _conn("192.0.2.1", "192.0.2.2", short))
    _host(tmp_path, "west", _conn("192.0.2.2", "192.0.2.1"))
    warnings = load_scenario([tmp_path]).warnings
    assert any("east/swanctl.conf:3:2: connection 'c': over_time 60 s" in w for w in warnings)
    assert not any("west" in w for w in warnings)


def test_parse_prints_what_was_read_from_a_host_and_what_was_skipped() -> None:
    runner = CliRunner()
    text = runner.invoke(main, ["parse", str(MIXED / "site2"), "--verbose"])
    assert text.exit_code == 0
    assert "retransmits at 4, 11, 24, 47, 89 s, given up at 165 s" in text.stdout
    assert "secrets: 1" in text.stdout and "chain hook output type filter: 1" in text.stdout
    doc = runner.invoke(main, ["parse", str(MIXED / "site1.conf"), str(MIXED / "site2")])
    assert doc.exit_code == 0
    data = json.loads(
        runner.invoke(main, ["parse", str(MIXED / "site2"), "--format", "json"]).stdout
    )
    (host,) = data["hosts"]
    assert host["connections"][0]["children"][0]["start_action"] == ["start", "trap"]
    assert host["skipped_sections"]["secrets"] == 1
    for out in (text.stdout, json.dumps(data)):
        assert PSK not in out


def test_ikev1_dpd_timeout_is_probes_dpd_delay_apart(tmp_path: Path) -> None:
    v1 = " version = 1\n dpd_delay = 30s\n dpd_timeout = 150s\n"
    _host(tmp_path, "east", _conn("192.0.2.1", "192.0.2.2", v1))
    _host(tmp_path, "west", _conn("192.0.2.2", "192.0.2.1", " version = 1\n dpd_delay = 20s\n"))
    (t,) = load_scenario([tmp_path]).tunnels
    east, west = build(t).params.ends
    assert (east.ike_version, east.dpd, east.dpd_retryinterval) == (1, DpdMode.ON_IDLE, 30)
    assert east.dpd_probes == 5 and not east.behaviour.dpd_is_request
    assert east.behaviour.inbound_clears_dpd  # IKEv1 R_U_THERE: any packet is proof of life
    assert east.behaviour.ike_rekey_drops_ipsec  # IKEv1 rekeys by reauthentication
    # without dpd_timeout, IKEv1 DPD uses the retransmission schedule (swanctl.conf(5))
    assert west.behaviour.dpd_is_request and west.dpd_detection_seconds == 165
