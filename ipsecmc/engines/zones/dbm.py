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

Matrices are small (15 x 15) numpy arrays of floats holding whole numbers, with ``inf``
for "no bound": sums involving it stay infinite by themselves, so no operation has to
map them back (an int64 ``INF`` needed a clipping pass after every update, a quarter of
the cost of ``constrain``). Every finite entry is a sum of a few of the model's constants
(at most a few hundred thousand seconds), far below 2**53, so float arithmetic on them is
exact integer arithmetic. A ``Zone`` is never mutated after creation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

#: What ``upper`` and ``lower`` say of a clock without that bound (inside: ``inf``).
INF = 1 << 40
#: Up to this many new bounds, ``intersect`` adds them one by one (O(n^2) each) rather than
#: closing the whole matrix (O(n^3)).
_FEW = 6
_INF = np.inf

Matrix = npt.NDArray[np.float64]
Indices = npt.NDArray[np.intp]


class Zone:
    """A canonical, non-empty DBM over ``dim - 1`` clocks (index 0 is the constant 0)."""

    __slots__ = ("m",)

    def __init__(self, m: Matrix) -> None:
        self.m = m

    @classmethod
    def unconstrained(cls, dim: int) -> Zone:
        m = np.full((dim, dim), _INF, dtype=np.float64)
        np.fill_diagonal(m, 0)
        return cls(m)

    # ------------------------------------------------------------------ reading
    def upper(self, k: int) -> int:
        v = self.m[k, 0]
        return INF if v == _INF else int(v)

    def lower(self, k: int) -> int:
        v = self.m[0, k]
        return -INF if v == _INF else -int(v)

    def key(self) -> bytes:
        return self.m.tobytes()

    def includes(self, other: Zone) -> bool:
        """Whether every valuation of ``other`` is in this zone."""
        return not np.count_nonzero(other.m > self.m)  # faster than .all() on 15 x 15

    # ------------------------------------------------------------------ constraining
    def constrain(self, i: int, j: int, c: int) -> Zone | None:
        """The zone with ``x_i - x_j <= c`` added; None if that leaves nothing."""
        m = self.m
        if c + m[j, i] < 0:
            return None
        if c >= m[i, j]:
            return self
        # Canonical update for one new edge j -> i of weight c (O(n^2)).
        return Zone(np.minimum(m, m[:, i : i + 1] + (c + m[j : j + 1, :])))

    def at_most(self, k: int, c: int) -> Zone | None:
        return self.constrain(k, 0, c)

    def at_least(self, k: int, c: int) -> Zone | None:
        return self.constrain(0, k, -c)

    def equal(self, k: int, c: int) -> Zone | None:
        z = self.at_most(k, c)
        return None if z is None else z.at_least(k, c)

    def split(self, k: int, c: int) -> tuple[Zone | None, Zone | None]:
        """``(at_least(k, c).free(k), at_most(k, c - 1))``, either None if empty: the
        part where clock ``k`` has reached ``c`` (then forgotten) and the part below."""
        m = self.m
        reached: Zone | None = None
        if m[k, 0] >= c:
            r = m.copy() if -c >= m[0, k] else np.minimum(m, m[:, 0:1] + (m[k : k + 1, :] - c))
            r[k, :] = _INF
            r[:, k] = _INF
            r[k, k] = 0
            reached = Zone(r)
        below: Zone | None = None
        if c - 1 + m[0, k] >= 0:
            below = (
                self
                if c - 1 >= m[k, 0]
                else Zone(np.minimum(m, m[:, k : k + 1] + ((c - 1) + m[0:1, :])))
            )
        return reached, below

    # ------------------------------------------------------------------ updates
    def reset(self, k: int, c: int) -> Zone:
        """``x_k := c`` (canonical in, canonical out)."""
        m = self.m.copy()
        m[k, :] = c + m[0, :]
        m[:, k] = m[:, 0] - c
        m[k, k] = 0
        return Zone(m)

    def free(self, k: int) -> Zone:
        """Forget everything about ``x_k`` (the clock stops being one)."""
        m = self.m.copy()
        m[k, :] = _INF
        m[:, k] = _INF
        m[k, k] = 0
        return Zone(m)

    def apply(self, resets: Indices, values: Matrix, frees: Indices) -> Zone:
        """``x_k := v`` for each clock ``resets[n]`` and value ``values[n]``, then ``free``
        for each clock in ``frees`` (no clock in both): ``reset`` and ``free`` one after
        the other, in one pass. A reset clock's bounds are its value against row and
        column 0, which no reset changes but at the reset clocks' own places (a clock of
        ``resets`` is neither clock 0 nor in ``frees``): the rows first, then the columns
        from the new column 0, so two reset clocks differ by their values' difference; a
        freed clock has no bounds."""
        m = self.m.copy()
        if len(resets):
            m[resets, :] = values[:, None] + m[0, :]
            m[:, resets] = m[:, 0:1] - values
        if len(frees):
            m[frees, :] = _INF
            m[:, frees] = _INF
            m[frees, frees] = 0
        return Zone(m)

    def up(self) -> Zone:
        """Every valuation plus any delay >= 0 (all running clocks move together)."""
        m = self.m.copy()
        m[1:, 0] = _INF
        return Zone(m)

    def up_to(self, clocks: Indices, ceilings: Matrix) -> Zone | None:
        """``up`` cut at ``x_k <= ceilings[n]`` for each ``k = clocks[n]`` (``at_most`` one
        after the other, in one pass); None if that leaves nothing.

        The cuts are new bounds ``x_k - x_0 <= c_k``, all into clock 0, so a tightest bound
        of the result uses at most one of them (a path through two passes through 0
        twice, and the cycle between is not negative in a non-empty zone): ``x_a - x_b <=
        min(m[a, b], u[a] + m[0, b])`` with ``u[a] = min_k (m[a, k] + c_k)``. The result is
        canonical, hence the same matrix as the one-by-one cuts give."""
        m = self.m.copy()
        m[1:, 0] = _INF
        if not len(clocks):
            return Zone(m)
        u = (m[:, clocks] + ceilings).min(axis=1)
        if (u + m[0, :] < 0).any():  # a negative cycle: the diagonal of the result
            return None
        return Zone(np.minimum(m, u[:, None] + m[0:1, :]))

    def shift(self, clocks: Iterable[int], d: int) -> Zone:
        """Exactly ``d`` time units later for ``clocks`` (the running ones; the others
        must be free)."""
        m = self.m.copy()
        for k in clocks:
            m[k, 0] += d
            m[0, k] -= d
        return Zone(m)

    def down(self, clocks: Iterable[int]) -> Zone:
        """Every valuation minus any delay >= 0 of ``clocks`` (the running ones; the others
        must be free): the time predecessors, ``up``'s inverse image. Dropping the lower
        bounds keeps a canonical DBM canonical when every bounded clock moves."""
        m = self.m.copy()
        moving = list(clocks)
        m[0, moving] = _INF
        bounded = np.flatnonzero((self.m[1:, 0] < _INF) | (self.m[0, 1:] < _INF)) + 1
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
        m[loose] = _INF
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
    return Zone(m)


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


__all__ = ["INF", "Indices", "Matrix", "Zone", "minus_all", "point_zone"]
