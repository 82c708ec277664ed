"""Synthetic exports for the benchmarks: realistic records, any count, written
as a stream so the generator itself stays small in memory."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

RIGHTS = (
    "http://creativecommons.org/publicdomain/mark/1.0/",
    "CC BY 4.0",
    "https://creativecommons.org/publicdomain/zero/1.0/",
    "© Jane Doe 1987",
    "Urheberrechtlich geschützt",
    "see our website",
)


def write_lido(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write('<lido:lidoWrap xmlns:lido="http://www.lido-schema.org">\n')
        for n in range(count):
            out.write(_lido_record(n))
        out.write("</lido:lidoWrap>\n")
    return path


def _lido_record(n: int) -> str:
    title = escape(f"Landscape with mill no. {n} & river")
    return (
        f"<lido:lido><lido:lidoRecID lido:type='local'>BENCH-{n}</lido:lidoRecID>"
        "<lido:descriptiveMetadata xml:lang='en'>"
        "<lido:objectClassificationWrap><lido:objectWorkTypeWrap><lido:objectWorkType>"
        "<lido:term>painting</lido:term></lido:objectWorkType></lido:objectWorkTypeWrap>"
        "</lido:objectClassificationWrap>"
        "<lido:objectIdentificationWrap><lido:titleWrap><lido:titleSet>"
        f"<lido:appellationValue>{title}</lido:appellationValue></lido:titleSet>"
        "</lido:titleWrap><lido:objectDescriptionWrap><lido:objectDescriptionSet>"
        f"<lido:descriptiveNoteValue>Oil on canvas, record {n}, with a long enough "
        "description to look like a real catalogue entry written by a curator.</lido:"
        "descriptiveNoteValue></lido:objectDescriptionSet></lido:objectDescriptionWrap>"
        "</lido:objectIdentificationWrap>"
        "<lido:eventWrap><lido:eventSet><lido:event><lido:eventType><lido:term>Production"
        "</lido:term></lido:eventType><lido:eventActor><lido:actorInRole><lido:actor>"
        "<lido:nameActorSet><lido:appellationValue>Maria Example</lido:appellationValue>"
        "</lido:nameActorSet><lido:vitalDatesActor><lido:earliestDate>1801</lido:earliestDate>"
        "<lido:latestDate>1870</lido:latestDate></lido:vitalDatesActor></lido:actor>"
        "</lido:actorInRole></lido:eventActor><lido:eventDate><lido:displayDate>1850"
        "</lido:displayDate><lido:date><lido:earliestDate>1850</lido:earliestDate>"
        "<lido:latestDate>1850</lido:latestDate></lido:date></lido:eventDate></lido:event>"
        "</lido:eventSet></lido:eventWrap></lido:descriptiveMetadata>"
        "<lido:administrativeMetadata xml:lang='en'><lido:resourceWrap><lido:resourceSet>"
        "<lido:resourceRepresentation><lido:linkResource>"
        f"img-{n}.jpg</lido:linkResource></lido:resourceRepresentation>"
        f"<lido:rightsResource><lido:rightsType><lido:term>{escape(RIGHTS[n % len(RIGHTS)])}"
        "</lido:term></lido:rightsType></lido:rightsResource></lido:resourceSet>"
        "</lido:resourceWrap></lido:administrativeMetadata></lido:lido>\n"
    )


def write_csv(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("identifier,title,description,creator,creator_death,date,rights,images\n")
        for n in range(count):
            out.write(
                f'BENCH-{n},"Landscape with mill no. {n}, river","Oil on canvas, record {n}",'
                f'Maria Example,1870,1850,"{RIGHTS[n % len(RIGHTS)]}",img-{n}.jpg\n'
            )
    return path
