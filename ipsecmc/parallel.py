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
processes (``jobs``), forked so that the built systems are inherited rather than pickled;
then the same pool replays each member's path (a blocked spoke's recovery witness has
some ten thousand events, so replaying a thousand spokes is real work too).
Results are collected in the order of the sequential loop (tunnel by tunnel, property by
property), so the report is identical for any ``jobs``; ``jobs=1`` (or a single result, or a
platform without ``fork``) runs in-process. An error raised in a worker is
re-raised in the parent as the same ipsecmc error (clean message, exit code 2).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from ipsecmc.engines.result import EngineResult, Stats
from ipsecmc.engines.result import Path as EnginePath
from ipsecmc.errors import IpsecmcError, SourceLoc
from ipsecmc.model.params import EndParams, TunnelParams
from ipsecmc.model.system import TransitionSystem
from ipsecmc.properties import STANDARD_ATOMS, Property, validate
from ipsecmc.trace import Trace, replay

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

    from ipsecmc.check import CheckOptions, PropertyResult

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
        admissions=tuple(replace(a, policy_id=None, loc=None, reason="") for a in end.admissions),
    )


def anonymous_params(params: TunnelParams) -> TunnelParams:
    """``params`` up to names and source locations: equal values => identical state graphs."""
    return replace(
        params,
        ends=(_anonymous_end(params.ends[0]), _anonymous_end(params.ends[1])),
        traffic=replace(params.traffic, text=""),
    )


def symmetry_key(system: TransitionSystem, prop: Property) -> Hashable:
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

    system: TransitionSystem
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


#: Member replays per worker task (a trace of a blocked spoke's recovery has ~10^4 events).
REPLAY_CHUNK = 16


@dataclass(frozen=True)
class _Job:
    """Everything a worker needs, inherited through fork: systems, searches, options."""

    systems: Sequence[TransitionSystem]
    searches: Sequence[_Search]
    options: CheckOptions
    progress: Progress | None

    def search(self, index: int) -> _Answer | _Failure:
        from ipsecmc.check import check_tunnel

        s = self.searches[index]
        try:
            r = check_tunnel(s.system, s.prop, self.options, self.progress, s.expected)
        except IpsecmcError as exc:
            return _Failure.of(exc)
        return _Answer(r.bound, r.engine, r.result)

    def replay(self, task: tuple[EnginePath, tuple[int, ...]]) -> tuple[Trace, ...] | _Failure:
        """Replay one search's path through each listed system (by index)."""
        path, indices = task
        try:
            return tuple(replay(self.systems[i], path) for i in indices)
        except IpsecmcError as exc:
            return _Failure.of(exc)


# Set in each worker by the pool initializer (inherited through fork, not pickled).
_WORKER_JOB: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _WORKER_JOB
    _WORKER_JOB = job


def _search_in_worker(index: int) -> _Answer | _Failure:
    assert _WORKER_JOB is not None, "worker not initialised"
    return _WORKER_JOB.search(index)


def _replay_in_worker(task: tuple[EnginePath, tuple[int, ...]]) -> tuple[Trace, ...] | _Failure:
    assert _WORKER_JOB is not None, "worker not initialised"
    return _WORKER_JOB.replay(task)


class _Runner:
    """Runs a job's searches and replays in this process or in a forked pool, in order."""

    def __init__(self, job: _Job, pool: Pool | None) -> None:
        self.job = job
        self.pool = pool

    def searches(self) -> list[_Answer | _Failure]:
        indices = range(len(self.job.searches))
        if self.pool is None:
            return [self.job.search(i) for i in indices]
        return list(self.pool.imap(_search_in_worker, indices, chunksize=1))

    def replays(
        self, tasks: Sequence[tuple[EnginePath, tuple[int, ...]]]
    ) -> list[tuple[Trace, ...] | _Failure]:
        if self.pool is None:
            return [self.job.replay(t) for t in tasks]
        return list(self.pool.imap(_replay_in_worker, tasks, chunksize=1))


@contextmanager
def _runner(job: _Job, jobs: int, results: int) -> Iterator[_Runner]:
    """A pool of ``jobs`` forked workers, unless one process will do (or fork is missing)."""
    if min(jobs, results) > 1:
        import multiprocessing  # here: a one-result check should not pay for the import

        if "fork" in multiprocessing.get_all_start_methods():
            with multiprocessing.get_context("fork").Pool(
                min(jobs, results), _init_worker, (job,)
            ) as pool:
                yield _Runner(job, pool)
                return
    yield _Runner(job, None)


def _ok(value: _T | _Failure) -> _T:
    if isinstance(value, _Failure):
        raise value.rebuild()
    return value


def check_systems(
    systems: Sequence[TransitionSystem],
    props: Sequence[Property],
    options: CheckOptions,
    expect: Mapping[str, str],
    progress: Progress | None = None,
    *,
    symmetry: bool = True,
) -> tuple[PropertyResult, ...]:
    """Every property on every tunnel, in the order ``for system: for prop:``.

    ``options.jobs`` worker processes search the distinct classes, then replay each
    member's path through its own system; ``symmetry=False`` searches every pair itself
    (the reference the symmetry reduction is tested against).
    """
    from ipsecmc.check import PropertyResult

    classes: dict[Hashable, int] = {}
    searches: list[_Search] = []
    members: list[tuple[int, Property, int]] = []  # (system index, property, search index)
    for k, system in enumerate(systems):
        for prop in props:
            validate(prop, STANDARD_ATOMS, system.names)
            key = symmetry_key(system, prop) if symmetry else len(members)
            if key not in classes:
                classes[key] = len(searches)
                searches.append(_Search(system, prop, expect.get(prop.name)))
            members.append((k, prop, classes[key]))
    job = _Job(systems, searches, options, progress)
    with _runner(job, options.jobs, len(members)) as runner:
        answers = [_ok(a) for a in runner.searches()]
        # who needs a replay, grouped by search, in chunks: (path, system indices)
        waiting: dict[int, list[int]] = {}
        for m, (_, _, index) in enumerate(members):
            if answers[index].result.path is not None:
                waiting.setdefault(index, []).append(m)
        tasks: list[tuple[EnginePath, tuple[int, ...]]] = []
        owners: list[tuple[int, ...]] = []
        for index, group in waiting.items():
            path = answers[index].result.path
            assert path is not None
            for c in range(0, len(group), REPLAY_CHUNK):
                chunk = tuple(group[c : c + REPLAY_CHUNK])
                tasks.append((path, tuple(members[m][0] for m in chunk)))
                owners.append(chunk)
        traces: dict[int, Trace] = {}
        for chunk, replayed in zip(owners, runner.replays(tasks), strict=True):
            traces.update(zip(chunk, _ok(replayed), strict=True))
    out: list[PropertyResult] = []
    for m, (k, prop, index) in enumerate(members):
        system, answer = systems[k], answers[index]
        first = searches[index].system
        result = answer.result
        if first is not system:
            result = replace(result, facts={**result.facts, SHARED_FACT: first.tunnel.name})
        out.append(
            PropertyResult(
                system.tunnel,
                system,
                prop,
                answer.bound,
                answer.engine,
                result,
                traces.get(m),
                expect.get(prop.name),
            )
        )
    return tuple(out)
