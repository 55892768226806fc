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
real parser and resolver (on tokens made line by line from the spec, which equal the
lexer's: ``ipsecmc.fortios.strategies_text.read_site``) and paired by the real topology
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

Knobs (keyword arguments of :func:`site_specs`, :func:`config_pairs` and the scenario
strategies) narrow the draws without discarding any: ``local_in`` (``admits`` /
``denies`` the peer's IKE), ``dpd`` (the mode), ``ttl_vs_dpd`` (session TTL below /
above the DPD detection time), ``ike_versions`` (``same`` / ``mixed``). :data:`PROFILE`
is a settings profile for model-checking tests (no deadline, no explain phase).

Shrinking goes towards simple configs: FortiOS defaults (no ``set`` line), ``any``
traffic, no local-in table on site1 and, on site2 (which by default always has one, as
in the seed), a single policy: the seed article's policy 2, on ``port1`` with no ``set
action``, denying ``ALL`` from ``all``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, TypeVar

try:
    from hypothesis import HealthCheck, Phase, settings
    from hypothesis import strategies as st
except ModuleNotFoundError as missing:  # pragma: no cover - depends on the install
    raise ModuleNotFoundError(
        "ipsecmc.strategies needs Hypothesis: pip install 'ipsecmc[strategies]'",
        name=missing.name,
    ) from missing

from ipsecmc.fortios.params import BEHAVIOURS
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
    note_generated_secrets,
    read_site,
    render_site,
    short_site,
)
from ipsecmc.fortios.topology import pair
from ipsecmc.fortios.topology_types import Scenario, Tunnel
from ipsecmc.model.params import TunnelParams
from ipsecmc.systems import TunnelSystem, build
from ipsecmc.workflows.check import LoadedModel
from ipsecmc.workflows.scenario_file import ScenarioSettings

__all__ = [
    "DPD_CHOICES",
    "IKE_VERSION_CHOICES",
    "LOCAL_IN_CHOICES",
    "PROFILE",
    "PROFILE_NAME",
    "REAL_TIMERS",
    "SMALL_TIMERS",
    "TTL_CHOICES",
    "ConfigPair",
    "GeneratedScenario",
    "LocalInRule",
    "SiteSpec",
    "Timers",
    "config_pairs",
    "local_in_rules",
    "register_profile",
    "scenarios",
    "site_specs",
    "small_scenarios",
    "small_systems",
    "traffic_profiles",
    "ttl_feasible",
]


T = TypeVar("T")

# --- settings ---------------------------------------------------------------------------

#: The name :func:`register_profile` registers :data:`PROFILE` under.
PROFILE_NAME = "ipsecmc"

#: Hypothesis settings for tests that draw from these strategies and run a model checker
#: on each draw:
#:
#: * no ``deadline``: one check takes from a millisecond to seconds, depending on the
#:   draw, so a deadline only makes flaky failures;
#: * ``max_examples=200``: ``examples/research`` finds the seed failure in random small
#:   scenarios at a median of 10.5 draws (3-26 over 10 seeds), so 200 leaves room for
#:   rarer failures at a few seconds per run;
#: * phases without ``explain``: explaining a failure re-runs the test on many variants of
#:   the shrunk example and ran past Hypothesis' own 5-minute limit on model-checking
#:   tests; a failing example is small already and :meth:`GeneratedScenario.short`
#:   shows what is in it;
#: * ``too_slow`` suppressed: a draw is a pair of configs, read and paired, some
#:   milliseconds, which the health check counts as slow data generation. Every other
#:   health check stays on (the strategies draw without filtering, so ``filter_too_much``
#:   never fires unless a test filters);
#: * ``print_blob``: the failure report says how to reproduce it (``@reproduce_failure``).
PROFILE = settings(
    max_examples=200,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
    suppress_health_check=(HealthCheck.too_slow,),
    print_blob=True,
)


