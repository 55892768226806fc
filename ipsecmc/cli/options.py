"""Command-line options shared by ``check``, ``measure`` and ``fix`` (one definition, one
wording)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

import click

from ipsecmc.engines.result import Stats

F = TypeVar("F", bound=Callable[..., object])


def budget_options(per: str, when_hit: str) -> Callable[[F], F]:
    """``--max-states``, ``--timeout`` and ``--no-rekey``; ``per`` names the unit a budget
    applies to ("property", "tunnel"), ``when_hit`` what the user gets when it runs out."""

    def apply(f: F) -> F:
        f = click.option(
            "--no-rekey",
            is_flag=True,
            default=False,
            help="What-if: leave keylife expiry (rekeying) out of the model.",
        )(f)
        f = timeout_option(per)(f)
        return click.option(
            "--max-states",
            type=click.IntRange(min=1),
            default=2_000_000,
            show_default=True,
            help=f"State budget per {per}; {when_hit} when hit.",
        )(f)

    return apply


def fault_options(default_note: str = "") -> Callable[[F], F]:
    """``--faults`` and ``--fault-budget`` (``ipsecmc.model.faults``); ``default_note``
    ends the ``--faults`` help (what else may choose the faults)."""

    def apply(f: F) -> F:
        f = click.option(
            "--fault-budget",
            type=click.IntRange(min=0),
            default=None,
            metavar="N",
            help="At most N faults per run (default: scenario.toml, else 1).",
        )(f)
        return click.option(
            "--faults",
            default=None,
            metavar="KINDS",
            help="Faults to explore: none, all, or some of reboot, flush, loss joined by "
            f"commas (default: scenario.toml, else none{default_note}).",
        )(f)

    return apply


#: Default wall-clock budget of one search, in seconds: the default path (two configs, free
#: traffic, real keylives) answers in seconds (benchmarks/default_path.py), so a search
#: still running after a minute is one a user should hear about (INCONCLUSIVE, exit 3)
#: rather than wait on; ``--timeout 0`` lifts the limit.
DEFAULT_TIMEOUT = 60.0


def _no_limit_if_zero(_ctx: click.Context, _param: click.Parameter, value: float) -> float | None:
    return None if value == 0 else value


def timeout_option(per: str) -> Callable[[F], F]:
    """``--timeout S`` with the default budget (0: no limit)."""
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0),
        default=DEFAULT_TIMEOUT,
        show_default=True,
        callback=_no_limit_if_zero,
        metavar="S",
        help=f"Wall-clock budget per {per} in seconds (0: no limit).",
    )


def jobs_option() -> Callable[[F], F]:
    """``--jobs N``: worker processes for the searches (``ipsecmc.workflows.parallel``);
    ``None`` when not given, which :func:`worker_count` turns into all CPUs."""
    return click.option(
        "--jobs",
        type=click.IntRange(min=1),
        default=None,
        metavar="N",
        help="Worker processes for the searches (default: all CPUs; 1 = in this process). "
        "Identical tunnels share one search either way.",
    )


def worker_count(jobs: int | None) -> int:
    """``--jobs`` as given, else every CPU: the report is the same for any count."""
    return jobs if jobs is not None else (os.cpu_count() or 1)


def progress_line(stats: Stats) -> None:
    """The progress line every long search prints on stderr, once a second."""
    task = f"{stats.task}: " if stats.task else ""
    click.echo(
        f"ipsecmc: {task}{stats.states:,} states visited, {stats.stored_nodes:,} stored, "
        f"depth {stats.depth}, {stats.seconds:.0f} s",
        err=True,
    )
