"""Matching a CSV header against a profile: which column feeds which field.

Header names are matched case-insensitively with surrounding whitespace
ignored; ``title@de`` is the ``title`` column in German. A profile's plain
reference (``title``) matches every language variant of that column. When the
profile allows guessing (the default profile does), fields it could not find
are looked up among known synonyms ("Object ID", "Artist Display Name", ...).
A header that has no identifier is refused here, with a special message when
it looks like a table of people rather than of objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from glampub.errors import Problem, UnreadableInput
from importers.base import LangMap
from importers.csv.profile import FIELD_KINDS, ProfileConfig, SourceSpec
from importers.problem_codes import ProblemCode

_LANG_SUFFIX = re.compile(r"(.*?)\s*@\s*([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)")
_TEMPLATE_REF = re.compile(r"\{([^{}]+)\}")
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
#: Words in a header that suggest a table of people (artists, donors...).
_PERSON_WORDS = {"gender", "sex", "nationality", "birth", "born", "death", "died", "deceased"}


@dataclass(frozen=True)
class Column:
    index: int
    #: The header cell, trimmed (renamed when it was blank or a duplicate).
    name: str
    #: The name without its language suffix.
    base: str
    #: ``base`` case-folded with whitespace collapsed: what references match.
    key: str
    lang: str | None


@dataclass(frozen=True)
class Bound:
    """A source bound to header positions."""

    spec: SourceSpec
    #: (column index, language from the header suffix) for ``column``.
    cells: tuple[tuple[int, str | None], ...] = ()
    #: Column indexes for ``columns`` (joined).
    joined: tuple[int, ...] = ()
    #: Literal text and column indexes, alternating, for ``template``.
    template: tuple[str | int, ...] = ()
    #: (column index, expected case-folded value) for ``when``.
    when: tuple[tuple[int, str], ...] = ()

    def indexes(self) -> set[int]:
        """Every column position this source reads."""
        used = {i for i, _ in self.cells} | set(self.joined) | {i for i, _ in self.when}
        return used | {p for p in self.template if isinstance(p, int)}


@dataclass
class ColumnPlan:
    columns: list[Column]
    fields: dict[str, list[Bound]] = field(default_factory=dict)
    metadata: list[tuple[LangMap, Bound]] = field(default_factory=list)
    #: Columns no source reads, grouped by name: (label, [(index, language)]).
    unmapped: list[tuple[str, list[tuple[int, str | None]]]] = field(default_factory=list)
    #: field -> header name, for fields found through a synonym.
    guessed: dict[str, str] = field(default_factory=dict)
    #: "field: column" references the header does not have.
    missing: list[str] = field(default_factory=list)
    #: Fields guessing looked for and found no column for.
    not_found: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """The mapping in one line, for the report."""
        parts = []
        for name in FIELD_KINDS:
            bounds = self.fields.get(name)
            if not bounds:
                continue
            headers = sorted({self.columns[i].name for b in bounds for i in b.indexes()})
            shown = ", ".join(repr(h) for h in headers) or "(constant)"
            parts.append(f"{name} <- {shown}" + (" (guessed)" if name in self.guessed else ""))
        return "; ".join(parts)


def normalise_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def squash(name: str) -> str:
    """Letters and digits only, lower case: "Object ID" and "object_id" meet as "objectid"."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def read_header(cells: list[str]) -> tuple[list[Column], list[Problem]]:
    """Header cells as columns; blank and duplicated names are renamed, with a warning."""
    columns: list[Column] = []
    blank: list[int] = []
    duplicates: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(cells):
        name = cell.replace("\ufeff", "").strip()
        if not name:
            name = f"column_{index + 1}"
            blank.append(index + 1)
        if normalise_key(name) in seen:
            original, n = name, 2
            while normalise_key(f"{original}_{n}") in seen:
                n += 1
            name = f"{original}_{n}"
            duplicates.append(f"column {index + 1} {original!r} is read as {name!r}")
        seen.add(normalise_key(name))
        match = _LANG_SUFFIX.fullmatch(name)
        base, lang = (match.group(1), match.group(2)) if match and match.group(1) else (name, None)
        columns.append(Column(index, name, base, normalise_key(base), lang))
    problems = []
    if blank:
        where = ", ".join(str(i) for i in blank)
        problems.append(
            _header_warning(
                ProblemCode.BLANK_HEADER,
                f"column(s) {where} have no name; they are read as column_N",
            )
        )
    if duplicates:
        problems.append(
            _header_warning(
                ProblemCode.DUPLICATE_HEADER, "duplicated column names: " + "; ".join(duplicates)
            )
        )
    return columns, problems


