"""swanctl.conf and strongswan.conf, typed: the connections and the retransmission timers.

Only what can change a verdict is read (swanctl.conf(5), strongswan.conf(5) of 5.9.8;
domain.md section 6): per connection its IKE version, addresses, DPD and rekey/reauth
times, and per child its start, DPD and close actions and rekey time; from
strongswan.conf the ``charon.retransmit_*`` settings. Everything else (authentication,
proposals, traffic selectors, pools, ``secrets``) is skipped and counted.

A section may inherit from templates (``name : base { ... }``): the templates' settings
come first and the section's own override them, as in swanctl.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ipsecmc.errors import ConfigError, SourceLoc
from ipsecmc.strongswan.settings import Section, Setting, read_file

IPv4Address = ipaddress.IPv4Address

_DURATION = re.compile(r"(\d+)([smhd]?)")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_ACTIONS = {
    "start_action": {"none", "trap", "start"},
    "dpd_action": {"clear", "trap", "restart", "hold"},
    "close_action": {"none", "clear", "trap", "start", "hold", "restart"},
}
#: Older close_action names swanctl still accepts for the same actions.
_ALIASES = {"hold": "trap", "restart": "start", "clear": "none"}


@dataclass(frozen=True, slots=True)
class Child:
    """A CHILD_SA (``children.<child>``): how it is started and what ends it."""

    name: str
    loc: SourceLoc
    start_action: frozenset[str]  # subset of {"trap", "start"}; empty = none
    dpd_action: str  # clear | trap | restart
    close_action: str  # none | trap | start
    rekey_time: int  # 0: no rekeying
    life_time: int  # hard lifetime: the CHILD_SA closes if not rekeyed by then
    locs: tuple[tuple[str, SourceLoc], ...] = ()

    def where(self, key: str) -> SourceLoc:
        return next((loc for k, loc in self.locs if k == key), self.loc)


@dataclass(frozen=True, slots=True)
class Connection:
    """One ``connections.<conn>`` section."""

    name: str
    loc: SourceLoc
    version: int  # 1 or 2 (swanctl's 0 initiates IKEv2)
    local_addrs: tuple[str, ...]
    remote_addrs: tuple[str, ...]
    dpd_delay: int
    dpd_timeout: int
    rekey_time: int
    reauth_time: int
    over_time: int  # the IKE SA closes this long after rekey/reauth time if not renewed
    children: tuple[Child, ...]
    locs: tuple[tuple[str, SourceLoc], ...] = ()

    def where(self, key: str) -> SourceLoc:
        return next((loc for k, loc in self.locs if k == key), self.loc)

    @property
    def local_ips(self) -> tuple[IPv4Address, ...]:
        """The single IPv4 addresses among ``local_addrs`` (names, ranges, subnets and
        ``%any`` tell no address)."""
        return tuple(a for a in (_ipv4(v) for v in self.local_addrs) if a is not None)

    @property
    def remote_ip(self) -> IPv4Address | None:
        """The address this end initiates to: the first single address of
        ``remote_addrs`` (swanctl.conf(5)); None if it names none."""
        for v in self.remote_addrs:
            a = _ipv4(v)
            if a is not None:
                return a
        return None


@dataclass(frozen=True, slots=True)
class Retransmission:
    """``charon.retransmit_*`` of strongswan.conf (defaults of strongSwan 5.9.8)."""

    timeout: float = 4.0
    base: float = 1.8
    tries: int = 5
    jitter: int = 0
    limit: float = 0.0
    loc: SourceLoc | None = None

    def sends(self) -> tuple[int, ...]:
        """Seconds after the first send at which a request is sent (first send at 0):
        ``timeout * base^(n-1)`` apart, capped by ``limit``, rounded down to whole
        seconds (the model's clock)."""
        at, out = 0.0, [0]
        for n in range(self.tries):
            at += self._wait(n)
            out.append(int(at))
        return tuple(out)

    def giveup(self) -> int:
        """Seconds after the first send at which an unanswered request is abandoned."""
        return int(sum(self._wait(n) for n in range(self.tries + 1)))

    def _wait(self, n: int) -> float:
        wait = self.timeout * self.base**n
        return min(wait, self.limit) if self.limit > 0 else wait


@dataclass(frozen=True)
class SwanctlConfig:
    """What one host's swanctl.conf (and strongswan.conf) say."""

    path: str
    connections: tuple[Connection, ...]
    retransmission: Retransmission
    skipped: tuple[tuple[str, int], ...]  # (section or key path, count) read past


def _ipv4(text: str) -> IPv4Address | None:
    try:
        return IPv4Address(text.strip())
    except ValueError:
        return None


def duration(s: Setting) -> int:
    """A swanctl time value (``30``, ``30s``, ``5m``, ``4h``, ``1d``) in seconds."""
    m = _DURATION.fullmatch(s.value.strip())
    if m is None:
        raise ConfigError(
            s.loc, f"{s.key}: expected a time such as 30s, 5m, 4h or 1d, found {s.value!r}"
        )
    return int(m.group(1)) * _UNIT[m.group(2)]


def _number(s: Setting, kind: type[int] | type[float]) -> float:
    try:
        value = kind(s.value.strip())
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(s.loc, f"{s.key}: expected {what}, found {s.value!r}") from None
    if value < 0:
        raise ConfigError(s.loc, f"{s.key}: expected a value >= 0, found {s.value!r}")
    return value


def _merged(section: Section, siblings: dict[str, Section], seen: tuple[str, ...]) -> Section:
    """``section`` with its templates' settings and subsections first (swanctl order)."""
    if not section.templates:
        return section
    settings: list[Setting] = []
    sections: list[Section] = []
    for name in section.templates:
        if name in seen:
            raise ConfigError(section.loc, f"section '{section.name}' inherits from itself")
        base = siblings.get(name)
        if base is None:
            raise ConfigError(
                section.loc,
                f"section '{section.name}' inherits from '{name}', which is not defined "
                f"next to it (defined: {', '.join(sorted(siblings)) or 'none'})",
            )
        base = _merged(base, siblings, (*seen, name))
        settings.extend(base.settings)
        sections.extend(base.sections)
    return Section(
        section.name,
        section.loc,
        (*settings, *section.settings),
        (*sections, *section.sections),
    )


def _resolved(parent: Section) -> tuple[Section, ...]:
    """The subsections of ``parent`` with templates applied."""
    subs = parent.subsections()
    by_name = {s.name: s for s in subs}
    return tuple(_merged(s, by_name, (s.name,)) for s in subs)


class _Fields:
    """Reads settings of one section, remembering which were used (the rest is skipped)."""

    def __init__(self, section: Section, path: str, skipped: Counter[str]) -> None:
        self.section = section
        self.path = path
        self.skipped = skipped
        self.used: set[str] = set()
        self.locs: list[tuple[str, SourceLoc]] = []

    def get(self, key: str) -> Setting | None:
        self.used.add(key)
        s = self.section.get(key)
        if s is not None:
            self.locs.append((key, s.loc))
        return s

    def time(self, key: str, default: int) -> int:
        s = self.get(key)
        return default if s is None else duration(s)

    def action(self, key: str, default: str) -> str:
        s = self.get(key)
        if s is None:
            return default
        value = s.value.strip().lower()
        if value not in _ACTIONS[key]:
            raise ConfigError(
                s.loc,
                f"{key}: expected one of {', '.join(sorted(_ACTIONS[key]))}, found {s.value!r}",
            )
        return value

    def done(self) -> None:
        for s in self.section.settings:
            if s.key not in self.used:
                self.skipped[f"{self.path}.{s.key}"] += 1


def _child(section: Section, path: str, skipped: Counter[str]) -> Child:
    f = _Fields(section, path, skipped)
    start = f.get("start_action")
    actions: frozenset[str] = frozenset()
    if start is not None:
        parts = {p.strip().lower() for p in start.value.split("|")}
        if not parts <= _ACTIONS["start_action"]:
            raise ConfigError(
                start.loc,
                f"start_action: expected none, trap, start or trap|start, found {start.value!r}",
            )
        actions = frozenset(parts - {"none"})
    dpd_action = f.action("dpd_action", "clear")
    dpd_action = "trap" if dpd_action == "hold" else dpd_action
    close = f.action("close_action", "none")
    close_action = _ALIASES.get(close, close)
    rekey = f.time("rekey_time", 3600)
    life = f.time("life_time", rekey * 11 // 10)  # rekey_time + 10% (swanctl.conf(5))
    f.done()
    for sub in section.subsections():
        skipped[f"{path}.{sub.name}"] += 1
    return Child(
        section.name, section.loc, actions, dpd_action, close_action, rekey, life, tuple(f.locs)
    )


def _version(s: Setting | None) -> int:
    if s is None:
        return 2
    value = s.value.strip().lower()
    table = {"0": 2, "2": 2, "ikev2": 2, "1": 1, "ikev1": 1}
    if value not in table:
        raise ConfigError(s.loc, f"version: expected 0, 1 or 2, found {s.value!r}")
    return table[value]


def _addrs(s: Setting | None) -> tuple[str, ...]:
    if s is None:
        return ("%any",)
    return tuple(v.strip() for v in s.value.split(",") if v.strip())


def _connection(section: Section, skipped: Counter[str]) -> Connection:
    path = f"connections.{section.name}"
    f = _Fields(section, path, skipped)
    version = _version(f.get("version"))
    local_addrs = _addrs(f.get("local_addrs"))
    remote_addrs = _addrs(f.get("remote_addrs"))
    dpd_delay = f.time("dpd_delay", 0)
    dpd_timeout = f.time("dpd_timeout", 0)
    reauth = f.time("reauth_time", 0)
    # a reauth_time without an explicit rekey_time disables rekeying (swanctl.conf(5))
    rekey = f.time("rekey_time", 0 if reauth else 14400)
    over = f.time("over_time", max(rekey, reauth) // 10)  # 10% of the longer (swanctl.conf(5))
    f.done()
    children: list[Child] = []
    for sub in section.subsections():
        if sub.name == "children":
            children.extend(_child(c, f"{path}.children.{c.name}", skipped) for c in _resolved(sub))
        else:
            skipped[f"{path}.{sub.name}"] += 1
    return Connection(
        section.name,
        section.loc,
        version,
        local_addrs,
        remote_addrs,
        dpd_delay,
        dpd_timeout,
        rekey,
        reauth,
        over,
        tuple(children),
        tuple(f.locs),
    )


def _retransmission(tree: Section | None) -> Retransmission:
    charon = tree.section("charon") if tree is not None else None
    if charon is None:
        return Retransmission()
    values: dict[str, float] = {}
    loc = None
    for key, kind in (
        ("retransmit_timeout", float),
        ("retransmit_base", float),
        ("retransmit_tries", int),
        ("retransmit_jitter", int),
        ("retransmit_limit", float),
    ):
        s = charon.get(key)
        if s is not None:
            values[key] = _number(s, kind)
            loc = loc or s.loc
    d = Retransmission()
    r = Retransmission(
        timeout=values.get("retransmit_timeout", d.timeout),
        base=values.get("retransmit_base", d.base),
        tries=int(values.get("retransmit_tries", d.tries)),
        jitter=int(values.get("retransmit_jitter", d.jitter)),
        limit=values.get("retransmit_limit", d.limit),
        loc=loc,
    )
    if r.timeout <= 0 or r.base < 1:
        raise ConfigError(loc, "charon.retransmit_timeout must be > 0 and retransmit_base >= 1")
    return r


def read_swanctl(swanctl: Path, strongswan: Path | None) -> SwanctlConfig:
    """Read one host's swanctl.conf (with its includes) and, if given, strongswan.conf."""
    tree = read_file(swanctl)
    skipped: Counter[str] = Counter()
    connections: list[Connection] = []
    for sec in tree.subsections():
        if sec.name == "connections":
            connections.extend(_connection(c, skipped) for c in _resolved(sec))
        else:
            skipped[sec.name] += 1
    for s in tree.settings:
        skipped[s.key] += 1
    if not connections:
        raise ConfigError(
            SourceLoc(str(swanctl), 1, 1),
            "no connections: a swanctl.conf needs a 'connections { <name> { ... } }' section",
        )
    conf_tree = read_file(strongswan) if strongswan is not None else None
    return SwanctlConfig(
        str(swanctl), tuple(connections), _retransmission(conf_tree), tuple(sorted(skipped.items()))
    )
