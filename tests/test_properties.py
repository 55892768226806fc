"""Tests of the property language: library files, error locations, semantics, round trips.

Bad files live in ``tests/properties_data/``; the first line of each says the error it
must produce (``# expect: line:col: message``), so adding a case is adding a file.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipsecmc.errors import InternalError, PropertyError, UsageError
from ipsecmc.properties import (
    STANDARD_ATOMS,
    And,
    Atom,
    AtomSignature,
    BoolLit,
    BoundRef,
    Compare,
    CompareOp,
    EnumLit,
    Expr,
    Implies,
    IntLit,
    Not,
    Or,
    Property,
    Value,
    compile_formula,
    default_properties_dir,
    evaluate,
    load_all,
    load_property,
    parse_formula,
    parse_property,
    render,
    validate,
)

DATA = Path(__file__).parent / "properties_data"
GATEWAYS = ("site1", "site2")
LIBRARY = (
    "agreement",
    "establishes",
    "fault-recovery",
    "no-blackhole",
    "one-sided",
    "recoverable",
    "tunnel-comes-up",
)

PROPERTY_SETTINGS = settings(
    derandomize=True,
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def prop_text(formula: str, kind: str = "invariant", bound: str | None = None) -> str:
    lines = ["name: p", "description: a test property", f"kind: {kind}", f"formula: {formula}"]
    if bound is not None:
        lines.append(f"bound: {bound}")
    return "\n".join(lines) + "\n"


def parse_ok(formula: str, kind: str = "invariant", bound: str | None = None) -> Property:
    prop = parse_property(prop_text(formula, kind, bound), "p.prop")
    validate(prop, STANDARD_ATOMS, GATEWAYS)
    return prop


def error_of(fn: Callable[[], object]) -> str:
    """``line:col: message`` of the PropertyError that ``fn`` raises."""
    with pytest.raises(PropertyError) as info:
        fn()
    loc = info.value.loc
    assert loc is not None
    return f"{loc.line}:{loc.column}: {info.value.message}"


# --------------------------------------------------------------------------- library


def test_library_has_the_documented_properties() -> None:
    assert tuple(p.name for p in load_all()) == LIBRARY


@pytest.mark.parametrize("name", LIBRARY)
def test_library_property_parses_and_validates(name: str) -> None:
    prop = load_property(name)
    validate(prop, STANDARD_ATOMS, GATEWAYS)
    assert prop.source == default_properties_dir() / f"{name}.prop"
    assert prop.description
    assert parse_formula(prop.render()) == prop.formula


def test_library_contents() -> None:
    props = {p.name: p for p in load_all()}
    assert (props["agreement"].kind, props["agreement"].bound) == ("bounded", "auto")
    assert props["agreement"].render() == "disagree"
    assert props["no-blackhole"].render() == "blackhole(end_a) or blackhole(end_b)"
    assert props["no-blackhole"].bound == "auto"
    assert (props["establishes"].kind, props["establishes"].bound) == ("reachable", None)
    assert props["recoverable"].kind == "recoverable"
    assert props["recoverable"].render() == "up(end_a) and up(end_b)"
    assert props["tunnel-comes-up"].render() == "up(end_a) or up(end_b)"
    assert props["tunnel-comes-up"].kind == "reachable"
    assert props["establishes"].atoms == (Atom("up", ("end_a",)), Atom("up", ("end_b",)))
    assert (props["one-sided"].kind, props["one-sided"].bound) == ("invariant", None)
    assert props["one-sided"].render() == (
        "not (up(end_a) and not up(end_b) and drops_ike(end_a) "
        "or up(end_b) and not up(end_a) and drops_ike(end_b))"
    )


def test_load_by_path_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mine.prop").write_text(prop_text("up(site1)").replace("name: p", "name: mine"))
    assert load_property(str(tmp_path / "mine.prop")).name == "mine"
    assert load_property("mine", tmp_path).source == tmp_path / "mine.prop"
    monkeypatch.setenv("IPSECMC_PROPERTIES_DIR", str(tmp_path))
    assert default_properties_dir() == tmp_path
    assert [p.name for p in load_all()] == ["mine"]


def test_unknown_name_is_a_usage_error_with_suggestion() -> None:
    with pytest.raises(UsageError, match=r"unknown property 'agreemnt'.*did you mean 'agreement'"):
        load_property("agreemnt")
    with pytest.raises(UsageError, match="does not exist"):
        load_all(DATA / "no-such-dir")


def test_load_all_sorts_by_name(tmp_path: Path) -> None:
    for name in ("zeta", "alpha", "mid"):
        text = prop_text("disagree").replace("name: p", f"name: {name}")
        (tmp_path / f"{name}.prop").write_text(text)
    assert [p.name for p in load_all(tmp_path)] == ["alpha", "mid", "zeta"]


# --------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize("path", sorted(DATA.glob("*.prop")), ids=lambda p: p.stem)
def test_bad_file_reports_line_col_and_message(path: Path) -> None:
    expected = path.read_text().split("\n")[0].removeprefix("# expect: ")
    assert error_of(lambda: load_property(str(path))) == expected
    # The full text of the error is what the CLI prints: file:line:col: message.
    with pytest.raises(PropertyError, match=rf"^{path}:\d+:\d+: expected "):
        load_property(str(path))


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        (
            "up(a) and",
            "1:10: expected an atom, a number, an enum name, T, true, false, "
            "'not' or '(', found end of formula",
        ),
        ("up(a", "1:5: expected ',' or ')' in the arguments of up, found end of formula"),
        ("up(a,)", "1:6: expected an argument (a gateway name or a word like udp/500), found ')'"),
        ("up(a) up(b)", "1:7: expected 'and', 'or', 'implies' or end of formula, found 'up'"),
        (
            "x != ",
            "1:6: expected an atom, a number, an enum name, T, true, false, 'not' or "
            "'(', found end of formula",
        ),
        ("a ! b", "1:3: expected '!=' (comparison), found '!'"),
        (
            "Up(a)",
            "1:1: expected an atom, a number, an enum name, T, true, false, 'not' or "
            "'(' (atoms are lowercase, enum names UPPERCASE), found 'Up'",
        ),
        (
            "and",
            "1:1: expected an atom, a number, an enum name, T, true, false, 'not' or "
            "'(', found 'and'",
        ),
        ("1" * 19, "1:1: expected a number of at most 18 digits, found '" + "1" * 19 + "'"),
        (
            "(" * 60 + "a" + ")" * 60,
            "1:51: expected at most 50 levels of nesting, found more (split the property)",
        ),
    ],
)
def test_formula_syntax_errors(formula: str, expected: str) -> None:
    assert error_of(lambda: parse_formula(formula)) == expected


def test_formula_errors_point_into_the_file() -> None:
    with pytest.raises(PropertyError, match=r"^props/x\.prop:7:14: expected"):
        parse_formula("up(a) and", "props/x.prop", line=7, column=5)


def test_multiline_formula_and_comments() -> None:
    text = (
        "# header comment\n"
        "name: p   # trailing comment\n"
        "description: spans\n"
        "   two lines\n"
        "kind: invariant\n"
        "formula:\n"
        "    up(site1)     # first end\n"
        "\n"
        "    implies up(site2)\n"
    )
    prop = parse_property(text, "p.prop")
    assert prop.description == "spans two lines"
    assert prop.formula == Implies(Atom("up", ("site1",)), Atom("up", ("site2",)))
    assert prop.formula_loc.line == 7 and prop.formula_loc.column == 5
    assert prop.atoms[1].loc is not None and prop.atoms[1].loc.line == 9
    assert prop.loc.line == 2


def test_crlf_line_endings() -> None:
    prop = parse_property(prop_text("up(site1)").replace("\n", "\r\n"), "p.prop")
    assert prop.formula == Atom("up", ("site1",))


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("formula", "tree"),
    [
        ("disagree", Atom("disagree")),
        ("disagree()", Atom("disagree")),
        ("session(site2, udp/500)", Atom("session", ("site2", "udp/500"))),
        ("p1(site2) == UP", Compare("==", Atom("p1", ("site2",)), EnumLit("UP"))),
        ("dpd_failures(site1) >= 2", Compare(">=", Atom("dpd_failures", ("site1",)), IntLit(2))),
        ("not a and b", And((Not(Atom("a")), Atom("b")))),
        ("not a == 1", Not(Compare("==", Atom("a"), IntLit(1)))),
        ("a or b and c", Or((Atom("a"), And((Atom("b"), Atom("c")))))),
        ("a and b and c", And((Atom("a"), Atom("b"), Atom("c")))),
        ("(a and b) and c", And((And((Atom("a"), Atom("b"))), Atom("c")))),
        ("a implies b implies c", Implies(Atom("a"), Implies(Atom("b"), Atom("c")))),
        ("a or b implies c", Implies(Or((Atom("a"), Atom("b"))), Atom("c"))),
        ("x <= T", Compare("<=", Atom("x"), BoundRef())),
        ("true or false", Or((BoolLit(True), BoolLit(False)))),
        ("up(HQ-FW1)", Atom("up", ("HQ-FW1",))),
    ],
)
def test_parse_trees(formula: str, tree: Expr) -> None:
    assert parse_formula(formula) == tree


def test_atoms_are_distinct_hashable_and_located() -> None:
    prop = parse_ok("up(site1) and (up(site1) or p1(site2) == UP)")
    assert prop.atoms == (Atom("up", ("site1",)), Atom("p1", ("site2",)))
    assert prop.atoms[0].loc is not None and prop.atoms[0].loc.column == 10
    assert len({Atom("up", ("site1",)), prop.atoms[0]}) == 1


def test_bound_and_with_bound() -> None:
    prop = parse_ok("dpd_failures(site1) >= T", kind="invariant", bound="auto")
    assert prop.uses_bound and prop.bound == "auto"
    assert prop.with_bound(30).bound == 30
    assert parse_ok("disagree", kind="bounded", bound="45").bound == 45
    with pytest.raises(InternalError):
        prop.with_bound(-1)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        (
            "upp(site1)",
            "4:10: unknown atom 'upp' (known atoms: blackhole(G), disagree, "
            "dpd_failures(G), drops_ike(G), p1(G), p2(G), session(G, x), up(G)); "
            "did you mean 'up'?",
        ),
        ("up(site1, site2)", "4:10: expected 1 argument for up(G), found 2 in up(site1, site2)"),
        (
            "session(site1)",
            "4:10: expected 2 arguments for session(G, x), found 1 in session(site1)",
        ),
        ("disagree(site1)", "4:10: expected 0 arguments for disagree, found 1 in disagree(site1)"),
        (
            "session(site1, tcp/443)",
            "4:25: expected udp/500 in session(site1, tcp/443), found 'tcp/443' "
            "(the model tracks the IKE session only)",
        ),
        (
            "up(site3)",
            "4:13: unknown gateway 'site3' in up(site3) (known gateways: end_a, "
            "end_b, site1, site2)",
        ),
        (
            "up(site1) and dpd_failures(site1)",
            "4:24: expected a condition as an operand of "
            "'and', found dpd_failures(site1), which is an integer",
        ),
        (
            "dpd_failures(site1)",
            "4:10: expected a condition as the formula, found "
            "dpd_failures(site1), which is an integer",
        ),
        (
            "up(site1) >= 2",
            "4:20: expected both sides of '>=' to have the same type, found "
            "up(site1) (a condition) and 2 (an integer)",
        ),
        (
            "p1(site1) == 2",
            "4:20: expected both sides of '==' to have the same type, found "
            "p1(site1) (an enum) and 2 (an integer)",
        ),
        (
            "p1(site1) < UP",
            "4:20: expected integers on both sides of '<', found enums (use == or != for enums)",
        ),
        (
            "p2(site1) == CONNECTING",
            "4:23: expected one of DOWN, UP (the values of p2), found CONNECTING",
        ),
        ("p1(site1) == UPP", "4:23: expected an enum name (CONNECTING, DOWN, UP), found 'UPP'"),
        (
            "not 3",
            "4:14: expected a condition as the operand of 'not', found 3, which is an integer",
        ),
        (
            "T implies up(site1)",
            "4:10: expected a condition as the left side of 'implies', "
            "found T, which is an integer",
        ),
    ],
)
def test_validation_errors(formula: str, expected: str) -> None:
    bound = "5" if "T" in formula.split() else None
    prop = parse_property(prop_text(formula, bound=bound), "p.prop")
    assert error_of(lambda: validate(prop, STANDARD_ATOMS, GATEWAYS)) == expected


@pytest.mark.parametrize(
    "formula",
    [
        "up(end_a) and up(end_b)",
        "p1(site1) == p1(site2)",
        "up(site1) == up(site2)",
        "UP != p1(site2)",
        "dpd_failures(site1) < dpd_failures(end_b)",
        "session(site2, udp/500) implies not blackhole(site2)",
        "true",
    ],
)
def test_valid_formulas(formula: str) -> None:
    parse_ok(formula)


def test_custom_signature_gateway_positions() -> None:
    atoms = {"link": AtomSignature("link", 3, "bool", gateway_args=(0, 2))}
    prop = parse_property(prop_text("link(site1, eth0, site2)"), "p.prop")
    validate(prop, atoms, GATEWAYS)
    bad = parse_property(prop_text("link(site1, eth0, eth1)"), "p.prop")
    assert "unknown gateway 'eth1'" in error_of(lambda: validate(bad, atoms, GATEWAYS))


# --------------------------------------------------------------------------- evaluation


def valuation(values: dict[str, Value]) -> Callable[[Atom], Value]:
    return lambda atom: values[render(atom)]


BOOLS = list(itertools.product([False, True], repeat=2))


@pytest.mark.parametrize(("a", "b"), BOOLS)
def test_boolean_truth_tables(a: bool, b: bool) -> None:
    av = valuation({"a": a, "b": b})
    table = {
        "not a": not a,
        "a and b": a and b,
        "a or b": a or b,
        "a implies b": (not a) or b,
        "a == b": a == b,
        "a != b": a != b,
        "not (a and b) == (not a or not b)": True,
    }
    for formula, expected in table.items():
        expr = parse_formula(formula)
        assert evaluate(expr, av, None) is expected, formula
        assert compile_formula(expr, None)(av) is expected, formula


@pytest.mark.parametrize(("x", "y"), list(itertools.product([0, 1, 2], repeat=2)))
def test_integer_comparisons(x: int, y: int) -> None:
    av = valuation({"x": x})
    expected: dict[CompareOp, bool] = {
        "==": x == y,
        "!=": x != y,
        "<": x < y,
        "<=": x <= y,
        ">": x > y,
        ">=": x >= y,
    }
    for op, result in expected.items():
        expr = parse_formula(f"x {op} {y}")
        assert evaluate(expr, av, None) is result
        assert compile_formula(expr, None)(av) is result
        with_t = parse_formula(f"x {op} T")
        assert evaluate(with_t, av, y) is result
        assert compile_formula(with_t, y)(av) is result


@pytest.mark.parametrize("state", ["DOWN", "CONNECTING", "UP"])
def test_enum_comparisons(state: str) -> None:
    av = valuation({"p1(site1)": state})
    assert evaluate(parse_formula("p1(site1) == UP"), av, None) is (state == "UP")
    assert evaluate(parse_formula("p1(site1) != DOWN"), av, None) is (state != "DOWN")


def test_short_circuit_does_not_ask_for_unneeded_atoms() -> None:
    asked: list[str] = []

    def av(atom: Atom) -> Value:
        asked.append(atom.name)
        return atom.name == "t"

    for formula in ("f and x", "t or x", "f implies x"):
        asked.clear()
        evaluate(parse_formula(formula), av, None)
        assert "x" not in asked, formula


def test_evaluation_misuse_is_an_internal_error() -> None:
    with pytest.raises(InternalError, match="T used"):
        evaluate(parse_formula("x < T"), valuation({"x": 1}), None)
    with pytest.raises(InternalError, match="not a truth value"):
        evaluate(parse_formula("not x"), valuation({"x": 3}), None)
    with pytest.raises(InternalError, match="not a truth value"):
        compile_formula(parse_formula("x"), None)(valuation({"x": 3}))


# --------------------------------------------------------------------------- Hypothesis

ARGS = st.sampled_from(["site1", "site2", "end_a", "udp/500", "HQ-FW1", "10.0.0.1", "T", "UP"])
ATOM_NAMES = st.sampled_from(["a", "b", "up", "p1", "disagree", "x_2", "implies_not"])


def leaves() -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(Atom, ATOM_NAMES, st.lists(ARGS, max_size=3).map(tuple)),
        st.builds(IntLit, st.integers(min_value=0, max_value=10**18 - 1)),
        st.builds(EnumLit, st.sampled_from(["UP", "DOWN", "CONNECTING", "X1"])),
        st.builds(BoolLit, st.booleans()),
        st.just(BoundRef()),
    )


def extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    many = st.lists(children, min_size=2, max_size=4).map(tuple)
    ops = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
    return st.one_of(
        st.builds(Not, children),
        st.builds(And, many),
        st.builds(Or, many),
        st.builds(Implies, children, children),
        st.builds(Compare, ops, children, children),
    )


FORMULAS = st.recursive(leaves(), extend, max_leaves=12)


@PROPERTY_SETTINGS
@given(FORMULAS)
def test_render_parses_back_to_the_same_tree(expr: Expr) -> None:
    text = render(expr)
    assert parse_formula(text) == expr
    assert render(parse_formula(text)) == text


BOOL_ATOMS = st.sampled_from([Atom("a"), Atom("b"), Atom("up", ("site1",))])


def bool_formulas() -> st.SearchStrategy[Expr]:
    def ext(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        many = st.lists(children, min_size=2, max_size=3).map(tuple)
        int_cmp = st.builds(
            Compare,
            st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
            st.one_of(st.just(Atom("n")), st.just(BoundRef())),
            st.builds(IntLit, st.integers(0, 3)),
        )
        return st.one_of(
            st.builds(Not, children),
            st.builds(And, many),
            st.builds(Or, many),
            st.builds(Implies, children, children),
            st.builds(Compare, st.sampled_from(["==", "!="]), children, children),
            int_cmp,
        )

    return st.recursive(
        st.one_of(BOOL_ATOMS, st.builds(BoolLit, st.booleans())), ext, max_leaves=10
    )


@PROPERTY_SETTINGS
@given(
    bool_formulas(),
    st.fixed_dictionaries(
        {"a": st.booleans(), "b": st.booleans(), "up(site1)": st.booleans(), "n": st.integers(0, 3)}
    ),
    st.integers(0, 3),
)
def test_compiled_formula_agrees_with_evaluate(
    expr: Expr, values: dict[str, Value], bound: int
) -> None:
    av = valuation(values)
    assert compile_formula(expr, bound)(av) is evaluate(expr, av, bound)


VALID_FILE = (DATA.parent.parent / "properties" / "agreement.prop").read_text()
MUTATION_ALPHABET = st.sampled_from(
    [
        *"()=!<>,:#/ \t\n\r-_.aAzZT019",
        *("\x00", "\u2028", "\x0c", "é", "implies", " and ", "formula: ", "kind: ", "(((("),
    ]
)


@st.composite
def mutated_files(draw: st.DrawFn) -> str:
    text = VALID_FILE.replace(
        "formula: disagree",
        draw(
            st.sampled_from(
                [
                    "formula: disagree",
                    "formula: up(end_a) and not (p1(end_b) == UP or dpd_failures(site1) >= T)",
                    "formula: session(site2, udp/500) implies\n  blackhole(end_a)",
                ]
            )
        ),
    )
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        if action == "insert":
            text = text[:pos] + draw(MUTATION_ALPHABET) + text[pos:]
        elif action == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 8)) :]
        elif action == "replace":
            text = text[:pos] + draw(MUTATION_ALPHABET) + text[pos + 1 :]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            text = "\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])
    return text


@PROPERTY_SETTINGS
@given(mutated_files())
def test_mutated_files_raise_only_property_errors(text: str) -> None:
    try:
        prop = parse_property(text, "m.prop")
        validate(prop, STANDARD_ATOMS, GATEWAYS)
    except PropertyError as exc:
        assert exc.loc is not None and exc.loc.file == "m.prop"
        assert exc.loc.line >= 1 and exc.loc.column >= 1
        assert str(exc).startswith(f"{exc.loc}: ")
        return
    assert parse_formula(prop.render()) == prop.formula


@PROPERTY_SETTINGS
@given(st.text(max_size=60))
def test_arbitrary_formula_text_raises_only_property_errors(text: str) -> None:
    try:
        expr = parse_formula(text.replace("\n", " "))
    except PropertyError:
        return
    assert parse_formula(render(expr)) == expr
