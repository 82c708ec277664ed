"""LIDO events: production gives creators, date, materials and place.

The production or creation event (and design, photographing) supplies the
object's creators with roles, attribution qualifiers and life dates, its
display and earliest/latest dates, materials and techniques, and place of
production. Every other event (acquisition, exhibition, use, ...) becomes one
metadata entry labelled with its event type.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from importers.attribution import normalise
from importers.base import Creator, LangMap
from importers.dates import display_years
from importers.lido.draft import Draft
from importers.lido.fields import (
    ALTERNATE,
    EARLIEST_DATE,
    LATEST_DATE,
    add,
    appellations,
    concept,
    concept_langmap,
    date_range,
    lang_of,
    lido,
    merge,
    parse_year,
    pick_label,
    text_of,
)
from importers.problem_codes import ProblemCode

# Event types whose actors are the object's creators and whose date is the
# object's date: production, creation, design, photographing, as LIDO
# terminology URIs, CIDOC-CRM class names and the usual German and English terms.
_CREATION_EVENT = re.compile(
    r"lido00007|lido00012|lido00224|lido01089|lido01096|lido01127|production|herstellung"
    r"|creation|design|entwurf|fotografische aufnahme|photograph"
    # museum-digital names its event types with verbs: "Hergestellt", "Gezeichnet"...
    r"|hergestellt|gezeichnet|gemalt|verfasst|fotografiert|geschaffen",
    re.IGNORECASE,
)

DISPLAY_EVENT = lido("displayEvent")
EVENT = lido("event")
EVENT_TYPE = lido("eventType")
EVENT_ACTOR = lido("eventActor")
EVENT_DATE = lido("eventDate")
EVENT_PLACE = lido("eventPlace")
EVENT_MATERIALS_TECH = lido("eventMaterialsTech")
CULTURE = lido("culture")
PERIOD_NAME = lido("periodName")
DISPLAY_ACTOR_IN_ROLE = lido("displayActorInRole")
ACTOR_IN_ROLE = lido("actorInRole")
ACTOR = lido("actor")
NAME_ACTOR_SET = lido("nameActorSet")
VITAL_DATES_ACTOR = lido("vitalDatesActor")
ROLE_ACTOR = lido("roleActor")
ATTRIBUTION_QUALIFIER_ACTOR = lido("attributionQualifierActor")
DISPLAY_PLACE = lido("displayPlace")
PLACE = lido("place")
NAME_PLACE_SET = lido("namePlaceSet")
DISPLAY_MATERIALS_TECH = lido("displayMaterialsTech")
MATERIALS_TECH = lido("materialsTech")
TERM_MATERIALS_TECH = lido("termMaterialsTech")


def read_event_set(event_set: etree._Element, lang: str, draft: Draft) -> None:
    display_event = None
    for child in event_set:
        if child.tag == EVENT:
            _event(child, lang, display_event, draft)
        elif child.tag == DISPLAY_EVENT:
            display_event = text_of(child) or None


def read_materials(materials_set: etree._Element, lang: str, into: LangMap) -> None:
    """displayMaterialsTech when given, else the material and technique terms."""
    displays: LangMap = {}
    terms: LangMap = {}
    for child in materials_set:
        if child.tag == DISPLAY_MATERIALS_TECH:
            add(displays, lang_of(child, lang), text_of(child))
        elif child.tag == MATERIALS_TECH and not displays:
            for term in child:
                if term.tag == TERM_MATERIALS_TECH:
                    concept_langmap(term, lang, terms)
    merge(into, displays or terms)


def _event(event: etree._Element, lang: str, display_event: str | None, draft: Draft) -> None:
    type_ids: list[str] = []
    type_labels: list[tuple[str, str]] = []
    creators: list[Creator] = []
    displays: list[str] = []
    date_display = None
    earliest = latest = None
    places: LangMap = {}
    materials: LangMap = {}
    for child in event:
        tag = child.tag
        if tag == EVENT_ACTOR:
            _event_actor(child, lang, creators, displays)
        elif tag == EVENT_TYPE:
            type_ids, type_labels = concept(child, lang)
        elif tag == EVENT_DATE:
            date_display, earliest, latest = date_range(child)
        elif tag == EVENT_PLACE:
            _place(child, lang, places)
        elif tag == EVENT_MATERIALS_TECH:
            read_materials(child, lang, materials)
        elif tag == CULTURE:
            concept_langmap(child, lang, draft.meta("culture"))
        elif tag == PERIOD_NAME:
            concept_langmap(child, lang, draft.meta("period"))
    kinds = " ".join(type_ids) + " " + " ".join(label for _, label in type_labels)
    if _is_creation(kinds):
        draft.has_creation_event = True
        if creators and draft.creator_block in (None, draft.block):
            # Creators come from one block only: another language's block
            # repeats them (and "unbekannt" becomes "unknown").
            draft.creator_block = draft.block
            for creator in creators:
                if creator not in draft.creators:
                    draft.creators.append(creator)
            draft.creator_display.extend(displays)
        merge(draft.materials, materials)
        merge(draft.meta("production_place"), places)
        if draft.date_display is None and draft.date_earliest is None:
            if earliest is None and latest is None and date_display:
                # No lido:date: the years are read from the displayDate.
                earliest, latest, doubt = display_years(date_display)
                if doubt:
                    draft.warnings.append((ProblemCode.BAD_DATE, f"displayDate: {doubt}"))
            draft.date_display = date_display
            draft.date_earliest, draft.date_latest = earliest, latest
        return
    # Kept in case the record has no creation event at all (see Draft.finish).
    merge(draft.other_materials, materials)
    # Any other event (acquisition, exhibition, use, ...) becomes one
    # metadata entry labelled with the event type.
    summary = display_event
    if not summary:
        names = ", ".join(creator.name for creator in creators)
        place = next(iter(places.values()), [None])[0]
        summary = "; ".join(part for part in (names, date_display, place) if part)
    if summary:
        key = "event:" + (type_ids[0] if type_ids else pick_label(type_labels, lang) or "")
        label: LangMap = {}
        for label_lang, value in type_labels:
            add(label, label_lang, value)
        add(draft.meta(key, label or {"en": ["Event"]}), lang, summary)


@lru_cache(maxsize=4096)
def _is_creation(kinds: str) -> bool:
    # Cached: a collection has a handful of event types, repeated in every record.
    return _CREATION_EVENT.search(kinds) is not None


def _event_actor(
    event_actor: etree._Element, lang: str, creators: list[Creator], displays: list[str]
) -> None:
    display = None
    found = False
    for child in event_actor:
        if child.tag == ACTOR_IN_ROLE:
            creator = _actor_in_role(child, lang)
            if creator is not None:
                creators.append(creator)
                found = True
        elif child.tag == DISPLAY_ACTOR_IN_ROLE:
            display = text_of(child) or None
    if display:
        displays.append(display)
        if not found:  # only a display text: it is the best name there is
            name, role, qualifier = normalise(display, None, None)
            creators.append(Creator(name, role, qualifier))


def _actor_in_role(actor_in_role: etree._Element, lang: str) -> Creator | None:
    names: list[tuple[int, str, str]] = []
    role = qualifier = None
    born = died = None
    born_text = died_text = ""
    for child in actor_in_role:
        tag = child.tag
        if tag == ACTOR:
            for part in child:
                if part.tag == NAME_ACTOR_SET:
                    names.extend(appellations(part, lang))
                elif part.tag == VITAL_DATES_ACTOR:
                    for date in part:
                        if date.tag == EARLIEST_DATE:
                            born_text = text_of(date)
                            born = parse_year(born_text)
                        elif date.tag == LATEST_DATE:
                            died_text = text_of(date)
                            died = parse_year(died_text, latest=True)
        elif tag == ROLE_ACTOR and role is None:
            role = pick_label(concept(child, lang)[1], lang)
        elif tag == ATTRIBUTION_QUALIFIER_ACTOR and qualifier is None:
            qualifier = text_of(child) or None
    if not names:
        return None
    # The most preferred name, the first one on a tie.
    name = names[0]
    for candidate in names[1:]:
        if candidate[0] < name[0]:
            name = candidate
    life = f"{born_text}–{died_text}" if born_text or died_text else None
    # "Kopia efter" as the role, "After X" as the name: the qualifier stays with the name.
    person, role, qualifier = normalise(name[2], role, qualifier)
    return Creator(person, role, qualifier, born, died, life)


def _place(event_place: etree._Element, lang: str, into: LangMap) -> None:
    """displayPlace when given, else the place's preferred names."""
    for child in event_place:
        if child.tag == DISPLAY_PLACE:
            value = text_of(child)
            if value:
                add(into, lang_of(child, lang), value)
                return
    for child in event_place:
        if child.tag == PLACE:
            for names in child:
                if names.tag == NAME_PLACE_SET:
                    for rank, value_lang, value in appellations(names, lang):
                        if rank != ALTERNATE and value_lang not in into:
                            add(into, value_lang, value)
