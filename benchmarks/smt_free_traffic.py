"""The z3 engine on a user's config pair without scenario.toml (free traffic every second).

Copies ``models/seed-intended``'s two .conf files (not its scenario.toml) to a temporary
folder, as a user's own pair arrives, and prints for the agreement property:

* the seconds of the z3 engine's sampling step (``engines.smt.samples.sample``: the
  breadth-first sample, then the walk of ``cover``; the walk counted no branch points
  before 2026-12-06 and took 77 s here);
* how many steps of the z3 relation the explicit engine's counterexamples take (the
  step-graph twin, ``tests/oracles/step_graph.py``), and how many labels they have (the
  steps they took before the free-traffic jump, one per second);
* the verdict of ``ipsecmc check --engine z3`` with the command's default budget (with
  and without ``--no-rekey``), and of the explicit engine. Until 2026-12-06 the z3 step
  relation jumped over time only while the traffic was pinned (one step per second here:
  the explicit paths have 374-573 labels; z3: HOLDS_UP_TO 60); with the ``leap`` jump
  the zone search's path is 43 steps, still beyond what BMC reaches in 60 s with four
  free choice bits a step (z3: INCONCLUSIVE at 16 steps, 26 with ``--no-rekey``).

Usage: python benchmarks/smt_free_traffic.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's package, whatever the current directory

from ipsecmc import api  # noqa: E402
from ipsecmc.cli.options import DEFAULT_TIMEOUT  # noqa: E402
from ipsecmc.engines.explicit.search import ExplicitEngine  # noqa: E402
from ipsecmc.engines.smt.encoding import jump_cap  # noqa: E402
from ipsecmc.engines.smt.samples import sample  # noqa: E402
from ipsecmc.properties import load_property  # noqa: E402
from ipsecmc.workflows.check import CheckOptions, check_paths, plan_for  # noqa: E402
from tests.oracles.step_graph import StepGraph, steps_spelling  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for conf in (REPO / "models" / "seed-intended").glob("*.conf"):
            shutil.copy(conf, tmp)
        system = api.load([tmp]).systems[0]
        plan = plan_for(system, load_property("agreement"), None)
        wall = time.perf_counter()
        got = sample(system, plan)
        print(
            f"sample: {time.perf_counter() - wall:.1f} s, {len(got.points)} points, "
            f"complete {got.complete}, {len(got.families)} families",
            flush=True,
        )
        graph = StepGraph(system, jump_cap(system.params, plan))
        for zones in (True, False):
            path = ExplicitEngine(zones=zones).check(system, plan).path
            if path is not None:  # how deep the z3 relation must go for it
                print(
                    f"explicit counterexample ({'zone' if zones else 'one-second'} search): "
                    f"{len(path.labels)} labels (a step each without the jump), "
                    f"{steps_spelling(graph, path.labels)} steps of the z3 relation",
                    flush=True,
                )
        for engine, rekey in (("explicit", True), ("z3", True), ("z3", False)):
            options = CheckOptions(
                properties=("agreement",),
                engine=engine,
                rekey=rekey,
                jobs=1,
                timeout_seconds=DEFAULT_TIMEOUT,
            )
            wall = time.perf_counter()
            (result,) = check_paths([tmp], options).results
            print(
                f"{engine}{'' if rekey else ' --no-rekey'}: {result.verdict.value}, "
                f"{time.perf_counter() - wall:.1f} s ({result.result.reason})",
                flush=True,
            )


if __name__ == "__main__":
    main()
