"""CPU time of the z3 engine on the seed's agreement counterexample (issue 13).

Runs ``ipsecmc check --engine z3 --property agreement models/seed-intended/`` in-process
(same code path as the command) and prints the verdict, the BMC step count and the CPU
seconds of this process (z3 runs in-process, so CPU time is the figure to compare on a
shared machine). Figures quoted in the README ("The clock table") come from here.

Usage: python benchmarks/smt_seed_cpu.py [--model seed-intended] [--repeat 1]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ipsecmc.cli.options import DEFAULT_TIMEOUT
from ipsecmc.workflows.check import CheckOptions, check_paths

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="seed-intended")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    # the command's default time budget, as a user gets it
    options = CheckOptions(
        properties=("agreement",), engine="z3", jobs=1, timeout_seconds=DEFAULT_TIMEOUT
    )
    for _ in range(args.repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        (result,) = check_paths([str(REPO / "models" / args.model)], options).results
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        steps = result.result.facts.get("steps") if result.result.facts else None
        print(
            f"{args.model} agreement z3: {result.verdict.value}, {steps} steps, "
            f"{cpu:.1f} s CPU, {wall:.1f} s wall"
        )


if __name__ == "__main__":
    main()
