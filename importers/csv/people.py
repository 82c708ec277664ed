"""The ``parse`` value transform: people, with roles and life dates, out of one value.

A CSV profile may say how a creator cell is written:

- ``parse = "name-dates"`` (built in) reads "Name (1853-1890)",
  "Name, 1853-1890", "Name (Dutch, 1853–1890)", "Name (born 1942)";
  a value of another shape is the name as it stands.
- ``parse = "<regular expression>"`` with named groups ``name``, ``role``,
  ``qualifier``, ``birth`` and ``death``: each match in the value is one
  person, so "Engraver: John Raphael Smith, 1752-1812, After: Richard
  Cosway, 1742-1821" gives two people with one pattern. A value the pattern
  does not match at all is kept whole as the name: nothing is lost.

The groups fill the creator fields aligned with the name (a ``role`` group
wins over a ``creator_role`` column). Profile patterns are untrusted input:
they are compiled for RE2 (see :mod:`glampub.patterns`), which matches in
linear time. The built-in reader uses only fixed patterns of ours.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from glampub.patterns import Pattern

#: The named groups a ``parse`` pattern may use.
PARSE_GROUPS = ("name", "role", "qualifier", "birth", "death")
#: The built-in readers, by the name a profile gives them.
BUILT_IN = ("name-dates",)

#: One person as parsed: keys from PARSE_GROUPS, values stripped and non-empty.
Person = dict[str, str]
#: A value to its people, or None when the value is not of the expected shape.
Parser = Callable[[str], list[Person] | None]

_LIFE = re.compile(r"(?P<birth>\d{3,4})?\s?[-–—]\s?(?P<death>\d{3,4})?")
_BORN = re.compile(r"(?:born|b\.|geb\.|geboren|née?|född|født|nacido|nato)\s?(?P<birth>\d{3,4})")
_DIED = re.compile(r"(?:died|d\.|gest\.|gestorben|†|mort|död|død|overleden)\s?(?P<death>\d{3,4})")
#: Longer text is not one name with dates.
_MAX_NAME_DATES = 300


def parser_for(parse: Pattern | str) -> Parser:
    """The reader a profile's ``parse`` names: a built-in one or a pattern."""
    if isinstance(parse, str):
        return name_dates
    return _pattern_parser(parse)


def _pattern_parser(pattern: Pattern) -> Parser:
    def parse(text: str) -> list[Person] | None:
        people = []
        for found in pattern.finditer(text):
            person = {k: v.strip() for k, v in found.groupdict().items() if v and v.strip()}
            if person.get("name"):
                people.append(person)
        return people or None

    return parse


def name_dates(text: str) -> list[Person] | None:
    """ "Name (1853-1890)", "Name, 1853-1890", "Name (Dutch, 1853–1890)", "Name (born 1942)"."""
    text = text.strip()
    if len(text) > _MAX_NAME_DATES:
        return None
    if text.endswith(")") and "(" in text:
        name, _, inside = text[:-1].rpartition("(")
        # "Dutch, 1853–1890": the dates come after the last comma.
        life = _life(inside.rpartition(",")[2].strip())
        if life is not None and name.strip(" ,"):
            return [{"name": name.strip(" ,"), **life}]
    name, comma, dates = text.rpartition(",")
    if comma and name.strip():
        life = _life(dates.strip())
        if life is not None:
            return [{"name": name.strip(), **life}]
    return None


def _life(text: str) -> dict[str, str] | None:
    for pattern in (_LIFE, _BORN, _DIED):
        found = pattern.fullmatch(text)
        if found:
            life = {k: v for k, v in found.groupdict().items() if v}
            return life or None
    return None