def register_profile(name: str = PROFILE_NAME, *, load: bool = False, **changes: Any) -> settings:
    """Register :data:`PROFILE` (with ``changes``, e.g. ``max_examples=50``) as Hypothesis
    settings profile ``name``; ``load=True`` also makes it the current profile. Returns
    the settings, which also work as a decorator (``@register_profile()``)."""
    profile = settings(PROFILE, **changes)
    settings.register_profile(name, profile)
    if load:
        settings.load_profile(name)
    return profile


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


@cache
def _rule(policyid: int = 1) -> st.SearchStrategy[LocalInRule]:
    """:func:`local_in_rules`, built once (building a strategy costs more than a draw)."""
    return local_in_rules(policyid=policyid)


#: Sources of a rule that surely covers the peer's address whatever the peer object
#: holds (``wan_net`` is the /24 both WAN addresses are in), and the ones that do only
#: when the peer object holds the peer (``exact`` or ``subnet``).
_PEER_SOURCES_ALWAYS = (("all",), ("wan_net",))
_PEER_SOURCES_IF_RIGHT = ((PEER_OBJECT,), ("vpn_grp",))
#: Services that surely cover UDP 500.
_IKE_SERVICES = (("ALL",), ("IKE",), ("udp500",), ("ike_grp",))


@cache
def _deciding_rule(action: str, peer_object: str) -> st.SearchStrategy[LocalInRule]:
    """A rule that surely matches the peer's IKE (enabled, no recurring schedule, no
    negation) and decides it: ``accept`` or deny (``deny`` or no ``set action``). The
    first choices are the seed's policy 2 (deny) and the fix's policy (accept)."""
    sources: tuple[tuple[str, ...], ...] = _PEER_SOURCES_ALWAYS
    if peer_object != "wrong":
        sources = sources + _PEER_SOURCES_IF_RIGHT
    if action == "accept":
        sources = sources[::-1]  # the fix's "accept IKE from the peer object" first
    return st.builds(
        LocalInRule,
        policyid=st.just(1),
        intf=st.sampled_from(("port1", "any")),
        srcaddr=st.sampled_from(sources),
        dstaddr=st.sampled_from((("all",), ("self_wan",))),
        service=st.sampled_from(_IKE_SERVICES),
        action=st.just("accept") if action == "accept" else st.sampled_from((None, "deny")),
        status=st.sampled_from((None, "enable")),
        schedule=st.sampled_from((None, SCHEDULES[0])),
    )


#: Ways to make any rule miss the peer's IKE (on port1, from the peer, to the own WAN
#: address, UDP 500), each changing one field of a drawn rule.
_SPOILERS = (
    lambda r: replace(r, status="disable"),
    lambda r: replace(r, intf="port2"),
    lambda r: replace(r, service=("HTTPS",), service_negate=False),
    lambda r: replace(r, service=("udp4500", "mgmt_tcp"), service_negate=False),
    lambda r: replace(r, srcaddr=("office1", "office2"), srcaddr_negate=False),
    lambda r: replace(r, srcaddr=("mgmt_grp",), srcaddr_negate=False),
    lambda r: replace(r, dstaddr=("lan_net",)),
)


def _missing_rule() -> st.SearchStrategy[LocalInRule]:
    """A rule that surely does not match the peer's IKE: any drawn rule with one field
    changed so that it misses (disabled, on port2, another service, source or
    destination)."""
    return st.builds(lambda rule, spoil: spoil(rule), _rule(), st.sampled_from(_SPOILERS))


_MISSING = _missing_rule()


