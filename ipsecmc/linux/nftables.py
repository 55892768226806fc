"""Read an nftables ruleset and decide what its input path does with one IPv4 packet.

A Linux host's "local-in" is the netfilter input path: every ``filter`` base chain on the
``prerouting`` and ``input`` hooks of an ``ip`` or ``inet`` table, in hook order and then
by priority. A packet is accepted when every one of them accepts it (an ``accept`` ends
only its own base chain; a ``drop`` or ``reject`` anywhere is final); a base chain the
packet runs off applies its ``policy``. ``jump``/``goto``/``return`` work as in nft.

Read: the block syntax of ``/etc/nftables.conf`` and ``nft list ruleset`` (tables,
chains, named sets, ``define``/``$name``, ``include``, ``flush ruleset``). Matches
understood: ``ct state``, ``iif``/``iifname``, ``ip saddr``/``daddr``/``protocol``,
``meta l4proto``/``nfproto``/``iif``/``iifname``, ``udp``/``th`` ``sport``/``dport``; a
match on another protocol's header (``tcp``, ``icmp``, ``ip6``, ``esp``, ...) cannot
match the packet, so its rule is passed over. Statements ``counter``, ``log``,
``comment`` change nothing. Any other match or statement in a rule that could match
is an error naming it (file:line:col): it could change the verdict, so it is never
skipped silently. Chains of other hooks and types (output, forward, nat) and tables of
other families are skipped and counted.

The packet's input interface is not in the ruleset: a rule on ``iifname "lo"`` never
matches a packet from another host; any other interface name is *unknown*, and both
outcomes are returned (the model branches on them, like a FortiOS FQDN address).
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ipsecmc.errors import ConfigError, SourceLoc

IPv4Address = ipaddress.IPv4Address

#: Named chain priorities (nft(8), "PRIORITY").
_PRIORITIES = {
    "raw": -300,
    "mangle": -150,
    "dstnat": -100,
    "filter": 0,
    "security": 50,
    "srcnat": 100,
}
_HOOK_ORDER = {"prerouting": 0, "input": 1}
_PROTOCOLS = {
    "icmp": 1, "igmp": 2, "tcp": 6, "udp": 17, "gre": 47, "esp": 50, "ah": 51,
    "ipv6-icmp": 58, "icmpv6": 58, "sctp": 132, "udplite": 136,
}  # fmt: skip
_SERVICES = {
    "isakmp": 500,
    "ipsec-nat-t": 4500,
    "ssh": 22,
    "domain": 53,
    "bootps": 67,
    "bootpc": 68,
    "ntp": 123,
    "snmp": 161,
    "http": 80,
    "https": 443,
}
_CT_STATES = {"new", "established", "related", "invalid", "untracked"}
#: Headers whose match implies another protocol than IPv4/UDP.
_OTHER_HEADERS = {
    "tcp", "icmp", "icmpv6", "ip6", "esp", "ah", "sctp", "dccp", "arp", "vlan",
    "igmp", "comp", "udplite", "gre", "ether", "mh", "rt", "frag", "hbh", "dst",
}  # fmt: skip
_VERDICTS = {"accept", "drop", "reject", "jump", "goto", "return", "continue", "queue"}
_MAX_JUMPS = 32

_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|!=|==|[{};,\n]|[^\s{};,"]+')


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    loc: SourceLoc


@dataclass(frozen=True, slots=True)
class Packet:
    """The packet whose fate is asked: IPv4, ``proto`` from ``saddr`` to ``daddr``."""

    saddr: IPv4Address
    daddr: IPv4Address
    proto: int
    sport: int | None
    dport: int | None
    ct_state: str  # "new" or "established"


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: its tokens (after ``$name`` substitution) and where it was written."""

    tokens: tuple[Token, ...]
    loc: SourceLoc
    number: int  # 1-based position in its chain

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)


@dataclass(frozen=True, slots=True)
class Chain:
    table: str  # "family name"
    name: str
    loc: SourceLoc
    rules: tuple[Rule, ...]
    hook: str | None = None
    type: str | None = None
    priority: int = 0
    policy: str = "accept"
    policy_loc: SourceLoc | None = None

    @property
    def label(self) -> str:
        return f"{self.table}/{self.name}"


