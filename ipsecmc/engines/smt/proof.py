"""Unbounded proofs with z3's IC3/PDR engine Spacer (the z3 engine's proof step).

k-induction (``smt.py``) does not close on the seed's HOLDS properties: the value ranges
contain unreachable states that disagree forever, and no small k rules them out. IC3/PDR
instead *learns* an inductive invariant (a conjunction of lemmas over the state and the
monitor) that excludes the bad states. z3 ships one: Spacer, driven through
``z3.Fixedpoint`` with Constrained Horn Clauses ``Inv(init)``, ``Inv(s) /\\ R(s, s') =>
Inv(s')`` and the query ``Inv(s) /\\ bad(s)``; ``unsat`` means an invariant exists.

Why a proof from here is sound, independently of how Spacer got it:

* The answer (``Fixedpoint.get_cover_delta``: the invariant as a formula over the
  arguments of ``Inv``) is checked by a plain z3 ``Solver`` against the engine's own
  transition ``encoding.transition`` and monitor: ``init => Inv``,
  ``Inv /\\ T => Inv'`` and ``Inv => not bad`` must all be unsat-checked; a
  counterexample to one is an ``InternalError``. So a HOLDS rests on three small,
  checked queries over the same relation BMC and k-induction use, not on Spacer.
* Every clause may assume the value ranges (``Encoding.ranges``) of its source state
  (Spacer then need not learn them); accordingly ``Inv`` above is Spacer's formula *and*
  the ranges, so the check also proves the ranges initial and preserved.
* The check is over mathematical integers (an ``Encoding`` with ``ints=INTEGERS``), and
  so is Spacer (it has no bit-vector support worth the name). Integers are exact: they cannot
  overflow, so ``T`` over ``Int`` is the Python model's relation itself. The
  bit-vector width BMC uses (``needed_width``) was chosen so that no value of its
  unrolling overflows, i.e. so that the bit-vector relation agrees with this one; the
  proof does not depend on that argument.

Why Spacer gets a different relation ``R`` than the one the answer is checked against:
Spacer's run time on the engine's ``T`` (one clause whose successor is a deep ``If``
term of the state and choice bits, the delay length a nested minimum) ran past 300 s in
every attempt, while the same model as *one clause per event with linear updates*
takes 2-20 s. The clauses are translated into a z3 context of their own: Spacer's run
time depends on the order of term ids, and after the BMC unrolling had been built in the
same context a 5 s proof took over 120 s. ``R`` (``clauses``) is that form:

* one clause per urgent event kind and end (``due(s, i) == kind``; both ends may act
  when both are due, as ``Semantics.successors`` allows), the successor being the
  event's handler;
* one clause for a 1 s tick (nothing due; a traffic choice of the phase);
* one clause for a delay of ``d`` seconds, ``d`` a free integer with ``2 <= d`` and
  ``d`` at most every threshold ``jump_length`` takes the minimum of (so every value
  of ``d`` up to and including ``jump_length`` is allowed). Below those thresholds the
  saturations of ``shift`` (``max(t - m, 0)``, ``min(quiet + m, interval)``) are the
  identity, so the successor is linear in ``d``.

Every step of ``T`` is a step of ``R`` (the delay of ``T`` is the one with
``d == jump_length``; a 1 s tick that ``T`` disables where a jump is possible is still
in ``R``). Hence an invariant inductive for ``R`` is inductive for ``T``, and the check
above passes whenever Spacer answers ``unsat``; ``R`` only has to be right for speed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ipsecmc.engines.smt.encoding import Encoding, Step, fresh_choices, transition
from ipsecmc.engines.smt.terms import CODE, URGENT, SState, flat
from ipsecmc.engines.smt.z3_api import BoolT, IntT, Term, z3
from ipsecmc.errors import InternalError
from ipsecmc.model.state import State

#: ``(state, monitor) -> bad``
BadFn = Callable[[SState, IntT], BoolT]
#: ``(state, successor, monitor, seconds of the step as (tick, delay, d)) -> next monitor``
MonitorFn = Callable[[SState, SState, IntT, BoolT, BoolT, IntT], IntT]


@dataclass(frozen=True)
class Clause:
    """One rule of ``R``: under ``guard``, ``s`` steps to ``after`` (monitor ``mon``)."""

    name: str
    guard: BoolT
    after: SState
    mon: IntT


def _variables(terms: list[Term]) -> list[Term]:
    """The uninterpreted constants of ``terms`` (an iterative walk over the DAG:
    ``z3util.get_vars`` revisits shared subterms and takes minutes on these terms)."""
    seen: set[int] = set()
    found: dict[int, Term] = {}
    stack = list(terms)
    while stack:
        t = stack.pop()
        key = t.get_id()
        if key in seen:
            continue
        seen.add(key)
        if z3.is_const(t) and t.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            found[key] = t
        else:
            stack.extend(t.children())
    return list(found.values())


def _linear_delay(
    enc: Encoding, s: SState, s1: SState, d: IntT, ab: BoolT, ba: BoolT
) -> tuple[list[BoolT], SState]:
    """Bounds on a delay of ``d`` seconds from ``s`` (``s1 = tick(s)``) and its result.

    The bounds are ``d <= value`` for every ``(condition, value)`` of
    ``Encoding.jump_bounds``; under them ``Encoding.shift(s1, d - 1)`` is its linear
    form (no clock passes its ceiling).
    """
    moving = enc.moving(s1, ab, ba)
    bounds: list[BoolT] = [d >= 2]
    bounds += [z3.Implies(cond, d <= value) for cond, value in enc.jump_bounds(s, s1, moving)]
    return bounds, enc.shift(s1, d - 1, moving, saturate=False)


def clauses(enc: Encoding, s: SState, c: IntT, monitor: MonitorFn) -> tuple[list[Clause], BoolT]:
    """``R`` (module doc) from ``s`` with monitor ``c``, and the constraint on the
    choices every clause shares (local-in outcomes)."""
    ch = fresh_choices("r", enc.ints)
    d = z3.Int("r.d")
    no, yes = z3.BoolVal(False), z3.BoolVal(True)
    dues = (enc.due(s, 0), enc.due(s, 1))
    timed = z3.And(dues[0] == 0, dues[1] == 0, enc.traffic_allowed(s, ch))
    s1 = enc.tick(s, ch.ab, ch.ba, ch.fault if enc.params.faults.tick_faults else None)
    bounds, shifted = _linear_delay(enc, s, s1, d, ch.ab, ch.ba)
    bounds.append(enc.no_fault(ch))  # a delay is seconds without a fault
    out = [
        Clause("tick", timed, s1, monitor(s, s1, c, yes, no, enc.ints.val(1))),
        Clause("delay", z3.And(timed, *bounds), shifted, monitor(s, shifted, c, no, yes, d)),
    ]
    for i in (0, 1):
        for kind in URGENT:
            after = enc.handler(kind, s, i, ch)
            guard = z3.And(dues[i] == CODE[kind], ch.pick < enc.count(kind, s, i))
            out.append(Clause(f"{kind}.{i}", guard, after, monitor(s, after, c, no, no, d)))
    return out, ch.pick >= 0


@dataclass(frozen=True)
class SpacerAnswer:
    """What a Spacer run established: ``proved`` (with the checked invariant's lemma
    count), or not (a reachable bad state of ``R``, or out of time: no conclusion)."""

    proved: bool
    lemmas: int
    seconds: float
    refuted: bool = False  # Spacer found a bad state of ``R``: retrying is pointless


@dataclass(frozen=True)
class _Prepared:
    """Everything a Spacer run and the check of its answer need, as terms of a context
    of their own (``ctx``): built once in the caller's thread; a run translates them into
    a fresh context, so it never touches a context another thread uses."""

    ctx: z3.Context
    here: list[Term]  # the arguments of ``Inv`` (state and monitor)
    rules: list[tuple[str, list[Term], Term, list[Term]]]  # name, head, body, variables
    init: list[Term]
    query: Term
    # the check (``verify``): known(args) /\ Inv(args) for the initial state, a
    # transition ``v0 -> v1`` and the property
    v_init: list[Term]
    v_init_known: Term
    v_here: list[Term]
    v_here_known: Term
    v_next: list[Term]
    v_next_known: Term
    v_step: Term
    v_bad: Term


class SpacerProof:
    """Asks Spacer for an inductive invariant of ``R`` avoiding ``bad``, checks it
    against ``T``. ``enc`` must be over mathematical integers (``ints=INTEGERS``); the
    terms are built in ``__init__``.

    Threads: ``prove`` (and ``run``) only use contexts of their own, so they may run in a
    thread or process of their own while the caller goes on with z3's main context (the
    z3 engine forks a process for them, see ``engine._SpacerJob``); ``cancel`` stops a
    run from another thread.
    """

    def __init__(
        self,
        enc: Encoding,
        initial: State,
        bad: BadFn,
        monitor: MonitorFn,
        step_monitor: Callable[[SState, SState, IntT, Step], IntT],
        cap: int,
        bound: int,
        seed: int = 0,
        *,
        initial_monitor: int = 0,
        lowest: int = 0,
    ) -> None:
        """``initial_monitor``: the monitor's value in the initial state; ``lowest``: its
        least value (``Encoding.ranges``)."""
        self.enc = enc
        self.initial_monitor = initial_monitor
        self.lowest = lowest
        self.initial = initial
        self.bad = bad
        self.monitor = monitor
        self.step_monitor = step_monitor
        self.cap = cap
        self.seed = seed
        self.bound = bound
        self._lock = threading.Lock()
        self._current: z3.Context | None = None
        self._cancelled = False
        self.prepared = self._prepare()

    def _known(self, s: SState, c: IntT) -> BoolT:
        """What every clause may assume of its source state: the value ranges."""
        return self.enc.ranges(s, c, self.bound, self.lowest)

    def _prepare(self) -> _Prepared:
        ctx = z3.Context()

        def tr(terms: list[Term]) -> list[Term]:
            return [t.translate(ctx) for t in terms]

        ints = self.enc.ints
        s, c = ints.fresh_state("r0"), z3.Int("r0.c")
        here = [*flat(s), c]
        rules, admitted = clauses(self.enc, s, c, self.monitor)
        out: list[tuple[str, list[Term], Term, list[Term]]] = []
        for rule in rules:
            head = [*flat(rule.after), rule.mon]
            body = z3.And(self._known(s, c), rule.guard, admitted)
            out.append(
                (rule.name, tr(head), body.translate(ctx), tr(_variables([body, *head, *here])))
            )
        init = [*flat(ints.const_state(self.initial)), ints.val(self.initial_monitor)]
        v0, v1 = ints.fresh_state("v0"), ints.fresh_state("v1")
        c0, c1 = z3.Int("v0.c"), z3.Int("v1.c")
        rel, step = transition(self.enc, v0, v1, "v", cap=self.cap)
        return _Prepared(
            ctx=ctx,
            here=tr(here),
            rules=out,
            init=tr(init),
            query=self.bad(s, c).translate(ctx),
            v_init=tr(init),
            v_init_known=self._known(
                ints.const_state(self.initial), ints.val(self.initial_monitor)
            ).translate(ctx),
            v_here=tr([*flat(v0), c0]),
            v_here_known=self._known(v0, c0).translate(ctx),
            v_next=tr([*flat(v1), c1]),
            v_next_known=self._known(v1, c1).translate(ctx),
            v_step=z3.And(rel, c1 == self.step_monitor(v0, v1, c0, step)).translate(ctx),
            v_bad=self.bad(v0, c0).translate(ctx),
        )

    def cancel(self) -> None:
        """Stop the run in progress and any further one (from any thread)."""
        with self._lock:
            self._cancelled = True
        self._interrupt()

    def _interrupt(self) -> None:
        """Stop the run in progress, if any (its query raises; later runs go on)."""
        with self._lock:
            if self._current is not None:
                self._current.interrupt()

    def prove(self, timeout_ms: int | None, tries: int, cpu: bool = False) -> SpacerAnswer:
        """Up to ``tries`` runs with seeds ``seed``, ``seed + 1``, ...; each gets an equal
        share of the time left. Spacer's run time is heavy-tailed in its seed (2-35 s on
        the seeds, sometimes over 120 s), so restarts beat one long run. ``cpu``: the
        time is this process's CPU time (``_cpu_limited``), so a run's share does not
        shrink on a busy machine; else wall-clock time."""
        started = time.perf_counter()
        clock = time.process_time if cpu else time.perf_counter
        begun = clock()
        answer = SpacerAnswer(False, 0, 0.0)
        for n in range(tries):
            share = None
            if timeout_ms is not None:
                left = timeout_ms - int(1000 * (clock() - begun))
                if left <= 0:
                    break
                share = max(1, left // (tries - n))
            if cpu and share is not None:
                answer = self._cpu_limited(share, self.seed + n)
            else:
                answer = self.run(share, self.seed + n)
            if answer.proved or answer.refuted or self._cancelled:
                break
        return SpacerAnswer(
            answer.proved, answer.lemmas, time.perf_counter() - started, answer.refuted
        )

    def _cpu_limited(self, share_ms: int, seed: int) -> SpacerAnswer:
        """``run`` without a z3 timeout, interrupted by a watchdog thread once it has used
        ``share_ms`` of this process's CPU time (z3's own timeouts are wall-clock)."""
        deadline = time.process_time() + share_ms / 1000
        done = threading.Event()

        def watch() -> None:
            while not done.wait(0.05):
                if time.process_time() >= deadline:
                    self._interrupt()
                    return

        watchdog = threading.Thread(target=watch, name="spacer-cpu-watchdog", daemon=True)
        watchdog.start()
        try:
            return self.run(None, seed)
        finally:
            done.set()
            watchdog.join()

    def run(self, timeout_ms: int | None, seed: int) -> SpacerAnswer:
        """One Spacer run with random seed ``seed``."""
        started = time.perf_counter()
        # A context of its own: Spacer's run time depends on the order of term ids
        # (300 s instead of 15 s after the BMC unrolling had been built in the same
        # context); translated into a fresh one, the clauses always get the same ids.
        ctx = z3.Context()
        with self._lock:
            if self._cancelled:
                return SpacerAnswer(False, 0, 0.0)
            self._current = ctx
        try:
            return self._run(ctx, timeout_ms, seed, started)
        finally:
            with self._lock:
                self._current = None

    def _run(
        self, ctx: z3.Context, timeout_ms: int | None, seed: int, started: float
    ) -> SpacerAnswer:
        pre = self.prepared

        def tr(terms: list[Term]) -> list[Term]:
            return [t.translate(ctx) for t in terms]

        here = tr(pre.here)
        inv = z3.Function("Inv", *[a.sort() for a in here], z3.BoolSort(ctx))
        fp = z3.Fixedpoint(ctx=ctx)
        fp.set(engine="spacer")
        fp.set("spacer.random_seed", seed)
        if timeout_ms is not None:
            fp.set("timeout", timeout_ms)
        fp.register_relation(inv)
        for name, head, body, variables in pre.rules:
            fp.declare_var(*tr(variables))
            fp.rule(inv(*tr(head)), [inv(*here), body.translate(ctx)], name=name)
        fp.rule(inv(*tr(pre.init)))
        try:
            answer = fp.query(z3.And(inv(*here), pre.query.translate(ctx)))
        except z3.Z3Exception:  # canceled: the time budget ran out
            answer = z3.unknown
        if answer != z3.unsat:
            return SpacerAnswer(False, 0, time.perf_counter() - started, answer == z3.sat)
        invariant = fp.get_cover_delta(-1, inv)
        lemmas = len(invariant.children()) if z3.is_and(invariant) else 1
        left = (
            None
            if timeout_ms is None
            else max(1, timeout_ms - int(1000 * (time.perf_counter() - started)))
        )

        def holds(args: list[Term], known: Term) -> BoolT:
            return z3.And(known.translate(ctx), z3.substitute_vars(invariant, *tr(args)))

        queries = {
            "the initial state": z3.Not(holds(pre.v_init, pre.v_init_known)),
            "a transition": z3.And(
                holds(pre.v_here, pre.v_here_known),
                pre.v_step.translate(ctx),
                z3.Not(holds(pre.v_next, pre.v_next_known)),
            ),
            "the property": z3.And(holds(pre.v_here, pre.v_here_known), pre.v_bad.translate(ctx)),
        }
        checked = self.verify(queries, left, ctx)
        return SpacerAnswer(checked, lemmas if checked else 0, time.perf_counter() - started)

    def verify(self, queries: dict[str, BoolT], timeout_ms: int | None, ctx: z3.Context) -> bool:
        """``init => Inv``, ``Inv /\\ T => Inv'``, ``Inv => not bad`` (module doc), each
        query the negation of one: True when all three are proved unsat, False when the
        time budget ran out first (or the run was interrupted)."""
        for what, query in queries.items():
            solver = z3.Solver(ctx=ctx)
            if timeout_ms is not None:
                solver.set("timeout", timeout_ms)
            solver.add(query)
            try:
                verdict = solver.check()
            except z3.Z3Exception:  # interrupted: the run's CPU share ran out
                return False
            if verdict == z3.sat:
                raise InternalError(
                    f"Spacer's invariant does not hold for {what} (bug in the clauses or in z3)"
                )
            if verdict != z3.unsat:
                return False
        return True


__all__ = ["Clause", "SpacerAnswer", "SpacerProof", "clauses"]
