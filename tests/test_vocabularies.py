"""Closed vocabularies are spelled once: the code names them through their type."""

from __future__ import annotations

import ast
from pathlib import Path

from glampub.models import CollectionObject, Image
from glampub.rights import NEEDS_REVIEW
from glampub.statuses import ObjectStatus

REPO = Path(__file__).resolve().parents[1]
#: Migrations are history: they keep the strings they were written with.
SOURCES = sorted(
    path
    for package in ("glampub", "importers")
    for path in (REPO / package).rglob("*.py")
    if "migrations" not in path.parts
)


def _string_constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(REPO)}:{line}"


def test_object_statuses_are_the_strings_the_database_holds() -> None:
    assert [status.value for status in ObjectStatus] == ["published", "withdrawn"]
    assert ObjectStatus.WITHDRAWN == "withdrawn"
    assert f"{ObjectStatus.PUBLISHED}" == "published"


def test_no_code_compares_or_assigns_an_object_status_as_a_bare_string() -> None:
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            operands: list[ast.expr] = []
            if isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
                operands += [
                    e for c in node.comparators if isinstance(c, ast.Tuple) for e in c.elts
                ]
            elif isinstance(node, ast.keyword) and node.arg == "status":
                operands = [node.value]
            found += [
                _where(path, operand.lineno)
                for operand in operands
                if isinstance(operand, ast.Constant) and operand.value in ("published", "withdrawn")
            ]
    assert found == []


def test_needs_review_is_spelled_once() -> None:
    assert NEEDS_REVIEW == "needs-review"
    spelled = [
        _where(path, line)
        for path in SOURCES
        for line, value in _string_constants(path)
        if value == NEEDS_REVIEW
    ]
    decision = REPO / "glampub" / "rights" / "decision.py"
    # The constant itself, and the Literal type of a decision's status.
    assert [where.rsplit(":", 1)[0] for where in spelled] == [str(decision.relative_to(REPO))] * 2


def test_new_objects_and_images_still_default_to_the_stored_string() -> None:
    for model in (CollectionObject, Image):
        assert model.__table__.c["rights_status"].default.arg == "needs-review"
