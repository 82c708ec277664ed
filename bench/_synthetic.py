"""Synthetic exports for the benchmarks and the large-file tests.

Records look like a real museum's: a LIDO record of about 7 KB with a German
and an English descriptive block, a production event and an acquisition event
with actors, life dates and dates, materials, measurements, subjects, two or
three resources with their rights and credit lines, and a recordWrap; a CSV
row with the usual columns. Values vary from record to record (titles, dates,
people, rights), so caches see what they would see in a real collection.
Files are written as a stream, so the generator stays small in memory.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

RIGHTS = (
    "http://creativecommons.org/publicdomain/mark/1.0/",
    "CC BY 4.0",
    "https://creativecommons.org/publicdomain/zero/1.0/",
    "© Jane Doe 1987",
    "Urheberrechtlich geschützt",
    "see our website",
    "http://rightsstatements.org/vocab/InC/1.0/",
    "CC BY-SA 4.0",
)
PEOPLE = tuple(
    (f"{first} {last}", 1780 + (i * 7) % 160, 1840 + (i * 11) % 150)
    for i, (first, last) in enumerate(
        (first, last)
        for first in ("Maria", "Johann", "Clara", "Friedrich", "Anna", "Carl", "Luise", "Otto")
        for last in ("Becker", "Hartmann", "Vogel", "Kessler", "Lindner", "Roth", "Sommer")
    )
)
MATERIALS = (("Öl auf Leinwand", "oil on canvas"), ("Bronze", "bronze"), ("Papier", "paper"))
TOPICS = (
    ("Landschaft", "landscape"),
    ("Mühle", "mill"),
    ("Fluss", "river"),
    ("Porträt", "portrait"),
)
HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<lido:lidoWrap xmlns:lido="http://www.lido-schema.org"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    ' xsi:schemaLocation="http://www.lido-schema.org'
    ' http://www.lido-schema.org/schema/v1.0/lido-v1.0.xsd">\n'
)


def write_lido(path: Path, count: int, *, variant: str = "") -> Path:
    """``count`` records; a ``variant`` changes every title (a changed re-export)."""
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for n in range(count):
            out.write(lido_record(n, variant))
        out.write("</lido:lidoWrap>\n")
    return path


def _descriptive(n: int, lang: str, variant: str) -> str:
    de = lang == "de"
    if not de:
        return _translation(n, lang, variant)
    name, born, died = PEOPLE[n % len(PEOPLE)]
    year = 1800 + n % 200
    material = MATERIALS[n % len(MATERIALS)][0 if de else 1]
    size = f"{40 + n % 60} x {30 + n % 50} cm"
    topic = TOPICS[n % len(TOPICS)][0 if de else 1]
    title = (
        f"Landschaft mit Mühle Nr. {n} am Fluss{variant}"
        if de
        else f"Landscape with mill no. {n} & river{variant}"
    )
    note = (
        f"Gemälde Nr. {n} aus der Sammlung, mit einer Beschreibung, wie sie eine Kuratorin "
        "für den Katalog schreibt: Komposition, Licht, Herkunft und Zustand des Werks."
        if de
        else f"Painting no. {n} of the collection, with a description as a curator writes "
        "it for the catalogue: composition, light, provenance and condition of the work, "
        "with notes on related works and the restoration of 1987."
    )
    return f"""  <lido:descriptiveMetadata xml:lang="{lang}">
   <lido:objectClassificationWrap>
    <lido:objectWorkTypeWrap>
     <lido:objectWorkType>
      <lido:conceptID lido:type="URI" lido:source="AAT">http://vocab.getty.edu/aat/300033618</lido:conceptID>
      <lido:term>{"Gemälde" if de else "painting"}</lido:term>
     </lido:objectWorkType>
    </lido:objectWorkTypeWrap>
    <lido:classificationWrap>
     <lido:classification>
      <lido:term>{"Malerei" if de else "Paintings"}</lido:term>
     </lido:classification>
    </lido:classificationWrap>
   </lido:objectClassificationWrap>
   <lido:objectIdentificationWrap>
    <lido:titleWrap>
     <lido:titleSet>
      <lido:appellationValue lido:pref="preferred">{escape(title)}</lido:appellationValue>
     </lido:titleSet>
    </lido:titleWrap>
    <lido:repositoryWrap>
     <lido:repositorySet lido:type="current">
      <lido:repositoryName>
       <lido:legalBodyName>
        <lido:appellationValue>Bench Museum</lido:appellationValue>
       </lido:legalBodyName>
       <lido:legalBodyWeblink>https://bench-museum.example</lido:legalBodyWeblink>
      </lido:repositoryName>
      <lido:workID lido:type="inventory number">GM {n}</lido:workID>
     </lido:repositorySet>
    </lido:repositoryWrap>
    <lido:objectDescriptionWrap>
     <lido:objectDescriptionSet>
      <lido:descriptiveNoteValue>{escape(note)}</lido:descriptiveNoteValue>
     </lido:objectDescriptionSet>
    </lido:objectDescriptionWrap>
    <lido:objectMeasurementsWrap>
     <lido:objectMeasurementsSet>
      <lido:displayObjectMeasurements>{size}</lido:displayObjectMeasurements>
     </lido:objectMeasurementsSet>
    </lido:objectMeasurementsWrap>
   </lido:objectIdentificationWrap>
   <lido:eventWrap>
    <lido:eventSet>
     <lido:event>
      <lido:eventType>
       <lido:conceptID lido:type="URI">http://terminology.lido-schema.org/lido00007</lido:conceptID>
       <lido:term>{"Herstellung" if de else "Production"}</lido:term>
      </lido:eventType>
      <lido:eventActor>
       <lido:displayActorInRole>{escape(name)} ({born}–{died})</lido:displayActorInRole>
       <lido:actorInRole>
        <lido:actor lido:type="person">
         <lido:nameActorSet>
          <lido:appellationValue lido:pref="preferred">{escape(name)}</lido:appellationValue>
         </lido:nameActorSet>
         <lido:vitalDatesActor>
          <lido:earliestDate>{born}</lido:earliestDate>
          <lido:latestDate>{died}</lido:latestDate>
         </lido:vitalDatesActor>
        </lido:actor>
        <lido:roleActor>
         <lido:term>{"Maler" if de else "painter"}</lido:term>
        </lido:roleActor>
       </lido:actorInRole>
      </lido:eventActor>
      <lido:eventDate>
       <lido:displayDate>{"um" if de else "c."} {year}</lido:displayDate>
       <lido:date>
        <lido:earliestDate>{year}</lido:earliestDate>
        <lido:latestDate>{year + 5}</lido:latestDate>
       </lido:date>
      </lido:eventDate>
      <lido:eventPlace>
       <lido:displayPlace>{"München" if de else "Munich"}</lido:displayPlace>
      </lido:eventPlace>
      <lido:eventMaterialsTech>
       <lido:displayMaterialsTech>{material}</lido:displayMaterialsTech>
      </lido:eventMaterialsTech>
     </lido:event>
    </lido:eventSet>
    <lido:eventSet>
     <lido:event>
      <lido:eventType>
       <lido:term>{"Erwerb" if de else "Acquisition"}</lido:term>
      </lido:eventType>
      <lido:eventDate>
       <lido:displayDate>{1900 + n % 120}</lido:displayDate>
      </lido:eventDate>
     </lido:event>
    </lido:eventSet>
   </lido:eventWrap>
   <lido:objectRelationWrap>
    <lido:subjectWrap>
     <lido:subjectSet>
      <lido:subject>
       <lido:subjectConcept>
        <lido:term>{topic}</lido:term>
       </lido:subjectConcept>
      </lido:subject>
     </lido:subjectSet>
    </lido:subjectWrap>
   </lido:objectRelationWrap>
  </lido:descriptiveMetadata>
