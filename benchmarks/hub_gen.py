"""Generate a hub-and-spoke scenario: one hub FortiGate and N spoke FortiGates.

The hub has one static ``phase1-interface``/``phase2-interface`` pair per spoke (remote-gw =
the spoke's WAN address) and each spoke has one pair back to the hub, in the FortiOS CLI
syntax of a real backup (like ``models/seed-*/site*.conf``: ``system global``, interfaces,
address objects, the VPN, firewall policies, static routes). A chosen subset of spokes is
*blocked*: its ``local-in-policy`` ends in a deny-all on the WAN port, which drops IKE from
the hub (the seed bug of Fortinet KB 294094). The hub then sends alone (``scenario.toml``
traffic ``both:200,end_a-to-end_b``; the hub is end ``a`` because ``hub`` sorts first).

Spokes also differ in timers (real values only: DPD retry interval 20 or 30 s, phase2
keylife 43200 or 28800 s), so that a fleet has several classes of identical spokes, as
real fleets do; each spoke's class and the blocked set follow from ``seed`` alone.

Expected verdicts: a blocked spoke's tunnel violates ``agreement`` (the seed bug) and every
other property holds; an open spoke's tunnel satisfies every property.

Run ``python benchmarks/hub_gen.py DEST --spokes 100 --blocked 10 --seed 1``.
"""

from __future__ import annotations

import argparse
import base64
import random
from dataclasses import dataclass
from pathlib import Path

HUB_WAN = "198.51.100.1"
HUB_LAN = "10.0.0"  # the hub's LAN is 10.0.0.0/24
TRAFFIC = "both:200,end_a-to-end_b"

#: (DPD retry interval, phase2 keylife) per spoke class; all real FortiOS values.
TIMER_CLASSES: tuple[tuple[int, int], ...] = ((20, 43200), (30, 43200), (20, 28800))


@dataclass(frozen=True)
class Spoke:
    """One generated spoke: its hostname, WAN address, timer class and whether it is blocked."""

    index: int
    hostname: str
    wan: str
    lan: str  # a /24 prefix like "10.1.4"
    dpd_interval: int
    keylife: int
    blocked: bool

    @property
    def hub_phase1(self) -> str:
        """The hub's phase1 name for this spoke (15 characters at most, as FortiOS wants)."""
        return f"to-sp{self.index:04d}"

    @property
    def tunnel(self) -> str:
        """The name ``ipsecmc check`` gives this spoke's tunnel."""
        return f"hub/{self.hub_phase1}<->{self.hostname}/to-hub"


@dataclass(frozen=True)
class Hub:
    """What :func:`generate` wrote: the folder and the spokes (in index order)."""

    path: Path
    spokes: tuple[Spoke, ...]

    @property
    def blocked(self) -> tuple[Spoke, ...]:
        return tuple(s for s in self.spokes if s.blocked)


def plan_spokes(
    n: int,
    blocked: int,
    seed: int,
    timer_classes: tuple[tuple[int, int], ...] = TIMER_CLASSES,
) -> tuple[Spoke, ...]:
    """Spoke addresses, timer classes and the blocked subset, deterministic from ``seed``."""
    if not 0 <= blocked <= n:
        raise ValueError(f"cannot block {blocked} of {n} spokes")
    rng = random.Random(seed)
    blocked_set = set(rng.sample(range(1, n + 1), blocked))
    spokes = []
    for i in range(1, n + 1):
        dpd, life = timer_classes[rng.randrange(len(timer_classes))]
        third, fourth = divmod(i, 250)
        spokes.append(
            Spoke(
                index=i,
                hostname=f"spoke-{i:04d}",
                wan=f"203.0.{113 + third}.{fourth + 1}",
                lan=f"10.{1 + i // 256}.{i % 256}",
                dpd_interval=dpd,
                keylife=life,
                blocked=i in blocked_set,
            )
        )
    return tuple(spokes)


def _header(hostname: str) -> list[str]:
    return [
        "#config-version=FGVM64-7.2.5-FW-build1517-230606:opmode=0:vdom=0:user=admin",
        "#buildno=1517",
        "#global_vdom=1",
        "config system global",
        '    set alias "FortiGate-VM64"',
        f'    set hostname "{hostname}"',
        "    set timezone 04",
        "end",
    ]


