"""``ipsecmc diff`` and ``ipsecmc fix`` (issue 6). Registered on ``ipsecmc.cli.app.main``.

Contract::

    ipsecmc diff OLD_PATH NEW_PATH [--property NAME]... [--bound-seconds T] [--traffic P]
                 [--max-states N] [--timeout S] [--format text|json|sarif|junit]
    ipsecmc fix PATH [--property NAME]... [--write DIR] [--max-states N] [--timeout S]
                [--jobs N] [--format text|json]

Exit codes: ``diff`` 1 when a verdict regressed (HOLDS -> VIOLATED), else 0; ``fix`` 0
when nothing is violated or at least one verified fix was found, 1 when a violation has
no verified fix; both 2 on bad input.
"""

from __future__ import annotations

import json
import sys

import click

from ipsecmc.cli.app import handle_errors, main
from ipsecmc.cli.options import jobs_option, progress_line, timeout_option, worker_count
from ipsecmc.engines.result import Verdict
from ipsecmc.render.diff_json import diff_dict
from ipsecmc.render.explain import short_loc
from ipsecmc.render.junit import junit_xml
from ipsecmc.render.sarif import sarif_log
from ipsecmc.render.text import explanation_lines, render_trace, use_colour
from ipsecmc.workflows.check import CheckOptions, PropertyResult
from ipsecmc.workflows.diff import DiffReport, diff_paths
from ipsecmc.workflows.fix import FixReport, fix_dict, propose, write_fixes

_PROPERTY = click.option(
    "--property",
    "properties",
    multiple=True,
    metavar="NAME",
    help="Property to check (repeatable); default: every file in properties/.",
)


def _style(text: str, colour: bool, **kw: object) -> str:
    return click.style(text, **kw) if colour else text  # type: ignore[arg-type]


def _v(v: Verdict | None) -> str:
    return "-" if v is None else v.value


def render_diff_text(d: DiffReport, colour: bool = False) -> str:
    out: list[str] = []
    current = None
    marks = {"regression": "REGRESSION", "fixed": "fixed", "added": "new", "removed": "gone"}
    for c in d.changes:
        if c.tunnel != current:
            current = c.tunnel
            out.append(f"tunnel {current}")
        status = c.status
        tag = marks.get(status, "")
        fg = {"regression": "red", "fixed": "green"}.get(status)
        line = f"  {c.prop}: {_v(c.before)} -> {_v(c.after)}"
        if tag:
            line += f"   [{tag}]"
        out.append(_style(line, colour, fg=fg, bold=status == "regression") if fg else line)
        if status == "regression" and c.new is not None and c.new.trace is not None:
            r = c.new
            assert r.trace is not None
            out.extend(explanation_lines(r))
            out.append(f"    counterexample in NEW ({r.trace.duration} s of model time):")
            width = max(9, *(len(n) for n in r.system.names))
            out.extend(render_trace(r.trace, width, colour))
    out.append(
        f"{len(d.regressions)} regression(s), {len(d.fixed)} fixed, "
        f"{sum(1 for c in d.changes if c.status == 'unchanged')} unchanged"
    )
    return "\n".join(out) + "\n"


@main.command()
@click.argument("old_path", type=click.Path(exists=True))
@click.argument("new_path", type=click.Path(exists=True))
@_PROPERTY
@click.option("--bound-seconds", type=click.IntRange(min=0), default=None, metavar="T")
@click.option("--traffic", default=None, metavar="PROFILE")
@click.option("--max-states", type=click.IntRange(min=1), default=2_000_000, show_default=True)
@timeout_option("property")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif", "junit"]),
    default="text",
    show_default=True,
)
@handle_errors
def diff(
    old_path: str,
    new_path: str,
    properties: tuple[str, ...],
    bound_seconds: int | None,
    traffic: str | None,
    max_states: int,
    timeout: float | None,
    fmt: str,
) -> None:
    """Check OLD_PATH and NEW_PATH and report which verdicts flip (exit 1 on a regression)."""
    options = CheckOptions(
        properties=properties,
        bound_seconds=bound_seconds,
        traffic=traffic,
        max_states=max_states,
        timeout_seconds=timeout,
    )
    d = diff_paths([old_path], [new_path], options, progress_line)
    regressed = {id(c.new) for c in d.regressions}

    def baseline(r: PropertyResult) -> str:
        return "new" if id(r) in regressed else "unchanged"

    def judge(r: PropertyResult) -> str | None:
        return "REGRESSION: HOLDS -> VIOLATED" if id(r) in regressed else None

    if fmt == "json":
        click.echo(json.dumps({"version": 1, **diff_dict(d)}, indent=2))
    elif fmt == "sarif":
        doc = sarif_log(d.new.results, baseline, {"old": old_path, "new": new_path})
        click.echo(json.dumps(doc, indent=2))
    elif fmt == "junit":
        click.echo(junit_xml(d.new.results, judge), nl=False)
    else:
        click.echo(render_diff_text(d, use_colour()), nl=False)
    sys.exit(1 if d.regressions else 0)


