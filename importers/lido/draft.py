"""A LIDO record being mapped: collected values, then one SourceRecord."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from importers.base import Creator, LangMap, SourceImage, SourceRecord
from importers.lido.fields import add, first_value, merge
from importers.object_types import stored_concept, web_uri
from importers.problem_codes import ProblemCode

#: English labels of the metadata entries the importer adds, in the order a
#: reader expects them; event entries carry the event type as their label.
METADATA_LABELS = {
    "alternative_title": "Alternative title",
    "classification": "Classification",
    "repository": "Repository",
    "former_repository": "Former repository (provenance)",
    "state_edition": "State / edition",
    "inscription": "Inscription",
    "production_place": "Place of production",
    "culture": "Culture",
    "period": "Period",
    "subject": "Subject",
    "related_work": "Related work",
    "record_rights_holder": "Rights holder of the metadata",
}


class Draft:
    """Mutable scratch space for one record; :meth:`finish` makes the result."""

    def __init__(self, is_current_repository: Callable[[str | None], bool] | None = None) -> None:
        #: Whether a repositorySet of a ``lido:type`` is the current repository (the profile's).
        self.is_current_repository = is_current_repository
        self.record_ids: list[str] = []
        self.published_ids: list[str] = []
        #: (not inventory-typed, repository rank (current first), order, value)
        self.work_ids: list[tuple[bool, int, int, str]] = []
        #: (rank: 0 typed current, 1 untyped, 2 other; order, names, identifiers, web link)
        self.repositories: list[tuple[int, int, LangMap, list[str], str | None]] = []
        self.title: LangMap = {}
        self.description: LangMap = {}
        self.object_type: LangMap = {}
        #: Each objectWorkType as [URI, labels, block, position in its wrap].
        self.object_types: list[tuple[str | None, LangMap, int, int]] = []
        self.materials: LangMap = {}
        #: Materials named by events that are not creation events.
        self.other_materials: LangMap = {}
        self.has_creation_event = False
        self.dimensions: LangMap = {}
        self.creators: list[Creator] = []
        self.creator_display: list[str] = []
        #: Number of the descriptiveMetadata block being read (1-based), and of
        #: the block the creators came from: a record that repeats its block
        #: per language names the same people again, with translated roles.
        self.block = 0
        self.creator_block: int | None = None
        self.date_display: str | None = None
        self.date_earliest: int | None = None
        self.date_latest: int | None = None
        self.rights_work: list[str] = []
        self.rights_holder: str | None = None
        self.credit_line: str | None = None
        self.record_rights: list[str] = []
        #: The Europeana type (IMAGE, TEXT, 3D, SOUND, VIDEO): the media type.
        self.media_type: str | None = None
        self.images: list[SourceImage] = []
        self.record_url: str | None = None
        self.extra: dict[str, Any] = {}
        #: Warnings about this record found while mapping it: (code, message).
        self.warnings: list[tuple[ProblemCode, str]] = []
        self._metadata: dict[str, tuple[LangMap, LangMap]] = {}

    def meta(self, key: str, label: LangMap | None = None) -> LangMap:
        """The value map of metadata entry ``key``, created on first use.

        Entries are keyed so that a record repeating its descriptive block per
        language gets one entry with every language, not one per block.
        """
        entry = self._metadata.get(key)
        if entry is None:
            entry = (label or {"en": [METADATA_LABELS[key]]}, {})
            self._metadata[key] = entry
        return entry[1]

    def add_object_type(self, ids: list[str], labels: list[tuple[str, str]], position: int) -> None:
        """One objectWorkType, merged with the same type named before.

        The same type is the same concept URI; without one, the type at the
        same place in another language's descriptive block (a record that
        repeats its block per language names its types in the same order).
        """
        label: LangMap = {}
        for lang, value in labels:
            add(label, lang, value)
        if not label:
            return
        uri = web_uri(ids)
        for known_uri, known_label, block, known_position in self.object_types:
            same = (
                known_uri == uri
                if uri or known_uri
                else block != self.block and known_position == position
            )
            if same:
                merge(known_label, label)
                return
        self.object_types.append((uri, label, self.block, position))

    def has_title(self) -> bool:
        """A title, or at least an alternative title to promote in finish()."""
        alternatives = self._metadata.get("alternative_title")
        return bool(self.title) or bool(alternatives and alternatives[1])

    def identifier(self) -> str | None:
        """lidoRecID, else objectPublishedID, else the repository's work ID."""
        for candidates in (self.record_ids, self.published_ids):
            if candidates:
                return candidates[0]
        return self.inventory_number()

    def inventory_number(self) -> str | None:
        return min(self.work_ids)[3] if self.work_ids else None

    def finish(self, identifier: str, number: int, source: str) -> SourceRecord:
        extra = self.extra
        if self.repositories:
            _, _, names, ids, weblink = min(self.repositories, key=lambda r: r[:2])
            self.meta("repository").update(names)
            extra["repository"] = {"name": first_value(names), "ids": ids, "weblink": weblink}
        if self.published_ids:
            extra["object_published_ids"] = self.published_ids
        if self.creator_display:
            extra["creator_display"] = self.creator_display
        materials = self.materials
        if not materials and not self.has_creation_event:
            materials = self.other_materials
        title = self.title
        alternatives = self._metadata.get("alternative_title")
        if not title and alternatives:
            # Only alternative titles: promote the first one in each language.
            for lang, values in list(alternatives[1].items()):
                title[lang] = [values.pop(0)]
                if not values:
                    del alternatives[1][lang]
        metadata = [(label, values) for label, values in self._metadata.values() if values]
        return SourceRecord(
            identifier=identifier,
            line=number,
            title=title,
            description=self.description,
            creators=self.creators,
            date_display=self.date_display,
            date_earliest=self.date_earliest,
            date_latest=self.date_latest,
            object_type=self.object_type,
            object_type_concepts=[
                stored_concept(uri, label) for uri, label, _, _ in self.object_types
            ],
            materials=materials,
            dimensions=self.dimensions,
            inventory_number=self.inventory_number(),
            credit_line=self.credit_line,
            rights_work=self.rights_work,
            rights_holder=self.rights_holder,
            record_rights=self.record_rights,
            media_type=self.media_type,
            images=self.images,
            metadata=metadata,
            record_url=self.record_url,
            source=source,
            source_format="lido",
            source_media_type="application/xml",
            extra=extra,
        )
