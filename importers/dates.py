"""Display dates read into earliest and latest years.

Exports often give a date only as text ("ca. 1879-1880", "18. Jh.", "début
du XXe siècle"). Where no year fields come with it, :func:`read_date` turns
the text into a year range for the date facet, IIIF ``navDate`` and the
record JSON. The text itself is always kept as the display date.

The reading is table-driven: :data:`TERMS` lists the forms of one date (a
year, a full date, a decade, a century); the words around them (the parts of
a decade or century, approximation, "before", "after", "undated", what joins
a range) are the tables of :mod:`importers.date_words`. Every form is
listed in docs/date-forms.md. The patterns are ours and fixed; text longer
than :data:`MAX_LENGTH` is not read at all, so no text costs more than a few
microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache

from importers.date_words import (
    AFTER,
    APPROXIMATE,
    BEFORE,
    BETWEEN,
    MONTHS,
    ORDINAL_WORDS,
    PART_LINKS,
    PARTS,
    RANGE_SEPARATORS,
    ROMAN_VALUES,
    UNDATED,
)

#: (earliest, latest); either may be None for an open end ("before 1600").
YearRange = tuple[int | None, int | None]
#: A closed span of years, as the forms in TERMS give it.
Span = tuple[int, int]

#: Longer text is a sentence, not a date: it is never read (and never slow).
MAX_LENGTH = 80
#: No work is dated after next year: a later "year" is an inventory number.
MAX_YEAR = date.today().year + 1
UNDATED_READING: YearRange = (None, None)


def _alternation(words: tuple[str, ...] | list[str]) -> str:
    # Longest first, so that "ca." is tried before "ca" and "c".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _year(m: re.Match[str]) -> Span | None:
    year = int(m["year"])
    return (year, year)


def _tens(m: re.Match[str]) -> Span | None:
    """ "1750s", "1750er", "1750-talet": a decade; "1700s", "1700-talet": a century."""
    start = int(m["tens"]) * 10
    return (start, start + 99) if start % 100 == 0 else (start, start + 9)


def _century(m: re.Match[str]) -> Span | None:
    text = m["n"]
    if text.isdigit():
        number = int(text)
    elif text in ORDINAL_WORDS:
        number = ORDINAL_WORDS[text]
    else:
        number = _roman(text)
    if not number or number > 21:
        return None
    return ((number - 1) * 100, (number - 1) * 100 + 99)


def _month_year(m: re.Match[str]) -> Span | None:
    return _year(m) if m["month"] in MONTHS else None


def _roman(text: str) -> int | None:
    total = previous = 0
    for letter in reversed(text):
        value = ROMAN_VALUES.get(letter)
        if value is None:
            return None
        total += -value if value < previous else value
        previous = max(previous, value)
    return total


_ROMAN_NUMBER = r"[ivxl]{1,6}"
_ENGLISH_ORDINALS = _alternation(list(ORDINAL_WORDS))
#: The forms of one date, each a whole-text pattern and the rule that reads it.
#: Every pattern is anchored and free of nested repetition.
TERMS: list[tuple[str, re.Pattern[str], Callable[[re.Match[str]], Span | None]]] = [
    # A spreadsheet writes a year as "1785.0".
    ("year", re.compile(r"(?P<year>\d{1,4})(?:\.0+)?"), _year),
    (
        "ISO date or timestamp",
        re.compile(r"(?P<year>\d{4})-(?:0[1-9]|1[0-2])(?:-\d\d)?(?:[t ][\d:.z+-]*)?"),
        _year,
    ),
    ("day-first date", re.compile(r"(?:\d{1,2}[./-]\s?)?\d{1,2}[./-]\s?(?P<year>\d{4})"), _year),
    (
        "date with a month name",
        re.compile(
            r"(?:\d{1,2}(?:st|nd|rd|th|er|e)?\.?\s)?(?P<month>[a-zäéû]{3,9})\.?,?\s"
            r"(?:\d{1,2}(?:st|nd|rd|th)?,?\s)?(?P<year>\d{4})"
        ),
        _month_year,
    ),
    ("decade or century in figures", re.compile(r"(?P<tens>\d{2,3})0\s?'?s"), _tens),
    ("German decade", re.compile(r"(?P<tens>\d{2,3})0er(?:\s?jahren?)?"), _tens),
    ("Nordic decade or century", re.compile(r"(?P<tens>\d{2,3})0-?tal(?:et|let|l)?"), _tens),
    (
        "English century",
        re.compile(
            rf"(?P<n>\d{{1,2}}|{_ENGLISH_ORDINALS})(?:st|nd|rd|th)?[\s-]?"
            r"(?:century|cent\.?|c\.?)"
        ),
        _century,
    ),
    (
        "German or Danish century",
        re.compile(r"(?P<n>\d{1,2})\.\s?(?:jahrhunderts?|jhdts?\.?|jhd?s?\.?|årh\.?|århundrede)"),
        _century,
    ),
    (
        "French century",
        re.compile(
            rf"(?P<n>\d{{1,2}}|{_ROMAN_NUMBER})\s?(?:e|è|ème|eme|er|re)?\s?(?:siècle|siecle|s\.)"
        ),
        _century,
    ),
    ("Dutch century", re.compile(r"(?P<n>\d{1,2})\s?(?:e|de|ste)\s?eeuw"), _century),
    ("Swedish century", re.compile(r"(?P<n>\d{1,2}):(?:a|e)\s?århundradet"), _century),
    (
        "Italian or Spanish century",
        re.compile(rf"(?:sec\.|secolo|siglo)\s?(?P<n>{_ROMAN_NUMBER})"),
        _century,
    ),
    ("Italian century after", re.compile(rf"(?P<n>{_ROMAN_NUMBER})\s?(?:sec\.|secolo)"), _century),
]

_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "\u00a0": " "})
_SPACES = re.compile(r"\s+")
_UNDATED_KEY = re.compile(r"[\s.]")
_UNCERTAIN = re.compile(r"\(\?\)|\?|\[|\]")
#: Figures left out ("18??", "17?5"): not a year we can give.
_MISSING_FIGURES = re.compile(r"\d\?(?:\?|\d)")
_APPROXIMATE = re.compile(rf"^(?:{_alternation(APPROXIMATE)})(?:\s|(?<=\.)(?=\d))")
_BEFORE = re.compile(rf"^(?:{_alternation(BEFORE)})\s")
_AFTER = re.compile(rf"^(?:{_alternation(AFTER)})\s")
_BETWEEN = re.compile(rf"^(?:{_alternation(BETWEEN)})\s")
_PART = re.compile(
    rf"^(?P<part>{_alternation(list(PARTS))})(?:\s?-\s?|\s)"
    rf"(?:(?:{_alternation(PART_LINKS)})\s)?(?P<rest>.+)$"
)
_WORD_SEPARATORS = [s for s in RANGE_SEPARATORS if s.isalpha()]
_SEPARATOR = re.compile(rf"\s?[-/]\s?|\s(?:{_alternation(_WORD_SEPARATORS)})\s")
_BC = (
    r"b\.?\s?c\.?(?:\s?e\.?)?|v\.\s?chr\.?|vor christus|v\.\s?c\.?|voor christus"
    r"|av\.\s?j\.?-?\s?c\.?|avant j\.?-?\s?c\.?|f\.\s?kr\.?|före kristus|a\.\s?c\.?"
)
_AD = (
    r"a\.?\s?d\.?|c\.\s?e\.?|ce|n\.\s?chr\.?|nach christus|ap\.\s?j\.?-?\s?c\.?|e\.\s?kr\.?"
    r"|d\.\s?c\.?|n\.\s?c\.?"
)
_ERA_AFTER = re.compile(rf"(?<![a-z])\s?(?:(?P<bc>{_BC})|(?P<ad>{_AD}))$")
_ERA_BEFORE = re.compile(r"^(?:a\.?\s?d\.?)\s")
#: What makes unread text look like a date, so it deserves a warning.
_DATE_LIKE = re.compile(
    r"\d|century|jahrhundert|jh\.|siècle|siecle|eeuw|talet|tallet|århundrade|secolo|siglo",
    re.IGNORECASE,
)


def looks_like_date(text: str) -> bool:
    """True when ``text`` has figures or a century word: unread, it earns a warning."""
    return _DATE_LIKE.search(text) is not None


@lru_cache(maxsize=8192)
def read_date(text: str) -> YearRange | None:
    """The years a display date covers; None when it cannot be read.

    ``(None, None)`` means the text says there is no date ("n.d.");
    one end is None for an open range ("before 1600"). When both are
    given, earliest <= latest. Cached: a collection repeats its dates.
    """
    if len(text) <= 4 and text.isascii() and text.isdigit():  # the common case: a year
        year = int(text)
        return (year, year) if 0 < year <= MAX_YEAR else None
    if len(text) > MAX_LENGTH:
        return None
    if _MISSING_FIGURES.search(text):
        return None
    normal = _normalise(text)
    if not normal:
        return None
    if _UNDATED_KEY.sub("", normal) in UNDATED:
        return UNDATED_READING
    return _open_range(_without_approximation(normal))


def _normalise(text: str) -> str:
    text = _UNCERTAIN.sub(" ", text.casefold().translate(_DASHES))
    return _SPACES.sub(" ", text).strip(" ,;:()")


def _without_approximation(text: str) -> str:
    for _ in range(3):  # "ca. um 1900" happens; more is not a date
        found = _APPROXIMATE.match(text)
        if not found:
            break
        text = text[found.end() :].lstrip()
    return text


def _open_range(text: str) -> YearRange | None:
    if found := _BEFORE.match(text):
        span = _range(_without_approximation(text[found.end() :]))
        return None if span is None else (None, span[1])
    if found := _AFTER.match(text):
        span = _range(_without_approximation(text[found.end() :]))
        return None if span is None else (span[0], None)
    if found := _BETWEEN.match(text):
        text = text[found.end() :]
    return _range(text)


def _range(text: str) -> Span | None:
    """One date, or two joined by a separator (the second may be a range again)."""
    whole = _dated_term(text)
    if whole is not None:
        return whole[0]
    for separator in _SEPARATOR.finditer(text):
        left_text, right_text = text[: separator.start()], text[separator.end() :]
        left = _dated_term(left_text)
        right = None
        if left is not None:
            right = _abbreviated(left[0], left_text, right_text) or _range_with_era(right_text)
        if right is None:
            # "17.-18. Jh.", "17th-18th century": the first end borrows the second's word.
            word = right_text.partition(" ")[2]
            left = _dated_term(f"{left_text} {word}") if word else None
            right = _range_with_era(right_text) if left is not None else None
        if left is None or right is None:
            continue
        if left[1] is None and right[1] == "bc":
            # "300-200 BC": the era written once, at the end, holds for both.
            left = _dated_term(f"{left_text} bc") or left
        start, end = left[0][0], right[0][1]
        if start <= end:
            return (start, end)
    return None


def _range_with_era(text: str) -> tuple[Span, str | None] | None:
    found = _dated_term(text)
    if found is not None:
        return found
    span = _range(text)
    return None if span is None else (span, None)


def _abbreviated(left: Span, left_text: str, right_text: str) -> tuple[Span, None] | None:
    """ "1640/45", "1879-80": the second year written with its last figures only."""
    right_text = right_text.strip()
    if not right_text.isdigit() or not left_text.strip().isdigit():
        return None
    first = left[1]
    digits = len(right_text)
    if first < 100 or digits >= len(str(first)):
        return None
    scale = 10**digits
    year = first - first % scale + int(right_text)
    if year < first:
        year += scale
    return ((year, year), None) if year <= MAX_YEAR else None


def _dated_term(text: str) -> tuple[Span, str | None] | None:
    """One date with its era: ((earliest, latest), "bc" | "ad" | None)."""
    text = text.strip(" ,;:()")
    era = None
    if found := _ERA_AFTER.search(text):
        era = "bc" if found["bc"] else "ad"
        text = text[: found.start()].strip()
    elif found := _ERA_BEFORE.match(text):
        era = "ad"
        text = text[found.end() :]
    span = _term(_without_approximation(text))
    if span is None:
        return None
    if era == "bc":
        # 300 BC is -300; the 5th century BC runs from -500 to -401.
        span = (-span[1] - 1, -span[0] - 1) if span[1] > span[0] else (-span[0], -span[0])
    return span, era


def _term(text: str) -> Span | None:
    parted = _PART.match(text)
    if parted:
        whole = _term(parted["rest"])
        if whole is None or whole[1] == whole[0]:
            return None  # a part of one year is not a form we read
        low, high = PARTS[parted["part"]]
        length = whole[1] - whole[0] + 1
        return (whole[0] + length * low // 100, whole[0] + length * high // 100 - 1)
    for _, pattern, rule in TERMS:
        found = pattern.fullmatch(text)
        if found:
            span = rule(found)
            if span is None:
                return None
            if span[1] <= 0 or span[0] > MAX_YEAR:
                return None  # year 0 is no year
            # The first century starts in year 1; the current one ends next year.
            return (max(span[0], 1), min(span[1], MAX_YEAR))
    return None


def display_years(text: str) -> tuple[int | None, int | None, str | None]:
    """Earliest and latest year of a display date, and a warning when it
    looks like a date that could not be read (None otherwise)."""
    found = read_date(text)
    if found is not None:
        return found[0], found[1], None
    if looks_like_date(text):
        return None, None, f"date {text!r} is not a form of date glampub reads; no years were set"
    return None, None, None