def _interfaces(wan: str, lan: str, tunnels: list[str]) -> list[str]:
    out = ["config system interface"]
    for name, ip, role in (("port1", wan, "wan"), ("port2", f"{lan}.1", "lan")):
        out += [
            f'    edit "{name}"',
            '        set vdom "root"',
            f"        set ip {ip} 255.255.255.0",
            "        set allowaccess ping https ssh",
            "        set type physical",
            f"        set role {role}",
            "    next",
        ]
    for t in tunnels:
        out += [
            f'    edit "{t}"',
            '        set vdom "root"',
            "        set type tunnel",
            '        set interface "port1"',
            "    next",
        ]
    return [*out, "end"]


def _addresses(entries: list[tuple[str, str]]) -> list[str]:
    out = ["config firewall address"]
    for name, prefix in entries:
        out += [
            f'    edit "{name}"',
            "        set allow-routing enable",
            f"        set subnet {prefix}.0 255.255.255.0",
            "    next",
        ]
    return [*out, "end"]


def _phase1(name: str, remote: str, spoke: Spoke) -> list[str]:
    return [
        f'    edit "{name}"',
        '        set interface "port1"',
        "        set peertype any",
        "        set net-device disable",
        "        set proposal aes128-sha256 aes256-sha256",
        f"        set dpd-retryinterval {spoke.dpd_interval}",
        f"        set remote-gw {remote}",
        f"        set psksecret ENC {_fake_secret(spoke.index)}",
        "    next",
    ]


def _phase2(name: str, src: str, dst: str, spoke: Spoke) -> list[str]:
    return [
        f'    edit "{name}"',
        f'        set phase1name "{name}"',
        "        set proposal aes128-sha256 aes256-sha256 aes128gcm aes256gcm",
        f"        set keylifeseconds {spoke.keylife}",
        "        set src-addr-type name",
        "        set dst-addr-type name",
        f'        set src-name "{src}"',
        f'        set dst-name "{dst}"',
        "    next",
    ]


def _fake_secret(i: int) -> str:
    """A made-up ``ENC`` blob (base64 of a fixed phrase): never a real secret."""
    return base64.b64encode(f"fake-encrypted-psk-{i:04d}-do-not-use".encode()).decode()


def _policies(pairs: list[tuple[str, str, str]]) -> list[str]:
    """Allow LAN -> tunnel and tunnel -> LAN for each (tunnel, local, remote) triple."""
    out = ["config firewall policy"]
    pid = 0
    for tunnel, local, remote in pairs:
        for src, dst, sa, da in (
            ("port2", tunnel, local, remote),
            (tunnel, "port2", remote, local),
        ):
            pid += 1
            out += [
                f"    edit {pid}",
                f'        set srcintf "{src}"',
                f'        set dstintf "{dst}"',
                "        set action accept",
                f'        set srcaddr "{sa}"',
                f'        set dstaddr "{da}"',
                '        set schedule "always"',
                '        set service "ALL"',
                "    next",
            ]
    return [*out, "end"]


def _routes(wan: str, dests: list[tuple[str, str]]) -> list[str]:
    gateway = wan.rsplit(".", 1)[0] + ".254"
    out = [
        "config router static",
        "    edit 1",
        f"        set gateway {gateway}",
        '        set device "port1"',
        "    next",
    ]
    for k, (prefix, device) in enumerate(dests, start=2):
        out += [
            f"    edit {k}",
            f"        set dst {prefix}.0 255.255.255.0",
            f'        set device "{device}"',
            "    next",
        ]
    return [*out, "end"]


#: The seed bug: management from the offices only, then a deny-all that also drops IKE.
LOCAL_IN_DENY = [
    "config firewall address",
    '    edit "mgmt-office"',
    "        set subnet 172.16.10.0 255.255.255.0",
    "    next",
    "end",
    "config firewall local-in-policy",
    "    edit 1",
    '        set intf "port1"',
    '        set srcaddr "mgmt-office"',
    '        set dstaddr "all"',
    "        set action accept",
    '        set service "HTTPS"',
    '        set schedule "always"',
    "    next",
    "    edit 2",
    '        set intf "port1"',
    '        set srcaddr "all"',
    '        set dstaddr "all"',
    '        set service "ALL"',
    '        set schedule "always"',
    '        set comments "implicit deny"',
    "    next",
    "end",
]


