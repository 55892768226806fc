"""``ipsecmc fix``: propose config changes for a local-in violation, and keep only the
ones the checker proves.

A violation is "caused by local-in" when its counterexample has an event with
``dropped_by`` set: gateway X's policy P dropped a packet of its peer Y. For each such
(X, P) this module writes candidate changes as FortiOS CLI an engineer can paste:

* ``allow-ike``: a new local-in policy accepting service IKE from Y's address (an
  address object for Y is created if X has none) on the tunnel interface, moved before P;
* ``narrow-deny``: P keeps denying everything except traffic from Y (srcaddr negated),
  or everything except IKE (service negated);
* ``rebind-deny``: P is bound to another interface than the one IKE arrives on;
* ``session-ttl`` / ``dpd``: keep X's own UDP 500 session alive (a ``never`` TTL for UDP
  500, or on-idle DPD on X) so the peer's packets keep matching it.

Each candidate is applied to a copy of X's config *text*: the CLI is appended to the
file, which is exactly what pasting it does (the reader applies FortiOS edit semantics:
``edit`` continues an entry, ``move`` reorders the table). The patched text is read
again, paired with the other gateways, and every property is re-checked with the same
machinery as ``ipsecmc check``. A candidate is listed only if every violated property
now holds and no other verdict got worse.

Listed fixes come root cause first: the changes to the local-in table (``allow-ike``,
``narrow-deny``, ``rebind-deny``) before the timer workarounds (``session-ttl``,
``dpd``), which leave the dropping policy in place and only keep the gateway's own
session alive (``Candidate.role``). Within each group, smallest first: by how much new
traffic they let reach the gateway (``exposure``: 0 none, 1 IKE from the peer only, 2
everything from the peer, 3 IKE from anywhere, 4 everything on the interface), then by
the number of CLI lines.

The re-checks of all candidates run together (:func:`verify_all`), in two rounds of
``ipsecmc.workflows.parallel.check_pairs``: the originally violated properties of every candidate,
then the other properties of the candidates that fixed them all, so a candidate that does
not help costs only first-round searches. Within a round the searches run in
``options.jobs`` worker processes, and systems equal up to names share one search: the
changes to the local-in table (``allow-ike``, both ``narrow-deny``, ``rebind-deny``)
usually admit the peer's IKE in the same way, so four candidates cost one search per
property (checked one candidate at a time, they were most of ``fix``'s time).
Searches are deterministic, so each candidate is judged exactly as checking it alone
would judge it (violated properties first, stopping at the first failure; results after
it say "not re-checked" even if the batch has them), and the output is the same for any
``jobs``. ``--timeout`` and ``--max-states`` bound each search, as in ``check``.

Secrets: the patched text keeps the file's original ``psksecret`` lines (so a written
config still works), and is only ever written to files under ``--write DIR``; it is not
part of any rendered output (``repr=False``, never in ``as_dict``).
"""

from __future__ import annotations

import errno
import ipaddress
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ipsecmc.engines.result import Stats, Verdict
from ipsecmc.errors import UsageError
from ipsecmc.fortios.config import Action, GatewayConfig, LocalInPolicy
from ipsecmc.fortios.parser import Value
from ipsecmc.fortios.resolver import read_gateways, read_text
from ipsecmc.fortios.topology import pair
from ipsecmc.fortios.topology_types import End, Tunnel, TunnelEnd
from ipsecmc.fortios.writer import quote
from ipsecmc.inputs import classify
from ipsecmc.model.params import DpdMode
from ipsecmc.model.system import DEFAULT_TRAFFIC
from ipsecmc.pairing import pair_hosts
from ipsecmc.strongswan.host import read_host
from ipsecmc.systems import TunnelSystem, build
from ipsecmc.workflows.check import (
    CheckOptions,
    CheckReport,
    PropertyResult,
    check_paths,
    faulty,
    load_properties,
)
from ipsecmc.workflows.parallel import check_pairs
from ipsecmc.workflows.scenario_file import FILE_NAME, read_settings

#: Candidate kinds that change the local-in table so it admits the peer's IKE: they fix
#: the cause. The others (``session-ttl``, ``dpd``) are timer workarounds, listed after.
ROOT_CAUSE_KINDS = frozenset({"allow-ike", "narrow-deny", "rebind-deny"})

