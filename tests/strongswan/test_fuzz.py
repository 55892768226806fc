"""Fuzzed strongSwan host files (swanctl.conf, strongswan.conf, nftables.conf, sysctl.conf):
reading, pairing and building the model raise only ``IpsecmcError``, as for FortiOS."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipsecmc.errors import IpsecmcError
from ipsecmc.fortios.lint import lint_scenario
from ipsecmc.inputs import load_scenario
from ipsecmc.systems import build
from tests.conftest import MODELS
from tests.fuzz import mutate, mutations

STRONGSWAN_CONF = """charon {
    retransmit_tries = 4
    retransmit_timeout = 3.5
    retransmit_base = 1.5
    plugins {
        include strongswan.d/charon/*.conf
    }
}
include strongswan.d/*.conf
"""
SYSCTL = "net.netfilter.nf_conntrack_udp_timeout_stream = 180\nnet.ipv4.ip_forward=1\n"
FILES = ("swanctl.conf", "nftables.conf", "strongswan.conf", "sysctl.conf")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["mixed-intended", "mixed-fixed"]), st.sampled_from(FILES), mutations)
def test_mutated_host_files_only_raise_ipsecmc_errors(
    model: str, name: str, edits: list[tuple[str, int, int]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / model
        shutil.copytree(MODELS / model, folder)
        host = folder / "site2"
        (host / "strongswan.conf").write_text(STRONGSWAN_CONF)
        (host / "sysctl.conf").write_text(SYSCTL)
        target = host / name
        target.write_text(mutate(target.read_text(), edits))
        try:
            scenario = load_scenario([folder], require_tunnel=False)
            lint_scenario(scenario)
            for tunnel in scenario.tunnels:
                build(tunnel)
        except IpsecmcError as exc:
            assert str(exc)  # one clear message
