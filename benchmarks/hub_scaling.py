"""Hub scaling: ``ipsecmc check`` on a generated hub with N spokes, in a fresh process each.

For each N (default 10, 100, 1000) this writes a hub with ``benchmarks/hub_gen.py`` (one
spoke in ten blocked by the seed bug's local-in deny), runs
``python -m ipsecmc check DIR --format json [--jobs J]`` and prints a markdown table:
tunnels, distinct searches after symmetry, violations, wall time, CPU time of the process
tree (CPU/wall above 1 means more than one core worked), the CPU time of the main
process plus that of its busiest worker (sampled from ``/proc``: about the wall time the
run would take on idle cores, a figure other people's jobs on a shared machine do not
inflate), peak memory, and the jobs used.
It also checks every verdict: a blocked spoke's tunnel must violate ``agreement`` and hold
everything else, an open spoke's tunnel must hold everything. The last column is a digest
of the report with the measured seconds blanked: runs of the same N with different
``--jobs`` in one invocation must show the same digest (the report is the same byte for
byte; another invocation writes the hub to another folder, and the report names its files).

Peak memory is given two ways: the largest single process (``ru_maxrss`` from ``wait4``,
which covers the reaped worker processes too) and the sum over the process tree sampled
every 50 ms from ``/proc`` (an over-estimate: pages forked workers share with the parent
are counted once per process).

Run from the repo root: ``python benchmarks/hub_scaling.py [--spokes 10 100 1000] [--jobs J...]``
(``--jobs 1 2``: both, one after the other, for each N).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.hub_gen import Hub, generate

REPO = Path(__file__).resolve().parent.parent
SHARED_FACT = "search_shared_with"  # ipsecmc.workflows.parallel.SHARED_FACT, read from the JSON


@dataclass(frozen=True)
class Run:
    spokes: int
    tunnels: int
    results: int
    searches: int
    violations: int
    wall: float
    cpu: float
    critical_cpu: float | None
    max_rss_mb: float
    tree_rss_mb: float | None
    jobs: int
    verdicts_ok: bool
    exit_code: int


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _tree_sample(root: int, cpu: dict[int, float]) -> int | None:
    """Sum of VmRSS over ``root`` and its descendants (Linux ``/proc``), else None; records
    each process's own CPU seconds so far (user + system) in ``cpu``."""
    total, stack = 0, [root]
    try:
        while stack:
            pid = stack.pop()
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                cpu[pid] = (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as f:
                        stack.extend(int(c) for c in f.read().split())
            except (FileNotFoundError, ProcessLookupError):
                continue  # the process ended meanwhile
    except OSError:
        return None
    return total


@dataclass(frozen=True)
class Measured:
    exit_code: int
    wall: float
    cpu: float  # the whole tree (from wait4)
    max_rss_mb: float
    tree_rss_mb: float | None
    #: CPU of the main process plus that of its busiest worker (sampled every 50 ms): about
    #: the wall time on idle cores, whatever else the machine is doing (None: no /proc)
    critical_cpu: float | None


def _measure(cmd: list[str], out: Path) -> Measured:
    """Time, CPU and peak memory of ``cmd``, its stdout written to ``out``."""
    peak_tree: list[int] = []
    cpu: dict[int, float] = {}
    done = threading.Event()
    start = time.perf_counter()
    with out.open("w") as stdout:
        proc = subprocess.Popen(cmd, stdout=stdout, cwd=REPO)

        def sample() -> None:
            while not done.is_set():
                kb = _tree_sample(proc.pid, cpu)
                if kb is not None:
                    peak_tree.append(kb)
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        sampler.join()
    workers = [c for pid, c in cpu.items() if pid != proc.pid]
    return Measured(
        exit_code=os.waitstatus_to_exitcode(status),
        wall=time.perf_counter() - start,
        cpu=usage.ru_utime + usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,
        tree_rss_mb=max(peak_tree) / 1024 if peak_tree else None,
        critical_cpu=cpu[proc.pid] + max(workers, default=0.0) if proc.pid in cpu else None,
    )


def _verdicts_ok(hub: Hub, doc: dict[str, Any]) -> bool:
    by_tunnel: dict[str, dict[str, str]] = {}
    for r in doc["results"]:
        by_tunnel.setdefault(r["tunnel"], {})[r["property"]] = r["verdict"]
    if set(by_tunnel) != {s.tunnel for s in hub.spokes}:
        return False
    for s in hub.spokes:
        got = by_tunnel[s.tunnel]
        want = {p: "VIOLATED" if s.blocked and p == "agreement" else "HOLDS" for p in got}
        if got != want or "agreement" not in got:
            return False
    return True


@dataclass(frozen=True)
class Summary:
    """What the report says, read in a separate process (see :func:`_summarize`)."""

    tunnels: int
    results: int
    searches: int
    violations: int
    verdicts_ok: bool
    digest: str  # of the report with the measured seconds blanked: equal for any --jobs


def _summarize(hub: Hub, out: Path) -> Summary:
    text = out.read_text()
    doc = json.loads(text)
    results = doc["results"]
    blanked = re.sub(r'"seconds": [0-9.e-]+', '"seconds": 0', text)
    return Summary(
        tunnels=len({r["tunnel"] for r in results}),
        results=len(results),
        searches=sum(1 for r in results if SHARED_FACT not in r["facts"]),
        violations=sum(1 for r in results if r["verdict"] == "VIOLATED"),
        verdicts_ok=_verdicts_ok(hub, doc),
        digest=hashlib.sha256(blanked.encode()).hexdigest()[:12],
    )


def run(n: int, jobs: int | None, seed: int, workdir: Path) -> tuple[Run, str]:
    """One measured ``ipsecmc check`` and its report's digest.

    The report (400 MB of JSON for N = 1000) is parsed in a spawned process: parsed here,
    it would grow this process to a gigabyte, and the next measured child, forked from
    it, would report that as its peak (``ru_maxrss`` survives ``exec``).
    """
    hub = generate(workdir / f"hub-{n}", n, seed=seed)
    cmd = [sys.executable, "-m", "ipsecmc", "check", str(hub.path), "--format", "json"]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    out = workdir / f"hub-{n}.json"
    m = _measure(cmd, out)
    if m.exit_code not in (0, 1):
        raise SystemExit(f"ipsecmc check exited {m.exit_code} on {hub.path}")
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        s = pool.apply(_summarize, (hub, out))
    run = Run(
        spokes=n,
        tunnels=s.tunnels,
        results=s.results,
        searches=s.searches,
        violations=s.violations,
        wall=m.wall,
        cpu=m.cpu,
        critical_cpu=m.critical_cpu,
        max_rss_mb=m.max_rss_mb,
        tree_rss_mb=m.tree_rss_mb,
        jobs=jobs if jobs is not None else (os.cpu_count() or 1),
        verdicts_ok=s.verdicts_ok,
        exit_code=m.exit_code,
    )
    return run, s.digest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spokes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument(
        "--jobs",
        type=int,
        nargs="+",
        default=[None],
        help="default: ipsecmc's (all CPUs); several (--jobs 1 2): one run each per N, "
        "one after the other, for a comparison on the same machine state",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="write the hubs here")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, python "
        f"{platform.python_version()}, {date.today()}, load average at start "
        f"{os.getloadavg()[0]:.1f} (other work on the machine slows the wall time)\n"
    )
    print(
        "| spokes | tunnels | results | distinct searches | violations | wall (s) | CPU (s) "
        "| CPU, main + busiest worker (s) | peak RSS, largest process (MB) "
        "| peak RSS, process tree (MB) | jobs | verdicts | report digest |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    with tempfile.TemporaryDirectory(prefix="ipsecmc-hub-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for n, jobs in [(n, j) for n in args.spokes for j in args.jobs]:
            r, digest = run(n, jobs, args.seed, workdir)
            tree = f"{r.tree_rss_mb:.0f}" if r.tree_rss_mb is not None else "n/a"
            critical = f"{r.critical_cpu:.1f}" if r.critical_cpu is not None else "n/a"
            print(
                f"| {r.spokes} | {r.tunnels} | {r.results} | {r.searches} | {r.violations} "
                f"| {r.wall:.1f} | {r.cpu:.1f} | {critical} | {r.max_rss_mb:.0f} | {tree} "
                f"| {r.jobs} "
                f"| {'as expected' if r.verdicts_ok else 'MISMATCH'} | {digest} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