@dataclass(frozen=True)
class Ruleset:
    """The chains of the ip/inet tables and what was skipped."""

    path: str
    chains: tuple[Chain, ...]
    sets: tuple[tuple[str, tuple[Token, ...]], ...]  # ("family table/name", elements)
    skipped: tuple[tuple[str, int], ...]

    def base_chains(self) -> tuple[Chain, ...]:
        """The filter base chains a packet to this host crosses, in order."""
        base = [c for c in self.chains if c.hook in _HOOK_ORDER and c.type == "filter"]
        return tuple(sorted(base, key=lambda c: (_HOOK_ORDER[c.hook or ""], c.priority)))


@dataclass(frozen=True, slots=True)
class Outcome:
    """One possible fate of the packet: accepted or not, by which rule (None: a chain
    policy), with what was assumed about unknowns (the input interface)."""

    accepted: bool
    rule: Rule | None
    chain: Chain
    assumed: tuple[str, ...] = ()

    @property
    def loc(self) -> SourceLoc:
        if self.rule is not None:
            return self.rule.loc
        return self.chain.policy_loc or self.chain.loc

    def describe(self) -> str:
        verb = "accepts" if self.accepted else "drops"
        if self.chain is NO_CHAIN:
            return "no nftables input chain filters it"
        if self.rule is None:
            what = f"the policy {self.chain.policy} of chain {self.chain.label}"
        else:
            what = f"rule {self.rule.number} of chain {self.chain.label} ({self.rule.text!r})"
        tail = f", assuming {' and '.join(self.assumed)}" if self.assumed else ""
        return f"{what} {verb} it{tail}"


# ---------------------------------------------------------------------- tokens


def _tokens(text: str, path: str) -> list[Token]:
    out: list[Token] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        stripped = _strip_comment(line)
        continued = stripped.rstrip().endswith("\\")
        if continued:
            stripped = stripped.rstrip()[:-1]
        for m in _TOKEN.finditer(stripped):
            out.append(Token(m.group(0), SourceLoc(path, line_no, m.start() + 1)))
        if not continued:
            out.append(Token("\n", SourceLoc(path, line_no, len(line) + 1)))
    return out


def _strip_comment(line: str) -> str:
    quoted = False
    for k, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "#" and not quoted:
            return line[:k]
    return line


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


