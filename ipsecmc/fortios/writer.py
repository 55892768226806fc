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


def _lines(top: Block) -> list[str]:
    """``top`` as ``show`` prints it, from an explicit stack (nesting depth is unbounded)."""
    out: list[str] = []
    # work items: a node to open at a depth, or a closing line already rendered
    stack: list[tuple[Block | Entry, int] | str] = [(top, 0)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        node, depth = item
        ind = "    " * depth
        if isinstance(node, Entry):
            out.append(f"{ind}edit {quote(node.key)}\n")
            later: list[tuple[Block | Entry, int] | str] = [(b, depth + 1) for b in node.blocks]
            later.append(f"{ind}next\n")
        else:
            out.append(f"{ind}config {' '.join(quote(Value(p)) for p in node.path)}\n")
            later = [(x, depth + 1) for x in node.blocks]
            later.extend((e, depth + 1) for e in node.entries)
            later.append(f"{ind}end\n")
        out.extend(_setting(s, ind + "    ") for s in node.settings)
        stack.extend(reversed(later))
    return out


def write(doc: Document) -> str:
    """Render a document (header lines first) as FortiOS CLI text."""
    lines = [f"#{k}={v}\n" if v else f"#{k}\n" for k, v in doc.header]
    for b in doc.blocks:
        lines.extend(_lines(b))
    return "".join(lines)
