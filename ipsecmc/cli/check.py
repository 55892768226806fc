"""``ipsecmc check``: the main job. Registered on the ``main`` group of ``ipsecmc.cli``.

Contract (scripts and CI depend on it; extend, never change)::

    ipsecmc check PATH... [--property NAME]... [--bound-seconds T] [--traffic PROFILE]
                  [--engine explicit|z3|both] [--max-states N] [--timeout S]
                  [--cpu-timeout S] [--z3-rlimit N]
                  [--format text|json|sarif|junit|mermaid|svg] [--no-rekey] [--verbose]
                  [--jobs N]
                  [--assume-unknown NAME]...
                  [--faults none|all|reboot,flush,loss] [--fault-budget N]

Exit codes: 0 every checked property HOLDS (proved), 1 a property is VIOLATED, 2 bad
input, 3 inconclusive (a budget ran out, or only a bounded HOLDS_UP_TO answer), 4 internal
error, 130 interrupted (Ctrl-C: the results answered so far are reported, in the chosen
format, the others as INCONCLUSIVE; then one line on stderr).
"""

from __future__ import annotations

import sys

import click

from ipsecmc.cli.app import handle_errors, interrupted, main
from ipsecmc.cli.options import (
    budget_options,
    fault_options,
    jobs_option,
    progress_line,
    worker_count,
)
from ipsecmc.render.json_report import iter_json, result_json
from ipsecmc.render.junit import render_junit
from ipsecmc.render.mermaid import render_mermaid
from ipsecmc.render.sarif import render_sarif
from ipsecmc.render.svg import render_svg
from ipsecmc.render.text import render_text, use_colour
from ipsecmc.safe_text import one_line, redact
from ipsecmc.workflows.check import (
    ENGINES,
    CheckInterrupted,
    CheckOptions,
    check_paths,
    exit_code,
    interrupted_count,
)

#: Output formats of ``check`` beyond text/json (CI reports and pictures; issue 6).
FORMATS = ("text", "json", "sarif", "junit", "mermaid", "svg")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--property",
    "properties",
    multiple=True,
    metavar="NAME",
    help="Property to check (repeatable); default: every file in properties/.",
)
@click.option(
    "--bound-seconds",
    type=click.IntRange(min=0),
    default=None,
    metavar="T",
    help="T for bounded properties (default: derived from the scenario's timers).",
)
@click.option(
    "--traffic",
    default=None,
    metavar="PROFILE",
    help="Host traffic: any, none, both, A-to-B, phases like "
    "'both:200,site1-to-site2' (default: scenario.toml, else any).",
)
@fault_options("; a property with a 'faults:' line brings its own")
@click.option("--engine", type=click.Choice(ENGINES), default="explicit", show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text, json, sarif (SARIF 2.1.0), junit (JUnit XML), mermaid (sequence diagram "
    "of each counterexample), svg (the same, drawn).",
)
@click.option("--verbose", is_flag=True, help="Show statistics and witnesses too.")
@jobs_option()
@click.option(
    "--assume-unknown",
    "assume_unknown",
    multiple=True,
    metavar="NAME",
    help="Treat address object or group NAME (defined or not) as unknown (repeatable): "
    "each result states the condition on it under which the property fails.",
)
@click.option(
    "--cpu-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="S",
    help="CPU-time budget per property in seconds (with or instead of --timeout): the "
    "same budget goes as far on a loaded machine as on an idle one.",
)
@click.option(
    "--z3-rlimit",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="z3 resource limit per solver query (deterministic: the same answer on every "
    "machine); only the z3 engine reads it.",
)
@budget_options("property", "INCONCLUSIVE")
@handle_errors
def check(
    paths: tuple[str, ...],
    properties: tuple[str, ...],
    bound_seconds: int | None,
    traffic: str | None,
    faults: str | None,
    fault_budget: int | None,
    engine: str,
    max_states: int,
    timeout: float | None,
    no_rekey: bool,
    fmt: str,
    verbose: bool,
    jobs: int | None,
    assume_unknown: tuple[str, ...],
    cpu_timeout: float | None,
    z3_rlimit: int | None,
) -> None:
    """Check tunnel properties of the gateways in PATH (folders or config files)."""
    options = CheckOptions(
        properties=properties,
        bound_seconds=bound_seconds,
        traffic=traffic,
        faults=faults,
        fault_budget=fault_budget,
        engine=engine,
        max_states=max_states,
        timeout_seconds=timeout,
        cpu_seconds=cpu_timeout,
        solver_rlimit=z3_rlimit,
        rekey=False if no_rekey else None,
        jobs=worker_count(jobs),
        assume_unknown=assume_unknown,
    )
    # JSON shows every trace: render each result where its trace is replayed (a worker)
    render = result_json if fmt == "json" else None
    stopped = False
    try:
        report = check_paths(paths, options, progress_line, render=render)
    except CheckInterrupted as exc:  # report what is answered, then say so (exit 130)
        report, stopped = exc.report, True
    for warning in report.scenario.warnings:  # the reader's repairs and read-past references
        click.echo(f"ipsecmc: warning: {one_line(redact(warning))}", err=True)
    if fmt == "json":  # streamed: a big hub's document need not be built in memory
        for chunk in iter_json(report):
            click.echo(chunk, nl=False)
        click.echo()
    elif fmt == "text":
        click.echo(render_text(report, verbose, colour=use_colour()), nl=False)
    else:
        renderers = {
            "sarif": render_sarif,
            "junit": render_junit,
            "mermaid": render_mermaid,
            "svg": render_svg,
        }
        click.echo(renderers[fmt](report), nl=False)
    if stopped:
        interrupted(
            f"stopped by Ctrl-C (SIGINT): {interrupted_count(report)} of "
            f"{len(report.results)} result(s) not answered, reported as INCONCLUSIVE"
        )
    sys.exit(exit_code(report))
