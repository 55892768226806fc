"""IKEv2 traces speak IKEv2 (issue 12, item 5): IKE_SA_INIT/IKE_AUTH, CREATE_CHILD_SA,
INFORMATIONAL; IKEv1 traces keep phase1, quick mode and R-U-THERE. Only the text
changes: event kinds, categories, directions and JSON fields are the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ipsecmc.fortios.topology import load_scenario
from ipsecmc.model.semantics import Label
from ipsecmc.model.state import UP, State
from ipsecmc.model.system import TransitionSystem
from ipsecmc.systems import build
from tests.conftest import MODELS
from tests.report.helpers import run

PAIR = Path(__file__).parents[1] / "engineer_data" / "ikev2-localin"
FILES = [str(PAIR / "site1.conf"), str(PAIR / "site2.conf")]
PINNED = "both:200,site1-to-site2"
IKEV1_WORDS = ("quick mode", "R-U-THERE", "phase1 negotiation", "phase2 negotiation")


def _system(paths: list[Path | str]) -> TransitionSystem:
    (tunnel,) = load_scenario(paths).tunnels
    return build(tunnel, PINNED)


def _both_up(system: TransitionSystem) -> State:
    """Follow the first successor until both IPsec SAs are up (a few steps)."""
    s = system.initial()
    for _ in range(50):
        if s.a.p2 == UP == s.b.p2:
            return s
        s = system.successors(s)[0][1]
    raise AssertionError("the tunnel did not come up")


def _texts(system: TransitionSystem, state: State, kind: str) -> list[str]:
    return [n.text for n in system.replay_step(state, Label(kind, 0, 0)).notes]


def _exchanges(system: TransitionSystem) -> dict[str, list[str]]:
    """The notes of a phase2 rekey, a phase1 rekey and a DPD probe started by end a."""
    up = _both_up(system)
    a = up.a
    p = system.params.ends[0]
    return {
        "p2_keylife": _texts(system, up.with_end(0, a._replace(p2_life=0)), "p2_keylife"),
        "p1_keylife": _texts(system, up.with_end(0, a._replace(p1_life=0)), "p1_keylife"),
        "dpd": _texts(system, up.with_end(0, a._replace(quiet=p.dpd_retryinterval)), "dpd"),
    }


def test_ikev2_rekeys_and_liveness_checks_use_ikev2_exchange_names() -> None:
    got = _exchanges(_system(FILES))
    p2, p1, dpd = got["p2_keylife"], got["p1_keylife"], got["dpd"]
    assert any(t.startswith("send CREATE_CHILD_SA (IPsec SA rekey) #1: ") for t in p2)
    assert any(t.startswith("answers CREATE_CHILD_SA: ") for t in p2)
    assert any(t.startswith("send CREATE_CHILD_SA (IKE SA rekey) #1: ") for t in p1)
    assert any(t.startswith("answers CREATE_CHILD_SA (IKE SA rekey): ") for t in p1)
    assert any(t.startswith("send INFORMATIONAL (DPD liveness check) 1/5: ") for t in dpd)
    assert any(t.startswith("answers INFORMATIONAL (liveness check): ") for t in dpd)
    for texts in got.values():
        assert not any(w in t for t in texts for w in IKEV1_WORDS), texts


def test_ikev1_keeps_its_words() -> None:
    got = _exchanges(_system([MODELS / "seed-fixed"]))
    assert any(t.startswith("send IKE phase2 rekey #1: ") for t in got["p2_keylife"])
    assert any(t.startswith("send IKE phase1 rekey #1: ") for t in got["p1_keylife"])
    assert any(t.startswith("send DPD R-U-THERE 1/3: ") for t in got["dpd"])
    assert any(t.startswith("answers DPD R-U-THERE-ACK: ") for t in got["dpd"])


@pytest.fixture(scope="module")
def ikev2_json() -> dict[str, object]:
    code, out = run(
        "check", *FILES, "--property", "one-sided", "--traffic", PINNED, "--format", "json"
    )
    assert code == 1
    return json.loads(out)  # type: ignore[no-any-return]


def test_ikev2_counterexample_text(ikev2_json: dict[str, object]) -> None:
    (result,) = ikev2_json["results"]  # type: ignore[misc]
    texts = [e["text"] for e in result["trace"]["events"]]
    assert "send IKE_SA_INIT #1: 10.56.240.208:500 -> 10.56.240.221:500" in texts
    assert "answers IKE_SA_INIT and IKE_AUTH: 10.56.240.208:500 -> 10.56.240.221:500" in texts
    assert "starts CREATE_CHILD_SA (new IPsec SA)" in texts
    assert any(
        t.startswith("INFORMATIONAL (DPD liveness check) dropped by local-in") for t in texts
    )
    assert any(t.startswith("INFORMATIONAL (delete IPsec SA) dropped by local-in") for t in texts)
    assert (
        "link fail: peer declared dead after 5 unanswered DPD liveness checks (INFORMATIONAL)"
        in texts
    )
    assert not any(w in t for t in texts for w in IKEV1_WORDS)
    code, out = run("check", *FILES, "--property", "one-sided", "--traffic", PINNED)
    assert code == 1
    paragraph = " ".join(out.split())  # the explanation is wrapped at 96 columns
    assert "drops site1's DPD liveness checks (INFORMATIONAL) once the UDP 500 session" in paragraph


def test_event_fields_and_categories_do_not_depend_on_the_ike_version(
    ikev2_json: dict[str, object],
) -> None:
    code, out = run(
        "check", str(MODELS / "seed-intended"), "--property", "one-sided", "--format", "json"
    )
    assert code == 1
    v1 = json.loads(out)["results"][0]["trace"]["events"]
    v2 = ikev2_json["results"][0]["trace"]["events"]  # type: ignore[index]
    assert {tuple(sorted(e)) for e in v1} == {tuple(sorted(e)) for e in v2}

    # the same story step by step up to the dead-peer declaration: same categories
    def shape(events: list[dict[str, object]]) -> list[tuple[object, ...]]:
        return [(e["gateway"], e["category"], e["direction"]) for e in events[:17]]

    assert shape(v1) == shape(v2)
