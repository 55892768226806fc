"""Typed events (issue 13, item 4): consumers read event kinds and fields, never the
sentences; sentences come from one place in the words of the end's IKE version; the
urgent-event order is defined once."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from ipsecmc.engines.smt import terms as smt_terms
from ipsecmc.fortios.params import BEHAVIOURS
from ipsecmc.fortios.topology import load_scenario
from ipsecmc.model.events import URGENT_KINDS, EventKind, Note, Packet, Sa, Urgent
from ipsecmc.model.semantics import Label, Sink
from ipsecmc.model.state import UP
from ipsecmc.model.system import TransitionSystem
from ipsecmc.model.words import IKEV1, IKEV2, phrase
from ipsecmc.render import svg, text
from ipsecmc.render.explain import explain
from ipsecmc.render.fold import Fold, fold
from ipsecmc.render.mermaid import Mark, sequence_steps
from ipsecmc.render.sarif import blame
from ipsecmc.systems import build
from ipsecmc.trace import Trace
from ipsecmc.workflows.check import PropertyResult
from ipsecmc.workflows.suspects import first_drop, suspects_in
from tests.model.helpers import SEED_TRAFFIC, check, variant
from tests.report.helpers import report

PACKAGE = Path(__file__).parents[2] / "ipsecmc"
#: Every module that reads trace events (besides the model that writes them).
CONSUMERS = [
    *sorted((PACKAGE / "render").glob("*.py")),
    PACKAGE / "workflows" / "suspects.py",
    PACKAGE / "workflows" / "fix.py",
    PACKAGE / "workflows" / "diff.py",
    PACKAGE / "trace.py",
]
#: Misleading text: every phrase the renderers used to search for.
BAIT = (
    "send answers IKE phase1 negotiation dropped by local-in policy 9 tunnel UP DOWN "
    "deleted link fail session with the peer expired (TTL 1 s delete"
)
IKEV1_WORDS = ("quick mode", "R-U-THERE", "phase1", "phase2", "main mode")
IKEV2_WORDS = ("IKE_SA_INIT", "CREATE_CHILD_SA", "INFORMATIONAL")


def _reworded(r: PropertyResult) -> PropertyResult:
    assert r.trace is not None
    events = tuple(replace(e, note=replace(e.note, text=BAIT)) for e in r.trace.events)
    return replace(r, replayed=replace(r.trace, events=events))


def _trace(r: PropertyResult) -> Trace:
    assert r.trace is not None
    return r.trace


def _shape(step: object) -> object:
    """A diagram step without the free text of a lifeline note."""
    return replace(step, text="") if isinstance(step, Mark) else step


def test_rewording_every_note_changes_no_classification() -> None:
    (r,) = report("seed-intended").results
    bait = _reworded(r)
    trace, other = _trace(r), _trace(bait)
    names = r.system.names
    assert explain(trace, names, suspects_in(r.tunnel, trace)) == explain(
        other, names, suspects_in(bait.tunnel, other)
    )
    assert "drops site1's DPD probes" in explain(trace, names)
    assert blame(r) == blame(bait)
    assert first_drop(trace) == replace(first_drop(other), note=first_drop(trace).note)  # type: ignore[arg-type]
    colours = [text._event_colour(e) for e in trace.events]
    assert colours == [text._event_colour(e) for e in other.events]
    assert {"red", "green", "yellow"} <= set(colours)
    steps = sequence_steps(trace, names)
    assert [_shape(s) for s in steps] == [_shape(s) for s in sequence_steps(other, names)]
    marks = [s for s in steps if isinstance(s, Mark)]
    assert [svg._note_colours(m) for m in marks] == [
        svg._note_colours(replace(m, text=BAIT)) for m in marks
    ]
    shape = [type(x) if isinstance(x, Fold) else x.note.kind for x in fold(trace.events)]
    assert shape == [type(x) if isinstance(x, Fold) else x.note.kind for x in fold(other.events)]


def _text_matches(tree: ast.AST) -> list[int]:
    """Lines that search a ``.text`` attribute: ``"x" in a.text``, ``a.text.startswith``,
    ``re.match(..., a.text)`` and the like."""

    def is_text(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "text"

    methods = {"startswith", "endswith", "find", "index", "split", "partition", "count"}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(
            isinstance(op, (ast.In, ast.NotIn)) for op in node.ops
        ):
            if any(is_text(c) for c in node.comparators):
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in methods and is_text(node.func.value):
                found.append(node.lineno)
            if node.func.attr in {"match", "search", "fullmatch", "findall"} and any(
                is_text(a) for a in node.args
            ):
                found.append(node.lineno)
    return found


@pytest.mark.parametrize("path", CONSUMERS, ids=lambda p: p.name)
def test_no_consumer_searches_the_text_of_an_event(path: Path) -> None:
    assert _text_matches(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_text_search_finder_finds_what_it_must() -> None:
    code = 'a = "x" in ev.note.text\nb = ev.text.startswith("y")\nc = R.match(n.text)\n'
    assert _text_matches(ast.parse(code)) == [1, 2, 3]


# ---------------------------------------------------------------------- one phrase book
def _ike_edits(ike: int) -> dict[str, list[tuple[str, str]]]:
    """``variant`` edits that set both ends' phase1 to ``ike-version ike``."""
    return {
        name: [("set remote-gw", f"set ike-version {ike}\n        set remote-gw")]
        for name in ("site1.conf", "site2.conf")
    }


