"""The default path of a new user (issue 12, item 2): two config files, no scenario.toml.

Without a scenario file the traffic profile is ``any`` (each second, each direction may or
may not carry traffic) and rekeying is on, so every property is checked under free
traffic with real keylives. This script writes config pairs, runs the CLI on them as a
user would (a fresh process each time), and prints one markdown row per case: wall
time, CPU time (user + system of the process and its workers: on a shared machine the
wall time also measures the other load, the CPU time much less), peak memory (the
child's maxrss) and the verdict of each default property. Then it times ``ipsecmc fix``
and ``ipsecmc diff`` on the same pairs. The load average is printed before and after.

Cases: the four bundled seeds as bare file pairs, and IKEv1/IKEv2 variants of the
seed-fixed and seed-intended pairs with phase1 keylife 28800 or 86400 s (phase2 half of
it, FortiOS's default ratio) and DPD on-idle or on-demand, appended as FortiOS CLI blocks
(the way ``benchmarks/variants.py`` changes timers).

    python benchmarks/default_path.py [--timeout S] [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ipsecmc.fortios.resolver import read_gateways

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"


@dataclass(frozen=True)
class Case:
    name: str
    model: str
    ike: int | None = None  # None: as in the model
    keylife: int | None = None
    dpd: str | None = None


def _cases() -> list[Case]:
    seeds = [Case(m, m) for m in ("seed-fixed", "seed-intended", "seed-literal", "seed-backup")]
    variants = [
        Case(f"{m} ikev{ike} keylife {life} dpd {dpd}", m, ike, life, dpd)
        for m in ("seed-fixed", "seed-intended")
        for ike in (1, 2)
        for life in (28800, 86400)
        for dpd in ("on-idle", "on-demand")
    ]
    return seeds + variants


def _patch(conf: Path, case: Case) -> str:
    names = [p1.name for gw in read_gateways(conf) for p1 in gw.phase1s]
    lines = ["config vpn ipsec phase1-interface"]
    for name in names:
        lines.append(f'    edit "{name}"')
        if case.ike is not None:
            lines.append(f"        set ike-version {case.ike}")
        if case.keylife is not None:
            lines.append(f"        set keylife {case.keylife}")
        if case.dpd is not None:
            lines.append(f"        set dpd {case.dpd}")
        lines.append("    next")
    lines.append("end")
    if case.keylife is not None:
        lines.append("config vpn ipsec phase2-interface")
        for name in names:
            lines += [f'    edit "{name}"', f"        set keylifeseconds {case.keylife // 2}"]
            lines.append("    next")
        lines.append("end")
    return "\n".join(lines) + "\n"


def write_pair(case: Case, dest: Path) -> list[Path]:
    """The case's two config files in ``dest`` (no scenario.toml)."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for conf in sorted((MODELS / case.model).glob("*.conf")):
        target = dest / conf.name
        text = conf.read_text(encoding="utf-8")
        if case.ike or case.keylife or case.dpd:
            text += _patch(conf, case)
        target.write_text(text, encoding="utf-8")
        out.append(target)
    return out


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float
    max_rss_mb: float
    code: int
    stdout: str


def run(args: list[str], timeout: float) -> Run:
    """One CLI run in a fresh process: wall time, CPU time (GNU time's %U + %S: user and
    system seconds of the process and of its waited-for workers) and peak resident
    memory (%M, the maximum resident set of the process and of those workers)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        cmd = ["/usr/bin/time", "-q", "-f", "%M %U %S", "-o", rss_file.name]
        cmd += [sys.executable, "-m", "ipsecmc", *args]
        started = time.perf_counter()
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            code, out = done.returncode, done.stdout
        except subprocess.TimeoutExpired:
            code, out = -1, ""
        seconds = time.perf_counter() - started
        text = rss_file.read().strip()
    fields = text.splitlines()[-1].split() if text else []
    if len(fields) != 3:
        return Run(seconds, float("nan"), float("nan"), code, out)
    rss, user, system = int(fields[0]) / 1024, float(fields[1]), float(fields[2])
    return Run(seconds, user + system, rss, code, out)


def _verdicts(stdout: str) -> str:
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError:
        return "(no report)"
    short = {"HOLDS": "H", "VIOLATED": "V", "HOLDS_UP_TO": "k", "INCONCLUSIVE": "?"}
    return " ".join(f"{r['property']}={short[r['verdict']]}" for r in report["results"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=120.0, help="per command, seconds")
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    opts = parser.parse_args()
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs")
    print(f"# load average before: {_load()}\n")
    print(
        "| case | check s | check CPU s | check MB | exit | verdicts "
        "| fix s | fix CPU s | diff s | diff CPU s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for case in _cases():
            if opts.only not in case.name:
                continue
            pair = write_pair(case, Path(tmp) / case.name.replace(" ", "_"))
            files = [str(p) for p in pair]
            check = run(["check", *files, "--format", "json"], opts.timeout)
            fix = run(["fix", *files], opts.timeout)
            old = write_pair(Case(case.model, case.model), Path(tmp) / f"old-{case.model}")
            diff = run(["diff", str(old[0].parent), str(pair[0].parent)], opts.timeout)
            code = "timeout" if check.code == -1 else str(check.code)
            print(
                f"| {case.name} | {check.seconds:.1f} | {check.cpu_seconds:.1f} "
                f"| {check.max_rss_mb:.0f} | {code} | {_verdicts(check.stdout)} "
                f"| {_timed(fix)} | {_timed(diff)} |",
                flush=True,
            )
    print(f"\n# load average after: {_load()}")


def _timed(run: Run) -> str:
    """Wall and CPU seconds as two table cells."""
    if run.code == -1:
        return "timeout | timeout"
    return f"{run.seconds:.1f} | {run.cpu_seconds:.1f}"


def _load() -> str:
    """The 1, 5 and 15 minute load averages (the machine is shared)."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


if __name__ == "__main__":
    main()
