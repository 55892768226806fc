"""Checking many tunnels: symmetry between identical tunnels, and one process per core.

``ipsecmc check`` on a hub with a thousand spokes has thousands of (tunnel, property)
searches. Two reductions make that fast without changing any verdict or trace:

**Symmetry.** Tunnels share nothing (the model has one transition system per tunnel), and a
tunnel's transition system is a function of its ``TunnelParams`` alone: ``Semantics(params)``
computes the initial state and the successors, and the ends' names, addresses, config
locations, the local-in verdict's policy id and reason text, and the traffic profile's
spelling are read only to write the *notes* of a step (the text of a trace), never to decide
which steps exist or which state they lead to. States hold no names. So two tunnels whose
parameters are equal once those strings are blanked (:func:`symmetry_key`) have the *same*
initial state and the same successor function, i.e. isomorphic (in fact identical) state
graphs under the identity map; if the property's atoms also resolve to the same end
indices (``up(end_a)`` and ``up(hub)`` both mean end 0 on every hub tunnel), the state
predicate is the same too, and so is the bound (``default_bound`` reads timers only). Every
engine is a deterministic function of (graph, predicate, bound, budget), so it returns the
same verdict, statistics and path of labels for both. The search runs once per class; its
path is replayed through each member's *own* system (``ipsecmc.trace.replay``), which
checks every step again and yields notes naming that member's gateways, addresses and
config lines. A replay that fails would be an ``InternalError``, never a silent reuse.
Only the wall-clock budget (``--timeout``) and the measured seconds are not functions of
the graph: a class whose search ran out of time reports INCONCLUSIVE for every member (sound:
INCONCLUSIVE claims nothing), and a shared result carries the first member's statistics.

**Processes.** The distinct searches are independent, so they run in a pool of worker
processes (``jobs``), forked so that the built systems are inherited rather than pickled.
As each search is answered, its members are *finished* in the same pool: each member's
counterexample is replayed through its own system (the replay checks it), and, when the
caller passes a renderer (``ipsecmc check --format json`` does), each member is rendered
there, so only text comes back to the parent. Shipping ``Trace`` objects instead was the
bottleneck: a blocked spoke's recovery witness has ~11,500 events, a thousand-spoke hub
about a million, and unpickling them cost the parent more than the workers saved. A
witness of a property that holds is otherwise replayed only when someone reads
``PropertyResult.trace`` (in the parent, once). Results are collected in the order of the
sequential loop (tunnel by tunnel, property by property), so the report is identical for
any ``jobs``; ``jobs=1`` (or a single result, or a platform without ``fork``) runs the
same steps in-process. An error raised in a worker is re-raised in the parent as the same
ipsecmc error (clean message, exit code 2).

**Ctrl-C.** The workers ignore SIGINT (a terminal sends it to the whole process group):
the parent alone stops, collects what is answered, terminates the pool and raises
:class:`SearchesInterrupted` with every result, the unanswered ones INCONCLUSIVE
(:func:`ipsecmc.workflows.tunnel_check.interrupted_result`), so ``ipsecmc check`` can
still report them; no worker prints a traceback.
"""

from __future__ import annotations

import gc
import signal
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from ipsecmc.engines.result import EngineResult, Stats, Verdict
from ipsecmc.errors import IpsecmcError, SourceLoc
from ipsecmc.model.params import EndParams, TunnelParams
from ipsecmc.properties import STANDARD_ATOMS, Property, validate
from ipsecmc.systems import TunnelSystem
from ipsecmc.trace import Trace
from ipsecmc.workflows import tunnel_check
from ipsecmc.workflows.tunnel_check import CheckOptions, PropertyResult, ResultRenderer

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult, Pool

#: ``facts`` key on a result whose search was shared with an identical tunnel (its name).
SHARED_FACT = "search_shared_with"

_NOWHERE = SourceLoc("", 0, 0)

Progress = Callable[[Stats], None]
_T = TypeVar("_T")


def _anonymous_end(end: EndParams) -> EndParams:
    """``end`` with every field that only feeds note text blanked (see module doc)."""
    return replace(
        end,
        name="",
        address="",
        phase1_loc=_NOWHERE,
        session_ttl_source="",
        admissions=tuple(
            replace(a, policy_id=None, loc=None, reason="", rule="") for a in end.admissions
        ),
    )


