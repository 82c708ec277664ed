"""Profile sources compiled into small functions that pull values out of a row.

Each bound source (a column, joined columns, a template or a constant, with
its value map, pattern, condition and separator) becomes one closure. The
common case, a plain column, gets a closure that does nothing else, because
these run for every field of every row of a bulk import.
"""

from __future__ import annotations

from collections.abc import Callable

from importers.csv.columns import Bound
from importers.csv.profile import SPLIT_BY_DEFAULT, ProfileConfig

Row = list[str]
#: Values with their language, empty pieces kept (they hold positions).
LangValues = Callable[[Row], list[tuple[str, str]]]
#: Values without language, empty pieces kept.
Values = Callable[[Row], list[str]]


def newlines(text: str) -> str:
    """Windows and old Mac line breaks inside a value, as ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean(value: str) -> str:
    """Trimmed text with line breaks normalised."""
    value = value.strip()
    return newlines(value) if "\r" in value else value


def is_plain(bound: Bound) -> bool:
    """A column read as it is: no map, pattern or condition."""
    spec = bound.spec
    return (
        bool(bound.cells)
        and spec.value_map is None
        and not spec.pattern
        and not bound.when
        and spec.split is None
        and spec.parse is None
    )


def separator_for(bound: Bound, field: str, config: ProfileConfig) -> str:
    """The multi-value separator for this source ("" means: one value)."""
    if bound.spec.separator is not None:
        return bound.spec.separator
    return config.separator if field in SPLIT_BY_DEFAULT else ""


def default_language(bound: Bound, field: str, config: ProfileConfig) -> str:
    # Metadata values are often numbers, codes or URLs: no language unless told.
    return bound.spec.language or ("none" if field == "metadata" else config.language)


def compile_values(
    bound: Bound, field: str, config: ProfileConfig, rejects: list[tuple[str, str]]
) -> Values:
    """Values of one source for fields that have no language (names, years, files)."""
    separator = separator_for(bound, field, config)
    if is_plain(bound) and len(bound.cells) == 1:
        index = bound.cells[0][0]
        if not separator:

            def one_cell(row: Row) -> list[str]:
                text = row[index]
                return [clean(text)] if text and not text.isspace() else []

            return one_cell

        def split_cell(row: Row) -> list[str]:
            text = row[index]
            if not text or text.isspace():
                return []
            if "\r" in text:
                text = newlines(text)
            if separator not in text:
                return [text.strip()]
            return list(map(str.strip, text.split(separator)))

        return split_cell
    with_language = compile_lang_values(bound, field, config, rejects)
    return lambda row: [piece for _, piece in with_language(row)]


def compile_lang_values(
    bound: Bound, field: str, config: ProfileConfig, rejects: list[tuple[str, str]]
) -> LangValues:
    """Values of one source with their language: header suffix, then source, then profile."""
    spec = bound.spec
    lang_default = default_language(bound, field, config)
    separator = separator_for(bound, field, config)
    value_map = dict(spec.value_map) if spec.value_map is not None else None
    drop_unlisted = spec.otherwise == "drop"
    pattern = spec.pattern
    split = spec.split.split if spec.split is not None else None

    def raw_values(row: Row) -> list[tuple[str, str]]:
        if bound.cells:
            return [(lang or lang_default, clean(row[i])) for i, lang in bound.cells]
        if bound.joined:
            texts = [clean(row[i]) for i in bound.joined]
            return [(lang_default, spec.join.join(t for t in texts if t))]
        if bound.template:
            parts = [clean(row[p]) if isinstance(p, int) else p for p in bound.template]
            # A template with an empty column would invent a value: give nothing.
            if any(not parts[i] for i in range(1, len(parts), 2)):
                return []
            return [(lang_default, "".join(parts))]
        return [(lang_default, spec.value or "")]

    def extract(row: Row) -> list[tuple[str, str]]:
        for index, expected in bound.when:
            if row[index].strip().casefold() != expected:
                return []
        pieces: list[tuple[str, str]] = []
        for lang, text in raw_values(row):
            if not text:
                if value_map is not None and "" in value_map:
                    pieces.append((lang, value_map[""]))
                continue
            if split is not None:
                pieces_of_text = split(text)
            else:
                pieces_of_text = text.split(separator) if separator else [text]
            for piece in pieces_of_text:
                piece = piece.strip()
                if value_map is not None and piece:
                    mapped = value_map.get(piece.casefold())
                    if mapped is not None:
                        piece = mapped
                    elif drop_unlisted:
                        piece = ""
                if pattern is not None and piece and not pattern.fullmatch(piece):
                    rejects.append((field, piece))
                    piece = ""
                pieces.append((lang, piece))
        return pieces

    return extract


def combine_values(extractors: list[Values]) -> Values:
    """Several sources of one field, their values in profile order."""
    if len(extractors) == 1:
        return extractors[0]

    def combined(row: Row) -> list[str]:
        values: list[str] = []
        for extract in extractors:
            values.extend(extract(row))
        return values

    return combined


def combine_lang_values(extractors: list[LangValues]) -> LangValues:
    if len(extractors) == 1:
        return extractors[0]

    def combined(row: Row) -> list[tuple[str, str]]:
        values: list[tuple[str, str]] = []
        for extract in extractors:
            values.extend(extract(row))
        return values

    return combined
