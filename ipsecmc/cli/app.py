"""The ``ipsecmc`` command line: the only module that prints or exits.

Exit codes (shared by every command):

* 0 - success; for ``lint``, no error-severity finding;
* 1 - ``lint`` found at least one error-severity finding (warnings and infos do not
  change the exit code);
* 2 - bad input or usage: a syntax or reference error in a config, a missing file.
  Printed as one line ``ipsecmc: error: file:line:col: ...`` on stderr, never a
  traceback;
* 4 - internal error (a bug in ipsecmc, never a verdict): one line
  ``ipsecmc: internal error: <type>: <message> (...)``; ``IPSECMC_DEBUG=1`` adds the
  traceback;
* 130 - interrupted (Ctrl-C, SIGINT): one line; ``check`` still reports the results
  answered so far, the others as INCONCLUSIVE.

Every error line goes through ``ipsecmc.safe_text.safe_message``: one line (control
characters escaped) and no secret of any file read by the command.

To add a command, decorate a function with ``@main.command()`` and ``@handle_errors``.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, NoReturn, ParamSpec, TypeVar

import click

from ipsecmc import __version__
from ipsecmc.errors import InternalError, IpsecmcError
from ipsecmc.fortios.serialize import SCHEMA_VERSION
from ipsecmc.safe_text import safe_message, secret_scope

P = ParamSpec("P")
R = TypeVar("R")

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a command stopped by Ctrl-C

#: Set (to anything but ``0``) to get the traceback of an internal error.
DEBUG_ENV = "IPSECMC_DEBUG"


def say_error(kind: str, message: str) -> None:
    """Print ``ipsecmc: <kind>: <message>`` on stderr as one line without secrets."""
    click.echo(f"ipsecmc: {kind}: {safe_message(message)}", err=True)


def fail(message: str) -> NoReturn:
    """Print one error line and exit 2."""
    say_error("error", message)
    sys.exit(EXIT_INPUT)


def internal_error(exc: BaseException) -> NoReturn:
    """A bug, not a verdict: one line (the traceback with ``IPSECMC_DEBUG=1``), exit 4."""
    if os.environ.get(DEBUG_ENV, "0") not in ("", "0"):
        traceback.print_exception(exc, file=sys.stderr)
    what = str(exc) if isinstance(exc, InternalError) else f"{type(exc).__name__}: {exc}"
    say_error(
        "internal error",
        f"{what} (a bug in ipsecmc: please report it with the input that triggers it; "
        f"{DEBUG_ENV}=1 prints the traceback)",
    )
    sys.exit(EXIT_INTERNAL)


def interrupted(detail: str = "") -> NoReturn:
    """Ctrl-C: one line, exit 130."""
    say_error("interrupted", detail or "stopped by Ctrl-C (SIGINT)")
    sys.exit(EXIT_INTERRUPTED)


#: click's own control flow (``--help``, usage errors, ``ctx.exit``): not ours to report.
_CLICK_FLOW = (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Every way a command can end other than its own exit, as one stderr line:
    IpsecmcError and OSError exit 2, InternalError and any unexpected exception exit 4,
    Ctrl-C exits 130. Secrets the command reads are redacted from the line."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with secret_scope():
            try:
                return fn(*args, **kwargs)
            except KeyboardInterrupt:
                interrupted()
            except InternalError as exc:
                internal_error(exc)
            except IpsecmcError as exc:
                fail(str(exc))
            except OSError as exc:
                name = exc.filename if exc.filename is not None else ""
                fail(f"{name}: {exc.strerror or exc}")
            except _CLICK_FLOW:
                raise
            except Exception as exc:
                internal_error(exc)

    return wrapper


FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)


@click.group()
@click.version_option(__version__, prog_name="ipsecmc")
def main() -> None:
    """ipsecmc: find IPsec tunnel states where the two ends disagree."""


def _emit_json(doc: dict[str, Any]) -> None:
    click.echo(json.dumps({"version": SCHEMA_VERSION, **doc}, indent=2))
