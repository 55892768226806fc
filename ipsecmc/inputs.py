"""What the user named on the command line: FortiOS config files and strongSwan hosts.

``ipsecmc check PATH...`` takes files and folders. A FortiOS config is a file (a folder
contributes its ``*.conf`` files); a strongSwan host is a folder holding a
``swanctl.conf`` (``ipsecmc.strongswan.host``), named directly, by its swanctl.conf, or
as a subfolder of a folder named on the command line. So a mixed pair is one folder::

    models/mixed/
        site1.conf          a FortiGate
        site2/swanctl.conf  a strongSwan host (with nftables.conf, strongswan.conf, ...)
        scenario.toml
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ipsecmc.errors import IpsecmcError
from ipsecmc.fortios.resolver import read_gateways
from ipsecmc.fortios.topology import no_tunnel_error, pair
from ipsecmc.fortios.topology_types import Scenario
from ipsecmc.pairing import pair_hosts
from ipsecmc.strongswan.host import read_host, swanctl_file


@dataclass(frozen=True)
class Inputs:
    """The FortiOS files and strongSwan host folders among the paths, in order."""

    fortios: tuple[Path, ...]
    hosts: tuple[Path, ...]


def _host_folder(path: Path) -> Path | None:
    """The host folder ``path`` names (a folder, or its swanctl.conf), if any."""
    if path.is_dir():
        return path if swanctl_file(path) is not None else None
    if path.name == "swanctl.conf":
        parent = path.parent
        return parent.parent if parent.name == "swanctl" and swanctl_file(parent.parent) else parent
    return None


def classify(paths: Iterable[str | Path]) -> Inputs:
    """Sort ``paths`` into FortiOS files and strongSwan hosts (module doc); no duplicates."""
    files: list[Path] = []
    hosts: list[Path] = []
    seen: set[Path] = set()

    def add(target: list[Path], p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            target.append(p)

    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise IpsecmcError(f"{p}: no such file or folder")
        host = _host_folder(p)
        if host is not None:
            add(hosts, host)
            continue
        if not p.is_dir():
            add(files, p)
            continue
        confs = sorted(p.glob("*.conf"))
        subhosts = sorted(d for d in p.iterdir() if d.is_dir() and swanctl_file(d) is not None)
        if not confs and not subhosts:
            raise IpsecmcError(
                f"{p}: folder contains no *.conf files and no strongSwan host folder "
                "(a subfolder with a swanctl.conf)"
            )
        for f in confs:
            add(files, f)
        for d in subhosts:
            add(hosts, d)
    return Inputs(tuple(files), tuple(hosts))


def load_scenario(
    paths: Iterable[str | Path], *, allow_undefined: bool = False, require_tunnel: bool = True
) -> Scenario:
    """Read every input and pair the ends into tunnels (``ipsecmc check``'s front end)."""
    inputs = classify(paths)
    gateways = [
        gw for f in inputs.fortios for gw in read_gateways(f, allow_undefined=allow_undefined)
    ]
    hosts = [read_host(h) for h in inputs.hosts]
    scenario = pair_hosts(pair(gateways, require_tunnel=False), hosts)
    if require_tunnel and not scenario.tunnels:
        raise no_tunnel_error(
            [gw.hostname for gw in scenario.gateways] + [h.hostname for h in hosts]
        )
    return scenario