#: Verdict order for "did this get worse": a fix may not move any verdict down.
_RANK = {Verdict.VIOLATED: 0, Verdict.INCONCLUSIVE: 1, Verdict.HOLDS_UP_TO: 2, Verdict.HOLDS: 3}
_HOLDS = {Verdict.HOLDS, Verdict.HOLDS_UP_TO}


@dataclass(frozen=True)
class Cause:
    """Gateway ``end`` dropped its peer's packets with local-in policy ``policy``."""

    tunnel: Tunnel
    end: TunnelEnd
    peer: End
    policy: LocalInPolicy


@dataclass(frozen=True)
class Candidate:
    """One proposed change: CLI to paste on ``gateway`` (file ``path``)."""

    kind: str
    gateway: str
    path: str
    summary: str
    exposure: int
    exposure_text: str
    cli: str

    @property
    def lines(self) -> int:
        return len(self.cli.strip().splitlines())

    @property
    def role(self) -> str:
        """``root-cause``: the local-in table admits the peer's IKE again; ``workaround``:
        a timer keeps the gateway's own UDP 500 session alive, so the peer's packets keep
        matching it while the policy that drops them stays as it is."""
        return "root-cause" if self.kind in ROOT_CAUSE_KINDS else "workaround"


@dataclass(frozen=True)
class VerdictChange:
    tunnel: str
    prop: str
    before: Verdict
    after: Verdict | None  # None: not re-checked (an earlier check already failed)


@dataclass(frozen=True)
class FixResult:
    candidate: Candidate
    passed: bool
    reason: str
    changes: tuple[VerdictChange, ...]
    #: path -> patched text (with the original secrets!): for --write only, never printed.
    patched: dict[str, str] = field(repr=False, compare=False, default_factory=dict)


@dataclass(frozen=True)
class FixReport:
    report: CheckReport
    causes: tuple[Cause, ...]
    results: tuple[FixResult, ...]  # passing ones first, smallest first

    @property
    def passing(self) -> tuple[FixResult, ...]:
        return tuple(r for r in self.results if r.passed)

    @property
    def violated(self) -> tuple[PropertyResult, ...]:
        return tuple(r for r in self.report.results if r.verdict is Verdict.VIOLATED)


# ---------------------------------------------------------------------- causes


def causes_of(report: CheckReport) -> tuple[Cause, ...]:
    """Every (gateway, local-in policy) that dropped packets in a violation's trace."""
    out: list[Cause] = []
    seen: set[tuple[str, str, int]] = set()
    for r in report.results:
        if r.verdict is not Verdict.VIOLATED or r.trace is None:
            continue
        for ev in r.trace.events:
            pid = ev.note.dropped_by
            if pid is None or ev.gateway is None:
                continue
            key = (r.tunnel.name, ev.gateway, pid)
            if key in seen:
                continue
            seen.add(key)
            t = r.tunnel
            end, peer = (t.a, t.b) if t.a.name == ev.gateway else (t.b, t.a)
            if not isinstance(end, TunnelEnd):  # fixes are written for FortiOS only
                continue
            policy = next((p for p in end.gateway.local_in_policies if p.policyid == pid), None)
            if policy is not None:
                out.append(Cause(t, end, peer, policy))
    return tuple(out)


# ---------------------------------------------------------------------- candidates


def _q(text: str) -> str:
    return quote(Value(text, quoted=True))


def _block(path: str, body: list[str]) -> list[str]:
    return [f"config {path}", *("    " + line for line in body), "end"]


def _entry(key: str, sets: list[str]) -> list[str]:
    return [f"edit {key}", *("    " + s for s in sets), "next"]


def _in_vdom(gw: GatewayConfig, lines: list[str]) -> str:
    """Wrap in ``config vdom / edit <vdom>`` for a multi-VDOM file (a VDOM backup: the
    reader sets ``vdom`` only when the file has ``config vdom`` entries; its header says
    ``vdom=1`` inside ``#config-version``, not as a key of its own)."""
    if gw.vdom:
        lines = ["config vdom", f"edit {_q(gw.vdom)}", *lines, "end"]
    return "\n".join(lines) + "\n"