"""


def _translation(n: int, lang: str, variant: str) -> str:
    """The English block: what a museum translates (title, description, type, subject)."""
    topic = TOPICS[n % len(TOPICS)][1]
    title = f"Landscape with mill no. {n} & river{variant}"
    note = (
        f"Painting no. {n} of the collection, with a description as a curator writes "
        "it for the catalogue: composition, light, provenance and condition of the work, "
        "with notes on related works and the restoration of 1987."
    )
    return f"""  <lido:descriptiveMetadata xml:lang="{lang}">
   <lido:objectClassificationWrap>
    <lido:objectWorkTypeWrap>
     <lido:objectWorkType>
      <lido:term>painting</lido:term>
     </lido:objectWorkType>
    </lido:objectWorkTypeWrap>
   </lido:objectClassificationWrap>
   <lido:objectIdentificationWrap>
    <lido:titleWrap>
     <lido:titleSet>
      <lido:appellationValue lido:pref="preferred">{escape(title)}</lido:appellationValue>
     </lido:titleSet>
    </lido:titleWrap>
    <lido:objectDescriptionWrap>
     <lido:objectDescriptionSet>
      <lido:descriptiveNoteValue>{escape(note)}</lido:descriptiveNoteValue>
     </lido:objectDescriptionSet>
    </lido:objectDescriptionWrap>
   </lido:objectIdentificationWrap>
   <lido:objectRelationWrap>
    <lido:subjectWrap>
     <lido:subjectSet>
      <lido:subject>
       <lido:subjectConcept>
        <lido:term>{topic}</lido:term>
       </lido:subjectConcept>
      </lido:subject>
     </lido:subjectSet>
    </lido:subjectWrap>
   </lido:objectRelationWrap>
  </lido:descriptiveMetadata>
