"""Faults (``--faults``, issue 15 item 1): what ``--property fault-recovery`` costs and
answers on the seeds' configs.

For each seed whose two configs pair into one tunnel (seed-literal, seed-intended,
seed-fixed), the ``fault-recovery`` property (agreement after any single fault: a reboot,
an admin flush or a lost IKE packet) is checked with the explicit engine and the
command's default 60 s budget:

* on the two ``.conf`` files alone (free traffic, the default path of a user's own pair:
  the zone search), and
* on the scenario folder (its ``scenario.toml`` pins the traffic: the one-second search,
  which cannot jump over time while a fault may still start any second).

Prints one row per case: verdict, seconds, states stored, longest disagreement.

Usage: python benchmarks/faults.py [--timeout S]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's package, whatever the current directory

from ipsecmc.cli.options import DEFAULT_TIMEOUT  # noqa: E402
from ipsecmc.workflows.check import CheckOptions, check_paths  # noqa: E402

SEEDS = ("seed-literal", "seed-intended", "seed-fixed")


def _row(label: str, path: str, timeout: float) -> None:
    options = CheckOptions(properties=("fault-recovery",), timeout_seconds=timeout, jobs=1)
    wall = time.perf_counter()
    (result,) = check_paths([path], options).results
    seconds = time.perf_counter() - wall
    fact = result.result.facts.get("longest_stretch")
    longest = "-"
    if isinstance(fact, dict):
        longest = f"{fact['seconds']}" + ("" if fact["exact"] else " (at least)")
    print(
        f"| {label} | {result.verdict.value} | {seconds:.1f} | "
        f"{result.result.stats.stored_nodes:,} | {longest} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    args = parser.parse_args()
    print("| case | verdict | seconds | states stored | longest disagreement (s) |")
    print("|---|---|---|---|---|")
    for seed in SEEDS:
        with tempfile.TemporaryDirectory() as tmp:
            for conf in (REPO / "models" / seed).glob("*.conf"):
                shutil.copy(conf, tmp)
            _row(f"{seed} configs, free traffic", tmp, args.timeout)
        _row(f"{seed} with scenario.toml", str(REPO / "models" / seed), args.timeout)


if __name__ == "__main__":
    main()
