"""Difference-bound matrices (DBMs): convex sets of clock valuations, for the zone search.

A zone over clocks ``x_1 .. x_n`` is a conjunction of bounds ``x_i - x_j <= m[i, j]``, with
``x_0 = 0`` so that ``m[i, 0]`` is an upper bound of ``x_i`` and ``-m[0, i]`` a lower bound.
Kept in *canonical* form (every bound as tight as the others imply: all-pairs shortest
paths), inclusion is an entry-wise comparison and equality is equality of the matrices.

Only integer bounds occur (the model's constants and delays are whole seconds), and a
non-empty canonical DBM with integer bounds contains an integer point in every face, so
reading a zone as "its integer points" loses nothing: every operation below maps integer
points to exactly the integer points of the result (``ZoneSearch``'s soundness argument
relies on this). A clock that is not running is *free*: no bound at all (``INF``).

Matrices are small (15 x 15) numpy arrays; a ``Zone`` is never mutated after creation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

INF = 1 << 40
#: Up to this many new bounds, ``intersect`` adds them one by one (O(n^2) each) rather than
#: closing the whole matrix (O(n^3)).
_FEW = 6
_HALF = INF // 2

Matrix = npt.NDArray[np.int64]


def _clip(m: Matrix) -> Matrix:
    """Sums involving INF are still infinite: map them back to INF so equal zones have
    equal matrices."""
    m[m > _HALF] = INF
    return m


class Zone:
    """A canonical, non-empty DBM over ``dim - 1`` clocks (index 0 is the constant 0)."""

    __slots__ = ("m",)

    def __init__(self, m: Matrix) -> None:
        self.m = m

    @classmethod
    def unconstrained(cls, dim: int) -> Zone:
        m = np.full((dim, dim), INF, dtype=np.int64)
        np.fill_diagonal(m, 0)
        return cls(m)

    # ------------------------------------------------------------------ reading
    def upper(self, k: int) -> int:
        return int(self.m[k, 0])

    def lower(self, k: int) -> int:
        return -int(self.m[0, k])

    def key(self) -> bytes:
        return self.m.tobytes()

    def includes(self, other: Zone) -> bool:
        """Whether every valuation of ``other`` is in this zone."""
        return bool((other.m <= self.m).all())

    # ------------------------------------------------------------------ constraining
    def constrain(self, i: int, j: int, c: int) -> Zone | None:
        """The zone with ``x_i - x_j <= c`` added; None if that leaves nothing."""
        m = self.m
        if c + m[j, i] < 0:
            return None
        if c >= m[i, j]:
            return self
        # Canonical update for one new edge j -> i of weight c (O(n^2)).
        tightened = np.minimum(m, m[:, i : i + 1] + c + m[j : j + 1, :])
        return Zone(_clip(tightened))

    def at_most(self, k: int, c: int) -> Zone | None:
        return self.constrain(k, 0, c)

    def at_least(self, k: int, c: int) -> Zone | None:
        return self.constrain(0, k, -c)

    def equal(self, k: int, c: int) -> Zone | None:
        z = self.at_most(k, c)
        return None if z is None else z.at_least(k, c)

    # ------------------------------------------------------------------ updates
    def reset(self, k: int, c: int) -> Zone:
        """``x_k := c`` (canonical in, canonical out)."""
        m = self.m.copy()
        m[k, :] = c + m[0, :]
        m[:, k] = m[:, 0] - c
        m[k, k] = 0
        return Zone(_clip(m))

    def free(self, k: int) -> Zone:
        """Forget everything about ``x_k`` (the clock stops being one)."""
        m = self.m.copy()
        m[k, :] = INF
        m[:, k] = INF
        m[k, k] = 0
        return Zone(m)

    def up(self) -> Zone:
        """Every valuation plus any delay >= 0 (all running clocks move together)."""
        m = self.m.copy()
        m[1:, 0] = INF
        return Zone(m)

    def shift(self, clocks: Iterable[int], d: int) -> Zone:
        """Exactly ``d`` time units later for ``clocks`` (the running ones; the others
        must be free)."""
        m = self.m.copy()
        for k in clocks:
            if m[k, 0] < INF:
                m[k, 0] += d
            if m[0, k] < INF:
                m[0, k] -= d
        return Zone(m)

    def down(self, clocks: Iterable[int]) -> Zone:
        """Every valuation minus any delay >= 0 of ``clocks`` (the running ones; the others
        must be free): the time predecessors, ``up``'s inverse image. Dropping the lower
        bounds keeps a canonical DBM canonical when every bounded clock moves."""
        m = self.m.copy()
        moving = list(clocks)
        m[0, moving] = INF
        bounded = np.flatnonzero((self.m[1:, 0] < INF) | (self.m[0, 1:] < INF)) + 1
        if set(bounded.tolist()) <= set(moving):
            return Zone(m)
        past = _canonical(m)
        if past is None:  # pragma: no cover - dropping lower bounds never empties a zone
            raise AssertionError("empty zone after dropping lower bounds")
        return past

    def hull(self, other: Zone) -> Zone:
        """The smallest zone holding both (entry-wise loosest bounds: the maximum of two
        canonical DBMs is canonical)."""
        return Zone(np.maximum(self.m, other.m))

    def widen(self, grown: Zone, keep: Sequence[int]) -> Zone:
        """``grown`` (a zone including this one) without the upper and difference bounds
        it loosened: the classic DBM widening, which makes a bound that keeps growing
        (a cycle that moves one clock against the others a little further each time
        round) jump to no bound at once. Lower bounds ``x_k >= c`` stay, and so does every
        bound of the clocks in ``keep``. The result includes ``grown``."""
        loose = grown.m > self.m
        loose[0, :] = False
        loose[list(keep), :] = False
        loose[:, list(keep)] = False
        if not loose.any():
            return grown
        m = grown.m.copy()
        m[loose] = INF
        widened = _canonical(m)
        if widened is None:  # pragma: no cover - dropping bounds never empties a zone
            raise AssertionError("empty zone after widening")
        return widened

    def intersect(self, other: Zone) -> Zone | None:
        """The valuations in both zones; None if there are none. Each bound of ``other``
        tighter than ours is added by ``constrain`` (canonical in, canonical out); with
        many of them one all-pairs closure is cheaper."""
        tighter = np.argwhere(other.m < self.m)
        if len(tighter) > _FEW:
            return _canonical(np.minimum(self.m, other.m))
        zone: Zone | None = self
        for i, j in tighter.tolist():
            if zone is None:
                return None
            zone = zone.constrain(i, j, int(other.m[i, j]))
        return zone

    def minus(self, other: Zone) -> list[Zone]:
        """This zone without ``other``'s valuations, as disjoint zones (exact on integer
        points: the negation of ``x_i - x_j <= c`` is ``x_j - x_i <= -c - 1``)."""
        out: list[Zone] = []
        rest: Zone | None = self
        # Only bounds of ``other`` tighter than ours cut anything off.
        for i, j in np.argwhere(other.m < self.m).tolist():
            c = int(other.m[i, j])
            if rest is None:
                break
            if rest.m[i, j] <= c:
                continue
            outside = rest.constrain(j, i, -c - 1)
            if outside is not None:
                out.append(outside)
            rest = rest.constrain(i, j, c)
        return out

    def point(self, clocks: Iterable[int]) -> tuple[Zone, dict[int, int]]:
        """One integer valuation of ``clocks`` in the zone (each at its least value, in
        order), and the zone narrowed to it."""
        zone = self
        values: dict[int, int] = {}
        for k in clocks:
            v = zone.lower(k)
            narrowed = zone.equal(k, v)
            if narrowed is None:  # pragma: no cover - canonical DBMs always have a point
                raise AssertionError("empty zone while picking a point")
            zone, values[k] = narrowed, v
        return zone, values


def _canonical(m: Matrix) -> Zone | None:
    """The canonical zone of bounds ``m`` (all-pairs shortest paths), None if empty."""
    for k in range(len(m)):
        m = np.minimum(m, m[:, k : k + 1] + m[k : k + 1, :])
    if (np.diagonal(m) < 0).any():
        return None
    return Zone(_clip(m))


def minus_all(zones: Iterable[Zone], others: list[Zone]) -> list[Zone]:
    """The valuations of ``zones`` in none of ``others``, as zones (a federation)."""
    rest = list(zones)
    for other in others:
        rest = [piece for zone in rest for piece in zone.minus(other)]
        if not rest:
            break
    return rest


def point_zone(dim: int, values: dict[int, int]) -> Zone:
    """The zone holding exactly one valuation (clocks not in ``values`` are free)."""
    zone = Zone.unconstrained(dim)
    for k, v in values.items():
        zone = zone.reset(k, v)
    return zone


__all__ = ["INF", "Matrix", "Zone", "minus_all", "point_zone"]
