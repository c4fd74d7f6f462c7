"""No import circles among our packages (DESIGN.md, "Rules of the house": no late imports to hide a
cycle; if two modules need each other, one of them is in the wrong place).

The graph is read from the source (ast), so an import inside a function counts like any other:
hiding a circle behind a late import does not make it go away. Django's lazy model references
("accounts.Account") are strings, not imports, and are not edges.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("accounts", "ctm_integration", "dashboard", "integrations", "notifications", "outbound")

# Circles someone is removing right now. Each entry is one circle: the exact set of modules that
# import one another. Empty this list as they go; the second test fails on an entry that is gone.
KNOWN_CYCLES_BEING_REMOVED: set[frozenset[str]] = set()  # none left: keep it that way


def module_files(root: Path, packages: tuple[str, ...]) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package's __init__)."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return modules


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Every module's imports of our own modules, wherever the import statement is in the file."""
    modules = module_files(root, packages)

    def ours(name: str) -> str | None:  # the module itself, else its closest package of ours
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, (path, is_package) in modules.items():
        here = module if is_package else module.rpartition(".")[0]
        targets: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(ours(alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package `level - 1` steps up
                    anchor = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:  # `from package import module` imports the module
                    submodule = f"{base}.{alias.name}"
                    targets.add(submodule if submodule in modules else ours(base))
        graph[module] = {t for t in targets if t and t != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.add(frozenset(component))
    return found


def describe(component: frozenset[str], graph: dict[str, set[str]]) -> str:
    edges = sorted(f"{a} -> {b}" for a in component for b in graph[a] if b in component)
    return "{" + ", ".join(sorted(component)) + "}: " + "; ".join(edges)


def test_our_packages_import_each_other_one_way_only():
    graph = import_graph(ROOT, PACKAGES)
    unexpected = cycles(graph) - KNOWN_CYCLES_BEING_REMOVED
    assert not unexpected, "import circles (move the shared part where both can import it):\n" + "\n".join(
        describe(c, graph) for c in sorted(unexpected, key=sorted)
    )


def test_the_allow_list_names_only_circles_that_still_exist():
    gone = KNOWN_CYCLES_BEING_REMOVED - cycles(import_graph(ROOT, PACKAGES))
    assert not gone, f"these circles are gone: remove them from KNOWN_CYCLES_BEING_REMOVED: {sorted(map(sorted, gone))}"


def test_an_import_inside_a_function_still_counts(tmp_path):
    """The graph sees the late import that hides a circle, and relative imports, as edges."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sending.py").write_text("def resend():\n    from pkg.sub import tasks\n    tasks.send()\n")
    (package / "sub" / "tasks.py").write_text("from .. import sending\n\n\ndef send():\n    sending.resend()\n")
    (package / "models.py").write_text('FOREIGN_KEY = "pkg.Sending"  # a lazy reference, not an import\n')

    graph = import_graph(tmp_path, ("pkg",))

    assert graph["pkg.sending"] == {"pkg.sub.tasks"} and graph["pkg.sub.tasks"] == {"pkg.sending"}
    assert graph["pkg.models"] == set()
    assert cycles(graph) == {frozenset({"pkg.sending", "pkg.sub.tasks"})}
