"""Site specifications for ``ipsecmc.strategies`` and the FortiOS CLI text they stand for.

A :class:`SiteSpec` is a small frozen record of the choices a random draw makes for one
FortiGate (timers, DPD, IKE version, the local-in table, ...); :func:`render_site`
writes it as a full-configuration text shaped like ``models/seed-*/site*.conf``
(``#config-version`` header, interfaces, address objects, services, phase1/phase2 with
``remote-gw`` at the peer, local-in policies). The strategies draw specs and render
them, so every generated text is valid by construction: every name a policy uses is
defined, every number is inside the range the reader (``ipsecmc.fortios.resolver``)
accepts, and the texts go through the real reader, never around it.

``None`` in a spec field means "no ``set`` line": FortiOS (and the reader) use the
default. Shrinking drives fields towards ``None``, so a shrunk example is a short config.

The fast path (:func:`read_site`): a generated text is simple by construction (one
statement per line, blank-separated words, quoted names without blanks, no escapes, no
comment after the ``#`` header), so it is split into tokens line by line, each line's
statement cached under (file name, line number, text) - most lines are the same
template at the same place in every draw - and the statements go to the real parser
(``parse_lexed``) and resolver (``resolve``). The result equals what ``read_text`` makes
of the rendered text (``tests/test_strategies.py`` compares the token streams and the
gateways on random specs); only the character scanning is skipped. Whole sites are
cached by spec as well (a spec is a frozen record).

This module knows nothing of Hypothesis; it is plain data and text.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from ipsecmc.errors import SourceLoc
from ipsecmc.fortios.config import GatewayConfig
from ipsecmc.fortios.lexer import LexResult, Secrets, Statement, Token, secret_digests
from ipsecmc.fortios.parser import parse_lexed
from ipsecmc.fortios.resolver import resolve
from ipsecmc.safe_text import digest, note_secrets

#: Name of the address object that stands for the peer's public address.
PEER_OBJECT = "vpn_peer"

#: What the peer object of a site holds: the peer's exact address, the /24 around it,
#: or a neighbouring address (the typo that makes an "allow IKE from the peer" policy
#: miss the real peer).
PEER_OBJECT_KINDS = ("exact", "subnet", "wrong")

#: Interfaces a local-in rule may name (``port1`` is the WAN the tunnel runs on).
INTERFACES = ("port1", "any", "port2")

#: Source address names a local-in rule may use; all are defined in every site.
SOURCE_ADDRESSES = ("all", PEER_OBJECT, "office1", "office2", "mgmt_grp", "vpn_grp", "wan_net")

#: Destination address names a local-in rule may use (``self_wan`` = own WAN /32).
DESTINATION_ADDRESSES = ("all", "self_wan", "lan_net")

#: Services a local-in rule may use: predefined ones and the custom ones every site defines.
SERVICES = ("ALL", "IKE", "HTTPS", "PING", "udp500", "udp4500", "ike_grp", "mgmt_tcp")

#: Schedules: ``always`` and a recurring one (ipsecmc cannot know the wall clock, so a
#: policy under ``workhours`` may or may not match and the model branches on it).
SCHEDULES = ("always", "workhours")


@dataclass(frozen=True, slots=True)
class LocalInRule:
    """One ``config firewall local-in-policy`` entry."""

    policyid: int
    intf: str
    srcaddr: tuple[str, ...]
    dstaddr: tuple[str, ...]
    service: tuple[str, ...]
    srcaddr_negate: bool = False
    service_negate: bool = False
    action: str | None = None  # None: no 'set action', FortiOS denies
    status: str | None = None  # None: enabled (the default)
    schedule: str | None = None  # None: no 'set schedule' (the reader assumes always)


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """The drawn choices of one FortiGate; ``None`` = leave the FortiOS default."""

    hostname: str
    wan_ip: str
    peer_ip: str
    lan_net: str  # e.g. "192.168.1.0/24"
    peer_object: str = "exact"  # one of PEER_OBJECT_KINDS
    udp_idle_timer: int | None = None
    ike_session_ttl: int | None = None  # a 'session-ttl port' entry for UDP 500
    ike_session_never: bool = False  # that entry says 'timeout never' (needs the entry)
    ike_version: int | None = None
    dpd: str | None = None
    dpd_retryinterval: int | None = None
    dpd_retrycount: int | None = None
    keylife: int | None = None
    p1_auto_negotiate: str | None = None
    keylifeseconds: int | None = None
    p2_auto_negotiate: str | None = None
    local_in: tuple[LocalInRule, ...] = ()


def _q(*names: str) -> str:
    return " ".join(f'"{n}"' for n in names)


def _mask(net: ipaddress.IPv4Network) -> str:
    return f"{net.network_address} {net.netmask}"


def _peer_network(spec: SiteSpec) -> ipaddress.IPv4Network:
    peer = ipaddress.IPv4Address(spec.peer_ip)
    if spec.peer_object == "subnet":
        return ipaddress.IPv4Network(f"{peer}/24", strict=False)
    if spec.peer_object == "wrong":
        return ipaddress.IPv4Network(f"{peer + 1}/32")
    return ipaddress.IPv4Network(f"{peer}/32")


#: Marks a line that carries a drawn choice (a value other than the template's); the
#: short rendering (:func:`short_site`) shows only these lines and their context.
_MARK = "\x00"


def _setting(name: str, value: object | None) -> list[str]:
    return [] if value is None else [f"{_MARK}        set {name} {value}"]


def _global(spec: SiteSpec) -> list[str]:
    return [
        "config system global",
        '    set alias "FortiGate-VM64"',
        f'    set hostname "{spec.hostname}"',
        *[_MARK + line[5:] for line in _setting("udp-idle-timer", spec.udp_idle_timer)],
        "    set timezone 04",
        "end",
    ]


def _session_ttl(spec: SiteSpec) -> list[str]:
    if spec.ike_session_ttl is None:
        return []
    timeout = "never" if spec.ike_session_never else str(spec.ike_session_ttl)
    return [
        "config system session-ttl",
        "    config port",
        "        edit 1",
        f"{_MARK}            set protocol 17",
        f"{_MARK}            set start-port 500",
        f"{_MARK}            set end-port 500",
        f"{_MARK}            set timeout {timeout}",
        "        next",
        "    end",
        "end",
    ]


def _interfaces(spec: SiteSpec) -> list[str]:
    lan = ipaddress.IPv4Network(spec.lan_net)
    lan_ip = lan.network_address + 99
    return [
        "config system interface",
        '    edit "port1"',
        '        set vdom "root"',
        f"        set ip {spec.wan_ip} 255.255.255.0",
        "        set allowaccess ping https ssh",
        "        set type physical",
        "        set role wan",
        "    next",
        '    edit "port2"',
        '        set vdom "root"',
        f"        set ip {lan_ip} {lan.netmask}",
        "        set allowaccess ping https ssh http",
        "        set type physical",
        "        set role lan",
        "    next",
        f'    edit "{spec.hostname}"',
        '        set vdom "root"',
        "        set type tunnel",
        '        set interface "port1"',
        "    next",
        "end",
    ]


def _addresses(spec: SiteSpec) -> list[str]:
    wan_net = ipaddress.IPv4Network(f"{spec.wan_ip}/24", strict=False)
    objects = [
        ("office1", "172.16.10.0 255.255.255.0"),
        ("office2", "172.16.20.0 255.255.255.0"),
        (PEER_OBJECT, _mask(_peer_network(spec))),
        ("wan_net", _mask(wan_net)),
        ("self_wan", f"{spec.wan_ip} 255.255.255.255"),
        ("lan_net", _mask(ipaddress.IPv4Network(spec.lan_net))),
    ]
    lines = ["config firewall address"]
    for name, subnet in objects:
        # The peer object matters when a local-in policy may name it (the typo case).
        mark = _MARK if name == PEER_OBJECT and spec.local_in else ""
        lines += [f'    edit "{name}"', f"{mark}        set subnet {subnet}", "    next"]
    lines += [
        "end",
        "config firewall addrgrp",
        '    edit "mgmt_grp"',
        f"        set member {_q('office1', 'office2')}",
        "    next",
        '    edit "vpn_grp"',
        f"        set member {_q(PEER_OBJECT, 'office1')}",
        "    next",
        "end",
    ]
    return lines


def _services() -> list[str]:
    return [
        "config firewall service custom",
        '    edit "udp500"',
        "        set udp-portrange 500",
        "    next",
        '    edit "udp4500"',
        "        set udp-portrange 4500",
        "    next",
        '    edit "mgmt_tcp"',
        "        set tcp-portrange 443 22",
        "    next",
        "end",
        "config firewall service group",
        '    edit "ike_grp"',
        f"        set member {_q('udp500', 'udp4500')}",
        "    next",
        "end",
        "config firewall schedule recurring",
        '    edit "workhours"',
        "        set day monday tuesday wednesday thursday friday",
        "        set start 08:00",
        "        set end 18:00",
        "    next",
        "end",
    ]


#: The ``psksecret`` of every generated phase1: a placeholder, never a key (still
#: treated as a secret: redacted from messages, never in a short rendering).
PSK_PLACEHOLDER = "ZmFrZS1wc2stZm9yLWdlbmVyYXRlZC10ZXN0cy1vbmx5"


def _vpn(spec: SiteSpec) -> list[str]:
    name = spec.hostname
    secret = PSK_PLACEHOLDER
    return [
        "config vpn ipsec phase1-interface",
        f'    edit "{name}"',
        '        set interface "port1"',
        *_setting("ike-version", spec.ike_version),
        "        set peertype any",
        "        set net-device disable",
        "        set proposal aes128-sha256 aes256-sha256 aes128-sha1 aes256-sha1",
        *_setting("dpd", spec.dpd),
        *_setting("dpd-retrycount", spec.dpd_retrycount),
        *_setting("dpd-retryinterval", spec.dpd_retryinterval),
        *_setting("keylife", spec.keylife),
        *_setting("auto-negotiate", spec.p1_auto_negotiate),
        f"        set remote-gw {spec.peer_ip}",
        f"        set psksecret ENC {secret}",
        "    next",
        "end",
        "config vpn ipsec phase2-interface",
        f'    edit "{name}"',
        f'        set phase1name "{name}"',
        "        set proposal aes128-sha1 aes256-sha1 aes128-sha256 aes256-sha256",
        *_setting("keylifeseconds", spec.keylifeseconds),
        *_setting("auto-negotiate", spec.p2_auto_negotiate),
        "    next",
        "end",
    ]


def _local_in(rules: tuple[LocalInRule, ...]) -> list[str]:
    if not rules:
        return []
    lines = ["config firewall local-in-policy"]
    for r in rules:
        lines += [
            f"    edit {r.policyid}",
            f'{_MARK}        set intf "{r.intf}"',
            f"{_MARK}        set srcaddr {_q(*r.srcaddr)}",
            *([f"{_MARK}        set srcaddr-negate enable"] if r.srcaddr_negate else []),
            f"{_MARK}        set dstaddr {_q(*r.dstaddr)}",
            *_setting("action", r.action),
            f"{_MARK}        set service {_q(*r.service)}",
            *([f"{_MARK}        set service-negate enable"] if r.service_negate else []),
            *_setting("schedule", None if r.schedule is None else f'"{r.schedule}"'),
            *_setting("status", r.status),
            "    next",
        ]
    lines.append("end")
    return lines


def _marked_lines(spec: SiteSpec) -> tuple[str, ...]:
    """The lines of the text of ``spec``; a line carrying a drawn choice starts with
    ``_MARK``."""
    lines = [
        "#config-version=FGVM64-7.2.5-FW-build1517-230606:opmode=0:vdom=0:user=admin",
        "#buildno=1517",
        "#global_vdom=1",
        *_global(spec),
        *_session_ttl(spec),
        *_interfaces(spec),
        *_addresses(spec),
        *_services(),
        *_vpn(spec),
        *_local_in(spec.local_in),
    ]
    return tuple(lines)


def site_lines(spec: SiteSpec) -> tuple[str, ...]:
    """The lines of :func:`render_site`'s text (no line ends)."""
    return tuple(line.lstrip(_MARK) for line in _marked_lines(spec))


