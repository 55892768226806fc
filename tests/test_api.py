"""``ipsecmc.api``: the stable Python interface (issue 14, item 1)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ipsecmc.api as api
from ipsecmc.errors import UsageError

MODELS = Path(__file__).resolve().parents[1] / "models"
SEED = MODELS / "seed-intended"


def test_all_is_exactly_the_public_names() -> None:
    """Every name in ``__all__`` exists, and every public name the module defines or
    imports is listed (a name added without thought is a promise)."""
    tree = ast.parse(Path(api.__file__).read_text())
    public = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            public.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            public.add(node.target.id)
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            public |= {a.asname or a.name for a in node.names}
    public = {n for n in public if not n.startswith("_")}
    exported = set(api.__all__)
    assert all(hasattr(api, n) for n in exported)
    # helpers used only inside the module are the allowed difference
    assert exported <= public
    internal = {"Sequence", "Path", "replace", "TunnelSystem", "UsageError", "CheckOptions"}
    internal |= {"check_model", "load_model", "load_property", "parse_property"}
    internal |= {"read_results", "results_from_json"}
    internal |= {"Mapping", "load_all", "MeasureOptions", "measure_model", "quantity_for"}
    assert public - exported <= internal
    assert {"load", "check", "with_timers", "property_from_text"} <= exported


def test_load_honours_scenario_toml_and_check_returns_traces() -> None:
    model = api.load([SEED])
    assert model.traffic == "both:200,site1-to-site2" and model.rekey
    (result,) = api.check(model, ["agreement"]).results
    assert result.verdict is api.Verdict.VIOLATED
    assert result.trace is not None and result.trace.duration == 391
    last = result.trace.events[-1]
    assert last.after is not None
    words = result.system.describe(last.after)  # the final state is a tick later
    assert (words["site1"]["tunnel"], words["site2"]["tunnel"]) == ("DOWN", "UP")
    times = [e.time for e in result.trace.events]
    assert times == sorted(times) and times[-1] <= result.trace.duration
    assert api.load([SEED], traffic="none").traffic == "none"


def test_with_timers_is_a_what_if_without_config_text() -> None:
    """The seed's failure needs the UDP 500 session to age out: with sessions that
    never do, agreement is proved; the original model is unchanged."""
    model = api.load([SEED])
    never = api.with_timers(model, session_ttl=None)
    assert all(p.session_ttl is None for s in never.systems for p in s.params.ends)
    assert api.check(never, ["agreement"]).results[0].verdict is api.Verdict.HOLDS
    assert all(p.session_ttl == 180 for s in model.systems for p in s.params.ends)
    one = api.with_timers(model, end="site2", dpd_retryinterval=7)
    assert [p.dpd_retryinterval for p in one.systems[0].params.ends] == [20, 7]


@pytest.mark.parametrize(
    ("timers", "end", "message"),
    [
        ({"ttl": 5}, None, "unknown timer"),
        ({"dpd_retryinterval": 0}, None, "expected a positive value"),
        ({"dpd_retrycount": None}, None, "needs a value"),
        ({"session_ttl": 5}, "nowhere", "no tunnel has an end named"),
    ],
)
def test_with_timers_rejects_bad_values(
    timers: dict[str, int | None], end: str | None, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        api.with_timers(api.load([SEED]), end=end, **timers)


_BOTH_UP = (
    "name: both-up\ndescription: both ends agree\nkind: invariant\n"
    "formula: up(end_a) == up(end_b)\n"
)


def test_a_property_written_as_text() -> None:
    mine = api.property_from_text(_BOTH_UP)
    assert api.Property.from_text(_BOTH_UP) == mine
    with pytest.raises(api.IpsecmcError, match=r"mine\.prop:4:"):
        api.Property.from_text(_BOTH_UP.replace("up(end_b)", "up(end_b"), "mine.prop")
    report = api.check(api.load([SEED]), [mine])
    assert [r.prop.name for r in report.results] == ["both-up"]
    assert report.results[0].verdict is api.Verdict.VIOLATED
    assert api.exit_code(report) == 1


def _saved_report(tmp_path: Path) -> tuple[api.LoadedModel, Path]:
    from ipsecmc.render.json_report import render_json

    model = api.load([SEED])
    report = tmp_path / "report.json"
    report.write_text(render_json(api.check(model, ["agreement", "establishes"])))
    return model, report


def test_saved_json_traces_replay_on_the_model(tmp_path: Path) -> None:
    """A report's traces read back from JSON equal the traces the check returned, with
    the model state of every event (issue 14, item 4)."""
    model, report = _saved_report(tmp_path)
    fresh = {r.prop.name: r.trace for r in api.check(model, ["agreement", "establishes"]).results}
    saved = api.load_traces(report, model)
    assert [(s.property, s.verdict) for s in saved] == [
        ("agreement", api.Verdict.VIOLATED),
        ("establishes", api.Verdict.HOLDS),  # with a witness: the tunnel comes up
    ]
    for s in saved:
        original = fresh[s.property]
        assert s.trace is not None and original is not None
        assert s.trace.events == original.events and s.trace.duration == original.duration
        assert all(e.after is not None for e in s.trace.events)
        assert s.trace.events[-1].after == original.events[-1].after


def test_saved_json_traces_without_a_model_keep_typed_fields(tmp_path: Path) -> None:
    model, report = _saved_report(tmp_path)
    (fresh, _) = (r.trace for r in api.check(model, ["agreement", "establishes"]).results)
    saved = api.load_traces(report)[0].trace
    assert saved is not None and fresh is not None
    assert saved.events == fresh.events  # kind, packet, policy, loc, ... (not the state)
    assert saved.events[0].after is None
    assert saved.path == fresh.path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "report.json:1:2: not JSON"),
        ('{"version": 2, "results": []}', "version: expected schema version 1, found 2"),
        ('{"version": 1}', "document.results: expected a value, found nothing"),
        (
            '{"version": 1, "results": [{"tunnel": "t", "property": "p", "verdict": "MAYBE"}]}',
            "results[0].verdict: expected one of HOLDS, VIOLATED",
        ),
        (
            '{"version": 1, "results": [{"tunnel": "t", "property": "p", "verdict": "HOLDS",'
            ' "trace": {"path": [{"kind": "reboot", "end": 0, "arg": 0}]}}]}',
            "results[0].trace.path[0].kind: expected one of delay, dpd",
        ),
    ],
)
def test_bad_saved_json_names_the_place(text: str, message: str) -> None:
    with pytest.raises(api.IpsecmcError, match=message.replace("[", r"\[").replace("]", r"\]")):
        api.load_traces("report.json", text=text)


def test_a_path_from_another_model_is_refused(tmp_path: Path) -> None:
    _, report = _saved_report(tmp_path)
    other = api.with_timers(api.load([SEED]), session_ttl=None)
    with pytest.raises(api.IpsecmcError, match="does not replay on this model"):
        api.load_traces(report, other)


def test_measure_with_a_quantity_of_ones_own() -> None:
    """``api.measure``: a built-in quantity and a formula of the user's (issue 14 item 1);
    the seed's worst disagreement is unbounded (a lasso) or at least the 111 s of the
    counterexample, and a one-sided quantity is never longer than disagreement itself."""
    model = api.load([SEED], rekey=False)  # no keylife timers: a quick measure
    both = api.measure(model, "disagreement").results[0].measurement
    mine = api.measure(model, "up(end_b) and not up(end_a)").results[0].measurement
    assert both.seconds is None or both.seconds >= 111
    assert mine.seconds is None or (both.seconds is not None and mine.seconds <= both.seconds)
    with pytest.raises(api.IpsecmcError, match="unknown atom"):
        api.measure(model, "upp(end_a)")
    with pytest.raises(api.IpsecmcError, match="1:4"):
        api.measure(model, "up(")
