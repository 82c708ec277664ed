"""Creators and images: several values in one cell, paired by position across columns.

``creator = "A|B"`` with ``creator_birth = "1853|1901"`` gives A born 1853
and B born 1901. When a column has a different number of values than the
names (or the images) it belongs to, nobody can tell which value is whose, so
that column is left out for the row and a ``misaligned-values`` warning says
so: a rights statement must never end up on the wrong image.
"""

from __future__ import annotations

from collections.abc import Callable

from glampub.errors import Problem
from importers.attribution import normalise
from importers.base import Creator, SourceImage
from importers.csv.extract import Row, Values, newlines
from importers.csv.people import Parser, Person
from importers.problem_codes import ProblemCode

#: A plain column (index, separator), read inline, or a compiled extractor.
Part = tuple[int, str] | Values
#: Turns year text into a year, or None when it is not one.
YearParser = Callable[[str], int | None]
#: The people of a row, read by a profile's ``parse`` (see importers/csv/people.py).
People = Callable[[Row], list[Person]]


def read_people(sources: list[tuple[Values, Parser | None]]) -> People:
    """The creator sources of a profile as one reader of people: each value is
    parsed into people, or is one name as it stands (empty ones keep their place)."""

    def people(row: Row) -> list[Person]:
        found: list[Person] = []
        for values, parse in sources:
            for value in values(row):
                parsed = parse(value) if parse is not None and value else None
                if parsed is None:
                    found.append({"name": value})
                else:
                    found.extend(parsed)
        return found

    return people


def read_part(row: Row, part: Part) -> list[str]:
    """The values of one aligned column in this row, empty ones kept for position."""
    if callable(part):
        return part(row)
    index, separator = part
    text = row[index]
    if not text or text.isspace():
        return []
    if "\r" in text:
        text = newlines(text)
    if not separator or separator not in text:
        return [text.strip()]
    return list(map(str.strip, text.split(separator)))


class CreatorReader:
    def __init__(
        self,
        names: Part,
        parts: dict[str, Part],
        parse_year: YearParser,
        people: People | None = None,
    ) -> None:
        self._names = names
        self._parts = [(name, part) for name, part in parts.items()]
        self._parse_year = parse_year
        self._people = people

    def read(self, row: Row, ident: str, line: int, problems: list[Problem]) -> list[Creator]:
        people = self._people(row) if self._people is not None else None
        names = [p["name"] for p in people] if people is not None else read_part(row, self._names)
        if not names:
            return []
        count = len(names)
        parts: dict[str, list[str]] = {}
        for name, part in self._parts:
            values = read_part(row, part)
            if len(values) == count:
                parts[name] = values
            elif values:
                problems.append(misaligned(ident, line, name, len(values), "creator", count))
        births, deaths = parts.get("creator_birth"), parts.get("creator_death")
        roles, qualifiers = parts.get("creator_role"), parts.get("creator_qualifier")
        dates = parts.get("creator_dates")
        creators = []
        for position, name in enumerate(names):
            if not name:
                continue
            birth = births[position] if births else ""
            death = deaths[position] if deaths else ""
            role = (roles[position] or None) if roles else None
            qualifier = (qualifiers[position] or None) if qualifiers else None
            if people is not None:
                # What the profile's parse found in the cell wins over aligned columns.
                parsed = people[position]
                birth, death = parsed.get("birth", birth), parsed.get("death", death)
                role = parsed.get("role", role)
                qualifier = parsed.get("qualifier", qualifier)
            # "After Richard Cosway", a role "copy after": the qualifier goes with the name.
            person, role, qualifier = normalise(name, role, qualifier)
            # Positional arguments: measurably faster than keywords on this path.
            creators.append(
                Creator(
                    person,
                    role,
                    qualifier,
                    self._year(birth, "creator_birth", name, ident, line, problems),
                    self._year(death, "creator_death", name, ident, line, problems),
                    (dates[position] or None) if dates else None,
                )
            )
        return creators

    def _year(
        self, text: str, part: str, name: str, ident: str, line: int, problems: list[Problem]
    ) -> int | None:
        if not text:
            return None
        year = self._parse_year(text)
        if year is None:
            message = f"{part} of {name!r}: {text!r} is not a year; left empty"
            problems.append(Problem(ident, line, ProblemCode.BAD_DATE, message, "warning"))
        return year


class ImageReader:
    def __init__(self, references: Part, rights: Part | None) -> None:
        self._references = references
        self._rights = rights

    def read(self, row: Row, ident: str, line: int, problems: list[Problem]) -> list[SourceImage]:
        references = read_part(row, self._references)
        rights = read_part(row, self._rights) if self._rights is not None else []
        if rights and len(rights) != len(references):
            # Never spread one image's rights over another: leave them all out.
            problems.append(
                misaligned(ident, line, "image_rights", len(rights), "images", len(references))
            )
            rights = []
        images = []
        for position, reference in enumerate(references):
            if reference:
                image = SourceImage(reference)
                if rights and rights[position]:
                    image.rights.append(rights[position])
                images.append(image)
        return images


def misaligned(ident: str, line: int, name: str, count: int, primary: str, total: int) -> Problem:
    message = (
        f"{name} has {count} value(s) but {primary} has {total}; {name} was left out because "
        "the values cannot be paired safely"
    )
    return Problem(ident, line, ProblemCode.MISALIGNED_VALUES, message, "warning")
