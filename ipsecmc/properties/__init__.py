"""The property language: what ipsecmc checks, as data files parsed without ``eval``.

Properties live in ``properties/``, one ``<name>.prop`` file each, so that users and
researchers add their own without touching Python. This module reads them (a small
hand-written tokenizer and recursive-descent parser), checks them against the atoms a
model provides, and evaluates formulas on a state. It knows nothing about the model:
the checker passes in the atom signatures and a function that gives an atom's value in
a state, which keeps the pipeline one-directional (properties never import the model).

File format
-----------
Line-oriented; ``#`` starts a comment anywhere on a line (so descriptions cannot
contain ``#``). Each non-blank line is ``key: value`` starting in column 1; an
indented line continues the previous ``description:`` or ``formula:``::

    # The two ends never disagree on "tunnel up" for more than T seconds.
    name: agreement
    description: both ends agree on whether the tunnel is up, except for at most T seconds
    kind: bounded
    formula: disagree
    bound: auto     # or a whole number of seconds

Keys: ``name`` (must equal the file name without ``.prop``), ``description``, ``kind``
and ``formula`` are required; ``bound`` is required for kind ``bounded`` or when the
formula mentions ``T``, and rejected otherwise (it would silently do nothing).

Kinds (the engines implement them; this module only parses and evaluates formulas):

==============  =================================================================
``invariant``    the formula holds in every reachable state
``bounded``      the formula never holds continuously for more than ``bound`` seconds
``reachable``    some reachable state satisfies the formula (a witness; none found is
                 a failure, which is how vacuity is caught)
``recoverable``  from every reachable state, a state satisfying the formula can be
                 reached again without admin events (AG EF)
==============  =================================================================

Formulas, loosest binding first: ``a implies b`` (right-associative), ``a or b``,
``a and b``, ``not a``, comparisons ``== != < <= > >=`` (they do not chain), then
operands: atoms, whole numbers, enum names (UPPERCASE: ``UP``, ``DOWN``,
``CONNECTING``), ``true``/``false``, ``T`` (the property's bound, an integer) and
parentheses. An atom is a lowercase name with optional arguments: ``disagree``,
``up(site1)``, ``session(site2, udp/500)``. Arguments are words of letters, digits and
``_ . / : -``; the first argument of the standard atoms names a gateway, and besides
the real gateway names the generic ``end_a``/``end_b`` (the tunnel's two ends, mapped
by the checker) are accepted.

Atoms the model provides (:data:`STANDARD_ATOMS`; the checker may pass its own table):

=======================  ======  =========================================================
atom                      type    meaning
=======================  ======  =========================================================
``up(G)``                 bool    G holds an IPsec SA for the tunnel in state UP
``p1(G)``                 enum    G's phase1 (IKE SA): ``DOWN``, ``CONNECTING`` or ``UP``
``p2(G)``                 enum    G's phase2 (IPsec SA): ``DOWN`` or ``UP``
``session(G, udp/500)``   bool    G's session table holds the IKE session (only udp/500)
``disagree``              bool    exactly one end of the tunnel considers it up
``blackhole(G)``          bool    G sends ESP into an SA the peer does not hold
``dpd_failures(G)``       int     consecutive unanswered DPD probes counted by G
``drops_ike(G)``          bool    G's local-in drops (or, under a schedule, may drop) a new
                                  IKE packet from its peer now: G has no UDP 500 session
                                  to match it and a local-in policy denies it
=======================  ======  =========================================================

Errors: anything wrong in a file raises :class:`~ipsecmc.errors.PropertyError` whose
message starts with ``file:line:col:`` and mostly reads ``expected X, found Y``. A
property that cannot be found by name (or a missing directory) raises
:class:`~ipsecmc.errors.UsageError`, since that is a bad request, not a bad file.
"""

from __future__ import annotations

from ipsecmc.properties.evaluate import compile_formula, evaluate
from ipsecmc.properties.library import (
    PROPERTIES_DIR_ENV,
    builtin_properties_dir,
    default_properties_dir,
    load_all,
    load_property,
)
from ipsecmc.properties.parse import parse_formula
from ipsecmc.properties.prop_file import Property, parse_property
from ipsecmc.properties.signatures import STANDARD_ATOMS, AtomSignature, validate
from ipsecmc.properties.syntax import (
    ENUM_NAMES,
    GENERIC_ENDS,
    KINDS,
    MAX_NESTING,
    TEMPORAL_OPS,
    And,
    Atom,
    AtomValue,
    BoolLit,
    BoundRef,
    Compare,
    CompareOp,
    EnumLit,
    Expr,
    Implies,
    IntLit,
    Kind,
    Not,
    Or,
    Temporal,
    TemporalOp,
    Value,
    render,
    subexpressions,
)

__all__ = [
    "ENUM_NAMES",
    "GENERIC_ENDS",
    "KINDS",
    "MAX_NESTING",
    "PROPERTIES_DIR_ENV",
    "STANDARD_ATOMS",
    "TEMPORAL_OPS",
    "And",
    "Atom",
    "AtomSignature",
    "AtomValue",
    "BoolLit",
    "BoundRef",
    "Compare",
    "CompareOp",
    "EnumLit",
    "Expr",
    "Implies",
    "IntLit",
    "Kind",
    "Not",
    "Or",
    "Property",
    "Temporal",
    "TemporalOp",
    "Value",
    "builtin_properties_dir",
    "compile_formula",
    "default_properties_dir",
    "evaluate",
    "load_all",
    "load_property",
    "parse_formula",
    "parse_property",
    "render",
    "subexpressions",
    "validate",
]
