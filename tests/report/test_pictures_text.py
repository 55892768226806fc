"""Mermaid and SVG sequence diagrams, the explanation paragraph and colour."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ipsecmc.render.explain import explain
from ipsecmc.render.text import render_text
from tests.report.helpers import FIXED, INTENDED, assert_no_secrets, report, run

SVG = "{http://www.w3.org/2000/svg}"


def test_mermaid_sequence_diagram() -> None:
    code, out = run("check", str(INTENDED), "--property", "agreement", "--format", "mermaid")
    assert code == 1
    assert "sequenceDiagram" in out.splitlines()[1]
    assert "participant site1" in out and "participant site2" in out
    drops = [line for line in out.splitlines() if "site1-xsite2:" in line]
    assert any("DPD R-U-THERE 1/3" in d and "local-in policy 2 (site2.conf:97)" in d for d in drops)
    assert "Note over site2: [180 s] UDP 500 session with the peer expired" in out
    assert "s later ..." in out  # idle stretches are compressed
    assert "#35;1" in out  # '#' escaped for Mermaid
    assert_no_secrets(out)


def test_svg_parses_and_has_the_expected_elements() -> None:
    code, out = run("check", str(INTENDED), "--property", "agreement", "--format", "svg")
    assert code == 1
    root = ET.fromstring(out.split("?>", 1)[1])
    assert root.tag == f"{SVG}svg"
    classes = [e.get("class", "") for e in root.iter()]
    assert classes.count("lifeline") == 2
    assert classes.count("gateway") == 2
    trace = report("seed-intended").results[0].trace
    assert trace is not None
    sends_dropped = sum(1 for ev in trace.events if ev.note.dropped_by is not None)
    assert classes.count("drop") == sends_dropped  # one cross per dropped packet
    assert any(c.startswith("msg ike") for c in classes)  # accepted IKE arrows
    assert "note session" in classes and "note sa" in classes
    assert "idle" in classes  # the 179 s idle stretch is a break, not 179 rows
    texts = " ".join(e.text or "" for e in root.iter(f"{SVG}text"))
    assert "dropped by local-in policy 2 (site2.conf:97)" in texts
    assert "180 s" in texts and "179 s later" in texts
    assert "final: tunnel DOWN" in texts and "final: tunnel UP" in texts
    assert_no_secrets(out)


def test_no_counterexample_pictures() -> None:
    code, out = run("check", str(FIXED), "--property", "agreement", "--format", "svg")
    assert code == 0
    ET.fromstring(out.split("?>", 1)[1])
    code, out = run("check", str(FIXED), "--property", "agreement", "--format", "mermaid")
    assert code == 0 and out.startswith("%%")


def test_explanation_says_what_went_wrong() -> None:
    r = report("seed-intended").results[0]
    assert r.trace is not None
    text = explain(r.trace, r.system.names)
    assert text.startswith("site2's local-in policy 2 (site2.conf:97) drops site1's DPD probes")
    assert "expired after 180 s" in text
    assert "site1 declares site2 dead and deletes the SA" in text
    assert "its delete is dropped too" in text
    assert "site1 has the tunnel DOWN while site2 has the tunnel UP" in text


def test_text_has_the_paragraph_and_is_plain_when_piped() -> None:
    code, out = run("check", str(INTENDED), "--property", "agreement")
    assert code == 1
    flat = " ".join(out.split())  # the paragraph is wrapped for the terminal
    assert 0 <= flat.find("site2's local-in policy 2") < flat.find("counterexample (")
    assert "\x1b[" not in out
    assert_no_secrets(out)
    coloured = render_text(report("seed-intended"), colour=True)
    assert re.search(r"\x1b\[[0-9;]*m", coloured)
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == render_text(report("seed-intended"))