# ---------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, tokens: list[Token], path: str, depth: int) -> None:
        self.toks = tokens
        self.k = 0
        self.path = path
        self.depth = depth
        self.defines: dict[str, tuple[Token, ...]] = {}
        self.chains: list[Chain] = []
        self.sets: list[tuple[str, tuple[Token, ...]]] = []
        self.skipped: Counter[str] = Counter()

    def peek(self) -> Token | None:
        return self.toks[self.k] if self.k < len(self.toks) else None

    def next(self, what: str) -> Token:
        t = self.peek()
        if t is None:
            last = self.toks[-1].loc if self.toks else SourceLoc(self.path, 1, 1)
            raise ConfigError(last, f"expected {what}, found the end of the file")
        self.k += 1
        return t

    def expect(self, text: str) -> Token:
        t = self.next(f"'{text}'")
        if t.text != text:
            raise ConfigError(t.loc, f"expected '{text}', found {_shown(t)}")
        return t

    def blank(self) -> None:
        while (t := self.peek()) is not None and t.text in ("\n", ";"):
            self.k += 1

    def statement(self) -> list[Token]:
        """Tokens up to the end of the statement (newline or ';' outside braces)."""
        out: list[Token] = []
        depth = 0
        while (t := self.peek()) is not None:
            if depth == 0 and t.text in ("\n", ";", "}"):
                break
            self.k += 1
            if t.text == "{":
                depth += 1
            elif t.text == "}":
                depth -= 1
            if t.text != "\n":
                out.append(t)
        return self.substitute(out)

    def substitute(self, tokens: list[Token]) -> list[Token]:
        out: list[Token] = []
        for t in tokens:
            if t.text.startswith("$"):
                value = self.defines.get(t.text[1:])
                if value is None:
                    raise ConfigError(t.loc, f"undefined variable {t.text} (no 'define' before it)")
                out.extend(Token(v.text, t.loc) for v in value)
            else:
                out.append(t)
        return out

    def skip_block(self) -> None:
        """Skip a ``{ ... }`` block (its opening brace is next)."""
        self.expect("{")
        depth = 1
        while depth:
            t = self.next("'}'")
            depth += {"{": 1, "}": -1}.get(t.text, 0)

    # -------------------------------------------------------------- top level
    def file(self) -> None:
        while True:
            self.blank()
            t = self.peek()
            if t is None:
                return
            if t.text == "table":
                self.k += 1
                self.table()
            elif t.text == "define":
                self.k += 1
                name = self.next("a variable name")
                self.expect("=")
                self.defines[name.text] = tuple(self.statement())
            elif t.text == "include":
                self.k += 1
                self.include(self.next("a file name"))
            elif t.text == "flush":
                self.statement()
            elif t.text in ("add", "insert", "create", "delete", "replace", "list"):
                raise ConfigError(
                    t.loc,
                    f"'{t.text}' commands are not read; give the ruleset in block syntax "
                    "(the output of 'nft list ruleset' or an /etc/nftables.conf)",
                )
            else:
                raise ConfigError(
                    t.loc, f"expected 'table', 'define' or 'include', found {_shown(t)}"
                )

    def include(self, name: Token) -> None:
        pattern = _unquote(name.text)
        base = Path(self.path).parent
        full = Path(pattern) if Path(pattern).is_absolute() else base / pattern
        files = sorted(full.parent.glob(full.name)) if any(c in pattern for c in "*?[") else [full]
        if self.depth >= 16:
            raise ConfigError(name.loc, "include nested more than 16 deep (a loop?)")
        for f in files:
            if not f.is_file():
                raise ConfigError(name.loc, f"included file {pattern!r} does not exist")
            sub = _Parser(_tokens(_read(f), str(f)), str(f), self.depth + 1)
            sub.defines = self.defines
            sub.file()
            self.chains.extend(sub.chains)
            self.sets.extend(sub.sets)
            self.skipped.update(sub.skipped)

    def table(self) -> None:
        first = self.next("a table family or name")
        family = "ip"
        name = first
        if first.text in ("ip", "ip6", "inet", "arp", "bridge", "netdev"):
            family = first.text
            name = self.next("a table name")
        label = f"{family} {name.text}"
        if family not in ("ip", "inet"):
            self.skipped[f"table {family}"] += 1
            self.skip_block()
            return
        self.expect("{")
        while True:
            self.blank()
            t = self.next("'}' to close the table")
            if t.text == "}":
                return
            if t.text == "chain":
                self.chain(label)
            elif t.text == "set":
                self.named_set(label)
            elif t.text in (
                "map",
                "flowtable",
                "counter",
                "quota",
                "ct",
                "limit",
                "secmark",
                "synproxy",
            ):
                self.statement()  # its { ... } block too
                self.skipped[f"table {t.text}"] += 1
            elif t.text in ("flags", "comment"):
                self.statement()
            else:
                raise ConfigError(
                    t.loc, f"expected 'chain' or 'set' in table {label}, found {_shown(t)}"
                )

    def named_set(self, table: str) -> None:
        name = self.next("a set name")
        self.expect("{")
        elements: tuple[Token, ...] = ()
        while True:
            self.blank()
            t = self.next("'}' to close the set")
            if t.text == "}":
                break
            if t.text == "elements":
                self.expect("=")
                elements = tuple(self.statement())
            else:
                self.statement()
        self.sets.append((f"{table}/{name.text}", elements))

    def chain(self, table: str) -> None:
        name = self.next("a chain name")
        self.expect("{")
        rules: list[Rule] = []
        hook = ctype = None
        priority = 0
        policy, policy_loc = "accept", None
        while True:
            self.blank()
            t = self.peek()
            if t is None:
                raise ConfigError(name.loc, f"chain {name.text}: expected '}}' to close it")
            if t.text == "}":
                self.k += 1
                break
            stmt = self.statement()
            if not stmt:
                continue
            head = stmt[0].text
            if head == "type":
                ctype, hook, priority = _base_chain(stmt)
            elif head == "policy":
                if len(stmt) != 2 or stmt[1].text not in ("accept", "drop"):
                    raise ConfigError(stmt[0].loc, "expected 'policy accept' or 'policy drop'")
                policy, policy_loc = stmt[1].text, stmt[0].loc
            elif head in ("comment", "devices", "flags"):
                continue
            else:
                rules.append(Rule(tuple(stmt), stmt[0].loc, len(rules) + 1))
        self.chains.append(
            Chain(
                table, name.text, name.loc, tuple(rules), hook, ctype, priority, policy, policy_loc
            )
        )


