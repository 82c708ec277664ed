"""Display dates read into earliest and latest years.

Exports often give a date only as text ("ca. 1879-1880", "18. Jh.", "début
du XXe siècle"). Where no year fields come with it, :func:`read_date` turns
the text into a year range for the date facet, IIIF ``navDate`` and the
record JSON. The text itself is always kept as the display date.

The reading is table-driven: :data:`TERMS` lists the forms of one date (a
year, a full date, a decade, a century), :data:`PARTS` the parts of a decade
or century ("early", "2. Hälfte", "fin du"), :data:`APPROXIMATE`,
:data:`BEFORE`, :data:`AFTER` and :data:`UNDATED` the words around them, and
:data:`RANGE_SEPARATORS` what joins two dates into a range. Every form is
listed in docs/date-forms.md. The patterns are ours and fixed; text longer
than :data:`MAX_LENGTH` is not read at all, so no text costs more than a few
microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache

#: (earliest, latest); either may be None for an open end ("before 1600").
YearRange = tuple[int | None, int | None]
#: A closed span of years, as the forms in TERMS give it.
Span = tuple[int, int]

#: Longer text is a sentence, not a date: it is never read (and never slow).
MAX_LENGTH = 80
#: No work is dated after next year: a later "year" is an inventory number.
MAX_YEAR = date.today().year + 1
UNDATED_READING: YearRange = (None, None)

#: Written instead of a date when there is none ("n.d.", "o.J."), compared
#: without dots and spaces: the text is understood, and gives no years.
UNDATED = frozenset(
    {
        "nd",  # n.d., no date
        "nodate",
        "undated",
        "unknown",
        "sd",  # s.d., sans date / sine die
        "sa",  # s.a., sine anno
        "sansdate",
        "oj",  # o.J., ohne Jahr
        "ohnejahr",
        "undatiert",
        "unbekannt",
        "unbestimmt",
        "zj",  # z.j., zonder jaar
        "zonderjaar",
        "ongedateerd",
        "onbekend",
        "inconnu",
        "nondaté",
        "odaterad",
        "okänd",
        "udateret",
        "udatert",
        "ukendt",
        "sf",  # s.f., sin fecha
        "sinfecha",
        "senzadata",
    }
)

#: Words of approximation or uncertainty before a date; they do not change the years.
APPROXIMATE = (
    "approximately",
    "approx.",
    "approx",
    "circa",
    "ca.",
    "ca",
    "c.",
    "c",
    "about",
    "around",
    "probably",
    "possibly",
    "dated",
    "um",
    "etwa",
    "gegen",
    "wohl",
    "vermutlich",
    "wahrscheinlich",
    "datiert",
    "vers",
    "environ",
    "env.",
    "probablement",
    "daté",
    "omstreeks",
    "ongeveer",
    "rond",
    "gedateerd",
    "omkring",
    "omk.",
    "cirka",
    "daterad",
    "dateret",
    "hacia",
    "verso",
    "intorno al",
)
#: "before X": the range ends with X and has no earliest year.
BEFORE = ("before", "until", "not after", "vor", "bis", "avant", "voor", "före", "innan", "inden")
#: "after X": the range starts with X and has no latest year.
AFTER = ("after", "not before", "since", "nach", "seit", "ab", "après", "na", "efter", "etter")
#: Opening words of a range ("between 1650 and 1660").
BETWEEN = ("between", "zwischen", "entre", "tussen", "mellan", "mellem", "tra")
#: What joins the two ends of a range, as whole words where they are words.
RANGE_SEPARATORS = (
    "-",
    "/",
    "to",
    "or",
    "and",
    "bis",
    "oder",
    "und",
    "à",
    "au",
    "ou",
    "et",
    "tot",
    "of",
    "en",
    "till",
    "eller",
    "och",
    "og",
    "til",
    "a",
    "y",
    "o",
    "e",
)
#: Parts of a decade or century, as the share of it they cover (in percent).
PARTS: dict[str, tuple[int, int]] = {
    "early": (0, 30),
    "beginning": (0, 30),
    "start": (0, 30),
    "mid": (30, 70),
    "middle": (30, 70),
    "late": (70, 100),
    "end": (70, 100),
    "first half": (0, 50),
    "second half": (50, 100),
    "latter half": (50, 100),
    "first quarter": (0, 25),
    "second quarter": (25, 50),
    "third quarter": (50, 75),
    "fourth quarter": (75, 100),
    "last quarter": (75, 100),
    "anfang": (0, 30),
    "beginn": (0, 30),
    "frühes": (0, 30),
    "früh": (0, 30),
    "mitte": (30, 70),
    "ende": (70, 100),
    "spätes": (70, 100),
    "spät": (70, 100),
    "1. hälfte": (0, 50),
    "erste hälfte": (0, 50),
    "2. hälfte": (50, 100),
    "zweite hälfte": (50, 100),
    "1. viertel": (0, 25),
    "erstes viertel": (0, 25),
    "2. viertel": (25, 50),
    "zweites viertel": (25, 50),
    "3. viertel": (50, 75),
    "drittes viertel": (50, 75),
    "4. viertel": (75, 100),
    "letztes viertel": (75, 100),
    "début": (0, 30),
    "milieu": (30, 70),
    "fin": (70, 100),
    "première moitié": (0, 50),
    "seconde moitié": (50, 100),
    "deuxième moitié": (50, 100),
    "premier quart": (0, 25),
    "deuxième quart": (25, 50),
    "second quart": (25, 50),
    "troisième quart": (50, 75),
    "dernier quart": (75, 100),
    "begin": (0, 30),
    "vroeg": (0, 30),
    "midden": (30, 70),
    "eind": (70, 100),
    "einde": (70, 100),
    "laat": (70, 100),
    "eerste helft": (0, 50),
    "tweede helft": (50, 100),
    "eerste kwart": (0, 25),
    "tweede kwart": (25, 50),
    "derde kwart": (50, 75),
    "laatste kwart": (75, 100),
    "början": (0, 30),
    "tidigt": (0, 30),
    "mitten": (30, 70),
    "slutet": (70, 100),
    "sent": (70, 100),
    "första hälften": (0, 50),
    "andra hälften": (50, 100),
    "begyndelsen": (0, 30),
    "midten": (30, 70),
    "slutningen": (70, 100),
    "første halvdel": (0, 50),
    "anden halvdel": (50, 100),
    "principios": (0, 30),
    "mediados": (30, 70),
    "finales": (70, 100),
    "primera mitad": (0, 50),
    "segunda mitad": (50, 100),
    "inizio": (0, 30),
    "metà": (30, 70),
    "prima metà": (0, 50),
    "seconda metà": (50, 100),
}
#: Words between a part and its decade or century ("first half of the").
_PART_LINKS = (
    "of the",
    "of",
    "des",
    "der",
    "du",
    "de la",
    "de",
    "del",
    "della",
    "dello",
    "van de",
    "van het",
    "van",
    "av",
    "af",
)

_MONTHS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "januar",
        "februar",
        "märz",
        "mai",
        "juni",
        "juli",
        "oktober",
        "dezember",
        "janvier",
        "février",
        "mars",
        "avril",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
        "januari",
        "februari",
        "maart",
        "mei",
        "augustus",
        "oktober",
        "augusti",
    ]
)
_ORDINAL_WORDS = {
    word: number
    for number, word in enumerate(
        [
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
            "thirteenth",
            "fourteenth",
            "fifteenth",
            "sixteenth",
            "seventeenth",
            "eighteenth",
            "nineteenth",
            "twentieth",
            "twenty-first",
        ],
        1,
    )
}
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50}


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
    elif text in _ORDINAL_WORDS:
        number = _ORDINAL_WORDS[text]
    else:
        number = _roman(text)
    if not number or number > 21:
        return None
    return ((number - 1) * 100, (number - 1) * 100 + 99)


def _month_year(m: re.Match[str]) -> Span | None:
    return _year(m) if m["month"] in _MONTHS else None


def _roman(text: str) -> int | None:
    total = previous = 0
    for letter in reversed(text):
        value = _ROMAN.get(letter)
        if value is None:
            return None
        total += -value if value < previous else value
        previous = max(previous, value)
    return total


_ROMAN_NUMBER = r"[ivxl]{1,6}"
_ENGLISH_ORDINALS = _alternation(list(_ORDINAL_WORDS))
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
    rf"(?:(?:{_alternation(_PART_LINKS)})\s)?(?P<rest>.+)$"
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