@st.composite
def _local_in_table(
    draw: st.DrawFn,
    min_rules: int,
    max_rules: int,
    verdict: str = "any",
    peer_object: str = "exact",
) -> tuple[LocalInRule, ...]:
    """Rules in table order, with policy ids that need not follow it (``show`` prints the
    table order; ids come from creation order and ``move``). Each rule carries its own
    id key, so deleting a rule while shrinking leaves the others' draws alone.

    ``verdict`` ``"denies"`` / ``"admits"`` builds a table whose first-match verdict on
    the peer's IKE is known by construction: rules that surely miss it, then (always for
    ``denies``, sometimes for ``admits``, else the built-in rules accept IKE) a rule that
    surely matches and decides it, then any rules (never reached by the peer's IKE).
    """
    ids = st.integers(0, 9)
    if verdict == "any":
        keyed = draw(st.lists(st.tuples(_rule(), ids), min_size=min_rules, max_size=max_rules))
    else:
        deciding = verdict == "denies" or draw(st.booleans())
        room = max_rules - deciding
        before = draw(
            st.lists(st.tuples(_MISSING, ids), min_size=0 if deciding else min_rules, max_size=room)
        )
        keyed = before
        if deciding:
            rule = draw(_deciding_rule("deny" if verdict == "denies" else "accept", peer_object))
            after = draw(
                st.lists(
                    st.tuples(_rule(), ids),
                    min_size=max(0, min_rules - len(before) - 1),
                    max_size=room - len(before),
                )
            )
            keyed = [*before, (rule, draw(ids)), *after]
    by_id = sorted(range(len(keyed)), key=lambda i: (keyed[i][1], i))
    numbers = {index: rank + 1 for rank, index in enumerate(by_id)}
    return tuple(replace(rule, policyid=numbers[i]) for i, (rule, _) in enumerate(keyed))


