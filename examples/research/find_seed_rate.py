"""How many random examples Hypothesis needs to find the seed failure (issue 14, item 3).

For each of ``--seeds`` Hypothesis seeds, runs the search of ``seed_search.py``
(agreement claimed on ``small_scenarios(rekey=False, min_rules=(0, 0))``: nothing points
at the seed) and prints the draw number of the first violation, the draws including
shrinking, the wall time, and whether the shrunk counterexample has the seed's shape.
Then the medians. Only ``ipsecmc.api`` and ``ipsecmc.strategies`` are used.

Usage (from the repo root): python examples/research/find_seed_rate.py [--seeds K]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seed_search import agreement_search, seed_shape


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--max-examples", type=int, default=200)
    args = parser.parse_args()
    firsts, totals, times, seed_shaped = [], [], [], 0
    for k in range(args.seeds):
        start = time.perf_counter()
        found = agreement_search(k, args.max_examples)
        seconds = time.perf_counter() - start
        if found.scenario is None or found.result is None:
            print(f"seed {k}: no violation in {found.draws} draws ({seconds:.1f} s)")
            continue
        problem = seed_shape(found.scenario, found.result)
        seed_shaped += problem is None
        assert found.first_violation is not None
        firsts.append(found.first_violation)
        totals.append(found.draws)
        times.append(seconds)
        print(
            f"seed {k}: first violation at draw {found.first_violation}, {found.draws} draws"
            f" with shrinking, {seconds:.1f} s; shrunk example "
            + ("has the seed's shape" if problem is None else f"is not the seed's: {problem}")
        )
    if firsts:
        print(
            f"{len(firsts)}/{args.seeds} seeds found a violation; median draws to the first:"
            f" {statistics.median(firsts)} (min {min(firsts)}, max {max(firsts)}); median"
            f" draws with shrinking: {statistics.median(totals)}; median wall time"
            f" {statistics.median(times):.1f} s; seed's shape after shrinking:"
            f" {seed_shaped}/{len(firsts)}"
        )


if __name__ == "__main__":
    main()