_ROLE_TEXT = {"root-cause": "root cause", "workaround": "workaround"}


def render_fix_text(f: FixReport, colour: bool = False) -> str:
    out: list[str] = []
    if not f.violated:
        return "nothing to fix: no property is VIOLATED\n"
    for r in f.violated:
        out.append(_style(f"{r.tunnel.name}: {r.prop.name} VIOLATED", colour, fg="red"))
        out.extend(explanation_lines(r, "  "))
    if not f.causes:
        other = sorted(
            {
                f"{ev.note.rule_name} on {ev.gateway}"
                for r in f.violated
                if r.trace is not None
                for ev in r.trace.events
                if ev.note.dropped_by is not None and ev.note.rule
            }
        )
        if other:
            out.append(
                f"the drops are by {', '.join(other)}: ipsecmc fix writes FortiOS CLI only; "
                "ipsecmc lint names the rule to add"
            )
        else:
            out.append("no violation is caused by a local-in policy: no fix to propose")
        return "\n".join(out) + "\n"
    for cause in f.causes:
        out.append(
            f"cause: {cause.end.name}'s local-in policy {cause.policy.policyid} "
            f"({short_loc(cause.policy.loc)}) drops packets from {cause.peer.name} "
            f"({cause.peer.address})"
        )
    props = sorted({r.prop.name for r in f.report.results})
    out.append(
        f"{len(f.results)} candidate change(s) checked against every property "
        f"({', '.join(props)}) under traffic profile {f.report.traffic}; "
        f"{len(f.passing)} pass; root-cause fixes first, then timer workarounds, each "
        "smallest first (least new exposure, then fewest lines):"
    )
    for n, fix in enumerate(f.passing, start=1):
        c = fix.candidate
        out.append("")
        out.append(
            _style(f"fix {n} ({_ROLE_TEXT[c.role]}): {c.summary}", colour, fg="green", bold=True)
        )
        if c.role == "workaround":
            out.append(
                f"  workaround: {c.gateway}'s local-in still drops new IKE from its peer; "
                f"this only keeps {c.gateway}'s own UDP 500 session alive for the peer to match"
            )
        out.append(f"  on {c.gateway} ({c.path}); opens: {c.exposure_text}; {c.lines} CLI lines")
        out.append(
            "  verdicts: "
            + "; ".join(f"{v.prop} {_v(v.before)} -> {_v(v.after)}" for v in fix.changes)
        )
        out.append(f"  paste on {c.gateway}:")
        out.extend("    " + line for line in c.cli.rstrip("\n").splitlines())
    rejected = [x for x in f.results if not x.passed]
    if rejected:
        out.append("")
        out.append("rejected (checked, do not fix it):")
        out.extend(f"  - {x.candidate.summary}: {x.reason}" for x in rejected)
    return "\n".join(out) + "\n"


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@_PROPERTY
@click.option(
    "--write",
    "write_dir",
    type=click.Path(file_okay=False),
    default=None,
    metavar="DIR",
    help="Write each verified fix as a checkable folder DIR/fix-N/ (patched configs).",
)
@click.option("--max-states", type=click.IntRange(min=1), default=2_000_000, show_default=True)
@timeout_option("property")
@jobs_option()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@handle_errors
def fix(
    paths: tuple[str, ...],
    properties: tuple[str, ...],
    write_dir: str | None,
    max_states: int,
    timeout: float | None,
    jobs: int | None,
    fmt: str,
) -> None:
    """Propose verified config changes for violations caused by local-in policy."""
    options = CheckOptions(
        properties=properties,
        max_states=max_states,
        timeout_seconds=timeout,
        jobs=worker_count(jobs),
    )
    f = propose(paths, options, progress_line)
    written = write_fixes(f, paths, write_dir) if write_dir and f.passing else []
    if fmt == "json":
        doc = {
            "version": 1,
            "tool": "ipsecmc",
            "violated": [{"tunnel": r.tunnel.name, "property": r.prop.name} for r in f.violated],
            "fixes": [fix_dict(x) for x in f.results],
            "written": [str(p) for p in written],
        }
        click.echo(json.dumps(doc, indent=2))
    else:
        text = render_fix_text(f, use_colour())
        if written:
            text += "\nwrote " + ", ".join(str(p) for p in written) + "\n"
        click.echo(text, nl=False)
    sys.exit(1 if f.violated and not f.passing else 0)