def _peer_address(gw: GatewayConfig, ip: ipaddress.IPv4Address, peer: str) -> tuple[str, list[str]]:
    """An existing /32 address object for ``ip``, or the CLI lines creating one."""
    host = ipaddress.IPv4Network(f"{ip}/32")
    for a in gw.addresses:
        if a.kind == "ipmask" and a.network == host and not a.builtin:
            return a.name, []
    taken = set(gw.address_by_name) | set(gw.group_by_name)
    name, k = f"{peer}_peer", 2
    while name in taken:
        name, k = f"{peer}_peer{k}", k + 1
    lines = _block(
        "firewall address",
        _entry(
            _q(name),
            [
                f"set comment {_q(f'{peer} public address (IPsec peer), added by ipsecmc fix')}",
                f"set subnet {ip} 255.255.255.255",
            ],
        ),
    )
    return name, lines


def _ike_service(gw: GatewayConfig) -> tuple[str, list[str]]:
    if "IKE" in gw.service_by_name:
        return "IKE", []
    name = "ipsecmc_IKE"
    return name, _block(
        "firewall service custom",
        _entry(_q(name), ["set protocol TCP/UDP/SCTP", "set udp-portrange 500 4500"]),
    )


def candidates(cause: Cause) -> list[Candidate]:
    """The changes worth checking for one cause (not yet verified)."""
    gw, p1, policy = cause.end.gateway, cause.end.phase1, cause.policy
    peer_ip, peer = cause.peer.address, cause.peer.name
    out: list[Candidate] = []

    def add(kind: str, summary: str, exposure: int, exposure_text: str, lines: list[str]) -> None:
        out.append(
            Candidate(
                kind, gw.hostname, gw.path, summary, exposure, exposure_text, _in_vdom(gw, lines)
            )
        )

    # (a) accept IKE from the peer before the deny
    if policy.action is Action.DENY:
        addr, addr_lines = _peer_address(gw, peer_ip, peer)
        svc, svc_lines = _ike_service(gw)
        new_id = max((p.policyid for p in gw.local_in_policies), default=0) + 1
        policy_lines = _block(
            "firewall local-in-policy",
            [
                *_entry(
                    str(new_id),
                    [
                        f"set intf {_q(p1.interface)}",
                        f"set srcaddr {_q(addr)}",
                        'set dstaddr "all"',
                        "set action accept",
                        f"set service {_q(svc)}",
                        'set schedule "always"',
                        f"set comments {_q(f'allow IKE from the {peer} peer (ipsecmc fix)')}",
                    ],
                ),
                f"move {new_id} before {policy.policyid}",
            ],
        )
        add(
            "allow-ike",
            f"accept IKE from {peer} ({peer_ip}) on {p1.interface} in a new local-in "
            f"policy {new_id}, placed before policy {policy.policyid}",
            1,
            f"IKE (UDP 500/4500) from {peer_ip} only",
            addr_lines + svc_lines + policy_lines,
        )
        # (b) narrow the deny
        if policy.srcaddr == ("all",) and not policy.srcaddr_negate:
            add(
                "narrow-deny",
                f"narrow local-in policy {policy.policyid} so it no longer applies to {peer} "
                f"({peer_ip}): srcaddr {addr}, negated",
                2,
                f"every service from {peer_ip}",
                addr_lines
                + _block(
                    "firewall local-in-policy",
                    _entry(
                        str(policy.policyid),
                        [f"set srcaddr {_q(addr)}", "set srcaddr-negate enable"],
                    ),
                ),
            )
        if policy.service == ("ALL",) and not policy.service_negate:
            add(
                "narrow-deny",
                f"narrow local-in policy {policy.policyid} to everything except IKE "
                "(service IKE, negated)",
                3,
                "IKE (UDP 500/4500) from any address",
                svc_lines
                + _block(
                    "firewall local-in-policy",
                    _entry(
                        str(policy.policyid),
                        [f"set service {_q(svc)}", "set service-negate enable"],
                    ),
                ),
            )
        others = [
            i.name
            for i in gw.interfaces
            if i.type == "physical" and i.name not in (p1.interface, *policy.intf)
        ]
        if p1.interface in policy.intf or "any" in policy.intf:
            for other in others[:2]:
                add(
                    "rebind-deny",
                    f"re-bind local-in policy {policy.policyid} from "
                    f"{' '.join(policy.intf)} to {other} (IKE arrives on {p1.interface})",
                    4,
                    f"everything policy {policy.policyid} denied on {p1.interface}",
                    _block(
                        "firewall local-in-policy",
                        _entry(str(policy.policyid), [f"set intf {_q(other)}"]),
                    ),
                )
    # (c) timers that keep the gateway's own UDP 500 session alive
    if gw.udp_session_ttl(500) is not None:
        n = max((e.start_port for e in gw.session_ttl_ports), default=0)
        key = str(len(gw.session_ttl_ports) + 1 if n else 1)
        add(
            "session-ttl",
            f"UDP 500 sessions on {gw.hostname} never age out (session-ttl port entry)",
            0,
            "nothing new (sessions of IKE the gateway itself started live on)",
            [
                "config system session-ttl",
                "    config port",
                *(
                    "        " + s
                    for s in _entry(
                        key,
                        [
                            "set protocol 17",
                            "set start-port 500",
                            "set end-port 500",
                            "set timeout never",
                        ],
                    )
                ),
                "    end",
                "end",
            ],
        )
    if p1.dpd is not DpdMode.ON_IDLE:
        add(
            "dpd",
            f"DPD on-idle on {gw.hostname}'s phase1 {p1.name}: its own probes keep the "
            "UDP 500 session fresh",
            0,
            "nothing new",
            _block("vpn ipsec phase1-interface", _entry(_q(p1.name), ["set dpd on-idle"])),
        )
    return out


