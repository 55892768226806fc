"""FortiOS CLI statements -> syntax tree, applying the CLI's own editing semantics.

A configuration file is a script of CLI commands, so the tree is what that script
leaves behind, not a transcript of it (domain.md 4.1, 4.2):

* ``config <path>`` ... ``end`` opens a block; re-opening the same path at the same
  level continues the existing block (VDOM backups open ``config vdom`` many times).
* ``edit <key>`` ... ``next`` opens a table entry; editing an existing key continues it.
  ``end`` inside an entry closes the entry and its block (the VDOM form, domain.md 4.8).
* ``set`` replaces a field (a list entirely), ``append`` adds to it, ``unset`` returns
  it to its default (the field disappears from the tree), ``select``/``unselect`` add or
  remove list items.
* ``delete <key>``, ``purge``, ``rename <a> to <b>``, ``move <a> before|after <b>`` and
  ``clone <a> to <b>`` edit the table of the current block.
* ``abort`` (discard interactive changes) is rejected with a clear error: it has no
  meaning in a saved file.

What engineers paste is accepted and every repair is reported in
``Document.repairs`` (one :class:`~ipsecmc.fortios.config.ReadNote` per kind of repair, with the
first place and a count): CLI prompt lines (the lexer drops them), capitalised command
words and section/field names that start with a capital (``CONFIG``, ``Set``, ``Edit``:
keywords are read in lower case, object names and values never change case), and
blocks left open at the end of the file (a VDOM excerpt without its closing ``end``).
Fortinet's sibling CLI references (FortiManager/FortiAnalyzer: "CLI commands and
variables are case sensitive") suggest a FortiGate would reject capitalised keywords,
so this is a repair, not FortiOS syntax.

The tree is built and frozen with explicit stacks, never by recursion, so nesting depth
is bounded only by memory (a 500-deep ``config`` nest must not hit Python's recursion
limit).

Values of secret fields (``psksecret`` ...) are replaced by ``<redacted>`` here, so no
later stage can leak them. Locations are kept on every value but ignored by ``==`` so
that trees can be compared structurally (the round-trip test relies on this).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ipsecmc.errors import ConfigError, SourceLoc
from ipsecmc.fortios.config import ReadNote
from ipsecmc.fortios.lexer import (
    REDACTED,
    LexResult,
    Secrets,
    Statement,
    Token,
    is_secret_field,
    tokenize,
)

_NOWHERE = SourceLoc("<none>", 0, 0)


@dataclass(frozen=True, slots=True)
class Value:
    """One value of a ``set`` line or an ``edit`` key."""

    text: str
    quoted: bool = False
    loc: SourceLoc = field(default=_NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Setting:
    """A field after all ``set``/``append``/``unset`` lines; ``loc`` is its last ``set`` line."""

    name: str
    values: tuple[Value, ...]
    loc: SourceLoc = field(default=_NOWHERE, compare=False)

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(v.text for v in self.values)


@dataclass(frozen=True, slots=True)
class Entry:
    """An ``edit <key>`` entry of a table."""

    key: Value
    settings: tuple[Setting, ...] = ()
    blocks: tuple[Block, ...] = ()
    loc: SourceLoc = field(default=_NOWHERE, compare=False)

    def setting(self, name: str) -> Setting | None:
        return _find_setting(self.settings, name)

    def block(self, *path: str) -> Block | None:
        return _find_block(self.blocks, path)


@dataclass(frozen=True, slots=True)
class Block:
    """A ``config <path>`` block: plain settings, table entries and nested blocks."""

    path: tuple[str, ...]
    settings: tuple[Setting, ...] = ()
    entries: tuple[Entry, ...] = ()
    blocks: tuple[Block, ...] = ()
    loc: SourceLoc = field(default=_NOWHERE, compare=False)

    @property
    def name(self) -> str:
        return " ".join(self.path)

    def setting(self, name: str) -> Setting | None:
        return _find_setting(self.settings, name)

    def block(self, *path: str) -> Block | None:
        return _find_block(self.blocks, path)

    def entry(self, key: str) -> Entry | None:
        for e in self.entries:
            if e.key.text == key:
                return e
        return None


@dataclass(frozen=True)
class Document:
    """A parsed file: ``#`` header lines and top-level blocks."""

    filename: str
    header: tuple[tuple[str, str], ...]
    blocks: tuple[Block, ...]
    secrets: Secrets = field(default_factory=Secrets, compare=False, repr=False)
    #: what was repaired while reading (prompt lines, capitalised keywords, missing 'end')
    repairs: tuple[ReadNote, ...] = field(default=(), compare=False)

    def block(self, *path: str) -> Block | None:
        return _find_block(self.blocks, path)


