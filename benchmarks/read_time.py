"""Time to read the largest models/ config file (lex + parse + resolve), median of runs.

Usage: python benchmarks/read_time.py [RUNS]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from ipsecmc.fortios.resolver import read_text


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    models = Path(__file__).resolve().parent.parent / "models"
    largest = max(models.glob("**/*.conf"), key=lambda p: p.stat().st_size)
    text = largest.read_text()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        read_text(text, str(largest))
        times.append(time.perf_counter() - start)
    lines = text.count("\n")
    median_ms = statistics.median(times) * 1000
    print(
        f"{largest.relative_to(models.parent)}: {lines} lines, {len(text)} bytes, "
        f"median read time {median_ms:.2f} ms over {runs} runs"
    )


if __name__ == "__main__":
    main()
