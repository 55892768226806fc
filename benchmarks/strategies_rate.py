"""Valid examples per second of ``ipsecmc.strategies`` (issue 14, item 3).

Two workloads, each a Hypothesis test run in the generate phase only (no shrinking, no
database), ``--seeds`` times with different seeds; an example is *valid* when the test
body ran to the end (not rejected by ``assume``):

* ``plain``: ``scenarios()``, and the body builds the transition system (``s.system()``);
* ``seed-shape``: the shape of the seed failure: site1's local-in admits the peer's
  IKE, site2's denies it, both ends run the same IKE version, and site2's UDP 500
  session TTL is below its DPD detection time. With the knobs (this branch) the
  strategy draws exactly that (``scenarios(local_in=("admits", "denies"),
  ike_versions="same", ttl_vs_dpd=("any", "below-dpd"))``); without them (an older
  checkout) the body rejects every other draw with ``assume``, as tests had to.

Which one runs is decided by the installed ``ipsecmc.strategies``: run this file against
another checkout with ``PYTHONPATH=/path/to/checkout python benchmarks/strategies_rate.py``
for the "before" figure.

Usage: python benchmarks/strategies_rate.py [--examples N] [--seeds K]
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, assume, given, seed, settings

import ipsecmc
from ipsecmc import strategies
from ipsecmc.strategies import GeneratedScenario, scenarios

KNOBS = "local_in" in inspect.signature(strategies.config_pairs).parameters


def _seed_shape(s: GeneratedScenario) -> bool:
    one, two = s.system().params.ends
    return (
        all(a.accepted for a in one.admissions)
        and not any(a.accepted for a in two.admissions)
        and one.ike_version == two.ike_version
        and two.session_ttl is not None
        and two.session_ttl < two.dpd_detection_seconds
    )


def _run(workload: str, examples: int, k: int) -> tuple[int, int, float]:
    """(valid examples, calls of the body, seconds) of one seeded run."""
    calls = [0, 0]
    strategy: Any
    if workload == "seed-shape" and KNOBS:
        strategy = scenarios(
            local_in=("admits", "denies"), ike_versions="same", ttl_vs_dpd=("any", "below-dpd")
        )
    else:
        strategy = scenarios()

    @seed(k)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def body(s: GeneratedScenario) -> None:
        calls[1] += 1
        if workload == "seed-shape":
            if KNOBS:
                assert _seed_shape(s), s  # the knobs' promise
            else:
                assume(_seed_shape(s))
        else:
            s.system()
        calls[0] += 1

    start = time.perf_counter()
    body()
    return calls[0], calls[1], time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    root = Path(ipsecmc.__file__).resolve().parent.parent
    commit = subprocess.run(
        ["git", "-C", str(root), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    print(f"ipsecmc from {root} ({commit}); knobs: {'yes' if KNOBS else 'no (assume)'}")
    for workload in ("plain", "seed-shape"):
        rates, rejected = [], []
        for k in range(args.seeds):
            valid, calls, seconds = _run(workload, args.examples, k)
            rates.append(valid / seconds)
            rejected.append(1 - valid / calls if calls else 0.0)
            print(
                f"  {workload} seed {k}: {valid} valid of {calls} bodies in {seconds:.1f} s"
                f" = {valid / seconds:.1f} valid/s"
            )
        print(
            f"{workload}: median {statistics.median(rates):.1f} valid examples/s"
            f" (min {min(rates):.1f}, max {max(rates):.1f}); rejected by assume: median"
            f" {100 * statistics.median(rejected):.0f}% of bodies"
        )


if __name__ == "__main__":
    main()
