"""The transition relation: what each end's IKE daemon, DPD, session table and local-in
filter can do, and how time passes (``../shared/design.md``, "Reference semantics").

Encoded behaviour (FortiOS flavour; sources in ``../shared/domain.md``):

* "Tunnel up" is the IPsec SA (phase2) being UP (design.md).
* An outbound IKE packet creates or refreshes the sender's UDP 500 session; an inbound
  one that matches the receiver's session (either direction: 500<->500 shares the
  5-tuple) is accepted without a local-in check and refreshes it; otherwise the
  receiver's local-in table decides (precomputed in ``params.Admission``), and an accepted
  packet creates a session (domain.md 2.4, 2.7).
* ESP is not subject to local-in; ESP for an SA the receiver does not hold is dropped
  (unknown SPI, no INVALID_SPI sent: domain.md 2.6, 5.7).
* IKEv1 DPD: on-idle probes after ``dpd-retryinterval`` with nothing inbound; on-demand
  probes once outbound ESP has gone unanswered for that long; retries every interval with
  the same seqno; after ``dpd-retrycount`` unanswered probes and one more interval the peer
  is declared dead, the SAs are deleted and a delete is sent best effort (domain.md 1.1,
  seed debug log). ``disable`` never probes but still answers.
* IKEv2: every request (negotiation, rekey, DPD's empty INFORMATIONAL) is retransmitted
  at 3+6+12+24+48 s and the IKE SA dies when the last goes unanswered, DPD or not
  (domain.md 1.4).
* Phase1 auto-negotiate (default on) restarts negotiation whenever the IKE SA is down;
  phase2 comes up when ``auto-negotiate`` is on or traffic needs it (domain.md 1.7).
* Keylife: at expiry the end starts a rekey exchange; the old SA stays up while it is
  retransmitted; if it goes unanswered the SA goes down. A successful IKE (phase1) rekey
  leaves phase2 down until traffic needs it (KB384951). One request at a time: a phase1
  rekey that falls due while a phase2 rekey is pending waits for its exchange to end
  (otherwise, with both keylives ending in the same second, each would replace the other
  in zero time, forever).
* A new phase1 negotiated with a peer replaces that peer's old SAs (INITIAL_CONTACT) [U].
* Phase1s of different IKE versions never negotiate: the responder does not answer.

These are FortiOS's rules; the handlers read each one that could differ elsewhere from
the end's ``params.Behaviour`` (retransmit schedule, IKEv1/IKEv2 DPD, what a given-up
request drops, delete on DPD death, INITIAL_CONTACT, IKE rekey and phase2, the session
match before local-in), set by ``ipsecmc.fortios.params.BEHAVIOURS``.

Simplifications (each documented in the README):

* IKE delivery latency is 0 and packets are not lost: an exchange (request, local-in
  check, response) happens in zero time. Only local-in drops lose packets.
* Time moves in one-second ticks; the environment picks the host traffic of each
  second (the ``TrafficProfile``). Zero-time events are urgent: a tick is enabled only
  when no end has something due now, and the order of simultaneous events of the two
  ends is explored in both interleavings.
* Only the UDP 500 flow is modelled (no NAT between the peers, so NAT-T never moves IKE
  to 4500).
* Faults (a reboot, an admin flush, a lost IKE packet) are explored only when switched on
  (``params.faults``, ``ipsecmc.model.faults``), at most ``budget`` per run: a reboot or
  flush starts a second (``Label.arg >> 2`` of a tick: 1 + its index in
  ``FaultModel.tick_faults``), a loss is one more outcome of an exchange.

``successors(state)`` lists ``(Label, next_state)`` in a stable order; ``replay_step``
re-executes one label with ``notes`` recording what happened, for traces: each a typed
``events.Note`` whose sentence ``words.phrase`` writes (in the end's IKE version's words),
so no consumer reads meaning out of English. The urgent kinds and their priority are
``events.Urgent`` (one table here maps each to its guard order and handler).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

from ipsecmc.errors import SourceLoc
from ipsecmc.model import clocks
from ipsecmc.model.choice import when
from ipsecmc.model.clocks import Moving
from ipsecmc.model.events import (
    DELETE_P1,
    DELETE_P2,
    PROBE,
    URGENT_KINDS,
    EventKind,
    Note,
    Packet,
    Sa,
    Urgent,
)
from ipsecmc.model.faults import Fault
from ipsecmc.model.params import DpdMode, EndParams, TunnelParams
from ipsecmc.model.state import (
    CONNECTING,
    DOWN,
    NO_TIMER,
    REQ_NAMES,
    REQ_NONE,
    REQ_P1,
    REQ_P2,
    REQ_REKEY_P1,
    REQ_REKEY_P2,
    SESSION_FOREVER,
    UP,
    EndState,
    State,
)
from ipsecmc.model.words import naming_end, phrase


class Label(NamedTuple):
    """What a transition did, in a form that replays: kind, acting end, choice index.

    ``kind`` is ``tick`` (``arg`` = traffic bits: 1 = a->b, 2 = b->a; ``arg >> 2``: the
    fault starting the second, 0 for none, see ``FaultModel.tick_faults``), ``delay``
    (``arg`` = seconds) or an ``events.Urgent`` kind (``arg`` = index among the outcomes
    of local-in nondeterminism and, with packet loss on, of the losses).
    """

    kind: str
    end: int
    arg: int


class Outcome(NamedTuple):
    """One result of an urgent event: the next state and, when recording, its notes."""

    state: State
    notes: tuple[Note, ...]


class Sink:
    """Collects notes when a trace is being rendered; a no-op during the search.

    ``Sink(False)`` (the search, symbolic execution) returns from ``add`` at once: no
    note, no sentence, and no argument is looked at, so a symbolic value passed as a
    field costs nothing and forks nothing. A recording sink needs the tunnel's ``ends``
    to write each note's sentence (``words.phrase``).
    """

    __slots__ = ("ends", "notes", "record")

    def __init__(
        self,
        record: bool,
        notes: tuple[Note, ...] = (),
        ends: tuple[EndParams, EndParams] | None = None,
    ) -> None:
        self.record = record
        self.notes = list(notes)
        self.ends = ends

    def add(
        self,
        end: int,
        kind: EventKind,
        *,
        packet: int | None = None,
        policy: int | None = None,
        loc: SourceLoc | None = None,
        attempt: int | None = None,
        attempts: int | None = None,
        sa: Sa | None = None,
        seconds: int | None = None,
        reason: str = "",
        rule: str = "",
    ) -> None:
        """Record event ``kind`` at ``end`` with its fields (``events.Note``); ``reason``
        only goes into the sentence (the local-in evaluation's words for a drop)."""
        if not self.record:
            return
        assert self.ends is not None, "a recording Sink needs the tunnel's ends"
        speaker = naming_end(kind, end)
        note = Note(
            end,
            kind,
            "",
            loc,
            None if packet is None else Packet(packet),
            policy,
            attempt,
            attempts,
            sa,
            seconds,
            self.ends[speaker].ike_version if speaker >= 0 else 1,
            rule,
        )
        self.notes.append(replace(note, text=phrase(note, self.ends, reason)))

    def add_if(
        self,
        condition: bool,
        end: int,
        kind: EventKind,
        *,
        sa: Sa | None = None,
        seconds: int | None = None,
    ) -> None:
        """A note that only says what happened (it changes no state): the condition is
        not even asked unless notes are recorded, so symbolic runs do not branch on it."""
        if self.record and condition:
            self.add(end, kind, sa=sa, seconds=seconds)

    def fork(self, notes: tuple[Note, ...] | None = None) -> Sink:
        """A sink for one branch: it goes on from ``notes`` (default: this sink's)."""
        return Sink(self.record, tuple(self.notes) if notes is None else notes, self.ends)

    def done(self, state: State) -> Outcome:
        return Outcome(state, tuple(self.notes))


Handler = Callable[[State, int, Sink], list[Outcome]]
Guard = Callable[[EndParams, EndState], bool]


class Semantics:
    """The transition relation of one tunnel under fixed ``TunnelParams``."""

    def __init__(self, params: TunnelParams) -> None:
        self.params = params
        self.ends = params.ends
        #: (kind, end) of the faults that may start a second (``FaultModel.tick_faults``)
        self.tick_faults = params.faults.tick_faults
        self._last_mode: tuple[State, Moving | None, tuple[bool, bool]] | None = None
        # Each urgent kind: when it is due, and what it does. ``due`` asks the guards in
        # ``URGENT_KINDS`` order (the priority), never in this table's.
        self._guards: dict[str, Guard] = {
            Urgent.P2_KEYLIFE: self._p2_keylife_due,
            Urgent.P1_KEYLIFE: self._p1_keylife_due,
            Urgent.REQUEST: self._request_is_due,
            Urgent.START_P2: self._start_p2_due,
            Urgent.DPD: self._dpd_is_due,
            Urgent.START_P1: self._start_p1_due,
        }
        self._handlers: dict[str, Handler] = {
            Urgent.P2_KEYLIFE: self._p2_keylife,
            Urgent.P1_KEYLIFE: self._p1_keylife,
            Urgent.REQUEST: self._request_due,
            Urgent.START_P2: self._start_p2,
            Urgent.DPD: self._dpd_due,
            Urgent.START_P1: self._start_p1,
        }

    # ------------------------------------------------------------------ initial state
    def initial(self) -> State:
        first = self.params.traffic.phases[0]
        return State(
            a=self._fresh_end(self.ends[0]),
            b=self._fresh_end(self.ends[1]),
            phase=0,
            phase_left=first.duration if first.duration is not None else NO_TIMER,
        )

    def _fresh_end(self, p: EndParams) -> EndState:
        return EndState(
            p1=DOWN,
            p2=DOWN,
            p1_life=NO_TIMER,
            p2_life=NO_TIMER,
            sess=0,
            quiet=self._quiet_reset(p),
            dpd_sent=0,
            dpd_timer=NO_TIMER,
            req=REQ_NONE,
            req_sent=0,
            req_timer=NO_TIMER,
            want_p2=p.p2_auto_negotiate or p.starts_at_boot,
            sent=False,
            faults=0,
        )

    @staticmethod
    def _quiet_reset(p: EndParams) -> int:
        """``quiet`` after inbound traffic: on-idle counts from 0, on-demand waits (-1)."""
        return 0 if p.dpd is DpdMode.ON_IDLE else NO_TIMER

    # ------------------------------------------------------------------ successors
    def successors(self, state: State) -> list[tuple[Label, State]]:
        """All transitions from ``state`` in a stable order (urgent events, else ticks)."""
        out: list[tuple[Label, State]] = []
        for i in (0, 1):
            kind = self.due(state, i)
            if kind is not None:
                outcomes = self.handle(kind, state, i, Sink(False))
                for idx, outcome in enumerate(outcomes):
                    out.append((Label(kind, i, idx), outcome.state))
        if out:
            return out
        phase = self.params.traffic.phases[state.phase]
        for fault in self.fault_codes(state):
            for ab, ba in phase.choices():
                bits = (1 if ab else 0) | (2 if ba else 0) | fault << 2
                label = Label("tick", -1, bits)
                out.append((label, self._tick(state, ab, ba, Sink(False), fault)))
        return out

    def fault_codes(self, state: State) -> tuple[int, ...]:
        """The fault codes a second may start with in ``state``: 0 (none), and each of
        ``FaultModel.tick_faults`` while the run's fault budget lasts."""
        n = len(self.tick_faults)
        if n == 0 or not self.faults_left(state):
            return (0,)
        return tuple(range(n + 1))

    def faults_left(self, state: State) -> bool:
        """The run may suffer one more fault (symbolic-friendly: a comparison)."""
        return state.a.faults + state.b.faults < self.params.faults.budget

    def handle(self, kind: str, state: State, i: int, sink: Sink) -> list[Outcome]:
        """The outcomes of urgent event ``kind`` at end ``i`` (one per local-in outcome of
        the packets it sends), in the order ``Label.arg`` numbers them."""
        return self._handlers[kind](state, i, sink)

    def tick(self, state: State, ab: bool, ba: bool, sink: Sink, fault: int = 0) -> State:
        """One second with host traffic ``ab`` (a to b) and ``ba`` (b to a), started by
        fault ``fault`` (a code of ``fault_codes``; 0: none)."""
        return self._tick(state, ab, ba, sink, fault)

    def replay_step(self, state: State, label: Label) -> Outcome:
        """Re-execute ``label`` from ``state``, recording notes. Raises if not enabled."""
        if label.kind == "delay":
            if label.arg > self.max_delay(state):
                raise ValueError(f"delay of {label.arg} s is not a pure shift of the timers")
            return Outcome(self.delay(state, label.arg), ())
        if label.kind == "tick":
            if any(self.due(state, i) is not None for i in (0, 1)):
                raise ValueError("tick replayed while an urgent event is due")
            ab, ba, fault = bool(label.arg & 1), bool(label.arg & 2), label.arg >> 2
            phase = self.params.traffic.phases[state.phase]
            if (ab, ba) not in phase.choices():
                raise ValueError(f"traffic choice {label.arg} not allowed by the profile")
            if fault not in self.fault_codes(state):
                raise ValueError(f"fault {fault} not possible here")
            sink = Sink(True, ends=self.ends)
            return sink.done(self._tick(state, ab, ba, sink, fault))
        if self.due(state, label.end) != label.kind:
            raise ValueError(f"{label.kind} is not due at end {label.end}")
        outcomes = self.handle(label.kind, state, label.end, Sink(True, ends=self.ends))
        if label.arg >= len(outcomes):
            raise ValueError(f"outcome {label.arg} of {label.kind} does not exist")
        return outcomes[label.arg]

    # ------------------------------------------------------------------ time jumps
    def steady_choice(self, state: State) -> tuple[bool, bool] | None:
        """The traffic choice if time may only tick one way from ``state``, else None
        (a fault that may start the next second is another way)."""
        if self.due(state, 0) is not None or self.due(state, 1) is not None:
            return None
        if len(self.fault_codes(state)) > 1:
            return None
        choices = self.params.traffic.phases[state.phase].choices()
        return choices[0] if len(choices) == 1 else None

    def max_delay(self, state: State) -> int:
        """How many one-second ticks from ``state`` are a pure shift of its timers.

        Soundness (why a delay of d equals d ticks and changes no verdict): ``_tick``
        branches only on discrete fields (p1, p2, want_p2, sent, ``quiet == -1``) and on
        clocks reaching their ceilings (``clocks``: a countdown reaching 0, ``quiet``
        reaching the DPD interval, the traffic phase ending); ``due`` tests the same
        thresholds. If two ticks from ``state`` change nothing but move every moving
        clock by one second (``clocks.moving_clocks``: a running clock the traffic
        rewrites every second, like ``quiet`` under inbound ESP, is held), then so does
        every further tick until the first ceiling. Two, not one: a tick that resets
        ``quiet`` to 0 and ages it to 1 looks like counting up from 0 for one tick
        only. We stop one second before a ceiling, so every skipped state has the same
        discrete fields and atom values (atoms read only discrete fields and
        ``sess != 0``), and no urgent event was due in any of them. ``sent`` (ESP went
        out in the last second) is not carried along but written by every tick, the
        first one included, with the same value each second (the traffic choice is
        fixed), so the skipped states and the result all have the first tick's
        ``sent``: the incoming ``sent`` does not decide whether a state is steady.
        Returns 0 or 1 when there is nothing to gain.
        """
        moving = self._steady_mode(state)[0]
        if moving is None:
            return 1 if self.steady_choice(state) is not None else 0
        left = min(clocks.horizon(self.ends[i], state.end(i), moving[i]) for i in (0, 1))
        left = min(left, clocks.phase_horizon(state.phase_left))
        return max(left - 1, 1)

    def _steady_mode(self, state: State) -> tuple[Moving | None, tuple[bool, bool]]:
        """Per end and clock, whether it moves with time if ticks from ``state`` are a
        pure shift (but for ``sent``, which they write), else None; and the ``sent`` of
        each end after a tick.

        The engine asks ``max_delay`` and then ``delay`` for the same state; the last
        answer is kept so the trial ticks are computed once per jump, not twice.
        """
        last = self._last_mode
        if last is not None and last[0] is state:
            return last[1], last[2]
        moving, sent = self._compute_steady_mode(state)
        self._last_mode = (state, moving, sent)
        return moving, sent

    def _compute_steady_mode(self, state: State) -> tuple[Moving | None, tuple[bool, bool]]:
        choice = self.steady_choice(state)
        if choice is None:
            return None, (state.a.sent, state.b.sent)
        after = self._tick(state, choice[0], choice[1], Sink(False))
        sent = (after.a.sent, after.b.sent)
        later = self._tick(after, choice[0], choice[1], Sink(False))
        moving = (
            clocks.moving_clocks(self.ends[0], after.a, later.a),
            clocks.moving_clocks(self.ends[1], after.b, later.b),
        )
        if after == self._shift(state, 1, moving, sent) and later == self._shift(
            after, 1, moving, sent
        ):
            return moving, sent
        return None, sent

    def delay(self, state: State, seconds: int) -> State:
        """``seconds`` ticks at once; only valid up to ``max_delay(state)``."""
        moving, sent = self._steady_mode(state)
        if moving is None:
            raise ValueError("no steady delay from this state")
        return self._shift(state, seconds, moving, sent)

    def _shift(self, s: State, d: int, moving: Moving, sent: tuple[bool, bool]) -> State:
        ends = [
            clocks.advance(self.ends[i], s.end(i), d, moving[i])._replace(sent=sent[i])
            for i in (0, 1)
        ]
        return State(ends[0], ends[1], s.phase, clocks.phase_advance(s.phase_left, d))

    # ------------------------------------------------------------------ what is due
    def due(self, s: State, i: int) -> Urgent | None:
        """The urgent event of end ``i`` that must happen before time may pass, if any:
        the first kind of ``URGENT_KINDS`` whose guard holds."""
        e = s.end(i)
        p = self.ends[i]
        for kind in URGENT_KINDS:
            if self._guards[kind](p, e):
                return kind
        return None

    @staticmethod
    def _p2_keylife_due(p: EndParams, e: EndState) -> bool:
        return e.p2 == UP and e.p2_life == 0 and e.req != REQ_REKEY_P2

    @staticmethod
    def _p1_keylife_due(p: EndParams, e: EndState) -> bool:
        # Not while the IPsec SA's rekey is pending either: each rekey would replace
        # the other's request in zero time, forever, when both keylives end together.
        return e.p1 == UP and e.p1_life == 0 and e.req not in (REQ_REKEY_P1, REQ_REKEY_P2)

    @staticmethod
    def _request_is_due(p: EndParams, e: EndState) -> bool:
        return e.req != REQ_NONE and e.req_timer == 0

    @staticmethod
    def _start_p2_due(p: EndParams, e: EndState) -> bool:
        return e.p1 == UP and e.p2 == DOWN and e.want_p2 and e.req == REQ_NONE

    @staticmethod
    def _dpd_is_due(p: EndParams, e: EndState) -> bool:
        """The next probe (or the verdict) is due, or the link has been idle too long."""
        if e.dpd_timer == 0:
            return True
        return (
            e.p1 == UP
            and e.dpd_timer == NO_TIMER
            and p.dpd is not DpdMode.DISABLE
            and e.quiet >= p.dpd_retryinterval
        )

    @staticmethod
    def _start_p1_due(p: EndParams, e: EndState) -> bool:
        return e.p1 == DOWN and e.req == REQ_NONE and (p.p1_auto_negotiate or e.want_p2)

    # ------------------------------------------------------------------ urgent events
    def _start_request(self, s: State, i: int, req: int, sink: Sink) -> list[Outcome]:
        e = s.end(i)._replace(req=req, req_sent=0, req_timer=0)
        if req == REQ_P1:
            e = e._replace(p1=CONNECTING)
        sink.add(i, EventKind.STARTS, packet=req)
        return self._request_due(s.with_end(i, e), i, sink)

    def _start_p1(self, s: State, i: int, sink: Sink) -> list[Outcome]:
        return self._start_request(s, i, REQ_P1, sink)

    def _start_p2(self, s: State, i: int, sink: Sink) -> list[Outcome]:
        return self._start_request(s, i, REQ_P2, sink)

    def _p2_keylife(self, s: State, i: int, sink: Sink) -> list[Outcome]:
        sink.add(i, EventKind.KEYLIFE, sa=Sa.IPSEC)
        return self._start_request(s, i, REQ_REKEY_P2, sink)

    def _p1_keylife(self, s: State, i: int, sink: Sink) -> list[Outcome]:
        sink.add(i, EventKind.KEYLIFE, sa=Sa.IKE)
        return self._start_request(s, i, REQ_REKEY_P1, sink)

    def _retransmit_wait(self, p: EndParams, sent: int) -> int:
        """Seconds from transmission number ``sent`` (1-based) to the next one or give-up."""
        sends = p.request_sends
        nxt = sends[sent] if sent < len(sends) else p.request_giveup
        return nxt - sends[sent - 1]

    def _request_due(self, s: State, i: int, sink: Sink) -> list[Outcome]:
        """Transmit the pending request, or give it up after its last retransmission."""
        p = self.ends[i]
        e = s.end(i)
        if e.req_sent >= len(p.request_sends):
            return [self._give_up(s, i, sink)]
        results: list[Outcome] = []
        for answered, out in self._exchange(s, i, e.req, sink, e.req_sent + 1):
            me = out.state.end(i)
            if answered or me.req == REQ_NONE:
                results.append(out)
                continue
            sent = me.req_sent + 1
            me = me._replace(req_sent=sent, req_timer=self._retransmit_wait(p, sent))
            results.append(Outcome(out.state.with_end(i, me), out.notes))
        return results

    def _give_up(self, s: State, i: int, sink: Sink) -> Outcome:
        p = self.ends[i]
        e = s.end(i)
        req = e.req
        sink.add(i, EventKind.GAVE_UP, packet=req, seconds=p.request_giveup)
        e = e._replace(req=REQ_NONE, req_sent=0, req_timer=NO_TIMER)
        kill_ike = p.behaviour.giveup_drops_ike or req in (REQ_P1, REQ_REKEY_P1)
        if req == REQ_REKEY_P2 or kill_ike:
            sink.add_if(e.p2 == UP, i, EventKind.SA_DOWN, sa=Sa.IPSEC)
            e = self._p2_down(p, e)
        if kill_ike:
            sink.add_if(e.p1 == UP, i, EventKind.SA_DOWN, sa=Sa.IKE)
            e = self._p1_down(p, e)
        return sink.done(s.with_end(i, e))

    def _dpd_due(self, s: State, i: int, sink: Sink) -> list[Outcome]:
        """Send (or resend) a DPD probe, or declare the peer dead."""
        p = self.ends[i]
        e = s.end(i)
        limit = p.dpd_probes
        if e.dpd_sent >= limit:
            return self._declare_dead(s, i, sink)
        sink.add_if(e.dpd_sent == 0, i, EventKind.DPD_IDLE, seconds=p.dpd_retryinterval)
        results: list[Outcome] = []
        for answered, out in self._exchange(s, i, PROBE, sink, e.dpd_sent + 1, limit):
            if answered:
                results.append(out)
                continue
            sent = e.dpd_sent + 1
            wait = (
                self._retransmit_wait(p, sent)
                if p.behaviour.dpd_is_request
                else p.dpd_retryinterval
            )
            me = out.state.end(i)._replace(dpd_sent=sent, dpd_timer=wait)
            results.append(Outcome(out.state.with_end(i, me), out.notes))
        return results

    def _declare_dead(self, s: State, i: int, sink: Sink) -> list[Outcome]:
        p = self.ends[i]
        e = s.end(i)
        sink.add(i, EventKind.PEER_DEAD, attempt=e.dpd_sent)
        sink.add_if(e.p2 == UP, i, EventKind.SA_DELETED, sa=Sa.IPSEC)
        s = s.with_end(i, self._p1_down(p, self._p2_down(p, e)))
        if not p.behaviour.delete_on_dead_peer:
            return [sink.done(s)]
        results: list[Outcome] = []
        for _, after_p2 in self._exchange(s, i, DELETE_P2, sink):
            branch = sink.fork(after_p2.notes)
            for _, after_p1 in self._exchange(after_p2.state, i, DELETE_P1, branch):
                results.append(after_p1)
        return results

    # ------------------------------------------------------------------ one exchange
    def _exchange(
        self,
        s: State,
        i: int,
        kind: int,
        sink: Sink,
        attempt: int | None = None,
        attempts: int | None = None,
    ) -> list[tuple[bool, Outcome]]:
        """End ``i`` sends a request of ``kind`` to its peer; returns (answered, outcome).

        ``kind`` is a REQ_* value, PROBE, DELETE_P2 or DELETE_P1; ``attempt`` (of
        ``attempts``) numbers the transmission in the trace. There are several results
        only when the peer's local-in outcome is not pinned down by the config.
        """
        j = 1 - i
        p = self.ends[i]
        sink.add(i, EventKind.SENT, packet=kind, attempt=attempt, attempts=attempts)
        me = s.end(i)._replace(sess=self._refresh(p))
        if not (self.params.faults.loses_packets and self.faults_left(s)):
            return self._arrive(s, i, me, kind, sink)
        # with losses: the packet arrives (each outcome of that, and for a request also
        # with the answer lost on its way back), or it is lost on the wire
        arrived = self._arrive(s, i, me, kind, sink.fork())
        results = list(arrived)
        if kind not in (DELETE_P1, DELETE_P2):
            for answered, out in arrived:
                if answered:
                    results.append((False, self._answer_lost(s, i, me, kind, out, sink)))
        lost = sink.fork()
        lost.add(j, EventKind.PACKET_LOST, packet=kind)
        peer = s.end(j)._replace(faults=s.end(j).faults + 1)
        results.append((False, lost.done(s.with_end(i, me).with_end(j, peer))))
        return results

    def _answer_lost(
        self, s: State, i: int, me: EndState, kind: int, out: Outcome, sink: Sink
    ) -> Outcome:
        """``out`` (the peer answered) with the answer lost on the wire: the peer has
        acted on the request, the sender (``me``, as it sent it) has not heard of it. Its
        notes: the arrival's, but for what the answer did at the sender."""
        j = 1 - i
        first = len(sink.notes)
        notes = sink.fork(out.notes[:first] + tuple(n for n in out.notes[first:] if n.end != i))
        notes.add(i, EventKind.ANSWER_LOST, packet=kind)
        peer = out.state.end(j)
        return notes.done(s.with_end(i, me).with_end(j, peer._replace(faults=peer.faults + 1)))

    def _arrive(
        self, s: State, i: int, me: EndState, kind: int, sink: Sink
    ) -> list[tuple[bool, Outcome]]:
        """The packet ``me`` sent reaches the peer: its session or local-in decides."""
        j = 1 - i
        q = self.ends[j]
        peer = s.end(j)
        if peer.sess != 0 and q.behaviour.session_before_local_in:
            sink.add(j, EventKind.SESSION_MATCH, packet=kind)
            peer = peer._replace(sess=self._refresh(q))
            return [self._deliver(s, i, me, peer, kind, sink)]
        results: list[tuple[bool, Outcome]] = []
        for adm in q.admissions:
            branch = sink.fork() if len(q.admissions) > 1 else sink
            branch.add(
                j,
                EventKind.ADMITTED if adm.accepted else EventKind.DROPPED,
                packet=kind,
                policy=adm.policy_id,
                loc=adm.loc,
                reason=adm.reason,
                rule=adm.rule,
            )
            if adm.accepted:
                new_peer = peer._replace(sess=self._refresh(q))
                results.append(self._deliver(s, i, me, new_peer, kind, branch))
            else:
                results.append((False, branch.done(s.with_end(i, me).with_end(j, peer))))
        return results

    def _deliver(
        self, s: State, i: int, me: EndState, peer: EndState, kind: int, sink: Sink
    ) -> tuple[bool, Outcome]:
        """The peer's IKE daemon handles an accepted packet; returns (answered, outcome)."""
        j = 1 - i
        p, q = self.ends[i], self.ends[j]
        if kind == REQ_P1 and p.ike_version != q.ike_version:
            # an IKEv1 Main Mode packet is no IKE_SA_INIT and the other way round: the
            # peer's phase1 has no proposal for it, so it never answers
            sink.add(j, EventKind.VERSION_MISMATCH, packet=REQ_P1)
            return False, sink.done(s.with_end(i, me).with_end(j, peer))
        if kind == REQ_P1:
            sink.add(j, EventKind.ANSWERED, packet=REQ_P1)
            me, peer = self._establish_p1(p, me), self._establish_p1(q, peer)
            if q.behaviour.new_ike_sa_replaces:
                sink.add_if(peer.p2 == UP, j, EventKind.SA_REPLACED, sa=Sa.IPSEC)
                peer = self._p2_down(q, peer)
            sink.add(i, EventKind.SA_UP, sa=Sa.IKE)
            sink.add(j, EventKind.SA_UP, sa=Sa.IKE)
            return True, sink.done(self._answered(s, i, me, peer))
        if kind == REQ_REKEY_P1:
            if peer.p1 != UP:
                sink.add(j, EventKind.IGNORED, packet=REQ_REKEY_P1)
                return False, sink.done(s.with_end(i, me).with_end(j, peer))
            sink.add(j, EventKind.ANSWERED, packet=REQ_REKEY_P1)
            me, peer = self._establish_p1(p, me), self._establish_p1(q, peer)
            if p.behaviour.ike_rekey_drops_ipsec:
                me = self._p2_down(p, me)
            if q.behaviour.ike_rekey_drops_ipsec:
                peer = self._p2_down(q, peer)
            for end in (i, j):
                sink.add(end, EventKind.SA_REKEYED, sa=Sa.IKE)
            return True, sink.done(self._answered(s, i, me, peer))
        if peer.p1 != UP:
            sink.add(j, EventKind.IGNORED, packet=kind)
            return False, sink.done(s.with_end(i, me).with_end(j, peer))
        peer = self._inbound(q, peer)
        if kind in (REQ_P2, REQ_REKEY_P2):
            sink.add(j, EventKind.ANSWERED, packet=kind)
            me = self._inbound(p, me)
            me, peer = self._establish_p2(p, me), self._establish_p2(q, peer)
            sink.add(i, EventKind.SA_UP, sa=Sa.IPSEC)
            sink.add(j, EventKind.SA_UP, sa=Sa.IPSEC)
            return True, sink.done(self._answered(s, i, me, peer))
        if kind == PROBE:
            sink.add(j, EventKind.ANSWERED, packet=PROBE)
            me = self._inbound(p, me)._replace(dpd_sent=0, dpd_timer=NO_TIMER)
            return True, sink.done(self._answered(s, i, me, peer))
        if kind == DELETE_P2:
            sink.add_if(peer.p2 == UP, j, EventKind.SA_DELETED_BY_PEER, sa=Sa.IPSEC)
            peer = self._p2_down(q, peer)
        else:
            sink.add(j, EventKind.SA_DELETED_BY_PEER, sa=Sa.IKE)
            peer = self._p1_down(q, self._p2_down(q, peer))
        return True, sink.done(s.with_end(i, me).with_end(j, peer))

    def _answered(self, s: State, i: int, me: EndState, peer: EndState) -> State:
        """The response travelled back: it refreshes both sessions (it matches them)."""
        p, q = self.ends[i], self.ends[1 - i]
        peer = peer._replace(sess=self._refresh(q))
        me = me._replace(sess=self._refresh(p))
        return s.with_end(i, me).with_end(1 - i, peer)

    # ------------------------------------------------------------------ SA helpers
    @staticmethod
    def _with_request(e: EndState, req: int) -> EndState:
        """``e`` with pending request ``req``; no request has no retransmission state."""
        none = req == REQ_NONE
        return e._replace(
            req=req,
            req_sent=when(none, 0, e.req_sent),
            req_timer=when(none, NO_TIMER, e.req_timer),
        )

    @staticmethod
    def _ends_phase2_request(e: EndState) -> EndState:
        """The IPsec SA came up or went down: a pending phase2 negotiation or rekey is over."""
        ipsec = (e.req == REQ_P2) | (e.req == REQ_REKEY_P2)
        return Semantics._with_request(e, when(ipsec, REQ_NONE, e.req))

    def _establish_p1(self, p: EndParams, e: EndState) -> EndState:
        e = self._with_request(e, when(e.req == REQ_P2, e.req, REQ_NONE))
        return self._inbound(
            p,
            e._replace(
                p1=UP,
                p1_life=p.p1_keylife if p.p1_keylife is not None else NO_TIMER,
                dpd_sent=0,
                dpd_timer=NO_TIMER,
            ),
        )

    def _establish_p2(self, p: EndParams, e: EndState) -> EndState:
        return self._ends_phase2_request(e)._replace(
            p2=UP,
            p2_life=p.p2_keylife if p.p2_keylife is not None else NO_TIMER,
            want_p2=False,
        )

    def _p2_down(self, p: EndParams, e: EndState) -> EndState:
        return self._ends_phase2_request(e)._replace(
            p2=DOWN,
            p2_life=NO_TIMER,
            sent=False,
            quiet=self._quiet_reset(p),
            want_p2=e.want_p2 | p.p2_auto_negotiate,
        )

    def _p1_down(self, p: EndParams, e: EndState) -> EndState:
        return e._replace(
            p1=DOWN,
            p1_life=NO_TIMER,
            dpd_sent=0,
            dpd_timer=NO_TIMER,
            req=REQ_NONE,
            req_sent=0,
            req_timer=NO_TIMER,
            quiet=self._quiet_reset(p),
        )

    def _inbound(self, p: EndParams, e: EndState) -> EndState:
        """A valid packet from the peer arrived: DPD has proof of life where the
        implementation takes any packet as such (``Behaviour.inbound_clears_dpd``)."""
        e = e._replace(quiet=self._quiet_reset(p))
        if p.behaviour.inbound_clears_dpd:
            e = e._replace(dpd_sent=0, dpd_timer=NO_TIMER)
        return e

    @staticmethod
    def _refresh(p: EndParams) -> int:
        """A matching packet resets the session's idle timer to the full TTL."""
        return SESSION_FOREVER if p.session_ttl is None else p.session_ttl

    # ------------------------------------------------------------------ time
    def _tick(self, s: State, ab: bool, ba: bool, sink: Sink, fault: int = 0) -> State:
        """One second: its fault if any, the host traffic of that second, then every
        timer moves by 1 s."""
        if self.tick_faults:
            s = self.inject(s, fault, sink)
        a, b = s.a, s.b
        a, b = self._traffic(0, a, b, ab, sink)
        b, a = self._traffic(1, b, a, ba, sink)
        a = self._age(0, a, sink)
        b = self._age(1, b, sink)
        phase, left = s.phase, s.phase_left
        if left != NO_TIMER:
            left = clocks.phase_advance(left, 1)
            if left == 0:
                phase += 1
                nxt = self.params.traffic.phases[phase]
                left = nxt.duration if nxt.duration is not None else NO_TIMER
                sink.add(-1, EventKind.TRAFFIC_CHANGES)
        return State(a, b, phase, left)

    def inject(self, s: State, fault: int, sink: Sink) -> State:
        """Fault ``fault`` (a code of ``fault_codes``) at the start of a second."""
        for n, (kind, i) in enumerate(self.tick_faults):
            if fault == n + 1:  # control flow: a symbolic run forks per fault
                p, e = self.ends[i], s.end(i)
                if kind is Fault.REBOOT:
                    sink.add(i, EventKind.REBOOTED)
                    after = self._fresh_end(p)
                else:
                    sink.add(i, EventKind.FLUSHED)
                    after = self._p1_down(p, self._p2_down(p, e))
                return s.with_end(i, after._replace(faults=e.faults + 1))
        return s

    def _traffic(
        self, i: int, me: EndState, peer: EndState, flows: bool, sink: Sink
    ) -> tuple[EndState, EndState]:
        p, q = self.ends[i], self.ends[1 - i]
        if not flows:
            return me._replace(sent=False), peer
        if me.p2 != UP:
            if not p.on_traffic:  # no trap policy: the packets find no SA and are dropped
                return me._replace(sent=False), peer
            sink.add_if(me.want_p2 is False, i, EventKind.NEEDS_SA)
            return me._replace(sent=False, want_p2=True), peer
        quiet = me.quiet
        if p.dpd is DpdMode.ON_DEMAND:  # outbound ESP starts the wait for an answer
            quiet = when(quiet == NO_TIMER, 0, quiet)
        me = me._replace(sent=True, quiet=quiet)
        if peer.p2 == UP:
            peer = self._inbound(q, peer)
        else:
            sink.add(1 - i, EventKind.ESP_DROPPED)
        return me, peer

    def _age(self, i: int, e: EndState, sink: Sink) -> EndState:
        p = self.ends[i]
        sink.add_if(e.sess == 1, i, EventKind.SESSION_EXPIRED, seconds=p.session_ttl)
        return clocks.age(p, e)


__all__ = [
    "REQ_NAMES",
    "URGENT_KINDS",
    "Label",
    "Note",
    "Outcome",
    "Semantics",
    "Urgent",
]
