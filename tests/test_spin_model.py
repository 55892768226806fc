"""The Promela model of benchmarks/spin: its shape, and (with SPIN) syntax and state counts.

The model is derived from ipsecmc's step relation (``benchmarks/spin/promela.py``);
``tests/test_promela.py`` runs its text against ``TransitionSystem.successors`` without
SPIN. Here: what a SPIN user sees (one process, one ``d_step`` per choice, the smallest
types), and, when ``spin`` and ``gcc`` are on PATH (Debian: ``apt-get install spin``),
that SPIN accepts it and stores exactly ipsecmc's reachable (state, counter) pairs.
Nothing here is timed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("z3")

from benchmarks.spin.crosscheck import SMALL_CELLS, load_system, reachable_keys, with_timers
from benchmarks.spin.promela import agreement_plan, promela
from tests.conftest import MODELS

HAVE_SPIN = shutil.which("spin") is not None and shutil.which("gcc") is not None


def test_one_process_one_option_per_choice_and_smallest_types() -> None:
    system = load_system(MODELS / "seed-intended", rekey=True)
    model = promela(system, agreement_plan(system, 120))
    text = model.text
    assert text.count("proctype") == 1
    # a pinned local-in: one outcome per urgent event and end, and four traffic choices
    assert model.options == 6 == text.count(":: d_step")
    assert text.count("/* tick a->b=") == 4
    assert "byte b_sess = 0;" in text  # 0..180
    assert "int a_p2_life = -1;" in text  # -1..43200
    assert "byte mon = 0;" in text  # 0..121
    assert "a.sent" not in model.fields


def test_a_session_only_an_admitting_local_in_reads_is_left_out() -> None:
    """The UDP 500 session decides only where local-in would drop the peer's IKE: in
    seed-intended that is site2 (b) alone; in seed-fixed both ends admit it, so neither
    session changes what happens (the derived terms do not read them)."""
    intended = load_system(MODELS / "seed-intended", rekey=True)
    assert [f for f in promela(intended, agreement_plan(intended, 120)).fields if "sess" in f] == [
        "b.sess"
    ]
    fixed = load_system(MODELS / "seed-fixed", rekey=True)
    assert not [f for f in promela(fixed, agreement_plan(fixed, 120)).fields if "sess" in f]


def test_keylife_countdowns_are_left_out_without_rekey() -> None:
    system = load_system(MODELS / "seed-fixed", rekey=False)
    model = promela(system, agreement_plan(system, 120))
    assert "a.p2_life" not in model.fields
    assert "p2_life" not in model.text


@pytest.mark.skipif(not HAVE_SPIN, reason="spin or gcc not on PATH")
@pytest.mark.parametrize("scenario", ["seed-fixed", "seed-intended"])
def test_spin_stores_exactly_ipsecmc_one_second_states(scenario: str, tmp_path: Path) -> None:
    """On small timers, SPIN's verdict is ipsecmc's, and on a proof its stored states are
    ipsecmc's reachable (state, counter) pairs."""
    from benchmarks.spin.compare import run_spin

    ttl, dpd, retry, p1_life, p2_life, bound = SMALL_CELLS[0]
    seed = load_system(MODELS / scenario, rekey=True)
    system = with_timers(seed, ttl, dpd, retry, p1_life, p2_life)
    plan = agreement_plan(system, bound)
    model = promela(system, plan)
    (tmp_path / "model.pml").write_text(model.text, encoding="utf-8")
    done = subprocess.run(
        ["spin", "-a", "model.pml"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    count, violated = reachable_keys(system, plan, model)
    run = run_spin(model.text, timeout=120)
    assert run.verdict == ("VIOLATED" if violated else "HOLDS")
    assert violated == (scenario == "seed-intended")
    if not violated:
        assert run.states == count
