"""What engineers paste (prompt lines, capitals, a missing 'end') and inputs too deep to recurse.

The reader repairs pasted terminal output and says what it repaired (``Document.repairs``,
``GatewayConfig.notes``); nesting depth and group-chain length are bounded only by memory.
"""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path

import pytest

from ipsecmc.errors import ConfigError
from ipsecmc.fortios.localin import UDP, evaluate
from ipsecmc.fortios.parser import parse, walk_blocks
from ipsecmc.fortios.resolver import read_text
from ipsecmc.fortios.writer import write
from tests.conftest import MODELS

SITE2 = (MODELS / "seed-fixed" / "site2.conf").read_text()


def test_prompt_lines_and_pager_marks_are_read_past_and_reported() -> None:
    text = (
        "FGT-A (root) # show vpn ipsec phase1-interface\n"
        "#config-version=FGT60F-7.2.5-FW-build1517-230606:opmode=0:vdom=0\n"
        "config vpn ipsec phase1-interface\n"
        '    edit "t1"\n'
        '        set interface "port1"\n'
        "        set remote-gw 192.0.2.1\n"
        "    next\n"
        "end\n"
        "--More--\n"
        "FGT # show system global\n"
        "FGT#\n"
    )
    doc = parse(text, "p.conf")
    assert dict(doc.header)["config-version"].startswith("FGT60F-7.2.5")
    assert [n.loc.line for n in doc.repairs if n.loc] == [1, 9, 10, 11]
    assert "CLI prompt line 'FGT-A (root) # show vpn ipsec phase1-interface'" in str(doc.repairs[0])
    (gw,) = read_text(text, "p.conf")
    assert gw.phase1s[0].remote_gw == IPv4Address("192.0.2.1")
    assert any("p.conf:1:1: read past a CLI prompt line" in str(n) for n in gw.notes)


def test_a_set_line_is_never_taken_for_a_prompt() -> None:
    doc = parse('config a\n set comments "FGT # x"\n set x # y\nend\n', "c.conf")
    assert doc.repairs == ()
    (blk,) = doc.blocks
    assert blk.setting("x") is not None and blk.setting("x").texts == ("#", "y")  # type: ignore[union-attr]


def test_capitalised_keywords_are_lower_cased_names_and_values_are_not() -> None:
    text = (
        "CONFIG VPN IPSEC PHASE1-INTERFACE\n"
        '    Edit "Hub-A"\n'
        '        Set Interface "Port1"\n'
        "        SET remote-gw 192.0.2.1\n"
        "    Next\n"
        "End\n"
    )
    doc = parse(text, "c.conf")
    (blk,) = doc.blocks
    assert blk.path == ("vpn", "ipsec", "phase1-interface")
    entry = blk.entry("Hub-A")
    assert entry is not None
    iface = entry.setting("interface")
    assert iface is not None and iface.texts == ("Port1",)
    notes = [str(n) for n in doc.repairs]
    assert notes == [
        "c.conf:1:1: read capitalised command word 'CONFIG' as 'config' (and 5 more): "
        "FortiOS writes keywords in lower case",
        "c.conf:1:8: read capitalised section name 'VPN' as 'vpn' (and 2 more): "
        "FortiOS writes keywords in lower case",
        "c.conf:3:13: read capitalised field name 'Interface' as 'interface': "
        "FortiOS writes keywords in lower case",
    ]


def test_missing_end_at_end_of_file_is_closed_and_reported() -> None:
    text = (
        "config vdom\n"
        "edit root\n"
        "config vpn ipsec phase1-interface\n"
        '    edit "t1"\n'
        '        set interface "port1"\n'
        "        set remote-gw 192.0.2.1\n"
    )
    doc = parse(text, "v.conf")
    (note,) = doc.repairs
    assert str(note) == (
        "v.conf:7:1: file ends inside 'edit t1' opened at v.conf:4:5: read as if closed by "
        "4 missing line(s) (next end next end), outermost 'config vdom'"
    )
    (gw,) = read_text(text, "v.conf")
    assert gw.vdom == "root" and gw.phase1s[0].name == "t1"


def test_an_unterminated_quote_is_still_an_error() -> None:
    with pytest.raises(ConfigError, match="unterminated"):
        parse('config a\n set x "open\n', "q.conf")


def _nested(depth: int) -> str:
    opens = "".join(f"config s{i}\n set v{i} {i}\n" for i in range(depth))
    return opens + "end\n" * depth


