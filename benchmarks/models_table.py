"""Per models/ scenario and property: verdict, states, time, peak memory (issue 3).

Run: python benchmarks/models_table.py [--engine explicit]
Each (scenario, property) runs in a fresh subprocess so that peak memory (ru_maxrss)
belongs to that check alone. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHILD = """
import json, resource, sys, time
from ipsecmc.workflows.check import CheckOptions, check_paths
t0 = time.perf_counter()
report = check_paths([sys.argv[1]], CheckOptions(properties=(sys.argv[2],), engine=sys.argv[3]))
elapsed = time.perf_counter() - t0
r = report.results[0]
print(json.dumps({"verdict": r.verdict.value, "states": r.result.stats.states,
  "stored": r.result.stats.stored_nodes, "seconds": elapsed,
  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", default="explicit")
    args = parser.parse_args()
    props = sorted(p.stem for p in (REPO / "properties").glob("*.prop"))
    scenarios = sorted(p for p in (REPO / "models").iterdir() if p.is_dir())
    print(
        f"machine: {platform.processor() or platform.machine()}, python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    print()
    print("| scenario | property | verdict | states visited | stored | time (s) | peak MB |")
    print("|---|---|---|---:|---:|---:|---:|")
    for scenario in scenarios:
        for prop in props:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(scenario), prop, args.engine],
                capture_output=True,
                text=True,
                check=True,
                cwd=REPO,
            )
            row = json.loads(out.stdout)
            print(
                f"| {scenario.name} | {prop} | {row['verdict']} | {row['states']} | "
                f"{row['stored']} | {row['seconds']:.2f} | {row['peak_mb']:.0f} |"
            )


if __name__ == "__main__":
    main()
