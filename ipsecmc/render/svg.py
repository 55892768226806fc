"""Counterexamples as an SVG sequence diagram, drawn without a browser or network.

Written with ``xml.etree`` rather than a drawing library: the picture is lines, boxes
and text, and an SVG of them is a few dozen lines of code with no dependency to keep
(drawsvg/svgwrite would add an install for no new capability).

Layout: one lifeline per gateway; time runs down the page, one row per step, with the
time printed on the left whenever it changes; idle stretches of ``IDLE_GAP`` seconds or
more collapse into a zig-zag break labelled with their length, so 180 s of nothing takes
one row. IKE packets are solid arrows, ESP dashed; a packet dropped by local-in ends
in a red cross with the policy and config line. Session expiry, SA state and DPD are
notes on the lifeline. The repeating part of a lasso is shaded.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from ipsecmc.engines.result import Verdict
from ipsecmc.model.events import SA_LOST
from ipsecmc.render.explain import short_loc
from ipsecmc.render.mermaid import IDLE_GAP, Mark, Message, Step, sequence_steps
from ipsecmc.render.why import paragraph
from ipsecmc.workflows.check import CheckReport, PropertyResult

SVG_NS = "http://www.w3.org/2000/svg"
ROW = 24
BREAK = 30
TOP = 96
LEFT = 80
LANE = 470
CHAR = 6.3  # average glyph width of 11 px sans-serif, for box sizing
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"

_NOTE_COLOURS = {
    "session": ("#fff4e0", "#d98b00"),
    "dpd": ("#f1e9ff", "#7a4cc2"),
    "traffic": ("#eef5ee", "#5b8c5b"),
    "ike": ("#f4f4f4", "#888888"),
}
_UP = ("#e6f6e6", "#2e8b2e")
_DOWN = ("#fde8e8", "#c62828")


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    """A child element; ``font_size=`` becomes ``font-size``, ``class_`` becomes ``class``."""
    names = {k: k.rstrip("_").replace("_", "-") for k in attrs}
    e = ET.SubElement(parent, tag, {names[k]: str(v) for k, v in attrs.items()})
    if text is not None:
        e.text = text
    return e


def _note_colours(m: Mark) -> tuple[str, str]:
    if m.kind == "sa":
        return _DOWN if m.event in SA_LOST else _UP
    return _NOTE_COLOURS.get(m.kind, _NOTE_COLOURS["ike"])


def _fit(text: str, width: float) -> str:
    limit = max(int(width / CHAR), 8)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _diagram(root: ET.Element, r: PropertyResult, y0: float, width: float) -> float:
    """Draw one counterexample starting at ``y0``; returns the y after it."""
    assert r.trace is not None
    names: Sequence[str] = r.system.names
    xs = {n: LEFT + LANE / 2 + i * LANE for i, n in enumerate(names)}
    g = _el(root, "g", class_="diagram")
    _el(
        g,
        "text",
        f"tunnel {r.tunnel.name} \u2014 {r.prop.name}: {r.verdict.value}",
        x=12,
        y=y0 + 22,
        font_size=15,
        font_weight="bold",
        class_="title",
    )
    lines = textwrap.wrap(paragraph(r), width=int((width - 24) / CHAR), break_on_hyphens=False)
    for k, line in enumerate(lines):
        _el(
            g,
            "text",
            line,
            x=12,
            y=y0 + 40 + 15 * k,
            font_size=11,
            fill="#333",
            class_="explanation",
        )
    y0 += 15 * len(lines) + 8
    steps: list[Step] = sequence_steps(r.trace, names)
    # y position of each step, with idle breaks
    rows: list[tuple[float, Step, int | None]] = []  # (y, step, idle seconds before it)
    y = y0 + TOP
    last: int | None = None
    for step in steps:
        gap = None
        if last is not None and step.time - last >= IDLE_GAP:
            gap = step.time - last
            y += BREAK
        rows.append((y, step, gap))
        last = step.time
        y += ROW
    bottom = y + 10
    # loop shading first so that it sits behind everything
    loop_rows = [yy for yy, s, _ in rows if s.in_loop]
    if loop_rows:
        _el(
            g,
            "rect",
            x=LEFT - 70,
            y=loop_rows[0] - ROW / 2 - 2,
            width=width - LEFT + 60,
            height=loop_rows[-1] - loop_rows[0] + ROW + 4,
            fill="#f3f6fb",
            stroke="#9ab",
            stroke_dasharray="4 3",
            class_="loop",
        )
        _el(
            g,
            "text",
            f"repeats forever (every {r.trace.loop_duration} s)",
            x=width - 16,
            y=loop_rows[0] - ROW / 2 + 12,
            text_anchor="end",
            font_size=11,
            fill="#567",
        )
    # lifelines and heads
    for n in names:
        x = xs[n]
        _el(
            g,
            "line",
            x1=x,
            y1=y0 + 58,
            x2=x,
            y2=bottom,
            stroke="#999",
            stroke_dasharray="6 4",
            class_="lifeline",
        )
        _el(
            g,
            "rect",
            x=x - 60,
            y=y0 + 32,
            width=120,
            height=28,
            rx=4,
            fill="#24476b",
            class_="gateway",
        )
        _el(
            g,
            "text",
            n,
            x=x,
            y=y0 + 51,
            text_anchor="middle",
            fill="white",
            font_size=13,
            font_weight="bold",
        )
    _el(g, "text", "time", x=LEFT - 10, y=y0 + 51, text_anchor="end", font_size=11, fill="#666")
    shown: int | None = None
    for yy, step, gap in rows:
        if gap is not None:
            by = yy - BREAK / 2 - ROW / 2 + 4
            pts = " ".join(
                f"{LEFT - 70 + k * 12},{by + (4 if k % 2 else -4)}"
                for k in range(int((width - LEFT + 60) / 12) + 1)
            )
            _el(g, "polyline", points=pts, fill="none", stroke="#bbb", class_="idle")
            _el(
                g,
                "text",
                f"\u2026 {gap} s later \u2026",
                x=width / 2,
                y=by + 4,
                text_anchor="middle",
                font_size=11,
                fill="#777",
                style="paint-order:stroke",
                stroke="white",
                stroke_width=5,
                class_="idle-label",
            )
        if step.time != shown:
            _el(
                g,
                "text",
                f"{step.time} s",
                x=LEFT - 10,
                y=yy + 4,
                text_anchor="end",
                font_size=11,
                fill="#444",
                class_="time",
            )
            shown = step.time
        if isinstance(step, Message):
            _message(g, step, xs, yy)
        else:
            _mark(g, step, xs, yy, width)
    fy = bottom + 8
    for n, s in r.trace.final_state.items():
        if n not in xs:
            continue
        up = s.get("tunnel") == "UP"
        fill, stroke = _UP if up else _DOWN
        label = f"final: tunnel {s.get('tunnel')} (phase1 {s.get('p1')}, phase2 {s.get('p2')})"
        w = len(label) * (CHAR + 0.9) + 16  # bold glyphs are wider
        _el(
            g,
            "rect",
            x=xs[n] - w / 2,
            y=fy,
            width=w,
            height=22,
            rx=3,
            fill=fill,
            stroke=stroke,
            stroke_width=1.5,
            class_="final",
        )
        _el(
            g,
            "text",
            label,
            x=xs[n],
            y=fy + 15,
            text_anchor="middle",
            font_size=11,
            font_weight="bold",
            fill=stroke,
        )
    return fy + 40


def _message(g: ET.Element, m: Message, xs: dict[str, float], y: float) -> None:
    x1, x2 = xs[m.src], xs[m.dst]
    dropped = m.dropped_by is not None or bool(m.dropped_why)
    colour = "#c62828" if dropped else ("#1f5fa8" if m.kind == "ike" else "#2e7d32")
    direction = 1 if x2 > x1 else -1
    end = x2 - direction * (6 if dropped else 2)
    attrs: dict[str, object] = {"stroke": colour, "stroke_width": 1.6, "class_": f"msg {m.kind}"}
    if m.kind == "esp":
        attrs["stroke_dasharray"] = "5 3"
    if not dropped:
        attrs["marker_end"] = "url(#arrow-ike)" if m.kind == "ike" else "url(#arrow-esp)"
    _el(g, "line", None, x1=x1, y1=y + 4, x2=end, y2=y + 4, **attrs)
    label = m.label
    if dropped:
        where = f" ({short_loc(m.loc)})" if m.loc is not None else ""
        label += f" \u2716 {m.dropped_why}{where}"
        c = 6
        _el(
            g,
            "path",
            d=f"M{x2 - c},{y + 4 - c} L{x2 + c},{y + 4 + c} "
            f"M{x2 - c},{y + 4 + c} L{x2 + c},{y + 4 - c}",
            stroke=colour,
            stroke_width=2.6,
            class_="drop",
        )
    _el(
        g,
        "text",
        _fit(label, abs(x2 - x1) - 8),
        x=(x1 + x2) / 2,
        y=y,
        text_anchor="middle",
        font_size=11,
        fill=colour,
        class_="msg-label",
    )


def _mark(g: ET.Element, m: Mark, xs: dict[str, float], y: float, width: float) -> None:
    fill, stroke = _note_colours(m)
    if m.gateway is None or m.gateway not in xs:
        text = _fit(m.text, width - LEFT)
        w = len(text) * CHAR + 14
        cx = (min(xs.values()) + max(xs.values())) / 2
    else:
        text = _fit(m.text, LANE - 30)
        w = len(text) * CHAR + 14
        cx = xs[m.gateway]
    _el(
        g,
        "rect",
        x=cx - w / 2,
        y=y - 9,
        width=w,
        height=18,
        rx=3,
        fill=fill,
        stroke=stroke,
        class_=f"note {m.kind}",
    )
    _el(g, "text", text, x=cx, y=y + 4, text_anchor="middle", font_size=11, fill="#222")


def _defs(root: ET.Element) -> None:
    defs = _el(root, "defs")
    for name, colour in (("arrow-ike", "#1f5fa8"), ("arrow-esp", "#2e7d32")):
        marker = _el(
            defs,
            "marker",
            id=name,
            viewBox="0 0 10 10",
            refX=9,
            refY=5,
            markerWidth=7,
            markerHeight=7,
            orient="auto-start-reverse",
        )
        _el(marker, "path", d="M 0 0 L 10 5 L 0 10 z", fill=colour)


def svg_for(results: Sequence[PropertyResult]) -> str:
    """An SVG document with one diagram per result that has a trace, stacked."""
    lanes = max((len(r.system.names) for r in results), default=2)
    width = LEFT + LANE * lanes + 10
    ET.register_namespace("", SVG_NS)
    root = ET.Element(f"{{{SVG_NS}}}svg", {"version": "1.1", "font-family": FONT})
    _el(root, "title", "ipsecmc counterexample")
    _defs(root)
    bg = _el(root, "rect", x=0, y=0, width=width, fill="white", class_="background")
    y = 0.0
    for r in results:
        y = _diagram(root, r, y, width)
    if not results:
        _el(root, "text", "no counterexample: no property is VIOLATED", x=12, y=30, font_size=14)
        y = 50
    height = int(y) + 10
    bg.set("height", str(height))
    root.set("width", str(int(width)))
    root.set("height", str(height))
    root.set("viewBox", f"0 0 {int(width)} {height}")
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def render_svg(report: CheckReport) -> str:
    """The counterexamples of ``report`` (VIOLATED results) as one SVG document."""
    return svg_for(
        [r for r in report.results if r.verdict is Verdict.VIOLATED and r.trace is not None]
    )