def render_site(spec: SiteSpec) -> str:
    """The full-configuration text of ``spec`` (what ``show full-configuration`` prints,
    minus sections that cannot change a verdict)."""
    return "\n".join(site_lines(spec)) + "\n"


def short_site(spec: SiteSpec) -> str:
    """What a reader of a failing example needs: only the lines of :func:`render_site`
    that carry a drawn choice (every other line is the same template in every draw, and
    a setting left at its FortiOS default has no line at all), each under the ``config``
    and ``edit`` lines that enclose it, with its line number in the full text. Secrets
    never appear (the ``psksecret`` line is template, not choice)."""
    out: list[str] = []
    context: list[tuple[int, str]] = []  # open 'config' / 'edit' lines
    shown: set[int] = set()
    for number, raw in enumerate(_marked_lines(spec), start=1):
        line = raw.lstrip(_MARK)
        word = line.split(" ", 1)[0] if not line.startswith(" ") else line.split()[0]
        if word in ("config", "edit"):
            context.append((number, line))
        elif word in ("next", "end") and context:
            context.pop()
        if raw.startswith(_MARK):
            for n, text in context:
                if n not in shown:
                    out.append(f"{n:4}  {text}")
                    shown.add(n)
            out.append(f"{number:4}  {line}")
    if not out:
        return "(every setting at its FortiOS default; no local-in policy)"
    return "\n".join(out)


