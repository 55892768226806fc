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
from dataclasses import replace
from typing import Any, NoReturn, ParamSpec, TypeVar

import click

from ipsecmc import __version__
from ipsecmc.config import GatewayConfig
from ipsecmc.errors import InternalError, IpsecmcError
from ipsecmc.fortios.resolver import read_gateways
from ipsecmc.lint import Finding, lint_paths
from ipsecmc.safe_text import safe_message, secret_scope
from ipsecmc.serialize import SCHEMA_VERSION, finding_to_dict, gateway_to_dict
from ipsecmc.topology import expand_paths

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


def _gateway_text(gw: GatewayConfig, verbose: bool) -> list[str]:
    vd = f" (vdom {gw.vdom})" if gw.vdom else ""
    out = [f"{gw.path}: gateway {gw.hostname}{vd}"]
    for i in gw.interfaces:
        out.append(
            f"  interface {i.name}: {i.ip or '-'} {i.type} "
            f"allowaccess={' '.join(i.allowaccess) or '-'}"
        )
    for p in gw.phase1s:
        out.append(
            f"  phase1 {p.name} ({p.loc}): interface {p.interface} remote-gw {p.remote_gw or '-'} "
            f"IKEv{p.ike_version} dpd {p.dpd.value} {p.dpd_retrycount}x{p.dpd_retryinterval}s "
            f"keylife {p.keylife}s auto-negotiate {'on' if p.auto_negotiate else 'off'} "
            f"psk {'<redacted>' if p.psk_present else 'none'}"
        )
    for q in gw.phase2s:
        out.append(
            f"  phase2 {q.name} ({q.loc}): phase1 {q.phase1name} keylife {q.keylifeseconds}s "
            f"auto-negotiate {'on' if q.auto_negotiate else 'off'}"
        )
    for lp in gw.local_in_policies:
        state = "" if lp.status else " [disabled]"
        out.append(
            f"  local-in {lp.policyid} ({lp.loc}): intf {' '.join(lp.intf)} "
            f"src {'!' if lp.srcaddr_negate else ''}{' '.join(lp.srcaddr)} "
            f"dst {'!' if lp.dstaddr_negate else ''}{' '.join(lp.dstaddr)} "
            f"service {'!' if lp.service_negate else ''}{' '.join(lp.service)} "
            f"schedule {lp.schedule} -> {lp.action.value}{state}"
        )
    out.append(
        f"  udp-idle-timer {gw.udp_idle_timer}s, session-ttl default {gw.session_ttl_default}s"
    )
    skipped = sum(n for _, n in gw.skipped_sections)
    out.append(
        f"  skipped: {len(gw.skipped_sections)} sections ({skipped} items)"
        + ("" if verbose else "; --verbose lists them")
    )
    if verbose:
        out.extend(f"    {name}: {n}" for name, n in gw.skipped_sections)
        out.extend(f"    ignored field {name}: {n}" for name, n in gw.ignored_fields)
    return out


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@FORMAT
@click.option("--verbose", "-v", is_flag=True, help="List skipped sections and ignored fields.")
@handle_errors
def parse(files: tuple[str, ...], fmt: str, verbose: bool) -> None:
    """Read FortiOS config FILES and print the normalized config (secrets redacted)."""
    gateways = [gw for f in files for gw in read_gateways(f)]
    if fmt == "json":
        _emit_json({"gateways": [gateway_to_dict(g) for g in gateways]})
        return
    for gw in gateways:
        click.echo("\n".join(_gateway_text(gw, verbose)))


def _finding_text(f: Finding) -> str:
    return str(f)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@FORMAT
@handle_errors
def lint(paths: tuple[str, ...], fmt: str) -> None:
    """Static checks on PATHS (config files, or folders of *.conf files).

    Exit 1 if any finding has severity error, else 0; 2 on unreadable input.
    """
    expand_paths(paths)  # a missing path is an input error before anything is read
    # a finding quotes names from the configs: the same redaction as an error line
    findings = [
        replace(f, message=safe_message(f.message), hint=safe_message(f.hint))
        for f in lint_paths(paths)
    ]
    errors = sum(1 for f in findings if f.severity == "error")
    if fmt == "json":
        _emit_json({"findings": [finding_to_dict(f) for f in findings]})
    else:
        for f in findings:
            click.echo(_finding_text(f))
        warnings = sum(1 for f in findings if f.severity == "warning")
        click.echo(
            f"{errors} error(s), {warnings} warning(s), {len(findings) - errors - warnings} info"
        )
    sys.exit(EXIT_FINDINGS if errors else EXIT_OK)


# Registers `ipsecmc check` on `main` (kept in its own module: one job each).
from ipsecmc import cli_check as _cli_check  # noqa: E402, F401

# Registers `ipsecmc diff` and `ipsecmc fix` (issue 6).
from ipsecmc import cli_extra as _cli_extra  # noqa: E402, F401

# Registers `ipsecmc measure` (issue 4: worst-case disagreement).
from ipsecmc import cli_measure as _cli_measure  # noqa: E402, F401
