"""How ``ipsecmc.workflows.parallel`` finishes results: rendered in workers, witnesses on demand.

The hub here has the long witness that made ``--jobs 2`` slow (a blocked spoke's
``recoverable`` witness runs to the phase2 rekey: ~14,000 steps and a loop), so the
reports compared below carry real traces, not toy ones.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import replace

import pytest
from click.testing import CliRunner

import ipsecmc.workflows.check
import ipsecmc.workflows.tunnel_check
from benchmarks.hub_gen import TIMER_CLASSES, Hub, generate
from ipsecmc.cli import main
from ipsecmc.engines.result import Verdict
from ipsecmc.errors import InternalError, SourceLoc
from ipsecmc.model.events import EventKind, Note, Packet
from ipsecmc.render.json_report import iter_json, result_dict, result_json
from ipsecmc.render.junit import render_junit
from ipsecmc.render.mermaid import render_mermaid
from ipsecmc.render.sarif import render_sarif
from ipsecmc.render.svg import render_svg
from ipsecmc.render.text import render_text
from ipsecmc.trace import Trace, TraceEvent, replay
from ipsecmc.workflows.check import CheckOptions, CheckReport, check_paths

PROPS = ("agreement", "recoverable")


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Hub:
    return generate(
        tmp_path_factory.mktemp("hub"), 4, blocked=2, seed=3, timer_classes=TIMER_CLASSES[:1]
    )


#: jobs -> whether each result's trace had been replayed in the parent when
#: ``check_paths`` returned (the ``reports`` fixture records it before any test reads one)
REPLAYED_BY_CHECK: dict[int, list[bool]] = {}


@pytest.fixture(scope="module")
def reports(hub: Hub) -> dict[int, CheckReport]:
    """The hub checked in this process and in two workers, rendered to JSON where made."""
    out = {}
    for jobs in (1, 2):
        options = CheckOptions(properties=PROPS, jobs=jobs)
        out[jobs] = check_paths([hub.path], options, render=result_json)
        REPLAYED_BY_CHECK[jobs] = ["trace" in vars(r) for r in out[jobs].results]
    return out


def _no_seconds(text: str) -> str:
    """Wall-clock seconds are the only thing allowed to differ between two runs."""
    text = re.sub(r'"seconds": [0-9.e-]+', '"seconds": 0', text)
    return re.sub(r"stored, [0-9.]+ s", "stored, 0 s", text)


def test_the_hub_has_long_witnesses_and_counterexamples(reports: dict[int, CheckReport]) -> None:
    witnesses = [r for r in reports[1].results if r.prop.name == "recoverable"]
    longest = max(len(r.result.path.labels) for r in witnesses if r.result.path is not None)
    assert longest > 10_000
    assert sum(r.verdict is Verdict.VIOLATED for r in reports[1].results) == 2


def test_json_and_text_are_the_same_for_any_jobs(reports: dict[int, CheckReport]) -> None:
    one, two = reports[1], reports[2]
    json1, json2 = "".join(iter_json(one)), "".join(iter_json(two))
    assert _no_seconds(json1) == _no_seconds(json2)
    assert json1.count('"time": ') > 20_000  # the long witnesses are in there
    for verbose in (False, True):
        text1, text2 = render_text(one, verbose), render_text(two, verbose)
        assert _no_seconds(text1) == _no_seconds(text2)
    assert "witness (43" in render_text(two, verbose=True)


def test_workers_render_and_the_text_is_what_the_parent_would_render(
    reports: dict[int, CheckReport],
) -> None:
    for jobs, report in reports.items():
        assert not any(REPLAYED_BY_CHECK[jobs]), "the parent replayed a trace it did not need"
        for r in report.results:
            assert r.rendered is not None and r.rendered[0] is result_json, jobs
            fresh = replace(r, rendered=None)
            assert r.render(result_json) == fresh.render(result_json)  # replays here


def test_a_rendered_text_is_only_used_for_its_own_renderer(
    reports: dict[int, CheckReport],
) -> None:
    r = reports[2].results[0]

    def other(result: ipsecmc.workflows.check.PropertyResult) -> str:
        return "other:" + result.tunnel.name

    assert r.render(other) == "other:" + r.tunnel.name


def test_counterexamples_are_replayed_at_once_witnesses_on_first_use(hub: Hub) -> None:
    props = ("agreement", "establishes")  # short searches; establishes has a witness
    report = check_paths([hub.path], CheckOptions(properties=props, jobs=2))
    for render in (render_text, render_mermaid, render_svg, render_sarif, render_junit):
        render(report)  # formats that show counterexamples only: no witness replayed
    assert not any("trace" in vars(r) for r in report.results if r.verdict is Verdict.HOLDS)
    for r in report.results:
        assert r.rendered is None
        if r.verdict is Verdict.VIOLATED:
            assert r.replayed is not None  # checked by the replay in a worker
            assert r.trace is r.replayed
        else:
            assert r.replayed is None and "trace" not in vars(r)
            if r.result.path is not None:  # establishes's witness
                assert r.trace == replay(r.system, r.result.path)
                assert "trace" in vars(r)  # replayed once, kept


def test_result_json_is_json_dumps_byte_for_byte(reports: dict[int, CheckReport]) -> None:
    def reference(r: ipsecmc.workflows.check.PropertyResult) -> str:
        return textwrap.indent(json.dumps(result_dict(r), indent=2), "    ")

    r = reports[1].results[0]
    odd = Trace(
        events=(
            TraceEvent(
                0,
                None,
                Note(-1, EventKind.TRAFFIC_CHANGES, 'quote " back\\slash \u00e9\u4e2d \x01'),
                False,
            ),
            TraceEvent(
                7,
                "h\u00fcb",
                Note(
                    0,
                    EventKind.DROPPED,
                    "drop",
                    SourceLoc("d\u00efr/a b.conf", 3, 9),
                    Packet.PROBE,
                    2,
                    attempt=1,
                    attempts=3,
                ),
                True,
            ),
        ),
        duration=7,
        loop_time=7,
        loop_duration=0,
        final_state={"h\u00fcb": {"tunnel": "UP"}},
        steps=2,
    )
    empty = Trace((), 0, None, None, {}, 0)
    crafted = [replace(r, replayed=t, rendered=None) for t in (odd, empty)]
    for one in [*reports[1].results, *crafted]:
        assert result_json(one) == reference(one)


def test_a_replay_failing_in_a_worker_is_a_clean_error(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forked workers inherit the broken replay; the parent prints one line, exit 4
    (an internal error: a bug, neither a verdict nor bad input)."""

    def broken(system: object, path: object) -> Trace:
        raise InternalError("engine path does not replay at step 3 (tick end=-1 arg=0)")

    monkeypatch.setattr(ipsecmc.workflows.tunnel_check, "replay", broken)
    args = ["check", str(hub.path), "--property", "agreement", "--format", "json", "--jobs", "2"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 4
    assert "does not replay at step 3" in result.stderr and "Traceback" not in result.output
    assert result.stderr.startswith("ipsecmc: internal error: ")
    assert len(result.stderr.splitlines()) == 1
    assert result.stdout == ""  # nothing written before the error


def test_the_cli_passes_its_renderer(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    real = ipsecmc.workflows.check.check_paths

    def spy(*args: object, **kwargs: object) -> CheckReport:
        seen.append(kwargs.get("render"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("ipsecmc.cli.check.check_paths", spy)
    for fmt in ("json", "text"):
        args = ["check", str(hub.path), "--property", "agreement", "--format", fmt, "--jobs", "1"]
        assert CliRunner().invoke(main, args).exit_code == 1
    assert seen == [result_json, None]
