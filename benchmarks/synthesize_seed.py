"""Parameter synthesis on models/seed-intended against a brute-force grid (issue 14,
item 2; goal: the 28-cell grid synthesized in under 10 s).

For a 7 x 4 grid of (session-ttl, dpd-retryinterval) around the known boundary
(agreement is violated iff session-ttl < dpd-retryinterval + 200), prints the time of

* brute force: one explicit check per grid cell (what a user would script with
  ``api.with_timers``);
* ``ipsecmc synthesize`` on the same grid: the violated region derived from
  counterexample shapes, the rest checked at the grid cells (plus its off-grid probes).

and whether the two agree on every cell. Both with the scenario as bundled (rekey on:
real keylife timers, the expensive case) and with ``--no-rekey``. Last, the wall time of
the command with its defaults (a 5 x 5 grid, every invariant and bounded property) in a
fresh process, as a user first runs it.

Usage: python benchmarks/synthesize_seed.py
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

from ipsecmc import api
from ipsecmc.engines.explicit.search import ExplicitEngine
from ipsecmc.engines.result import Budget, Verdict
from ipsecmc.properties import load_property
from ipsecmc.workflows.synthesize import SynthesisOptions, synthesize_model
from ipsecmc.workflows.tunnel_check import plan_for

SEED = Path(__file__).resolve().parent.parent / "models" / "seed-intended"
TTLS = (180, 210, 219, 220, 230, 259, 260)
DPDS = (20, 30, 40, 60)


def brute_force(model: api.LoadedModel) -> tuple[dict[tuple[int, int], Verdict], float]:
    prop = load_property("agreement")
    started = time.perf_counter()
    verdicts = {}
    for ttl, dpd in itertools.product(TTLS, DPDS):
        system = api.with_timers(model, session_ttl=ttl, dpd_retryinterval=dpd).systems[0]
        result = ExplicitEngine(Budget()).check(system, plan_for(system, prop, None))
        verdicts[(ttl, dpd)] = result.verdict
    return verdicts, time.perf_counter() - started


def default_command_seconds() -> tuple[float, int]:
    """Wall time and exit code of ``ipsecmc synthesize`` with its defaults."""
    command = [sys.executable, "-m", "ipsecmc", "synthesize", str(SEED)]
    command += ["--param", "session-ttl", "--param", "dpd-retryinterval"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    return time.perf_counter() - started, done.returncode


def main() -> None:
    jobs = os.cpu_count() or 1
    print(
        f"| rekey | brute force s | synthesis s (1 job) | synthesis s ({jobs} jobs) "
        "| explicit checks | shapes | holds cells | cells agree | violated region | rest |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for rekey in (True, False):
        model = api.load([SEED], rekey=rekey)
        brute, brute_seconds = brute_force(model)
        seconds = []
        for n in (1, jobs):
            options = SynthesisOptions(
                params=("session-ttl", "dpd-retryinterval"),
                ranges={"session-ttl": (150, 300), "dpd-retryinterval": (10, 60)},
                values={"session-ttl": TTLS, "dpd-retryinterval": DPDS},
                jobs=n,
            )
            started = time.perf_counter()
            report = synthesize_model(model, [load_property("agreement")], options)
            seconds.append(time.perf_counter() - started)
        result = report.results[0]
        agree = all(brute[c.point] is c.verdict for c in result.cells)  # type: ignore[index]
        print(
            f"| {'on' if rekey else 'off'} | {brute_seconds:.2f} | {seconds[0]:.2f} "
            f"| {seconds[1]:.2f} "
            f"| {result.explicit_checks} | {len(result.shapes)} "
            f"| {result.count(Verdict.HOLDS)} | {'yes' if agree else 'NO'} "
            f"| {' or '.join(report.violated_text(result))} "
            f"| {' or '.join(report.rest_text(result))} |"
        )
    seconds_default, code = default_command_seconds()
    print(
        f"\nipsecmc synthesize {SEED.name} --param session-ttl --param dpd-retryinterval "
        f"(defaults: 5 x 5 grid, every invariant and bounded property): "
        f"{seconds_default:.2f} s wall, exit {code}"
    )


if __name__ == "__main__":
    main()
