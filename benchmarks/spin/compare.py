"""SPIN vs ipsecmc on the same semantics, side by side in one run (issue 5).

For each case: SPIN end to end (generate the Promela model, ``spin -a``, ``gcc -O2``,
``./pan``) and ``python -m ipsecmc check`` (process start to verdict, from the repo
root), ``--reps`` times each; prints medians, both verdicts (a disagreement is a loud
MISMATCH), the state counts and the ratio ipsecmc/SPIN.

Cases: ``seed-cex`` (seed-intended, agreement, T = 120 s, keylife off), ``seed-proof``
(seed-fixed, same), ``grid`` (session TTL {180, 600, 3600} x DPD interval {20, 60} x
keylife {off, 43200}, on seed-fixed; ``--grid-scenario both`` adds seed-intended).

Run: ``python benchmarks/spin/compare.py [--case seed-cex|seed-proof|grid]... [--reps 3]
[--timeout 600] [--markdown]``. Needs ``spin`` and ``gcc`` (Debian: ``apt-get install
spin``). Exit code 0 all verdicts agree, 1 a mismatch or a failed SPIN run, 2 missing tools.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from benchmarks.spin.crosscheck import load_system  # noqa: E402
from benchmarks.spin.promela import agreement_plan, promela  # noqa: E402
from benchmarks.variants import GRID, TimerVariant, check_args, write_variant  # noqa: E402

#: pan's search depth limit (-m). A truncated search is reported as an error, never a verdict.
PAN_DEPTH = 2_000_000
#: pan's memory limit in MB (-DMEMLIM).
PAN_MEMLIM = 2048
GCC_FLAGS = ("-O2", "-DSAFETY", "-DNOFAIR", f"-DMEMLIM={PAN_MEMLIM}")
CASES = ("seed-cex", "seed-proof", "grid")


class RunFailed(Exception):
    """A run that gave no verdict (timeout, depth limit, a tool's error)."""


@dataclass(frozen=True)
class SpinRun:
    verdict: str
    states: int
    depth: int
    seconds: float  # end to end: spin -a + gcc + pan
    compile_seconds: float  # spin -a + gcc
    memory_mb: float


@dataclass(frozen=True)
class IpsecmcRun:
    verdict: str
    states: int
    stored: int
    seconds: float  # process start to verdict


@dataclass(frozen=True)
class Case:
    name: str
    scenario: str  # models/ folder
    variant: TimerVariant
    bound: int = 120


def _run(cmd: Sequence[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` in its own process group; on timeout kill the group and raise."""
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise RunFailed("timeout") from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _pan_number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    if match is None:
        raise RunFailed(f"pan output has no {pattern!r}:\n{text[-2000:]}")
    return float(match.group(1))


def run_spin(model: str, timeout: float, depth: int = PAN_DEPTH) -> SpinRun:
    """SPIN end to end on the Promela text ``model`` in a fresh directory: spin -a, gcc,
    pan (generating the text is not timed: it is ipsecmc's derivation, not SPIN's work).
    Raises RunFailed."""
    with tempfile.TemporaryDirectory(prefix="ipsecmc-spin-") as tmp:
        work = Path(tmp)
        (work / "model.pml").write_text(model, encoding="utf-8")
        t0 = time.perf_counter()
        steps = (
            ["spin", "-a", "model.pml"],
            ["gcc", *GCC_FLAGS, "-o", "pan", "pan.c"],
        )
        for cmd in steps:
            left = timeout - (time.perf_counter() - t0)
            done = _run(cmd, work, left)
            if done.returncode != 0:
                raise RunFailed(f"{' '.join(cmd)} failed:\n{done.stdout}{done.stderr}")
        compiled = time.perf_counter() - t0
        pan = _run(["./pan", f"-m{depth}"], work, timeout - compiled)
        seconds = time.perf_counter() - t0
    text = pan.stdout + pan.stderr
    if "max search depth too small" in text:
        raise RunFailed(f"pan hit the depth limit -m{depth}: search truncated, no verdict")
    if "reached -DMEMLIM bound" in text or "out of memory" in text:
        stored = re.search(r"(\d+) states, stored", text)
        at = f" after {int(stored.group(1)):,} states" if stored else ""
        raise RunFailed(f"out of memory ({PAN_MEMLIM} MB){at}")
    if "assertion violated" in text:
        verdict = "VIOLATED"
    elif re.search(r"errors: 0\b", text) and "Search not completed" not in text:
        verdict = "HOLDS"
    else:
        raise RunFailed(f"cannot read pan's verdict:\n{text[-2000:]}")
    return SpinRun(
        verdict=verdict,
        states=int(_pan_number(r"(\d+) states, stored", text)),
        depth=int(_pan_number(r"depth reached (\d+)", text)),
        seconds=seconds,
        compile_seconds=compiled,
        memory_mb=_pan_number(r"([\d.]+)\s+total actual memory usage", text),
    )


def run_ipsecmc(scenario: Path, case: Case, timeout: float, extra: Sequence[str]) -> IpsecmcRun:
    """``python -m ipsecmc check`` from the repo root, timed from process start to exit."""
    cmd = [
        sys.executable,
        "-m",
        "ipsecmc",
        "check",
        str(scenario),
        "--property",
        "agreement",
        "--traffic",
        "any",
        "--bound-seconds",
        str(case.bound),
        "--format",
        "json",
        *check_args(case.variant),
        *extra,
    ]
    t0 = time.perf_counter()
    done = _run(cmd, REPO, timeout)
    seconds = time.perf_counter() - t0
    if done.returncode not in (0, 1, 3):
        raise RunFailed(f"ipsecmc exited {done.returncode}: {done.stderr.strip()[-500:]}")
    result = json.loads(done.stdout)["results"][0]
    stats = result.get("stats") or {}
    return IpsecmcRun(
        verdict=result["verdict"],
        states=int(stats.get("states", 0)),
        stored=int(stats.get("stored_nodes", 0)),
        seconds=seconds,
    )


def cases_for(
    selected: Sequence[str], grid_scenarios: Sequence[str], keylife: str = "both"
) -> list[Case]:
    off = TimerVariant(keylife=None)
    out: list[Case] = []
    if "seed-cex" in selected:
        out.append(Case("seed-cex", "seed-intended", off))
    if "seed-proof" in selected:
        out.append(Case("seed-proof", "seed-fixed", off))
    if "grid" in selected:
        for scenario in grid_scenarios:
            out += [
                Case(f"grid {v.label}", scenario, v)
                for v in GRID
                if keylife == "both" or (v.keylife is None) == (keylife == "off")
            ]
    return out


@dataclass(frozen=True)
class Row:
    case: Case
    spin: list[SpinRun]
    spin_error: str | None
    ipsecmc: list[IpsecmcRun]
    ipsecmc_error: str | None

    @property
    def spin_verdict(self) -> str:
        return self.spin[0].verdict if self.spin else (self.spin_error or "?")

    @property
    def ipsecmc_verdict(self) -> str:
        return self.ipsecmc[0].verdict if self.ipsecmc else (self.ipsecmc_error or "?")

    @property
    def mismatch(self) -> bool:
        definite = {"HOLDS", "VIOLATED"}
        a, b = self.spin_verdict, self.ipsecmc_verdict
        return a in definite and b in definite and a != b


def _timed(runs: Sequence[SpinRun | IpsecmcRun], error: str | None) -> str:
    if not runs:
        return error or "-"
    return f"{statistics.median(r.seconds for r in runs):.2f}"


def _ratio(row: Row) -> str:
    definite = ("HOLDS", "VIOLATED")
    if row.spin_verdict not in definite or row.ipsecmc_verdict not in definite:
        return "-"
    s = statistics.median(r.seconds for r in row.spin)
    i = statistics.median(r.seconds for r in row.ipsecmc)
    return f"{i / s:.2f}"


HEADER = (
    "| case | scenario | T | SPIN verdict | SPIN states | SPIN depth | SPIN s (compile) "
    "| ipsecmc verdict | ipsecmc states visited | ipsecmc stored | ipsecmc s | ipsecmc/SPIN | |"
)


SEPARATOR = "|---|---|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---|"


def format_row(row: Row) -> str:
    spin_states = f"{row.spin[0].states:,}" if row.spin else "-"
    spin_depth = f"{row.spin[0].depth:,}" if row.spin else "-"
    compile_s = (
        f" ({statistics.median(r.compile_seconds for r in row.spin):.2f})" if row.spin else ""
    )
    i_states = f"{row.ipsecmc[0].states:,}" if row.ipsecmc else "-"
    i_stored = f"{row.ipsecmc[0].stored:,}" if row.ipsecmc else "-"
    flag = "**MISMATCH**" if row.mismatch else ""
    return (
        f"| {row.case.name} | {row.case.scenario} | {row.case.bound} | {row.spin_verdict} "
        f"| {spin_states} | {spin_depth} | {_timed(row.spin, row.spin_error)}{compile_s} "
        f"| {row.ipsecmc_verdict} | {i_states} | {i_stored} "
        f"| {_timed(row.ipsecmc, row.ipsecmc_error)} | {_ratio(row)} | {flag} |"
    )


def _version(cmd: Sequence[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError:
        return "?"
    return (done.stdout + done.stderr).strip().splitlines()[0]


def machine() -> str:
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
        f"{platform.python_version()}, {_version(['spin', '-V'])}, "
        f"{_version(['gcc', '--version'])}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )


def measure(case: Case, reps: int, timeout: float, extra: Sequence[str], tmp: Path) -> Row:
    """Both tools on one case, ``reps`` times each (alternating, so load hits both alike)."""
    folder = write_variant(
        REPO / "models" / case.scenario, tmp / case.name.replace(" ", "_"), case.variant
    )
    rekey = case.variant.keylife is not None
    system = load_system(folder, rekey)
    model = promela(system, agreement_plan(system, case.bound)).text
    spin: list[SpinRun] = []
    ours: list[IpsecmcRun] = []
    spin_error = ipsecmc_error = None
    for _ in range(reps):
        if spin_error is None:
            try:
                spin.append(run_spin(model, timeout))
            except RunFailed as exc:
                spin_error = str(exc)
        if ipsecmc_error is None:
            try:
                ours.append(run_ipsecmc(folder, case, timeout, extra))
            except RunFailed as exc:
                ipsecmc_error = str(exc)
            else:
                if ours[-1].verdict not in ("HOLDS", "VIOLATED"):
                    ipsecmc_error = ours[-1].verdict  # no verdict to time again
    return Row(
        case, spin, spin_error if not spin else None, ours, ipsecmc_error if not ours else None
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--case", action="append", choices=CASES, help="case to run (repeatable; default: all)"
    )
    parser.add_argument(
        "--grid-scenario",
        choices=("fixed", "intended", "both"),
        default="fixed",
        help="scenario(s) of the grid (default: seed-fixed)",
    )
    parser.add_argument(
        "--grid-keylife",
        choices=("off", "on", "both"),
        default="both",
        help="grid cells with keylife off, on (43200 s) or both",
    )
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600.0, help="per run, seconds")
    parser.add_argument(
        "--ipsecmc-arg",
        action="append",
        default=[],
        help="extra argument for ipsecmc check (e.g. --max-states=10000000)",
    )
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="print the machine line and table as markdown for RESULTS.md",
    )
    args = parser.parse_args()
    missing = [tool for tool in ("spin", "gcc") if shutil.which(tool) is None]
    if missing:
        print(
            f"compare.py: {' and '.join(missing)} not found on PATH (SPIN installs from "
            "Debian's spin package: apt-get install spin)",
            file=sys.stderr,
        )
        sys.exit(2)
    grid = {
        "fixed": ["seed-fixed"],
        "intended": ["seed-intended"],
        "both": ["seed-fixed", "seed-intended"],
    }[args.grid_scenario]
    cases = cases_for(args.case or CASES, grid, args.grid_keylife)
    print(machine() if not args.markdown else f"_{machine()}_")
    print()
    print(
        f"reps: {args.reps} (medians), timeout {args.timeout:g} s per run; pan -m{PAN_DEPTH}, "
        f"gcc {' '.join(GCC_FLAGS)}"
    )
    print()
    print(HEADER)
    print(SEPARATOR)
    bad = False
    with tempfile.TemporaryDirectory(prefix="ipsecmc-variants-") as tmp:
        for case in cases:
            row = measure(case, args.reps, args.timeout, args.ipsecmc_arg, Path(tmp))
            print(format_row(row), flush=True)
            if row.mismatch:
                print(
                    f"MISMATCH on {case.name}: SPIN says {row.spin_verdict}, ipsecmc says "
                    f"{row.ipsecmc_verdict}",
                    file=sys.stderr,
                )
                bad = True
            if row.spin_error is not None:
                print(f"SPIN failed on {case.name}: {row.spin_error}", file=sys.stderr)
                bad = True
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
