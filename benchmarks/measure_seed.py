"""Worst-case disagreement (``ipsecmc measure``) of every models/seed-* scenario.

Prints one Markdown table row per scenario x rekey setting: the figure, how it was
obtained, the worst stretch, states visited and stored, wall time of the search (the
engine's own clock) and of the whole job (search, witness replay and trace).

Usage: python benchmarks/measure_seed.py [MODEL...]   (default: every models/seed-*)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ipsecmc.workflows.measure import MeasureOptions, hms, measure_paths

MODELS = Path(__file__).resolve().parent.parent / "models"


def main() -> None:
    names = sys.argv[1:] or sorted(p.name for p in MODELS.glob("seed-*"))
    print(
        "| model | rekey | worst disagreement | status | stretch | states | stored "
        "| search s | total s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in names:
        for rekey in (True, False):
            started = time.perf_counter()
            report = measure_paths([str(MODELS / name)], MeasureOptions(rekey=rekey))
            total = time.perf_counter() - started
            for r in report.results:
                m = r.measurement
                if m.seconds is None:
                    figure = "unbounded"
                elif m.start is None:
                    figure = "0 s (never)"
                else:
                    figure = f"{m.seconds:,} s ({hms(m.seconds)})"
                end = "forever" if m.end is None else f"{m.end:,} s"
                stretch = "-" if m.start is None else f"{m.start:,} s .. {end}"
                print(
                    f"| {name} | {'on' if rekey else 'off'} | {figure} | {m.status.value} "
                    f"| {stretch} | {m.stats.states:,} | {m.stats.stored_nodes:,} "
                    f"| {m.stats.seconds:.2f} | {total:.2f} |"
                )


if __name__ == "__main__":
    main()