# ---------------------------------------------------------------------- verification


def _patched_gateways(
    paths: Sequence[str | Path], target: str, text: str
) -> tuple[GatewayConfig, ...]:
    gws: list[GatewayConfig] = []
    target_key = Path(target).resolve()
    for f in classify(paths).fortios:
        if f.resolve() == target_key:
            gws.extend(read_text(text, str(f)))
        else:
            gws.extend(read_gateways(f))
    return tuple(gws)


@dataclass(frozen=True)
class _Patched:
    """A candidate applied to a copy of its file's text: the tunnels the patched configs
    pair into (by name), or ``error``, why the patched text does not read."""

    candidate: Candidate
    text: str = field(repr=False)  # the original secrets: for --write only
    tunnels: Mapping[str, Tunnel]
    error: str = ""


def _patch(paths: Sequence[str | Path], cand: Candidate) -> _Patched:
    original = Path(cand.path).read_text(encoding="utf-8", errors="replace")
    text = original + ("" if original.endswith("\n") else "\n") + cand.cli
    try:
        hosts = [read_host(h) for h in classify(paths).hosts]
        gws = _patched_gateways(paths, cand.path, text)
        scenario = pair_hosts(pair(gws, require_tunnel=False), hosts)
    except Exception as exc:  # a candidate the reader rejects is simply not a fix
        return _Patched(cand, text, {}, f"patched config does not read: {exc}")
    return _Patched(cand, text, {t.name: t for t in scenario.tunnels})


#: A result's identity in a report: (tunnel name, property name).
_Key = tuple[str, str]


def _key(r: PropertyResult) -> _Key:
    return r.tunnel.name, r.prop.name


def _judge(
    ordered: Sequence[PropertyResult], tunnels: Mapping[str, Tunnel], after: Mapping[_Key, Verdict]
) -> tuple[tuple[VerdictChange, ...], str] | None:
    """Judge a candidate from the verdicts ``after`` it, walking ``ordered`` as one check
    after another would: the first result that does not hold where it was violated, or
    got worse, fails the candidate, and the results after it count as not re-checked
    (``after=None``), even if a batch checked them. Returns the changes and the failure
    (``""``: passed), or ``None`` while a result before any failure is still unchecked."""
    changes: list[VerdictChange] = []
    failure = ""
    for r in ordered:
        if failure:
            changes.append(VerdictChange(r.tunnel.name, r.prop.name, r.verdict, None))
            continue
        if r.tunnel.name not in tunnels:
            failure = f"tunnel {r.tunnel.name} no longer pairs"
            changes.append(VerdictChange(r.tunnel.name, r.prop.name, r.verdict, None))
            continue
        verdict = after.get(_key(r))
        if verdict is None:
            return None
        changes.append(VerdictChange(r.tunnel.name, r.prop.name, r.verdict, verdict))
        if r.verdict is Verdict.VIOLATED and verdict not in _HOLDS:
            failure = f"{r.prop.name} is still {verdict.value}"
        elif _RANK[verdict] < _RANK[r.verdict]:
            failure = f"{r.prop.name} gets worse: {r.verdict.value} -> {verdict.value}"
    return tuple(changes), failure


