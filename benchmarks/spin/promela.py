"""Promela text of one IPsec tunnel under ipsecmc's reference semantics, for SPIN.

A hand transcription, event for event, of ``ipsecmc/model/semantics.py`` (IKEv1,
``--traffic any``) and of the ``agreement`` property's bounded monitor of
``ipsecmc/engines/explicit/search.py``. It exists so that SPIN can be run on *our* semantics and
compared with ipsecmc (``compare.py``); it is not used by ipsecmc itself.

Shape of the model (what a Promela engineer would write for a fair comparison): one
process whose ``do`` loop has one option per urgent event of each end and four tick
options (the traffic choice of the second: a->b yes/no x b->a yes/no); every option is a
``d_step``, so one loop iteration is one transition of ipsecmc's model and SPIN stores one
state per ipsecmc state. Timer values are compile-time constants; every per-end field is
a global variable of the smallest type that holds it.

Mapping (``EndState`` field -> Promela global, ``x`` = ``a`` or ``b``): p1 -> x_p1,
p2 -> x_p2, p1_life -> x_p1l, p2_life -> x_p2l (both only with keylife on; otherwise
they are constantly -1 in ipsecmc and omitted here), sess -> x_sess, quiet -> x_quiet,
dpd_sent -> x_dsent, dpd_timer -> x_dtimer, req -> x_req, req_sent -> x_rsent,
req_timer -> x_rtimer, want_p2 -> x_want. ``sent`` is left out: only the ``blackhole``
atom reads it, and ``agreement`` does not (cone of influence; this can only make SPIN's
state space smaller than ipsecmc's, never change the verdict). The traffic phase is left
out because ``any`` has one phase that lasts forever. ``mon`` is the bounded monitor
(seconds of continuous disagreement); ``assert(mon <= T)`` is the property.
"""

from __future__ import annotations

from dataclasses import dataclass

from ipsecmc.fortios.params import TIMING

DOWN, CONNECTING, UP = 0, 1, 2
REQ_NONE, REQ_P1, REQ_P2, REQ_REKEY_P1, REQ_REKEY_P2 = 0, 1, 2, 3, 4
PROBE, DELETE_P2, DELETE_P1 = "PROBE", "DELETE_P2", "DELETE_P1"
DPD_MODES = ("disable", "on-idle", "on-demand")


