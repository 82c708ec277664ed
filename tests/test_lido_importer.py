"""The LIDO importer on the real corpus, on small hand-written records, and
on hostile or broken files."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from lxml import etree

from glampub.errors import Problem, UnreadableInput, UnsafeInput
from importers.base import SourceRecord, get_importer, registry
from importers.lido.fields import normalise_lang, parse_year
from importers.lido.importer import LidoImporter, _record, _release
from importers.safe_xml import EntityEscapingReader
from tests.export_checks import check_comments_change_only_the_source, check_lido_reads

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "lido"
CORPUS_FILES = sorted(CORPUS.rglob("*.xml"))
NS = 'xmlns:lido="http://www.lido-schema.org"'


def read(path: Path) -> tuple[list[SourceRecord], list[Problem]]:
    items = list(LidoImporter().read(path))
    records = [item for item in items if isinstance(item, SourceRecord)]
    problems = [item for item in items if isinstance(item, Problem)]
    assert len(records) + len(problems) == len(items)
    return records, problems


def record_xml(rec_id: str | None = "R1", title: str = "A title", body: str = "") -> str:
    rec = f"<lido:lidoRecID>{rec_id}</lido:lidoRecID>" if rec_id else ""
    return (
        f"<lido:lido>{rec}<lido:descriptiveMetadata xml:lang='en'><lido:objectIdentificationWrap>"
        f"<lido:titleWrap><lido:titleSet><lido:appellationValue>{title}</lido:appellationValue>"
        f"</lido:titleSet></lido:titleWrap></lido:objectIdentificationWrap>{body}"
        "</lido:descriptiveMetadata></lido:lido>"
    )


def write(tmp_path: Path, records: list[str], name: str = "export.xml", head: str = "") -> Path:
    path = tmp_path / name
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n{head}<lido:lidoWrap {NS}>\n'
        + "\n".join(records)
        + "\n</lido:lidoWrap>\n",
        encoding="utf-8",
    )
    return path


# --- registry and sniffing ---------------------------------------------------


def test_registered_through_the_entry_point():
    assert registry()["lido"] is LidoImporter
    assert get_importer("lido").name == "lido"


@pytest.mark.needs_shared
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_sniff_accepts_every_corpus_file(path):
    assert LidoImporter().sniff(path)


def test_sniff_refuses_other_files(tmp_path):
    (tmp_path / "a.csv").write_text("id,title\n1,Vase\n", encoding="utf-8")
    (tmp_path / "b.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00garbage")
    (tmp_path / "c.xml").write_text("<html><body/></html>", encoding="utf-8")
    (tmp_path / "d.xml").write_text('<lidoWrap xmlns="http://example.org/lido"/>')
    for name in ("a.csv", "b.bin", "c.xml", "d.xml", "missing.xml"):
        assert not LidoImporter().sniff(tmp_path / name), name


# --- the real corpus -----------------------------------------------------------


@pytest.mark.needs_shared
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_every_corpus_file_reads(path):
    check_lido_reads(path)


@pytest.mark.needs_shared
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_comments_and_processing_instructions_change_only_the_source(tmp_path, path):
    check_comments_change_only_the_source(tmp_path, path)


@pytest.mark.needs_shared
def test_primavera_lido_1_1():
    path = CORPUS / "lido-wg-examples" / "LIDO-v1.1-Example_FMobj00154983-LaPrimavera.xml"
    [record], _ = read(path)
    assert record.identifier == "DE-Mb112/lido-obj00154983"
    assert record.extra["lido_version"] == "1.1"
    assert record.title["it"] == ["La Primavera"]
    assert record.title["en"] == ["Spring"]
    assert record.title["de"] == ["Der Frühling"]
    [botticelli] = record.creators
    assert (botticelli.name, botticelli.role) == ("Botticelli, Sandro", "Maler")
    assert (botticelli.birth_year, botticelli.death_year) == (1445, 1510)
    assert (record.date_display, record.date_earliest, record.date_latest) == (
        "um 1480 oder 1482/1485",
        1480,
        1485,
    )
    assert record.record_rights[0] == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert "http://rightsstatements.org/vocab/NoC-OKLR/1.0/" in record.rights_work
    assert record.rights_holder == "Galleria degli Uffizi"
    assert record.inventory_number == "8360 (Inv. 1890)"
    assert record.object_type == {"en": ["painting (visual work)"], "de": ["Gemälde"]}
    assert record.dimensions == {"de": ["203 x 314 cm"]}
    assert record.record_url == "https://www.bildindex.de/document/obj00154983"
    # Resources in document order (no sortorder), the 1200 px "provided image"
    # chosen over the 350 px preview, which is kept as the thumbnail.
    assert [image.reference for image in record.images] == [
        "http://www.bildindex.de/bilder/d/fmp_gkka1982_01929_2l",
        "http://www.bildindex.de/bilder/d/fmc654591",
        "http://www.bildindex.de/bilder/d/fm1005045",
    ]
    first = record.images[0]
    assert record.extra["thumbnails"][first.reference].endswith("/m/fmp_gkka1982_01929_2l")
    assert first.mime_type == "image/jpeg"
    assert first.rights[0] == "https://www.deutsche-digitale-bibliothek.de/content/lizenzen/rv-fz/"
    assert first.credit_line.startswith("Deutsches Dokumentationszentrum für Kunstgeschichte")
    labels = {next(iter(label.values()))[0]: value for label, value in record.metadata}
    assert labels["Alternative title"] == {"it": ["allegoria della primavera"]}
    assert labels["Acquisition"] == {"de": ["Uffizien; 1919"]}
    assert "Galleria degli Uffizi" in labels["Repository"]["it"]


@pytest.mark.needs_shared
def test_minimal_record_resources_follow_sortorder():
    [record], _ = read(CORPUS / "ddb-minimaldatensatz" / "minimaldatensatz.xml")
    assert [image.reference.rsplit("/", 1)[1] for image in record.images] == [
        "m5ea54539bef06",
        "m5ea5453a0926f",
        "m5ea5453a433bb",
    ]
    assert all(
        image.rights == ["http://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0"]
        for image in record.images
    )
    assert [c.name for c in record.creators][0] == "Fiammingo, Giacomo"
    assert (record.date_earliest, record.date_latest) == (1596, 1605)
    assert record.dimensions["de"][0].startswith("Höhe: 106 cm; Breite: 101,1 cm")
    assert record.extra["record_metadata_date"] == "2021-01-30T15:44:49+01:00"


@pytest.mark.needs_shared
def test_kenom_chunk_has_twenty_records():
    records, problems = read(CORPUS / "kenom" / "kenom_oai_chunk20.xml")
    assert len(records) == 20 and not problems
    assert len({record.identifier for record in records}) == 20
    assert all(record.identifier.startswith("record_DE-68_kenom_") for record in records)
    lines = [record.extra["source_line"] for record in records]
    assert lines == sorted(lines) and len(set(lines)) == 20
    assert records[0].title == {"de": ["Geldschein / Notgeld, 50 Pfennig, 7.1921"]}
    assert "http://creativecommons.org/licenses/by/4.0/" in records[0].record_rights


@pytest.mark.needs_shared
@pytest.mark.parametrize("path", sorted((CORPUS / "vkc-arthub").glob("*.xml")), ids=str)
def test_vkc_records_carry_no_rights(path):
    [record], _ = read(path)
    assert record.rights_work == [] and record.record_rights == [] and record.rights == []
    assert all(not image.rights for image in record.images)


@pytest.mark.needs_shared
def test_language_codes_are_normalised_in_deutsches_museum():
    [record], _ = read(CORPUS / "ddb-aqinda" / "Deutsches_Museum.xml")
    assert record.object_type == {"en": ["cipher machine"]}  # written xml:lang="eng"
    assert record.title == {"de": ["Chiffriermaschine Enigma I"]}
    assert record.inventory_number == "1993-522"


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("deu", "de"),
        ("ger", "de"),
        ("eng", "en"),
        ("EN", "en"),
        ("fre", "fr"),
        ("nld", "nl"),
        ("de-DE", "de-de"),
        ("und", "none"),
        ("", "none"),
        ("it", "it"),
    ],
)
def test_normalise_lang(raw, tag):
    assert normalise_lang(raw) == tag


@pytest.mark.parametrize(
    ("text", "latest", "year"),
    [
        ("1480", False, 1480),
        ("1480-05-01", False, 1480),
        ("-0300", False, -300),
        ("ca. 1480", False, 1480),
        ("um 1600", False, 1600),
        ("01.05.1480", False, 1480),
        ("300 v. Chr.", False, -300),
        ("300 BC", False, -300),
        ("15. Jh.", False, 1401),
        ("15. Jh.", True, 1500),
        ("15th century", True, 1500),
        ("1628/29", False, 1628),
        ("0", False, None),
        ("", False, None),
        ("unbekannt", False, None),
    ],
)
def test_parse_year(text, latest, year):
    assert parse_year(text, latest=latest) == year


# --- mapping of hand-written records -------------------------------------------------


def test_bare_and_wrapped_records_and_versions(tmp_path):
    bare = tmp_path / "bare.xml"
    bare.write_text(
        f'<lido:lido {NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.lido-schema.org '
        'http://www.lido-schema.org/schema/v1.1/lido-v1.1.xsd">'
        "<lido:lidoRecID>B1</lido:lidoRecID></lido:lido>",
        encoding="utf-8",
    )
    [record], problems = read(bare)
    assert record.identifier == "B1" and record.extra["lido_version"] == "1.1"
    assert [p.code for p in problems] == ["missing-title"]
    skos = (
        "<lido:objectClassificationWrap><lido:objectWorkTypeWrap><lido:objectWorkType>"
        '<skos:Concept xmlns:skos="http://www.w3.org/2004/02/skos/core#" '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'rdf:about="http://vocab.getty.edu/aat/300033618"><skos:prefLabel xml:lang="en">'
        "painting</skos:prefLabel></skos:Concept></lido:objectWorkType></lido:objectWorkTypeWrap>"
        "</lido:objectClassificationWrap>"
    )
    records, _ = read(write(tmp_path, [record_xml("W1"), record_xml("W2", body=skos)]))
    assert [r.extra["lido_version"] for r in records] == ["1.0", "1.1"]
    assert records[1].object_type == {"en": ["painting"]}


def test_languages_from_repeated_descriptive_blocks(tmp_path):
    block = (
        "<lido:descriptiveMetadata xml:lang='{lang}'><lido:objectClassificationWrap>"
        "<lido:classificationWrap><lido:classification><lido:term>{cls}</lido:term>"
        "</lido:classification></lido:classificationWrap></lido:objectClassificationWrap>"
        "<lido:objectIdentificationWrap><lido:titleWrap><lido:titleSet><lido:appellationValue>"
        "{title}</lido:appellationValue></lido:titleSet></lido:titleWrap><lido:objectDescriptionWrap>"
        "<lido:objectDescriptionSet><lido:descriptiveNoteValue>  {desc}\n  text "
        "</lido:descriptiveNoteValue>"
        "</lido:objectDescriptionSet></lido:objectDescriptionWrap></lido:objectIdentificationWrap>"
        "<lido:eventWrap><lido:eventSet><lido:event><lido:eventType><lido:term>{event}</lido:term>"
        "</lido:eventType><lido:eventActor><lido:actorInRole><lido:actor><lido:nameActorSet>"
        "<lido:appellationValue>{actor}</lido:appellationValue></lido:nameActorSet></lido:actor>"
        "<lido:roleActor><lido:term>{role}</lido:term></lido:roleActor></lido:actorInRole>"
        "</lido:eventActor></lido:event></lido:eventSet></lido:eventWrap>"
        "</lido:descriptiveMetadata>"
    )
    xml = (
        "<lido:lido><lido:lidoRecID>M1</lido:lidoRecID>"
        + block.format(
            lang="deu",
            cls="Gemälde",
            title="Mühle",
            desc="Eine",
            event="Herstellung",
            actor="unbekannt",
            role="Maler",
        )
        + block.format(
            lang="en",
            cls="Painting",
            title="Mill",
            desc="A",
            event="Production",
            actor="unknown",
            role="painter",
        )
        + "</lido:lido>"
    )
    [record], _ = read(write(tmp_path, [xml]))
    assert record.title == {"de": ["Mühle"], "en": ["Mill"]}
    assert record.description == {"de": ["Eine text"], "en": ["A text"]}
    [(label, value)] = [m for m in record.metadata if m[0] == {"en": ["Classification"]}]
    assert value == {"de": ["Gemälde"], "en": ["Painting"]}
    # The English block repeats the creator in translation: named once.
    assert [(c.name, c.role) for c in record.creators] == [("unbekannt", "Maler")]


def test_identifier_fallbacks_and_missing_identifier(tmp_path):
    published = record_xml(None).replace(
        "<lido:descriptiveMetadata",
        "<lido:objectPublishedID>P-1</lido:objectPublishedID><lido:descriptiveMetadata",
        1,
    )
    repository = (
        "<lido:repositoryWrap><lido:repositorySet><lido:workID lido:type='Aufnahmenummer'>A-9"
        "</lido:workID><lido:workID lido:type='inventory number'>Inv 7</lido:workID>"
        "</lido:repositorySet></lido:repositoryWrap>"
    )
    work_id = record_xml(None).replace("</lido:titleWrap>", "</lido:titleWrap>" + repository)
    records, problems = read(write(tmp_path, [published, work_id, record_xml(None), record_xml()]))
    assert [r.identifier for r in records] == ["P-1", "Inv 7", "R1"]
    assert [r.line for r in records] == [1, 2, 4]
    [missing] = problems
    assert (missing.code, missing.severity, missing.record, missing.line) == (
        "missing-identifier",
        "error",
        None,
        3,
    )
    assert "record 3 (line 5)" in missing.message


def test_events_creators_and_other_events(tmp_path):
    events = """<lido:eventWrap>
      <lido:eventSet><lido:event>
        <lido:eventType><lido:term>Herstellung</lido:term></lido:eventType>
        <lido:eventActor>
          <lido:displayActorInRole>Rembrandt (1606-1669), Maler</lido:displayActorInRole>
          <lido:actorInRole><lido:actor><lido:nameActorSet>
              <lido:appellationValue lido:pref="alternate">Rembrandt</lido:appellationValue>
              <lido:appellationValue lido:pref="preferred">Rijn, Rembrandt van
              </lido:appellationValue>
            </lido:nameActorSet><lido:vitalDatesActor><lido:earliestDate>1606-07-15</lido:earliestDate>
              <lido:latestDate>1669</lido:latestDate></lido:vitalDatesActor></lido:actor>
            <lido:roleActor><lido:term xml:lang="de">Maler</lido:term>
              <lido:term xml:lang="en">painter</lido:term></lido:roleActor>
            <lido:attributionQualifierActor>Werkstatt</lido:attributionQualifierActor>
          </lido:actorInRole></lido:eventActor>
        <lido:eventDate><lido:displayDate>ca. 1640</lido:displayDate></lido:eventDate>
        <lido:eventPlace><lido:place><lido:namePlaceSet><lido:appellationValue>Amsterdam</lido:appellationValue>
          </lido:namePlaceSet></lido:place></lido:eventPlace>
        <lido:eventMaterialsTech><lido:materialsTech><lido:termMaterialsTech><lido:term>Öl</lido:term>
          </lido:termMaterialsTech><lido:termMaterialsTech><lido:term>Leinwand</lido:term></lido:termMaterialsTech>
        </lido:materialsTech></lido:eventMaterialsTech>
      </lido:event></lido:eventSet>
      <lido:eventSet><lido:event><lido:eventType><lido:conceptID>http://terminology.lido-schema.org/lido00225</lido:conceptID>
        <lido:term xml:lang="en">Exhibition</lido:term></lido:eventType>
        <lido:eventDate><lido:displayDate>1925</lido:displayDate></lido:eventDate>
      </lido:event></lido:eventSet></lido:eventWrap>"""
    [record], _ = read(write(tmp_path, [record_xml(body=events)]))
    [creator] = record.creators
    # The role in the block's language (en) wins over the German term.
    assert (creator.name, creator.role, creator.qualifier) == (
        "Rijn, Rembrandt van",
        "painter",
        "Werkstatt",
    )
    assert (creator.birth_year, creator.death_year, creator.display_dates) == (
        1606,
        1669,
        "1606-07-15–1669",
    )
    assert record.extra["creator_display"] == ["Rembrandt (1606-1669), Maler"]
    assert (record.date_display, record.date_earliest, record.date_latest) == (
        "ca. 1640",
        1640,
        1640,
    )
    assert record.materials == {"en": ["Öl", "Leinwand"]}
    metadata = dict((next(iter(label.values()))[0], value) for label, value in record.metadata)
    assert metadata["Place of production"] == {"en": ["Amsterdam"]}
    assert metadata["Exhibition"] == {"en": ["1925"]}


def test_resources_sortorder_representations_and_rights(tmp_path):
    def resource(order: str, link: str, rep_type: str = "image_master", extra: str = "") -> str:
        return (
            f"<lido:resourceSet {order}><lido:resourceRepresentation lido:type='image_thumb'>"
            f"<lido:linkResource>{link}_t.jpg</lido:linkResource></lido:resourceRepresentation>"
            f"<lido:resourceRepresentation lido:type='{rep_type}'><lido:linkResource "
            f"lido:formatResource='jpg'>{link}.jpg</lido:linkResource></lido:resourceRepresentation>"
            f"<lido:resourceDescription>View {link}</lido:resourceDescription>{extra}"
            "</lido:resourceSet>"
        )

    rights = (
        "<lido:rightsResource><lido:rightsType><lido:conceptID>http://creativecommons.org/licenses/by/4.0/"
        "</lido:conceptID><lido:term>CC BY 4.0</lido:term></lido:rightsType><lido:rightsHolder>"
        "<lido:legalBodyName><lido:appellationValue>Museum X</lido:appellationValue>"
        "</lido:legalBodyName>"
        "</lido:rightsHolder><lido:creditLine>Photo: Y</lido:creditLine></lido:rightsResource>"
    )
    admin = (
        "<lido:administrativeMetadata xml:lang='en'><lido:resourceWrap>"
        + resource("", "c")
        + resource("lido:sortorder='2'", "b", extra=rights)
        + resource("lido:sortorder='1'", "a")
        + "</lido:resourceWrap></lido:administrativeMetadata>"
    )
    xml = record_xml().replace("</lido:lido>", admin + "</lido:lido>")
    [record], _ = read(write(tmp_path, [xml]))
    assert [image.reference for image in record.images] == ["a.jpg", "b.jpg", "c.jpg"]
    assert record.extra["thumbnails"] == {
        "a.jpg": "a_t.jpg",
        "b.jpg": "b_t.jpg",
        "c.jpg": "c_t.jpg",
    }
    second = record.images[1]
    assert second.rights == ["http://creativecommons.org/licenses/by/4.0/", "CC BY 4.0"]
    assert (second.rights_holder, second.credit_line) == ("Museum X", "Photo: Y")
    assert (second.label, second.mime_type) == ({"en": ["View b"]}, "image/jpeg")


def test_same_as_links_are_kept_for_lido_1_1(tmp_path):
    actor = (
        "<lido:eventWrap><lido:eventSet><lido:event><lido:eventType><lido:term>Production</lido:term>"
        "</lido:eventType><lido:eventActor><lido:actorInRole><lido:actor>"
        "<owl:sameAs xmlns:owl='http://www.w3.org/2002/07/owl#' "
        "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
        "rdf:resource='http://vocab.getty.edu/ulan/500015254'/>"
        "<lido:nameActorSet><lido:appellationValue>Botticelli</lido:appellationValue>"
        "</lido:nameActorSet></lido:actor></lido:actorInRole></lido:eventActor></lido:event>"
        "</lido:eventSet></lido:eventWrap>"
    )
    [record], _ = read(write(tmp_path, [record_xml(body=actor)]))
    assert record.extra["lido_version"] == "1.1"
    assert record.extra["same_as"] == [
        {"element": "actor", "uri": "http://vocab.getty.edu/ulan/500015254"}
    ]
    assert record.creators[0].name == "Botticelli"


def test_records_inside_an_oai_pmh_envelope(tmp_path):
    path = tmp_path / "oai.xml"
    path.write_text(
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>'
        + "".join(
            "<record><metadata>"
            + record_xml(f"O{i}").replace("<lido:lido>", f"<lido:lido {NS}>")
            + "</metadata></record>"
            for i in range(3)
        )
        + "</ListRecords></OAI-PMH>",
        encoding="utf-8",
    )
    assert LidoImporter().sniff(path)
    records, _ = read(path)
    assert [r.identifier for r in records] == ["O0", "O1", "O2"]


def test_empty_wrap_and_default_language_from_the_wrap(tmp_path):
    _, [problem] = read(write(tmp_path, []))
    assert (problem.code, problem.severity) == ("no-records", "warning")
    path = tmp_path / "lang.xml"
    path.write_text(
        f"<lido:lidoWrap {NS} xml:lang='ger'>"
        + record_xml().replace(" xml:lang='en'", "")
        + "</lido:lidoWrap>",
        encoding="utf-8",
    )
    [record], _ = read(path)
    assert record.title == {"de": ["A title"]}


def test_release_frees_handled_records():
    records = "<lido:lido><lido:x/></lido:lido>" * 3
    root = etree.fromstring(f"<lido:lidoWrap {NS}>{records}</lido:lidoWrap>")
    third = root[2]
    _release(third)
    assert len(root) == 1 and root[0] is third and len(third) == 0


# --- broken and hostile input -------------------------------------------------------------


def test_truncated_file_keeps_records_before_the_break(tmp_path):
    path = write(tmp_path, [record_xml("T1"), record_xml("T2"), record_xml("T3")])
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("T3") + 10], encoding="utf-8")
    records, problems = read(path)
    assert [r.identifier for r in records] == ["T1", "T2"]
    [problem] = problems
    assert (problem.code, problem.severity, problem.line) == ("malformed-xml", "error", 5)
    assert "export.xml" in problem.message and "line 5" in problem.message
    assert "cut short" in problem.message


def test_mismatched_tag_is_reported_with_its_line(tmp_path):
    broken = record_xml("X2").replace("</lido:appellationValue>", "</lido:appellation>")
    records, problems = read(write(tmp_path, [record_xml("X1"), broken, record_xml("X3")]))
    assert [r.identifier for r in records] == ["X1"]
    assert [(p.code, p.line) for p in problems] == [("malformed-xml", 4)]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02\xff\xfe binary garbage \x89PNG", "not readable as XML"),
        (
            b'<lidoWrap xmlns="http://www.lido-schema.org/v2"><lido/></lidoWrap>',
            "http://www.lido-schema.org",
        ),
        (b"<html><body><p>hello</p></body></html>", "lido:lidoWrap"),
    ],
    ids=["empty", "binary", "wrong-namespace", "not-lido"],
)
def test_unreadable_files_name_the_file_and_what_was_expected(tmp_path, content, expected):
    path = tmp_path / "input.xml"
    path.write_bytes(content)
    with pytest.raises(UnreadableInput) as caught:
        read(path)
    assert not isinstance(caught.value, UnsafeInput)
    assert str(path) in str(caught.value) and expected in str(caught.value)


HOSTILE = {
    "xxe": '<!DOCTYPE lido [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    "billion-laughs": '<!DOCTYPE lido [<!ENTITY a0 "ha">'
    + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    + "]>",
    "external-dtd": '<!DOCTYPE lido SYSTEM "http://127.0.0.1:9/evil.dtd">',
    "parameter-entity": '<!DOCTYPE lido [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_doctypes_are_refused_unexpanded(tmp_path, name):
    title = "&xxe;" if name == "xxe" else ("&a9;" if name == "billion-laughs" else "Safe")
    path = write(tmp_path, [record_xml(title=title)], head=HOSTILE[name])
    started = time.perf_counter()
    with pytest.raises(UnsafeInput) as caught:
        read(path)
    assert time.perf_counter() - started < 2
    assert str(path) in str(caught.value) and "DOCTYPE" in str(caught.value)
    # The declaration as the file wrote it (lxml would name the root element instead).
    assert "(<!DOCTYPE lido" in str(caught.value) and "lidoWrap" not in str(caught.value)
    assert "root:" not in str(caught.value)
    assert LidoImporter().sniff(path)  # it is LIDO; read() is what refuses it


def test_undeclared_entity_in_a_title_is_reported_not_dropped(tmp_path):
    records, problems = read(
        write(
            tmp_path,
            [
                record_xml("E1"),
                record_xml("E2", title="Still&nbsp;life &amp; flowers"),
                record_xml("E3", title="Caf&eacute; &nbsp; scene"),
                record_xml("E4"),
            ],
        )
    )
    assert [r.identifier for r in records] == ["E1", "E2", "E3", "E4"]
    assert records[1].title == {"en": ["Still&nbsp;life & flowers"]}
    assert records[2].title == {"en": ["Caf&eacute; &nbsp; scene"]}
    assert "Still&nbsp;life &amp; flowers" in records[1].source
    assert [(p.code, p.severity, p.record, p.line) for p in problems] == [
        ("entity-reference", "warning", "E2", 2),
        ("entity-reference", "warning", "E3", 3),
        ("entity-reference", "warning", "E3", 3),
    ]
    assert "titleSet/appellationValue" in problems[0].message and "&nbsp;" in problems[0].message


def test_entity_nodes_left_in_a_tree_are_inlined_and_reported():
    record = etree.fromstring(record_xml("N1").replace("<lido:lido>", f"<lido:lido {NS}>"))
    value = record.find(".//{http://www.lido-schema.org}appellationValue")
    value.text = "Pre "
    value.append(etree.Entity("foo"))
    value[-1].tail = " post"
    [problem, mapped] = list(_record(record, 1, "1.0", "none"))
    assert (problem.code, problem.record) == ("entity-reference", "N1")
    assert mapped.title == {"en": ["Pre &foo; post"]}


def test_entity_escaping_reader_handles_references_cut_between_reads():
    data = b"<a>x &nbsp; y &nbsp;</a>" * 50
    reader = EntityEscapingReader(io.BytesIO(data), {"nbsp"})
    out = b"".join(iter(lambda: reader.read(7), b""))
    assert out == data.replace(b"&nbsp;", b"&#xFDD0;nbsp;")


def _blocks(*blocks: tuple[str, str, str]) -> str:
    """A record repeating its descriptive block per language: (lang, title, work types)."""
    return (
        "<lido:lido><lido:lidoRecID>T1</lido:lidoRecID>"
        + "".join(
            f"<lido:descriptiveMetadata xml:lang='{lang}'><lido:objectClassificationWrap>"
            f"<lido:objectWorkTypeWrap>{types}</lido:objectWorkTypeWrap>"
            "</lido:objectClassificationWrap><lido:objectIdentificationWrap><lido:titleWrap>"
            f"<lido:titleSet><lido:appellationValue>{title}</lido:appellationValue>"
            "</lido:titleSet></lido:titleWrap></lido:objectIdentificationWrap>"
            "</lido:descriptiveMetadata>"
            for lang, title, types in blocks
        )
        + "</lido:lido>"
    )


AAT_PHOTOGRAPH = "http://vocab.getty.edu/aat/300046300"


def test_a_work_type_named_in_each_language_block_is_one_concept(tmp_path):
    typed = (
        "<lido:objectWorkType><lido:conceptID lido:type='local'>4711</lido:conceptID>"
        f"<lido:conceptID>{AAT_PHOTOGRAPH}</lido:conceptID><lido:term>{{}}</lido:term>"
        "</lido:objectWorkType>"
    )
    untyped = "<lido:objectWorkType><lido:term>{}</lido:term></lido:objectWorkType>"
    xml = _blocks(
        ("de", "Hafen", typed.format("Fotografie") + untyped.format("Abzug")),
        ("en", "Harbour", typed.format("photograph") + untyped.format("print")),
    )
    [record], _ = read(write(tmp_path, [xml]))
    assert record.object_type == {"de": ["Fotografie", "Abzug"], "en": ["photograph", "print"]}
    # The URI joins the first type's terms; the second pairs by its place in the blocks.
    assert record.object_type_concepts == [
        {
            "key": AAT_PHOTOGRAPH,
            "id": AAT_PHOTOGRAPH,
            "label": {"de": ["Fotografie"], "en": ["photograph"]},
        },
        {"key": "Abzug | print", "id": None, "label": {"de": ["Abzug"], "en": ["print"]}},
    ]


def test_terms_of_one_work_type_in_several_languages_are_one_concept(tmp_path):
    types = (
        "<lido:objectWorkType><lido:term xml:lang='de'>Fotografie</lido:term>"
        "<lido:term xml:lang='en'>photograph</lido:term>"
        "<lido:term lido:addedSearchTerm='yes'>Lichtbild</lido:term></lido:objectWorkType>"
        "<lido:objectWorkType><skos:Concept xmlns:skos='http://www.w3.org/2004/02/skos/core#' "
        "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
        "rdf:about='http://vocab.getty.edu/aat/300027221'>"
        "<skos:prefLabel xml:lang='en'>poster</skos:prefLabel>"
        "<skos:prefLabel xml:lang='de'>Plakat</skos:prefLabel></skos:Concept>"
        "</lido:objectWorkType>"
    )
    [record], _ = read(write(tmp_path, [_blocks(("en", "Quay", types))]))
    assert [(c["key"], c["label"]) for c in record.object_type_concepts] == [
        ("Fotografie | photograph", {"de": ["Fotografie"], "en": ["photograph"]}),
        ("http://vocab.getty.edu/aat/300027221", {"en": ["poster"], "de": ["Plakat"]}),
    ]