def anonymous_params(params: TunnelParams) -> TunnelParams:
    """``params`` up to names and source locations: equal values => identical state graphs."""
    return replace(
        params,
        ends=(_anonymous_end(params.ends[0]), _anonymous_end(params.ends[1])),
        traffic=replace(params.traffic, text=""),
    )


def symmetry_key(system: TunnelSystem, prop: Property) -> Hashable:
    """Equal keys => the same search (graph, predicate, bound); ``prop`` is validated."""
    atoms = []
    for atom in prop.atoms:
        gateway_positions = STANDARD_ATOMS[atom.name].gateway_positions
        args = tuple(
            system.end_index(arg) if pos in gateway_positions else arg
            for pos, arg in enumerate(atom.args)
        )
        atoms.append((atom.name, args))
    return (anonymous_params(system.params), prop, tuple(atoms))


@dataclass(frozen=True)
class _Search:
    """One distinct search: the first tunnel of its class and the property."""

    system: TunnelSystem
    prop: Property
    expected: str | None


@dataclass(frozen=True)
class _Answer:
    """What a search gives back (picklable: no systems, no closures)."""

    bound: int | None
    engine: str
    result: EngineResult


@dataclass(frozen=True)
class _Failure:
    """An ipsecmc error raised in a worker, rebuilt in the parent."""

    kind: type[IpsecmcError]
    args: tuple[object, ...]

    @staticmethod
    def of(exc: IpsecmcError) -> _Failure:
        """The constructor arguments of ``exc`` (``ConfigError`` takes a location too)."""
        message = getattr(exc, "message", None)
        if message is not None:
            return _Failure(type(exc), (getattr(exc, "loc", None), message))
        return _Failure(type(exc), (str(exc),))

    def rebuild(self) -> IpsecmcError:
        return self.kind(*self.args)


class SearchesInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`check_systems`: ``results`` holds every (tunnel, property)
    result, in order; those whose search was not answered are INCONCLUSIVE."""

    def __init__(self, results: tuple[PropertyResult, ...]) -> None:
        super().__init__("interrupted")
        self.results = results


#: Members finished per worker task (a blocked spoke's recovery witness has ~10^4 events).
FINISH_CHUNK = 16


@dataclass(frozen=True)
class _Member:
    """One (tunnel, property) pair of the report: its system and its class's search."""

    system: int  # index into ``_Job.systems``
    prop: Property
    search: int  # index into ``_Job.searches``


@dataclass(frozen=True)
class _Finished:
    """What a worker sends back for one member: small, fast to pickle.

    ``text`` is the member's result rendered with the job's renderer (the trace it needed
    stays in the worker); without a renderer, ``trace`` is the replayed counterexample of
    a VIOLATED member (a witness of a property that holds is left to replay on demand).
    """

    trace: Trace | None
    text: str | None


#: A finishing task: a class's answer and the members (indices) to finish with it.
_Task = tuple[_Answer, tuple[int, ...]]


