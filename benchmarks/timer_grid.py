"""The timer scaling grid of issue 5, for the explicit engine: prints a markdown table.

For every cell of ``variants.GRID`` (UDP session TTL x DPD interval x phase2 keylife,
keylife off = ``--no-rekey``) and for seed-fixed and seed-intended, runs

    python -m ipsecmc check VARIANT --property agreement --traffic any --bound-seconds 120
           [--no-rekey] --format json --timeout S

in a fresh process (one at a time) and prints verdict, states visited, stored states,
wall time end to end (process start to exit) and the child's CPU time. Run from the repo
root: ``python benchmarks/timer_grid.py [--timeout 60] [--only seed-fixed]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from variants import GRID, REPO, TimerVariant, check_args, write_variant

MODELS = ("seed-fixed", "seed-intended")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cell(model: str, variant: TimerVariant, timeout: float, work: Path) -> dict[str, object]:
    """Check one variant in a fresh process; return its row."""
    folder = write_variant(REPO / "models" / model, work / f"{model}-{variant.label}", variant)
    cmd = [
        sys.executable,
        "-m",
        "ipsecmc",
        "check",
        str(folder),
        "--property",
        "agreement",
        "--traffic",
        "any",
        "--bound-seconds",
        "120",
        "--format",
        "json",
        "--timeout",
        f"{timeout:g}",
        *check_args(variant),
    ]
    cpu0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    result = json.loads(proc.stdout)["results"][0]
    stats = result["stats"]
    return {
        "model": model,
        "ttl": variant.session_ttl,
        "dpd": variant.dpd_interval,
        "keylife": "off" if variant.keylife is None else variant.keylife,
        "verdict": result["verdict"],
        "states": stats["states"],
        "stored": stats["stored_nodes"],
        "wall": wall,
        "cpu": cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="per cell (default 60 s)")
    parser.add_argument("--only", choices=MODELS, action="append", help="one model (repeatable)")
    args = parser.parse_args()
    models = tuple(args.only) if args.only else MODELS
    print(f"machine: {platform.machine()}, python {platform.python_version()}, {date.today()}")
    print("agreement, --traffic any, T = 120 s; time = process start to exit\n")
    print(
        "| model | session TTL | DPD interval | keylife | verdict | states visited | stored "
        "| wall (s) | CPU (s) |"
    )
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            for variant in GRID:
                row = run_cell(model, variant, args.timeout, Path(tmp))
                print(
                    f"| {row['model']} | {row['ttl']} | {row['dpd']} | {row['keylife']} "
                    f"| {row['verdict']} | {row['states']} | {row['stored']} "
                    f"| {row['wall']:.2f} | {row['cpu']:.2f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