def verify_all(
    paths: Sequence[str | Path],
    report: CheckReport,
    options: CheckOptions,
    cands: Sequence[Candidate],
    progress: Callable[[Stats], None] | None = None,
) -> list[FixResult]:
    """Apply each candidate to a copy of its config text, re-check, and judge it.

    All candidates' searches in two rounds of :func:`check_pairs` (module doc): the
    violated properties, then the others for the candidates still passing. Same results
    as :func:`verify` on each candidate alone, in the order of ``cands``.
    """
    patched = [_patch(paths, c) for c in cands]
    traffic = report.traffic or report.settings.traffic or DEFAULT_TRAFFIC
    props = {p.name: p for p in load_properties(options.properties)}
    # violated first: a candidate that does not fix them is rejected after the first round
    ordered = sorted(report.results, key=lambda r: r.verdict is not Verdict.VIOLATED)
    rounds = (
        [r for r in ordered if r.verdict is Verdict.VIOLATED],
        [r for r in ordered if r.verdict is not Verdict.VIOLATED],
    )
    judging = replace(options, longest=False)  # only the verdicts judge a candidate
    after: list[dict[_Key, Verdict]] = [{} for _ in patched]
    systems: dict[tuple[int, str], TunnelSystem] = {}
    for results in rounds:
        todo = [
            (i, r)
            for i, p in enumerate(patched)
            if not p.error and _judge(ordered, p.tunnels, after[i]) is None
            for r in results
            if r.tunnel.name in p.tunnels
        ]
        pairs = []
        for i, r in todo:
            if (i, r.tunnel.name) not in systems:
                tunnel = patched[i].tunnels[r.tunnel.name]
                systems[i, r.tunnel.name] = build(tunnel, traffic, report.rekey, report.faults)
            prop = props[r.prop.name]
            pairs.append((faulty(systems[i, r.tunnel.name], prop), prop))
        for (i, r), checked in zip(todo, check_pairs(pairs, judging, {}, progress), strict=True):
            after[i][_key(r)] = checked.verdict
    return [_fix_result(p, ordered, after[i]) for i, p in enumerate(patched)]


def _fix_result(
    patched: _Patched, ordered: Sequence[PropertyResult], after: Mapping[_Key, Verdict]
) -> FixResult:
    if patched.error:
        return FixResult(patched.candidate, False, patched.error, (), {})
    judged = _judge(ordered, patched.tunnels, after)
    assert judged is not None, "a candidate left unjudged after both rounds"
    changes, failure = judged
    reason = failure or "every violated property holds; no verdict got worse"
    return FixResult(
        patched.candidate, not failure, reason, changes, {patched.candidate.path: patched.text}
    )


def verify(
    paths: Sequence[str | Path],
    report: CheckReport,
    options: CheckOptions,
    cand: Candidate,
    progress: Callable[[Stats], None] | None = None,
) -> FixResult:
    """:func:`verify_all` for one candidate."""
    (result,) = verify_all(paths, report, options, [cand], progress)
    return result


def order_key(fix: FixResult) -> tuple[bool, bool, int, int]:
    """Listing order: passing first; root cause before workarounds; then smallest."""
    c = fix.candidate
    return (not fix.passed, c.role != "root-cause", c.exposure, c.lines)


def propose(
    paths: Sequence[str | Path],
    options: CheckOptions,
    progress: Callable[[Stats], None] | None = None,
) -> FixReport:
    """Check ``paths``, derive candidates from local-in drops, verify each.

    Without the longest-stretch figure (``CheckOptions.longest``), which costs a search per
    agreement and which ``fix`` never shows: it prints verdicts and counterexamples only.
    """
    report = check_paths(paths, replace(options, longest=False), progress)
    causes = causes_of(report)
    unique: dict[tuple[str, str], Candidate] = {}
    for cause in causes:
        for cand in candidates(cause):
            unique.setdefault((cand.path, cand.cli), cand)
    results = verify_all(paths, report, options, list(unique.values()), progress)
    results.sort(key=order_key)
    return FixReport(report, causes, tuple(results))


def _plain_name(path: Path) -> str:
    """The base name a fix folder gives an input file (never a path: no ``..``, no ``/``)."""
    name = path.name
    if name in ("", ".", "..") or "/" in name or "\\" in name:
        raise UsageError(f"--write: cannot name a file after {str(path)!r}")
    return name


