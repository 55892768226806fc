"""How long the z3 engine's IC3/PDR proof step (``engines/smt/proof.py``) takes on the
fixed seeds, over several of Spacer's random seeds (its run time depends on them).

    python benchmarks/spacer_seeds.py [runs]

For each of seed-fixed and seed-literal (traffic ``both:200,site1-to-site2``, the
scenario's own) and each of agreement and no-blackhole (T = 110, ``bound: auto``), runs
the full engine (``SmtEngine.check``: BMC to 60 steps, then Spacer) with Spacer seeds
0 .. runs-1 and prints the verdict and wall-clock seconds of each run, then min/median/max.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from ipsecmc.engines.result import Budget
from ipsecmc.engines.smt.engine import SmtEngine
from ipsecmc.fortios.topology import load_scenario
from ipsecmc.properties import load_property
from ipsecmc.systems import build
from ipsecmc.workflows.check import plan_for

REPO = Path(__file__).resolve().parents[1]
TRAFFIC = "both:200,site1-to-site2"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for model in ("seed-fixed", "seed-literal"):
        system = build(load_scenario([str(REPO / "models" / model)]).tunnels[0], TRAFFIC)
        for prop in ("agreement", "no-blackhole"):
            plan = plan_for(system, load_property(prop), None)
            times = []
            for seed in range(runs):
                engine = SmtEngine(Budget(timeout_seconds=300), spacer_seed=seed)
                started = time.perf_counter()
                result = engine.check(system, plan)
                took = time.perf_counter() - started
                times.append(took)
                how = result.facts.get("proof", result.reason)
                name = f"{model} {prop} T={plan.bound} seed {seed}"
                print(f"{name}: {result.verdict} ({how}) {took:.1f} s")
            print(
                f"{model} {prop}: min {min(times):.1f} s, median {statistics.median(times):.1f} s, "
                f"max {max(times):.1f} s over {runs} runs",
                flush=True,
            )


if __name__ == "__main__":
    main()
