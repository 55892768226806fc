"""Mixed FortiGate <-> strongSwan pairs (issue 15 item 3): what checking them costs.

For ``models/mixed-intended`` and ``models/mixed-fixed``, every default property is
checked with the explicit engine (one job, the command's default 60 s budget):

* on the scenario folder (its ``scenario.toml`` pins the traffic), and
* on the configs alone (a copy without scenario.toml: free traffic, the default path of
  a user's own pair),

and ``agreement`` and ``one-sided`` with the z3 engine on the scenario folder. Prints one
row per case: the verdicts, wall-clock seconds, and the states stored in all.

Usage: python benchmarks/mixed.py [--timeout S] [--no-z3]
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

MODELS = ("mixed-intended", "mixed-fixed")


def _row(label: str, path: Path, options: CheckOptions) -> None:
    wall = time.perf_counter()
    report = check_paths([str(path)], options)
    seconds = time.perf_counter() - wall
    verdicts = ", ".join(f"{r.prop.name} {r.verdict.value}" for r in report.results)
    stored = sum(r.result.stats.stored_nodes for r in report.results)
    print(f"| {label} | {verdicts} | {seconds:.1f} | {stored:,} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    parser.add_argument("--no-z3", action="store_true", help="skip the z3 rows")
    args = parser.parse_args()
    explicit = CheckOptions(timeout_seconds=args.timeout, jobs=1)
    print("| case | verdicts | seconds | states stored |")
    print("|---|---|---|---|")
    for model in MODELS:
        folder = REPO / "models" / model
        _row(f"{model} (scenario.toml)", folder, explicit)
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / model
            shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("scenario.toml"))
            _row(f"{model} (free traffic)", copy, explicit)
        if not args.no_z3:
            z3 = CheckOptions(
                timeout_seconds=args.timeout,
                jobs=1,
                engine="z3",
                properties=("agreement", "one-sided"),
            )
            _row(f"{model} (scenario.toml, z3)", folder, z3)


if __name__ == "__main__":
    main()