def test_every_event_kind_has_a_sentence_in_both_versions() -> None:
    (tunnel,) = load_scenario([Path(__file__).parents[2] / "models" / "seed-intended"]).tunnels
    ends = build(tunnel, SEED_TRAFFIC).params.ends
    for version, mine, theirs in ((1, IKEV1, IKEV2_WORDS), (2, IKEV2, IKEV1_WORDS)):
        v_ends = (
            replace(ends[0], ike_version=version, behaviour=BEHAVIOURS[version]),
            replace(ends[1], ike_version=version, behaviour=BEHAVIOURS[version]),
        )
        for kind in EventKind:
            for packet in Packet:
                if kind is EventKind.ANSWERED and packet not in mine.answers:
                    continue  # deletes are not answered
                for sa in Sa:
                    note = Note(0, kind, "", None, packet, 2, 1, 3, sa, 20, version)
                    said = phrase(note, v_ends, "policy 2 matches")
                    assert said and not any(w in said for w in theirs), (kind, said)
                    assert kind.category in {
                        "ike",
                        "session",
                        "sa",
                        "dpd",
                        "esp",
                        "traffic",
                        "fault",
                    }
                    assert kind.direction in {"", "<", ">"}
        assert mine.packets.keys() == {int(p) for p in Packet}
        assert mine.plurals.keys() == {int(p) for p in Packet}
        assert mine.keylife.keys() == set(Sa)


def test_fields_are_what_the_consumers_need() -> None:
    (r,) = report("seed-intended").results
    events = _trace(r).events
    drops = [e.note for e in events if e.note.kind is EventKind.DROPPED]
    assert drops and all(n.policy == 2 and n.dropped_by == 2 and n.loc for n in drops)
    assert {n.packet for n in drops} >= {Packet.PROBE, Packet.DELETE_P2, Packet.DELETE_P1}
    probes = [
        e.note for e in events if e.note.kind is EventKind.SENT and e.note.packet is Packet.PROBE
    ]
    assert [(n.attempt, n.attempts) for n in probes][:3] == [(1, 3), (2, 3), (3, 3)]
    expired = [e.note for e in events if e.note.kind is EventKind.SESSION_EXPIRED]
    assert expired and all(n.seconds == 180 for n in expired)
    assert all(e.note.direction == e.note.kind.direction for e in events)
    assert any(e.note.tunnel_up for e in events)


# ---------------------------------------------------------------------- IKEv2 words
def _ike_system(tmp_path: Path, ike: int) -> TransitionSystem:
    folder = variant(tmp_path, "seed-intended", _ike_edits(ike))
    (tunnel,) = load_scenario([folder]).tunnels
    return build(tunnel, SEED_TRAFFIC)


