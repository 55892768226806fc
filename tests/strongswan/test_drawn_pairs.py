"""Drawn FortiGate <-> strongSwan pairs, read from config text: the explicit engine, the
step-graph twin and z3 agree (the differential of ``tests/test_differential.py`` on
systems the strongSwan reader built, with small timers so that every engine answers).

What is drawn: the strongSwan host's IKE version, DPD delay (and IKEv1 timeout), rekey
or reauthentication time, child start/DPD/close actions and rekey time, retransmission
settings, conntrack timeout and nftables ruleset (none, stateful only, stateful with
IKE open); the FortiGate's IKE version, DPD mode and interval, keylives, auto-negotiate
and UDP idle timer.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipsecmc.inputs import load_scenario
from ipsecmc.systems import build
from tests.model.helpers import drawn
from tests.test_differential import CI, Tally, compare, plans

FORTIGATE = """config system global
    set hostname "fgt"
    set udp-idle-timer {idle}
end
config system interface
    edit "port1"
        set ip 198.51.100.1 255.255.255.0
    next
end
config vpn ipsec phase1-interface
    edit "to-swan"
        set interface "port1"
        set ike-version {fgt_version}
        set dpd {dpd}
        set dpd-retryinterval {interval}
        set dpd-retrycount 2
        set keylife {keylife}
        set remote-gw 203.0.113.2
        set psksecret ENC abc
    next
end
config vpn ipsec phase2-interface
    edit "to-swan"
        set phase1name "to-swan"
        set keylifeseconds {keylifeseconds}
        set auto-negotiate {auto}
    next
end
"""

SWANCTL = """connections {{
    to-fgt {{
        version = {version}
        local_addrs = 203.0.113.2
        remote_addrs = 198.51.100.1
        dpd_delay = {dpd_delay}s
        dpd_timeout = {dpd_timeout}s
        {ike_life}
        children {{
            net {{
                start_action = {start}
                dpd_action = {dpd_action}
                close_action = {close_action}
                rekey_time = {child_rekey}s
            }}
        }}
    }}
}}
"""

RULESETS = {
    "none": None,
    "stateful": "ct state established,related accept",
    "open": "ct state established,related accept\n        udp dport 500 accept",
}


@st.composite
def pair_texts(draw: st.DrawFn) -> dict[str, str | None]:
    """The four files of a drawn pair (FortiGate, swanctl, strongswan, nftables)."""
    version = draw(st.sampled_from([1, 2]))
    fgt = FORTIGATE.format(
        idle=draw(st.integers(3, 12)),
        fgt_version=draw(st.sampled_from([version, version, 3 - version])),
        dpd=draw(st.sampled_from(["disable", "on-idle", "on-demand"])),
        interval=draw(st.integers(2, 5)),
        keylife=draw(st.integers(120, 180)),
        keylifeseconds=draw(st.integers(120, 180)),
        auto=draw(st.sampled_from(["enable", "disable"])),
    )
    reauth = draw(st.booleans())
    life = draw(st.integers(120, 180))
    swan = SWANCTL.format(
        version=version,
        dpd_delay=draw(st.sampled_from([0, 2, 3, 5])),
        dpd_timeout=draw(st.sampled_from([0, 6, 10])),
        ike_life=f"reauth_time = {life}s" if reauth else f"rekey_time = {life}s",
        start=draw(st.sampled_from(["none", "start", "trap", "trap|start"])),
        dpd_action=draw(st.sampled_from(["clear", "trap", "restart"])),
        close_action=draw(st.sampled_from(["none", "trap", "start"])),
        child_rekey=draw(st.integers(120, 180)),
    )
    conf = (
        f"charon {{\n retransmit_timeout = {draw(st.sampled_from([1, 2]))}\n"
        f" retransmit_base = 2\n retransmit_tries = {draw(st.integers(1, 2))}\n}}\n"
    )
    rules = RULESETS[draw(st.sampled_from(sorted(RULESETS)))]
    nft = (
        None
        if rules is None
        else "table inet filter {\n    chain input {\n        type filter hook input "
        f"priority 0; policy drop;\n        {rules}\n    }}\n}}\n"
    )
    sysctl = f"net.netfilter.nf_conntrack_udp_timeout_stream = {draw(st.integers(3, 12))}\n"
    return {
        "fgt.conf": fgt,
        "swan/swanctl.conf": swan,
        "swan/strongswan.conf": conf,
        "swan/nftables.conf": nft,
        "swan/sysctl.conf": sysctl,
    }


def _run(n: int) -> Counter[str]:
    tally = Tally(Counter())

    @drawn(n)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        texts = data.draw(pair_texts(), label="configs")
        with tempfile.TemporaryDirectory() as tmp:
            for name, text in texts.items():
                if text is not None:
                    path = Path(tmp) / name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(text)
            (tunnel,) = load_scenario([tmp]).tunnels
            system = build(tunnel)
        plan = data.draw(plans(system), label="plan")
        compare(None, plan, CI, tally, system)

    check()
    print(f"\ndifferential, {n} drawn mixed pairs: {tally.line()}")
    return tally.counts


def _definite(counts: Counter[str]) -> int:
    return sum(n for k, n in counts.items() if "z3 HOLDS" in k or "z3 VIOLATED" in k)


def test_engines_agree_on_drawn_mixed_pairs() -> None:
    """The default run: a few drawn pairs (each engine answers; z3 with a real verdict on
    at least one)."""
    assert _definite(_run(4)) > 0


@pytest.mark.slow
def test_engines_agree_on_many_drawn_mixed_pairs() -> None:
    assert _definite(_run(60)) > 0