# --- the fast path: the generated text's tokens without scanning it ----------------------


@lru_cache(maxsize=200_000)
def _statement(filename: str, number: int, line: str) -> Statement:
    """The statement of one generated line (blank-separated words; ``"name"`` quoted)."""
    tokens: list[Token] = []
    column = 1
    for word in line.split(" "):
        if word:
            loc = SourceLoc(filename, number, column)
            if word[0] == '"':
                tokens.append(Token(word[1:-1], loc, quoted=True))
            else:
                tokens.append(Token(word, loc))
        column += len(word) + 1
    return Statement(tuple(tokens))


def _header_entry(line: str) -> tuple[str, str]:
    key, _, value = line[1:].partition("=")
    return key.strip(), value.strip()


def lex_site(spec: SiteSpec, filename: str) -> LexResult:
    """What ``ipsecmc.fortios.lexer.tokenize`` makes of ``render_site(spec)``, built
    from the lines without scanning characters (see the module's note)."""
    lines = site_lines(spec)
    header = tuple(_header_entry(line) for line in lines if line.startswith("#"))
    statements = tuple(
        _statement(filename, number, line)
        for number, line in enumerate(lines, start=1)
        if not line.startswith("#")
    )
    return LexResult(
        filename=filename,
        header=header,
        statements=statements,
        end=SourceLoc(filename, len(lines) + 1, 1),
        secrets=Secrets(secret_digests(statements)),
    )


#: The secret digests of every generated text (its one secret is the placeholder).
SECRET_DIGESTS = frozenset({digest(PSK_PLACEHOLDER)})


@lru_cache(maxsize=4096)
def read_site(spec: SiteSpec, filename: str) -> tuple[GatewayConfig, ...]:
    """``read_text(render_site(spec), filename)``, by the fast path (module note).
    Cached by spec: call :func:`note_generated_secrets` when a secret scope is open."""
    lexed = lex_site(spec, filename)
    return resolve(parse_lexed(lexed))


def note_generated_secrets() -> None:
    """Tell an open secret scope (``ipsecmc.safe_text``) the generated texts' secret, as
    the reader does for each text it reads (a cached read does not)."""
    note_secrets(SECRET_DIGESTS)