def _notes_until_both_up_and_then(system: TransitionSystem) -> list[Note]:
    """The notes of the first successor path until both IPsec SAs are up, then of a
    phase2 rekey, a phase1 rekey, a DPD probe run to the end, from that state."""
    s, notes = system.initial(), []
    for _ in range(200):
        if s.a.p2 == UP == s.b.p2:
            break
        label, after = system.successors(s)[0]
        notes += system.replay_step(s, label).notes
        s = after
    else:
        raise AssertionError("the tunnel did not come up")
    up = s
    p = system.params.ends[0]
    starts = [
        (up.with_end(0, up.a._replace(p2_life=0)), Urgent.P2_KEYLIFE),
        (up.with_end(0, up.a._replace(p1_life=0)), Urgent.P1_KEYLIFE),
        (up.with_end(0, up.a._replace(quiet=p.dpd_retryinterval, sess=0)), Urgent.DPD),
    ]
    for state, kind in starts:
        notes += system.replay_step(state, Label(kind, 0, 0)).notes
    return notes


@pytest.mark.parametrize("ike", [1, 2])
def test_seed_intended_speaks_the_words_of_its_ike_version(tmp_path: Path, ike: int) -> None:
    system = _ike_system(tmp_path, ike)
    notes = _notes_until_both_up_and_then(system)
    texts = [n.text for n in notes]
    foreign = IKEV1_WORDS if ike == 2 else IKEV2_WORDS
    assert not [t for t in texts if any(w in t for w in foreign)]
    keylife = [n.text for n in notes if n.kind is EventKind.KEYLIFE]
    if ike == 2:
        assert keylife == [
            "IPsec SA (child SA) lifetime reached: rekeying it with CREATE_CHILD_SA",
            "IKE SA lifetime reached: rekeying it with CREATE_CHILD_SA",
        ]
        assert "send INFORMATIONAL (DPD liveness check) 1/5: " in " ".join(texts)
    else:
        assert keylife == [
            "phase2 keylife reached: rekeying the IPsec SA",
            "phase1 keylife reached: rekeying the IKE SA",
        ]
        assert "send DPD R-U-THERE 1/3: " in " ".join(texts)
    assert {EventKind.STARTS, EventKind.SENT, EventKind.ANSWERED, EventKind.SA_UP} <= {
        n.kind for n in notes
    }
    assert all(n.ike_version == ike for n in notes if n.packet is not None)


def test_ikev2_seed_trace_keeps_kinds_and_explains_in_ikev2_words(tmp_path: Path) -> None:
    folder = variant(tmp_path, "seed-intended", _ike_edits(2))
    (r,) = check([folder], properties=("one-sided",)).results
    assert r.verdict.value == "VIOLATED"
    trace = _trace(r)
    texts = [e.note.text for e in trace.events]
    assert not [t for t in texts if any(w in t for w in IKEV1_WORDS)]
    kinds = {e.note.kind for e in trace.events}
    assert {EventKind.SENT, EventKind.DROPPED, EventKind.PEER_DEAD} <= kinds
    paragraph = explain(trace, r.system.names)
    assert "DPD liveness checks (INFORMATIONAL)" in paragraph
    assert "R-U-THERE" not in paragraph


# ---------------------------------------------------------------------- urgent order
def test_the_urgent_order_is_defined_once() -> None:
    assert smt_terms.URGENT is URGENT_KINDS
    assert tuple(Urgent) == URGENT_KINDS
    system = build(load_scenario([Path(__file__).parents[2] / "models" / "seed-fixed"]).tunnels[0])
    sem = system.semantics
    assert set(sem._handlers) == set(sem._guards) == set(URGENT_KINDS)
    # several guards hold: the first kind of URGENT_KINDS wins
    s = sem.initial()
    both = s.with_end(0, s.a._replace(p1=UP, p2=UP, p2_life=0, p1_life=0, dpd_timer=0))
    assert sem.due(both, 0) is Urgent.P2_KEYLIFE
    assert sem.due(both.with_end(0, both.a._replace(p2_life=5)), 0) is Urgent.P1_KEYLIFE


def test_a_silent_sink_needs_no_ends_and_records_nothing() -> None:
    sink = Sink(False)
    sink.add(0, EventKind.SENT, packet=object(), attempt=object())  # type: ignore[arg-type]
    sink.add_if(object(), 0, EventKind.SA_DOWN, sa=Sa.IPSEC)  # type: ignore[arg-type]
    assert sink.notes == [] and sink.fork().notes == []