def _base_chain(stmt: list[Token]) -> tuple[str, str, int]:
    words = [t.text for t in stmt]
    if len(words) < 6 or words[2] != "hook" or words[4] != "priority":
        raise ConfigError(stmt[0].loc, "expected 'type <type> hook <hook> priority <priority>'")
    prio_words = words[5:]
    dev = prio_words.index("device") if "device" in prio_words else len(prio_words)
    prio_words = prio_words[:dev]
    try:
        value = _PRIORITIES[prio_words[0]] if prio_words[0] in _PRIORITIES else int(prio_words[0])
        if len(prio_words) == 3 and prio_words[1] in "+-":
            value += int(prio_words[2]) * (1 if prio_words[1] == "+" else -1)
        elif len(prio_words) != 1:
            raise ValueError
    except (ValueError, IndexError):
        raise ConfigError(
            stmt[5].loc, "expected a priority: a number or raw, mangle, filter, ..."
        ) from None
    return words[1], words[3], value


def _shown(t: Token) -> str:
    return "the end of the line" if t.text == "\n" else f"{t.text!r}"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(None, f"{path}: cannot read: {exc.strerror or exc}") from None


def read_ruleset(path: Path) -> Ruleset:
    """Read an nftables ruleset file (block syntax)."""
    parser = _Parser(_tokens(_read(path), str(path)), str(path), 0)
    parser.file()
    for c in parser.chains:
        if c.hook is not None and not (c.hook in _HOOK_ORDER and c.type == "filter"):
            parser.skipped[f"chain hook {c.hook} type {c.type}"] += 1
    return Ruleset(
        str(path), tuple(parser.chains), tuple(parser.sets), tuple(sorted(parser.skipped.items()))
    )


# ---------------------------------------------------------------------- matching

#: A match's answer: True, False, or None (unknown: the input interface).
Answer = bool | None