def _opt(timers: Timers, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``strategy``, or ``None`` (keep the FortiOS default) when timers allow defaults."""
    return st.none() | strategy if timers.defaults_allowed else strategy


#: Knob values (README, "Property-based testing"): local-in verdict on the peer's IKE,
#: DPD mode, the session TTL against the DPD detection time, the pair's IKE versions.
LOCAL_IN_CHOICES = ("any", "admits", "denies")
DPD_CHOICES = ("any", "on-demand", "on-idle", "disable")
TTL_CHOICES = ("any", "below-dpd", "above-dpd")
IKE_VERSION_CHOICES = ("any", "same", "mixed")

#: FortiOS defaults of the settings the relation knob reads (``None`` in a spec).
_DEFAULT_TTL = 180
_DEFAULT_RETRYINTERVAL = 20
_DEFAULT_RETRYCOUNT = 3


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name}={value!r}: expected one of {', '.join(map(repr, choices))}")


def _ints(lo: int, hi: int, default: int, allow_default: bool) -> st.SearchStrategy[int | None]:
    """An int in ``lo..hi``, or ``None`` (the FortiOS ``default``) when allowed and the
    default is in range. Shrinks to ``None``, else to ``lo``."""
    values = st.integers(lo, hi)
    return st.none() | values if allow_default and lo <= default <= hi else values


def _giveup(version: int) -> int:
    return BEHAVIOURS[version].request_giveup


def ttl_feasible(timers: Timers, version: int, relation: str) -> bool:
    """Can ``timers`` hold an end of IKE ``version`` whose session TTL is ``relation``
    (``below-dpd`` / ``above-dpd``) its DPD detection time?"""
    t_lo, t_hi = timers.session_ttl
    if relation == "any":
        return True
    if version == 2:
        g = _giveup(2)
        return t_lo < g if relation == "below-dpd" else t_hi > g
    i_lo, i_hi = timers.dpd_retryinterval
    c_lo, c_hi = timers.dpd_retrycount
    if relation == "below-dpd":
        return c_hi >= 1 and c_hi * i_hi > t_lo
    return c_lo * i_lo < t_hi


@st.composite
def _dpd_and_ttl(
    draw: st.DrawFn, timers: Timers, version: int, relation: str
) -> tuple[int | None, int | None, int]:
    """(dpd-retryinterval, dpd-retrycount, a session TTL) with the TTL ``relation`` the
    DPD detection time (``EndParams.dpd_detection_seconds``: retrycount x retryinterval
    for IKEv1, the request give-up for IKEv2). Drawn directly, nothing thrown away."""
    i_lo, i_hi = timers.dpd_retryinterval
    c_lo, c_hi = timers.dpd_retrycount
    t_lo, t_hi = timers.session_ttl
    defaults = timers.defaults_allowed
    if relation == "any":
        interval = draw(_ints(i_lo, i_hi, _DEFAULT_RETRYINTERVAL, defaults))
        count = draw(st.none() | st.integers(c_lo, c_hi))
        return interval, count, draw(st.integers(t_lo, t_hi))
    if version == 2:  # detection is the fixed give-up of a request, the DPD settings no part
        interval = draw(_ints(i_lo, i_hi, _DEFAULT_RETRYINTERVAL, defaults))
        count = draw(st.none() | st.integers(c_lo, c_hi))
        g = _giveup(2)
        lo, hi = (t_lo, min(t_hi, g - 1)) if relation == "below-dpd" else (max(t_lo, g + 1), t_hi)
        return interval, count, draw(st.integers(lo, hi))
    if relation == "below-dpd":
        # count x interval > TTL >= t_lo: counts whose largest interval can do it, then
        # intervals long enough, then TTLs short enough.
        counts = [c for c in range(max(1, c_lo), c_hi + 1) if c * i_hi > t_lo]
        count = draw(st.sampled_from(counts))
        interval = draw(st.integers(max(i_lo, t_lo // count + 1), i_hi))
        ttl = draw(st.integers(t_lo, min(t_hi, count * interval - 1)))
    else:
        counts = [c for c in range(c_lo, c_hi + 1) if c * i_lo < t_hi]
        count = draw(st.sampled_from(counts))
        interval = draw(st.integers(i_lo, i_hi if count == 0 else min(i_hi, (t_hi - 1) // count)))
        ttl = draw(st.integers(max(t_lo, count * interval + 1), t_hi))
    # Write a value equal to the FortiOS default as "no line" half of the time.
    none_interval = defaults and interval == _DEFAULT_RETRYINTERVAL and draw(st.booleans())
    none_count = count == _DEFAULT_RETRYCOUNT and draw(st.booleans())
    return (None if none_interval else interval), (None if none_count else count), ttl


def _dpd_mode(dpd: str) -> st.SearchStrategy[str | None]:
    if dpd == "any":
        return st.sampled_from((None, "on-demand", "on-idle", "disable"))
    if dpd == "on-demand":  # the default: no line, or the line
        return st.sampled_from((None, "on-demand"))
    return st.just(dpd)


@st.composite
def site_specs(
    draw: st.DrawFn,
    *,
    index: int = 0,
    timers: Timers = REAL_TIMERS,
    ike_version: int | None = None,
    min_rules: int = 0,
    max_rules: int = 4,
    local_in: str = "any",
    dpd: str = "any",
    ttl_vs_dpd: str = "any",
) -> SiteSpec:
    """The choices of gateway ``site1`` (``index=0``) or ``site2`` (``index=1``).

    The UDP 500 session TTL comes from ``udp-idle-timer`` or from a ``session-ttl port``
    entry for UDP 500 (optionally ``timeout never`` when defaults are allowed).
    ``ike_version`` pins the phase1 IKE version (``None``: drawn).

    Knobs (each promise holds on every draw; nothing is drawn and thrown away):

    * ``local_in``: ``"admits"`` / ``"denies"``: the local-in table's verdict on a new
      IKE packet from the peer is accept / deny, certainly (one outcome, no schedule
      branching); ``"any"``: whatever the drawn table says.
    * ``dpd``: ``"on-demand"`` (written, or left at the default), ``"on-idle"``,
      ``"disable"``, or ``"any"``.
    * ``ttl_vs_dpd``: ``"below-dpd"`` / ``"above-dpd"``: the UDP 500 session TTL is
      strictly below / above the DPD detection time (``EndParams.dpd_detection_seconds``:
      ``dpd-retrycount`` x ``dpd-retryinterval`` under IKEv1, the fixed give-up of a
      request under IKEv2; ``timeout never`` counts as above). Raises ``ValueError``
      when ``timers`` cannot hold the relation (``ttl_feasible``).
    """
    _check_choice("local_in", local_in, LOCAL_IN_CHOICES)
    _check_choice("dpd", dpd, DPD_CHOICES)
    _check_choice("ttl_vs_dpd", ttl_vs_dpd, TTL_CHOICES)
    if local_in == "denies" and max_rules < 1:
        raise ValueError("local_in='denies' needs max_rules >= 1")
    host, wan, lan = SITES[index]
    _, peer, _ = SITES[1 - index]
    if ike_version is not None:
        version = ike_version
    else:
        versions = [v for v in (1, 2) if ttl_feasible(timers, v, ttl_vs_dpd)]
        version = draw(st.sampled_from(versions or [1]))
    if not ttl_feasible(timers, version, ttl_vs_dpd):
        raise ValueError(f"ttl_vs_dpd={ttl_vs_dpd!r} is impossible for IKEv{version} with {timers}")
    ttl_source = draw(st.sampled_from(("global", "port")))
    interval, count, ttl = draw(_dpd_and_ttl(timers, version, ttl_vs_dpd))
    # 'timeout never' (a port entry) is above every detection time, never below it.
    never = (
        timers.defaults_allowed
        and ttl_source == "port"
        and ttl_vs_dpd != "below-dpd"
        and draw(st.booleans())
    )
    # The global timer may stay at its default when the default keeps the promise.
    udp_idle: int | None = None
    if ttl_source == "global":
        udp_idle = ttl
        if timers.defaults_allowed and _ttl_keeps(
            _DEFAULT_TTL, version, interval, count, ttl_vs_dpd
        ):
            udp_idle = draw(st.none() | st.just(ttl))
    peer_object = draw(st.sampled_from(PEER_OBJECT_KINDS))
    return SiteSpec(
        hostname=host,
        wan_ip=wan,
        peer_ip=peer,
        lan_net=lan,
        peer_object=peer_object,
        udp_idle_timer=udp_idle,
        ike_session_ttl=ttl if ttl_source == "port" else None,
        ike_session_never=never,
        # IKEv1 is the default: leave the line out or write it, both are real configs.
        ike_version=version if version == 2 or draw(st.booleans()) else None,
        dpd=draw(_dpd_mode(dpd)),
        dpd_retryinterval=interval,
        dpd_retrycount=count,
        keylife=draw(st.none() | st.integers(*timers.keylife)),
        # Phase1 auto-negotiate off is rare in practice (and the tunnel then seldom
        # comes up), so it is drawn less often than the default.
        p1_auto_negotiate=draw(_weighted((None, 3), ("enable", 1), ("disable", 1))),
        keylifeseconds=draw(st.none() | st.integers(*timers.keylifeseconds)),
        p2_auto_negotiate=draw(st.sampled_from((None, "enable", "disable"))),
        local_in=draw(_local_in_table(min_rules, max_rules, local_in, peer_object)),
    )


def _ttl_keeps(
    ttl: int, version: int, interval: int | None, count: int | None, relation: str
) -> bool:
    if relation == "any":
        return True
    if version == 2:
        detection = _giveup(2)
    else:
        detection = (_DEFAULT_RETRYCOUNT if count is None else count) * (
            _DEFAULT_RETRYINTERVAL if interval is None else interval
        )
    return ttl < detection if relation == "below-dpd" else ttl > detection


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
        """Read both texts and pair them (``ipsecmc check``'s path): the real parser,
        resolver and pairing, on tokens made line by line from the spec instead of
        scanning the text (``strategies_text.read_site``: equal results, compared by
        the tests). :meth:`read_text` scans the text as ``ipsecmc check`` does."""
        note_generated_secrets()
        return _pair_specs(self.specs)

    def read_text(self) -> Scenario:
        """Read both texts with the real reader, characters and all, and pair them."""
        gateways = [gw for name, text in self.texts.items() for gw in read_text(text, name)]
        return pair(gateways)

    def short(self) -> str:
        """Only the lines of each config that carry a drawn choice, under their
        ``config``/``edit`` lines, numbered as in the full text (``short_site``)."""
        return "\n".join(
            f"--- {s.hostname}.conf (drawn lines only) ---\n{short_site(s)}" for s in self.specs
        )

    def __str__(self) -> str:
        return "\n".join(f"--- {name} ---\n{text}" for name, text in self.texts.items())


#: site_specs strategies by their arguments (making one costs more than drawing from it).
_site_specs = lru_cache(maxsize=512)(site_specs)


#: A knob given for both ends at once, or per end as (site1, site2).
PerEnd = str | tuple[str, str]


def _per_end(name: str, value: PerEnd, choices: tuple[str, ...]) -> tuple[str, str]:
    pair_ = (value, value) if isinstance(value, str) else value
    if len(pair_) != 2:
        raise ValueError(f"{name}={value!r}: expected one value or a (site1, site2) pair")
    for v in pair_:
        _check_choice(name, v, choices)
    return pair_[0], pair_[1]


def config_pairs(
    *,
    timers: Timers = REAL_TIMERS,
    min_rules: tuple[int, int] = (0, 1),
    max_rules: int = 4,
    local_in: PerEnd = "any",
    dpd: PerEnd = "any",
    ttl_vs_dpd: PerEnd = "any",
    ike_versions: str = "any",
) -> st.SearchStrategy[ConfigPair]:
    """Two configs, ``site1`` and ``site2``, whose phase1s point at each other.

    ``min_rules`` is the least number of local-in policies of (site1, site2). By default
    site2 plays the seed's site2 and always has a table (empty tables make every IKE
    packet welcome and the scenario dull); the smallest pair is the seed scenario.

    ``ike_versions``: ``"any"`` (both sides run the same IKE version in three draws out
    of four; the fourth is the real misconfiguration of mismatched versions, which never
    brings the tunnel up in the model), ``"same"`` or ``"mixed"``.

    ``local_in``, ``dpd``, ``ttl_vs_dpd``: the knobs of :func:`site_specs`, one value for
    both ends or a ``(site1, site2)`` pair, e.g. ``local_in=("admits", "denies")``.
    Values are checked here, when the strategy is made; a relation ``timers`` cannot
    hold for any IKE version allowed raises ``ValueError``.
    """
    knobs = (
        _per_end("local_in", local_in, LOCAL_IN_CHOICES),
        _per_end("dpd", dpd, DPD_CHOICES),
        _per_end("ttl_vs_dpd", ttl_vs_dpd, TTL_CHOICES),
    )
    _check_choice("ike_versions", ike_versions, IKE_VERSION_CHOICES)
    ttl = knobs[2]
    # Version pairs (site1, site2) the timer relations allow, in shrink order.
    same = [(v, v) for v in (1, 2)]
    mixed = [(1, 2), (2, 1)]
    pool = {"any": same + mixed, "same": same, "mixed": mixed}[ike_versions]
    allowed = [
        vs for vs in pool if all(ttl_feasible(timers, v, t) for v, t in zip(vs, ttl, strict=True))
    ]
    if not allowed:
        raise ValueError(
            f"ttl_vs_dpd={ttl_vs_dpd!r} with ike_versions={ike_versions!r} is impossible "
            f"with {timers}"
        )
    for i, knob in enumerate(knobs[0]):
        if knob == "denies" and max_rules < 1:
            raise ValueError(f"local_in='denies' at site{i + 1} needs max_rules >= 1")
    return _config_pairs(timers, min_rules, max_rules, knobs, ike_versions, tuple(allowed))


@st.composite
def _config_pairs(
    draw: st.DrawFn,
    timers: Timers,
    min_rules: tuple[int, int],
    max_rules: int,
    knobs: tuple[tuple[str, str], tuple[str, str], tuple[str, str]],
    ike_versions: str,
    allowed: tuple[tuple[int, int], ...],
) -> ConfigPair:
    if ike_versions == "any" and len(allowed) == 4:
        version = draw(st.sampled_from((1, 2)))
        mismatch = draw(st.integers(0, 3)) == 3  # one pair in four; shrinks to equal versions
        versions = (version, 3 - version if mismatch else version)
    else:
        versions = draw(st.sampled_from(allowed))
    local_in, dpd, ttl = knobs
    one, two = (
        draw(
            _site_specs(
                index=i,
                timers=timers,
                ike_version=versions[i],
                min_rules=min_rules[i],
                max_rules=max_rules,
                local_in=local_in[i],
                dpd=dpd[i],
                ttl_vs_dpd=ttl[i],
            )
        )
        for i in (0, 1)
    )
    return ConfigPair((one, two))


@lru_cache(maxsize=4096)
def _pair_specs(specs: tuple[SiteSpec, SiteSpec]) -> Scenario:
    gateways = [gw for s in specs for gw in read_site(s, f"{s.hostname}.conf")]
    return pair(gateways)


# --- scenarios --------------------------------------------------------------------------

#: Per end (site1, site2): (phase1 keylife, phase2 keylife), ``None`` = that one not rekeyed.
KeylifeOverride = tuple[tuple[int | None, int | None], tuple[int | None, int | None]]


@dataclass(frozen=True)
class GeneratedScenario:
    """A drawn scenario: the configs, what the reader and pairing made of them, the
    traffic profile and whether rekeys are modelled.

    ``keylives``, when set, replaces the keylives *after* reading (``small_scenarios``
    only: FortiOS does not accept keylives below 120 s, so they cannot be in the texts).
    Its repr is :meth:`short` (the drawn lines of both configs), so a failing Hypothesis
    example shows what a reader needs; :meth:`save` writes the full folder.
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

    def model(self) -> LoadedModel:
        """The scenario as ``ipsecmc.api.load`` would load its saved folder, without
        writing it: what ``api.check`` and ``api.with_timers`` take. (Substituted
        keylives are in its system, as in :meth:`system`.)"""
        settings_ = ScenarioSettings(self.traffic, self.rekey)
        return LoadedModel(self.scenario, settings_, self.traffic, self.rekey, (self.system(),))

    @property
    def savable(self) -> bool:
        """Can config files hold this scenario (no keylife below FortiOS' minimum)?"""
        return self.keylives is None or not self.rekey

    def write(self, folder: str | Path) -> Path:
        """Write a scenario folder ``ipsecmc check FOLDER`` reads: both configs and a
        ``scenario.toml`` with the traffic profile and rekey setting. Refused for
        scenarios with substituted keylives (no config file can hold them)."""
        return self.save(folder)

    def save(
        self,
        folder: str | Path,
        *,
        description: str | None = None,
        expect: dict[str, str] | None = None,
    ) -> Path:
        """Save the scenario as a folder ``ipsecmc check FOLDER`` reproduces: both
        configs and a ``scenario.toml`` with the traffic profile, the rekey setting, an
        optional ``description`` and optional ``[expect]`` verdicts (property name ->
        ``"VIOLATED"``, ...; ``ipsecmc check`` then reports a mismatch). The folder is
        created if missing. Refused (``ValueError``) for scenarios with substituted
        keylives (:attr:`savable`: no config file can hold them)."""
        if not self.savable:
            raise ValueError(
                "this scenario's keylives are below FortiOS' 120 s minimum and exist only "
                "in its TransitionSystem; it cannot be written as config files"
            )
        out = Path(folder)
        self.configs.write(out)
        lines = []
        if description is not None:
            lines.append(f"description = {_toml_string(description)}")
        lines += [
            f"traffic = {_toml_string(self.traffic)}",
            f"rekey = {'true' if self.rekey else 'false'}",
        ]
        if expect:
            lines += ["", "[expect]", *(f"{k} = {_toml_string(v)}" for k, v in expect.items())]
        (out / "scenario.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return out

    def short(self) -> str:
        """What a reader of a failing example needs, in a few lines: traffic, rekey,
        substituted keylives, and the lines of each config that carry a drawn choice
        (every other line is the same template in every draw; see
        :meth:`ConfigPair.short`)."""
        keylives = ""
        if self.keylives is not None and self.rekey:
            keylives = f"keylives (site1, site2) = {self.keylives!r} (substituted)\n"
        return f"traffic = {self.traffic!r}, rekey = {self.rekey}\n{keylives}{self.configs.short()}"

    def __repr__(self) -> str:
        keylives = "" if self.keylives is None else f", keylives={self.keylives!r}"
        return (
            f"GeneratedScenario(traffic={self.traffic!r}, rekey={self.rekey!r}{keylives}, "
            f"configs=<<<\n{self.configs.short()}\n>>> full texts: .configs.site1/.site2, "
            f".save(folder))"
        )

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """Hypothesis' printer: the same multi-line text as ``repr``."""
        p.text(repr(self))


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


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
    **knobs: Any,
) -> st.SearchStrategy[GeneratedScenario]:
    """Random two-gateway scenarios read from generated FortiOS configs.

    ``traffic`` defaults to :func:`traffic_profiles` (phases up to ``timers``'
    ``phase_seconds``); ``rekey`` to ``st.booleans()``. With the default real timers many
    draws are too large for exhaustive search under free traffic; use
    :func:`small_scenarios` when an engine must finish. Other keyword arguments are
    :func:`config_pairs`' knobs (``min_rules``, ``local_in``, ``dpd``, ``ttl_vs_dpd``,
    ``ike_versions``).
    """
    profiles = (
        traffic if traffic is not None else traffic_profiles(phase_seconds=timers.phase_seconds)
    )
    return st.builds(
        _scenario,
        config_pairs(timers=timers, max_rules=max_rules, **knobs),
        profiles,
        rekey if rekey is not None else st.booleans(),
    )


def _both_ikev1(configs: ConfigPair) -> bool:
    return all(s.ike_version in (None, 1) for s in configs.specs)


_KEYLIFE = st.none() | st.integers(*SMALL_KEYLIFE)


def small_scenarios(
    *, max_rules: int = 4, rekey: bool | None = None, **knobs: Any
) -> st.SearchStrategy[GeneratedScenario]:
    """Scenarios the explicit engine explores exhaustively in well under a second.

    ``rekey``: ``None`` draws it (see below), ``False`` never rekeys (every draw can then
    be saved as a scenario folder), ``True`` rekeys whenever the traffic allows it. Other
    keyword arguments are :func:`config_pairs`' knobs (``min_rules``, ``local_in``,
    ``dpd``, ``ttl_vs_dpd``, ``ike_versions``), with :data:`SMALL_TIMERS`.

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
    pairs = config_pairs(timers=SMALL_TIMERS, max_rules=max_rules, **knobs)
    return _small_scenarios(pairs, rekey)


@st.composite
def _small_scenarios(
    draw: st.DrawFn, pairs: st.SearchStrategy[ConfigPair], want_rekey: bool | None
) -> GeneratedScenario:
    configs = draw(pairs)
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
    pinned = not _free(traffic.rsplit(",", 1)[-1])
    rekey = pinned and (draw(st.booleans()) if want_rekey is None else want_rekey)
    keylives: KeylifeOverride | None = None
    if rekey:
        keylives = (
            (draw(_KEYLIFE), draw(_KEYLIFE)),
            (draw(_KEYLIFE), draw(_KEYLIFE)),
        )
    return _scenario(configs, traffic, rekey, keylives)


def small_systems(*, max_rules: int = 4, **knobs: Any) -> st.SearchStrategy[TunnelSystem]:
    """The transition systems of :func:`small_scenarios` (draw those instead when a
    failing example should show its configs)."""
    return small_scenarios(max_rules=max_rules, **knobs).map(lambda s: s.system())
