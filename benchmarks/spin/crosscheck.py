"""Check the Promela model against ipsecmc's own model, state for state.

Two checks, both without timing anything:

* ``reachable_keys(system, plan, model)``: plain breadth-first search over ipsecmc's
  one-second transition relation (``TransitionSystem.successors``, no chain compression,
  no time jumps) in product with the plan's monitor (``engines.monitor.Monitor``), each
  state projected onto the fields the Promela model keeps (``SpinModel.project``:
  ``sent`` dropped for agreement). When the property holds, SPIN's "states, stored" must
  equal this count: one ``do``-loop control point, one ``d_step`` per transition (a
  disallowed choice is a self-loop), so one SPIN state per distinct (projected state,
  counter) pair. The Promela model itself is derived from ipsecmc's step relation
  (``promela.py``), so this checks the derivation and the printing, not a transcription.

Run: ``python benchmarks/spin/crosscheck.py models/seed-fixed --bound 120 --no-rekey``
prints the count (and ``--spin`` runs SPIN on the same parameters and compares);
``python benchmarks/spin/crosscheck.py --cells`` does it for the grid's keylife-off cells
and a few small-timer cells with keylife on, on both seeds, and prints a table. For a
violated cell only the verdicts are compared (SPIN stops at the first violation).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import deque
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from benchmarks.spin.promela import SpinModel, agreement_plan, promela  # noqa: E402
from ipsecmc.engines.monitor import Monitor  # noqa: E402
from ipsecmc.engines.result import Plan  # noqa: E402
from ipsecmc.fortios.topology import load_scenario  # noqa: E402
from ipsecmc.model.params import EndParams  # noqa: E402
from ipsecmc.model.state import State  # noqa: E402
from ipsecmc.model.system import TransitionSystem  # noqa: E402
from ipsecmc.systems import TunnelSystem, build  # noqa: E402


def load_system(scenario: str | Path, rekey: bool) -> TunnelSystem:
    """ipsecmc's transition system of the scenario's one tunnel under ``--traffic any``."""
    tunnels = load_scenario([scenario]).tunnels
    if len(tunnels) != 1:
        raise ValueError(f"{scenario}: the SPIN model covers one tunnel, found {len(tunnels)}")
    return build(tunnels[0], "any", rekey)


def reachable_keys(system: TransitionSystem, plan: Plan, model: SpinModel) -> tuple[int, bool]:
    """(distinct projected (state, counter) pairs reachable, whether ``plan`` is violated).

    A state that ends the search (``Monitor.hit``: a counterexample) is not expanded.
    """
    monitor = Monitor(plan)
    start = system.initial()
    c0 = monitor.initial(start)
    seen = {(model.project(start), c0)}
    queue: deque[tuple[State, int]] = deque([(start, c0)])
    violated = monitor.hit(start, c0)
    while queue and not violated:
        s, c = queue.popleft()
        for label, s2 in system.successors(s):
            c2 = monitor.step(c, label, s, s2)
            if monitor.hit(s2, c2):
                violated = True
                continue
            key = (model.project(s2), c2)
            if key not in seen:
                seen.add(key)
                queue.append((s2, c2))
    return len(seen), violated


#: Small-timer cells (session TTL, DPD interval, DPD retry count, phase1 keylife, phase2
#: keylife, T) on which both exhaustive searches are quick. FortiOS (and ipsecmc's
#: reader) refuse keylives under 120 s, so these cells set ipsecmc's ``EndParams``
#: directly: the same transition relation, at timer values no config can write.
SMALL_CELLS = (
    (30, 5, 3, None, None, 40),
    (20, 5, 2, 40, 20, 30),
    (12, 4, 2, 30, 15, 25),
    (25, 8, 1, 50, 25, 40),
)


def with_timers(
    system: TunnelSystem,
    ttl: int,
    dpd: int,
    retry: int,
    p1_life: int | None,
    p2_life: int | None,
) -> TransitionSystem:
    """``system`` with every end's timers replaced (the model code is unchanged)."""

    def timed(e: EndParams) -> EndParams:
        return replace(
            e,
            session_ttl=ttl,
            dpd_retryinterval=dpd,
            dpd_retrycount=retry,
            p1_keylife=p1_life,
            p2_keylife=p2_life,
        )

    a, b = system.params.ends
    ends = (timed(a), timed(b))
    params = replace(system.params, ends=ends, rekey=p2_life is not None)
    return TunnelSystem(system.tunnel, params)


