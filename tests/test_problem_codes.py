"""The problem-code catalogue is the one source of codes, severities and meanings."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from importers.problem_codes import CATALOGUE, FILE_CUT_SHORT, ProblemCode

REPO = Path(__file__).resolve().parents[1]
CATALOGUE_MODULE = REPO / "importers" / "problem_codes.py"
SOURCES = sorted(
    path
    for package in ("glampub", "importers")
    for path in (REPO / package).rglob("*.py")
    if "migrations" not in path.parts and path != CATALOGUE_MODULE
)
#: Helpers that make a warning from the code they are given.
WARNING_HELPERS = {"_warning", "_header_warning", "_problem", "TextEvent"}
_ROW = re.compile(r"^\| (`[^|]+`) \| (error|warning) \| (.+) \|$")


def _table(markdown: Path) -> list[tuple[list[str], str, str]]:
    rows = []
    for line in markdown.read_text("utf-8").splitlines():
        if match := _ROW.match(line):
            codes = re.findall(r"`([^`]+)`", match[1])
            rows.append((codes, match[2], match[3]))
    return rows


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(REPO)}:{getattr(node, 'lineno', '?')}"


def _catalogued(node: ast.expr) -> ProblemCode | None:
    """The code of ``ProblemCode.NAME``; None for anything else."""
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "ProblemCode"
    ):
        return ProblemCode[node.attr]
    return None


def test_every_code_has_a_severity_and_a_meaning() -> None:
    assert set(CATALOGUE) == set(ProblemCode)
    for code, kind in CATALOGUE.items():
        assert kind.severity in ("error", "warning"), code
        assert kind.meaning.endswith("."), code


def test_the_documented_table_is_the_catalogue() -> None:
    documented = _table(REPO / "docs" / "problem-codes.md")
    catalogued = [([code.value], kind.severity, kind.meaning) for code, kind in CATALOGUE.items()]
    assert documented == catalogued


def test_the_csv_guide_names_only_catalogued_codes_at_their_severity() -> None:
    rows = _table(REPO / "docs" / "csv-format.md")
    assert rows, "docs/csv-format.md lost its problem table"
    for codes, severity, _meaning in rows:
        for code in codes:
            assert CATALOGUE[ProblemCode(code)].severity == severity, code


def test_no_code_spells_a_problem_code_as_a_bare_string() -> None:
    codes = {code.value for code in ProblemCode}
    spelled = [
        _where(path, node)
        for path in SOURCES
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Constant) and node.value in codes
    ]
    assert spelled == []


def _problem_calls() -> list[tuple[Path, ast.Call]]:
    calls = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                calls.append((path, node))
    return calls


def _made(call: ast.Call) -> tuple[ast.expr, str] | None:
    """The code argument of a call that makes a problem, and the severity it gets."""
    name = call.func.id  # type: ignore[attr-defined]
    if name == "Problem" and len(call.args) >= 3:
        given = call.args[4] if len(call.args) >= 5 else None
        given = next((k.value for k in call.keywords if k.arg == "severity"), given)
        return call.args[2], given.value if isinstance(given, ast.Constant) else "error"
    if name in WARNING_HELPERS:
        codes = [arg for arg in call.args if _catalogued(arg) is not None]
        return (codes[0], "warning") if codes else None
    return None


def test_every_problem_is_made_with_a_catalogued_code_at_its_severity() -> None:
    wrong = []
    made = set()
    for path, call in _problem_calls():
        if (found := _made(call)) is None:
            continue
        code_arg, severity = found
        if isinstance(code_arg, ast.Constant):
            wrong.append(f"{_where(path, call)}: bare code {code_arg.value!r}")
        # Anything else not catalogued is passed through (a helper's parameter,
        # an event's code, a marshalled problem) and checked where it is made.
        if (code := _catalogued(code_arg)) is None:
            continue
        made.add(code)
        if CATALOGUE[code].severity != severity:
            wrong.append(f"{_where(path, call)}: {code} as {severity}")
    assert wrong == []
    # Every catalogued code is made somewhere: the catalogue lists no dead codes.
    assert made == set(ProblemCode)


@pytest.mark.parametrize("code", sorted(FILE_CUT_SHORT))
def test_the_codes_that_stop_a_full_withdrawal_are_errors(code: ProblemCode) -> None:
    assert CATALOGUE[code].severity == "error"