class _Matcher:
    """Decides the matches of one rule for ``packet``."""

    def __init__(self, ruleset: Ruleset, chain: Chain, packet: Packet) -> None:
        self.ruleset = ruleset
        self.chain = chain
        self.packet = packet

    def values(self, toks: Sequence[Token], k: int) -> tuple[list[Token], int]:
        """The value (a word, ``{ a, b }`` or ``@set``) at ``toks[k]``; returns the next index."""
        if k >= len(toks):
            raise ConfigError(toks[-1].loc, "expected a value after the match")
        t = toks[k]
        if t.text == "{":
            out: list[Token] = []
            k += 1
            while k < len(toks) and toks[k].text != "}":
                if toks[k].text != ",":
                    out.append(toks[k])
                k += 1
            if k >= len(toks):
                raise ConfigError(t.loc, "expected '}' to close the set")
            return out, k + 1
        if t.text.startswith("@"):
            name = f"{self.chain.table}/{t.text[1:]}"
            for set_name, elements in self.ruleset.sets:
                if set_name == name:
                    return [e for e in elements if e.text not in ("{", "}", ",")], k + 1
            raise ConfigError(t.loc, f"set {t.text} is not defined in table {self.chain.table}")
        out = [t]
        k += 1
        while k + 1 < len(toks) and toks[k].text == ",":  # established,related
            out.append(toks[k + 1])
            k += 2
        return out, k

    def rule(self, rule: Rule) -> tuple[Answer, tuple[str, ...], list[Token]]:
        """Whether ``rule`` matches; the assumptions made; its statements after the matches."""
        toks = list(rule.tokens)
        k = 0
        answer: Answer = True
        assumed: list[str] = []
        while k < len(toks):
            word = toks[k].text
            if word in _VERDICTS or word in ("counter", "log", "comment"):
                return answer, tuple(assumed), toks[k:]
            if word == "meta" and k + 1 < len(toks):
                k += 1
                word = toks[k].text
            if [t.text for t in toks[k : k + 3]] == ["ct", "state", "vmap"]:
                return answer, tuple(assumed), self.vmap(toks, k + 3)
            got, k = self.match(toks, k)
            if got is False:
                return False, (), []
            if isinstance(got, str):
                assumed.append(got)
                answer = None if answer is not False else answer
        return answer, tuple(assumed), []

    def vmap(self, toks: Sequence[Token], k: int) -> list[Token]:
        """``ct state vmap { state : verdict, ... }``: the statements for the packet's state
        (none when its state is not listed: the rule does not decide)."""
        entries, _ = self.values(toks, k)
        words = [p for e in entries for p in re.split(r"(:)", e.text) if p.strip()]
        flat = " ".join(words).replace(" : ", ":").split()
        for entry in flat:
            state, _, verdict = entry.partition(":")
            if state not in _CT_STATES or not verdict:
                raise ConfigError(
                    toks[k].loc, "expected 'ct state vmap { <state> : <verdict>, ... }'"
                )
            if state == self.packet.ct_state:
                return [Token(v, toks[k].loc) for v in verdict.split()]
        return []

    def match(self, toks: Sequence[Token], k: int) -> tuple[bool | str, int]:
        """One match at ``toks[k]``: True/False, or an assumption text when unknown."""
        head = toks[k]
        word = head.text
        if word in _OTHER_HEADERS:
            return False, len(toks)
        if word == "ct" and k + 1 < len(toks) and toks[k + 1].text == "state":
            neg, vals, k = self.operand(toks, k + 2)
            states = {v.text for v in vals}
            bad = states - _CT_STATES
            if bad:
                raise ConfigError(head.loc, f"ct state: unknown state {sorted(bad)[0]!r}")
            return (self.packet.ct_state in states) != neg, k
        if word in ("iif", "iifname"):
            neg, vals, k = self.operand(toks, k + 1)
            names = {_unquote(v.text) for v in vals}
            if names <= {"lo"}:
                return neg, k
            shown = ", ".join(sorted(names))
            return (f"the packet arrives {'not ' if neg else ''}on {shown}"), k
        if word == "ip" and k + 1 < len(toks) and toks[k + 1].text in ("saddr", "daddr"):
            addr = self.packet.saddr if toks[k + 1].text == "saddr" else self.packet.daddr
            neg, vals, k = self.operand(toks, k + 2)
            return any(_addr_in(addr, v) for v in vals) != neg, k
        if (
            word == "ip" and k + 1 < len(toks) and toks[k + 1].text == "protocol"
        ) or word == "l4proto":
            start = k + 2 if word == "ip" else k + 1
            neg, vals, k = self.operand(toks, start)
            return any(_proto(v) == self.packet.proto for v in vals) != neg, k
        if word == "nfproto":
            neg, vals, k = self.operand(toks, k + 1)
            return any(v.text in ("ipv4", "inet") for v in vals) != neg, k
        if word in ("udp", "th") and k + 1 < len(toks) and toks[k + 1].text in ("sport", "dport"):
            if word == "udp" and self.packet.proto != 17:
                return False, len(toks)
            port = self.packet.sport if toks[k + 1].text == "sport" else self.packet.dport
            neg, vals, k = self.operand(toks, k + 2)
            if port is None:
                return False, len(toks)
            return any(_port_in(port, v) for v in vals) != neg, k
        if word == "udp" and self.packet.proto != 17:
            return False, len(toks)
        raise ConfigError(
            head.loc,
            f"cannot decide {word!r} for the peer's packet (ipsecmc reads ct state, iif, "
            "iifname, ip saddr/daddr/protocol, meta l4proto, udp/th sport/dport and skips "
            "rules on other protocols); rewrite the rule or check without the ruleset",
        )

    def operand(self, toks: Sequence[Token], k: int) -> tuple[bool, list[Token], int]:
        neg = False
        if k < len(toks) and toks[k].text in ("!=", "==", "ne", "eq"):
            neg = toks[k].text in ("!=", "ne")
            k += 1
        vals, k = self.values(toks, k)
        return neg, vals, k


def _addr_in(addr: IPv4Address, tok: Token) -> bool:
    text = _unquote(tok.text)
    try:
        if "-" in text:
            lo, hi = (IPv4Address(p) for p in text.split("-", 1))
            return lo <= addr <= hi
        return addr in ipaddress.IPv4Network(text, strict=False)
    except ValueError:
        raise ConfigError(
            tok.loc, f"expected an IPv4 address, prefix or range, found {text!r}"
        ) from None


def _port_in(port: int, tok: Token) -> bool:
    text = tok.text
    try:
        if "-" in text and text not in _SERVICES:
            lo, hi = (_port(p, tok) for p in text.split("-", 1))
            return lo <= port <= hi
        return _port(text, tok) == port
    except ValueError:
        raise ConfigError(
            tok.loc, f"expected a port, range or service name, found {text!r}"
        ) from None


def _port(text: str, tok: Token) -> int:
    if text in _SERVICES:
        return _SERVICES[text]
    if not text.isdigit():
        raise ConfigError(tok.loc, f"unknown service name {text!r}; write the port number")
    return int(text)


def _proto(tok: Token) -> int:
    text = tok.text
    if text in _PROTOCOLS:
        return _PROTOCOLS[text]
    if text.isdigit():
        return int(text)
    raise ConfigError(tok.loc, f"unknown protocol {text!r}; write its number")