def hub_config(spokes: tuple[Spoke, ...]) -> str:
    """The hub's config: one phase1/phase2 per spoke, addresses, policies, routes."""
    names = [s.hub_phase1 for s in spokes]
    lines = _header("hub") + _interfaces(HUB_WAN, HUB_LAN, names)
    lines += _addresses(
        [("hub_lan", HUB_LAN)] + [(f"{s.hub_phase1}_remote", s.lan) for s in spokes]
    )
    lines.append("config vpn ipsec phase1-interface")
    for s in spokes:
        lines += _phase1(s.hub_phase1, s.wan, s)
    lines += ["end", "config vpn ipsec phase2-interface"]
    for s in spokes:
        lines += _phase2(s.hub_phase1, "hub_lan", f"{s.hub_phase1}_remote", s)
    lines.append("end")
    lines += _policies([(s.hub_phase1, "hub_lan", f"{s.hub_phase1}_remote") for s in spokes])
    lines += _routes(HUB_WAN, [(s.lan, s.hub_phase1) for s in spokes])
    return "\n".join(lines) + "\n"


def spoke_config(spoke: Spoke) -> str:
    """A spoke's config: one tunnel to the hub; a blocked spoke adds the local-in deny."""
    lines = _header(spoke.hostname) + _interfaces(spoke.wan, spoke.lan, ["to-hub"])
    lines += _addresses([("spoke_lan", spoke.lan), ("hub_lan", HUB_LAN)])
    if spoke.blocked:
        lines += LOCAL_IN_DENY
    lines += ["config vpn ipsec phase1-interface", *_phase1("to-hub", HUB_WAN, spoke), "end"]
    lines += [
        "config vpn ipsec phase2-interface",
        *_phase2("to-hub", "spoke_lan", "hub_lan", spoke),
        "end",
    ]
    lines += _policies([("to-hub", "spoke_lan", "hub_lan")])
    lines += _routes(spoke.wan, [(HUB_LAN, "to-hub")])
    return "\n".join(lines) + "\n"


def scenario_toml(n: int, blocked: int, seed: int) -> str:
    return (
        f'description = "generated hub with {n} spokes, {blocked} blocked by local-in '
        f'(seed {seed})"\n'
        "# Two-way traffic first, then only the hub sends (the seed article's pattern).\n"
        f'traffic = "{TRAFFIC}"\n'
    )


def generate(
    dest: str | Path,
    n: int,
    blocked: int | None = None,
    seed: int = 1,
    timer_classes: tuple[tuple[int, int], ...] = TIMER_CLASSES,
) -> Hub:
    """Write ``hub.conf``, ``spoke-NNNN.conf`` and ``scenario.toml`` into ``dest``.

    ``blocked`` defaults to one spoke in ten (at least one when ``n > 0``);
    ``timer_classes`` are the (DPD interval, phase2 keylife) pairs spokes draw from.
    """
    if blocked is None:
        blocked = max(1, n // 10) if n else 0
    path = Path(dest)
    path.mkdir(parents=True, exist_ok=True)
    spokes = plan_spokes(n, blocked, seed, timer_classes)
    (path / "hub.conf").write_text(hub_config(spokes))
    for s in spokes:
        (path / f"{s.hostname}.conf").write_text(spoke_config(s))
    (path / "scenario.toml").write_text(scenario_toml(n, blocked, seed))
    return Hub(path, spokes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", help="folder to write (created if missing)")
    parser.add_argument("--spokes", type=int, default=10)
    parser.add_argument("--blocked", type=int, default=None, help="default: one in ten")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    hub = generate(args.dest, args.spokes, args.blocked, args.seed)
    print(
        f"{hub.path}: hub + {len(hub.spokes)} spokes, blocked: "
        + (", ".join(s.hostname for s in hub.blocked) or "none")
    )


if __name__ == "__main__":
    main()
