"""Command-line options shared by ``check`` and ``measure`` (one definition, one wording)."""

from __future__ import annotations

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
        f = click.option(
            "--timeout",
            type=click.FloatRange(min=0.001),
            default=None,
            metavar="S",
            help=f"Wall-clock budget per {per} in seconds.",
        )(f)
        return click.option(
            "--max-states",
            type=click.IntRange(min=1),
            default=2_000_000,
            show_default=True,
            help=f"State budget per {per}; {when_hit} when hit.",
        )(f)

    return apply


def progress_line(stats: Stats) -> None:
    """The progress line every long search prints on stderr, once a second."""
    click.echo(
        f"ipsecmc: {stats.states:,} states visited, {stats.stored_nodes:,} stored, "
        f"depth {stats.depth}, {stats.seconds:.0f} s",
        err=True,
    )
