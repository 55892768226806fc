"""The Promela model of benchmarks/spin: structure, parameters, and (with SPIN) syntax.

Nothing here is timed. The SPIN-dependent tests are skipped when ``spin`` (or ``gcc``
for the state-count check) is not on PATH.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # benchmarks/ is not a package on the path under plain `pytest`
    sys.path.insert(0, str(REPO))

from benchmarks.spin.crosscheck import load_system, reachable_keys, spin_params_of  # noqa: E402
from benchmarks.spin.promela import (  # noqa: E402
    DELETE_P1,
    PROBE,
    REQ_P1,
    REQ_P2,
    SpinEnd,
    SpinParams,
    _Tunnel,
    promela,
    seed_params,
)
from benchmarks.variants import TimerVariant, write_variant  # noqa: E402

HAVE_SPIN = shutil.which("spin") is not None
HAVE_GCC = shutil.which("gcc") is not None

CASES = [
    seed_params(),
    seed_params(deny=False),
    seed_params(session_ttl=3600, dpd_interval=60, keylife=43200, deny=False, bound=300),
    seed_params(session_ttl=30, dpd_interval=5, dpd_retrycount=2, keylife=120),
]


def _options(text: str) -> list[str]:
    body = text.split("active proctype tunnel() {", 1)[1]
    return [line.strip() for line in body.splitlines() if line.strip().startswith(":: d_step")]


@pytest.mark.parametrize("params", CASES)
def test_one_process_two_urgent_options_and_four_ticks(params: SpinParams) -> None:
    text = promela(params)
    assert text.count("proctype") == 1
    options = _options(text)
    assert len(options) == 6
    assert options[0].startswith(":: d_step { DUE_a ->")
    assert options[1].startswith(":: d_step { DUE_b ->")
    for option in options[2:]:
        assert option.startswith(":: d_step { !DUE_a && !DUE_b ->")
        assert f"assert(mon <= {params.bound})" in option
    assert text.count("assert(") == 4  # only ticks raise the monitor


@pytest.mark.parametrize("params", CASES)
def test_timers_are_the_parameters(params: SpinParams) -> None:
    text = promela(params)
    for x, end in (("a", params.a), ("b", params.b)):
        assert f"{x}_sess = {end.session_ttl}" in text
        assert f"{x}_quiet >= {end.dpd_interval}" in text
        assert f"{x}_dsent >= {end.dpd_retrycount}" in text
        has_life = re.search(rf"\b{x}_p2l\b", text) is not None
        assert has_life == (end.p2_keylife is not None)
        if end.p2_keylife is not None:
            assert f"{x}_p2l = {end.p2_keylife}" in text
            assert f"{x}_p1l = {end.p1_keylife}" in text


def test_deny_removes_the_new_session_path_at_site2_only() -> None:
    """With deny, a packet to b without a session goes unanswered; a still admits it."""
    for kind in (REQ_P1, REQ_P2, PROBE, DELETE_P1):
        deny = _Tunnel(seed_params(deny=True))
        allow = _Tunnel(seed_params(deny=False))
        assert deny.exchange("a", kind, "NO_ANSWER").endswith(":: else -> NO_ANSWER fi")
        assert not allow.exchange("a", kind, "NO_ANSWER").endswith(":: else -> NO_ANSWER fi")
        for model in (deny, allow):
            to_a = model.exchange("b", kind, "NO_ANSWER")
            assert to_a.startswith("b_sess = 180; if :: a_sess != 0 -> a_sess = 180;")
            assert not to_a.endswith(":: else -> NO_ANSWER fi")


def test_smallest_types() -> None:
    text = promela(seed_params(session_ttl=3600, keylife=43200))
    assert "short a_sess = 0;" in text
    assert "int a_p2l = -1;" in text
    assert "byte mon = 0;" in text
    small = promela(seed_params())
    assert "short a_sess = 0;" in small  # -1..180 needs a sign
    assert "p2l" not in small


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        SpinEnd(dpd="sometimes")
    with pytest.raises(ValueError):
        SpinEnd(session_ttl=0)


def test_params_read_from_the_configs_match(tmp_path: Path) -> None:
    """compare.py's parameters equal what ipsecmc reads from a variant's config files."""
    for scenario, deny in (("seed-intended", True), ("seed-fixed", False)):
        variant = TimerVariant(600, 60, 43200)
        folder = write_variant(REPO / "models" / scenario, tmp_path / scenario, variant)
        from_config = spin_params_of(load_system(folder, rekey=True), 120)
        assert from_config == seed_params(600, 60, 3, 43200, deny, 120)


@pytest.mark.skipif(not HAVE_SPIN, reason="spin not on PATH")
@pytest.mark.parametrize("params", CASES)
def test_spin_accepts_the_model(params: SpinParams, tmp_path: Path) -> None:
    (tmp_path / "model.pml").write_text(promela(params), encoding="utf-8")
    done = subprocess.run(
        ["spin", "-a", "model.pml"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "pan.c").exists()


@pytest.mark.skipif(not (HAVE_SPIN and HAVE_GCC), reason="spin or gcc not on PATH")
def test_spin_stores_exactly_ipsecmc_one_second_states(tmp_path: Path) -> None:
    """On a small-timer proof, SPIN's stored states = ipsecmc's reachable (state, monitor)."""
    from benchmarks.spin.compare import run_spin

    variant = TimerVariant(session_ttl=30, dpd_interval=5, keylife=None)
    folder = write_variant(REPO / "models" / "seed-fixed", tmp_path / "cell", variant)
    system = load_system(folder, rekey=False)
    count, violated = reachable_keys(system, 40)
    run = run_spin(spin_params_of(system, 40), timeout=120)
    assert not violated
    assert run.verdict == "HOLDS"
    assert run.states == count