def test_500_deep_config_nesting_parses_walks_and_writes() -> None:
    doc = parse(_nested(500), "deep.conf")
    paths = [p for p, _ in walk_blocks(doc.blocks)]
    assert len(paths) == 500 and paths[-1][-1] == "s499"
    assert parse(write(doc), "deep.conf").repairs == ()
    assert write(parse(write(doc), "deep.conf")) == write(doc)
    (gw,) = read_text(_nested(500), "deep.conf")
    assert gw.skipped_sections == (("s0", 500),)


def test_clone_of_a_deep_entry_copies_every_level() -> None:
    inner = _nested(300)
    text = f"config t\n edit a\n{inner} next\n clone a to b\nend\n"
    doc = parse(text, "clone.conf")
    (blk,) = doc.blocks
    a, b = blk.entry("a"), blk.entry("b")
    assert a is not None and b is not None
    walked_a = [(p, x.settings[0].texts) for p, x in walk_blocks(a.blocks)]
    walked_b = [(p, x.settings[0].texts) for p, x in walk_blocks(b.blocks)]
    assert len(walked_b) == 300 and walked_b == walked_a and b.key.text == "b"


def _group_chain(n: int, last: str) -> str:
    lines = ["config firewall addrgrp"]
    for i in range(n):
        member = f"g{i + 1}" if i < n - 1 else last
        lines += [f'    edit "g{i}"', f'        set member "{member}"', "    next"]
    return "\n".join([*lines, "end", ""])


def test_2000_deep_address_group_chain_is_resolved_without_recursion() -> None:
    text = SITE2 + _group_chain(2000, "site1_peer")
    text = text.replace('set srcaddr "site1_peer"', 'set srcaddr "g0"')
    (gw,) = read_text(text, "chain.conf")
    site1, site2 = IPv4Address("10.56.240.208"), IPv4Address("10.56.240.221")
    accepted = evaluate(gw, "port1", site1, site2, UDP, 500, 500)
    assert accepted.certain and accepted.policy is not None and accepted.policy.policyid == 3
    other = evaluate(gw, "port1", IPv4Address("192.0.2.9"), site2, UDP, 500, 500)
    assert other.policy is not None and other.policy.policyid == 2


def test_group_cycle_is_a_clean_error_at_the_group() -> None:
    text = SITE2 + _group_chain(3, "g0")
    with pytest.raises(ConfigError) as exc:
        read_text(text, "cyc.conf")
    line = SITE2.count("\n") + 2
    assert str(exc.value) == (
        f"cyc.conf:{line}:5: address group 'g0' contains itself ('g0' -> 'g1' -> 'g2' -> "
        "'g0'); FortiOS does not allow a group loop: remove one of these members"
    )


def test_long_group_cycle_is_found_without_recursion() -> None:
    with pytest.raises(ConfigError, match="contains itself"):
        read_text(SITE2 + _group_chain(3000, "g0"), "cyc.conf")


def test_service_group_cycle_is_refused() -> None:
    text = SITE2 + (
        "config firewall service group\n"
        '    edit "S1"\n        set member "S2"\n    next\n'
        '    edit "S2"\n        set member "IKE" "S1"\n    next\nend\n'
    )
    with pytest.raises(ConfigError, match="service group 'S1' contains itself"):
        read_text(text, "svc.conf")


def test_cli_deep_inputs_exit_cleanly(tmp_path: Path) -> None:
    from tests.test_cli import run

    deep = tmp_path / "deep.conf"
    deep.write_text(_nested(500))
    code, out, err = run("parse", str(deep))
    assert code == 0 and "gateway deep" in out
    cyc = tmp_path / "cyc.conf"
    cyc.write_text(SITE2 + _group_chain(2000, "g0"))
    code, out, err = run("parse", str(cyc))
    assert code == 2 and err.count("\n") == 1 and "contains itself" in err


def test_mixed_case_option_names_fortios_prints_are_kept() -> None:
    text = (
        'config system interface\n    edit "port1"\n        set secondary-IP enable\n'
        "        config secondaryip\n            edit 1\n"
        "                set ip 203.0.113.7 255.255.255.0\n            next\n        end\n"
        "    next\nend\n"
    )
    doc = parse(text, "i.conf")
    assert doc.repairs == ()
    (gw,) = read_text(text, "i.conf")
    assert gw.interfaces[0].addresses == (IPv4Address("203.0.113.7"),)
    assert all("secondary" not in name for name, _ in gw.ignored_fields)
