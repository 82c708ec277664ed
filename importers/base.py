"""What every importer produces, and the registry that finds importers: the
one for a file (:func:`choose_importer`) and its profile (:func:`load_profile`).

An importer parses an export and maps its fields into :class:`SourceRecord`
values. It never touches the database and never decides a licence: the raw
rights text is handed on to :mod:`glampub.rights`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from glampub.errors import Problem, UnreadableInput, UsageError
from importers.file_kinds import refuse_wrong_kind

#: A IIIF-style language map: BCP 47 tag (or ``"none"``) -> values.
LangMap = dict[str, list[str]]

ENTRY_POINT_GROUP = "glampub.importers"
#: The format that asks each registered importer whether it can read the file.
AUTO_FORMAT = "auto"


def lang_map(value: str | None, lang: str | None = None) -> LangMap:
    """A one-value language map, or an empty one for blank text."""
    if value is None or not value.strip():
        return {}
    return {(lang or "none"): [value.strip()]}


@dataclass
class Creator:
    name: str
    role: str | None = None
    #: "attributed to", "workshop of", ...
    qualifier: str | None = None
    birth_year: int | None = None
    death_year: int | None = None
    #: Life dates as the source wrote them, e.g. "1853-1890".
    display_dates: str | None = None


@dataclass
class SourceImage:
    #: File name (matched against ``--images``) or an http(s) URL, as exported.
    reference: str
    label: LangMap = field(default_factory=dict)
    #: Raw rights statements about this digital image (free text or URIs).
    rights: list[str] = field(default_factory=list)
    credit_line: str | None = None
    rights_holder: str | None = None
    mime_type: str | None = None

    @property
    def is_url(self) -> bool:
        return self.reference.startswith(("http://", "https://"))


@dataclass
class SourceRecord:
    identifier: str
    #: Line (CSV) or record number (LIDO) in the source file, for reports.
    line: int | None = None
    title: LangMap = field(default_factory=dict)
    description: LangMap = field(default_factory=dict)
    creators: list[Creator] = field(default_factory=list)
    date_display: str | None = None
    date_earliest: int | None = None
    date_latest: int | None = None
    object_type: LangMap = field(default_factory=dict)
    #: The same types as concepts (see importers/object_types.py), where the
    #: export says which terms name one type; empty: read from ``object_type``.
    object_type_concepts: list[dict[str, Any]] = field(default_factory=list)
    materials: LangMap = field(default_factory=dict)
    dimensions: LangMap = field(default_factory=dict)
    inventory_number: str | None = None
    credit_line: str | None = None
    #: Raw statements about the published reproductions of the whole object
    #: (a CSV rights column). Images may carry their own in ``SourceImage.rights``.
    rights: list[str] = field(default_factory=list)
    #: Raw statements about the work itself (LIDO rightsWorkWrap).
    rights_work: list[str] = field(default_factory=list)
    rights_holder: str | None = None
    #: Raw statements about the metadata record (LIDO recordRights).
    record_rights: list[str] = field(default_factory=list)
    images: list[SourceImage] = field(default_factory=list)
    #: What the digital object is, as a Europeana type (IMAGE, TEXT, 3D, SOUND,
    #: VIDEO); not an object type (see importers/lido/classification.py).
    media_type: str | None = None
    #: Any further label/value pairs worth showing, in source order.
    metadata: list[tuple[LangMap, LangMap]] = field(default_factory=list)
    #: Link back to the record in the institution's own system.
    record_url: str | None = None
    #: The record exactly as it stood in the export (one LIDO record, one CSV row).
    source: str = ""
    source_format: str = ""
    source_media_type: str = "text/plain"
    #: Anything else the importer wants to keep, JSON-serialisable.
    extra: dict[str, Any] = field(default_factory=dict)

    def languages(self) -> set[str]:
        langs: set[str] = set()
        for lm in (self.title, self.description):
            langs.update(lm)
        return langs


@dataclass
class Profile:
    """A column-mapping profile for tabular exports (see importers/profiles/)."""

    name: str = "default"
    #: Raw TOML mapping; interpreted by the importer that uses it.
    settings: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None


@runtime_checkable
class Importer(Protocol):
    name: str

    def sniff(self, path: Path) -> bool:
        """True when this importer can read ``path`` (used by ``--format auto``)."""

    def read(self, path: Path, profile: Profile | None = None) -> Iterator[SourceRecord | Problem]:
        """Yield records and problems in file order.

        A rejected record is a ``Problem`` with ``severity="error"`` and no
        record; a warning about an accepted record is yielded just before it.
        Raise :class:`glampub.errors.UnreadableInput` when nothing can be read.
        """


@cache
def registry() -> dict[str, type[Importer]]:
    """Importers registered under the ``glampub.importers`` entry point group."""
    found: dict[str, type[Importer]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = ep.load()
    return found


def format_choices() -> list[str]:
    """What ``--format``, uploads and the API accept: ``auto``, then each registered importer.

    Read from the registry, so an importer plug-in can be chosen by its name.
    """
    return [AUTO_FORMAT, *sorted(registry())]


def format_label(name: str) -> str:
    """How the staff pages name a format: the importer's ``label``, else its name."""
    return str(getattr(registry()[name], "label", name))


