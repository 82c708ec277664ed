"""Helpers for the CSV importer's tests: write a file, read it with the CSV
importer, and sum up the problems it reported."""

from __future__ import annotations

from pathlib import Path

from glampub.errors import Problem
from importers.base import SourceRecord
from importers.csv.importer import CsvImporter, load_profile


def read(path: Path, profile: str | Path | None = None) -> tuple[list[SourceRecord], list[Problem]]:
    records, problems = [], []
    loaded = load_profile(profile) if profile is not None else None
    for item in CsvImporter().read(path, loaded):
        (records if isinstance(item, SourceRecord) else problems).append(item)
    return records, problems


def write(tmp_path: Path, content: str | bytes, name: str = "export.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def summary(problems: list[Problem]) -> list[tuple[str, int | None, str, str | None]]:
    """Each problem as (code, line, severity, record): what the tests compare."""
    return [(p.code, p.line, p.severity, p.record) for p in problems]
