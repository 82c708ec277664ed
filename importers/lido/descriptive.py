"""LIDO ``descriptiveMetadata``: what the object is and what it shows.

Fills a :class:`importers.lido.draft.Draft` from one descriptiveMetadata
block. A record may repeat the block once per language (``xml:lang`` on the
block); every value lands in a language map under its own language. Events
(who made it, when, where, of what) are read by :mod:`importers.lido.events`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from importers.base import LangMap
from importers.lido.classification import europeana_type, inscription_label
from importers.lido.draft import Draft
from importers.lido.events import read_event_set, read_materials
from importers.lido.fields import (
    TYPE,
    UNMARKED,
    add,
    appellations,
    best_appellation,
    concept,
    concept_langmap,
    lang_of,
    legal_body,
    lido,
    merge,
    pick_label,
    text_lines,
    text_of,
)

_INVENTORY = re.compile(r"inventory|inventar|lido00113", re.IGNORECASE)
_CURRENT_REPOSITORY = re.compile(r"current|lido00475|lido01017", re.IGNORECASE)
_FORMER_REPOSITORY = re.compile(
    r"former|previous|earlier|ehemalig|frühere|vorherig|tidigare|före|ancien|voormalig",
    re.IGNORECASE,
)

OBJECT_CLASSIFICATION_WRAP = lido("objectClassificationWrap")
OBJECT_IDENTIFICATION_WRAP = lido("objectIdentificationWrap")
EVENT_WRAP = lido("eventWrap")
OBJECT_RELATION_WRAP = lido("objectRelationWrap")
OBJECT_WORK_TYPE_WRAP = lido("objectWorkTypeWrap")
CLASSIFICATION_WRAP = lido("classificationWrap")
TITLE_WRAP = lido("titleWrap")
INSCRIPTIONS_WRAP = lido("inscriptionsWrap")
REPOSITORY_WRAP = lido("repositoryWrap")
DISPLAY_STATE_EDITION_WRAP = lido("displayStateEditionWrap")
OBJECT_DESCRIPTION_WRAP = lido("objectDescriptionWrap")
OBJECT_MEASUREMENTS_WRAP = lido("objectMeasurementsWrap")
OBJECT_MATERIALS_TECH_WRAP = lido("objectMaterialsTechWrap")
DESCRIPTIVE_NOTE_VALUE = lido("descriptiveNoteValue")
INSCRIPTION_TRANSCRIPTION = lido("inscriptionTranscription")
INSCRIPTION_DESCRIPTION = lido("inscriptionDescription")
REPOSITORY_NAME = lido("repositoryName")
WORK_ID = lido("workID")
DISPLAY_REPOSITORY = lido("displayRepository")
DISPLAY_OBJECT_MEASUREMENTS = lido("displayObjectMeasurements")
OBJECT_MEASUREMENTS = lido("objectMeasurements")
MEASUREMENTS_SET = lido("measurementsSet")
MEASUREMENT_TYPE = lido("measurementType")
MEASUREMENT_UNIT = lido("measurementUnit")
MEASUREMENT_VALUE = lido("measurementValue")
SUBJECT_WRAP = lido("subjectWrap")
RELATED_WORKS_WRAP = lido("relatedWorksWrap")
DISPLAY_SUBJECT = lido("displaySubject")
SUBJECT = lido("subject")
SUBJECT_CONCEPT = lido("subjectConcept")
DISPLAY_RELATED_WORK = lido("displayRelatedWork")
RELATED_WORK = lido("relatedWork")
RELATED_WORK_REL_TYPE = lido("relatedWorkRelType")
DISPLAY_OBJECT = lido("displayObject")
OBJECT = lido("object")
OBJECT_NOTE = lido("objectNote")
OBJECT_ID = lido("objectID")
OBJECT_WEB_RESOURCE = lido("objectWebResource")
ACTOR = lido("actor")
PLACE = lido("place")
NAME_ACTOR_SET = lido("nameActorSet")
NAME_PLACE_SET = lido("namePlaceSet")
#: subjectActor, subjectPlace, ... and the display element each may have.
_SUBJECT_PARTS = {
    lido("subjectActor"): lido("displayActor"),
    lido("subjectPlace"): lido("displayPlace"),
    lido("subjectDate"): lido("displayDate"),
    lido("subjectEvent"): lido("displayEvent"),
    lido("subjectObject"): lido("displayObject"),
}


def read_descriptive(block: etree._Element, lang: str, draft: Draft) -> None:
    draft.block += 1
    for wrap in block:
        tag = wrap.tag
        if tag == OBJECT_IDENTIFICATION_WRAP:
            _identification(wrap, lang, draft)
        elif tag == EVENT_WRAP:
            for event_set in wrap:
                read_event_set(event_set, lang, draft)
        elif tag == OBJECT_CLASSIFICATION_WRAP:
            _classification(wrap, lang, draft)
        elif tag == OBJECT_RELATION_WRAP:
            _relations(wrap, lang, draft)


def _classification(wrap: etree._Element, lang: str, draft: Draft) -> None:
    for part in wrap:
        if part.tag == OBJECT_WORK_TYPE_WRAP:
            position = 0
            for work_type in part:
                concept_langmap(work_type, lang, draft.object_type)
                if work_type.tag.__class__ is str:  # not a comment
                    draft.add_object_type(*concept(work_type, lang), position)
                    position += 1
        elif part.tag == CLASSIFICATION_WRAP:
            for classification in part:
                # A Europeana type (IMAGE, TEXT, 3D...) says what the digital
                # object is, not what the work is: kept apart, as its media type.
                media_type = europeana_type(classification)
                if media_type:
                    draft.media_type = draft.media_type or media_type
                else:
                    concept_langmap(classification, lang, draft.meta("classification"))


def _identification(wrap: etree._Element, lang: str, draft: Draft) -> None:
    for part in wrap:
        tag = part.tag
        if tag == TITLE_WRAP:
            for title_set in part:
                _title_set(title_set, lang, draft)
        elif tag == OBJECT_DESCRIPTION_WRAP:
            for description_set in part:
                for note in description_set:
                    if note.tag == DESCRIPTIVE_NOTE_VALUE:
                        add(draft.description, lang_of(note, lang), text_of(note))
        elif tag == REPOSITORY_WRAP:
            for repository_set in part:
                _repository_set(repository_set, lang, draft)
        elif tag == OBJECT_MEASUREMENTS_WRAP:
            for measurements_set in part:
                _measurements(measurements_set, lang, draft)
        elif tag == INSCRIPTIONS_WRAP:
            for inscription in part:
                _inscription(inscription, lang, draft)
        elif tag == OBJECT_MATERIALS_TECH_WRAP:
            for materials_set in part:
                read_materials(materials_set, lang, draft.materials)
        elif tag == DISPLAY_STATE_EDITION_WRAP:
            for display in part:
                if display.tag.__class__ is str:  # displayState, displayEdition...
                    add(draft.meta("state_edition"), lang_of(display, lang), text_of(display))


def _title_set(title_set: etree._Element, lang: str, draft: Draft) -> None:
    # The first preferred (or unmarked) title in each language is the title;
    # everything else is an alternative title.
    title = draft.title
    for rank, value_lang, value in appellations(title_set, lang):
        if rank <= UNMARKED and value_lang not in title:  # preferred or unmarked
            title[value_lang] = [value]
        elif value not in title.get(value_lang, ()):
            add(draft.meta("alternative_title"), value_lang, value)


@lru_cache(maxsize=1024)
def _repository_rank(kind: str | None) -> int:
    """0 for a repository typed current, 1 untyped (current too), 2 other types, 3 former."""
    if not kind or not kind.strip():
        return 1
    if _matches(_CURRENT_REPOSITORY, kind):
        return 0
    return 3 if _matches(_FORMER_REPOSITORY, kind) else 2


def _repository_set(repository_set: etree._Element, lang: str, draft: Draft) -> None:
    kind = repository_set.get(TYPE)
    rank = _repository_rank(kind)
    test = draft.is_current_repository  # the profile's, if it names the types
    if test is not None:
        rank = 0 if test(kind) else max(rank, 2)
    if rank == 3:
        _former_repository(repository_set, lang, draft)
    draft.meta("repository")  # keeps the entry's place in source order; filled in finish()
    names: LangMap = {}
    ids: list[str] = []
    weblink = None
    for child in repository_set:
        tag = child.tag
        if tag == WORK_ID:
            value = text_of(child)
            if value:
                inventory = _matches(_INVENTORY, child.get(TYPE))
                # Sorts inventory numbers of the current repository first.
                draft.work_ids.append((not inventory, rank, len(draft.work_ids), value))
        elif tag == REPOSITORY_NAME:
            names, ids, weblink = legal_body(child, lang)
        elif tag == DISPLAY_REPOSITORY and not names:
            add(names, lang_of(child, lang), text_of(child))
    if names and rank < 3:
        draft.repositories.append((rank, len(draft.repositories), names, ids, weblink))


def _former_repository(repository_set: etree._Element, lang: str, draft: Draft) -> None:
    """A former repository (with its acquisition note) is provenance, not where it is."""
    into = draft.meta("former_repository")
    for child in repository_set:
        tag = child.tag
        if tag == REPOSITORY_NAME:
            merge(into, legal_body(child, lang)[0])
        elif tag == DISPLAY_REPOSITORY:
            add(into, lang_of(child, lang), text_of(child))


@lru_cache(maxsize=4096)
def _matches(pattern: re.Pattern[str], value: str | None) -> bool:
    # Cached: type attribute values repeat in every record of a file.
    return bool(value) and pattern.search(value) is not None


def _measurements(measurements_set: etree._Element, lang: str, draft: Draft) -> None:
    displayed = False
    composed: list[str] = []
    for child in measurements_set:
        if child.tag == DISPLAY_OBJECT_MEASUREMENTS:
            value = text_lines(child)  # "Höhe: 10 cm\nBreite: 8 cm" stays two lines
            if value:
                add(draft.dimensions, lang_of(child, lang), value)
                displayed = True
        elif child.tag == OBJECT_MEASUREMENTS and not displayed:
            composed.extend(_composed_measurements(child, lang))
    if not displayed and composed:
        add(draft.dimensions, lang, "; ".join(composed))


def _composed_measurements(measurements: etree._Element, lang: str) -> list[str]:
    """ "Höhe: 106 cm" for each measurementsSet, when there is no display text."""
    parts = []
    for measurement in measurements:
        if measurement.tag != MEASUREMENTS_SET:
            continue
        kind = unit = value = None
        for child in measurement:
            tag = child.tag
            if tag == MEASUREMENT_TYPE and kind is None:
                kind = pick_label(concept(child, lang)[1], lang)
            elif tag == MEASUREMENT_UNIT and unit is None:
                unit = pick_label(concept(child, lang)[1], lang)
            elif tag == MEASUREMENT_VALUE:
                value = text_of(child)
        if value:
            amount = f"{value} {unit}" if unit else value
            parts.append(f"{kind}: {amount}" if kind else amount)
    return parts


def _inscription(inscription: etree._Element, lang: str, draft: Draft) -> None:
    parts = []
    text_lang = lang
    for child in inscription:
        if child.tag == INSCRIPTION_TRANSCRIPTION:
            parts.append(text_of(child))
            text_lang = lang_of(child, text_lang)
        elif child.tag == INSCRIPTION_DESCRIPTION:
            parts.extend(text_of(note) for note in child if note.tag == DESCRIPTIVE_NOTE_VALUE)
    # Placeholders such as "-" carry nothing worth showing.
    parts = [part for part in parts if any(c.isalnum() for c in part)]
    if parts:
        # One entry per kind (front, back, signature, stamp...), each labelled.
        label = inscription_label(inscription.get(TYPE))
        entry = draft.meta(f"inscription:{label}", {"en": [label]})
        add(entry, text_lang, " – ".join(parts))


def _relations(wrap: etree._Element, lang: str, draft: Draft) -> None:
    for part in wrap:
        if part.tag == SUBJECT_WRAP:
            for subject_set in part:
                _subject_set(subject_set, lang, draft.meta("subject"))
        elif part.tag == RELATED_WORKS_WRAP:
            for related in part:
                _related_work(related, lang, draft.meta("related_work"))


def _subject_set(subject_set: etree._Element, lang: str, into: LangMap) -> None:
    """displaySubject when given, else the concepts, actors, places... named."""
    displays: LangMap = {}
    found: LangMap = {}
    for child in subject_set:
        if child.tag == DISPLAY_SUBJECT:
            add(displays, lang_of(child, lang), text_of(child))
        elif child.tag == SUBJECT:
            for part in child:
                if part.tag == SUBJECT_CONCEPT:
                    concept_langmap(part, lang, found)
                elif part.tag in _SUBJECT_PARTS:
                    _subject_part(part, _SUBJECT_PARTS[part.tag], lang, found)
    merge(into, displays or found)


def _subject_part(part: etree._Element, display_tag: str, lang: str, into: LangMap) -> None:
    for child in part:
        if child.tag == display_tag:
            add(into, lang_of(child, lang), text_of(child))
            return
    for child in part:
        if child.tag in (ACTOR, PLACE):
            for names in child:
                if names.tag in (NAME_ACTOR_SET, NAME_PLACE_SET):
                    add(into, lang, best_appellation(names, lang) or "")


def _related_work(related_set: etree._Element, lang: str, into: LangMap) -> None:
    display = fallback = relation = None
    for child in related_set:
        tag = child.tag
        if tag == DISPLAY_RELATED_WORK:
            display = text_of(child) or None
        elif tag == RELATED_WORK:
            fallback = _related_object(child)
        elif tag == RELATED_WORK_REL_TYPE:
            relation = pick_label(concept(child, lang)[1], lang)
    text = display or fallback
    if text:
        # A display text often names the relation itself ("ist Teil von: ...").
        if relation and not text.lower().startswith(relation.lower()):
            text = f"{relation}: {text}"
        add(into, lang, text)


def _related_object(related_work: etree._Element) -> str | None:
    """displayObject, else the object's note, identifier or web address."""
    for child in related_work:
        if child.tag == DISPLAY_OBJECT:
            value = text_of(child)
            if value:
                return value
    for child in related_work:
        if child.tag == OBJECT:
            found: dict[str, str] = {}
            for part in child:
                if part.tag.__class__ is str:
                    found.setdefault(part.tag, text_of(part))
            for tag in (OBJECT_NOTE, OBJECT_ID, OBJECT_WEB_RESOURCE):
                if found.get(tag):
                    return found[tag]
    return None
