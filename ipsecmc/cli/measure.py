"""``ipsecmc measure``: worst-case durations. Registered on ``ipsecmc.cli.app.main``.

Contract (new with issue 4; extend, never change)::

    ipsecmc measure PATH... [--quantity disagreement|blackhole] [--traffic PROFILE]
                    [--no-rekey] [--max-states N] [--timeout S] [--format text|json]
                    [--full-trace] [--faults KINDS] [--fault-budget N]

Exit codes: 0 every tunnel measured (an exact figure, or unbounded with a lasso), 2 bad
input, 3 inconclusive (a budget ran out: the figure is a lower bound, with its trace).
"""

from __future__ import annotations

import sys

import click

from ipsecmc.cli.app import handle_errors, main
from ipsecmc.cli.options import budget_options, fault_options, progress_line
from ipsecmc.render.measure_json import render_measure_json
from ipsecmc.render.measure_text import render_measure_text
from ipsecmc.render.text import use_colour
from ipsecmc.workflows.measure import QUANTITIES, MeasureOptions, exit_code, measure_paths


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--quantity",
    type=click.Choice(sorted(QUANTITIES)),
    default="disagreement",
    show_default=True,
    help="disagreement: the ends disagree on 'tunnel up'; blackhole: an end sends ESP into "
    "an SA the peer does not hold.",
)
@click.option(
    "--traffic",
    default=None,
    metavar="PROFILE",
    help="Host traffic (as for check; default: scenario.toml, else any).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.option("--full-trace", is_flag=True, help="Print every trace line (no folding).")
@fault_options()
@budget_options("tunnel", "a lower bound (exit 3)")
@handle_errors
def measure(
    paths: tuple[str, ...],
    quantity: str,
    traffic: str | None,
    no_rekey: bool,
    max_states: int,
    timeout: float | None,
    fmt: str,
    full_trace: bool,
    faults: str | None,
    fault_budget: int | None,
) -> None:
    """The longest time the ends of each tunnel in PATH can disagree, with its trace.

    Exact (exhaustive explicit search), unbounded (a lasso), or, when a budget runs out,
    a lower bound (exit 3).
    """
    options = MeasureOptions(
        quantity=quantity,
        traffic=traffic,
        rekey=False if no_rekey else None,
        max_states=max_states,
        timeout_seconds=timeout,
        faults=faults,
        fault_budget=fault_budget,
    )
    report = measure_paths(paths, options, progress_line)
    if fmt == "json":
        click.echo(render_measure_json(report))
    else:
        click.echo(render_measure_text(report, use_colour(), full_trace), nl=False)
    sys.exit(exit_code(report))
