"""One CSV row, or a run of rows about one object, turned into a SourceRecord.

The column plan is compiled once: plain columns go into lookup tables that a
single loop per field kind walks, everything else into closures (see
importers/csv/extract.py). This runs for every row of a bulk import.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import compress
from operator import itemgetter
from typing import Any

from glampub.errors import Problem
from importers.base import LangMap, SourceRecord
from importers.csv.aligned import CreatorReader, ImageReader, Part, People, read_people
from importers.csv.columns import Bound, ColumnPlan
from importers.csv.extract import (
    LangValues,
    Row,
    Values,
    clean,
    combine_lang_values,
    combine_values,
    compile_lang_values,
    compile_values,
    default_language,
    is_plain,
    newlines,
    separator_for,
)
from importers.csv.media_type import CSV_MEDIA_TYPE
from importers.csv.people import parser_for
from importers.csv.profile import FIELD_KINDS, ProfileConfig
from importers.dates import display_years
from importers.problem_codes import ProblemCode

#: A whole year, optionally written as a float by a spreadsheet ("1785.0"), or
#: an ISO date or timestamp whose year is taken ("1984-05-02 00:00:00-04").
_YEAR = re.compile(r"([+-]?\d{1,6})(?:\.0+)?|([+-]?\d{4})-\d\d(?:-\d\d)?(?:[T ].*)?")
#: After this many whole-number identifiers, a guessed identifier column that
#: suddenly holds words is taken to be a fragment of a broken row.
_SHAPE_EVIDENCE = 20

_RECORD_ATTRIBUTE = {"date": "date_display"}
_CREATOR_PARTS = (
    "creator_birth",
    "creator_death",
    "creator_role",
    "creator_qualifier",
    "creator_dates",
)


def parse_year(text: str, latest: int | None = None) -> int | None:
    """The year in ``text``, or None when it is not a year (or is after ``latest``).

    Exports use placeholders such as 9999 for "unknown" or "still active"; a
    year in the future is never a real date of a work or a life.
    """
    if text.isdigit() and len(text) <= 6:
        year = int(text)
    else:
        match = _YEAR.fullmatch(text)
        if not match:
            return None
        year = int(match.group(1) or match.group(2))
    return None if latest is not None and year > latest else year


class RowMapper:
    """Maps rows by a :class:`ColumnPlan`; problems come back as data."""

    def __init__(
        self, plan: ColumnPlan, config: ProfileConfig, media_type: str = CSV_MEDIA_TYPE
    ) -> None:
        self._config = config
        #: The records' media type: it names the delimiter where sniffing would not find it.
        self._media_type = media_type
        #: (field, value) pairs a source ``pattern`` refused in the current row.
        self._rejects: list[tuple[str, str]] = []
        self._latest_year = date.today().year + 1
        id_indexes = sorted(i for b in plan.fields["identifier"] for i in b.indexes())
        self._identifier_column = plan.columns[id_indexes[0]].name if id_indexes else "identifier"
        self._identifier = self._values(plan.fields["identifier"], "identifier")
        id_bounds = plan.fields["identifier"]
        plain_id = (
            len(id_bounds) == 1
            and is_plain(id_bounds[0])
            and len(id_bounds[0].cells) == 1
            and not separator_for(id_bounds[0], "identifier", config)
        )
        self._identifier_cell = id_bounds[0].cells[0][0] if plain_id else None
        self._shape_check = "identifier" in plan.guessed
        self._whole_numbers_seen = 0
        # Plain one-column fields: (attribute, column index), walked in one loop each.
        self._text_cells: list[tuple[str, int]] = []
        self._year_cells: list[tuple[str, int]] = []
        self._statement_cells: list[tuple[str, int]] = []
        #: (attribute, column index, language, separator) for language-map fields.
        self._lang_cells: list[tuple[str, int, str, str]] = []
        self._text: list[tuple[str, Values]] = []
        self._years: list[tuple[str, Values]] = []
        self._statements: list[tuple[str, Values]] = []
        self._lang: list[tuple[str, LangValues]] = []
        self._parts: dict[str, Part] = {}
        self._people: People | None = None
        for name, bounds in plan.fields.items():
            if name != "identifier":
                self._compile_field(name, bounds)
        self._has_general = bool(self._text or self._years or self._lang or self._statements)
        parts = self._parts
        self._creators = None
        if "creator" in parts:
            creator_parts = {n: parts[n] for n in _CREATOR_PARTS if n in parts}
            self._creators = CreatorReader(
                parts["creator"], creator_parts, self._year_or_none, self._people
            )
        self._images = None
        if "images" in parts:
            self._images = ImageReader(parts["images"], parts.get("image_rights"))
        self._metadata = [
            (label, compile_lang_values(bound, "metadata", config, self._rejects))
            for label, bound in plan.metadata
        ]
        self._label_lang = config.language
        #: Columns no source reads, kept as metadata: (label, [(index, language)]).
        self._unmapped = plan.unmapped
        # The usual case, plain columns without language suffixes, is read with C-level
        # helpers: itemgetter picks the cells, compress skips the empty ones.
        simple = all(len(cells) == 1 and cells[0][1] is None for _, cells in plan.unmapped)
        self._unmapped_cells = None
        if simple and len(plan.unmapped) > 1:
            self._unmapped_cells = itemgetter(*(cells[0][0] for _, cells in plan.unmapped))
            self._unmapped_labels = [base for base, _ in plan.unmapped]

    def _values(self, bounds: list[Bound], name: str) -> Values:
        return combine_values(
            [compile_values(b, name, self._config, self._rejects) for b in bounds]
        )

    def _compile_field(self, name: str, bounds: list[Bound]) -> None:
        kind = FIELD_KINDS[name]
        attribute = _RECORD_ATTRIBUTE.get(name, name)
        config = self._config
        one_plain_cell = (
            len(bounds) == 1
            and is_plain(bounds[0])
            and len(bounds[0].cells) == 1
            and not separator_for(bounds[0], name, config)
        )
        tables = {
            "text": (self._text_cells, self._text),
            "year": (self._year_cells, self._years),
            "statements": (self._statement_cells, self._statements),
        }
        if kind in tables:
            cells, general = tables[kind]
            if one_plain_cell:
                cells.append((attribute, bounds[0].cells[0][0]))
            else:
                general.append((attribute, self._values(bounds, name)))
        elif kind == "langtext":
            if all(is_plain(b) for b in bounds):
                for bound in bounds:
                    lang = default_language(bound, name, config)
                    separator = separator_for(bound, name, config)
                    self._lang_cells += [
                        (attribute, i, ln or lang, separator) for i, ln in bound.cells
                    ]
            else:
                extractors = [compile_lang_values(b, name, config, self._rejects) for b in bounds]
                self._lang.append((attribute, combine_lang_values(extractors)))
        elif name == "creator" and any(b.spec.parse is not None for b in bounds):
            sources = [
                (
                    compile_values(b, name, config, self._rejects),
                    parser_for(b.spec.parse) if b.spec.parse is not None else None,
                )
                for b in bounds
            ]
            self._people = read_people(sources)
            # The names come from the people reader; the part marks the field as mapped.
            self._parts[name] = self._values(bounds, name)
        elif len(bounds) == 1 and is_plain(bounds[0]) and len(bounds[0].cells) == 1:
            # A creator or image part from one plain column is split inline (read_part).
            self._parts[name] = (bounds[0].cells[0][0], separator_for(bounds[0], name, config))
        else:
            self._parts[name] = self._values(bounds, name)

    # -- per row ----------------------------------------------------------------

    def identifier(self, row: Row) -> str:
        self._rejects.clear()
        if self._identifier_cell is not None:
            return row[self._identifier_cell].strip()
        return next((value for value in self._identifier(row) if value), "")

    def map_row(
        self, row: Row, line: int, identifier: str, source: str
    ) -> tuple[SourceRecord | None, list[Problem]]:
        """The record for ``row`` (None when rejected) and the problems found."""
        if self._rejects or not identifier:
            return None, [self._identifier_problem(line)]
        if self._shape_check:
            refused = self._check_shape(identifier, line)
            if refused:
                return None, [refused]
        problems: list[Problem] = []
        values: dict[str, Any] = {}
        # Plain columns first, inline: this loop body runs for most fields of most rows.
        for attribute, index in self._text_cells:
            text = row[index]
            if text and not text.isspace():
                values[attribute] = clean(text)
        latest_year = self._latest_year
        for attribute, index in self._year_cells:
            text = row[index].strip()
            if text:
                if text.isdigit() and len(text) < 5 and int(text) <= latest_year:
                    values[attribute] = int(text)
                else:
                    self._set_year(values, attribute, text, identifier, line, problems)
        for attribute, index, lang, separator in self._lang_cells:
            text = row[index]
            if not text or text.isspace():
                continue
            lang_map = values.get(attribute)
            if lang_map is None:
                lang_map = values[attribute] = {}
            if separator or "\r" in text or lang in lang_map:
                _add_text(lang_map, lang, text, separator)
            else:
                lang_map[lang] = [text.strip()]
        for attribute, index in self._statement_cells:
            text = row[index]
            if text and not text.isspace():
                values[attribute] = [clean(text)]
        if self._has_general:
            self._general_fields(row, values, identifier, line, problems)
        if self._creators is not None:
            values["creators"] = self._creators.read(row, identifier, line, problems)
        if self._images is not None:
            values["images"] = self._images.read(row, identifier, line, problems)
        if self._metadata or self._unmapped:
            values["metadata"] = self._metadata_pairs(row)
        for field_name, value in self._rejects:
            problems.append(
                _warning(
                    identifier,
                    line,
                    ProblemCode.BAD_VALUE,
                    f"{field_name}: {value!r} does not match the profile's pattern; left out",
                )
            )
        if "date_latest" in values and "date_earliest" in values:
            self._check_range(values, identifier, line, problems)
        elif "date_display" in values and not (
            "date_earliest" in values or "date_latest" in values
        ):
            self._display_years(values, identifier, line, problems)
        record = SourceRecord(
            identifier=identifier,
            line=line,
            source=source,
            source_format="csv",
            source_media_type=self._media_type,
            **values,
        )
        return record, problems

    def _general_fields(
        self, row: Row, values: dict[str, Any], ident: str, line: int, problems: list[Problem]
    ) -> None:
        """Fields read through closures: maps, patterns, conditions, several sources."""
        for attribute, get in self._text:
            text = next((v for v in get(row) if v), "")
            if text:
                values[attribute] = text
        for attribute, get in self._years:
            text = next((v for v in get(row) if v), "")
            if text:
                self._set_year(values, attribute, text, ident, line, problems)
        for attribute, get in self._lang:
            lang_map: LangMap = {}
            for lang, text in get(row):
                if text:
                    _add_text(lang_map, lang, text, "")
            if lang_map:
                values[attribute] = lang_map
        for attribute, get in self._statements:
            statements = list(dict.fromkeys(v for v in get(row) if v))
            if statements:
                values[attribute] = statements

    def _year_or_none(self, text: str) -> int | None:
        return parse_year(text, self._latest_year)

    def _set_year(
        self,
        values: dict[str, Any],
        attribute: str,
        text: str,
        ident: str,
        line: int,
        problems: list[Problem],
    ) -> None:
        year = parse_year(text, self._latest_year)
        if year is None:
            problems.append(
                _warning(
                    ident,
                    line,
                    ProblemCode.BAD_DATE,
                    f"{attribute}: {text!r} is not a year; left empty",
                )
            )
        else:
            values[attribute] = year

    def _display_years(
        self, values: dict[str, Any], ident: str, line: int, problems: list[Problem]
    ) -> None:
        """No year fields in this row: the years are read from the display date."""
        earliest, latest, doubt = display_years(values["date_display"])
        if earliest is not None:
            values["date_earliest"] = earliest
        if latest is not None:
            values["date_latest"] = latest
        if doubt:
            problems.append(_warning(ident, line, ProblemCode.BAD_DATE, doubt))

    # -- pieces -----------------------------------------------------------------

    def _identifier_problem(self, line: int) -> Problem:
        if self._rejects:
            value = self._rejects[0][1]
            return Problem(
                None,
                line,
                ProblemCode.MALFORMED_ROW,
                f"identifier {value!r} does not match the profile's pattern; the row is "
                "probably a fragment of a broken record and was skipped",
            )
        return Problem(
            None,
            line,
            ProblemCode.MISSING_IDENTIFIER,
            f"no value in the identifier column {self._identifier_column!r}; row skipped",
        )

    def _check_shape(self, identifier: str, line: int) -> Problem | None:
        if identifier.isdigit():
            self._whole_numbers_seen += 1
        elif self._whole_numbers_seen >= _SHAPE_EVIDENCE:
            return Problem(
                identifier,
                line,
                ProblemCode.MALFORMED_ROW,
                f"identifier {identifier!r} does not look like the others in column "
                f"{self._identifier_column!r} (whole numbers so far); the row is probably a "
                "fragment of a broken record and was skipped. A profile with a pattern for "
                "the identifier makes this explicit.",
            )
        else:
            self._shape_check = False  # the column is not all whole numbers
        return None

    def _metadata_pairs(self, row: Row) -> list[tuple[LangMap, LangMap]]:
        pairs: list[tuple[LangMap, LangMap]] = []
        for label, get in self._metadata:
            found: LangMap = {}
            for lang, text in get(row):
                if text:
                    _add_text(found, lang, text, "")
            if found:
                _add_pair(pairs, {k: list(v) for k, v in label.items()}, found)
        label_lang = self._label_lang
        if self._unmapped_cells is not None:
            texts = self._unmapped_cells(row)
            non_empty = filter(None, texts)
            for base, text in zip(compress(self._unmapped_labels, texts), non_empty, strict=True):
                if not text.isspace():
                    pairs.append(({label_lang: [base]}, {"none": [clean(text)]}))
            return pairs
        for base, cells in self._unmapped:
            value: LangMap = {}
            for index, lang in cells:
                text = row[index]
                if text and not text.isspace():
                    _add_text(value, lang or "none", text, "")
            if value:
                pairs.append(({label_lang: [base]}, value))
        return pairs

    def _check_range(
        self, values: dict[str, Any], ident: str, line: int, problems: list[Problem]
    ) -> None:
        earliest, latest = values.get("date_earliest"), values.get("date_latest")
        if earliest is not None and latest is not None and earliest > latest:
            problems.append(
                _warning(
                    ident,
                    line,
                    ProblemCode.BAD_DATE,
                    f"date_earliest {earliest} is after date_latest {latest}; both kept as given",
                )
            )

    # -- grouped rows ---------------------------------------------------------------

    @staticmethod
    def merge(into: SourceRecord, other: SourceRecord) -> None:
        """Fold a later row about the same object into its record."""
        for name, kind in FIELD_KINDS.items():
            attribute = _RECORD_ATTRIBUTE.get(name, name)
            if kind in ("text", "year") and getattr(into, attribute, None) is None:
                setattr(into, attribute, getattr(other, attribute, None))
            elif kind == "langtext":
                _merge_lang(getattr(into, name), getattr(other, name))
            elif kind == "statements":
                mine = getattr(into, name)
                mine.extend(s for s in getattr(other, name) if s not in mine)
        known = {(c.name, c.role) for c in into.creators}
        into.creators.extend(c for c in other.creators if (c.name, c.role) not in known)
        references = {i.reference for i in into.images}
        into.images.extend(i for i in other.images if i.reference not in references)
        for label, value in other.metadata:
            _add_pair(into.metadata, label, value)


def _add_text(lang_map: LangMap, lang: str, text: str, separator: str) -> None:
    """Add text to a language map (split, trimmed, no duplicates)."""
    if "\r" in text:
        text = newlines(text)
    pieces = text.split(separator) if separator else (text,)
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        existing = lang_map.get(lang)
        if existing is None:
            lang_map[lang] = [piece]
        elif piece not in existing:
            existing.append(piece)


def _merge_lang(into: LangMap, other: LangMap) -> None:
    for lang, values in other.items():
        mine = into.setdefault(lang, [])
        mine.extend(v for v in values if v not in mine)


def _add_pair(pairs: list[tuple[LangMap, LangMap]], label: LangMap, value: LangMap) -> None:
    for existing_label, existing_value in pairs:
        if existing_label == label:
            _merge_lang(existing_value, value)
            return
    pairs.append((label, value))


def _warning(identifier: str, line: int, code: ProblemCode, message: str) -> Problem:
    return Problem(identifier, line, code, message, "warning")