def get_importer(name: str) -> Importer:
    try:
        return registry()[name]()
    except KeyError:
        known = ", ".join(sorted(registry())) or "none"
        raise UsageError(f"unknown format {name!r}; known formats: {known}") from None


def detect_importer(path: Path, name: str | None = None) -> Importer:
    """The first registered importer whose ``sniff`` accepts ``path``.

    ``name`` is how messages call the file (by default its path).
    """
    for importer_name in sorted(registry()):
        importer = registry()[importer_name]()
        if importer.sniff(path):
            return importer
    known = ", ".join(sorted(registry()))
    # An importer may say why it refused (the file is XML, but not its XML).
    reasons = [
        reason
        for importer_name in sorted(registry())
        if (reason := getattr(registry()[importer_name](), "why_not", lambda _: None)(path))
    ]
    why = f" ({'; '.join(reasons)})" if reasons else ""
    cannot = f"{name or path}: cannot tell the format of this file{why}"
    raise UsageError(
        f"{cannot}; name it with --format ({known})",
        web=f"{cannot}: choose its format, CSV or LIDO XML, when you upload it",
    )


def choose_importer(path: Path, fmt: str, name: str | None = None) -> Importer:
    """The importer for ``path``; ``name`` is how messages call the file (its path).

    A file that is plainly something else (a workbook, a PDF, an image, ...)
    is refused first, whatever ``fmt`` says, with what it is and what to give.
    """
    shown = name or str(path)
    if path.is_dir():
        raise UsageError(f"{shown} is a folder: give the export file in it")
    if not path.is_file():
        raise UnreadableInput(f"{shown}: no such file")
    refuse_wrong_kind(path, shown)
    return detect_importer(path, shown) if fmt == AUTO_FORMAT else get_importer(fmt)


def load_profile(
    importer: Importer,
    profile: str | None,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    identifier: str | None = None,
) -> Profile | None:
    """The profile ``--profile`` names, with ``--encoding`` and ``--delimiter``
    (CSV) or ``--identifier`` (LIDO) applied."""
    overrides = {"encoding": encoding, "delimiter": delimiter}
    given = [f"--{name}" for name, value in overrides.items() if value is not None]
    if identifier is not None:
        chooser = getattr(importer, "with_identifier", None)
        if chooser is None:
            raise UsageError(f"the {importer.name} format takes no --identifier")
        return chooser(
            load_profile(importer, profile, encoding=encoding, delimiter=delimiter), identifier
        )
    if profile is None and not given:
        return None
    loader = getattr(importer, "load_profile", None)
    if loader is None or (given and not hasattr(importer, "with_text_settings")):
        asked = " and ".join(([] if profile is None or loader else ["--profile"]) + given)
        raise UsageError(f"the {importer.name} format takes no {asked}")
    loaded = loader(profile) if profile is not None else None
    if given:
        loaded = importer.with_text_settings(loaded, **overrides)  # type: ignore[attr-defined]
    return loaded
