"""The Z3 engine: bounded model checking and k-induction over the same semantics.

The transition relation is ``encoding.transition``: ``ipsecmc.model.semantics`` itself,
derived by symbolic execution (``smt_derive``) and checked equal to it step by step by
``tests/test_smt.py``; the soundness argument, including the symbolic delay step, is that
module's docstring.

Properties. A ``Plan`` carries its predicate as a Python function of a ``State``. Plans
are built from property formulas whose atoms (``TransitionSystem.atom_value``) read only
the *observation* of a state: per end ``p1``, ``p2``, ``sess != 0``, ``sent`` and
``dpd_sent``. So the predicate is a function of that finite observation, and this engine
tabulates it once per check (every observation within the value ranges of
``Encoding.ranges``, evaluated on a representative state) and encodes the table as a
decision diagram over the symbolic observation. A predicate that reads anything else of
the state is outside this contract; every counterexample is still re-checked with the
real predicate along the replayed path, so such a predicate can cause an internal error
but never a false VIOLATED.

Plan kinds (same meaning as ``explicit.py``):

* ``invariant``: BMC looks for a reachable state where the predicate fails.
* ``bounded``: the unrolling carries the explicit engine's monitor ``c`` (seconds the
  predicate has held without a break, saturating at T+1; a delay of d seconds adds d, a
  zero-time event leaves it alone); a state with ``c > T`` is a counterexample.
* ``reachable``: BMC looks for a witness (HOLDS); k-induction on the negated predicate
  proves there is none (VIOLATED).
* ``recoverable``: not supported (INCONCLUSIVE).

Proof first (with ``induction``): invariants guessed from a sample of the model and
proved inductive against this relation (``houdini``; the sample is only a source of
guesses). When "not bad" is among them the property holds (k = 1); else they strengthen
every state of the k-induction unrolling below. On a state space small enough to sample
completely (``samples``) the guess is the reachable set itself and z3 proves it in one
query; otherwise the guessing gets ``PARTIAL_SAMPLE_MS``. When a sampled run violates the
property (the sample only proposes guesses, so this is a hint, not a verdict) no proof is
tried at all: there is none to find, and BMC, which must find the counterexample itself,
gets the time.

Layers first (``layers``). From the concrete initial state, the reachable (state,
monitor) pairs of this same relation are enumerated breadth-first, each pair's successors
by z3 on the relation's template with the pair's constants substituted (a small formula
over the step's choice bits), while they are few: ``LAYER_NODES`` pairs, plus the sample's
size when the sample was exhaustive (the model is then small, and so is the relation's
reachable set). A bad pair gives the shortest counterexample, whose fewest seconds and
canonical order (below) are then decided on the enumerated layers instead of by queries
over an unrolling; no new pair means every reachable pair was seen and none is bad: a
proof (``facts["proof"] == "enumeration"``), tried before any guessing. Past the cap, the
depths the layers covered count as checked and the unrolling below takes over (when
proofs are on the layers may go past ``max_depth``: the cap bounds them).

Search. Two incremental bit-vector solvers grow by one unrolled step at a time. The base
case (BMC) asks for a bad state at any depth of a window of ``STRIDE`` depths (an
assumption; each query costs time in proportion to the unrolling, so one query per
window instead of one per depth); only a window that has one is searched depth by depth,
and steps are urgent events, 1 s ticks or maximal delays, so the first depth with a
counterexample gives the fewest steps. The inductive step, at the depths of
``INDUCTION_DEPTHS`` the base case has covered, asks for a simple path (pairwise distinct
states, monitor included) of k good states, all within ``Encoding.ranges``, followed by
a bad one; unsat proves the property for all depths (HOLDS, ``facts["k"]``). The ranges
are themselves checked to be inductive before a proof relies on them. An inductive-step
query that runs past ``INDUCTION_STEP_MS`` ends k-induction (the reason says so) and BMC
goes on alone. The IC3/PDR step (``proof``: Spacer, its invariant checked against this
relation) runs alongside in a forked child process at the lowest CPU priority (it uses a
free core and does not slow BMC on a busy one; not a thread, see ``_SpacerJob``), for up
to ``SPACER_SECONDS``: from the start when the sample is partial and clean (Houdini
rarely proves anything from a partial sample) or comes as families to check, else once
the first BMC window is clean.
A checked invariant is a proof (HOLDS, ``facts["proof"] == "spacer"``). No
counterexample and no proof up to ``max_depth``: the engine waits for Spacer, else
HOLDS_UP_TO with ``bound = max_depth`` steps (each step is at least zero seconds, so this
is a bound on events, not on time).

The printed counterexample (``_found``): among those of k .. k + ``SECONDS_SLACK`` steps,
the fewest seconds of model time (a zero-time event more can buy an earlier violation),
and among those the first in the order the explicit engine explores successors (end 0
before end 1, local-in outcome 0 first, traffic choices in profile order), fixed step by
step: from the layers, by the successors under the alternative and their fewest seconds
to a violation; over an unrolling, by a *detour* of a few steps in a small solver where
one exists, else by a query over the unrolling with assumption literals (``canonical``).
``facts["steps"]`` is k, the shortest length in steps.

Performance (measured, ``benchmarks/smt_seed_cpu.py``, ``benchmarks/RESULTS.md``): on the
seed the layered search sees 43 pairs in about 0.15 s and prints the counterexample in
about 1.2 s. Over the unrolling (past the layers' cap, or ``layers=False``): the
successor is a function of the state and a few choice bits (see
``encoding.transition``), so each incremental query is mostly propagation, at a cost
in proportion to the bit-blasted unrolling (about 54,000 clauses per step on the seed
after simplification; a query re-propagates it, so even one with a few dozen conflicts
costs 0.3-2.5 s at depth 41). ``seed-intended`` at its real timers: the 391 s
counterexample is found at 41 steps after about 7 s, and printed after about 12 s on a
free core (the fewer-seconds query 2.5-3.5 s; the canonicalisation, two queries of about
2 s each over the unrolling, now three detours of 0.05 s).
Proofs of seed-fixed and seed-literal come from the families of ``cover`` (2-3 s).

Decoding. A model reads back as one event per step; delays become that many ``tick``
labels and urgent events get the outcome index whose successor equals the model's next
state. The path is replayed through ``TransitionSystem.replay_step`` and the
property re-evaluated concretely; any mismatch raises ``InternalError``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.process
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import product
from multiprocessing.connection import Connection

from ipsecmc.engines.monitor import Monitor
from ipsecmc.engines.result import Budget, EngineResult, Path, Plan, Stats, Verdict
from ipsecmc.engines.smt.canonical import (
    DETOUR_STEPS,
    ChoicePoint,
    PathStep,
    choice_points,
    path_steps,
)
from ipsecmc.engines.smt.encoding import Encoding, Step, jump_cap, transition
from ipsecmc.engines.smt.houdini import Guesses, strongest_invariant
from ipsecmc.engines.smt.layers import LAYER_NODES, Layers, OneStep
from ipsecmc.engines.smt.monitor_terms import DerivedMonitor
from ipsecmc.engines.smt.proof import SpacerAnswer, SpacerProof
from ipsecmc.engines.smt.samples import Sample, sample
from ipsecmc.engines.smt.terms import (
    INTEGERS,
    Ints,
    SState,
    flat,
    int_value,
    needed_width,
    read_state,
    states_equal,
    sum_width,
)
from ipsecmc.engines.smt.z3_api import BoolT, IntT, z3
from ipsecmc.errors import InternalError
from ipsecmc.model.semantics import Label
from ipsecmc.model.state import CONNECTING, DOWN, UP, State
from ipsecmc.model.system import TransitionSystem

#: Choices taken at one step (choice point, alternative) and at several (step first).
Taken = list[tuple[ChoicePoint, int]]
Fixed = list[tuple[int, ChoicePoint, int]]
#: ``_Search._canonical``'s question: a path to the goal taking the choices of step t
#: (``here``) and the ``fixed`` ones of earlier steps, or None.
Alternative = Callable[[list[PathStep], int, Taken, Fixed], "list[PathStep] | None"]

UNSUPPORTED = "not supported by the z3 engine"

#: Time cap of one inductive-step query; past it, k-induction stops and BMC goes on.
INDUCTION_STEP_MS = 2_000
#: Time cap of the invariant search (``houdini``) when its sample is not exhaustive.
PARTIAL_SAMPLE_MS = 2_000

#: z3's work (its ``rlimit`` count) the check of a walk's families as an invariant may
#: spend in all (``_cover_proved``). A count rather than a time, so the verdict is the
#: same on a busy machine (with a 10 s cap, seed-intended's no-blackhole ended
#: HOLDS_UP_TO in one run of three). The seeds need 1.8-2.0 million (62 families),
#: seed-intended's no-blackhole 11.4 million (140 families); 100 million is about 25 s
#: on a 2-core machine of 2026. Spacer runs on the other core meanwhile.
COVER_RLIMIT = 100_000_000

#: Default BMC depth (steps); the seed's counterexample needs 41.
DEFAULT_DEPTH = 60
#: The IC3/PDR proof step (``proof``) runs alongside BMC (module doc) for at most
#: ``SPACER_SECONDS`` of the time budget.
SPACER_SECONDS = 120
#: Spacer runs (random seeds ``spacer_seed`` + 0, 1, ...) sharing that time: at most
#: ``SPACER_TRIES``, each of at least ``SPACER_TRY_SECONDS`` (fewer when the budget is
#: short). Spacer's run time is heavy-tailed in its seed, so restarts pay, but on the
#: seeds a run that proves usually takes 10-28 s: the 60 s default budget cut into four
#: 15 s runs rarely proved anything (``benchmarks/RESULTS.md``).
SPACER_TRIES = 4
SPACER_TRY_SECONDS = 30
#: Seconds the engine waits for Spacer's answer past the attempt's (or the engine's)
#: time budget: z3 notices a timeout between steps, and the answer must cross a pipe.
SPACER_GRACE = 1.0

#: Extra steps searched for a counterexample with fewer seconds (see ``_found``).
SECONDS_SLACK = 2

#: BMC asks for a bad state in this many depths at once (``_Search._run``).
STRIDE = 4

#: Depths at which the inductive step runs (once BMC has covered them); it rarely closes
#: deeper on these systems, where IC3/PDR is the proof that works.
INDUCTION_DEPTHS = (1, 2, 3, 4, 6, 8, 12, 16)


def _work(solver: z3.Solver) -> int:
    """z3's work count so far (``rlimit count``: what a resource limit counts)."""
    return int(solver.statistics().get_key_value("rlimit count"))


