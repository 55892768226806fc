"""A strongSwan host: one folder holding its swanctl.conf and what else decides a verdict.

Layout (every file but swanctl.conf optional)::

    site2/
        swanctl.conf        connections (its includes are read too)
        strongswan.conf     charon.retransmit_* (defaults of strongSwan 5.9.8 if absent)
        nftables.conf       the host's ruleset, block syntax (or any one *.nft file)
        sysctl.conf         net.netfilter.nf_conntrack_udp_timeout_stream
        hostname            the name shown in reports (else the folder's name)

Without a ruleset nothing filters IKE (said in the notes). ``swanctl/swanctl.conf`` is
accepted in place of ``swanctl.conf`` (a copied /etc tree).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from ipsecmc.errors import ConfigError, SourceLoc
from ipsecmc.fortios.config import ReadNote
from ipsecmc.linux.nftables import Ruleset, read_ruleset
from ipsecmc.linux.sysctl import ConntrackTimeout, read_conntrack
from ipsecmc.strongswan.swanctl import Connection, SwanctlConfig, read_swanctl

IPv4Address = ipaddress.IPv4Address


@dataclass(frozen=True)
class SwanHost:
    """Everything read from one strongSwan host's folder."""

    path: str
    hostname: str
    swanctl: SwanctlConfig
    ruleset: Ruleset | None
    conntrack: ConntrackTimeout
    notes: tuple[ReadNote, ...] = ()

    @property
    def connections(self) -> tuple[Connection, ...]:
        return self.swanctl.connections

    @property
    def skipped_sections(self) -> tuple[tuple[str, int], ...]:
        return self.swanctl.skipped + (self.ruleset.skipped if self.ruleset else ())


@dataclass(frozen=True)
class SwanEnd:
    """A strongSwan host's side of a tunnel: one connection and the address it uses."""

    host: SwanHost
    connection: Connection
    address: IPv4Address
    address_inferred: bool = False

    @property
    def name(self) -> str:
        return self.host.hostname

    @property
    def conn_name(self) -> str:
        return self.connection.name

    @property
    def loc(self) -> SourceLoc:
        return self.connection.loc


def swanctl_file(folder: Path) -> Path | None:
    """The swanctl.conf of a host folder, if it is one."""
    for candidate in (folder / "swanctl.conf", folder / "swanctl" / "swanctl.conf"):
        if candidate.is_file():
            return candidate
    return None


def _ruleset_file(folder: Path) -> Path | None:
    named = folder / "nftables.conf"
    if named.is_file():
        return named
    nft = sorted(folder.glob("*.nft"))
    if len(nft) > 1:
        raise ConfigError(
            None,
            f"{folder}: several *.nft files ({', '.join(p.name for p in nft)}); keep the "
            "host's whole ruleset in one nftables.conf",
        )
    return nft[0] if nft else None


def _hostname(folder: Path) -> str:
    f = folder / "hostname"
    if f.is_file():
        name = f.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        if name and name[0].strip():
            return name[0].strip()
    return folder.resolve().name


def read_host(folder: Path) -> SwanHost:
    """Read a strongSwan host folder (module doc)."""
    swanctl = swanctl_file(folder)
    if swanctl is None:
        raise ConfigError(None, f"{folder}: no swanctl.conf (a strongSwan host folder needs one)")
    conf = swanctl.parent / "strongswan.conf"
    if not conf.is_file():
        conf = folder / "strongswan.conf"
    config = read_swanctl(swanctl, conf if conf.is_file() else None)
    rules_path = _ruleset_file(folder)
    ruleset = read_ruleset(rules_path) if rules_path is not None else None
    sysctl = folder / "sysctl.conf"
    conntrack = read_conntrack(sysctl if sysctl.is_file() else None)
    notes: list[ReadNote] = []
    if ruleset is None:
        notes.append(
            ReadNote(None, f"{folder}: no nftables.conf: nothing filters IKE on this host", "info")
        )
    r = config.retransmission
    if r.jitter:
        notes.append(
            ReadNote(
                r.loc,
                f"charon.retransmit_jitter {r.jitter}%: retransmissions are modelled without "
                "jitter (at their latest)",
            )
        )
    return SwanHost(str(folder), _hostname(folder), config, ruleset, conntrack, tuple(notes))
