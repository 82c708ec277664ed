"""Column-mapping profiles for CSV exports: loading and checking the TOML.

A profile says which column holds which field, in which language, split how,
and which values stand for which rights statement. The format is documented
in docs/csv-format.md; ``importers/profiles/default.toml`` is the default
column set and the profile used when none is given. Every mistake in a
profile is a :class:`UsageError` that names the file and the key, because a
profile is written by a person who needs to find the line to fix.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from glampub.errors import UsageError
from glampub.patterns import InvalidPattern, Pattern, compile_pattern
from importers.base import LangMap, Profile
from importers.csv.people import BUILT_IN, PARSE_GROUPS
from importers.csv.text import DELIMITER_NAMES

FieldKind = Literal["text", "year", "langtext", "statements", "creator", "image"]

#: Every field a profile can fill, and how its values are combined.
FIELD_KINDS: dict[str, FieldKind] = {
    "identifier": "text",
    "title": "langtext",
    "description": "langtext",
    "creator": "creator",
    "creator_birth": "creator",
    "creator_death": "creator",
    "creator_role": "creator",
    "creator_qualifier": "creator",
    "creator_dates": "creator",
    "date": "text",
    "date_earliest": "year",
    "date_latest": "year",
    "object_type": "langtext",
    "materials": "langtext",
    "dimensions": "langtext",
    "inventory_number": "text",
    "credit_line": "text",
    "rights": "statements",
    "rights_holder": "text",
    "rights_work": "statements",
    "record_rights": "statements",
    "images": "image",
    "image_rights": "image",
    "record_url": "text",
}

#: Fields whose cells hold several values by default ("a|b|c").
SPLIT_BY_DEFAULT = frozenset(
    name for name, kind in FIELD_KINDS.items() if kind in ("creator", "image")
) | {"materials"}

_SOURCE_KEYS = {
    "column",
    "columns",
    "join",
    "value",
    "template",
    "map",
    "otherwise",
    "separator",
    "language",
    "when",
    "pattern",
    "split",
    "parse",
}
_PROFILE_KEYS = {
    "name",
    "description",
    "encoding",
    "delimiter",
    "separator",
    "language",
    "unmapped",
    "missing_columns",
    "guess",
    "group_rows",
    "ignore",
    # Read by glampub's import (glampub/importing/default_rights.py), not here.
    "default_rights",
}
_TOP_KEYS = {"profile", "fields", "metadata", "guess"}
_LANGUAGE = re.compile(r"none|[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_TEMPLATE_REF = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class SourceSpec:
    """Where one value comes from: a column, several joined, a constant or a template."""

    column: str | None = None
    columns: tuple[str, ...] = ()
    join: str = " "
    value: str | None = None
    template: str | None = None
    #: Value map, keys case-folded; an empty replacement drops the value.
    value_map: tuple[tuple[str, str], ...] | None = None
    #: What happens to a value the map does not list: "keep" it or "drop" it.
    otherwise: Literal["keep", "drop"] = "keep"
    #: None: the field's default (the profile separator or no split); "": never split.
    separator: str | None = None
    language: str | None = None
    #: Use the source only on rows where each of these columns has that value.
    when: tuple[tuple[str, str], ...] = ()
    #: Each value must match all of it; RE2, so matching takes linear time.
    pattern: Pattern | None = None
    #: Split values where this matches (instead of ``separator``); RE2.
    split: Pattern | None = None
    #: People out of each value: a built-in reader's name or an RE2 pattern
    #: with named groups (see importers/csv/people.py); creator only.
    parse: Pattern | str | None = None

    def references(self) -> list[str]:
        """Every column this source reads, conditions included."""
        refs = [self.column] if self.column else []
        refs += list(self.columns)
        if self.template:
            refs += _TEMPLATE_REF.findall(self.template)
        refs += [name for name, _ in self.when]
        return refs


@dataclass(frozen=True)
class MetadataSpec:
    label: LangMap
    source: SourceSpec


@dataclass(frozen=True)
class ProfileConfig:
    """A checked profile, ready to be matched against a header."""

    name: str
    origin: str
    encoding: str | None = None
    delimiter: str | None = None
    separator: str = "|"
    language: str = "none"
    unmapped: Literal["metadata", "ignore"] = "metadata"
    missing_columns: Literal["warn", "ignore", "error"] = "warn"
    guess: bool = False
    group_rows: bool = False
    #: Columns left out of the metadata although no field reads them.
    ignore: tuple[str, ...] = ()
    fields: tuple[tuple[str, tuple[SourceSpec, ...]], ...] = ()
    metadata: tuple[MetadataSpec, ...] = ()
    synonyms: tuple[tuple[str, tuple[str, ...]], ...] = ()


def bundled_profiles() -> list[str]:
    """Names of the profiles shipped in ``importers/profiles/``."""
    folder = resources.files("importers") / "profiles"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_profile(path_or_name: str | Path) -> Profile:
    """Read and check a profile file, or a bundled profile by bare name ("met")."""
    path = Path(path_or_name)
    is_bare_name = (
        isinstance(path_or_name, str)
        and not path.exists()
        and path.suffix != ".toml"
        and len(path.parts) == 1
    )
    if is_bare_name:
        resource = resources.files("importers") / "profiles" / f"{path_or_name}.toml"
        if not resource.is_file():
            known = ", ".join(bundled_profiles())
            raise UsageError(
                f"no profile named {path_or_name!r}; bundled profiles: {known} "
                "(or give the path of a .toml file)"
            )
        text, origin = resource.read_text(encoding="utf-8"), str(resource)
        file_path = resource if isinstance(resource, Path) else None
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: cannot read the profile: {exc}") from None
        origin, file_path = str(path), path
    try:
        settings = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{origin}: not valid TOML: {exc}") from None
    name = (
        settings.get("profile", {}).get("name")
        if isinstance(settings.get("profile"), dict)
        else None
    )
    stem = Path(origin).stem
    profile = Profile(name=str(name or stem), settings=settings, path=file_path)
    parse_profile(profile, origin=origin)  # check now, so a bad profile fails before any import
    return profile


def with_text_settings(
    profile: Profile | None, *, encoding: str | None = None, delimiter: str | None = None
) -> Profile:
    """``profile`` (the default one when None) with its encoding or delimiter
    replaced, as ``--encoding`` and ``--delimiter`` ask; checked at once."""
    base = profile if profile is not None and profile.settings else load_profile("default")
    settings = {**base.settings, "profile": dict(base.settings.get("profile", {}))}
    if encoding is not None:
        settings["profile"]["encoding"] = encoding
    if delimiter is not None:
        settings["profile"]["delimiter"] = delimiter
    changed = Profile(name=base.name, settings=settings, path=base.path)
    parse_profile(changed, origin="--encoding/--delimiter")
    return changed


def parse_profile(profile: Profile, origin: str | None = None) -> ProfileConfig:
    """Check ``profile.settings`` and turn it into a :class:`ProfileConfig`."""
    where = origin or str(profile.path or f"profile {profile.name!r}")
    settings = profile.settings
    _check_keys(settings, _TOP_KEYS, where, "")
    head = _table(settings.get("profile", {}), where, "[profile]")
    _check_keys(head, _PROFILE_KEYS, where, "[profile] ")
    language = _language(head.get("language", "none"), where, "[profile] language")
    return ProfileConfig(
        name=profile.name,
        origin=where,
        encoding=_encoding(head.get("encoding"), where),
        delimiter=_delimiter(head.get("delimiter"), where),
        separator=_string(head.get("separator", "|"), where, "[profile] separator"),
        language=language,
        unmapped=_choice(
            head.get("unmapped", "metadata"), ("metadata", "ignore"), where, "[profile] unmapped"
        ),
        missing_columns=_choice(
            head.get("missing_columns", "warn"),
            ("warn", "ignore", "error"),
            where,
            "[profile] missing_columns",
        ),
        guess=_bool(head.get("guess", False), where, "[profile] guess"),
        group_rows=_bool(head.get("group_rows", False), where, "[profile] group_rows"),
        ignore=_names(head.get("ignore", []), where, "[profile] ignore"),
        fields=_fields(_table(settings.get("fields", {}), where, "[fields]"), where),
        metadata=_metadata(settings.get("metadata", []), where, language),
        synonyms=_synonyms(_table(settings.get("guess", {}), where, "[guess]"), where),
    )


def _fields(table: dict[str, Any], where: str) -> tuple[tuple[str, tuple[SourceSpec, ...]], ...]:
    parsed = []
    for field_name, raw in table.items():
        key = f"[fields] {field_name}"
        if field_name not in FIELD_KINDS:
            known = ", ".join(FIELD_KINDS)
            raise UsageError(f"{where}: {key}: unknown field; known fields: {known}")
        items = raw if isinstance(raw, list) else [raw]
        if not items:
            raise UsageError(f"{where}: {key}: an empty list maps nothing; remove the key")
        specs = tuple(
            _source(item, where, f"{key}[{i}]" if isinstance(raw, list) else key)
            for i, item in enumerate(items)
        )
        if field_name != "creator" and any(spec.parse is not None for spec in specs):
            raise UsageError(
                f"{where}: {key}: parse reads people and fills the creator fields; "
                "use it on [fields] creator"
            )
        parsed.append((field_name, specs))
    return tuple(parsed)


def _metadata(raw: Any, where: str, language: str) -> tuple[MetadataSpec, ...]:
    if not isinstance(raw, list):
        raise UsageError(f"{where}: metadata: write it as [[metadata]] tables")
    specs = []
    for i, item in enumerate(raw):
        key = f"[[metadata]] #{i + 1}"
        item = dict(_table(item, where, key))
        label = item.pop("label", None)
        if isinstance(label, str) and label.strip():
            label_map: LangMap = {language: [label.strip()]}
        elif isinstance(label, dict) and label and all(isinstance(v, str) for v in label.values()):
            label_map = {_language(k, where, f"{key} label"): [v] for k, v in label.items()}
        else:
            raise UsageError(f"{where}: {key}: needs a label (text, or a table language = text)")
        specs.append(MetadataSpec(label_map, _source(item, where, key)))
    return tuple(specs)


def _synonyms(table: dict[str, Any], where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    parsed = []
    for field_name, names in table.items():
        key = f"[guess] {field_name}"
        if field_name not in FIELD_KINDS:
            raise UsageError(f"{where}: {key}: unknown field")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise UsageError(f"{where}: {key}: must be a list of column names")
        parsed.append((field_name, tuple(names)))
    return tuple(parsed)


def _source(raw: Any, where: str, key: str) -> SourceSpec:
    if isinstance(raw, str):
        if not raw.strip():
            raise UsageError(f"{where}: {key}: empty column name")
        return SourceSpec(column=raw)
    table = _table(raw, where, key)
    _check_keys(table, _SOURCE_KEYS, where, f"{key}.")
    kinds = [k for k in ("column", "columns", "value", "template") if k in table]
    if len(kinds) != 1:
        raise UsageError(
            f"{where}: {key}: give exactly one of column, columns, value or template "
            f"(found: {', '.join(kinds) or 'none'})"
        )
    columns = table.get("columns", [])
    columns = _names(columns, where, f"{key}.columns")
    template = table.get("template")
    if template is not None and not _TEMPLATE_REF.search(
        _string(template, where, f"{key}.template")
    ):
        raise UsageError(f"{where}: {key}.template: refers to no column; use value = for constants")
    pattern = table.get("pattern")
    try:
        compiled = compile_pattern(_string(pattern, where, f"{key}.pattern")) if pattern else None
    except InvalidPattern as exc:
        raise UsageError(f"{where}: {key}.pattern: {exc}") from None
    language = table.get("language")
    split = _split_pattern(table.get("split"), where, f"{key}.split")
    parse = _parse_pattern(table.get("parse"), where, f"{key}.parse")
    return SourceSpec(
        column=_string(table["column"], where, f"{key}.column") if "column" in table else None,
        columns=columns,
        join=_string(table.get("join", " "), where, f"{key}.join"),
        value=_string(table["value"], where, f"{key}.value") if "value" in table else None,
        template=template,
        value_map=_value_map(table.get("map"), where, f"{key}.map"),
        otherwise=_choice(
            table.get("otherwise", "keep"), ("keep", "drop"), where, f"{key}.otherwise"
        ),
        separator=_string(table["separator"], where, f"{key}.separator")
        if "separator" in table
        else None,
        language=_language(language, where, f"{key}.language") if language is not None else None,
        when=_when(table.get("when", {}), where, f"{key}.when"),
        pattern=compiled,
        split=split,
        parse=parse,
    )


def _split_pattern(raw: Any, where: str, key: str) -> Pattern | None:
    if raw is None:
        return None
    try:
        compiled = compile_pattern(_string(raw, where, key))
    except InvalidPattern as exc:
        raise UsageError(f"{where}: {key}: {exc}") from None
    if compiled.fullmatch("") is not None:
        raise UsageError(f"{where}: {key}: {raw!r} matches empty text, so it splits nothing")
    return compiled


def _parse_pattern(raw: Any, where: str, key: str) -> Pattern | str | None:
    if raw is None:
        return None
    text = _string(raw, where, key)
    if text in BUILT_IN:
        return text
    try:
        compiled = compile_pattern(text)
    except InvalidPattern as exc:
        raise UsageError(
            f"{where}: {key}: {exc}; or use a built-in reader: {', '.join(BUILT_IN)}"
        ) from None
    groups = set(compiled.groupindex)
    unknown = sorted(groups - set(PARSE_GROUPS))
    if unknown or "name" not in groups:
        raise UsageError(
            f"{where}: {key}: {raw!r} needs a named group (?P<name>...) and may also use "
            f"{', '.join(PARSE_GROUPS[1:])}"
            + (f"; unknown group(s): {', '.join(unknown)}" if unknown else "")
        )
    if compiled.fullmatch("") is not None:
        raise UsageError(f"{where}: {key}: {raw!r} matches empty text")
    return compiled


def _value_map(raw: Any, where: str, key: str) -> tuple[tuple[str, str], ...] | None:
    if raw is None:
        return None
    table = _table(raw, where, key)
    pairs = []
    for source_value, target in table.items():
        if not isinstance(target, str):
            raise UsageError(f'{where}: {key}.{source_value}: must be text ("" drops the value)')
        pairs.append((source_value.strip().casefold(), target.strip()))
    return tuple(pairs)


def _when(raw: Any, where: str, key: str) -> tuple[tuple[str, str], ...]:
    table = _table(raw, where, key)
    for column, expected in table.items():
        if not isinstance(expected, str):
            raise UsageError(f"{where}: {key}.{column}: must be text")
    return tuple((column, expected.strip().casefold()) for column, expected in table.items())


def _check_keys(table: dict[str, Any], allowed: set[str], where: str, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise UsageError(
                f"{where}: {prefix}{key}: unknown key; allowed: {', '.join(sorted(allowed))}"
            )


def _table(raw: Any, where: str, key: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise UsageError(f"{where}: {key}: must be a table")
    return raw


def _names(raw: Any, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
        raise UsageError(f"{where}: {key}: must be a list of column names")
    return tuple(raw)


def _string(raw: Any, where: str, key: str) -> str:
    if not isinstance(raw, str):
        raise UsageError(f"{where}: {key}: must be text")
    return raw


def _bool(raw: Any, where: str, key: str) -> bool:
    if not isinstance(raw, bool):
        raise UsageError(f"{where}: {key}: must be true or false")
    return raw


def _choice(raw: Any, allowed: tuple[str, ...], where: str, key: str) -> Any:
    if raw not in allowed:
        raise UsageError(f"{where}: {key}: must be one of {', '.join(allowed)} (got {raw!r})")
    return raw


def _language(raw: Any, where: str, key: str) -> str:
    if not isinstance(raw, str) or not _LANGUAGE.fullmatch(raw):
        raise UsageError(f"{where}: {key}: {raw!r} is not a language tag such as en or de-CH")
    return raw


def _encoding(raw: Any, where: str) -> str | None:
    if raw is None:
        return None
    try:
        return codecs.lookup(_string(raw, where, "[profile] encoding")).name
    except LookupError:
        raise UsageError(f"{where}: [profile] encoding: unknown encoding {raw!r}") from None


def _delimiter(raw: Any, where: str) -> str | None:
    if raw is None:
        return None
    value = DELIMITER_NAMES.get(raw, raw) if isinstance(raw, str) else raw
    if not isinstance(value, str) or len(value) != 1 or value in '"\r\n':
        raise UsageError(
            f"{where}: [profile] delimiter: must be one character or comma, semicolon, tab, pipe"
        )
    return value