@dataclass(frozen=True)
class _Job:
    """Everything a worker needs, inherited through fork: systems, searches, options."""

    systems: Sequence[TunnelSystem]  # member m's system is systems[m] (repeats allowed)
    searches: Sequence[_Search]
    members: Sequence[_Member]
    options: CheckOptions
    progress: Progress | None
    render: ResultRenderer | None

    def unanswered(self, index: int) -> _Answer:
        """Search ``index`` stopped by Ctrl-C: INCONCLUSIVE, saying so."""

        s = self.searches[index]
        r = tunnel_check.interrupted_result(s.system, s.prop, self.options)
        return _Answer(r.bound, r.engine, r.result)

    def search(self, index: int) -> _Answer | _Failure:

        s = self.searches[index]
        try:
            r = tunnel_check.check_tunnel(  # a module attribute: tests replace it
                s.system, s.prop, self.options, self.progress, s.expected
            )
        except IpsecmcError as exc:
            return _Failure.of(exc)
        return _Answer(r.bound, r.engine, r.result)

    @cached_property
    def _groups(self) -> dict[int, list[int]]:
        """Member indices by search index, in member order."""
        groups: dict[int, list[int]] = {}
        for m, member in enumerate(self.members):
            groups.setdefault(member.search, []).append(m)
        return groups

    def tasks(self, index: int, answer: _Answer) -> list[_Task]:
        """The finishing tasks of search ``index``'s members, in member order.

        Without a renderer only counterexamples need work (their replay checks them);
        with one, every member is rendered where its trace is made.
        """
        needed = self.render is not None or (
            answer.result.verdict is Verdict.VIOLATED and answer.result.path is not None
        )
        if not needed:
            return []
        group = self._groups.get(index, [])
        return [
            (answer, tuple(group[c : c + FINISH_CHUNK])) for c in range(0, len(group), FINISH_CHUNK)
        ]

    def result(self, m: int, answer: _Answer, finished: _Finished | None = None) -> PropertyResult:
        """Member ``m``'s result from its class's answer (the same in parent and worker)."""

        member = self.members[m]
        system, search = self.systems[member.system], self.searches[member.search]
        result = answer.result
        if search.system is not system:
            result = replace(result, facts={**result.facts, SHARED_FACT: search.system.tunnel.name})
        rendered = None
        if finished is not None and finished.text is not None:
            assert self.render is not None, "a rendered text without a renderer"
            rendered = (self.render, finished.text)
        return PropertyResult(
            system.tunnel,
            system,
            member.prop,
            answer.bound,
            answer.engine,
            result,
            search.expected,
            replayed=None if finished is None else finished.trace,
            rendered=rendered,
        )

    def finish(self, task: _Task) -> tuple[_Finished, ...] | _Failure:
        """Replay (and so check) each listed member's counterexample through its own
        system, and render each member if the job has a renderer."""
        answer, chunk = task
        out = []
        try:
            for m in chunk:
                r = self.result(m, answer)
                if r.verdict is Verdict.VIOLATED:
                    _ = r.trace  # the replay that checks the counterexample
                if self.render is not None:
                    out.append(_Finished(None, self.render(r)))
                else:
                    out.append(_Finished(r.trace if r.verdict is Verdict.VIOLATED else None, None))
        except IpsecmcError as exc:
            return _Failure.of(exc)
        return tuple(out)


# Set in each worker by the pool initializer (inherited through fork, not pickled).
_WORKER_JOB: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _WORKER_JOB
    # Ctrl-C reaches every process of the terminal's group: the parent handles it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_JOB = job


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored while the pool forks its workers, so that a worker never runs
    Python's default handler (and prints a traceback) before its initializer."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may change signal handlers
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _search_in_worker(index: int) -> tuple[int, _Answer | _Failure]:
    assert _WORKER_JOB is not None, "worker not initialised"
    return index, _WORKER_JOB.search(index)


def _finish_in_worker(task: _Task) -> tuple[_Finished, ...] | _Failure:
    assert _WORKER_JOB is not None, "worker not initialised"
    return _WORKER_JOB.finish(task)


def _ok(value: _T | _Failure) -> _T:
    if isinstance(value, _Failure):
        raise value.rebuild()
    return value


@dataclass(frozen=True)
class _Run:
    """What a run gives back: the answered searches (by index), the finished members,
    and whether Ctrl-C stopped it (then some searches may be missing)."""

    answers: dict[int, _Answer]
    finished: dict[int, _Finished]
    interrupted: bool = False


def _run_here(job: _Job) -> _Run:
    """Searches, then finishing tasks, in this process (Ctrl-C stops the searches)."""
    answers: dict[int, _Answer] = {}
    interrupted = False
    try:
        for i in range(len(job.searches)):
            answers[i] = _ok(job.search(i))
    except KeyboardInterrupt:
        interrupted = True
    finished: dict[int, _Finished] = {}
    for index, answer in answers.items():
        for task in job.tasks(index, answer):
            finished.update(zip(task[1], _ok(job.finish(task)), strict=True))
    return _Run(answers, finished, interrupted)


