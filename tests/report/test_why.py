"""The first sentence of an explanation says what of the checked property fails, and
when (issue 14 item 5: the paragraph spoke of agreement whatever was checked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipsecmc import api
from ipsecmc.render.why import paragraph, what_failed

SEED = Path(__file__).resolve().parents[2] / "models" / "seed-intended"


def _result(name_or_text: str) -> api.PropertyResult:
    model = api.load([SEED])
    prop: str | api.Property = name_or_text
    if "\n" in name_or_text:
        prop = api.property_from_text(name_or_text)
    (r,) = api.check(model, [prop]).results
    return r


def _temporal(formula: str) -> str:
    return f"name: t\ndescription: d\nkind: temporal\nformula: {formula}\n"


@pytest.mark.parametrize(
    ("prop", "sentence"),
    [
        (
            "agreement",
            "`disagree` holds from 280 s without a break, more than T = 110 s (by 391 s)",
        ),
        ("one-sided", "drops_ike(end_b))` is false at 280 s"),
        (
            _temporal("up(end_a) != up(end_b) leads-to up(end_a) == up(end_b) within 100"),
            "`up(end_a) != up(end_b)` holds at 280 s and `up(end_a) == up(end_b)` does not "
            "follow within 100 s (still not by 381 s)",
        ),
        (
            _temporal("up(end_a) and up(end_b) within 0"),
            "`up(end_a) and up(end_b)` does not hold within 0 s of the start",
        ),
        (
            _temporal("up(end_a) == up(end_b) until false"),
            "`up(end_a) == up(end_b)` fails at 280 s, before `false` has held",
        ),
    ],
)
def test_the_first_sentence_fits_the_property(prop: str, sentence: str) -> None:
    r = _result(prop)
    assert r.verdict is api.Verdict.VIOLATED
    said = what_failed(r)
    assert said is not None and sentence in said
    assert paragraph(r).startswith(said + ": ")  # then the trace's story


def test_no_sentence_for_a_witness() -> None:
    r = _result("establishes")
    assert r.verdict is api.Verdict.HOLDS and r.trace is not None
    assert what_failed(r) is None
