"""The package layout (issue 13, item 5): no import cycles, and the engines and the model
never import a config reader (FortiOS, strongSwan, Linux).

Every import counts, including those inside functions and under ``TYPE_CHECKING``: a
cycle hidden in a function body is still a cycle a reader has to untangle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "ipsecmc"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def import_graph() -> nx.DiGraph:
    """Module -> module it imports (``from pkg import sub`` counts as importing ``sub``)."""
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module]
                targets += [f"{node.module}.{alias.name}" for alias in node.names]
            for target in targets:
                if target in modules and target != name:
                    graph.add_edge(name, target)
    return graph


def test_the_graph_sees_imports() -> None:
    graph = import_graph()
    assert graph.has_edge("ipsecmc.workflows.check", "ipsecmc.workflows.parallel")
    assert graph.has_edge("ipsecmc.cli", "ipsecmc.cli.check")


def test_no_import_cycles() -> None:
    cycles = sorted(sorted(c) for c in nx.simple_cycles(import_graph()))
    assert cycles == []


def test_engines_and_model_never_import_the_reader() -> None:
    """Not directly and not through other modules: the readers (FortiOS, strongSwan,
    Linux) end with ``model.params``."""
    graph = import_graph()
    readers = ("ipsecmc.fortios", "ipsecmc.strongswan", "ipsecmc.linux")
    reader = {n for n in graph if n.startswith(readers)}
    for name in graph:
        if name.startswith(("ipsecmc.engines", "ipsecmc.model")):
            assert not nx.descendants(graph, name) & reader, name
