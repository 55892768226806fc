"""Builders for model tests: seed scenarios, text variations of them, small-timer params."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from ipsecmc.engines.explicit.search import ExplicitEngine
from ipsecmc.engines.result import EngineResult, Plan
from ipsecmc.fortios.params import BEHAVIOURS
from ipsecmc.fortios.topology import load_scenario
from ipsecmc.model.params import Admission, DpdMode, TunnelParams
from ipsecmc.model.state import UP, State
from ipsecmc.model.system import TransitionSystem
from ipsecmc.model.traffic import parse_profile
from ipsecmc.systems import TunnelSystem
from ipsecmc.workflows.check import CheckOptions, CheckReport, check_paths

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"
SEED_TRAFFIC = "both:200,site1-to-site2"


def check(paths: list[Path] | list[str], **options: object) -> CheckReport:
    return check_paths([str(p) for p in paths], CheckOptions(**options))  # type: ignore[arg-type]


def verdicts(report: CheckReport) -> dict[str, str]:
    return {r.prop.name: r.verdict.value for r in report.results}


def variant(tmp_path: Path, model: str, edits: dict[str, list[tuple[str, str]]]) -> Path:
    """Copy ``models/<model>`` to ``tmp_path`` applying (old, new) text edits per file."""
    out = tmp_path / model
    out.mkdir()
    for src in (MODELS / model).iterdir():
        if src.suffix not in (".conf", ".toml"):
            continue
        text = src.read_text()
        for old, new in edits.get(src.name, []):
            assert old in text, f"{old!r} not in {src.name}"
            text = text.replace(old, new)
        (out / src.name).write_text(text)
    return out


def seed_tunnel():  # type: ignore[no-untyped-def]
    return load_scenario([str(MODELS / "seed-intended")]).tunnels[0]


def drawn(examples: int) -> settings:
    """Hypothesis settings of the engine comparisons: ``examples`` draws, the same ones on
    every run (``derandomize``), no deadline (a search may take seconds)."""
    return settings(
        derandomize=True,
        database=None,
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


def small_system_strategies(
    *,
    ttl: tuple[int, int],
    interval: tuple[int, int],
    keylives: list[int | None],
    traffic: list[str],
) -> dict[str, st.SearchStrategy[object]]:
    """Hypothesis strategies for the keyword arguments of ``small_system``."""
    dpd = st.sampled_from([DpdMode.DISABLE, DpdMode.ON_IDLE, DpdMode.ON_DEMAND])
    return {
        "dpd": st.tuples(dpd, dpd),
        "ike": st.tuples(st.sampled_from([1, 2]), st.sampled_from([1, 2])),
        "ttl": st.tuples(st.integers(*ttl), st.integers(*ttl)),
        "interval": st.tuples(st.integers(*interval), st.integers(*interval)),
        "retries": st.tuples(st.integers(1, 3), st.integers(1, 3)),
        "accept": st.tuples(st.booleans(), st.booleans()),
        "keylife": st.tuples(st.sampled_from(keylives), st.sampled_from(keylives)),
        "traffic": st.sampled_from(traffic),
    }


def small_system(
    *,
    dpd: tuple[DpdMode, DpdMode],
    ike: tuple[int, int],
    ttl: tuple[int, int],
    interval: tuple[int, int],
    retries: tuple[int, int],
    accept: tuple[bool, bool],
    keylife: tuple[int | None, int | None],
    traffic: str,
) -> TransitionSystem:
    """A seed-shaped tunnel with small, chosen timers (for exhaustive comparisons)."""
    tunnel = seed_tunnel()
    base = TunnelSystem(tunnel, _params(tunnel, traffic))
    ends = []
    for i in (0, 1):
        e = base.params.ends[i]
        ends.append(
            replace(
                e,
                dpd=dpd[i],
                ike_version=ike[i],
                behaviour=BEHAVIOURS[ike[i]],
                session_ttl=ttl[i],
                dpd_retryinterval=interval[i],
                dpd_retrycount=retries[i],
                p1_keylife=None if keylife[i] is None else 2 * keylife[i],  # type: ignore[operator]
                p2_keylife=keylife[i],
                admissions=(
                    Admission(True, None, None, "built-in")
                    if accept[i]
                    else Admission(False, 2, None, "deny"),
                ),
            )
        )
    params = TunnelParams((ends[0], ends[1]), base.params.traffic, True)
    return TunnelSystem(tunnel, params)


def _params(tunnel, traffic):  # type: ignore[no-untyped-def]
    from ipsecmc.systems import tunnel_params

    return tunnel_params(tunnel, parse_profile(traffic, tunnel.a.name, tunnel.b.name))


def agreement_plan(bound: int) -> Plan:
    return Plan("agreement", "bounded", lambda s: s.a.p2 != s.b.p2, bound)


def both_up(s: State) -> bool:
    return s.a.p2 == UP and s.b.p2 == UP


def run(system: TransitionSystem, plan: Plan, accelerate: bool = True) -> EngineResult:
    return ExplicitEngine(accelerate=accelerate).check(system, plan)