# ---------------------------------------------------------------------- evaluation


def _run(
    ruleset: Ruleset,
    chain: Chain,
    packet: Packet,
    assumed: tuple[str, ...],
    depth: int,
) -> Iterator[tuple[str, Rule | None, Chain, tuple[str, ...]]]:
    """Every way through ``chain``: (verdict, rule, chain, assumptions); verdict
    ``accept``, ``drop`` or ``return`` (ran off the chain or hit ``return``)."""
    if depth > _MAX_JUMPS:
        raise ConfigError(chain.loc, f"jumps nest more than {_MAX_JUMPS} deep (a loop?)")
    matcher = _Matcher(ruleset, chain, packet)
    yield from _rules(ruleset, chain, packet, matcher, 0, assumed, depth)


def _rules(
    ruleset: Ruleset,
    chain: Chain,
    packet: Packet,
    matcher: _Matcher,
    start: int,
    assumed: tuple[str, ...],
    depth: int,
) -> Iterator[tuple[str, Rule | None, Chain, tuple[str, ...]]]:
    for n in range(start, len(chain.rules)):
        rule = chain.rules[n]
        answer, extra, statements = matcher.rule(rule)
        if answer is False:
            continue
        verdict, target = _verdict(statements, rule)
        if verdict is None or verdict == "continue":
            continue
        if answer is None:  # unknown: one way matches, the other falls through
            negated = (f"not ({' and '.join(extra)})",)
            yield from _rules(ruleset, chain, packet, matcher, n + 1, assumed + negated, depth)
            assumed_here = assumed + extra
        else:
            assumed_here = assumed
        if verdict in ("accept", "drop", "return"):
            yield verdict, rule, chain, assumed_here
        else:  # jump / goto
            sub = next(
                (c for c in ruleset.chains if c.table == chain.table and c.name == target), None
            )
            if sub is None:
                raise ConfigError(rule.loc, f"{verdict} to chain {target!r}, which is not defined")
            for v, r, c, a in _run(ruleset, sub, packet, assumed_here, depth + 1):
                if v != "return":
                    yield v, r, c, a
                elif verdict == "jump":
                    yield from _rules(ruleset, chain, packet, matcher, n + 1, a, depth)
                else:
                    yield "return", None, chain, a
        return
    yield "return", None, chain, assumed


def _verdict(statements: list[Token], rule: Rule) -> tuple[str | None, str | None]:
    for k, t in enumerate(statements):
        if t.text in ("accept", "drop", "return", "continue"):
            return t.text, None
        if t.text == "reject":
            return "drop", None
        if t.text in ("jump", "goto"):
            if k + 1 >= len(statements):
                raise ConfigError(t.loc, f"expected a chain name after '{t.text}'")
            return t.text, statements[k + 1].text
        if t.text == "queue":
            raise ConfigError(
                t.loc, "'queue' hands the packet to a program; ipsecmc cannot decide it"
            )
    return None, None


def evaluate(ruleset: Ruleset, packet: Packet) -> tuple[Outcome, ...]:
    """Every possible fate of ``packet`` on the host's input path (module doc)."""
    paths: list[tuple[bool, Rule | None, Chain, tuple[str, ...]]] = [(True, None, NO_CHAIN, ())]
    for base in ruleset.base_chains():
        nxt: list[tuple[bool, Rule | None, Chain, tuple[str, ...]]] = []
        for path in paths:
            if not path[0]:  # dropped by an earlier base chain: final
                nxt.append(path)
                continue
            for verdict, rule, chain, assumed in _run(ruleset, base, packet, path[3], 0):
                if verdict == "return":  # ran off the base chain: its policy
                    nxt.append((base.policy == "accept", None, base, assumed))
                else:
                    nxt.append((verdict == "accept", rule, chain, assumed))
        paths = nxt
    seen: set[tuple[bool, str, tuple[str, ...]]] = set()
    out: list[Outcome] = []
    for accepted, rule, chain, assumed in paths:
        key = (accepted, str(rule.loc) if rule else chain.label, assumed)
        if key not in seen:
            seen.add(key)
            out.append(Outcome(accepted, rule, chain, assumed))
    return tuple(out)


#: The "chain" of a host with no filter base chain on its input path: accepts everything.
NO_CHAIN = Chain("-", "(none)", SourceLoc("-", 1, 1), ())
