"""Hypothesis strategies for researchers: random FortiOS config pairs, scenarios, systems.

::

    from hypothesis import given
    from ipsecmc.strategies import scenarios

    @given(scenarios())
    def test_something(s):
        system = s.system()          # the TransitionSystem every engine explores
        print(s.configs.site2)       # the FortiOS text of one side

What is drawn is always *real input*: two FortiOS configuration texts shaped like
``models/seed-*/site*.conf`` (``site1`` and ``site2``, ``remote-gw`` pointing at each
other), rendered from a :class:`~ipsecmc.fortios.strategies_text.SiteSpec`, then read by the
real reader (``ipsecmc.fortios.resolver.read_text``) and paired by the real topology
code (``ipsecmc.fortios.topology.pair``). Local-in verdicts on the peer's IKE are therefore
computed by ``ipsecmc.fortios.localin``, never chosen by the strategy. Every value stays inside
the range the reader accepts, so a draw never raises ``ConfigError``.

Strategies (keyword-only options, plural nouns, as Hypothesis' own):

* :func:`traffic_profiles` - profile strings (``any``, ``both:200,site1-to-site2``, ...).
* :func:`local_in_rules` - one ``firewall local-in-policy`` entry.
* :func:`site_specs` - the choices of one FortiGate.
* :func:`config_pairs` - two config texts (:class:`ConfigPair`).
* :func:`scenarios` - read, paired, with traffic and rekey (:class:`GeneratedScenario`).
* :func:`small_scenarios` / :func:`small_systems` - scenarios whose timers are small
  enough that the explicit engine explores them exhaustively in well under a second
  (for differential tests between engines and between reductions of one engine).

Shrinking goes towards simple configs: FortiOS defaults (no ``set`` line), ``any``
traffic, no local-in table on site1 and, on site2 (which by default always has one, as
in the seed), a single policy: the seed article's policy 2, on ``port1`` with no ``set
action``, denying ``ALL`` from ``all``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

try:
    from hypothesis import strategies as st
except ModuleNotFoundError as missing:  # pragma: no cover - depends on the install
    raise ModuleNotFoundError(
        "ipsecmc.strategies needs Hypothesis: pip install 'ipsecmc[strategies]'",
        name=missing.name,
    ) from missing

from ipsecmc.fortios.params import TunnelSystem, build
from ipsecmc.fortios.resolver import read_text
from ipsecmc.fortios.strategies_text import (
    DESTINATION_ADDRESSES,
    INTERFACES,
    PEER_OBJECT,
    PEER_OBJECT_KINDS,
    SCHEDULES,
    SERVICES,
    SOURCE_ADDRESSES,
    LocalInRule,
    SiteSpec,
    render_site,
)
from ipsecmc.fortios.topology import pair
from ipsecmc.fortios.topology_types import Scenario, Tunnel
from ipsecmc.model.params import TunnelParams

__all__ = [
    "REAL_TIMERS",
    "SMALL_TIMERS",
    "ConfigPair",
    "GeneratedScenario",
    "LocalInRule",
    "SiteSpec",
    "Timers",
    "config_pairs",
    "local_in_rules",
    "scenarios",
    "site_specs",
    "small_scenarios",
    "small_systems",
    "traffic_profiles",
]


T = TypeVar("T")

#: The two gateways every draw has: (hostname, WAN address, LAN network).
SITES = (
    ("site1", "10.56.240.208", "192.168.1.0/24"),
    ("site2", "10.56.240.221", "192.168.2.0/24"),
)


@dataclass(frozen=True, slots=True)
class Timers:
    """Ranges (inclusive) the timer values of a draw come from.

    :data:`REAL_TIMERS` spans what FortiOS accepts (sessions up to a day, keylives up to
    two days, the defaults included by leaving the setting out); :data:`SMALL_TIMERS`
    keeps every timer a few seconds long so that exhaustive exploration is cheap.
    """

    session_ttl: tuple[int, int]
    dpd_retryinterval: tuple[int, int]
    dpd_retrycount: tuple[int, int]
    keylife: tuple[int, int]  # phase1 'keylife' (FortiOS: 120..172800)
    keylifeseconds: tuple[int, int]  # phase2 'keylifeseconds' (FortiOS: 120..172800)
    phase_seconds: tuple[int, int]  # duration of a timed traffic phase
    defaults_allowed: bool  # may a timer be left at its FortiOS default (no 'set' line)?


REAL_TIMERS = Timers(
    session_ttl=(1, 86400),
    dpd_retryinterval=(1, 3600),
    dpd_retrycount=(0, 10),
    keylife=(120, 172800),
    keylifeseconds=(120, 172800),
    phase_seconds=(1, 3600),
    defaults_allowed=True,
)

SMALL_TIMERS = Timers(
    session_ttl=(3, 12),
    dpd_retryinterval=(2, 5),
    dpd_retrycount=(1, 3),
    keylife=(120, 180),  # the reader's minimum; small_scenarios() goes below it (see there)
    keylifeseconds=(120, 180),
    phase_seconds=(1, 20),
    defaults_allowed=False,
)

#: Keylives :func:`small_scenarios` substitutes (below FortiOS' 120 s minimum).
SMALL_KEYLIFE = (10, 30)


# --- traffic ----------------------------------------------------------------------------

#: Phase bodies with their weights in a draw; ``{a}``/``{b}`` are the gateway names. The
#: one-way flows are the seed's (traffic only one way lets the other side's session age
#: out), so they weigh more than ``none`` and ``both``.
_BODIES: tuple[tuple[str, int], ...] = (
    ("any", 3),
    ("none", 1),
    ("both", 1),
    ("{a}-to-{b}", 2),
    ("{b}-to-{a}", 2),
    ("{a}-to-{b}?", 1),
    ("{b}-to-{a}?", 1),
    ("{a}-to-{b}+{b}-to-{a}?", 1),
)


def _free(body: str) -> bool:
    """Does ``body`` leave the environment a choice every second?"""
    return body == "any" or "?" in body


def traffic_profiles(
    *,
    names: tuple[str, str] = ("site1", "site2"),
    max_phases: int = 3,
    phase_seconds: tuple[int, int] = (1, 3600),
    free_forever: bool = True,
) -> st.SearchStrategy[str]:
    """Traffic profile strings for a tunnel between ``names`` (``ipsecmc.model.traffic``).

    A profile is up to ``max_phases - 1`` timed phases (``BODY:SECONDS``) and a last phase
    that lasts forever. ``free_forever=False`` leaves out last phases with a free choice
    every second (``any``, ``X-to-Y?``), the expensive ones for exhaustive search.
    Shrinks towards ``any`` (the default profile) with no timed phases.
    """
    if max_phases < 1:
        raise ValueError(f"max_phases must be at least 1, got {max_phases}")
    a, b = names
    bodies = tuple((body.format(a=a, b=b), w) for body, w in _BODIES)
    final = bodies if free_forever else tuple(x for x in bodies if not _free(x[0]))
    timed = st.tuples(_weighted(*bodies), st.integers(*phase_seconds))
    return st.builds(
        lambda head, last: ",".join([f"{body}:{secs}" for body, secs in head] + [last]),
        st.lists(timed, max_size=max_phases - 1),
        _weighted(*final),
    )


def _weighted(*choices: tuple[T, int]) -> st.SearchStrategy[T]:
    """One of the values, each as likely as its weight; shrinks to the first."""
    return st.sampled_from([value for value, weight in choices for _ in range(weight)])


# --- one FortiGate ----------------------------------------------------------------------


def _names(pool: Sequence[str]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True).map(tuple)


def _rules(
    policyid: int,
    intf: Sequence[str],
    srcaddr: st.SearchStrategy[tuple[str, ...]],
    service: st.SearchStrategy[tuple[str, ...]],
    action: Sequence[str | None],
    negate: bool,
    dstaddr: st.SearchStrategy[tuple[str, ...]] | None = None,
) -> st.SearchStrategy[LocalInRule]:
    flags = st.booleans() if negate else st.just(False)
    return st.builds(
        LocalInRule,
        policyid=st.just(policyid),
        intf=st.sampled_from(intf),
        srcaddr=srcaddr,
        dstaddr=dstaddr if dstaddr is not None else _names(DESTINATION_ADDRESSES),
        service=service,
        srcaddr_negate=flags,
        service_negate=flags,
        action=st.sampled_from(action),
        # Mostly enabled and always on: a disabled or scheduled policy decides nothing.
        status=_weighted((None, 3), ("enable", 1), ("disable", 1)),
        schedule=_weighted((None, 3), (SCHEDULES[0], 1), (SCHEDULES[1], 1)),
    )


def local_in_rules(*, policyid: int = 1) -> st.SearchStrategy[LocalInRule]:
    """One local-in policy over the objects every generated site defines.

    Drawn from four shapes, so that tables often decide the peer's IKE (a uniform draw
    over all fields rarely matches it): the seed's "deny everything on the WAN" (no
    ``set action`` or ``deny``; ``ALL``, ``IKE`` or a custom UDP 500 service), the fix's
    "accept IKE from the peer object" (which misses the peer when the object holds a
    neighbouring address), the seed's "accept HTTPS from the offices", and a policy
    whose every field is drawn from the whole pool (negations included). Each shape's
    first choices match IKE from the peer, so the simplest rule, what shrinking
    reaches, is the seed's policy 2: ``intf port1``, ``srcaddr all``, ``service ALL``, no
    ``set action``. Status and schedule are drawn in every shape (``disable``, and a
    recurring schedule under which the policy may or may not apply).
    """
    ike = ("ALL", "IKE", "udp500", "ike_grp")
    deny_all = _rules(
        policyid,
        ("port1", "any"),
        st.sampled_from([("all",), ("wan_net",)]),
        st.sampled_from(ike).map(lambda s: (s,)),
        (None, "deny"),
        False,
        st.just(("all",)),
    )
    accept_peer = _rules(
        policyid,
        ("port1", "any"),
        st.sampled_from([(PEER_OBJECT,), ("vpn_grp",)]),
        st.sampled_from(ike[1:]).map(lambda s: (s,)),
        ("accept",),
        False,
    )
    mgmt = _rules(
        policyid,
        ("port1",),
        st.just(("office1", "office2")),
        st.sampled_from([("HTTPS",), ("mgmt_tcp",)]),
        ("accept",),
        False,
    )
    anything = _rules(
        policyid,
        INTERFACES,
        _names(SOURCE_ADDRESSES),
        _names(SERVICES),
        (None, "accept", "deny"),
        True,
    )
    # A table that denies the peer's IKE is the interesting case: that shape weighs most.
    # (``st.one_of`` would ignore a repeated branch, hence the weighted choice of shape.)
    shape = _weighted((deny_all, 2), (accept_peer, 1), (mgmt, 1), (anything, 1))
    return shape.flatmap(lambda rule: rule)


@st.composite
def _local_in_table(draw: st.DrawFn, min_rules: int, max_rules: int) -> tuple[LocalInRule, ...]:
    """Rules in table order, with policy ids that need not follow it (``show`` prints the
    table order; ids come from creation order and ``move``). Each rule carries its own
    id key, so deleting a rule while shrinking leaves the others' draws alone."""
    keyed = draw(
        st.lists(
            st.tuples(local_in_rules(), st.integers(0, 9)),
            min_size=min_rules,
            max_size=max_rules,
        )
    )
    by_id = sorted(range(len(keyed)), key=lambda i: (keyed[i][1], i))
    ids = {index: rank + 1 for rank, index in enumerate(by_id)}
    return tuple(replace(rule, policyid=ids[i]) for i, (rule, _) in enumerate(keyed))


