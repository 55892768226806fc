"""Hypothesis: write/parse round-trip of random trees; fuzzed files only raise ConfigError."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ipsecmc.errors import IpsecmcError
from ipsecmc.fortios.lexer import is_secret_field
from ipsecmc.fortios.lint import lint_gateways
from ipsecmc.fortios.parser import Block, Document, Entry, Setting, Value, parse
from ipsecmc.fortios.resolver import read_text
from ipsecmc.fortios.writer import write
from tests.conftest import MODELS
from tests.fuzz import mutate, mutations

BARE = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/:-", min_size=1, max_size=12
)
QUOTED = st.text(st.sampled_from(list("ab Z9 \t\"'\\#\n.-é")), max_size=15)

values = st.one_of(
    BARE.map(lambda t: Value(t, quoted=False)),
    QUOTED.map(lambda t: Value(t, quoted=True)),
)
# keywords (field names, section paths) are lower case: the parser lower-cases others
KEYWORD = st.text("abcdefghijklmnopqrstuvwxyz0123456789._/:-", min_size=1, max_size=12)
field_names = KEYWORD.filter(lambda n: not is_secret_field(n))


def settings() -> st.SearchStrategy[tuple[Setting, ...]]:
    return st.dictionaries(field_names, st.lists(values, max_size=4), max_size=4).map(
        lambda d: tuple(Setting(k, tuple(v)) for k, v in d.items())
    )


def blocks(depth: int) -> st.SearchStrategy[tuple[Block, ...]]:
    if depth == 0:
        return st.just(())
    inner = blocks(depth - 1)
    entry_values = st.tuples(settings(), inner)
    entries = st.dictionaries(values, entry_values, max_size=3).map(
        lambda d: tuple(
            Entry(key=k, settings=s, blocks=b)
            for k, (s, b) in {k.text: (k, v) for k, v in d.items()}.values()
        )
    )
    paths = st.lists(KEYWORD, min_size=1, max_size=3).map(tuple)
    one_block = st.tuples(settings(), entries, inner)
    return st.dictionaries(paths, one_block, max_size=3).map(
        lambda d: tuple(
            Block(path=p, settings=s, entries=e, blocks=b) for p, (s, e, b) in d.items()
        )
    )


headers = st.lists(
    st.tuples(
        st.text("abcdefghijklmnopqrstuvwxyz_-", min_size=1, max_size=10),
        st.text("abcXYZ0123456789=:._-", max_size=20),
    ),
    max_size=3,
).map(tuple)


@given(headers, blocks(3))
def test_write_then_parse_gives_the_same_tree(
    header: tuple[tuple[str, str], ...], top: tuple[Block, ...]
) -> None:
    doc = Document("t.conf", header, top)
    text = write(doc)
    again = parse(text, "t.conf")
    assert again == doc
    assert write(again) == text


MODEL_FILES = sorted(MODELS.glob("*/*.conf"))


@given(st.sampled_from(MODEL_FILES), mutations, st.booleans())
def test_mutated_files_only_raise_config_errors(
    path: Path, edits: list[tuple[str, int, int]], lenient: bool
) -> None:
    text = mutate(path.read_text(), edits)
    try:
        gws = read_text(text, path.name, allow_undefined=lenient)
        lint_gateways(gws)
    except IpsecmcError as exc:
        assert str(exc)  # one clear message
