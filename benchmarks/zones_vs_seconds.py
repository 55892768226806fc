"""Zone search vs one-second search, in-process, on the same systems (issue 5).

Two tables, `agreement` under free traffic:

* ``--real``: the seed scenarios with real keylives (43,200 / 86,400 s) and short DPD
  intervals and session TTLs (the regime where the one-second search cannot finish);
* ``--small N``: N random small-timer systems (sessions of 3-12 s, DPD intervals of
  2-6 s, keylives of 20 s or off: the systems of tests/model/test_zone_search.py), where
  zones stay thin and can lose.

Each row: verdict, zone nodes and seconds (zone search without a node cap), one-second
states and seconds (the explicit engine with every reduction but zones on, so the
comparison is with the best one-second search), their ratio, and the default engine
(zone search; when all timers are short, capped at ``ZONE_CAP`` nodes, then the
one-second search). The keylife-free
prefix is off in all three, so each search is compared on the full model. Run from the repo root:
``python benchmarks/zones_vs_seconds.py [--real] [--small 25] [--timeout 60]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from ipsecmc.engines.explicit.search import ExplicitEngine  # noqa: E402
from ipsecmc.engines.result import Budget, EngineResult, Plan  # noqa: E402
from ipsecmc.model.params import DpdMode  # noqa: E402
from ipsecmc.model.system import TransitionSystem  # noqa: E402
from tests.model.helpers import small_system  # noqa: E402
from tests.model.test_zone_search import FREE_PROFILES, _seed  # noqa: E402


def _timed(
    engine: ExplicitEngine, system: TransitionSystem, plan: Plan
) -> tuple[EngineResult, float]:
    started = time.perf_counter()
    result = engine.check(system, plan)
    return result, time.perf_counter() - started


def _row(label: str, system: TransitionSystem, bound: int, timeout: float) -> str:
    plan = Plan("agreement", "bounded", lambda s: s.a.p2 != s.b.p2, bound, frozenset({"up"}))
    budget = Budget(max_states=2_000_000, timeout_seconds=timeout)
    zoned, tz = _timed(ExplicitEngine(budget, keylife_prefix=False, zone_cap=None), system, plan)
    plain, tp = _timed(ExplicitEngine(budget, keylife_prefix=False, zones=False), system, plan)
    default, td = _timed(ExplicitEngine(budget, keylife_prefix=False), system, plan)
    return (
        f"| {label} | {zoned.verdict.value} | {zoned.stats.stored_nodes:,} | {tz:.2f} | "
        f"{plain.verdict.value} | {plain.stats.states:,} | {tp:.2f} | {tz / max(tp, 1e-3):.2f} | "
        f"{default.verdict.value} | {td:.2f} |"
    )


HEADER = (
    "| system | zones: verdict | zone nodes | zones (s) | one-second: verdict | states | "
    "one-second (s) | zones/one-second | engine (zones; short timers: cap 20,000 nodes, "
    "then one-second) | engine (s) |\n|---|---|---:|---:|---|---:|---:|---:|---|---:|"
)


def real(timeout: float) -> None:
    print("Seeds with real keylives, T = 120 s, --traffic any, keylife-free prefix off:\n")
    print(HEADER)
    for name in ("seed-fixed", "seed-intended"):
        for ttl, interval in ((180, 20), (180, 10), (180, 5), (60, 5), (30, 3)):
            system = _seed(name, ttl, interval, rekey=True)
            print(_row(f"{name} TTL {ttl} DPD {interval}", system, 120, timeout), flush=True)


def small(n: int, timeout: float) -> None:
    print(f"\n{n} random small-timer systems (seed 1):\n")
    print(HEADER)
    rng = random.Random(1)
    for index in range(n):
        kw = {
            "dpd": tuple(rng.choice(list(DpdMode)) for _ in range(2)),
            "ike": tuple(rng.choice([1, 2]) for _ in range(2)),
            "ttl": tuple(rng.randint(3, 12) for _ in range(2)),
            "interval": tuple(rng.randint(2, 6) for _ in range(2)),
            "retries": tuple(rng.randint(1, 3) for _ in range(2)),
            "accept": tuple(rng.random() < 0.6 for _ in range(2)),
            "keylife": tuple(rng.choice([None, None, 20]) for _ in range(2)),
            "traffic": rng.choice(FREE_PROFILES[:5]),
        }
        bound = rng.randint(3, 30)
        system = small_system(**kw)  # type: ignore[arg-type]
        print(_row(f"#{index} {kw['traffic']} keylife {kw['keylife']}", system, bound, timeout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", action="store_true")
    parser.add_argument("--small", type=int, default=0, metavar="N")
    parser.add_argument("--timeout", type=float, default=60.0, help="per search, seconds")
    args = parser.parse_args()
    if not args.real and not args.small:
        args.real, args.small = True, 25
    if args.real:
        real(args.timeout)
    if args.small:
        small(args.small, args.timeout)


if __name__ == "__main__":
    main()
