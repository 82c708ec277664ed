"""The layers of the code hold: the pure packages load nothing of the web, the
database or the network, by any path, and no module imports itself round a
circle, and the web layer leaves queries and transactions to the use cases
(docs/architecture.md draws the layers)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator, Mapping, Set
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.databases import subprocess_env
from tests.installed_command import GLAMPUB

PURE_PACKAGES = ["glampub.rights", "glampub.iiif", "importers"]

# One package per use case (docs/architecture.md lists what each offers).
USE_CASE_PACKAGES = (
    "glampub.importing",
    "glampub.jobs",
    "glampub.publishing",
    "glampub.search",
    "glampub.images",
    "glampub.static_site",
    "glampub.institutions",
    "glampub.accounts",
    "glampub.rights_review",
    "glampub.harvesting",
    "glampub.open_data",
)

# Modules a pure package must not bring into the interpreter, however indirectly:
# the web framework, the database layer and its models, the use-case layers and
# network clients.
FORBIDDEN = (
    "flask",
    "werkzeug",
    "sqlalchemy",
    "alembic",
    "requests",
    "httpx",
    "urllib.request",
    "http.client",
    "glampub.app",
    "glampub.db",
    "glampub.models",
    "glampub.integrity",
    *USE_CASE_PACKAGES,
    "glampub.web",
    "glampub.cli",
)

# Imports the package and every module under it, then names what got loaded.
_LOADED = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for found in pkgutil.walk_packages(getattr(package, "__path__", []), package.__name__ + "."):
    importlib.import_module(found.name)
print(json.dumps(sorted(sys.modules)))
"""


def forbidden_in(loaded: list[str]) -> list[str]:
    """The loaded modules that belong to a forbidden package (or are one)."""
    return [
        name
        for name in loaded
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    ]