def _run_in_pool(job: _Job, pool: Pool) -> _Run:
    """Searches in the pool; each class's finishing tasks are queued as soon as its search
    is answered, behind the searches still waiting, so no worker idles while another
    finishes a long search. On Ctrl-C, what is answered and finished is kept (members
    left unfinished are replayed in this process when read)."""
    answers: dict[int, _Answer] = {}
    pending: list[tuple[tuple[int, ...], AsyncResult[tuple[_Finished, ...] | _Failure]]] = []
    interrupted = False
    try:
        for index, answer in pool.imap_unordered(_search_in_worker, range(len(job.searches))):
            answers[index] = _ok(answer)
            for task in job.tasks(index, answers[index]):
                pending.append((task[1], pool.apply_async(_finish_in_worker, (task,))))
    except KeyboardInterrupt:
        interrupted = True
    finished: dict[int, _Finished] = {}
    for chunk, async_result in pending:
        if interrupted and not async_result.ready():
            continue
        try:
            finished.update(zip(chunk, _ok(async_result.get()), strict=True))
        except KeyboardInterrupt:
            interrupted = True
    return _Run(answers, finished, interrupted)


def _run(job: _Job, jobs: int) -> _Run:
    """In a pool of ``jobs`` forked workers, unless one process will do (or fork is missing).

    The cyclic garbage collector is frozen while the pool lives: a worker's collections
    would otherwise walk (and so copy, page by page) every object it inherited.
    """
    if min(jobs, len(job.members)) > 1:
        import multiprocessing  # here: a one-result check should not pay for the import

        if "fork" in multiprocessing.get_all_start_methods():
            gc.freeze()
            try:
                with _sigint_ignored():
                    pool = multiprocessing.get_context("fork").Pool(
                        min(jobs, len(job.members)), _init_worker, (job,)
                    )
                with pool:  # leaving it terminates the workers, also after Ctrl-C
                    return _run_in_pool(job, pool)
            finally:
                gc.unfreeze()
    return _run_here(job)


def check_systems(
    systems: Sequence[TunnelSystem],
    props: Sequence[Property],
    options: CheckOptions,
    expect: Mapping[str, str],
    progress: Progress | None = None,
    *,
    symmetry: bool = True,
    render: ResultRenderer | None = None,
) -> tuple[PropertyResult, ...]:
    """Every property on every tunnel, in the order ``for system: for prop:``.

    ``options.jobs`` worker processes search the distinct classes, then replay each
    member's counterexample through its own system; with ``render``, they also render
    each member (``PropertyResult.render`` returns that text), so only text comes back
    and a report of long witnesses is written without shipping them. ``symmetry=False``
    searches every pair itself (the reference the symmetry reduction is tested against).
    """
    pairs = [(system, prop) for system in systems for prop in props]
    return check_pairs(pairs, options, expect, progress, symmetry=symmetry, render=render)


def check_pairs(
    pairs: Sequence[tuple[TunnelSystem, Property]],
    options: CheckOptions,
    expect: Mapping[str, str],
    progress: Progress | None = None,
    *,
    symmetry: bool = True,
    render: ResultRenderer | None = None,
) -> tuple[PropertyResult, ...]:
    """:func:`check_systems` for any list of (system, property) pairs, in their order.

    ``ipsecmc fix`` needs this shape: each candidate change has its own systems and only
    some properties still to check, and identical systems of different candidates (four
    changes to a local-in table often admit the peer's IKE in the same way) share one
    search through :func:`symmetry_key`, in one pool run.
    """
    classes: dict[Hashable, int] = {}
    searches: list[_Search] = []
    members: list[_Member] = []
    for k, (system, prop) in enumerate(pairs):
        validate(prop, STANDARD_ATOMS, system.names)
        key = symmetry_key(system, prop) if symmetry else k
        if key not in classes:
            classes[key] = len(searches)
            searches.append(_Search(system, prop, expect.get(prop.name)))
        members.append(_Member(k, prop, classes[key]))
    job = _Job([system for system, _ in pairs], searches, members, options, progress, render)
    run = _run(job, options.jobs)
    answers = [run.answers.get(i) or job.unanswered(i) for i in range(len(searches))]
    results = tuple(
        job.result(m, answers[member.search], run.finished.get(m))
        for m, member in enumerate(members)
    )
    if run.interrupted:
        raise SearchesInterrupted(results)
    return results
