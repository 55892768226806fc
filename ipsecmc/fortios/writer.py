"""Syntax tree -> FortiOS CLI text, in the layout ``show`` prints.

The inverse of :mod:`ipsecmc.fortios.parser` up to locations: ``parse(write(doc))``
equals ``doc``. Used by the round-trip tests and by anything that proposes a config
change and wants to print it the way an engineer would type it.
"""

from __future__ import annotations

from ipsecmc.fortios.parser import Block, Document, Entry, Setting, Value

_NEEDS_QUOTES = set(" \t\r\n\"'\\#")


def quote(value: Value) -> str:
    """A value as FortiOS prints it: bare if it was bare and needs no quoting."""
    text = value.text
    if not value.quoted and text and not (_NEEDS_QUOTES & set(text)):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _setting(s: Setting, indent: str) -> str:
    vals = "".join(" " + quote(v) for v in s.values)
    return f"{indent}set {quote(Value(s.name))}{vals}\n"


def _entry(e: Entry, depth: int) -> str:
    ind = "    " * depth
    out = [f"{ind}edit {quote(e.key)}\n"]
    out.extend(_setting(s, ind + "    ") for s in e.settings)
    out.extend(_block(b, depth + 1) for b in e.blocks)
    out.append(f"{ind}next\n")
    return "".join(out)


def _block(b: Block, depth: int) -> str:
    ind = "    " * depth
    out = [f"{ind}config {' '.join(quote(Value(p)) for p in b.path)}\n"]
    out.extend(_setting(s, ind + "    ") for s in b.settings)
    out.extend(_block(x, depth + 1) for x in b.blocks)
    out.extend(_entry(e, depth + 1) for e in b.entries)
    out.append(f"{ind}end\n")
    return "".join(out)


def write(doc: Document) -> str:
    """Render a document (header lines first) as FortiOS CLI text."""
    lines = [f"#{k}={v}\n" if v else f"#{k}\n" for k, v in doc.header]
    lines.extend(_block(b, 0) for b in doc.blocks)
    return "".join(lines)
