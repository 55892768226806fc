"""A hub with two spokes: every tunnel is checked; only the blocked spoke's fails."""

from __future__ import annotations

from pathlib import Path

from tests.model.helpers import check

P1 = """    edit "{name}"
        set interface "wan"
        set remote-gw {remote}
        set psksecret ENC c2VjcmV0
    next
"""
P2 = """    edit "{name}"
        set phase1name "{name}"
    next
"""
DENY = """config firewall local-in-policy
    edit 1
        set intf "wan"
        set srcaddr "all"
        set dstaddr "all"
        set service "ALL"
        set schedule "always"
    next
end
"""


def _gateway(name: str, ip: str, tunnels: dict[str, str], deny: bool) -> str:
    p1 = "".join(P1.format(name=t, remote=r) for t, r in tunnels.items())
    p2 = "".join(P2.format(name=t) for t in tunnels)
    return (
        f'config system global\n    set hostname "{name}"\nend\n'
        f'config system interface\n    edit "wan"\n        set ip {ip} 255.255.255.0\n'
        "    next\nend\n" + (DENY if deny else "") + f"config vpn ipsec phase1-interface\n{p1}end\n"
        f"config vpn ipsec phase2-interface\n{p2}end\n"
    )


def test_hub_and_spokes_checked_per_tunnel(tmp_path: Path) -> None:
    (tmp_path / "hub.conf").write_text(
        _gateway("hub", "198.51.100.1", {"to-a": "203.0.113.1", "to-b": "203.0.113.2"}, deny=False)
    )
    (tmp_path / "spoke-a.conf").write_text(
        _gateway("spoke-a", "203.0.113.1", {"hub": "198.51.100.1"}, deny=False)
    )
    (tmp_path / "spoke-b.conf").write_text(
        _gateway("spoke-b", "203.0.113.2", {"hub": "198.51.100.1"}, deny=True)
    )
    report = check([tmp_path], properties=("agreement",), traffic="both:200,end_a-to-end_b")
    verdicts = {r.tunnel.name: r.verdict.value for r in report.results}
    assert verdicts == {
        "hub/to-a<->spoke-a/hub": "HOLDS",
        "hub/to-b<->spoke-b/hub": "VIOLATED",
    }
