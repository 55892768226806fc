"""``ipsecmc parse`` and ``ipsecmc lint``: read configs and print what was read or found."""

from __future__ import annotations

import sys
from dataclasses import replace

import click

from ipsecmc.cli.app import EXIT_FINDINGS, EXIT_OK, FORMAT, _emit_json, handle_errors, main
from ipsecmc.findings import Finding
from ipsecmc.fortios.config import GatewayConfig
from ipsecmc.fortios.lint import lint_paths
from ipsecmc.fortios.resolver import read_gateways
from ipsecmc.fortios.serialize import finding_to_dict, gateway_to_dict
from ipsecmc.inputs import classify
from ipsecmc.safe_text import safe_message
from ipsecmc.strongswan.host import read_host
from ipsecmc.strongswan.serialize import host_text, host_to_dict


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
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
@FORMAT
@click.option("--verbose", "-v", is_flag=True, help="List skipped sections and ignored fields.")
@handle_errors
def parse(files: tuple[str, ...], fmt: str, verbose: bool) -> None:
    """Read FortiOS config FILES (and strongSwan host folders) and print the normalized
    config (secrets redacted)."""
    inputs = classify(files)
    gateways = [gw for f in inputs.fortios for gw in read_gateways(f)]
    hosts = [read_host(h) for h in inputs.hosts]
    if fmt == "json":
        doc: dict[str, object] = {"gateways": [gateway_to_dict(g) for g in gateways]}
        if hosts:
            doc["hosts"] = [host_to_dict(h) for h in hosts]
        _emit_json(doc)
        return
    for gw in gateways:
        click.echo("\n".join(_gateway_text(gw, verbose)))
    for host in hosts:
        click.echo("\n".join(host_text(host, verbose)))


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
    classify(paths)  # a missing path is an input error before anything is read
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
