"""The one module that imports z3.

Why one: the z3 binding is an optional, heavy, untyped dependency. Importing it here only
means a missing or broken ``z3-solver`` surfaces in one place (``check`` turns the
``ImportError`` into "the z3 engine is not available"), the aliases that say what an
untyped z3 term is meant to be are defined once, and swapping or stubbing the binding is
a one-module change. The engine modules (``smt_encoding``: the transition relation;
``smt``: the search) use ``z3`` through this name only.
"""

from __future__ import annotations

from typing import Any

import z3
from z3.z3 import _to_expr_ref as expr_ref  # the wrapper z3.substitute itself uses

# z3's Python API is untyped; these aliases say what a term is meant to be.
Term = Any
BoolT = Any
IntT = Any

__all__ = ["BoolT", "IntT", "Term", "expr_ref", "z3"]
