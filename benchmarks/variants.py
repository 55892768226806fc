"""Timer variants of a models/ scenario, for the scaling benchmarks.

A variant is a copy of a scenario folder whose config files end with FortiOS CLI blocks
that set the UDP session TTL (``system global`` ``udp-idle-timer``), the DPD interval
(``dpd-retryinterval``) and the keylives (phase1 ``keylife``, phase2 ``keylifeseconds``).
Appending ``config ... end`` blocks is how FortiOS itself applies a CLI change to a
running config (a later ``edit`` of an existing entry changes it), so the variant is read
by the same reader as the original, with real values and no shortcuts in the model.

"Keylife off" has no config value: it is the ``--no-rekey`` what-if of ``ipsecmc check``,
which :func:`check_args` adds.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ipsecmc.fortios.resolver import read_gateways

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class TimerVariant:
    """One cell of the timer grid: UDP session TTL, DPD interval, phase2 keylife (None: off)."""

    session_ttl: int = 180
    dpd_interval: int = 20
    keylife: int | None = 43200

    @property
    def label(self) -> str:
        life = "off" if self.keylife is None else str(self.keylife)
        return f"ttl{self.session_ttl}-dpd{self.dpd_interval}-life{life}"


def _patch(phase1_names: list[str], variant: TimerVariant) -> str:
    lines = ["config system global", f"    set udp-idle-timer {variant.session_ttl}", "end"]
    lines.append("config vpn ipsec phase1-interface")
    for name in phase1_names:
        lines += [f'    edit "{name}"', f"        set dpd-retryinterval {variant.dpd_interval}"]
        if variant.keylife is not None:
            lines.append(f"        set keylife {max(variant.keylife * 2, 120)}")
        lines.append("    next")
    lines.append("end")
    if variant.keylife is not None:
        lines.append("config vpn ipsec phase2-interface")
        for name in phase1_names:
            life = f"        set keylifeseconds {variant.keylife}"
            lines += [f'    edit "{name}"', life, "    next"]
        lines.append("end")
    return "\n".join(lines) + "\n"


def write_variant(model: str | Path, dest: str | Path, variant: TimerVariant) -> Path:
    """Copy scenario folder ``model`` to ``dest`` with ``variant``'s timers; return ``dest``.

    Phase2 entries are assumed to be named like their phase1 (the FortiOS wizard's layout,
    true of every models/ scenario). Phase1 keylife is set to twice the phase2 keylife, the
    ratio of the FortiOS defaults (86400 / 43200).
    """
    src, out = Path(model), Path(dest)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(src, out)
    for conf in sorted(out.glob("*.conf")):
        names = [p1.name for gw in read_gateways(conf) for p1 in gw.phase1s]
        with conf.open("a", encoding="utf-8") as fh:
            fh.write(_patch(names, variant))
    return out


def check_args(variant: TimerVariant) -> list[str]:
    """Extra ``ipsecmc check`` arguments the variant needs (``--no-rekey`` for keylife off)."""
    return ["--no-rekey"] if variant.keylife is None else []


GRID: tuple[TimerVariant, ...] = tuple(
    TimerVariant(ttl, dpd, life)
    for ttl in (180, 600, 3600)
    for dpd in (20, 60)
    for life in (None, 43200)
)
"""The scaling grid of issue 5: session TTL x DPD interval x keylife."""
