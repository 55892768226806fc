from __future__ import annotations

import pytest

from ipsecmc.errors import ConfigError
from ipsecmc.fortios.lexer import REDACTED
from ipsecmc.fortios.parser import Block, Document, parse


def doc(src: str) -> Document:
    return parse(src, "f.conf")


def table(d: Document, *path: str) -> Block:
    b = d.block(*path)
    assert b is not None
    return b


def test_nested_config_edit_set() -> None:
    d = doc(
        "config system interface\n"
        '    edit "port1"\n'
        "        set ip 10.0.0.1 255.255.255.0\n"
        "        config ipv6\n"
        "            set ip6-mode static\n"
        "        end\n"
        "    next\n"
        "end\n"
    )
    port1 = table(d, "system", "interface").entry("port1")
    assert port1 is not None
    ip = port1.setting("ip")
    assert ip is not None and ip.texts == ("10.0.0.1", "255.255.255.0")
    assert ip.loc.line == 3 and ip.loc.column == 9
    assert ip.values[1].loc.column == 25
    assert port1.key.quoted
    ipv6 = port1.block("ipv6")
    assert ipv6 is not None and ipv6.setting("ip6-mode") is not None


def test_set_replaces_append_adds_unset_removes_select_unselect() -> None:
    d = doc(
        "config firewall addrgrp\n edit g\n"
        "  set member a b\n  set member c\n  append member d e\n"
        "  select member e f\n  unselect member c\n"
        "  set comment x\n  unset comment\n next\nend\n"
    )
    g = table(d, "firewall", "addrgrp").entry("g")
    assert g is not None
    member = g.setting("member")
    assert member is not None and member.texts == ("d", "e", "f")
    assert g.setting("comment") is None


def test_reopening_a_block_or_entry_continues_it() -> None:
    d = doc(
        "config firewall address\n edit a\n  set subnet 1.1.1.1/32\n next\nend\n"
        "config firewall address\n edit a\n  set comment c\n next\n edit b\n next\nend\n"
    )
    addr = table(d, "firewall", "address")
    assert [e.key.text for e in addr.entries] == ["a", "b"]
    a = addr.entry("a")
    assert a is not None and a.setting("subnet") is not None and a.setting("comment") is not None


def test_delete_purge_rename_move_clone() -> None:
    base = (
        "config firewall local-in-policy\n edit 1\n next\n"
        " edit 2\n  set x y\n next\n edit 3\n next\n"
    )
    keys = lambda d: [e.key.text for e in table(d, "firewall", "local-in-policy").entries]  # noqa: E731
    assert keys(doc(base + " delete 2\nend\n")) == ["1", "3"]
    assert keys(doc(base + " purge\nend\n")) == []
    assert keys(doc(base + " rename 2 to 9\nend\n")) == ["1", "9", "3"]
    assert keys(doc(base + " move 3 before 1\nend\n")) == ["3", "1", "2"]
    assert keys(doc(base + " move 1 after 3\nend\n")) == ["2", "3", "1"]
    cloned = doc(base + " clone 2 to 7\nend\n")
    assert keys(cloned) == ["1", "2", "3", "7"]
    seven = table(cloned, "firewall", "local-in-policy").entry("7")
    assert seven is not None and seven.setting("x") is not None


def test_vdom_block_closed_by_end_without_next() -> None:
    d = doc(
        "config vdom\nedit root\nnext\nedit dmz\nnext\nend\n"
        "config global\nconfig system global\nset hostname h\nend\nend\n"
        "config vdom\nedit root\nconfig firewall address\nedit a\nnext\nend\nend\n"
        "config vdom\nedit dmz\nconfig router static\nedit 1\nnext\nend\nend\n"
    )
    vdom = table(d, "vdom")
    assert [e.key.text for e in vdom.entries] == ["root", "dmz"]
    root = vdom.entry("root")
    assert root is not None and root.block("firewall", "address") is not None
    glob = table(d, "global")
    assert glob.block("system", "global") is not None


def test_secret_values_never_reach_the_tree() -> None:
    d = doc(
        "config vpn ipsec phase1-interface\n edit p\n  set psksecret ENC abcSECRET==\n next\nend\n"
    )
    p = table(d, "vpn", "ipsec", "phase1-interface").entry("p")
    assert p is not None
    psk = p.setting("psksecret")
    assert psk is not None and psk.texts == ("ENC", REDACTED)
    assert "abcSECRET" not in repr(d)


@pytest.mark.parametrize(
    ("src", "line", "fragment"),
    [
        ("next\n", 1, "'next' without a matching 'edit'"),
        ("config a\nend\nend\n", 3, "'end' without a matching 'config'"),
        ("set x 1\n", 1, "outside any 'config' block"),
        ("edit 1\n", 1, "outside any 'config' block"),
        ("config a\n frobnicate x\nend\n", 2, "expected a command"),
        ("config a\n edit 1 2\n next\nend\n", 2, "expected 'edit <name>'"),
        ("config a\n edit 1\n abort\nend\n", 3, "'abort'"),
        ("config a\n rename 1 to 2\nend\n", 2, "no entry"),
        ("config a\n move 1 above 2\nend\n", 2, "expected 'move <name> before|after <name>'"),
        ("config\nend\n", 1, "no section"),
        ("config a\n unset\nend\n", 2, "expected 'unset <field>'"),
    ],
)
def test_syntax_errors_name_line_expected_and_found(src: str, line: int, fragment: str) -> None:
    with pytest.raises(ConfigError) as exc:
        doc(src)
    assert exc.value.loc is not None and exc.value.loc.line == line
    assert fragment in str(exc.value)
    assert str(exc.value).startswith(f"f.conf:{line}:")


def test_error_redacts_a_secret_in_command_position() -> None:
    src = "config a\n set psksecret ENC zzTOPSECRETzz\n zzTOPSECRETzz\nend\n"
    with pytest.raises(ConfigError) as exc:
        doc(src)
    assert "zzTOPSECRETzz" not in str(exc.value)
    assert REDACTED in str(exc.value)
