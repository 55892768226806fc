"""The z3 engine on two-gateway cases it was not tuned on (issue 13's "every unseen
violated two-gateway case within its bound"), against the explicit engine.

A case is one of the models/ scenarios (three seeds' config pairs; seed-backup's VDOM
scopes take no appended timer blocks) with timers from
the scaling grid (``variants.GRID``: UDP session TTL 180/600/3600 s, DPD interval
20/60 s, keylife off or 43,200 s, written into the configs as FortiOS CLI blocks) and a
pinned traffic profile: the scenario's shape with the two-way phase stretched past the
session TTL, one direction only, or both directions always. Cases are drawn with a fixed
random seed (``--seed``), so a run is repeatable. Each case is checked for ``agreement``
with the command's default 60 s budget (``--timeout``), by both engines in-process (the
``ipsecmc check`` code path). Prints one Markdown row per case, then a summary: how many
cases the explicit engine finds VIOLATED, how many of those z3 finds (and its slowest),
z3's real verdicts, and any disagreement (there must be none).

Usage: python benchmarks/smt_unseen.py [--cases N] [--seed S] [--timeout S]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from variants import GRID, REPO, TimerVariant, check_args, write_variant

from ipsecmc.engines.result import EngineResult
from ipsecmc.workflows.check import CheckOptions, check_paths

MODELS = ("seed-intended", "seed-literal", "seed-fixed")  # (seed-backup: VDOM scopes)


def profiles(variant: TimerVariant) -> tuple[str, ...]:
    """Pinned traffic profiles for a variant (site names as in every seed)."""
    return (
        f"both:{variant.session_ttl + 20},site1-to-site2",
        "site1-to-site2",
        "both",
    )


def check(
    folder: Path, engine: str, traffic: str, variant: TimerVariant, timeout: float
) -> tuple[EngineResult, float]:
    options = CheckOptions(
        properties=("agreement",),
        engine=engine,
        rekey="--no-rekey" not in check_args(variant),
        traffic=traffic,
        timeout_seconds=timeout,
        jobs=1,
    )
    started = time.perf_counter()
    (result,) = check_paths([str(folder)], options).results
    return result.result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=24)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--timeout", type=float, default=60.0, help="per check (s)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    every = [
        (model, variant, traffic)
        for model in MODELS
        for variant in GRID
        for traffic in profiles(variant)
    ]
    cases = rng.sample(every, min(args.cases, len(every)))
    print("| model | timers | traffic | explicit | z3 | z3 steps | z3 wall s |")
    print("|---|---|---|---|---|---|---|")
    violated = found = real = 0
    slowest = 0.0
    disagree: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, (model, variant, traffic) in enumerate(cases):
            folder = write_variant(REPO / "models" / model, Path(tmp) / f"case{n}", variant)
            ex, _ = check(folder, "explicit", traffic, variant, args.timeout)
            z3r, wall = check(folder, "z3", traffic, variant, args.timeout)
            exv, z3v = ex.verdict.value, z3r.verdict.value
            steps = z3r.facts.get("steps", "-")
            print(
                f"| {model} | {variant.label} | {traffic} | {exv} | {z3v} | {steps} | {wall:.1f} |",
                flush=True,
            )
            if z3v in ("HOLDS", "VIOLATED"):
                real += 1
                if exv in ("HOLDS", "VIOLATED") and exv != z3v:
                    disagree.append(f"case {n}: explicit {exv}, z3 {z3v}")
            if exv == "VIOLATED":
                violated += 1
                if z3v == "VIOLATED":
                    found += 1
                    slowest = max(slowest, wall)
    print(
        f"\n{len(cases)} cases: explicit VIOLATED {violated}, z3 found {found} of them "
        f"(slowest {slowest:.1f} s); z3 real verdicts {real}/{len(cases)}; "
        f"disagreements: {disagree or 'none'}"
    )


if __name__ == "__main__":
    main()