def plan_columns(config: ProfileConfig, columns: list[Column], where: str) -> ColumnPlan:
    """Bind every profile source to header positions; guess where allowed."""
    plan = ColumnPlan(columns)
    by_key: dict[str, list[Column]] = {}
    by_name: dict[str, Column] = {}
    for column in columns:
        by_key.setdefault(column.key, []).append(column)
        by_name[normalise_key(column.name)] = column
    for name, specs in config.fields:
        bounds = [b for spec in specs if (b := _bind(spec, by_key, by_name, plan.missing, name))]
        if bounds:
            plan.fields[name] = bounds
    if config.guess:
        _guess(config, columns, plan)
    for label, spec in ((m.label, m.source) for m in config.metadata):
        shown = next(iter(label.values()))[0]
        bound = _bind(spec, by_key, by_name, plan.missing, f"metadata {shown!r}")
        if bound:
            plan.metadata.append((label, bound))
    people = person_columns(columns)
    if "identifier" not in plan.fields:
        raise UnreadableInput(_no_identifier_message(config, plan, people, where))
    if people and "title" not in plan.fields and "identifier" in plan.guessed:
        # An "id" column alone does not make a table of artists a table of objects.
        raise UnreadableInput(_people_message(plan, people, where))
    if config.unmapped == "metadata":
        _collect_unmapped(plan, {normalise_key(name) for name in config.ignore})
    return plan


def _bind(
    spec: SourceSpec,
    by_key: dict[str, list[Column]],
    by_name: dict[str, Column],
    missing: list[str],
    what: str,
) -> Bound | None:
    def find(reference: str) -> list[Column]:
        exact = by_name.get(normalise_key(reference))
        if exact is not None and exact.lang is not None:
            return [exact]  # "title@de" names exactly one column
        return by_key.get(normalise_key(reference), [])

    absent = [ref for ref in spec.references() if not find(ref)]
    if absent:
        missing.extend(f"{what}: {ref!r}" for ref in absent)
        return None
    template: list[str | int] = []
    if spec.template:
        for i, piece in enumerate(_TEMPLATE_REF.split(spec.template)):
            template.append(find(piece)[0].index if i % 2 else piece)
    return Bound(
        spec,
        cells=tuple((c.index, c.lang) for c in find(spec.column)) if spec.column else (),
        joined=tuple(find(ref)[0].index for ref in spec.columns),
        template=tuple(template),
        when=tuple((find(ref)[0].index, expected) for ref, expected in spec.when),
    )


def _guess(config: ProfileConfig, columns: list[Column], plan: ColumnPlan) -> None:
    by_squash: dict[str, list[Column]] = {}
    for column in columns:
        by_squash.setdefault(squash(column.base), []).append(column)
    # A field's own column name is tried first, compared as synonyms are, so
    # that a header "Title:" or "Credit-Line" still finds its field.
    own = {name: [spec.column for spec in specs if spec.column] for name, specs in config.fields}
    candidates = {name: [*own.get(name, ()), *synonyms] for name, synonyms in config.synonyms}
    for name, columns_named in own.items():
        candidates.setdefault(name, columns_named)
    for name, synonyms in candidates.items():
        if name in plan.fields:
            continue
        for synonym in synonyms:
            found = by_squash.get(squash(synonym))
            if found:
                spec = SourceSpec(column=found[0].base)
                plan.fields[name] = [Bound(spec, cells=tuple((c.index, c.lang) for c in found))]
                plan.guessed[name] = found[0].base
                break
    # Exact-name references that a synonym then found are not missing.
    plan.missing = [m for m in plan.missing if m.split(":", 1)[0] not in plan.fields]
    plan.not_found = [name for name in candidates if name not in plan.fields]


def _collect_unmapped(plan: ColumnPlan, ignored: set[str]) -> None:
    used: set[int] = set()
    bounds: Iterable[Bound] = [b for bs in plan.fields.values() for b in bs]
    for bound in [*bounds, *(b for _, b in plan.metadata)]:
        used |= bound.indexes()
    groups: dict[str, tuple[str, list[tuple[int, str | None]]]] = {}
    for column in plan.columns:
        if column.index not in used and not {column.key, normalise_key(column.name)} & ignored:
            groups.setdefault(column.key, (column.base, []))[1].append((column.index, column.lang))
    plan.unmapped = list(groups.values())


def person_columns(columns: list[Column]) -> list[str]:
    """Header names that suggest people (gender, birth, death, nationality...)."""
    found = []
    for column in columns:
        words = {w.casefold() for w in _WORDS.findall(column.base)}
        words |= {w.casefold() for w in re.split(r"[^A-Za-z]+", column.base) if w}
        if words & _PERSON_WORDS:
            found.append(column.name)
    return found


def _people_message(plan: ColumnPlan, people: list[str], where: str) -> str:
    lacking = "identifier" if "title" in plan.fields else "identifier or title"
    if "identifier" in plan.fields:
        lacking = "title"
    return (
        f"{where}: this file seems to list people/artists, not objects: no {lacking} column, "
        f"but person-like columns ({', '.join(people[:6])}). Import the objects file instead, "
        "or write a profile that maps its columns (--profile)."
    )


def _no_identifier_message(
    config: ProfileConfig, plan: ColumnPlan, people: list[str], where: str
) -> str:
    if people:
        return _people_message(plan, people, where)
    specs = dict(config.fields).get("identifier", ())
    wanted = [ref for spec in specs for ref in spec.references()]
    wanted += [s for n, syn in config.synonyms if n == "identifier" for s in syn]
    looked = ", ".join(repr(w) for w in wanted[:12]) or "none"
    return (
        f"{where}: no identifier column (looked for {looked}). Name the column that identifies "
        'each object with a profile: [fields] identifier = "..." (see docs/csv-format.md).'
    )


def _header_warning(code: ProblemCode, message: str) -> Problem:
    return Problem(None, 1, code, message, "warning")
