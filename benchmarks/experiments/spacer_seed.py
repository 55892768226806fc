"""Experiment (not a feature): can z3's IC3/PDR engine Spacer prove a seed property?

Builds the z3 engine's transition relation over mathematical integers (by swapping the
encoding's bit-vector constructors for ``Int``; Spacer does not reason about
bit-vectors) and asks Spacer whether a state with the agreement monitor above T is
reachable. ``unsat`` = an inductive invariant exists: the property holds at every depth.

    python benchmarks/experiments/spacer_seed.py seed-fixed [T]

Seen on 2026-11-27 (2 cores): seed-fixed, T = 110, profile both:200,site1-to-site2:
unsat in 8-40 s of query time. The same query built inside ``SmtEngine`` (other
variable names, otherwise the same terms) ran past a 300 s budget twice, so Spacer's
run time here is very sensitive to incidental ordering: this is why it is not wired
into the engine yet (see the issue 4 note).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import z3
from z3.z3util import get_vars

import ipsecmc.engines.smt as smt
import ipsecmc.engines.smt_encoding as enc_mod
from ipsecmc.engines.result import Budget, Plan
from ipsecmc.model.system import build
from ipsecmc.topology import load_scenario

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    model = sys.argv[1] if len(sys.argv) > 1 else "seed-fixed"
    bound = int(sys.argv[2]) if len(sys.argv) > 2 else 110
    enc_mod.IV = z3.IntVal  # type: ignore[assignment]
    enc_mod.IVar = z3.Int  # type: ignore[assignment]
    smt.IV, smt.IVar = enc_mod.IV, enc_mod.IVar  # type: ignore[attr-defined]
    tunnel = load_scenario([str(REPO / "models" / model)]).tunnels[0]
    system = build(tunnel, "both:200,site1-to-site2")
    plan = Plan("agreement", "bounded", lambda s: (s.a.p2 == 2) != (s.b.p2 == 2), bound)
    search = smt._Search(system, plan, Budget(), 2, False)
    s, s2 = enc_mod.fresh_state("x"), enc_mod.fresh_state("y")
    c, c2 = z3.Int("c"), z3.Int("c2")
    rel, step = enc_mod.transition(search.enc, s, s2, "t", cap=search.cap)
    mon = search._monitor(s, s2, c, step)
    now, nxt = [*enc_mod.flat(s), c], [*enc_mod.flat(s2), c2]
    inv = z3.Function("Inv", *[v.sort() for v in now], z3.BoolSort())
    fp = z3.Fixedpoint()
    fp.set(engine="spacer")
    fp.register_relation(inv)
    known = {v.get_id() for v in now + nxt}
    local = [v for v in get_vars(z3.And(rel, c2 == mon)) if v.get_id() not in known]
    fp.declare_var(*now, *nxt, *local)
    init = enc_mod.const_state(system.initial())
    fp.rule(inv(*now), z3.And(enc_mod.states_equal(s, init), c == 0))
    fp.rule(inv(*nxt), [inv(*now), rel, c2 == mon])
    fp.set("timeout", 240_000)
    started = time.perf_counter()
    answer = fp.query(z3.And(inv(*now), c > bound))
    print(f"{model} agreement T={bound}: {answer} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
