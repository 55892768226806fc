"""The strongSwan settings reader and the typed swanctl.conf / strongswan.conf."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipsecmc.errors import ConfigError
from ipsecmc.safe_text import redact, secret_scope
from ipsecmc.strongswan.settings import read_file, read_text
from ipsecmc.strongswan.swanctl import Retransmission, read_swanctl

CONN = """
connections {
    base {
        version = 1
        dpd_delay = 30s
    }
    site1 : base {   # inherits version and dpd_delay
        version = 2
        local_addrs = 203.0.113.2
        remote_addrs = 198.51.100.1, 198.51.100.9
        rekey_time = 2h
        proposals = aes256-sha256-modp2048
        children {
            net {
                start_action = trap|start
                dpd_action = restart
                close_action = start
                rekey_time = 30m
                esp_proposals = aes256-sha256
            }
        }
    }
}
secrets {
    ike-1 { id = 198.51.100.1
        secret = "s3cr3t-value-xyz" }
}
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_sections_settings_templates_and_defaults(tmp_path: Path) -> None:
    config = read_swanctl(_write(tmp_path, "swanctl.conf", CONN), None)
    site1 = next(c for c in config.connections if c.name == "site1")
    assert site1.version == 2
    assert site1.dpd_delay == 30  # from the template
    assert site1.rekey_time == 7200 and site1.reauth_time == 0
    assert [str(a) for a in site1.local_ips] == ["203.0.113.2"]
    assert str(site1.remote_ip) == "198.51.100.1"  # the first single address
    (net,) = site1.children
    assert net.start_action == frozenset({"trap", "start"})
    assert (net.dpd_action, net.close_action, net.rekey_time) == ("restart", "start", 1800)
    assert site1.where("rekey_time").line == 11
    base = next(c for c in config.connections if c.name == "base")
    assert base.version == 1 and base.dpd_timeout == 0
    # skipped, counted: proposals, esp_proposals, the secrets section
    skipped = dict(config.skipped)
    assert skipped["secrets"] == 1
    assert skipped["connections.site1.proposals"] == 1
    assert skipped["connections.site1.children.net.esp_proposals"] == 1


def test_defaults_and_rekey_off_with_reauth(tmp_path: Path) -> None:
    text = "connections { c { reauth_time = 1h\n children { n { } } } }\n"
    (conn,) = read_swanctl(_write(tmp_path, "swanctl.conf", text), None).connections
    assert conn.version == 2  # swanctl's 0 initiates IKEv2
    assert conn.local_addrs == ("%any",) and conn.remote_ip is None
    assert (conn.rekey_time, conn.reauth_time) == (0, 3600)  # reauth_time disables rekey
    (child,) = conn.children
    assert child.start_action == frozenset() and child.dpd_action == "clear"
    assert child.rekey_time == 3600


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("connections {\n c {\n", "swanctl.conf:3:1", "expected '}' to close the section"),
        ("connections { }\n}\n", "swanctl.conf:2:1", "'}' closes no section"),
        ('connections { c { id = "abc\n', "swanctl.conf:1:24", "unterminated quoted value"),
        ("connections { c x }", "swanctl.conf:1:17", "expected '=', '{' or ':' after 'c'"),
        (
            "connections { c { dpd_delay = soon\n children { n {} } } }",
            "swanctl.conf:1:19",
            "dpd_delay: expected a time",
        ),
        (
            "connections { c { children { n { start_action = go } } } }",
            "swanctl.conf:1:34",
            "start_action: expected none, trap, start",
        ),
        (
            "connections { c { version = 3\n children { n {} } } }",
            "swanctl.conf:1:19",
            "version: expected 0, 1 or 2",
        ),
        ("connections { c : nope { } }", "swanctl.conf:1:15", "inherits from 'nope'"),
        ("include missing.conf\n", "swanctl.conf:1:1", "included file 'missing.conf' does not"),
        ("pools { p { addrs = 10.0.0.0/24 } }\n", "swanctl.conf:1:1", "no connections"),
    ],
)
def test_errors_name_file_line_column(tmp_path: Path, text: str, where: str, what: str) -> None:
    with pytest.raises(ConfigError) as info:
        read_swanctl(_write(tmp_path, "swanctl.conf", text), None)
    assert str(info.value).startswith(f"{tmp_path}/{where}: "), str(info.value)
    assert what in str(info.value)


def test_includes_are_read_relative_to_the_file_and_globs_may_match_nothing(
    tmp_path: Path,
) -> None:
    _write(tmp_path, "conf.d/a.conf", "connections { a { children { n { } } } }\n")
    _write(tmp_path, "conf.d/b.conf", "connections { b { children { n { } } } }\n")
    main = _write(tmp_path, "swanctl.conf", "include conf.d/*.conf\ninclude none.d/*.conf\n")
    config = read_swanctl(main, None)
    assert [c.name for c in config.connections] == ["a", "b"]
    assert config.connections[1].loc.file.endswith("conf.d/b.conf")


def test_an_include_loop_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "swanctl.conf", "include swanctl.conf\n")
    with pytest.raises(ConfigError, match="nested more than 16 deep"):
        read_file(path)


def test_secrets_are_never_stored_and_redacted_from_messages() -> None:
    with secret_scope():
        tree = read_text(CONN, "swanctl.conf")
        secrets = tree.section("secrets")
        assert secrets is not None
        (entry,) = secrets.subsections()
        assert entry.get("secret") is not None
        assert "s3cr3t" not in repr(tree)
        assert "s3cr3t-value-xyz" not in redact("bad value s3cr3t-value-xyz here")
        # the id beside it is no secret: an address in a message stays readable
        assert redact("peer 198.51.100.1") == "peer 198.51.100.1"


def test_retransmission_schedule_of_strongswan_conf(tmp_path: Path) -> None:
    assert Retransmission().sends() == (0, 4, 11, 24, 47, 89)
    assert Retransmission().giveup() == 165  # domain.md 6.4
    swanctl = _write(tmp_path, "swanctl.conf", "connections { c { children { n { } } } }")
    conf = _write(
        tmp_path,
        "strongswan.conf",
        "charon {\n retransmit_tries = 2\n retransmit_timeout = 2.0\n retransmit_limit = 3\n}\n",
    )
    r = read_swanctl(swanctl, conf).retransmission
    assert (r.sends(), r.giveup()) == ((0, 2, 5), 8)  # waits 2, 3 (capped), 3 (capped)
    bad = _write(tmp_path, "bad.conf", "charon { retransmit_base = fast }\n")
    with pytest.raises(ConfigError, match=r"bad.conf:1:10: retransmit_base: expected a number"):
        read_swanctl(swanctl, bad)