class _SpacerJob:
    """A ``SpacerProof`` built and run in a child process (forked, so it inherits the
    encoding without serialising it, and building the problem, about 1-2 s on the seeds,
    does not hold up BMC); ``stop`` ends it.

    Not a thread: z3's Python objects free themselves from whichever thread runs the
    garbage collector, and a context is not thread-safe, so a proof thread next to BMC
    crashed the interpreter (segmentation fault in ``Z3_dec_ref``). A process also gets
    a CPU priority of its own (the lowest: on a busy machine BMC, which finds the
    counterexamples, must not wait for the proof attempt) and can be killed at once.
    Where ``fork`` is not available the proof runs in this process when it is awaited.
    """

    def __init__(
        self,
        build: Callable[[], SpacerProof],
        budget_ms: int,
        cpu_seconds: float | None,
        tries: int,
        cpu: bool = False,
    ) -> None:
        """``build``: makes the prover (in the child); ``budget_ms``: time for the
        attempt, shared by ``tries`` runs, wall-clock time or, with ``cpu``, the child's
        CPU time (the engine has a CPU budget and no wall-clock one: the same attempt on
        a busy machine); ``cpu_seconds``: the CPU time the child may use at most (a
        kernel limit, ``RLIMIT_CPU``: the attempt ends when it is spent)."""
        self.build = build
        self.budget_ms = budget_ms
        self.tries = tries
        self.cpu = cpu
        #: when the attempt's own time budget is spent (it ends then, give or take the
        #: moment z3 notices); None for a CPU-time budget: the child's end tells
        self.deadline = None if cpu else time.perf_counter() + budget_ms / 1000
        self._answer: SpacerAnswer | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        self._receiver: Connection | None = None
        # a worker of ``check --jobs`` is daemonic and may not have children: there the
        # attempt runs in this process when waited for (as where fork is missing)
        if (
            "fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon
        ):
            context = multiprocessing.get_context("fork")
            self._receiver, sender = context.Pipe(duplex=False)
            self._process = context.Process(
                target=_spacer_child,
                args=(build, budget_ms, cpu_seconds, tries, cpu, sender),
                name="z3-spacer",
            )
            self._process.daemon = True
            self._process.start()
            sender.close()

    def _receive(self, timeout: float | None) -> None:
        if self._answer is not None or self._receiver is None:
            return
        try:
            if self._receiver.poll(timeout):
                self._answer = self._receiver.recv()
        except (EOFError, OSError):  # the child died without an answer: no conclusion
            self._answer = SpacerAnswer(False, 0, 0.0)

    def answer(self) -> SpacerAnswer | None:
        """The answer once the proof attempt has ended, else None."""
        self._receive(0)
        return self._answer

    def wait(self, at_most: float | None = None) -> SpacerAnswer | None:
        """Until the attempt ends: its own time budget bounds the wait (plus
        ``SPACER_GRACE`` seconds), and so does ``at_most`` seconds (the caller's time
        budget left: a busy machine gives the child, at the lowest priority, little CPU,
        and z3 may notice its timeout late)."""
        if self._process is None:
            if self._answer is None:
                self._answer = self.build().prove(self.budget_ms, self.tries, self.cpu)
            return self._answer
        bounds = [] if at_most is None else [at_most]
        if self.deadline is not None:
            bounds.append(self.deadline - time.perf_counter() + SPACER_GRACE)
        self._receive(max(0.0, min(bounds)) if bounds else None)
        return self._answer

    def stop(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
        if self._process is not None:
            self._process.join()
        if self._receiver is not None:
            self._receiver.close()
            self._receiver = None


def _spacer_child(
    build: Callable[[], SpacerProof],
    budget_ms: int,
    cpu_seconds: float | None,
    tries: int,
    cpu: bool,
    sender: Connection,
) -> None:
    """The forked proof process: lowest priority, at most ``cpu_seconds`` of CPU time
    (then the kernel ends it: the parent reads no answer, so no proof), builds the
    problem, sends one answer back."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux: as it is
        os.nice(19)
    if cpu_seconds is not None:
        with contextlib.suppress(ImportError, ValueError, OSError):  # no rlimits: as it is
            import resource

            used = time.process_time()
            _, hard = resource.getrlimit(resource.RLIMIT_CPU)
            soft = int(used + cpu_seconds) + 1
            resource.setrlimit(resource.RLIMIT_CPU, (soft if hard < 0 else min(soft, hard), hard))
    try:
        answer = build().prove(budget_ms, tries, cpu)
    except Exception:  # no conclusion; the parent goes on without a proof
        answer = SpacerAnswer(False, 0, 0.0)
    sender.send(answer)
    sender.close()


class SmtEngine:
    """Z3 BMC + proofs; same ``check`` contract as ``ExplicitEngine``.

    ``induction`` turns the proof attempts on (k-induction alongside BMC, then IC3/PDR
    unless ``spacer`` is False); without it the engine only looks for counterexamples.
    ``layers`` lets the search start layer by layer (``layers``) while the reachable
    states are few; False searches the unrolling from the start. ``past_depth``: the
    layers may go past ``max_depth`` (a pair costs milliseconds, and a counterexample
    deeper than BMC's depth is as real as any: 79 steps on seed-intended with a 60 s DPD
    interval); False stops them there (a caller that asked for a shallow search).
    """

    name = "z3"

    def __init__(
        self,
        budget: Budget | None = None,
        max_depth: int = DEFAULT_DEPTH,
        induction: bool = True,
        spacer_seed: int = 0,
        spacer: bool = True,
        layers: bool = True,
        past_depth: bool = True,
    ) -> None:
        self.budget = budget or Budget()
        self.max_depth = max_depth
        self.induction = induction
        self.spacer_seed = spacer_seed
        self.spacer = spacer
        self.layers = layers
        self.past_depth = past_depth

    def check(self, system: TransitionSystem, plan: Plan) -> EngineResult:
        if plan.kind not in ("invariant", "bounded", "reachable", "temporal"):
            return EngineResult(
                Verdict.INCONCLUSIVE,
                Stats(),
                bound=plan.bound,
                reason=f"{plan.kind}: {UNSUPPORTED}",
            )
        search = _Search(system, plan, self.budget, self.max_depth, self.induction)
        search.spacer_seed = self.spacer_seed
        search.spacer = self.spacer
        search.layer_nodes = LAYER_NODES if self.layers else 0
        search.past_depth = self.past_depth
        return search.run()


# ---------------------------------------------------------------------- the predicate
def _observation(enc: Encoding, s: SState) -> list[tuple[IntT | BoolT, tuple[int | bool, ...]]]:
    """Symbolic observation features with every value they take within the ranges."""
    out: list[tuple[IntT | BoolT, tuple[int | bool, ...]]] = []
    for i in (0, 1):
        e = s.end(i)
        out += [
            (e.p2, (DOWN, UP)),
            (e.p1, (DOWN, CONNECTING, UP)),
            (e.sent, (False, True)),
            (e.sess != 0, (False, True)),
            (e.dpd_sent, tuple(range(enc.ends[i].dpd_probes + 1))),
        ]
    return out


def _representative(base: State, values: tuple[int | bool, ...]) -> State:
    """A concrete state with the given observation (the order of ``_observation``)."""
    ends = []
    for i in (0, 1):
        p2, p1, sent, sess, dpd_sent = values[5 * i : 5 * i + 5]
        ends.append(
            base.end(i)._replace(
                p2=p2, p1=p1, sent=bool(sent), sess=1 if sess else 0, dpd_sent=dpd_sent
            )
        )
    return base._replace(a=ends[0], b=ends[1])


class PredicateEncoder:
    """Tabulates ``plan.predicate`` over observations; builds terms for any state."""

    def __init__(self, enc: Encoding, predicate: Callable[[State], bool]) -> None:
        probe = _observation(enc, enc.ints.fresh_state("obs"))
        domains = [values for _, values in probe]
        self.domains = domains
        base = enc.initial
        self.table = {v: predicate(_representative(base, v)) for v in product(*domains)}
        self._cache: dict[tuple[int, ...], tuple[list[BoolT], BoolT]] = {}
        self._template: tuple[list[BoolT | IntT], BoolT] | None = None

    def term(self, s: SState, enc: Encoding) -> BoolT:
        # keyed on the observed fields (states built from one another share ``phase``);
        # the entry keeps them alive so that their ids cannot be reused
        feats = [t for t, _ in _observation(enc, s)]
        key = tuple(t.get_id() for t in feats)
        if key not in self._cache:
            self._cache[key] = (feats, self._instance(feats))
        return self._cache[key][1]

    def _instance(self, feats: list[BoolT | IntT]) -> BoolT:
        """The decision diagram is built once, over placeholder features of the same
        sorts, and instantiated per state by substitution (building it walks the whole
        table: tens of thousands of entries, too slow to repeat for every unrolled
        state)."""
        if self._template is None:
            holes = [z3.Const(f"obs!{n}", t.sort()) for n, t in enumerate(feats)]
            self._template = (holes, self._term(holes))
        holes, template = self._template
        return z3.substitute(template, *zip(holes, feats, strict=True))

    def _term(self, feats: list[BoolT | IntT]) -> BoolT:
        memo: dict[tuple[object, ...], BoolT] = {}

        # Build bottom-up: a sub-table is identified by its prefix; identical children
        # collapse, so a predicate of few atoms gives a small term.
        def build(level: int, prefix: tuple[int | bool, ...]) -> tuple[object, BoolT]:
            if level == len(self.domains):
                value = self.table[prefix]
                return value, z3.BoolVal(value)
            children = [build(level + 1, (*prefix, v)) for v in self.domains[level]]
            keys = tuple(k for k, _ in children)
            if all(k == keys[0] for k in keys):
                return keys[0], children[0][1]
            key = (level, keys)
            if key not in memo:
                feat = feats[level]
                term = children[-1][1]
                for v, (_, child) in zip(
                    reversed(self.domains[level][:-1]), reversed(children[:-1]), strict=True
                ):
                    cond = feat if v is True else (z3.Not(feat) if v is False else feat == v)
                    term = z3.If(cond, child, term)
                memo[key] = term
            return key, memo[key]

        return build(0, ())[1]


# ---------------------------------------------------------------------- search
@dataclass(frozen=True)
class _Invariant:
    """The candidates ``guessed`` from a sample plus "not bad" (the last one), and the
    indices of those proved inductive (``kept``)."""

    guessed: Guesses
    bad: Callable[[SState, IntT], BoolT]
    kept: tuple[int, ...] = ()

    def candidates(self, s: SState, c: IntT) -> list[BoolT]:
        return [*self.guessed.terms(s, c), z3.Not(self.bad(s, c))]

    @property
    def excludes_bad(self) -> bool:
        """Whether "not bad" is among the proved ones (the property holds)."""
        return len(self.guessed) in self.kept

    def at(self, s: SState, c: IntT) -> BoolT:
        """The proved invariants at ``s`` with monitor ``c`` (no term built when none
        was proved: this runs for every state of the k-induction unrolling)."""
        if not self.kept:
            return z3.BoolVal(True)
        terms = self.candidates(s, c)
        return z3.And([terms[n] for n in self.kept])


class _Search:
    def __init__(
        self, system: TransitionSystem, plan: Plan, budget: Budget, max_depth: int, induction: bool
    ) -> None:
        self.system = system
        self.plan = plan
        self.budget = budget.begun()
        self.max_depth = max_depth
        self.induction = induction
        self.kind = plan.kind
        self.bounded = plan.kind == "bounded"
        self.limit = plan.bound if plan.bound is not None else 0
        #: a temporal plan's obligation (``engines.monitor.Monitor``: c = -1 when none is
        #: open, else its seconds, 0 without a time limit)
        self.obligation = plan.obligation if plan.kind == "temporal" else None
        self.monitored = self.bounded or self.obligation is not None
        self.lowest = -1 if self.obligation is not None else 0
        self.initial_monitor = Monitor(plan).initial(system.initial())
        width = needed_width(
            system.params,
            max_depth,
            self.limit + max(p.dpd_retryinterval for p in system.params.ends),
        )
        self.enc = Encoding(system.params, system.semantics, ints=Ints(width))
        self.pred, self.trigger, self.hold = self._encoders(self.enc)
        self.cap = jump_cap(system.params, plan)
        self.started = time.perf_counter()
        self.spacer_seed = 0  # Spacer's random seed (benchmarks vary it)
        self.spacer = True  # IC3/PDR alongside BMC (when ``induction``)
        #: pairs the layered search may see before BMC over the unrolling takes over
        #: (0: the unrolling from the start)
        self.layer_nodes = LAYER_NODES
        #: the layers may go deeper than ``max_depth`` (``SmtEngine``'s ``past_depth``)
        self.past_depth = True
        self._spacer_job: _SpacerJob | None = None
        self._monitors: dict[int | None, DerivedMonitor] = {}
        #: inductive invariants every k-induction state satisfies (``_invariant``)
        self.strengthening: _Invariant | None = None

    # -------------------------------------------------------------- pieces
    def _seconds_left(self, grace: float = 0.0) -> float | None:
        """Wall-clock seconds left of the time budget (plus ``grace``), None without one."""
        if self.budget.timeout_seconds is None:
            return None
        return self.budget.timeout_seconds - (time.perf_counter() - self.started) + grace

    def _deadline_ms(self) -> int | None:
        """Milliseconds a query may still run: the wall-clock budget left and the CPU
        budget left (z3 can only stop a query on the wall clock, so under load a query
        may stop before the CPU budget is spent, never after)."""
        wall = self._seconds_left()
        lefts = [] if wall is None else [wall]
        if self.budget.cpu_deadline is not None:
            lefts.append(self.budget.cpu_deadline - time.process_time())
        return max(1, int(min(lefts) * 1000)) if lefts else None

    def _check(
        self,
        solver: z3.Solver,
        *assumptions: BoolT,
        cap_ms: int | None = None,
        rlimit: int | None = None,
    ) -> z3.CheckSatResult:
        """One incremental query under the remaining time budgets (and ``cap_ms``) and
        the per-query resource limits (``Budget.solver_rlimit`` and ``rlimit``: z3's
        deterministic count of work, the same on a busy machine)."""
        if self.budget.cpu_spent() is not None:
            return z3.unknown
        limits = [ms for ms in (self._deadline_ms(), cap_ms) if ms is not None]
        solver.set("timeout", min(limits) if limits else 4_294_967_295)
        works = [r for r in (self.budget.solver_rlimit, rlimit) if r is not None]
        solver.set("rlimit", min(works) if works else 0)
        return solver.check(*assumptions)

    def _encoders(
        self, enc: Encoding
    ) -> tuple[PredicateEncoder, PredicateEncoder | None, PredicateEncoder | None]:
        """The plan's predicate and a temporal plan's trigger and hold, as terms of ``enc``."""
        ob = self.obligation
        return (
            PredicateEncoder(enc, self.plan.predicate),
            None if ob is None or ob.trigger is None else PredicateEncoder(enc, ob.trigger),
            None if ob is None or ob.hold is None else PredicateEncoder(enc, ob.hold),
        )

    def _derived_monitor(self) -> DerivedMonitor:
        """The plan's monitor as templates in the current encoding's integer sort."""
        key = self.enc.ints.width
        if key not in self._monitors:
            self._monitors[key] = DerivedMonitor(self.plan, self.enc.ints)
        return self._monitors[key]

    def _reads(self, s: SState) -> Callable[[str], BoolT]:
        """The plan's predicate (``pred``) or a temporal plan's ``trigger`` or ``hold``
        at ``s``, built only when asked for."""
        encoders = {"pred": self.pred, "trigger": self.trigger, "hold": self.hold}

        def read(name: str) -> BoolT:
            encoder = encoders[name]
            if encoder is None:  # pragma: no cover - the monitor never reads a missing one
                raise InternalError(f"the monitor read a {name} the plan does not have")
            return encoder.term(s, self.enc)

        return read

    def _bad(self, s: SState, c: IntT) -> BoolT:
        """``engines.monitor.Monitor.hit`` on terms (derived from it: ``monitor_terms``)."""
        return self._derived_monitor().bad(c, self._reads(s))

    def _monitor(self, s: SState, s2: SState, c: IntT, step: Step) -> IntT:
        """Next monitor value (``Monitor.step``; a delay adding d)."""
        tick, delay = step.events[("tick", -1)], step.events[("delay", -1)]
        return self._monitor_of(s, s2, c, tick, delay, step.d)

    def _monitor_of(
        self, s: SState, s2: SState, c: IntT, tick: BoolT, delay: BoolT, d: IntT
    ) -> IntT:
        """``_monitor`` for a step of ``d`` seconds (a tick, a delay, else zero time),
        derived from ``Monitor.step`` (``monitor_terms``)."""
        return self._derived_monitor().step(c, tick, delay, d, self._reads(s), self._reads(s2))

    def _unroll_step(
        self, states: list[SState], mons: list[IntT], steps: list[Step], tag: str
    ) -> BoolT:
        t = len(steps)
        s2 = self.enc.ints.fresh_state(f"{tag}{t + 1}")
        rel, step = transition(self.enc, states[t], s2, f"{tag}{t}", cap=self.cap)
        c2 = self.enc.ints.var(f"{tag}{t + 1}.c")
        parts = [rel]
        if self.monitored:
            parts.append(c2 == self._monitor(states[t], s2, mons[t], step))
        else:
            parts.append(c2 == 0)
        states.append(s2)
        mons.append(c2)
        steps.append(step)
        return z3.And(parts)

    def _stats(self, depth: int, seconds_model: int = 0) -> Stats:
        return Stats(
            depth=depth, seconds=time.perf_counter() - self.started, simulated_seconds=seconds_model
        )

    def _timeout(self, depth: int) -> EngineResult:
        """INCONCLUSIVE: a query gave up (which budget says the reason)."""
        budget = self.budget
        wall = budget.timeout_seconds
        why = budget.cpu_spent()
        if why is None and wall is not None and self._deadline_ms() == 1:
            why = f"time budget of {wall:g} s reached"
        if why is None and budget.cpu_seconds is not None and self._deadline_ms() == 1:
            why = f"CPU budget of {budget.cpu_seconds:g} s reached (on the wall clock)"
        if why is None and budget.solver_rlimit is not None:
            why = f"z3 resource limit of {budget.solver_rlimit} per query reached"
        if why is None:
            why = "z3 answered unknown"
        return EngineResult(
            Verdict.INCONCLUSIVE,
            self._stats(depth),
            bound=self.plan.bound,
            reason=f"{why} (no counterexample up to {depth} steps)",
        )

    # -------------------------------------------------------------- main loop
    def run(self) -> EngineResult:
        """The search (module doc); the Spacer process, if any, ends with it."""
        try:
            return self._run()
        finally:
            if self._spacer_job is not None:
                self._spacer_job.stop()

    def _run(self) -> EngineResult:
        """Deepen a window of ``STRIDE`` depths at a time: the base case (BMC) asks for a
        bad state at any depth of the window (one query instead of one per depth: every
        query costs time in proportion to the unrolling), and only a window that has one
        is searched depth by depth for the first; the inductive step runs at the depths
        of ``INDUCTION_DEPTHS`` the base case has covered. Both solvers are incremental
        and grow by one unrolled step at a time; queries are assumptions."""
        ints = self.enc.ints
        s0 = ints.fresh_state("b0")
        c0 = ints.var("b0.c")
        base = z3.SolverFor("QF_BV")
        base.add(
            states_equal(s0, ints.const_state(self.system.initial())), c0 == self.initial_monitor
        )
        states, mons = [s0], [c0]
        steps: list[Step] = []
        ind = z3.SolverFor("QF_BV")
        i_states = [ints.fresh_state("i0")]
        i_mons = [ints.var("i0.c")]
        i_steps: list[Step] = []
        ind.add(self.enc.ranges(i_states[0], i_mons[0], self.limit, self.lowest))
        # ``prove``: proofs are tried (off once a sampled run has violated the property:
        # there is none to find, and BMC gets the time)
        prove = self.induction
        sampled_hit = False
        gave_up: int | None = None  # the k at which k-induction gave up
        if prove:
            points = sample(self.system, self.plan)
            sampled_hit = points.hit
            prove = not sampled_hit
            if prove and (not points.complete or points.families) and self.spacer:
                # a partial sample rarely gives Houdini the invariant, and the families'
                # check may fail or run out of its time: Spacer starts now, on the other
                # core, rather than after them and the first window
                self._spacer_job = self._spacer_start()
        if prove and points.families:
            if self._cover_proved(points) is True:
                return self._proved_by_cover(len(points.families))
            # not inductive (or out of time): the families are no candidate for the
            # bit-vector rounds below, which they would slow down
            points = Sample(points.points, False, points.hit)
        # layer by layer while the reachable pairs are few (``layers``): the shortest
        # counterexample, or every reachable pair (a proof: no guessing needed), or
        # depths without one for BMC to skip; when proving, past BMC's depth too
        covered = -1  # no bad state at depths 0..covered
        checked = self.max_depth  # the depth a HOLDS_UP_TO answer states
        if self.layer_nodes:
            layers = self._layers()
            cap = self.layer_nodes
            if prove and points.complete:
                # the model's reachable set is small (sampled whole): so is the relation's
                cap += len(points.points)
            # past BMC's depth too: a pair costs milliseconds, and a counterexample
            # deeper than ``max_depth`` (79 steps on seed-intended with a 60 s DPD
            # interval) is as real as any
            explored = layers.explore(None if prove or self.past_depth else self.max_depth, cap)
            if explored.bad_at is not None:
                return self._found_in_layers(layers, explored.bad_at)
            if explored.exhausted:
                # a proof about the bit-vector relation: it is the model's on the value
                # ranges, which must hold of every state (as for k-induction)
                if not self._ranges_checked():
                    return self._timeout(explored.clean)
                return self._proved_by_enumeration(explored.nodes, explored.clean)
            covered = min(explored.clean, self.max_depth)
            checked = max(checked, explored.clean)
        if prove:
            invariant = self._invariant(points)
            if invariant is None:
                return self._timeout(0)
            self.strengthening = invariant
            if invariant.excludes_bad:
                return self._proved(1)
            ind.add(invariant.at(i_states[0], i_mons[0]))
            if not self._ranges_checked():  # a budget ran out before the first query
                return self._timeout(0)
        tried = 0  # deepest inductive step tried
        while covered < self.max_depth:
            if covered >= 0 and self._spacer_job is None and prove and self.spacer:
                self._spacer_job = self._spacer_start()
            proof = self._spacer_answer(wait=False)
            if proof is not None:
                return proof
            window = range(covered + 1, min(covered + STRIDE, self.max_depth) + 1)
            while len(steps) < window[-1]:
                base.add(self._unroll_step(states, mons, steps, "b"))
            bads = {d: self._bad(states[d], mons[d]) for d in window}
            verdict = self._check(base, z3.Or(list(bads.values())))
            if verdict == z3.unknown:
                return self._spacer_answer(wait=False) or self._timeout(window[0])
            if verdict == z3.sat:
                for d in window:
                    verdict = self._check(base, bads[d])
                    if verdict == z3.unknown:
                        return self._spacer_answer(wait=False) or self._timeout(d)
                    if verdict == z3.sat:
                        return self._found(base, base.model(), states, mons, steps, d)
                    base.add(z3.Not(bads[d]))
                raise InternalError("z3: a bad state in a window of depths but at none of them")
            for bad in bads.values():
                base.add(z3.Not(bad))  # implied: these depths have no bad state
            covered = window[-1]
            # inductive step of depth k: k good states on a simple path, then a bad one
            # (sound for any k up to ``covered``, the depths the base case has checked)
            todo = [k for k in INDUCTION_DEPTHS if tried < k <= covered]
            if prove and gave_up is None and todo:
                k = tried = todo[-1]
                while len(i_steps) < k:
                    self._unroll_induction(ind, i_states, i_mons, i_steps)
                verdict = self._check(
                    ind, self._bad(i_states[k], i_mons[k]), cap_ms=INDUCTION_STEP_MS
                )
                if verdict == z3.unsat:
                    return self._proved(k)
                if verdict == z3.unknown:  # too hard to decide: keep BMC going alone
                    gave_up = k
        if prove and self.spacer:
            if self._spacer_job is None:
                self._spacer_job = self._spacer_start()
            proof = self._spacer_answer(wait=True)
            if proof is not None:
                return proof
        stats = self._stats(checked)
        induction = (
            "a sampled run of the model violates it deeper than that, so no proof was tried"
            if sampled_hit
            else "no proof was tried"
            if not self.induction
            else f"k-induction did not close up to k={tried}"
            if gave_up is None
            else f"k-induction gave up at k={gave_up} (step query over "
            f"{INDUCTION_STEP_MS / 1000:g} s)"
        )
        if prove and self._spacer_job is not None:
            share = self._spacer_job.budget_ms / 1000
            induction += f"; IC3/PDR (Spacer) found no invariant within {share:.0f} s"
        if self.kind == "reachable":
            return EngineResult(
                Verdict.INCONCLUSIVE,
                stats,
                bound=checked,
                reason=f"no witness up to {checked} steps; {induction}",
            )
        return EngineResult(
            Verdict.HOLDS_UP_TO,
            stats,
            bound=checked,
            reason=f"no counterexample up to {checked} steps (BMC); {induction}",
            facts={"steps": checked},
        )

    def _unroll_induction(
        self, ind: z3.Solver, states: list[SState], mons: list[IntT], steps: list[Step]
    ) -> None:
        """One more step of the inductive-step unrolling: the last state good, a step,
        the new state within the ranges and distinct from every earlier one."""
        k = len(steps)
        ind.add(z3.Not(self._bad(states[k], mons[k])))
        ind.add(self._unroll_step(states, mons, steps, "i"))
        new = states[-1]
        ind.add(self.enc.ranges(new, mons[-1], self.limit, self.lowest))
        if self.strengthening is not None:
            ind.add(self.strengthening.at(new, mons[-1]))
        for old, c_old in zip(states[:-1], mons[:-1], strict=True):
            ind.add(z3.Not(z3.And(states_equal(old, new), c_old == mons[-1])))

    def _invariant(self, points: Sample) -> _Invariant | None:
        """Inductive invariants guessed from ``points``, a sample of the model, and
        checked against the relation (``houdini``), "not bad" the last candidate (None:
        a budget ran out; none kept when a partial sample's ``PARTIAL_SAMPLE_MS`` did)."""
        guessed = Guesses(points, self.enc.ints, self.lowest)
        # a partial sample rarely gives an invariant strong enough (the seeds: 31 s of
        # rounds for one k-induction could not use), so it gets a short time share
        stop = None if points.complete else time.perf_counter() + PARTIAL_SAMPLE_MS / 1000
        capped = False

        def check(solver: z3.Solver, *assumptions: BoolT) -> z3.CheckSatResult:
            nonlocal capped
            if stop is None:
                return self._check(solver, *assumptions)
            left = int((stop - time.perf_counter()) * 1000)
            own = self._deadline_ms()
            capped = own is None or left < own
            return z3.unknown if left <= 0 else self._check(solver, *assumptions, cap_ms=left)

        ints = self.enc.ints
        states, mons = [ints.fresh_state("h0")], [ints.var("h0.c")]
        # no value ranges assumed: they are checked inductive only after this
        relation = self._unroll_step(states, mons, [], "h")
        initial = ints.const_state(self.system.initial()), ints.val(self.initial_monitor)
        invariant = _Invariant(guessed, self._bad)
        kept = strongest_invariant(
            invariant.candidates(*initial),
            invariant.candidates(states[0], mons[0]),
            invariant.candidates(states[1], mons[1]),
            relation,
            check,
        )
        if kept is None:
            return _Invariant(guessed, self._bad) if capped else None
        return _Invariant(guessed, self._bad, tuple(kept))

    def _cover_proved(self, points: Sample) -> bool | None:
        """Whether the walk's families (``cover``, in ``points``) are an inductive
        invariant of the relation that excludes every bad state: then the property holds.

        Checked over mathematical integers (the families' round counts are quotients by
        the period, which bit-blasting turns into division circuits: 183 s on seed-fixed
        against 3 s of linear arithmetic), one query per family (the states of one family
        are either bad or step outside all of them), within ``COVER_RLIMIT`` units of
        z3's work in all (a count, not a time: the verdict does not depend on the
        machine's load). None: out of budget."""
        saved = (self.enc, self.pred, self.trigger, self.hold)
        try:
            self.enc = Encoding(self.system.params, self.system.semantics, ints=INTEGERS)
            self.pred, self.trigger, self.hold = self._encoders(self.enc)
            ints = self.enc.ints
            guessed = Guesses(points, ints, self.lowest)
            start = ints.const_state(self.system.initial()), ints.val(self.initial_monitor)
            if not z3.is_true(z3.simplify(guessed.terms(*start)[0])):
                return False
            states, mons = [ints.fresh_state("f0")], [ints.var("f0.c")]
            relation = self._unroll_step(states, mons, [], "f")
            solver = z3.SolverFor("QF_LIA")
            after = guessed.terms(states[1], mons[1])[0]
            solver.add(z3.Or(self._bad(states[0], mons[0]), z3.And(relation, z3.Not(after))))
            spent = 0
            for n, member in enumerate(guessed.family_terms(states[0], mons[0])):
                left = COVER_RLIMIT - spent
                chosen = z3.Bool(f"cover.{n}")
                solver.add(z3.Implies(chosen, member))
                before = _work(solver)
                answer = z3.unknown if left <= 0 else self._check(solver, chosen, rlimit=left)
                spent += _work(solver) - before
                if answer != z3.unsat:
                    return None if answer == z3.unknown else False
            return True
        finally:
            self.enc, self.pred, self.trigger, self.hold = saved

    def _layers(self) -> Layers:
        """The layered search's state (``layers``), rooted in the initial pair."""
        ints = self.enc.ints
        initial = self.system.initial()
        root_bad = z3.Solver()
        root_bad.add(self._bad(ints.const_state(initial), ints.val(self.initial_monitor)))
        one = OneStep(ints, self._unroll_step, self._bad, self._check)
        return Layers(one, (initial, self.initial_monitor), root_bad.check() == z3.sat)

    def _found_in_layers(self, layers: Layers, k: int) -> EngineResult:
        """``_found`` from the layers: the shortest counterexample has ``k`` steps."""
        # (a proof's search may go deeper than BMC would: a counterexample found there
        # keeps its slack)
        longest = min(k + SECONDS_SLACK, max(self.max_depth, k))
        path = layers.fewest(k, longest)
        if path is None:
            return self._timeout(k)

        def find(path: list[PathStep], t: int, here: Taken, fixed: Fixed) -> list[PathStep] | None:
            # the fixed choices before step t decide ``path``'s first t steps
            return layers.alternative(
                path, t, lambda step: [p.alternatives(step)[m] for p, m in here]
            )

        return self._report(path, k, layers.seconds, longest, find)

    def _proved_by_enumeration(self, pairs: int, depth: int) -> EngineResult:
        """Every reachable (state, monitor) pair of the relation enumerated (the last
        new one at ``depth``), none bad."""
        how = f"every reachable state of the z3 step relation enumerated ({pairs} with the monitor)"
        facts: dict[str, object] = {"proof": "enumeration", "states": pairs}
        if self.kind == "reachable":
            return EngineResult(
                Verdict.VIOLATED,
                self._stats(depth),
                reason=f"no reachable state satisfies the formula ({how})",
                facts=facts,
            )
        return EngineResult(
            Verdict.HOLDS,
            self._stats(depth),
            bound=self.plan.bound,
            reason=f"proved: {how}, none a violation",
            facts=facts,
        )

    def _proved_by_cover(self, families: int) -> EngineResult:
        return EngineResult(
            Verdict.HOLDS,
            self._stats(1),
            bound=self.plan.bound,
            reason=f"proved: the {families} families of states a walk of the model reached "
            "are an inductive invariant that excludes every bad state (checked by z3)",
            facts={"k": 1, "proof": "cover", "families": families},
        )

    def _ranges_checked(self) -> bool:
        """``_ranges_inductive`` before a proof relies on the ranges: False when a budget
        stopped the query; an internal error when they are not inductive."""
        ranges = self._ranges_inductive()
        if ranges != z3.unsat and ranges != z3.unknown:
            raise InternalError("value ranges of the z3 encoding are not inductive")
        return bool(ranges == z3.unsat)

    def _ranges_inductive(self) -> z3.CheckSatResult:
        """Initial state in range, and range preserved by every transition: ``unsat``
        (``unknown`` when a budget stops the query)."""
        s, s2 = self.enc.ints.fresh_state("r0"), self.enc.ints.fresh_state("r1")
        rel, _ = transition(self.enc, s, s2, "r", cap=self.cap)
        init = self.enc.ints.const_state(self.system.initial())
        query = z3.Or(
            z3.And(self.enc.ranges(s), rel, z3.Not(self.enc.ranges(s2))),
            z3.Not(z3.substitute(self.enc.ranges(s), *zip(flat(s), flat(init), strict=True))),
        )
        solver = z3.SolverFor("QF_BV")
        solver.add(query)
        return self._check(solver)

    # -------------------------------------------------------------- IC3/PDR (Spacer)
    def _spacer_start(self) -> _SpacerJob:
        """Start the Spacer proof (over mathematical integers, ``proof``'s doc) in a child
        (``_SpacerJob``) that builds and solves the problem, so BMC goes on meanwhile on
        the other core."""
        budget_ms = SPACER_SECONDS * 1000
        left = self._seconds_left()
        if left is not None:
            budget_ms = max(1, min(budget_ms, int(left * 1000)))
        cpu = self.budget.cpu_deadline
        cpu_seconds = None if cpu is None else max(1.0, cpu - time.process_time())
        by_cpu = False
        if left is None and cpu_seconds is not None:  # a CPU budget only: CPU-time shares
            by_cpu = True
            budget_ms = max(1, min(budget_ms, int(cpu_seconds * 1000)))
        tries = max(1, min(SPACER_TRIES, budget_ms // (SPACER_TRY_SECONDS * 1000)))
        return _SpacerJob(self._spacer_prover, budget_ms, cpu_seconds, tries, by_cpu)

    def _spacer_prover(self) -> SpacerProof:
        """The Spacer problem; the monitor and predicate terms come from ``self.enc`` and
        ``self.pred``, switched to the integer encoding while its terms are built."""
        saved = (self.enc, self.pred, self.trigger, self.hold)
        try:
            self.enc = Encoding(self.system.params, self.system.semantics, ints=INTEGERS)
            self.pred, self.trigger, self.hold = self._encoders(self.enc)
            return SpacerProof(
                self.enc,
                self.system.initial(),
                self._bad,
                self._monitor_of,
                self._monitor,
                self.cap,
                self.limit,
                seed=self.spacer_seed,
                initial_monitor=self.initial_monitor,
                lowest=self.lowest,
            )
        finally:
            self.enc, self.pred, self.trigger, self.hold = saved

    def _spacer_answer(self, wait: bool) -> EngineResult | None:
        """The Spacer job's proof, if it has one (``wait``: until it ends or the time
        budget does)."""
        job = self._spacer_job
        if job is None:
            return None
        answer = job.wait(self._seconds_left(SPACER_GRACE)) if wait else job.answer()
        if answer is None or not answer.proved:
            return None
        stats = self._stats(0)
        facts: dict[str, object] = {"proof": "spacer", "lemmas": answer.lemmas}
        how = f"IC3/PDR (Spacer): inductive invariant of {answer.lemmas} lemmas, checked"
        if self.kind == "reachable":
            return EngineResult(
                Verdict.VIOLATED,
                stats,
                reason=f"no reachable state satisfies the formula ({how})",
                facts=facts,
            )
        return EngineResult(
            Verdict.HOLDS, stats, bound=self.plan.bound, reason=f"proved by {how}", facts=facts
        )

    def _spacer_proof(self) -> EngineResult | None:
        """The IC3/PDR proof step alone (``proof``): HOLDS (VIOLATED for
        ``reachable``) when Spacer finds an invariant, checked against the transition
        relation; ``None`` when it finds a bad state or runs out of its share of the time
        budget."""
        self._spacer_job = self._spacer_start()
        try:
            return self._spacer_answer(wait=True)
        finally:
            self._spacer_job.stop()

    def _proved(self, k: int) -> EngineResult:
        stats = self._stats(k)
        lemmas = 0 if self.strengthening is None else len(self.strengthening.kept)
        if self.kind == "reachable":
            return EngineResult(
                Verdict.VIOLATED,
                stats,
                reason=f"no reachable state satisfies the formula (k-induction, k={k}, "
                f"{lemmas} invariants)",
                facts={"k": k, "lemmas": lemmas},
            )
        return EngineResult(
            Verdict.HOLDS,
            stats,
            bound=self.plan.bound,
            reason=f"proved by k-induction (k={k}) with {lemmas} invariants",
            facts={"k": k, "lemmas": lemmas},
        )

    # -------------------------------------------------------------- counterexamples
    def _canonical(
        self,
        path: list[PathStep],
        reached: Callable[[list[PathStep]], int],
        find: Alternative,
    ) -> list[PathStep]:
        """Fix the choice points step by step to the first alternative that still reaches
        the goal (``canonical``); ``path`` reaches it, first at depth ``reached(path)``.
        Steps from that depth on are not fixed: the fixed prefix already decides the path
        up to it (and the goal there), so no later choice can change the printed path.
        ``find(path, t, here, fixed)``: a path to the goal taking the choices ``here`` at
        step t and the ``fixed`` ones before (which ``path`` takes), or None."""
        fixed: Fixed = []  # (step, choice point, alternative)
        t = 0
        while t < reached(path):
            # the choice points are asked again after each fix: taking another end's event
            # first changes which outcomes the step has
            done = 0  # choice points of step t fixed so far
            points = choice_points(self.system.semantics, self.enc.phases, path[t])
            while done < len(points):
                path, n = self._first_alternative(path, t, points[done], fixed, find)
                if n is not None:
                    fixed.append((t, points[done], n))
                done += 1
                points = choice_points(self.system.semantics, self.enc.phases, path[t])
            t += 1
        return path

    def _first_alternative(
        self,
        path: list[PathStep],
        t: int,
        point: ChoicePoint,
        fixed: Fixed,
        find: Alternative,
    ) -> tuple[list[PathStep], int | None]:
        """The first alternative of ``point`` at step t that still reaches the goal with
        the ``fixed`` ones, and a path that takes it (``_canonical``); None for the last
        alternative when ``path`` does not take it either (nothing to fix then)."""
        alternatives = point.alternatives(path[t].step)
        for n, lit in enumerate(alternatives):
            if path[t].holds(lit):
                return path, n
            if n == len(alternatives) - 1:
                break
            here = [(p, m) for tt, p, m in fixed if tt == t] + [(point, n)]
            other = find(path, t, here, fixed)
            if other is not None:
                return other, n
        return path, None

    def _detour(
        self,
        path: list[PathStep],
        t: int,
        choices: Taken,
        limit: int,
        longest: int,
    ) -> list[PathStep] | None:
        """``path`` with steps replacing ``path[t : t + w]`` (``canonical``): the
        ``choices`` taken at step t, from the same concrete state to the same one (monitor
        included) in no more seconds. ``limit``: the depth of the violation, which the
        replaced steps may not pass; the detour may be longer by as many steps as the
        violation may move later (to depth ``longest``): the other end going first can
        cost a step."""
        w = min(DETOUR_STEPS, limit - t)
        if w < 1:
            return None
        ints = self.enc.ints
        first, last = path[t], path[t + w - 1]
        start = ints.const_state(read_state(first.model, first.here))
        end = ints.const_state(read_state(last.model, last.there))
        budget = sum(piece.seconds for piece in path[t : t + w])
        # one unrolling, grown a step per length tried; the end of each length is pinned
        # in a scope of its own
        states, mons = [ints.fresh_state("j0")], [ints.var("j0.c")]
        steps: list[Step] = []
        local = z3.SolverFor("QF_BV")
        local.add(states_equal(states[0], start), mons[0] == first.value(first.mon_here))
        local.add(self._unroll_step(states, mons, steps, "j"))
        local.add(*(point.alternatives(steps[0])[n] for point, n in choices))
        for length in range(w, w + longest - limit + 1):
            while len(steps) < length:
                local.add(self._unroll_step(states, mons, steps, "j"))
            bits = sum_width(self.system.params, length, self.limit)
            spent = sum(ints.widen(st.seconds(), bits) for st in steps)
            local.push()
            local.add(
                states_equal(states[length], end),
                mons[length] == last.value(last.mon_there),
                spent <= budget,
            )
            if self._check(local) == z3.sat:
                detour = path_steps(local.model(), states, mons, steps, self._bad)
                return path[:t] + detour + path[t + w :]
            local.pop()
        return None

    def _found(
        self,
        solver: z3.Solver,
        first: z3.ModelRef,
        states: list[SState],
        mons: list[IntT],
        steps: list[Step],
        k: int,
    ) -> EngineResult:
        """The printed counterexample, given that the shortest one has ``k`` steps.

        Among the counterexamples of ``k`` .. ``k + SECONDS_SLACK`` steps (a zero-time
        event more can buy an earlier violation), the fewest seconds of model time; among
        those, the first in exploration order (``_canonical``). Then decode and replay.
        ``first`` (a counterexample of ``k`` steps) bounds the seconds: the search starts
        below its seconds rather than re-proving that bound with the longer unrolling.
        """
        depths = range(k, min(k + SECONDS_SLACK, self.max_depth) + 1)
        while len(steps) < depths[-1]:
            solver.add(self._unroll_step(states, mons, steps, "b"))
        bits = sum_width(self.system.params, depths[-1], self.limit)
        ints = self.enc.ints
        prefix = [ints.widen(ints.val(0), bits)]
        for st in steps[: depths[-1]]:
            prefix.append(prefix[-1] + ints.widen(st.seconds(), bits))
        totals = [prefix[d] for d in depths]
        bads = [self._bad(states[d], mons[d]) for d in depths]

        def goal(seconds: int) -> BoolT:
            # steps take no negative time, so every prefix of a path within ``seconds``
            # is: implied, but it lets the solver cut a path off as soon as it is too slow
            early = [t <= seconds for t in prefix[1 : k + 1]]
            return z3.And(
                *early, z3.Or([z3.And(b, t <= seconds) for b, t in zip(bads, totals, strict=True)])
            )

        def best(model: z3.ModelRef) -> int:
            return min(
                int_value(model, t)
                for b, t in zip(bads, totals, strict=True)
                if z3.is_true(model.eval(b, model_completion=True))
            )

        # ``first`` assigns the steps up to k only; past the time budget a query answers
        # unknown, and the best model so far is kept
        model, seconds = first, int_value(first, totals[0])
        while self._check(solver, goal(seconds - 1)) == z3.sat:
            model = solver.model()
            seconds = best(model)

        def path_of(model: z3.ModelRef) -> list[PathStep]:
            return path_steps(model, states, mons, steps[: depths[-1]], self._bad)

        def find(path: list[PathStep], t: int, here: Taken, fixed: Fixed) -> list[PathStep] | None:
            """A detour where one exists, else a query over the unrolling."""
            limit = self._reached(path, k, seconds, depths[-1])
            detour = self._detour(path, t, here, limit, depths[-1])
            if detour is not None:
                return detour
            chosen = [f for f in fixed if f[0] != t] + [(t, p, m) for p, m in here]
            lits = [p.alternatives(steps[tt])[m] for tt, p, m in chosen]
            if self._check(solver, goal(seconds), *lits) == z3.sat:
                return path_of(solver.model())
            return None

        return self._report(path_of(model), k, seconds, depths[-1], find)

    def _reached(self, path: list[PathStep], k: int, seconds: int, longest: int) -> int:
        """The first depth (k or later) at which ``path`` is at a violation within
        ``seconds``: the goal of the printed counterexample (``_found``)."""
        if k == 0:  # the initial state itself (a path of the layers has no step then)
            return 0
        spent = 0
        for d, piece in enumerate(path[:longest], start=1):
            spent += piece.seconds
            if spent > seconds:
                break
            if d >= k and piece.bad:
                return d
        raise InternalError("the z3 counterexample no longer reaches the violation")

    def _report(
        self, path: list[PathStep], k: int, seconds: int, longest: int, find: Alternative
    ) -> EngineResult:
        """The result for ``path``, a counterexample of the fewest ``seconds`` among those
        of ``k`` .. ``longest`` steps: put in canonical order (``find`` answers its
        questions), decoded and replayed."""

        def reached(p: list[PathStep]) -> int:
            return self._reached(p, k, seconds, longest)

        path = self._canonical(path, reached, find)
        labels = self._decode(path[: reached(path)])
        labels = self._replay_and_cut(labels)
        verdict = Verdict.HOLDS if self.kind == "reachable" else Verdict.VIOLATED
        secs = sum(1 for lb in labels if lb.kind == "tick")
        return EngineResult(
            verdict,
            self._stats(k, secs),
            Path(tuple(labels)),
            bound=self.plan.bound,
            reason="witness found" if verdict is Verdict.HOLDS else "counterexample found",
            facts={"steps": k, "seconds": secs},
        )

    def _decode(self, path: list[PathStep]) -> list[Label]:
        """The labels of ``path``: a delay becomes that many ticks, an urgent event the
        successor of ``TransitionSystem.successors`` the model's next state equals."""
        labels: list[Label] = []
        sem = self.system.semantics
        for t, piece in enumerate(path):
            model, step = piece.model, piece.step
            here = read_state(model, piece.here)
            there = read_state(model, piece.there)
            kind, end = next(k for k, v in step.events.items() if piece.holds(v))
            if kind in ("tick", "delay"):
                ab = piece.holds(step.choices.ab)
                ba = piece.holds(step.choices.ba)
                faulty = kind == "tick" and self.system.params.faults.tick_faults
                fault = piece.value(step.choices.fault) if faulty else 0
                bits = (1 if ab else 0) | (2 if ba else 0) | fault << 2
                n = 1 if kind == "tick" else piece.value(step.d)
                labels += [Label("tick", -1, bits)] * n
                state = here
                for _ in range(n):
                    state = sem.replay_step(state, Label("tick", -1, bits)).state
                if state != there:
                    raise InternalError(
                        f"z3 step {t} ({kind} x{n}) disagrees with the model: {state} != {there}"
                    )
                continue
            match = [
                lb
                for lb, s2 in self.system.successors(here)
                if lb.kind == kind and lb.end == end and s2 == there
            ]
            if not match:
                raise InternalError(
                    f"z3 step {t} ({kind} at end {end}) has no matching "
                    f"successor in the model from {here}"
                )
            labels.append(match[0])
        return labels

    def _replay_and_cut(self, labels: list[Label]) -> list[Label]:
        """Replay from the initial state; stop at the first concrete violation/witness
        (the rules of ``engines.monitor.Monitor``, which every engine's replay reads)."""
        monitor = Monitor(self.plan)
        state = self.system.initial()
        c = monitor.initial(state)
        if monitor.hit(state, c):
            return []
        for n, label in enumerate(labels):
            try:
                nxt = self.system.replay_step(state, label).state
            except ValueError as exc:
                raise InternalError(
                    f"z3 counterexample does not replay at step {n} ({label}): {exc}"
                ) from exc
            c = monitor.step(c, label, state, nxt)
            state = nxt
            if monitor.hit(state, c):
                return labels[: n + 1]
        raise InternalError(
            "z3 counterexample replays but does not violate the property "
            "(predicate reads more than the observation?)"
        )


@dataclass(frozen=True)
class MonitorTerms:
    """A plan's monitor as the z3 engine unrolls it, for other interpreters of the
    step relation (``benchmarks/spin/promela.py`` prints it as Promela).

    ``step(s, s2, c, tick, delay, d)`` is the counter after a step from ``s`` (counter
    ``c``) to ``s2``; ``bad(s, c)`` is ``engines.monitor.Monitor.hit``; ``initial`` the
    counter in the initial state and ``lowest`` its smallest value."""

    encoding: Encoding
    initial: int
    lowest: int
    bad: Callable[[SState, IntT], BoolT]
    step: Callable[[SState, SState, IntT, BoolT, BoolT, IntT], IntT]


def monitor_terms(system: TransitionSystem, plan: Plan) -> MonitorTerms:
    """``plan``'s monitor over mathematical integers (the sort Spacer uses)."""
    search = _Search(system, plan, Budget(), 1, induction=False)
    search.enc = Encoding(system.params, system.semantics, ints=INTEGERS)
    search.pred, search.trigger, search.hold = search._encoders(search.enc)
    return MonitorTerms(
        search.enc, search.initial_monitor, search.lowest, search._bad, search._monitor_of
    )


__all__ = ["UNSUPPORTED", "MonitorTerms", "PredicateEncoder", "SmtEngine", "monitor_terms"]