@dataclass(frozen=True)
class SpinEnd:
    """The constants of one tunnel end (the fields of ipsecmc's ``EndParams`` we model)."""

    session_ttl: int | None = 180  # None: the session never ages out
    dpd: str = "on-demand"
    dpd_interval: int = 20
    dpd_retrycount: int = 3
    p1_keylife: int | None = None  # None: rekey not modelled (--no-rekey)
    p2_keylife: int | None = None
    p1_auto_negotiate: bool = True
    p2_auto_negotiate: bool = False
    admits_ike: bool = True  # local-in verdict on a new inbound IKE packet from the peer

    def __post_init__(self) -> None:
        if self.dpd not in DPD_MODES:
            raise ValueError(f"dpd must be one of {DPD_MODES}, not {self.dpd!r}")
        for name in ("session_ttl", "p1_keylife", "p2_keylife"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive or None")
        if self.dpd_interval <= 0 or self.dpd_retrycount < 0:
            raise ValueError("dpd_interval must be positive and dpd_retrycount >= 0")


@dataclass(frozen=True)
class SpinParams:
    """Both ends (``a`` = site1, ``b`` = site2) and the agreement bound T in seconds."""

    a: SpinEnd
    b: SpinEnd
    bound: int = 120

    @property
    def rekey(self) -> bool:
        return any(
            life is not None for e in (self.a, self.b) for life in (e.p1_keylife, e.p2_keylife)
        )


def seed_params(
    session_ttl: int = 180,
    dpd_interval: int = 20,
    dpd_retrycount: int = 3,
    keylife: int | None = None,
    deny: bool = True,
    bound: int = 120,
) -> SpinParams:
    """The seed scenario: site2's local-in denies new IKE from site1 iff ``deny``.

    ``keylife`` is the phase2 keylife of both ends; phase1's is twice it (as
    ``benchmarks/variants.py`` writes the configs: the ratio of FortiOS's defaults).
    """
    p1_life = None if keylife is None else max(keylife * 2, 120)

    def end(admits: bool) -> SpinEnd:
        return SpinEnd(
            session_ttl=session_ttl,
            dpd_interval=dpd_interval,
            dpd_retrycount=dpd_retrycount,
            p1_keylife=p1_life,
            p2_keylife=keylife,
            admits_ike=admits,
        )

    return SpinParams(a=end(True), b=end(not deny), bound=bound)


def _ctype(lo: int, hi: int) -> str:
    """The smallest Promela integer type holding ``lo..hi``."""
    if lo >= 0 and hi <= 1:
        return "bit"
    if lo >= 0 and hi <= 255:
        return "byte"
    if lo >= -32768 and hi <= 32767:
        return "short"
    return "int"


def _if(*branches: tuple[str, str]) -> str:
    """A Promela ``if`` over (guard, body) branches; guard ``else`` allowed, empty body = skip."""
    arms = " ".join(f":: {g} -> {b or 'skip'}" for g, b in branches)
    return f"if {arms} fi"


def _seq(*stmts: str) -> str:
    return "; ".join(s for s in stmts if s)


class _End:
    """Code of one end ``x`` (with peer ``y``): the helpers of ``Semantics`` as Promela."""

    def __init__(self, x: str, y: str, p: SpinEnd) -> None:
        self.x, self.y, self.p = x, y, p
        sends = TIMING["ikev1_negotiation_sends"][0]
        self.sends = sends
        self.giveup = TIMING["ikev1_negotiation_giveup"][0][0]

    def v(self, field: str) -> str:
        return f"{self.x}_{field}"

    # ---------------------------------------------------------------- constants
    @property
    def quiet_reset(self) -> int:
        return 0 if self.p.dpd == "on-idle" else -1

    @property
    def refresh(self) -> int:
        return -1 if self.p.session_ttl is None else self.p.session_ttl

    def retransmit_wait(self, sent: int) -> int:
        nxt = self.sends[sent] if sent < len(self.sends) else self.giveup
        return nxt - self.sends[sent - 1]

    # ---------------------------------------------------------------- declarations
    def declarations(self) -> list[str]:
        p, v = self.p, self.v
        ttl = p.session_ttl if p.session_ttl is not None else 0
        decls = [
            f"byte {v('p1')} = DOWN",
            f"byte {v('p2')} = DOWN",
            f"{_ctype(-1, ttl)} {v('sess')} = 0",
            f"{_ctype(-1, p.dpd_interval)} {v('quiet')} = {self.quiet_reset}",
            f"{_ctype(0, max(p.dpd_retrycount, 1))} {v('dsent')} = 0",
            f"{_ctype(-1, p.dpd_interval)} {v('dtimer')} = -1",
            f"byte {v('req')} = REQ_NONE",
            f"byte {v('rsent')} = 0",
            f"{_ctype(-1, max(self.retransmit_wait(k) for k in (1, 2, 3)))} {v('rtimer')} = -1",
            f"bit {v('want')} = {int(p.p2_auto_negotiate)}",
        ]
        if p.p1_keylife is not None:
            decls.append(f"{_ctype(-1, p.p1_keylife)} {v('p1l')} = -1")
        if p.p2_keylife is not None:
            decls.append(f"{_ctype(-1, p.p2_keylife)} {v('p2l')} = -1")
        return [d + ";" for d in decls]

    # ---------------------------------------------------------------- SA helpers
    def clear_req(self) -> str:
        v = self.v
        return _seq(f"{v('req')} = REQ_NONE", f"{v('rsent')} = 0", f"{v('rtimer')} = -1")

    def inbound(self) -> str:
        """``_inbound``: proof of life (IKEv1: DPD counters reset)."""
        v = self.v
        return _seq(
            f"{v('quiet')} = {self.quiet_reset}", f"{v('dsent')} = 0", f"{v('dtimer')} = -1"
        )

    def establish_p1(self) -> str:
        v, p = self.v, self.p
        return _seq(
            f"{v('p1')} = UP",
            f"{v('p1l')} = {p.p1_keylife}" if p.p1_keylife is not None else "",
            _if((f"{v('req')} != REQ_P2", self.clear_req()), ("else", "")),
            f"{v('dsent')} = 0",
            f"{v('dtimer')} = -1",
            self.inbound(),
        )

    def _clear_p2_req(self) -> str:
        v = self.v
        guard = f"({v('req')} == REQ_NONE || {v('req')} == REQ_P2 || {v('req')} == REQ_REKEY_P2)"
        return _if((guard, self.clear_req()), ("else", ""))

    def establish_p2(self) -> str:
        v, p = self.v, self.p
        return _seq(
            f"{v('p2')} = UP",
            f"{v('p2l')} = {p.p2_keylife}" if p.p2_keylife is not None else "",
            f"{v('want')} = 0",
            self._clear_p2_req(),
        )

    def p2_down(self) -> str:
        v, p = self.v, self.p
        return _seq(
            f"{v('p2')} = DOWN",
            f"{v('p2l')} = -1" if p.p2_keylife is not None else "",
            f"{v('quiet')} = {self.quiet_reset}",
            f"{v('want')} = 1" if p.p2_auto_negotiate else "",
            self._clear_p2_req(),
        )

    def p1_down(self) -> str:
        v, p = self.v, self.p
        return _seq(
            f"{v('p1')} = DOWN",
            f"{v('p1l')} = -1" if p.p1_keylife is not None else "",
            f"{v('dsent')} = 0",
            f"{v('dtimer')} = -1",
            self.clear_req(),
            f"{v('quiet')} = {self.quiet_reset}",
        )

    # ---------------------------------------------------------------- due (priority order)
    def due_kinds(self) -> list[tuple[str, str]]:
        """``Semantics.due`` as (kind, guard) in its priority order."""
        v, p = self.v, self.p
        kinds: list[tuple[str, str]] = []
        if p.p2_keylife is not None:
            kinds.append(
                (
                    "p2_keylife",
                    f"({v('p2')} == UP && {v('p2l')} == 0 && {v('req')} != REQ_REKEY_P2)",
                )
            )
        if p.p1_keylife is not None:
            kinds.append(
                (
                    "p1_keylife",
                    f"({v('p1')} == UP && {v('p1l')} == 0 && {v('req')} != REQ_REKEY_P1 "
                    f"&& {v('req')} != REQ_REKEY_P2)",
                )
            )
        kinds.append(("request", f"({v('req')} != REQ_NONE && {v('rtimer')} == 0)"))
        kinds.append(
            (
                "start_p2",
                f"({v('p1')} == UP && {v('p2')} == DOWN && {v('want')} && {v('req')} == REQ_NONE)",
            )
        )
        dpd = f"{v('dtimer')} == 0"
        if p.dpd != "disable":
            dpd += (
                f" || ({v('p1')} == UP && {v('dtimer')} == -1 && {v('quiet')} >= {p.dpd_interval})"
            )
        kinds.append(("dpd", f"({dpd})"))
        want = "1" if p.p1_auto_negotiate else v("want")
        kinds.append(("start_p1", f"({v('p1')} == DOWN && {v('req')} == REQ_NONE && {want})"))
        return kinds


class _Tunnel:
    """The exchanges between the two ends and the whole model text."""

    def __init__(self, params: SpinParams) -> None:
        self.params = params
        self.ends = {"a": _End("a", "b", params.a), "b": _End("b", "a", params.b)}

    # ---------------------------------------------------------------- one exchange
    def exchange(self, x: str, kind: int | str, unanswered: str) -> str:
        """``_exchange`` + ``_deliver``: ``x`` sends ``kind``; ``unanswered`` runs if no answer."""
        me = self.ends[x]
        peer = self.ends[me.y]
        deliver = self.deliver(me, peer, kind, unanswered)
        via_session = _seq(f"{peer.v('sess')} = {peer.refresh}", deliver)
        new = via_session if peer.p.admits_ike else unanswered
        return _seq(
            f"{me.v('sess')} = {me.refresh}",
            _if((f"{peer.v('sess')} != 0", via_session), ("else", new)),
        )

    @staticmethod
    def answered(me: _End, peer: _End) -> str:
        return _seq(f"{peer.v('sess')} = {peer.refresh}", f"{me.v('sess')} = {me.refresh}")

    def deliver(self, me: _End, peer: _End, kind: int | str, unanswered: str) -> str:
        answered = self.answered(me, peer)
        if kind == REQ_P1:
            return _seq(me.establish_p1(), peer.establish_p1(), peer.p2_down(), answered)
        no_ike_sa = f"{peer.v('p1')} != UP"
        if kind == REQ_REKEY_P1:
            body = _seq(
                me.establish_p1(), me.p2_down(), peer.establish_p1(), peer.p2_down(), answered
            )
            return _if((no_ike_sa, unanswered), ("else", body))
        if kind in (REQ_P2, REQ_REKEY_P2):
            body = _seq(me.inbound(), me.establish_p2(), peer.establish_p2(), answered)
        elif kind == PROBE:
            body = _seq(me.inbound(), f"{me.v('dsent')} = 0", f"{me.v('dtimer')} = -1", answered)
        elif kind == DELETE_P2:
            body = peer.p2_down()
        elif kind == DELETE_P1:
            body = _seq(peer.p2_down(), peer.p1_down())
        else:
            raise ValueError(f"unknown message kind {kind!r}")
        return _if((no_ike_sa, unanswered), ("else", _seq(peer.inbound(), body)))

    # ---------------------------------------------------------------- urgent events
    def request_unanswered(self, me: _End) -> str:
        """The retransmission bookkeeping of ``_request_due`` when nobody answered."""
        waits = {k: me.retransmit_wait(k) for k in range(1, len(me.sends) + 1)}
        rsent, rtimer = me.v("rsent"), me.v("rtimer")
        if len(set(waits.values())) == 1:
            set_timer = f"{rtimer} = {waits[1]}"
        else:
            set_timer = _if(*((f"{rsent} == {k}", f"{rtimer} = {w}") for k, w in waits.items()))
        return _seq(f"{rsent}++", set_timer)

    def give_up(self, me: _End) -> str:
        """``_give_up`` (IKEv1: a failed phase1 or phase1 rekey kills the IKE SA)."""
        req = me.v("req")
        return _if(
            (
                f"({req} == REQ_P1 || {req} == REQ_REKEY_P1)",
                _seq(me.clear_req(), me.p2_down(), me.p1_down()),
            ),
            (f"{req} == REQ_REKEY_P2", _seq(me.clear_req(), me.p2_down())),
            ("else", me.clear_req()),
        )

    def start_request(self, me: _End, req: int) -> str:
        """``_start_request``: set the request and transmit it at once (req_sent = 0)."""
        return _seq(
            f"{me.v('req')} = {req}",
            f"{me.v('rsent')} = 0",
            f"{me.v('rtimer')} = 0",
            f"{me.v('p1')} = CONNECTING" if req == REQ_P1 else "",
            self.exchange(me.x, req, self.request_unanswered(me)),
        )

    def request_due(self, me: _End) -> str:
        kinds = (REQ_P1, REQ_P2, REQ_REKEY_P1, REQ_REKEY_P2)
        send = _if(
            *(
                (f"{me.v('req')} == {k}", self.exchange(me.x, k, self.request_unanswered(me)))
                for k in kinds
            )
        )
        return _if((f"{me.v('rsent')} >= {len(me.sends)}", self.give_up(me)), ("else", send))

    def dpd_due(self, me: _End) -> str:
        dsent = me.v("dsent")
        dead = _seq(
            me.p2_down(),
            me.p1_down(),
            self.exchange(me.x, DELETE_P2, ""),
            self.exchange(me.x, DELETE_P1, ""),
        )
        probe = self.exchange(
            me.x, PROBE, _seq(f"{dsent}++", f"{me.v('dtimer')} = {me.p.dpd_interval}")
        )
        return _if((f"{dsent} >= {me.p.dpd_retrycount}", dead), ("else", probe))

    def handler(self, me: _End, kind: str) -> str:
        if kind == "p2_keylife":
            return self.start_request(me, REQ_REKEY_P2)
        if kind == "p1_keylife":
            return self.start_request(me, REQ_REKEY_P1)
        if kind == "request":
            return self.request_due(me)
        if kind == "start_p2":
            return self.start_request(me, REQ_P2)
        if kind == "dpd":
            return self.dpd_due(me)
        if kind == "start_p1":
            return self.start_request(me, REQ_P1)
        raise ValueError(kind)

    def urgent(self, me: _End) -> str:
        """The first due kind of ``me`` (priority order), as nested if/else."""
        code = "skip"
        for kind, _guard in reversed(me.due_kinds()):
            code = _if((f"DUE_{kind.upper()}_{me.x}", self.handler(me, kind)), ("else", code))
        return code

    # ---------------------------------------------------------------- time
    def traffic(self, me: _End, flows: bool) -> str:
        """``_traffic`` without the ``sent`` bit (see the module docstring)."""
        if not flows:
            return ""
        peer = self.ends[me.y]
        quiet = me.v("quiet")
        start_quiet = (
            _if((f"{quiet} == -1", f"{quiet} = 0"), ("else", "")) if me.p.dpd == "on-demand" else ""
        )
        up = _seq(start_quiet, _if((f"{peer.v('p2')} == UP", peer.inbound()), ("else", "")))
        return _if((f"{me.v('p2')} != UP", f"{me.v('want')} = 1"), ("else", up))

    @staticmethod
    def age(me: _End) -> str:
        v, p = me.v, me.p
        stmts = [_if((f"{v('sess')} > 0", f"{v('sess')}--"), ("else", ""))]
        if p.dpd != "disable":
            q = v("quiet")
            stmts.append(
                _if(
                    (f"{q} != -1 && {v('p1')} == UP && {q} < {p.dpd_interval}", f"{q}++"),
                    ("else", ""),
                )
            )
        fields = ["rtimer", "dtimer"]
        if p.p1_keylife is not None:
            fields.append("p1l")
        if p.p2_keylife is not None:
            fields.append("p2l")
        for f in fields:
            stmts.append(_if((f"{v(f)} > 0", f"{v(f)}--"), ("else", "")))
        return _seq(*stmts)

    def tick(self, ab: bool, ba: bool) -> str:
        """``_tick`` for one traffic choice, then the monitor (a tick never changes p2)."""
        a, b = self.ends["a"], self.ends["b"]
        return _seq(
            self.traffic(a, ab),
            self.traffic(b, ba),
            self.age(a),
            self.age(b),
            _if(("a_p2 != b_p2", "mon++"), ("else", "mon = 0")),
            f"assert(mon <= {self.params.bound})",
        )

    # ---------------------------------------------------------------- the model
    def text(self) -> str:
        a, b = self.ends["a"], self.ends["b"]
        params = self.params
        lines = [
            "/* Generated by benchmarks/spin/promela.py: ipsecmc's reference semantics",
            f" * (IKEv1, --traffic any), agreement with T = {params.bound} s.",
            f" * a = {params.a}",
            f" * b = {params.b}",
            " */",
            f"#define DOWN {DOWN}",
            f"#define CONNECTING {CONNECTING}",
            f"#define UP {UP}",
            f"#define REQ_NONE {REQ_NONE}",
            f"#define REQ_P1 {REQ_P1}",
            f"#define REQ_P2 {REQ_P2}",
            f"#define REQ_REKEY_P1 {REQ_REKEY_P1}",
            f"#define REQ_REKEY_P2 {REQ_REKEY_P2}",
            "",
        ]
        for end in (a, b):
            lines += end.declarations()
        lines.append(f"{_ctype(0, params.bound + 1)} mon = 0;")
        lines.append("")
        for end in (a, b):
            kinds = end.due_kinds()
            for kind, guard in kinds:
                lines.append(f"#define DUE_{kind.upper()}_{end.x} {guard}")
            names = " || ".join(f"DUE_{k.upper()}_{end.x}" for k, _ in kinds)
            lines.append(f"#define DUE_{end.x} ({names})")
        lines += ["", "active proctype tunnel() {", "  do"]
        for end in (a, b):
            reset = _if(("a_p2 == b_p2", "mon = 0"), ("else", ""))
            lines.append(f"  :: d_step {{ DUE_{end.x} -> {self.urgent(end)}; {reset} }}")
        for ab in (False, True):
            for ba in (False, True):
                lines.append(
                    f"  :: d_step {{ !DUE_a && !DUE_b -> {self.tick(ab, ba)} }}"
                    f"  /* tick a->b={int(ab)} b->a={int(ba)} */"
                )
        lines += ["  od", "}", ""]
        return "\n".join(lines)


def promela(params: SpinParams) -> str:
    """The Promela model of ``params`` (see the module docstring for the mapping)."""
    return _Tunnel(params).text()


def _main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Print the Promela model of the seed scenario.")
    parser.add_argument("--ttl", type=int, default=180)
    parser.add_argument("--dpd-interval", type=int, default=20)
    parser.add_argument("--dpd-retrycount", type=int, default=3)
    parser.add_argument("--keylife", type=int, default=None, help="phase2 keylife (default off)")
    parser.add_argument("--no-deny", action="store_true", help="site2 admits IKE (seed-fixed)")
    parser.add_argument("--bound", type=int, default=120)
    args = parser.parse_args()
    print(
        promela(
            seed_params(
                args.ttl,
                args.dpd_interval,
                args.dpd_retrycount,
                args.keylife,
                not args.no_deny,
                args.bound,
            )
        )
    )


if __name__ == "__main__":
    _main()