def modules_loaded_by(package: str) -> list[str]:
    """Everything a fresh interpreter holds after importing ``package`` and
    every module under it."""
    done = subprocess.run(
        [sys.executable, "-c", _LOADED, package],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded: list[str] = json.loads(done.stdout)
    return loaded


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_a_pure_package_loads_no_web_database_or_use_case_module(package: str) -> None:
    loaded = modules_loaded_by(package)
    assert package in loaded
    assert forbidden_in(loaded) == [], f"importing {package} loads {forbidden_in(loaded)}"


def test_the_import_reader_process_loads_no_web_or_database_module() -> None:
    # The child process of a large import runs this module and only parses.
    loaded = modules_loaded_by("glampub.importing.reader")
    assert "importers.base" in loaded
    allowed = {"glampub.importing", "glampub.importing.reader", "glampub.importing.bulk_memory"}
    bad = [name for name in forbidden_in(loaded) if name not in allowed]
    assert bad == [], f"the import reader loads {bad}"


# Runs ``glampub ARGS`` (argv[2:]) as the entry point does, then writes its
# exit code and every module the interpreter then holds to the file argv[1].
_COMMAND = """
import json, sys
from glampub.cli import main
try:
    main(sys.argv[2:], prog_name="glampub")
except SystemExit as end:
    code = end.code
with open(sys.argv[1], "w") as out:
    json.dump({"exit": code, "loaded": sorted(sys.modules)}, out)
"""

#: What only the web app needs: the web framework, the app factory, the web layer.
WEB_ONLY = ("flask", "flask_babel", "flask_wtf", "jinja2", "glampub.app", "glampub.web")


def test_the_import_command_loads_no_web_module(tmp_path: Path) -> None:
    # glampub import needs the database, not the web app (docs/architecture.md,
    # "An import"): building the app loaded Flask and the whole web layer for it.
    env = subprocess_env(tmp_path / "data")
    added = subprocess.run(
        [str(GLAMPUB), "institution", "add", "km", "--name", "Kestrel"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    export = tmp_path / "objects.csv"
    export.write_text("identifier,title,rights\n1,Jug,CC0\n", encoding="utf-8")
    result = tmp_path / "result.json"
    command = ["import", str(export), "--institution", "km", "--json"]
    done = subprocess.run(
        [sys.executable, "-c", _COMMAND, str(result), *command],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    ran = json.loads(result.read_text())
    assert ran["exit"] == 0, done.stderr
    assert json.loads(done.stdout)["created"] == 1
    loaded = ran["loaded"]
    assert "glampub.importing.run" in loaded
    web = [n for n in loaded if any(n == m or n.startswith(m + ".") for m in WEB_ONLY)]
    assert web == [], f"glampub import loads {web}"
    # The database is at the newest revision (``institution add`` brought it
    # there): opening it needs neither the migrations nor Alembic. A file this
    # small is read in this process, without the reader process's module.
    not_needed = [n for n in loaded if n.split(".")[0] in ("alembic", "mako")]
    not_needed += [n for n in loaded if n.startswith("glampub.migrations")]
    not_needed += [n for n in loaded if n == "glampub.importing.reader"]
    # Nor the library manifests are built with (only the web app loads it at its start).
    not_needed += [n for n in loaded if n.split(".")[0] == "iiif_prezi3"]
    assert not_needed == [], f"glampub import loads {not_needed}"


# Builds the app in a fresh interpreter, then names what got loaded.
_WEB_APP = """
import json, sys
from glampub import create_app
create_app({"DATA_DIR": sys.argv[1]})
print(json.dumps(sorted(sys.modules)))
"""


def test_the_web_app_loads_the_manifest_library_before_its_first_request(
    tmp_path: Path,
) -> None:
    # Loaded on the first manifest asked, its import (about a second of CPU) made
    # that visitor wait: 3.3 s under load (bench/import_under_load.py).
    done = subprocess.run(
        [sys.executable, "-c", _WEB_APP, str(tmp_path / "data")],
        cwd=REPO,
        env=subprocess_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "iiif_prezi3" in json.loads(done.stdout)


def test_the_check_sees_a_forbidden_module_loaded_on_the_way() -> None:
    # What importing glampub.rights loaded when glampub/__init__.py imported
    # Flask: the rights modules never named Flask, yet the check must fail.
    through_the_package = ["flask", "flask.app", "glampub", "glampub.rights", "werkzeug"]
    assert forbidden_in(through_the_package) == ["flask", "flask.app", "werkzeug"]
    assert forbidden_in(["glampub.cli.db", "glampub.models", "glampub.rights"]) == [
        "glampub.cli.db",
        "glampub.models",
    ]
    assert forbidden_in(["glampub.credit", "glampub.errors", "urllib.parse"]) == []


# --- no import circles ----------------------------------------------------------------
#
# The graph counts every import that runs, at module level and inside functions
# alike: an import deferred into a function is still a dependency, and deferring
# is exactly how a circle gets hidden (db.py reaching into services, the CLI
# modules importing each other). Imports under ``if TYPE_CHECKING:`` never run
# and only name types, so they are left out. An edge goes to the module an
# import names (``from glampub import models`` names glampub.models); the parent
# package Python also loads on the way is not an edge, or every package that
# gathers its children's names in __init__.py would count as a circle.

GRAPHED_PACKAGES = ("glampub", "importers")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _runtime_imports(node)


def _targets(
    node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: Set[str]
) -> set[str]:
    """The modules of ours an import statement names."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names} & known
    base = node.module or ""
    if node.level:
        anchor = module.split(".")[: None if is_package else -1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, *([node.module] if node.module else [])])
    named = set()
    for alias in node.names:
        # ``from glampub import models`` names the submodule, not the package.
        submodule = f"{base}.{alias.name}"
        named.add(submodule if submodule in known else base)
    return named & known


def import_graph() -> dict[str, set[str]]:
    """Each module of glampub and importers, with the modules of ours it imports."""
    files = {
        _module_name(path): path
        for package in GRAPHED_PACKAGES
        for path in sorted((REPO / package).rglob("*.py"))
    }
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text("utf-8"), str(path))
        is_package = path.name == "__init__.py"
        graph[module] = set()
        for node in _runtime_imports(tree):
            graph[module] |= _targets(node, module, is_package, files.keys()) - {module}
    return graph


def circles(graph: Mapping[str, Set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each
    written as one circle through its members: ``a -> b -> ... -> a``."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for target in sorted(graph[module]):
            if target not in order:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], order[target])
        if low[module] == order[module]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(group)

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return [_one_circle(graph, group) for group in groups]


def _one_circle(graph: Mapping[str, Set[str]], group: set[str]) -> list[str]:
    """A shortest path from the group's first module back to itself."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    for module in queue:
        for target in sorted(graph[module] & group):
            if target == start:
                return [*paths[module], start]
            if target not in paths:
                paths[target] = [*paths[module], target]
                queue.append(target)
    raise AssertionError(f"no circle through {start}")  # a strongly connected group has one


def test_the_circle_finder_names_a_circle_and_passes_a_tree() -> None:
    tree = {"a": {"b", "c"}, "b": {"c"}, "c": set(), "d": {"a"}}
    assert circles(tree) == []
    assert circles({**tree, "c": {"b"}}) == [["b", "c", "b"]]
    assert circles({**tree, "c": {"d"}}) == [["a", "c", "d", "a"]]


def test_no_module_imports_itself_round_a_circle() -> None:
    # The last one was cut by queueing the RQ job by its dotted name
    # (glampub.jobs.background.RQ_ENTRY_POINT): the job builds the app, the
    # app's views start jobs, and no import goes from the jobs to the app.
    found = circles(import_graph())
    assert found == [], "import circles:\n" + "\n".join(" -> ".join(c) for c in found)


# What only the use cases do: build queries (SQLAlchemy's statement builders)
# and run them or end a transaction (a session's methods). A view calls a use
# case with the request's session, inside glampub.web.blueprints.helpers.transaction
# where it changes anything.
QUERY_BUILDERS = frozenset({"select", "insert", "update", "delete", "text", "func"})
SESSION_CALLS = frozenset({"commit", "rollback", "execute", "scalar", "scalars"})


def query_and_commit_calls(source: str) -> list[str]:
    """Where a module builds a query, runs one or ends a transaction itself."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            names = [alias.name for alias in node.names if alias.name in QUERY_BUILDERS]
            found += [f"line {node.lineno}: imports {name}" for name in names]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SESSION_CALLS
        ):
            found.append(f"line {node.lineno}: calls .{node.func.attr}()")
    return sorted(found, key=lambda line: int(line.split()[1].rstrip(":")))


def test_the_query_check_sees_a_view_that_queries_or_commits() -> None:
    view = (
        "from sqlalchemy import select\n"
        "def page(db):\n"
        "    db.scalars(select(Thing))\n"
        "    db.commit()\n"
    )
    assert query_and_commit_calls(view) == [
        "line 1: imports select",
        "line 3: calls .scalars()",
        "line 4: calls .commit()",
    ]
    assert query_and_commit_calls("def page(db):\n    return use_case(db)\n") == []


def test_the_web_layer_never_queries_or_commits() -> None:
    found = {
        str(path.relative_to(REPO)): calls
        for path in sorted((REPO / "glampub" / "web").rglob("*.py"))
        if (calls := query_and_commit_calls(path.read_text("utf-8")))
    }
    assert found == {}, "move these into a use-case package:\n" + json.dumps(found, indent=1)