"""


def _resource(n: int, position: int) -> str:
    rights = RIGHTS[(n + position) % len(RIGHTS)]
    thumbnail = (
        '     <lido:resourceRepresentation lido:type="thumbnail">\n'
        f"      <lido:linkResource>https://images.bench-museum.example/{n}/{position}-thumb.jpg"
        "</lido:linkResource>\n     </lido:resourceRepresentation>\n"
        if position == 1
        else ""
    )
    return f"""    <lido:resourceSet lido:sortorder="{position}">
     <lido:resourceRepresentation lido:type="http://terminology.lido-schema.org/lido00464">
      <lido:linkResource lido:formatResource="image/jpeg">https://images.bench-museum.example/{n}/{position}.jpg</lido:linkResource>
     </lido:resourceRepresentation>
{thumbnail}     <lido:resourceType>
      <lido:term>Foto</lido:term>
     </lido:resourceType>
     <lido:resourceDescription>Ansicht {position}</lido:resourceDescription>
     <lido:rightsResource>
      <lido:rightsType>
       <lido:term>{escape(rights)}</lido:term>
      </lido:rightsType>
      <lido:rightsHolder>
       <lido:legalBodyName>
        <lido:appellationValue>Bench Museum</lido:appellationValue>
       </lido:legalBodyName>
      </lido:rightsHolder>
      <lido:creditLine>Foto: Bench Museum / Fotografin {PEOPLE[position][0]}</lido:creditLine>
     </lido:rightsResource>
    </lido:resourceSet>
"""


def lido_record(n: int, variant: str = "") -> str:
    """One record, one element per line (as many systems export), about 7 KB."""
    return _INDENT.sub("\n", _indented_record(n, variant))


_INDENT = re.compile(r"\n +")


def _indented_record(n: int, variant: str) -> str:
    resources = "".join(_resource(n, position) for position in range(1, 2 + (n % 2) + 1))
    blocks = _descriptive(n, "de", variant) + _descriptive(n, "en", variant)
    return f""" <lido:lido>
  <lido:lidoRecID lido:type="local">BENCH-{n}</lido:lidoRecID>
  <lido:objectPublishedID lido:type="URI">https://bench-museum.example/object/{n}</lido:objectPublishedID>
{blocks}  <lido:administrativeMetadata xml:lang="de">
   <lido:rightsWorkWrap>
    <lido:rightsWorkSet>
     <lido:rightsType>
      <lido:term>{"gemeinfrei" if n % 3 else "Urheberrechtlich geschützt"}</lido:term>
     </lido:rightsType>
     <lido:creditLine>Bench Museum, Schenkung {1900 + n % 120}</lido:creditLine>
    </lido:rightsWorkSet>
   </lido:rightsWorkWrap>
   <lido:recordWrap>
    <lido:recordID lido:type="local">{n}</lido:recordID>
    <lido:recordType>
     <lido:term>Einzelobjekt</lido:term>
    </lido:recordType>
    <lido:recordSource>
     <lido:legalBodyName>
      <lido:appellationValue>Bench Museum</lido:appellationValue>
     </lido:legalBodyName>
    </lido:recordSource>
    <lido:recordRights>
     <lido:rightsType>
      <lido:conceptID>http://creativecommons.org/publicdomain/zero/1.0/</lido:conceptID>
     </lido:rightsType>
    </lido:recordRights>
    <lido:recordInfoSet>
     <lido:recordInfoLink>https://bench-museum.example/object/{n}</lido:recordInfoLink>
     <lido:recordMetadataDate>2024-0{1 + n % 9}-1{n % 10}</lido:recordMetadataDate>
    </lido:recordInfoSet>
   </lido:recordWrap>
   <lido:resourceWrap>
{resources}   </lido:resourceWrap>
  </lido:administrativeMetadata>
 </lido:lido>
"""


CSV_HEADER = (
    "identifier,title,description,creator,creator_birth,creator_death,date,object_type,"
    "materials,dimensions,credit_line,rights,images\n"
)


def write_csv(path: Path, count: int, *, variant: str = "") -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(CSV_HEADER)
        for n in range(count):
            name, born, died = PEOPLE[n % len(PEOPLE)]
            material = MATERIALS[n % len(MATERIALS)][1]
            out.write(
                f'BENCH-{n},"Landscape with mill no. {n}, river{variant}",'
                f'"Painting no. {n} of the collection, with a description as a curator '
                f'writes it for the catalogue.",{name},{born},{died},{1800 + n % 200},painting,'
                f'{material},{40 + n % 60} x {30 + n % 50} cm,"Gift of the Example family, 1921",'
                f'"{RIGHTS[n % len(RIGHTS)]}",img-{n}.jpg\n'
            )
    return path