def _find_setting(settings: Iterable[Setting], name: str) -> Setting | None:
    for s in settings:
        if s.name == name:
            return s
    return None


def _find_block(blocks: Iterable[Block], path: tuple[str, ...]) -> Block | None:
    for b in blocks:
        if b.path == path:
            return b
    return None


# --- mutable builders -------------------------------------------------------------------


class _Node:
    """Shared part of a block or entry under construction."""

    def __init__(self, loc: SourceLoc) -> None:
        self.loc = loc
        self.settings: dict[str, Setting] = {}
        self.blocks: dict[tuple[str, ...], _BlockB] = {}

    def children(self) -> list[_Node]:
        """Nested blocks (and, for a block, its entries), in table order."""
        return list(self.blocks.values())


class _BlockB(_Node):
    def __init__(self, path: tuple[str, ...], loc: SourceLoc) -> None:
        super().__init__(loc)
        self.path = path
        self.entries: dict[str, _EntryB] = {}

    def children(self) -> list[_Node]:
        return [*self.blocks.values(), *self.entries.values()]


class _EntryB(_Node):
    def __init__(self, key: Value, loc: SourceLoc) -> None:
        super().__init__(loc)
        self.key = key

    def copy_as(self, key: Value, loc: SourceLoc) -> _EntryB:
        """A deep copy under a new key (``clone``), made with a work list, not recursion."""
        clone = _EntryB(key, loc)
        work: list[tuple[_Node, _Node]] = [(self, clone)]
        while work:
            src, dst = work.pop()
            dst.settings = dict(src.settings)
            for p, b in src.blocks.items():
                nb = _BlockB(b.path, b.loc)
                dst.blocks[p] = nb
                work.append((b, nb))
            if isinstance(src, _BlockB) and isinstance(dst, _BlockB):
                for k, e in src.entries.items():
                    ne = _EntryB(e.key, e.loc)
                    dst.entries[k] = ne
                    work.append((e, ne))
        return clone