def _opt(timers: Timers, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``strategy``, or ``None`` (keep the FortiOS default) when timers allow defaults."""
    return st.none() | strategy if timers.defaults_allowed else strategy


@st.composite
def site_specs(
    draw: st.DrawFn,
    *,
    index: int = 0,
    timers: Timers = REAL_TIMERS,
    ike_version: int | None = None,
    min_rules: int = 0,
    max_rules: int = 4,
) -> SiteSpec:
    """The choices of gateway ``site1`` (``index=0``) or ``site2`` (``index=1``).

    The UDP 500 session TTL comes from ``udp-idle-timer`` or from a ``session-ttl port``
    entry for UDP 500 (optionally ``timeout never`` when defaults are allowed).
    ``ike_version`` pins the phase1 IKE version (``None``: drawn).
    """
    host, wan, lan = SITES[index]
    _, peer, _ = SITES[1 - index]
    ttl = st.integers(*timers.session_ttl)
    ttl_source = draw(st.sampled_from(("global", "port")))
    never = timers.defaults_allowed and ttl_source == "port" and draw(st.booleans())
    version = ike_version if ike_version is not None else draw(st.sampled_from((1, 2)))
    return SiteSpec(
        hostname=host,
        wan_ip=wan,
        peer_ip=peer,
        lan_net=lan,
        peer_object=draw(st.sampled_from(PEER_OBJECT_KINDS)),
        udp_idle_timer=draw(_opt(timers, ttl)) if ttl_source == "global" else None,
        ike_session_ttl=draw(ttl) if ttl_source == "port" else None,
        ike_session_never=never,
        # IKEv1 is the default: leave the line out or write it, both are real configs.
        ike_version=version if version == 2 or draw(st.booleans()) else None,
        dpd=draw(st.sampled_from((None, "on-demand", "on-idle", "disable"))),
        dpd_retryinterval=draw(_opt(timers, st.integers(*timers.dpd_retryinterval))),
        dpd_retrycount=draw(st.none() | st.integers(*timers.dpd_retrycount)),
        keylife=draw(st.none() | st.integers(*timers.keylife)),
        # Phase1 auto-negotiate off is rare in practice (and the tunnel then seldom
        # comes up), so it is drawn less often than the default.
        p1_auto_negotiate=draw(_weighted((None, 3), ("enable", 1), ("disable", 1))),
        keylifeseconds=draw(st.none() | st.integers(*timers.keylifeseconds)),
        p2_auto_negotiate=draw(st.sampled_from((None, "enable", "disable"))),
        local_in=draw(_local_in_table(min_rules, max_rules)),
    )


# --- two FortiGates ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConfigPair:
    """Two generated FortiOS configuration texts and the specs they were rendered from."""

    specs: tuple[SiteSpec, SiteSpec]

    @property
    def site1(self) -> str:
        return render_site(self.specs[0])

    @property
    def site2(self) -> str:
        return render_site(self.specs[1])

    @property
    def texts(self) -> dict[str, str]:
        """File name -> text (``site1.conf``, ``site2.conf``)."""
        return {f"{s.hostname}.conf": render_site(s) for s in self.specs}

    def write(self, folder: str | Path) -> tuple[Path, Path]:
        """Write both files into ``folder`` (created if missing); returns their paths."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, text in self.texts.items():
            path = out / name
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        return paths[0], paths[1]

    def read(self) -> Scenario:
        """Read both texts with the real reader and pair them (``ipsecmc check``'s path)."""
        gateways = [gw for name, text in self.texts.items() for gw in read_text(text, name)]
        return pair(gateways)

    def __str__(self) -> str:
        return "\n".join(f"--- {name} ---\n{text}" for name, text in self.texts.items())


@st.composite
def config_pairs(
    draw: st.DrawFn,
    *,
    timers: Timers = REAL_TIMERS,
    min_rules: tuple[int, int] = (0, 1),
    max_rules: int = 4,
) -> ConfigPair:
    """Two configs, ``site1`` and ``site2``, whose phase1s point at each other.

    ``min_rules`` is the least number of local-in policies of (site1, site2). By default
    site2 plays the seed's site2 and always has a table (empty tables make every IKE
    packet welcome and the scenario dull); the smallest pair is the seed scenario.

    Both sides run the same IKE version in three draws out of four; the fourth is the
    real misconfiguration of mismatched versions (``ipsecmc lint`` reports it; the
    tunnel then rarely comes up, so more of it would make dull scenarios).
    """
    version = draw(st.sampled_from((1, 2)))
    mismatch = draw(st.integers(0, 3)) == 3  # one pair in four; shrinks to equal versions
    other = 3 - version if mismatch else version
    one, two = (
        draw(site_specs(index=i, timers=timers, ike_version=v, min_rules=m, max_rules=max_rules))
        for i, v, m in ((0, version, min_rules[0]), (1, other, min_rules[1]))
    )
    return ConfigPair((one, two))


# --- scenarios --------------------------------------------------------------------------

#: Per end (site1, site2): (phase1 keylife, phase2 keylife), ``None`` = that one not rekeyed.
KeylifeOverride = tuple[tuple[int | None, int | None], tuple[int | None, int | None]]


@dataclass(frozen=True)
class GeneratedScenario:
    """A drawn scenario: the configs, what the reader and pairing made of them, the
    traffic profile and whether rekeys are modelled.

    ``keylives``, when set, replaces the keylives *after* reading (``small_scenarios``
    only: FortiOS does not accept keylives below 120 s, so they cannot be in the texts).
    Its repr prints both config texts, so a failing Hypothesis example shows them.
    """

    configs: ConfigPair
    scenario: Scenario
    traffic: str
    rekey: bool
    keylives: KeylifeOverride | None = None

    @property
    def tunnel(self) -> Tunnel:
        return self.scenario.tunnels[0]

    def system(self) -> TunnelSystem:
        """The transition system of the tunnel (``ipsecmc.model.system.build``)."""
        system = build(self.tunnel, self.traffic, self.rekey)
        if self.keylives is None or not self.rekey:
            return system
        p = system.params
        ends = tuple(
            replace(e, p1_keylife=k1, p2_keylife=k2)
            for e, (k1, k2) in zip(p.ends, self.keylives, strict=True)
        )
        return TunnelSystem(self.tunnel, TunnelParams((ends[0], ends[1]), p.traffic, True))

    def write(self, folder: str | Path) -> Path:
        """Write a scenario folder ``ipsecmc check FOLDER`` reads: both configs and a
        ``scenario.toml`` with the traffic profile and rekey setting. Refused for
        scenarios with substituted keylives (no config file can hold them)."""
        if self.keylives is not None and self.rekey:
            raise ValueError(
                "this scenario's keylives are below FortiOS' 120 s minimum and exist only "
                "in its TransitionSystem; it cannot be written as config files"
            )
        out = Path(folder)
        self.configs.write(out)
        toml = f'traffic = "{self.traffic}"\nrekey = {"true" if self.rekey else "false"}\n'
        (out / "scenario.toml").write_text(toml, encoding="utf-8")
        return out

    def __repr__(self) -> str:
        keylives = "" if self.keylives is None else f", keylives={self.keylives!r}"
        return (
            f"GeneratedScenario(traffic={self.traffic!r}, rekey={self.rekey!r}{keylives}, "
            f"configs=<<<\n{self.configs}>>>)"
        )

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """Hypothesis' printer: the same multi-line text as ``repr``."""
        p.text(repr(self))


def _scenario(
    configs: ConfigPair, traffic: str, rekey: bool, keylives: KeylifeOverride | None = None
) -> GeneratedScenario:
    return GeneratedScenario(configs, configs.read(), traffic, rekey, keylives)


def scenarios(
    *,
    timers: Timers = REAL_TIMERS,
    traffic: st.SearchStrategy[str] | None = None,
    rekey: st.SearchStrategy[bool] | None = None,
    max_rules: int = 4,
) -> st.SearchStrategy[GeneratedScenario]:
    """Random two-gateway scenarios read from generated FortiOS configs.

    ``traffic`` defaults to :func:`traffic_profiles` (phases up to ``timers``'
    ``phase_seconds``); ``rekey`` to ``st.booleans()``. With the default real timers many
    draws are too large for exhaustive search under free traffic; use
    :func:`small_scenarios` when an engine must finish.
    """
    profiles = (
        traffic if traffic is not None else traffic_profiles(phase_seconds=timers.phase_seconds)
    )
    return st.builds(
        _scenario,
        config_pairs(timers=timers, max_rules=max_rules),
        profiles,
        rekey if rekey is not None else st.booleans(),
    )


def _both_ikev1(configs: ConfigPair) -> bool:
    return all(s.ike_version in (None, 1) for s in configs.specs)


_KEYLIFE = st.none() | st.integers(*SMALL_KEYLIFE)


@st.composite
def small_scenarios(draw: st.DrawFn, *, max_rules: int = 4) -> GeneratedScenario:
    """Scenarios the explicit engine explores exhaustively in well under a second.

    The configs are real and read by the real reader, with :data:`SMALL_TIMERS`: UDP 500
    sessions of 3-12 s (``udp-idle-timer`` or a ``session-ttl port`` entry), DPD every
    2-5 s with 1-3 retries, traffic phases of 1-20 s. Two things cannot be made small in a
    config and are handled so:

    * keylives: FortiOS' minimum is 120 s. With ``rekey`` drawn true (only for profiles
      whose last phase is pinned: rekeys under free traffic for ever cost tens of
      thousands of states), each end's phase1 and
      phase2 keylife is substituted in the built ``TunnelParams`` by 10-30 s or ``None``
      (not rekeyed), recorded in ``GeneratedScenario.keylives`` (as
      ``tests/model/helpers.py::small_system`` does).
    * IKEv2's retransmission schedule (3+6+12+24+48 s) is fixed, not a setting. Combined
      with a free traffic choice every second for ever it makes tens of thousands of
      states, so a last traffic phase with a free choice (``any``, ``X-to-Y?``) is drawn
      only when both ends run IKEv1; IKEv2 scenarios get free choices only in one timed
      phase (profiles of at most two phases).

    Admission outcomes (accept, deny by a numbered policy, both under a recurring
    schedule) come from the drawn local-in tables through ``ipsecmc.fortios.localin``.
    """
    configs = draw(config_pairs(timers=SMALL_TIMERS, max_rules=max_rules))
    ikev1 = _both_ikev1(configs)
    traffic = draw(
        traffic_profiles(
            phase_seconds=SMALL_TIMERS.phase_seconds,
            free_forever=ikev1,
            max_phases=3 if ikev1 else 2,
        )
    )
    # Rekeys under a free choice of traffic every second for ever multiply the states
    # (tens of thousands): rekey is drawn only for profiles whose last phase is pinned.
    rekey = not _free(traffic.rsplit(",", 1)[-1]) and draw(st.booleans())
    keylives: KeylifeOverride | None = None
    if rekey:
        keylives = (
            (draw(_KEYLIFE), draw(_KEYLIFE)),
            (draw(_KEYLIFE), draw(_KEYLIFE)),
        )
    return _scenario(configs, traffic, rekey, keylives)


def small_systems(*, max_rules: int = 4) -> st.SearchStrategy[TunnelSystem]:
    """The transition systems of :func:`small_scenarios` (draw those instead when a
    failing example should show its configs)."""
    return small_scenarios(max_rules=max_rules).map(lambda s: s.system())
