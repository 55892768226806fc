from __future__ import annotations

import pytest

from ipsecmc.errors import ConfigError, SourceLoc
from ipsecmc.fortios.lexer import REDACTED, tokenize


def texts(src: str) -> list[list[str]]:
    return [[t.text for t in st.tokens] for st in tokenize(src, "f.conf").statements]


def test_blank_separated_tokens_with_locations() -> None:
    lexed = tokenize("config system global\n    set hostname site1\nend\n", "f.conf")
    tok = lexed.statements[1].tokens[2]
    assert tok.text == "site1"
    assert tok.loc == SourceLoc("f.conf", 2, 18)
    assert not tok.quoted


def test_double_and_single_quotes_and_escapes() -> None:
    got = texts("set comments \"a \\\"b\\\" c\" 'it''s' x\\ y\n")
    assert got == [["set", "comments", 'a "b" c', "it", "s", "x y"]]


def test_quoted_string_spans_lines_and_keeps_line_numbers() -> None:
    lexed = tokenize('set buffer "line1\nline2"\nset x 1\n', "f.conf")
    assert lexed.statements[0].tokens[2].text == "line1\nline2"
    assert lexed.statements[1].loc.line == 3


def test_header_lines_kept_and_comments_skipped() -> None:
    src = "#config-version=FGT60F-7.2.5-FW-build1517:opmode=0:vdom=1:user=admin\n#buildno=1517\n"
    src += "config a\n# a comment\nend\n"
    lexed = tokenize(src, "f.conf")
    assert dict(lexed.header)["config-version"].startswith("FGT60F-7.2.5")
    assert dict(lexed.header)["buildno"] == "1517"
    assert [[t.text for t in s.tokens] for s in lexed.statements] == [["config", "a"], ["end"]]


def test_crlf_and_bom() -> None:
    assert texts("\ufeffconfig a\r\nend\r\n") == [["config", "a"], ["end"]]


def test_unterminated_quote_is_config_error_at_the_quote() -> None:
    with pytest.raises(ConfigError) as exc:
        tokenize('set comments "never closed\nnext\n', "f.conf")
    assert exc.value.loc == SourceLoc("f.conf", 1, 14)
    assert "closing" in exc.value.message


def test_secret_values_are_recognized_for_redaction() -> None:
    lexed = tokenize("set psksecret ENC c2VjcmV0LXZhbHVl\nset name other\n", "f.conf")
    assert lexed.secrets.show("c2VjcmV0LXZhbHVl") == REDACTED
    assert lexed.secrets.show("other") == "'other'"
    assert "c2VjcmV0" not in repr(lexed.secrets)