def _freeze(root: _BlockB) -> tuple[Block, ...]:
    """The frozen top-level blocks under ``root``: children first, from an explicit stack."""
    blocks: dict[int, Block] = {}
    entries: dict[int, Entry] = {}
    stack: list[tuple[_Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if not expanded:
            stack.append((node, True))
            stack.extend((c, False) for c in node.children())
            continue
        nested = tuple(blocks.pop(id(b)) for b in node.blocks.values())
        settings = tuple(node.settings.values())
        if isinstance(node, _BlockB):
            rows = tuple(entries.pop(id(e)) for e in node.entries.values())
            blocks[id(node)] = Block(node.path, settings, rows, nested, node.loc)
        else:
            assert isinstance(node, _EntryB)
            entries[id(node)] = Entry(node.key, settings, nested, node.loc)
    return blocks[id(root)].blocks


#: Commands whose second word is a field (option) name.
_FIELD_VERBS = frozenset({"set", "unset", "append", "select", "unselect"})

_VERBS = (
    "config",
    "edit",
    "next",
    "end",
    "set",
    "unset",
    "append",
    "select",
    "unselect",
    "delete",
    "purge",
    "rename",
    "move",
    "clone",
    "abort",
)


class _Parser:
    def __init__(self, lexed: LexResult) -> None:
        self.lexed = lexed
        self.show = lexed.secrets.show
        self.root = _BlockB((), SourceLoc(lexed.filename, 1, 1))
        self.stack: list[_Node] = [self.root]
        #: kind of repair -> (first place, first word as written, how many times)
        self.repaired: dict[str, tuple[SourceLoc, str, int]] = {}
        self.notes: list[ReadNote] = []

    def _repair(self, kind: str, loc: SourceLoc, word: str) -> None:
        first = self.repaired.get(kind)
        self.repaired[kind] = (loc, word, 1) if first is None else (*first[:2], first[2] + 1)

    def _keyword(self, tok: Token, kind: str) -> Token:
        """``tok`` in lower case (keywords are lower case in FortiOS), the change recorded.

        Only a word that *starts* with a capital is repaired: FortiOS itself prints a few
        mixed-case option names (``set secondary-IP enable``), never one that starts so.
        """
        if tok.quoted or not tok.text[:1].isupper():
            return tok
        self._repair(kind, tok.loc, tok.text)
        return Token(tok.text.lower(), tok.loc, tok.quoted)

    def _repaired_verb(self, head: Token) -> Token:
        self._repair("command", head.loc, head.text)
        return Token(head.text.lower(), head.loc, head.quoted)

    def _normalized(self, st: Statement) -> Statement:
        """Command word, ``config`` path and field name in lower case (values untouched)."""
        head = st.tokens[0]
        if head.quoted or head.text.lower() not in _VERBS:
            return st
        toks = [head if head.text.islower() else self._repaired_verb(head)]
        verb = toks[0].text
        rest = st.tokens[1:]
        if verb == "config":
            toks.extend(self._keyword(t, "section") for t in rest)
        elif verb in _FIELD_VERBS and rest:
            toks.append(self._keyword(rest[0], "field"))
            toks.extend(rest[1:])
        else:
            toks.extend(rest)
        return Statement(tuple(toks))

    # helpers
    def _err(self, loc: SourceLoc, msg: str) -> ConfigError:
        return ConfigError(loc, msg)

    def _bare(self, text: str) -> str:
        shown = self.show(text)
        return shown[1:-1] if shown.startswith(("'", '"')) else shown

    def _current_block(self, st: Statement, verb: str) -> _BlockB:
        top = self.stack[-1]
        if isinstance(top, _BlockB) and top is not self.root:
            return top
        where = (
            "inside an 'edit' entry" if isinstance(top, _EntryB) else "outside any 'config' block"
        )
        raise self._err(
            st.loc, f"'{verb}' must be directly inside a 'config' block, found it {where}"
        )

    def _current_node(self, st: Statement, verb: str) -> _Node:
        top = self.stack[-1]
        if top is self.root:
            raise self._err(
                st.loc, f"'{verb}' outside any 'config' block: expected 'config <section>' first"
            )
        return top

    def _values(self, field_name: str, toks: tuple[Token, ...]) -> tuple[Value, ...]:
        if is_secret_field(field_name):
            return tuple(
                Value(t.text if t.text == "ENC" else REDACTED, t.quoted, t.loc) for t in toks
            )
        return tuple(Value(t.text, t.quoted, t.loc) for t in toks)

    def _args(self, st: Statement, verb: str, n: int, usage: str) -> tuple[Token, ...]:
        args = st.tokens[1:]
        if len(args) != n:
            found = "nothing" if not args else " ".join(self.show(a.text) for a in args)
            raise self._err(st.loc, f"expected '{usage}', found '{verb}' followed by {found}")
        return args

    # statements
    def statement(self, st: Statement) -> None:
        st = self._normalized(st)
        head = st.tokens[0]
        verb = head.text
        if head.quoted or verb not in _VERBS:
            raise self._err(
                head.loc,
                "expected a command (config, edit, set, unset, append, select, unselect, next, "
                f"end, delete, purge, rename, move, clone), found {self.show(verb)}",
            )
        getattr(self, "_do_" + verb)(st)

    def _do_config(self, st: Statement) -> None:
        if len(st.tokens) < 2:
            raise self._err(st.loc, "expected 'config <section>', found 'config' with no section")
        parent = self.stack[-1]
        path = tuple(t.text for t in st.tokens[1:])
        blk = parent.blocks.get(path)
        if blk is None:
            blk = _BlockB(path, st.loc)
            parent.blocks[path] = blk
        self.stack.append(blk)

    def _do_edit(self, st: Statement) -> None:
        blk = self._current_block(st, "edit")
        (key_tok,) = self._args(st, "edit", 1, "edit <name>")
        entry = blk.entries.get(key_tok.text)
        if entry is None:
            entry = _EntryB(Value(key_tok.text, key_tok.quoted, key_tok.loc), st.loc)
            blk.entries[key_tok.text] = entry
        self.stack.append(entry)

    def _do_next(self, st: Statement) -> None:
        self._args(st, "next", 0, "next")
        if not isinstance(self.stack[-1], _EntryB):
            raise self._err(
                st.loc, "'next' without a matching 'edit': expected 'end' or 'edit <name>'"
            )
        self.stack.pop()

    def _do_end(self, st: Statement) -> None:
        self._args(st, "end", 0, "end")
        if isinstance(self.stack[-1], _EntryB):
            self.stack.pop()  # 'end' closes the open entry too (VDOM blocks, domain.md 4.8)
        if self.stack[-1] is self.root:
            raise self._err(st.loc, "'end' without a matching 'config'")
        self.stack.pop()

    def _field(
        self, st: Statement, verb: str, min_values: int
    ) -> tuple[_Node, Token, tuple[Token, ...]]:
        node = self._current_node(st, verb)
        if len(st.tokens) < 2:
            raise self._err(
                st.loc, f"expected '{verb} <field> ...', found '{verb}' with no field name"
            )
        name_tok = st.tokens[1]
        rest = st.tokens[2:]
        if len(rest) < min_values:
            raise self._err(
                st.loc, f"expected at least one value after '{verb} {self._bare(name_tok.text)}'"
            )
        return node, name_tok, rest

    def _do_set(self, st: Statement) -> None:
        node, name_tok, rest = self._field(st, "set", 0)
        name = name_tok.text
        node.settings.pop(name, None)
        node.settings[name] = Setting(name, self._values(name, rest), st.loc)

    def _do_unset(self, st: Statement) -> None:
        node = self._current_node(st, "unset")
        (name_tok,) = self._args(st, "unset", 1, "unset <field>")
        node.settings.pop(name_tok.text, None)

    def _do_append(self, st: Statement) -> None:
        node, name_tok, rest = self._field(st, "append", 1)
        name = name_tok.text
        old = node.settings.get(name)
        values = (old.values if old else ()) + self._values(name, rest)
        node.settings[name] = Setting(name, values, st.loc)

    def _do_select(self, st: Statement) -> None:
        node, name_tok, rest = self._field(st, "select", 1)
        name = name_tok.text
        old = node.settings.get(name)
        values = list(old.values) if old else []
        have = {v.text for v in values}
        for v in self._values(name, rest):
            if v.text not in have:
                values.append(v)
                have.add(v.text)
        node.settings[name] = Setting(name, tuple(values), st.loc)

    def _do_unselect(self, st: Statement) -> None:
        node, name_tok, rest = self._field(st, "unselect", 1)
        name = name_tok.text
        old = node.settings.get(name)
        if old is None:
            return
        drop = {t.text for t in rest}
        node.settings[name] = Setting(
            name, tuple(v for v in old.values if v.text not in drop), st.loc
        )

    def _do_delete(self, st: Statement) -> None:
        blk = self._current_block(st, "delete")
        (key_tok,) = self._args(st, "delete", 1, "delete <name>")
        blk.entries.pop(key_tok.text, None)

    def _do_purge(self, st: Statement) -> None:
        blk = self._current_block(st, "purge")
        self._args(st, "purge", 0, "purge")
        blk.entries.clear()

    def _two_names(
        self, st: Statement, verb: str, joiners: tuple[str, ...]
    ) -> tuple[_BlockB, Token, str, Token]:
        blk = self._current_block(st, verb)
        usage = f"{verb} <name> {'|'.join(joiners)} <name>"
        a, joiner, b = self._args(st, verb, 3, usage)
        if joiner.text not in joiners:
            raise self._err(joiner.loc, f"expected '{usage}', found {self.show(joiner.text)}")
        if a.text not in blk.entries:
            raise self._err(
                a.loc, f"'{verb}': no entry {self.show(a.text)} in 'config {' '.join(blk.path)}'"
            )
        return blk, a, joiner.text, b

    def _do_rename(self, st: Statement) -> None:
        blk, a, _, b = self._two_names(st, "rename", ("to",))
        if b.text in blk.entries:
            raise self._err(b.loc, f"'rename': an entry {self.show(b.text)} already exists")
        items = [(k, e) for k, e in blk.entries.items()]
        blk.entries = {}
        for k, e in items:
            if k == a.text:
                e.key = Value(b.text, b.quoted, b.loc)
                blk.entries[b.text] = e
            else:
                blk.entries[k] = e

    def _do_clone(self, st: Statement) -> None:
        blk, a, _, b = self._two_names(st, "clone", ("to",))
        if b.text in blk.entries:
            raise self._err(b.loc, f"'clone': an entry {self.show(b.text)} already exists")
        blk.entries[b.text] = blk.entries[a.text].copy_as(Value(b.text, b.quoted, b.loc), st.loc)

    def _do_move(self, st: Statement) -> None:
        blk, a, where, b = self._two_names(st, "move", ("before", "after"))
        if b.text not in blk.entries:
            raise self._err(
                b.loc, f"'move': no entry {self.show(b.text)} in 'config {' '.join(blk.path)}'"
            )
        if a.text == b.text:
            return
        moving = blk.entries.pop(a.text)
        items = list(blk.entries.items())
        blk.entries = {}
        for k, e in items:
            if k == b.text and where == "before":
                blk.entries[a.text] = moving
            blk.entries[k] = e
            if k == b.text and where == "after":
                blk.entries[a.text] = moving

    def _do_abort(self, st: Statement) -> None:
        raise self._err(
            st.loc,
            "'abort' (discard the changes of an interactive edit) has no meaning in a saved "
            "configuration; remove the aborted block and the 'abort' line",
        )

    def finish(self) -> Document:
        """Close what the file left open (a VDOM excerpt without its 'end'), noting it."""
        if len(self.stack) > 1:
            top = self.stack[-1]
            opened = self._describe(self.stack[1])
            closers = ["next" if isinstance(n, _EntryB) else "end" for n in self.stack[:0:-1]]
            self.notes.append(
                ReadNote(
                    self.lexed.end,
                    f"file ends inside {self._describe(top)} opened at {top.loc}: read as if "
                    f"closed by {len(closers)} missing line(s) ({' '.join(closers)}), "
                    f"outermost {opened}",
                )
            )
            del self.stack[1:]
        return Document(
            filename=self.lexed.filename,
            header=self.lexed.header,
            blocks=_freeze(self.root),
            secrets=self.lexed.secrets,
            repairs=self.lexed.repairs + tuple(self._case_notes()) + tuple(self.notes),
        )

    def _case_notes(self) -> list[ReadNote]:
        what = {"command": "command word", "section": "section name", "field": "field name"}
        out: list[ReadNote] = []
        for kind, (loc, word, count) in self.repaired.items():
            more = f" (and {count - 1} more)" if count > 1 else ""
            out.append(
                ReadNote(
                    loc,
                    f"read capitalised {what[kind]} {self.show(word)} as "
                    f"{self.show(word.lower())}{more}: FortiOS writes keywords in lower case",
                )
            )
        return out

    def _describe(self, node: _Node) -> str:
        if isinstance(node, _EntryB):
            return f"'edit {self._bare(node.key.text)}'"
        assert isinstance(node, _BlockB)
        return f"'config {' '.join(node.path)}'"


def parse_lexed(lexed: LexResult) -> Document:
    """Build the syntax tree of already tokenized text."""
    parser = _Parser(lexed)
    for st in lexed.statements:
        parser.statement(st)
    return parser.finish()


def parse(text: str, filename: str) -> Document:
    """Parse FortiOS CLI ``text``; ``filename`` is used in every location and error."""
    return parse_lexed(tokenize(text, filename))


def walk_blocks(
    blocks: Iterable[Block], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Block]]:
    """Every block with its full path from the top (entries' nested blocks included).

    Depth-first in file order, from an explicit stack (no recursion limit on nesting).
    """
    stack: list[tuple[tuple[str, ...], Block]] = [(prefix, b) for b in reversed(tuple(blocks))]
    while stack:
        where, b = stack.pop()
        path = where + b.path
        yield path, b
        below = [*b.blocks, *(x for e in b.entries for x in e.blocks)]
        stack.extend((path, x) for x in reversed(below))
