"""JUnit XML for CI dashboards: one test case per tunnel x property.

VIOLATED is a ``<failure>`` (message: the explanation; body: the text trace), an
INCONCLUSIVE answer is ``<skipped>`` (nothing was proved either way), HOLDS and
HOLDS_UP_TO pass (the bound is in ``system-out``). One ``<testsuite>`` per tunnel, the
layout Jenkins, GitLab and GitHub test reporters all read.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from ipsecmc.engines.result import Verdict
from ipsecmc.render.text import render_trace
from ipsecmc.render.why import paragraph
from ipsecmc.workflows.check import CheckReport, PropertyResult

#: For ``ipsecmc diff``: given a result, say whether it fails and why (None: passes).
Judge = Callable[[PropertyResult], str | None]


def _default_judge(r: PropertyResult) -> str | None:
    return "VIOLATED" if r.verdict is Verdict.VIOLATED else None


def _case(r: PropertyResult, judge: Judge) -> tuple[ET.Element, bool, bool]:
    case = ET.Element(
        "testcase",
        {
            "classname": f"ipsecmc.{r.tunnel.name}",
            "name": r.prop.name,
            "time": f"{r.result.stats.seconds:.3f}",
        },
    )
    failed = judge(r)
    skipped = False
    if failed is not None:
        msg = failed
        if r.condition is not None:
            msg += f" ({r.prop.name} {r.condition.text()})"
        if r.trace is not None:
            msg += ": " + paragraph(r)
        fail = ET.SubElement(case, "failure", {"message": msg, "type": r.verdict.value})
        if r.trace is not None:
            width = max(9, *(len(n) for n in r.system.names))
            fail.text = "\n".join(render_trace(r.trace, width)) + "\n"
    elif r.verdict is Verdict.INCONCLUSIVE:
        ET.SubElement(case, "skipped", {"message": f"INCONCLUSIVE: {r.result.reason}"})
        skipped = True
    out = ET.SubElement(case, "system-out")
    bound = f" (T = {r.bound} s)" if r.bound is not None else ""
    out.text = f"{r.prop.name}{bound}: {r.verdict.value} - {r.result.reason}"
    return case, failed is not None, skipped


def junit_xml(results: Sequence[PropertyResult], judge: Judge | None = None) -> str:
    """The JUnit document for ``results`` (grouped by tunnel, in order)."""
    judge = judge or _default_judge
    root = ET.Element("testsuites", {"name": "ipsecmc"})
    suites: dict[str, ET.Element] = {}
    counts: dict[str, list[float]] = {}  # tests, failures, skipped, seconds
    for r in results:
        name = r.tunnel.name
        if name not in suites:
            suites[name] = ET.SubElement(root, "testsuite", {"name": name})
            counts[name] = [0, 0, 0, 0.0]
        case, failed, skipped = _case(r, judge)
        suites[name].append(case)
        c = counts[name]
        c[0] += 1
        c[1] += 1 if failed else 0
        c[2] += 1 if skipped else 0
        c[3] += r.result.stats.seconds
    for name, suite in suites.items():
        c = counts[name]
        suite.set("tests", str(int(c[0])))
        suite.set("failures", str(int(c[1])))
        suite.set("errors", "0")
        suite.set("skipped", str(int(c[2])))
        suite.set("time", f"{c[3]:.3f}")
    root.set("tests", str(sum(int(c[0]) for c in counts.values())))
    root.set("failures", str(sum(int(c[1]) for c in counts.values())))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def render_junit(report: CheckReport) -> str:
    return junit_xml(report.results)
