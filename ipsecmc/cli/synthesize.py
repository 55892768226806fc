"""``ipsecmc synthesize``: timer regions where a property holds or is violated.
Registered on ``ipsecmc.cli.app.main``.

Contract (new with issue 14; extend, never change)::

    ipsecmc synthesize PATH... --param NAME [--param NAME]... [--range NAME=LOW:HIGH]...
                       [--values NAME=V1,V2,...]... [--steps N] [--probes N] [--property NAME]...
                       [--bound-seconds T] [--traffic PROFILE] [--no-rekey]
                       [--max-states N] [--timeout S] [--format text|json] [--json]

Exit codes: 0 every grid cell HOLDS (each proved), 1 some grid cell is VIOLATED (the
violated region is not empty), 2 bad input, 3 a grid cell was not answered (a budget ran
out), 4 internal error.
"""

from __future__ import annotations

import sys

import click

from ipsecmc.cli.app import handle_errors, main
from ipsecmc.cli.options import budget_options, jobs_option, worker_count
from ipsecmc.properties import load_all, load_property
from ipsecmc.render.synthesis import render_synthesis_json, render_synthesis_text
from ipsecmc.workflows.check import load_model
from ipsecmc.workflows.synthesize import (
    DEFAULT_PROBES,
    DEFAULT_STEPS,
    KINDS,
    PARAMS,
    SynthesisOptions,
    exit_code,
    parse_range,
    parse_values,
    synthesize_model,
)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME",
    help=f"Timer to synthesize (repeatable), at both ends: {', '.join(PARAMS)}.",
)
@click.option(
    "--range",
    "ranges",
    multiple=True,
    metavar="NAME=LOW:HIGH",
    help="The box side of a parameter (default: a quarter to four times its configured value).",
)
@click.option(
    "--values",
    "values",
    multiple=True,
    metavar="NAME=V1,V2,...",
    help="The grid values of a parameter (default: --steps values evenly spread over its range).",
)
@click.option(
    "--steps",
    type=int,
    default=DEFAULT_STEPS,
    show_default=True,
    help="Grid values per parameter without --values.",
)
@click.option(
    "--probes",
    type=click.IntRange(min=0),
    default=DEFAULT_PROBES,
    show_default=True,
    help="Off-grid points probed next to the violated region (0: the grid only).",
)
@click.option(
    "--property",
    "properties",
    multiple=True,
    metavar="NAME",
    help=f"Property (repeatable; {' or '.join(KINDS)} kind); default: every such library one.",
)
@click.option(
    "--bound-seconds",
    type=click.IntRange(min=0),
    default=None,
    metavar="T",
    help="T for bounded properties (default: derived from each point's own timers).",
)
@click.option("--traffic", default=None, metavar="PROFILE", help="Host traffic (as for check).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@jobs_option()
@budget_options("grid cell", "that cell is not answered (exit 3)")
@handle_errors
def synthesize(
    paths: tuple[str, ...],
    params: tuple[str, ...],
    ranges: tuple[str, ...],
    values: tuple[str, ...],
    steps: int,
    probes: int,
    properties: tuple[str, ...],
    bound_seconds: int | None,
    traffic: str | None,
    fmt: str,
    as_json: bool,
    no_rekey: bool,
    max_states: int,
    timeout: float | None,
    jobs: int | None,
) -> None:
    """Which timer values make each property of the tunnels in PATH hold or fail.

    The violated region is derived from counterexamples (each replayed with symbolic
    timers); the rest of the box is checked at every grid cell, not between them.
    """
    options = SynthesisOptions(
        params=params,
        ranges=dict(parse_range(r) for r in ranges),
        values=dict(parse_values(v) for v in values),
        steps=steps,
        probes=probes,
        bound_seconds=bound_seconds,
        max_states=max_states,
        timeout_seconds=timeout,
        jobs=worker_count(jobs),
    )
    model = load_model(paths, traffic, False if no_rekey else None)
    if properties:
        props = tuple(load_property(p) for p in properties)
    else:
        props = tuple(p for p in load_all() if p.kind in KINDS)
    report = synthesize_model(model, props, options)
    if fmt == "json" or as_json:
        click.echo(render_synthesis_json(model, report))
    else:
        click.echo(render_synthesis_text(model, report), nl=False)
    sys.exit(exit_code(report))
