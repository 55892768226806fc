"""Mutations of real config text for the readers' fuzz tests: whatever the mutation, a
reader raises a clear ``IpsecmcError`` (file:line:col) or reads it, never anything else."""

from __future__ import annotations

from hypothesis import strategies as st

#: Characters and words an edit inserts: quotes, escapes, comment marks, block words of
#: both vendors (FortiOS ``end``/``next``, braces of strongSwan and nftables).
_INSERTS = ['"', "'", "\\", " ", "end", "next", "#", "-", "9", "{", "}", ";", "=", ":"]


def mutate(text: str, ops: list[tuple[str, int, int]]) -> str:
    lines = text.split("\n")
    for op, i, j in ops:
        if not lines:
            break
        i %= len(lines)
        j %= len(lines)
        if op == "cut-lines":
            del lines[min(i, j) : max(i, j) + 1]
        elif op == "dup-line":
            lines.insert(j, lines[i])
        elif op == "swap-lines":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "swap-tokens":
            a, b = lines[i].split(), lines[j].split()
            if a and b:
                ka, kb = i % len(a), j % len(b)
                a_tok, b_tok = a[ka], b[kb]
                a[ka], b[kb] = b_tok, a_tok
                lines[i], lines[j] = " ".join(a), " ".join(b)
        elif op == "cut-chars":
            line = lines[i]
            k = j % (len(line) + 1)
            lines[i] = line[:k] + line[k + 1 + (j % 5) :]
        elif op == "insert":
            line = lines[i]
            k = j % (len(line) + 1)
            lines[i] = line[:k] + _INSERTS[j % len(_INSERTS)] + line[k:]
    return "\n".join(lines)


mutations = st.lists(
    st.tuples(
        st.sampled_from(
            ["cut-lines", "dup-line", "swap-lines", "swap-tokens", "cut-chars", "insert"]
        ),
        st.integers(0, 2000),
        st.integers(0, 2000),
    ),
    min_size=1,
    max_size=4,
)
