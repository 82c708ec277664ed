"""Which tests open a database, so that the PostgreSQL run can leave out the rest.

A test opens a database when it asks for a fixture that makes an app (``app``,
``client``, ``runner`` and the demo ones, directly or through another fixture),
or when its module names a way to reach one (an app it makes itself, a glampub
process given its database through ``subprocess_env``, the browser or staff
helpers, the demo loader) and the test's own code does: the test function with
the module's functions, classes and fixtures it uses, followed name by name
through the module. A name imported from a test helper that names a database,
or imported by a line that names one, counts as reaching one, and so does any
module-level statement naming one (a constant, a ``pytestmark``): the check
reads source, so it errs on the side of running a test on both engines, but a
module's pure tests (a date parser's, beside its import tests) run only once.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

DATABASE_FIXTURES = frozenset(
    {"app", "client", "runner", "demo_app", "demo_client", "demo_template"}
)

# Names whose mention in test code means it can reach a database directly.
_REACHES_A_DATABASE = re.compile(
    r"create_app|subprocess_env|database_url|glampub\.db\b|Database\(|browser_support"
    r"|staff_helpers|load_demo|demo_template|GLAMPUB_DATA_DIR|GLAMPUB_DATABASE_URL|\bdatabase\("
)
_TESTS = Path(__file__).resolve().parent


@dataclass(frozen=True)
class _Module:
    """What one test module defines, and which of its names reach a database."""

    source: str
    definitions: dict[str, ast.AST]  # top-level functions and classes by name
    reaching_imports: frozenset[str]  # imported names that reach a database
    reaches_at_top_level: bool  # a module-level statement (not a def) names a database

    def reaches(self, roots: list[str]) -> bool:
        """True if any of ``roots``, or a module name they use, reaches a database."""
        seen: set[str] = set()
        todo = [name for name in roots if name in self.definitions]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            node = self.definitions[name]
            if _REACHES_A_DATABASE.search(ast.get_source_segment(self.source, node) or ""):
                return True
            for used in _names_used(node):
                if used in DATABASE_FIXTURES or used in self.reaching_imports:
                    return True
                if used in self.definitions:
                    todo.append(used)
        return False


def _names_used(node: ast.AST) -> set[str]:
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            names.add(sub.id)
        elif isinstance(sub, ast.arg):
            names.add(sub.arg)  # a fixture a helper or a nested function asks for
    return names


@functools.cache
def _helper_reaches_a_database(module: str) -> bool:
    """A helper module of the test suite (``tests.x``) that names a database anywhere.
    Not conftest: its database fixtures are found as fixtures, and the rest of it
    (the IIIF checks, paths) is pure."""
    if module == "tests.conftest":
        return False
    path = _TESTS / f"{module.removeprefix('tests.').replace('.', '/')}.py"
    return not path.is_file() or bool(_REACHES_A_DATABASE.search(path.read_text("utf-8")))


@functools.cache
def _module(path: Path) -> _Module:
    source = path.read_text("utf-8")
    tree = ast.parse(source)
    definitions: dict[str, ast.AST] = {}
    reaching: set[str] = set()
    at_top_level = False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            definitions[node.name] = node
        elif isinstance(node, ast.Import | ast.ImportFrom):
            line = ast.get_source_segment(source, node) or ""
            helper = (
                isinstance(node, ast.ImportFrom)
                and (node.module or "").startswith("tests.")
                and _helper_reaches_a_database(node.module or "")
            )
            if helper or _REACHES_A_DATABASE.search(line):
                reaching.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif _REACHES_A_DATABASE.search(ast.get_source_segment(source, node) or ""):
            at_top_level = True
    return _Module(source, definitions, frozenset(reaching), at_top_level)


def opens_a_database(item: pytest.Item) -> bool:
    """True unless the test is known to touch no database at all."""
    fixtures = list(getattr(item, "fixturenames", ()))
    if DATABASE_FIXTURES.intersection(fixtures):
        return True
    module = _module(Path(item.path))
    if not _REACHES_A_DATABASE.search(module.source):
        return False  # nothing in the module names a database
    if module.reaches_at_top_level:
        return True
    test = getattr(item, "cls", None) or getattr(item, "function", None)
    root = getattr(test, "__name__", None)
    if root is None or root not in module.definitions:
        return True  # defined elsewhere (a generated or inherited test): both engines
    # The module's fixtures the test uses, through others too (fixturenames is
    # their closure), are followed like the functions it calls.
    return module.reaches([root, *fixtures])
