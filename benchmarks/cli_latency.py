"""CLI latency: process start to verdict of ``ipsecmc check`` on the seed scenarios.

Each run is a fresh ``python -m ipsecmc check models/<scenario> --property agreement``
(interpreter start, imports, reading the configs, the search, the report), timed from
``Popen`` to exit; the table gives the median, minimum and maximum over ``--runs`` runs,
and checks the verdict each time (seed-intended: VIOLATED, exit 1; seed-fixed: HOLDS, exit 0).

Run from the repo root: ``python benchmarks/cli_latency.py [--runs 11] [--property agreement]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: scenario -> exit code ``ipsecmc check --property agreement`` must give.
SCENARIOS = {"seed-intended": 1, "seed-fixed": 0}


def time_once(scenario: str, prop: str, extra: list[str]) -> tuple[float, int]:
    cmd = [sys.executable, "-m", "ipsecmc", "check", f"models/{scenario}", "--property", prop]
    start = time.perf_counter()
    done = subprocess.run(cmd + extra, cwd=REPO, capture_output=True, check=False)
    return time.perf_counter() - start, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--property", default="agreement")
    parser.add_argument("extra", nargs="*", help="more ipsecmc check options (after --)")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, python "
        f"{platform.python_version()}, {date.today()}, {args.runs} runs each\n"
    )
    print("| scenario | property | median (s) | min (s) | max (s) | exit code |")
    print("|---|---|---:|---:|---:|---:|")
    for scenario, want in SCENARIOS.items():
        times, codes = [], set()
        for _ in range(args.runs):
            seconds, code = time_once(scenario, args.property, args.extra)
            times.append(seconds)
            codes.add(code)
        shown = ", ".join(str(c) for c in sorted(codes))
        if args.property == "agreement" and codes != {want}:
            shown += f" (expected {want}!)"
        print(
            f"| {scenario} | {args.property} | {statistics.median(times):.3f} "
            f"| {min(times):.3f} | {max(times):.3f} | {shown} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
