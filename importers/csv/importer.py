"""The CSV importer: delimited exports, read by a column-mapping profile.

``read`` streams: a generator over :mod:`csv` on decoded lines, one record at a
time, never the whole file in memory. What the file gets wrong becomes a
:class:`Problem` with the physical line where the record starts (line 1 is the
header), so a collections manager can open the file and find it. The format,
the default column set and the profile format are in docs/csv-format.md.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from glampub.errors import Problem, UnreadableInput, UnsafeInput
from importers.base import Profile, SourceRecord
from importers.csv.columns import ColumnPlan, plan_columns, read_header
from importers.csv.mapping import RowMapper
from importers.csv.media_type import csv_media_type
from importers.csv.profile import (
    ProfileConfig,
    load_profile,
    parse_profile,
    with_text_settings,
)
from importers.csv.rejoin import rejoin_split_rows
from importers.csv.short_rows import ShortRows, short_row, untitled_warning
from importers.csv.text import (
    END_MARKER,
    HEAD_BYTES,
    XML_NOT_DELIMITED,
    LineTooLong,
    TextSource,
    classify_head,
    looks_delimited,
    sniff_delimiter,
)
from importers.problem_codes import ProblemCode

__all__ = ["CsvImporter", "load_profile"]

#: Identifiers remembered here to report a repeated one with the line of its
#: first use. Beyond that many, memory would grow with the file (about 100 MB
#: for a million rows): the import itself still refuses every later duplicate,
#: from its staging table in the database (glampub.importing.staging).
DUPLICATES_CHECKED_HERE = 50_000


@dataclass
class _Pending:
    """A record waiting for more rows about the same object (``group_rows``)."""

    record: SourceRecord
    problems: list[Problem]
    raw: list[str] = field(default_factory=list)


class CsvImporter:
    """Comma-, semicolon- or tab-separated exports; see docs/csv-format.md."""

    name = "csv"
    label = "CSV"
    #: ``--profile`` values (a path or a bundled name) are read with this.
    load_profile = staticmethod(load_profile)
    #: ``--encoding`` and ``--delimiter`` are applied to the profile with this.
    with_text_settings = staticmethod(with_text_settings)

    def sniff(self, path: Path) -> bool:
        return looks_delimited(Path(path))

    def read(self, path: Path, profile: Profile | None = None) -> Iterator[SourceRecord | Problem]:
        """Records and problems in file order (warnings just before their record).

        With no profile (or an empty one) the default profile applies: the
        default column set, plus columns guessed from known synonyms.
        """
        if profile is None or not profile.settings:
            profile = load_profile("default")
        config = parse_profile(profile)  # a bad profile fails here, before any reading
        return self._read(Path(path), config)

    def _read(self, path: Path, config: ProfileConfig) -> Iterator[SourceRecord | Problem]:
        try:
            fh = open(path, "rb")  # noqa: SIM115 - closed by the with below, in the generator
        except OSError as exc:
            raise UnreadableInput(f"{path}: cannot open the file: {exc.strerror}") from None
        with fh:
            reason = classify_head(fh.read(HEAD_BYTES), path.suffix)
            if reason == XML_NOT_DELIMITED:
                raise UnreadableInput(
                    f"{path}: not a CSV file: {reason} (for LIDO use --format lido)",
                    web=f"{path}: not a CSV file: {reason} (for LIDO choose LIDO XML as the "
                    "format)",
                )
            if reason:
                raise UnreadableInput(f"{path}: not a CSV file: {reason}")
            fh.seek(0)
            source = TextSource(fh, config.encoding)
            try:
                yield from self._records(path, config, source)
            except LineTooLong as exc:
                raise UnsafeInput(f"{path}: {exc}") from None
            finally:
                source.close()

    def _records(
        self, path: Path, config: ProfileConfig, source: TextSource
    ) -> Iterator[SourceRecord | Problem]:
        first = next(source.lines, "")
        delimiter = config.delimiter or sniff_delimiter(first)
        reader = csv.reader(chain([first], source.lines, [END_MARKER]), delimiter=delimiter)
        try:
            header = next(reader)
        except csv.Error as exc:
            raise UnreadableInput(f"{path}: line 1: the header cannot be read: {exc}") from None
        if header and header[-1].endswith(END_MARKER):
            raise UnreadableInput(f"{path}: the header has an unclosed quote; nothing to read")
        header_text = source.take(reader.line_num)
        if source.needs_repair(header_text):
            header, header_text = source.repair(header, header_text, 1)
        columns, header_problems = read_header(header)
        plan = plan_columns(config, columns, str(path))
        yield from header_problems
        yield from _plan_problems(path, config, plan)
        yield from _text_events(source, None)
        first_header_line = header_text.splitlines()[0] if header_text else ""
        mapper = RowMapper(plan, config, csv_media_type(delimiter, first_header_line))
        short = ShortRows(len(columns))
        rows = rejoin_split_rows(
            short.watch(_parsed_rows(reader, source)),
            len(columns),
            mapper.identifier,
            source.events,
        )
        yield from _records_from_rows(
            rows, source, mapper, config, header_text, len(columns), short
        )


def _plan_problems(path: Path, config: ProfileConfig, plan: ColumnPlan) -> list[Problem]:
    problems = []
    if plan.missing and config.missing_columns != "ignore":
        message = f"the profile {config.name!r} names columns this file does not have: " + (
            "; ".join(plan.missing)
        )
        if config.missing_columns == "error":
            raise UnreadableInput(f"{path}: {message}")
        problems.append(Problem(None, 1, ProblemCode.MISSING_COLUMN, message, "warning"))
    if plan.guessed:
        lacking = (
            f" No column was found for: {', '.join(plan.not_found)}." if plan.not_found else ""
        )
        message = (
            f"columns guessed from the header: {plan.describe()}.{lacking} Columns not listed "
            "are kept as metadata. Write a profile to change this (docs/csv-format.md)."
        )
        problems.append(Problem(None, 1, ProblemCode.GUESSED_COLUMNS, message, "warning"))
    if config.guess and "title" not in plan.fields and "description" not in plan.fields:
        problems.extend(untitled_warning(config, plan))
    return problems


def _parsed_rows(reader: Any, source: TextSource) -> Iterator[tuple[int, list[str], str] | Problem]:
    """(first line, cells, raw text) of each non-blank record, or a Problem.

    ``reader.line_num`` counts physical lines, so the lines between two records
    are exactly the lines of the second one.
    """
    consumed = reader.line_num
    while True:
        start = consumed + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            count, consumed = reader.line_num - consumed, reader.line_num
            source.take(count)
            message = f"the record starting here cannot be parsed ({exc}); it was skipped"
            yield Problem(None, start, ProblemCode.MALFORMED_CSV, message)
            continue
        count, consumed = reader.line_num - consumed, reader.line_num
        if row and row[-1].endswith(END_MARKER):
            if len(row) > 1 or row[0] != END_MARKER:
                yield Problem(
                    None,
                    start,
                    ProblemCode.TRUNCATED_FILE,
                    "the file ends inside a quoted value of the record that starts here: it is "
                    "truncated or has an unclosed quote; that record was skipped",
                )
            return
        raw = source.take(count)
        if (not raw.isascii() or "\0" in raw) and source.needs_repair(raw):
            row, raw = source.repair(row, raw, start)
        if row:  # a blank line gives no cells
            yield start, row, raw


def _records_from_rows(
    rows: Iterator[tuple[int, list[str], str] | Problem],
    source: TextSource,
    mapper: RowMapper,
    config: ProfileConfig,
    header_text: str,
    width: int,
    short: ShortRows,
) -> Iterator[SourceRecord | Problem]:
    first_line: dict[str, int] = {}
    pending: _Pending | None = None
    group_rows = config.group_rows
    for item in rows:
        if isinstance(item, Problem):
            yield from _flush(pending, header_text)
            pending = None
            yield item
            continue
        start, row, raw = item
        cells = short.cells(start, len(row))
        if len(row) < width:
            row.extend([""] * (width - len(row)))
        identifier = mapper.identifier(row)
        if not identifier and not any(cell.strip() for cell in row):
            continue  # a row of empty cells, as spreadsheets pad files with
        events = _text_events(source, identifier or None) if source.events else []
        shortfall = short_row(identifier, start, cells, width) if cells < width else None
        if shortfall is not None and shortfall.severity == "error":
            yield from _flush(pending, header_text)
            pending = None
            yield from events
            yield shortfall
            continue
        if pending is not None and identifier == pending.record.identifier:
            record, problems = mapper.map_row(row, start, identifier, "")
            if shortfall is not None and record is not None:
                events.append(shortfall)
            pending.problems += events + problems
            if record is not None:
                mapper.merge(pending.record, record)
                pending.raw.append(raw)
            continue
        if pending is not None:
            yield from _flush(pending, header_text)
            pending = None
        if identifier in first_line:
            yield from events
            yield Problem(
                identifier,
                start,
                ProblemCode.DUPLICATE_IDENTIFIER,
                f"identifier {identifier!r} was already used by the record on line "
                f"{first_line[identifier]}; this row was skipped",
            )
            continue
        record, problems = mapper.map_row(row, start, identifier, header_text + raw)
        if record is None:
            yield from events
            yield from problems
            continue
        if shortfall is not None:  # said only of a row that is imported
            events.append(shortfall)
        if len(first_line) < DUPLICATES_CHECKED_HERE:
            first_line[identifier] = start
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            events.append(
                Problem(
                    identifier,
                    start,
                    ProblemCode.EXTRA_CELLS,
                    f"the row has {len(row)} cells but the header only {width}; the extra values "
                    "are kept only in the stored source row",
                    "warning",
                )
            )
        if group_rows:
            pending = _Pending(record, events + problems, [raw])
            continue
        if events:
            yield from events
        if problems:
            yield from problems
        yield record
    yield from _flush(pending, header_text)


def _flush(pending: _Pending | None, header_text: str) -> Iterator[SourceRecord | Problem]:
    if pending is None:
        return
    yield from pending.problems
    pending.record.source = header_text + "".join(pending.raw)
    yield pending.record


def _text_events(source: TextSource, identifier: str | None) -> list[Problem]:
    if not source.events:
        return []
    problems = [
        Problem(identifier, event.line, event.code, event.message, "warning")
        for event in source.events
    ]
    source.events.clear()
    return problems
