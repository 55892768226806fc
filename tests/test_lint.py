from __future__ import annotations

from ipsecmc.findings import Finding
from ipsecmc.fortios.lint import lint_gateways, lint_paths
from ipsecmc.fortios.resolver import read_text
from tests.conftest import MODELS


def codes(fs: tuple[Finding, ...]) -> list[str]:
    return [f.code for f in fs]


def line_of(path: str, needle: str, after: str | None = None) -> int:
    lines = (MODELS / path).read_text().splitlines()
    start = lines.index(after) if after else 0
    return next(i for i, line in enumerate(lines[start:], start + 1) if line == needle)


def test_seed_intended_error_points_at_site2_policy2() -> None:
    fs = lint_paths([MODELS / "seed-intended"])
    (f,) = fs
    assert (f.severity, f.code) == ("error", "localin-denies-ike")
    assert f.loc is not None and f.loc.file.endswith("seed-intended/site2.conf")
    assert f.loc.line == line_of(
        "seed-intended/site2.conf", "    edit 2", "config firewall local-in-policy"
    )
    assert "udp/500" in f.message and "10.56.240.208" in f.message
    assert "IKE" in f.hint


def test_seed_literal_warns_about_port2() -> None:
    (f,) = lint_paths([MODELS / "seed-literal"])
    assert (f.severity, f.code) == ("warning", "localin-intf-mismatch")
    assert f.loc is not None and f.loc.line == line_of(
        "seed-literal/site2.conf", '        set intf "port2"'
    )


def test_seed_fixed_and_backup() -> None:
    assert lint_paths([MODELS / "seed-fixed"]) == ()
    assert codes(lint_paths([MODELS / "seed-backup"])) == ["localin-denies-ike"]


P1 = (
    "config vpn ipsec phase1-interface\n edit {n}\n  set interface port1\n"
    "  set remote-gw {r}\n{x} next\nend\n"
)


def pair_lint(x1: str = "", x2: str = "", extra2: str = "") -> tuple[Finding, ...]:
    a = read_text(P1.format(n="a", r="10.0.0.2", x=x1), "a.conf", allow_undefined=True)
    b = read_text(P1.format(n="b", r="10.0.0.1", x=x2) + extra2, "b.conf", allow_undefined=True)
    return lint_gateways(a + b)


def test_proposal_dhgrp_and_ike_version_mismatches() -> None:
    fs = pair_lint(
        "  set proposal aes256-sha256\n  set ike-version 2\n  set dhgrp 19\n",
        "  set proposal aes128-sha1\n",
    )
    assert {"no-common-proposal", "no-common-dhgrp", "ike-version-mismatch"} <= set(codes(fs))
    assert all(
        f.severity == "error" for f in fs if f.code != "address-inferred" and f.code != "no-phase2"
    )


def test_phase2_proposal_mismatch_and_missing_phase2() -> None:
    p2 = (
        "config vpn ipsec phase2-interface\n edit {n}\n  set phase1name {n}\n"
        "  set proposal {p}\n next\nend\n"
    )
    a = read_text(
        P1.format(n="a", r="10.0.0.2", x="") + p2.format(n="a", p="aes128-sha1"), "a.conf"
    )
    b = read_text(P1.format(n="b", r="10.0.0.1", x="") + p2.format(n="b", p="aes256gcm"), "b.conf")
    assert "no-common-p2-proposal" in codes(lint_gateways(a + b))
    assert "no-phase2" in codes(pair_lint())


def test_uncertain_policy_gives_warning_not_error() -> None:
    lip = (
        "config firewall address\n edit p\n  set type fqdn\n  set fqdn peer.example\n next\nend\n"
        "config firewall local-in-policy\n edit 4\n  set intf any\n  set srcaddr p\n"
        "  set dstaddr all\n  set service ALL\n next\nend\n"
    )
    fs = pair_lint(extra2=lip)
    (f,) = [f for f in fs if f.code.startswith("localin")]
    assert (f.severity, f.code) == ("warning", "localin-may-deny-ike")
    assert "FQDN" in f.message


def test_undefined_references_are_findings_in_lint() -> None:
    lip = (
        "config firewall local-in-policy\n edit 1\n  set intf any\n  set srcaddr ghost\n"
        "  set dstaddr all\n  set service NOPE\n  set action accept\n next\nend\n"
    )
    fs = pair_lint(extra2=lip)
    refs = [f for f in fs if f.code == "undefined-reference"]
    assert [f.message for f in refs] == [
        "local-in policy 1 refers to undefined address 'ghost'",
        "local-in policy 1 refers to undefined service 'NOPE'",
    ]
    assert all(f.severity == "error" and f.loc is not None for f in refs)


def test_inference_is_reported_as_info() -> None:
    fs = pair_lint()
    assert [f.severity for f in fs if f.code == "address-inferred"] == ["info", "info"]


def test_finding_text_format() -> None:
    (f,) = lint_paths([MODELS / "seed-intended"])
    text = str(f)
    assert text.startswith(f"{f.loc}: error: site2: local-in policy 2 denies")
    assert text.endswith(f"({f.hint})")
