"""A fast proof of ``recoverable`` on the zone graph: whole nodes that reach the goal.

The exact backward pass (``zones.recovery``) computes, per node, the states that can reach
the goal, as unions of zones. Where the only way back is to wait through many cycles of a
short timer for a long one to run out (seed-intended under free traffic: site1 retries
its negotiation every few seconds, for up to 43,200 s, until site2's own phase2 rekey),
that pass gains one cycle per round and needs thousands of rounds. This module proves
such cases at once, for whole nodes, and is tried first; when it cannot prove every node,
the exact pass decides.

**Forced steps.** Each node gets steps that every state of its zone can take (so a node
all of whose forced steps lead into nodes that reach the goal reaches it too):

* an urgent node: each urgent event (the state must take one of them, and each is taken
  by every state alike); also, one urgent step into a node that reaches the goal is enough;
* a fresh node that waits: its zero-delay part (every state is in it);
* a closed node with a running clock: its exits by waiting (every state reaches exactly one
  ceiling first; nothing else happens before, because no traffic is chosen);
* a node just after ESP went out: the second without traffic;
* a node dropped for a larger zone of the same discrete state: that node.

**Won nodes** are the least set that holds the goal nodes and every node whose forced steps
all lead to won nodes (or one of whose urgent steps does). Alone, this stops at cycles of
forced steps. **Transient cycles:** a strongly connected set of not-won nodes in which one
clock runs in every node and no step inside resets or stops it, and in which every cycle
takes time (its zero-time steps form no cycle), cannot be stayed in forever: each lap moves
that clock up by at least a second and a running clock stays below its ceiling. So every
run through it leaves it, by a forced step; if all such steps lead to won nodes, the whole
set is won. (The keylife of the end that stays up is that clock in the seed's retry loop.)

Every rule only adds nodes all of whose states do reach the goal, so "every node is won" is
a proof of ``recoverable``; "some node is not" proves nothing, and the exact pass runs.
"""

from __future__ import annotations

from collections import deque

import networkx as nx

from ipsecmc.engines.zones.search import ZoneExplorer, _Deriv, _sent

Edge = tuple[int, _Deriv]


def all_won(search: ZoneExplorer) -> bool:
    """Whether every stored node is won (module doc)."""
    n = len(search.keys)
    forced, urgent = _forced_steps(search)
    choices = _traffic_choices(search)
    won = [search.pred(search.keys[v][0]) for v in range(n)]
    into: list[set[int]] = [set() for _ in range(n)]
    for v in range(n):
        for t, _ in forced[v]:
            into[t].add(v)
        for parts in choices[v]:
            for t in parts:
                into[t].add(v)
    changed = True
    while changed:
        changed = _propagate(forced, urgent, choices, won, into)
        for scc in _transient_sets(search, forced, won):
            exits = [t for v in scc for t, _ in forced[v] if t not in scc]
            if all(won[t] for t in exits):
                for v in scc:
                    won[v] = True
                changed = True
    return all(won[v] for v in range(n) if v not in search.covered)


def _forced_steps(search: ZoneExplorer) -> tuple[list[list[Edge]], list[bool]]:
    out: list[list[Edge]] = [[] for _ in search.keys]
    for parent, target, deriv in search.edges:
        out[parent].append((target, deriv))
    forced: list[list[Edge]] = []
    urgent: list[bool] = []
    for v, (d, _, closed) in enumerate(search.keys):
        steps = out[v]
        is_urgent = not closed and bool(search.lifter.urgent(d))
        if v in search.covered:
            mine = [e for e in steps if e[1].kind == "cover"]
        elif is_urgent:
            mine = [e for e in steps if e[1].kind == "urgent"]
        elif not closed:
            mine = [e for e in steps if e[1].kind == "delay" and not e[1].frozen]
        elif _sent(d):
            mine = [e for e in steps if e[1].kind in ("tick", "loop") and e[1].label.arg == 0]
        elif search.lifter.running(d):
            mine = [e for e in steps if e[1].kind == "delay" and e[1].frozen]
        else:
            mine = []  # nothing runs: waiting never leaves this node
        forced.append(mine)
        urgent.append(is_urgent)
    return forced, urgent


def _traffic_choices(search: ZoneExplorer) -> list[list[list[int]]]:
    """Per node, the targets of each second with a traffic choice it can take (a closed
    node, or one just after ESP went out): every state takes it alike and lands in one
    of its normalised parts."""
    by_choice: list[dict[int, list[int]]] = [{} for _ in search.keys]
    for parent, target, deriv in search.edges:
        if deriv.kind in ("tick", "loop") and parent not in search.covered:
            by_choice[parent].setdefault(deriv.label.arg, []).append(target)
    return [list(choice.values()) for choice in by_choice]


def _propagate(
    forced: list[list[Edge]],
    urgent: list[bool],
    choices: list[list[list[int]]],
    won: list[bool],
    into: list[set[int]],
) -> bool:
    """Won nodes by the one-step rules, to a fixpoint; whether any was added: all forced
    steps lead to won nodes, or one urgent step does, or all parts of one second with a
    chosen traffic pattern do. A node is looked at again only when a node it leads to
    was won (``into``: who leads where)."""
    added = False
    work = deque(v for v in range(len(won)) if not won[v])
    queued = [not w for w in won]
    while work:
        v = work.popleft()
        queued[v] = False
        steps = forced[v]
        targets = [won[t] for t, _ in steps]
        by_forced = bool(steps) and (all(targets) or (urgent[v] and any(targets)))
        if not (by_forced or any(all(won[t] for t in parts) for parts in choices[v])):
            continue
        won[v] = added = True
        for u in into[v]:
            if not won[u] and not queued[u]:
                queued[u] = True
                work.append(u)
    return added


def _transient_sets(
    search: ZoneExplorer, forced: list[list[Edge]], won: list[bool]
) -> list[set[int]]:
    """Strongly connected sets of not-won nodes (through forced steps) that every run
    leaves (module doc, "Transient cycles")."""
    graph: nx.DiGraph = nx.DiGraph()
    for v, steps in enumerate(forced):
        if won[v]:
            continue
        graph.add_node(v)
        for t, _ in steps:
            if not won[t]:
                graph.add_edge(v, t)
    found = []
    for component in nx.strongly_connected_components(graph):
        scc = set(component)
        inside = [(v, t, d) for v in scc for t, d in forced[v] if t in scc]
        if not inside:
            continue  # no cycle: the one-step rules decide it
        if _has_steady_clock(search, scc, inside) and _every_cycle_takes_time(inside):
            found.append(scc)
    return found


def _has_steady_clock(
    search: ZoneExplorer, scc: set[int], inside: list[tuple[int, int, _Deriv]]
) -> bool:
    common = set.intersection(*(set(search.lifter.running(search.keys[v][0])) for v in scc))
    for _, _, deriv in inside:
        common -= {op.clock for op in deriv.ops if op.kind in ("reset", "stop")}
        common -= {k for k, _ in deriv.frozen}
    return bool(common)


def _every_cycle_takes_time(inside: list[tuple[int, int, _Deriv]]) -> bool:
    """Whether the steps that take no time form no cycle (a wait exit takes at least a
    second: a closed zone lies below its ceilings; a second with or without traffic, one)."""
    instant: nx.DiGraph = nx.DiGraph()
    for v, t, deriv in inside:
        takes_time = deriv.kind in ("tick", "loop") or (deriv.kind == "delay" and deriv.frozen)
        if not takes_time:
            instant.add_edge(v, t)
    return bool(nx.is_directed_acyclic_graph(instant))


__all__ = ["all_won"]