def _identity(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_dev, st.st_ino


class _Targets:
    """Where ``--write DIR`` may write: ``DIR/<folder>/<name>``, never through a symbolic
    link met inside ``DIR`` (a ``fix-N`` folder or a file in it that links elsewhere), and
    never onto an input (a target that *is* an input file, e.g. ``ipsecmc fix DIR/fix-1
    --write DIR``, or a hard link to one). ``DIR`` itself is the user's choice and may be a
    link. Checked for every target before the first write, and again at each write
    (``O_NOFOLLOW``, the opened file's identity), so a refusal leaves nothing half written."""

    def __init__(self, base: Path, inputs: Sequence[Path]) -> None:
        self.base = base
        self.inputs = {_identity(f) for f in inputs}

    def _refuse(self, path: Path, why: str) -> UsageError:
        return UsageError(f"--write {self.base}: refusing to write {path}: {why}")

    def check(self, folder: Path, name: str) -> None:
        for path in (folder, folder / name):
            if path.is_symlink():
                raise self._refuse(path, "it is a symbolic link (it may point outside the folder)")
        target = folder / name
        if target.exists() and _identity(target) in self.inputs:
            raise self._refuse(target, "it is one of the input files")

    def write(self, folder: Path, name: str, data: bytes) -> Path:
        self.check(folder, name)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(target, flags, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise self._refuse(target, "it is a symbolic link") from None
            raise
        with os.fdopen(fd, "wb") as out:
            st = os.fstat(out.fileno())
            if (st.st_dev, st.st_ino) in self.inputs:
                raise self._refuse(target, "it is one of the input files")
            out.truncate(0)
            out.write(data)
        return target


def write_fixes(fixes: FixReport, paths: Sequence[str | Path], out_dir: str | Path) -> list[Path]:
    """Write each passing fix as a checkable folder ``DIR/fix-N/`` (configs + scenario.toml).

    The patched file is the original text (secrets untouched) with the CLI appended;
    the other configs are copied unchanged. Returns the patched files written. Nothing is
    written outside ``DIR`` and nothing onto an input: each file is named by its input's
    base name only, and every target is checked before anything is written (``_Targets``).
    """
    found = classify(paths)
    if found.hosts:
        raise UsageError(
            "--write copies FortiOS config files only; with strongSwan host folders among "
            "the inputs, paste the printed CLI instead"
        )
    inputs = found.fortios
    settings = read_settings(paths)
    toml = Path(settings.source) if settings.source is not None else None
    sources = [*inputs, *([toml] if toml is not None else [])]
    names = [_plain_name(f) for f in inputs]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:
        raise UsageError(
            f"--write: two input files are named {twice!r}; a fix folder holds one file "
            "per name: rename one of them"
        )
    base = Path(out_dir)
    plan: list[tuple[Path, str, bytes, bool]] = []  # folder, name, content, patched?
    for n, fix in enumerate(fixes.passing, start=1):
        folder = base / f"fix-{n}"
        for f, name in zip(inputs, names, strict=True):
            patched = next(
                (t for p, t in fix.patched.items() if Path(p).resolve() == f.resolve()), None
            )
            if patched is None:
                plan.append((folder, name, f.read_bytes(), False))
            else:
                plan.append((folder, name, patched.encode("utf-8"), True))
        if toml is not None:
            plan.append((folder, FILE_NAME, toml.read_bytes(), False))
        c = fix.candidate
        note = f"{c.summary}\npaste on {c.gateway}:\n\n{c.cli}"
        plan.append((folder, "FIX.txt", note.encode("utf-8"), False))
    targets = _Targets(base, sources)
    for folder, name, _, _ in plan:
        targets.check(folder, name)
    written: list[Path] = []
    for folder, name, data, is_patched in plan:
        path = targets.write(folder, name, data)
        if is_patched:
            written.append(path)
    return written


def fix_dict(fix: FixResult) -> dict[str, Any]:
    """JSON view of one fix (no patched text: it carries the original secrets)."""
    c = fix.candidate
    return {
        "kind": c.kind,
        "role": c.role,
        "gateway": c.gateway,
        "file": c.path,
        "summary": c.summary,
        "exposure": c.exposure,
        "exposure_text": c.exposure_text,
        "cli_lines": c.lines,
        "cli": c.cli,
        "passed": fix.passed,
        "reason": fix.reason,
        "verdicts": [
            {
                "tunnel": v.tunnel,
                "property": v.prop,
                "before": v.before.value,
                "after": None if v.after is None else v.after.value,
            }
            for v in fix.changes
        ],
    }
