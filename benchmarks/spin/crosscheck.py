"""Check the Promela model against ipsecmc's own model, state for state.

Two checks, both without timing anything:

* ``spin_params_of(system)``: the SPIN parameters read off ipsecmc's ``TunnelParams`` for
  a scenario folder, so the Promela model of a benchmark cell is built from the *same*
  constants ipsecmc read from the config files (``compare.py`` refuses a cell where
  they differ from the ones it meant to write).
* ``reachable_keys(system, bound)``: plain breadth-first search over ipsecmc's
  one-second transition relation (``TransitionSystem.successors``, no chain compression,
  no time jumps) in product with the agreement monitor, each state projected onto the
  fields the Promela model keeps (``sent`` dropped). When agreement holds, SPIN's
  "states, stored" must equal this count: one ``do``-loop control point, one ``d_step``
  per transition, so one SPIN state per distinct (projected state, monitor) pair.

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

from benchmarks.spin.promela import SpinEnd, SpinParams  # noqa: E402
from ipsecmc.fortios.params import TunnelSystem, build  # noqa: E402
from ipsecmc.fortios.topology import load_scenario  # noqa: E402
from ipsecmc.model.params import DpdMode, EndParams  # noqa: E402
from ipsecmc.model.state import State  # noqa: E402
from ipsecmc.model.system import TransitionSystem  # noqa: E402

Key = tuple[State, int]


def load_system(scenario: str | Path, rekey: bool) -> TransitionSystem:
    """ipsecmc's transition system of the scenario's one tunnel under ``--traffic any``."""
    tunnels = load_scenario([scenario]).tunnels
    if len(tunnels) != 1:
        raise ValueError(f"{scenario}: the SPIN model covers one tunnel, found {len(tunnels)}")
    return build(tunnels[0], "any", rekey)


def _spin_end(p: EndParams) -> SpinEnd:
    if p.ike_version != 1:
        raise ValueError(f"{p.name}: the Promela model covers IKEv1 only")
    if len(p.admissions) != 1:
        raise ValueError(f"{p.name}: the Promela model needs a pinned local-in outcome")
    return SpinEnd(
        session_ttl=p.session_ttl,
        dpd={DpdMode.DISABLE: "disable", DpdMode.ON_IDLE: "on-idle"}.get(p.dpd, "on-demand"),
        dpd_interval=p.dpd_retryinterval,
        dpd_retrycount=p.dpd_retrycount,
        p1_keylife=p.p1_keylife,
        p2_keylife=p.p2_keylife,
        p1_auto_negotiate=p.p1_auto_negotiate,
        p2_auto_negotiate=p.p2_auto_negotiate,
        admits_ike=p.admissions[0].accepted,
    )


def spin_params_of(system: TransitionSystem, bound: int) -> SpinParams:
    """The Promela parameters of an ipsecmc transition system (end a = ``tunnel.a``)."""
    a, b = system.params.ends
    return SpinParams(a=_spin_end(a), b=_spin_end(b), bound=bound)


def _project(state: State) -> State:
    return state._replace(a=state.a._replace(sent=False), b=state.b._replace(sent=False))


def reachable_keys(system: TransitionSystem, bound: int) -> tuple[int, bool]:
    """(distinct projected (state, monitor) pairs reachable, whether agreement was violated).

    The monitor is the explicit engine's for a bounded property: seconds the ends have
    disagreed without a break; a value above ``bound`` is a violation (not expanded).
    """

    def disagree(s: State) -> bool:
        return s.a.p2 != s.b.p2

    start: Key = (system.initial(), 0)
    seen = {(_project(start[0]), 0)}
    queue: deque[Key] = deque([start])
    violated = False
    while queue:
        s, c = queue.popleft()
        for label, s2 in system.successors(s):
            c2 = (c + 1 if disagree(s) else 0) if label.kind == "tick" else c
            if not disagree(s2):
                c2 = 0
            if c2 > bound:
                violated = True
                continue
            key = (_project(s2), c2)
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
    system: TransitionSystem,
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

    count, violated = reachable_keys(system, bound)
    ours = "VIOLATED" if violated else "HOLDS"
    try:
        run = run_spin(spin_params_of(system, bound), 600)
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
    count, violated = reachable_keys(system, args.bound)
    verdict = "VIOLATED" if violated else "HOLDS"
    print(f"ipsecmc one-second model: {count} states (projected, x monitor), {verdict}")
    if args.spin:
        from benchmarks.spin.compare import run_spin

        run = run_spin(spin_params_of(system, args.bound), timeout=600)
        print(f"SPIN: {run.states} states stored, {run.verdict}")
        if run.verdict != verdict or (verdict == "HOLDS" and run.states != count):
            print("MISMATCH")
            sys.exit(1)


if __name__ == "__main__":
    main()