def _compare_row(label: str, scenario: str, system: TransitionSystem, bound: int) -> bool:
    from benchmarks.spin.compare import RunFailed, run_spin

    plan = agreement_plan(system, bound)
    model = promela(system, plan)
    count, violated = reachable_keys(system, plan, model)
    ours = "VIOLATED" if violated else "HOLDS"
    try:
        run = run_spin(model.text, 600)
        spin, stored = run.verdict, f"{run.states:,}"
        same = spin == ours and (violated or run.states == count)
    except RunFailed as exc:
        spin, stored, same = str(exc), "-", False
    print(
        f"| {label} | {scenario} | {bound} | {ours} | {count:,} | {spin} | {stored} "
        f"| {'ok' if same else '**MISMATCH**'} |",
        flush=True,
    )
    return same


def validate_cells(bound: int) -> bool:
    """SPIN vs ipsecmc's one-second model on the grid's keylife-off cells and small cells.

    Prints one markdown row per cell; returns whether every cell agreed.
    """
    from benchmarks.variants import GRID, write_variant

    print("| cell | scenario | T | ipsecmc 1-s model | states | SPIN | states stored | |")
    print("|---|---|---:|---|---:|---|---:|---|")
    ok = True
    with tempfile.TemporaryDirectory(prefix="ipsecmc-crosscheck-") as tmp:
        for scenario in ("seed-fixed", "seed-intended"):
            for variant in (v for v in GRID if v.keylife is None):
                folder = write_variant(REPO / "models" / scenario, Path(tmp) / scenario, variant)
                system = load_system(folder, rekey=False)
                ok = _compare_row(variant.label, scenario, system, bound) and ok
            seed = load_system(REPO / "models" / scenario, rekey=True)
            for ttl, dpd, retry, p1_life, p2_life, t in SMALL_CELLS:
                label = f"ttl{ttl}-dpd{dpd}x{retry}-life{p2_life or 'off'}/{p1_life or 'off'}"
                small = with_timers(seed, ttl, dpd, retry, p1_life, p2_life)
                ok = _compare_row(label, scenario, small, t) and ok
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", help="scenario folder (omit with --cells)")
    parser.add_argument(
        "--cells",
        action="store_true",
        help="validate on the grid's keylife-off cells and small-timer cells, both seeds",
    )
    parser.add_argument("--bound", type=int, default=120)
    parser.add_argument("--no-rekey", action="store_true")
    parser.add_argument("--spin", action="store_true", help="also run SPIN and compare counts")
    args = parser.parse_args()
    if args.cells:
        sys.exit(0 if validate_cells(args.bound) else 1)
    if args.scenario is None:
        parser.error("a scenario folder is needed (or --cells)")
    system = load_system(args.scenario, not args.no_rekey)
    plan = agreement_plan(system, args.bound)
    model = promela(system, plan)
    count, violated = reachable_keys(system, plan, model)
    verdict = "VIOLATED" if violated else "HOLDS"
    print(f"ipsecmc one-second model: {count} states (projected, x monitor), {verdict}")
    if args.spin:
        from benchmarks.spin.compare import run_spin

        run = run_spin(model.text, timeout=600)
        print(f"SPIN: {run.states} states stored, {run.verdict}")
        if run.verdict != verdict or (verdict == "HOLDS" and run.states != count):
            print("MISMATCH")
            sys.exit(1)


if __name__ == "__main__":
    main()
