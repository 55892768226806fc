"""Time of the z3 engine on the seeds (issue 13's speed goals).

Runs ``ipsecmc check --engine z3 --property P models/M/`` in-process (same code path as
the command, the command's default time budget) for

* (a) seed-intended agreement: the counterexample (41 steps, 391 s);
* (b) seed-fixed and seed-literal agreement and no-blackhole: proofs;

and prints the verdict, the BMC step count or the proof, wall seconds and the CPU
seconds of this process (z3 runs in-process; the engine runs IC3/PDR in a second thread
alongside BMC, so CPU time can exceed wall time). With ``--differential N``, also (c):
the share of ``N`` scenarios of ``tests/test_differential.py``'s default run on which
z3 gives a real verdict (not HOLDS_UP_TO). Figures in ``benchmarks/RESULTS.md`` come
from here.

Usage: python benchmarks/smt_seed_cpu.py [--case seed-intended:agreement ...]
       [--repeat 1] [--differential 200]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's package, whatever the current directory

from ipsecmc.cli.options import DEFAULT_TIMEOUT  # noqa: E402
from ipsecmc.workflows.check import CheckOptions, check_paths  # noqa: E402

CASES = (
    "seed-intended:agreement",
    "seed-fixed:agreement",
    "seed-literal:agreement",
    "seed-fixed:no-blackhole",
    "seed-literal:no-blackhole",
)


def run_case(case: str) -> None:
    model, prop = case.split(":")
    # the command's default time budget, as a user gets it
    options = CheckOptions(properties=(prop,), engine="z3", jobs=1, timeout_seconds=DEFAULT_TIMEOUT)
    cpu, wall = time.process_time(), time.perf_counter()
    (result,) = check_paths([str(REPO / "models" / model)], options).results
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    facts = result.result.facts or {}
    how = (
        f"{facts.get('steps')} steps"
        if "steps" in facts
        else f"proof {facts.get('proof', 'k-induction')}"
    )
    print(
        f"{model} {prop} z3: {result.verdict.value}, {how}, {wall:.1f} s wall, {cpu:.1f} s CPU",
        flush=True,
    )


def differential(n: int) -> None:
    from tests.test_differential import CI, _run

    wall = time.perf_counter()
    counts = _run(n, CI)
    wall = time.perf_counter() - wall
    real = sum(v for k, v in counts.items() if "z3 HOLDS_UP_TO" not in k and "/ z3" in k)
    print(f"differential: z3 real verdicts {real}/{n} ({100 * real / n:.0f}%), {wall:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", help="model:property (default: all)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--differential", type=int, default=0, metavar="N")
    args = parser.parse_args()
    for _ in range(args.repeat):
        for case in args.case or CASES:
            run_case(case)
    if args.differential:
        differential(args.differential)


if __name__ == "__main__":
    main()
