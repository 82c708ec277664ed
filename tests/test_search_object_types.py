"""Object type facets count concepts, not words: "Fotografie" and "photograph"
of one object are one value, named in the reader's language; filtering by it
finds exactly the objects counted. Objects and facet rows stored before
concepts keep working."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text, update

from glampub.importing.run import ImportOptions, run_import
from glampub.institutions.registry import add_institution
from glampub.models import ChangeEvent, CollectionObject
from glampub.search import query as search
from glampub.search import summaries as search_summaries
from glampub.search.index import ensure_search_index
from glampub.search.query import SearchQuery
from tests.conftest import database

AAT_PHOTOGRAPH = "http://vocab.getty.edu/aat/300046300"
NS = 'xmlns:lido="http://www.lido-schema.org"'


def _record(rec_id: str, blocks: list[tuple[str, str, str]]) -> str:
    return (
        f"<lido:lido><lido:lidoRecID>{rec_id}</lido:lidoRecID>"
        + "".join(
            f"<lido:descriptiveMetadata xml:lang='{lang}'><lido:objectClassificationWrap>"
            f"<lido:objectWorkTypeWrap>{types}</lido:objectWorkTypeWrap>"
            "</lido:objectClassificationWrap><lido:objectIdentificationWrap><lido:titleWrap>"
            f"<lido:titleSet><lido:appellationValue>{title}</lido:appellationValue>"
            "</lido:titleSet></lido:titleWrap></lido:objectIdentificationWrap>"
            "</lido:descriptiveMetadata>"
            for lang, title, types in blocks
        )
        + "<lido:administrativeMetadata xml:lang='en'><lido:rightsWorkWrap><lido:rightsWorkSet>"
        "<lido:rightsType><lido:conceptID>http://creativecommons.org/publicdomain/mark/1.0/"
        "</lido:conceptID></lido:rightsType></lido:rightsWorkSet></lido:rightsWorkWrap>"
        "</lido:administrativeMetadata></lido:lido>"
    )


def _photograph(term: str) -> str:
    return (
        f"<lido:objectWorkType><lido:conceptID>{AAT_PHOTOGRAPH}</lido:conceptID>"
        f"<lido:term>{term}</lido:term></lido:objectWorkType>"
    )


PRINT = (
    "<lido:objectWorkType><lido:term xml:lang='de'>Druck</lido:term>"
    "<lido:term xml:lang='en'>print</lido:term></lido:objectWorkType>"
)
POSTER = "<lido:objectWorkType><lido:term>poster</lido:term></lido:objectWorkType>"
LIDO_RECORDS = [
    # One photograph named in a German and an English block, another in German only.
    _record(
        "P1",
        [("de", "Hafen", _photograph("Fotografie")), ("en", "Harbour", _photograph("photograph"))],
    ),
    _record("P2", [("de", "Kai", _photograph("Fotografie"))]),
    # No concept URI: the terms the record gives for one type make the concept.
    _record("P3", [("en", "Regatta", PRINT + POSTER)]),
]
# A CSV with a column per language names the same print.
CSV = "identifier,title,object_type,object_type@de,rights\nC1,Ferry,print,Druck,CC0 1.0\n"


@pytest.fixture
def museum(app: Flask, tmp_path: Path) -> Flask:
    data = Path(app.config["DATA_DIR"])
    with database(app).transaction() as session:
        add_institution(session, "harbour", "Harbour Museum", data)
    lido = tmp_path / "export.xml"
    lido.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<lido:lidoWrap {NS}>'
        + "".join(LIDO_RECORDS)
        + "</lido:lidoWrap>\n",
        "utf-8",
    )
    csv = tmp_path / "export.csv"
    csv.write_text(CSV, "utf-8")
    for export in (lido, csv):
        report = run_import(database(app), data, ImportOptions(institution="harbour", path=export))
        assert report.rejected == 0
    return app


def _type_facet(client: FlaskClient, url: str, language: str = "en") -> list[tuple[str, str, int]]:
    html = client.get(url, headers={"Accept-Language": language}).get_data(as_text=True)
    section = html[html.index('id="facet-object_type"') :]
    section = section[: section.index("</section>")]
    return [
        (href, name.strip(), int(count))
        for href, name, count in re.findall(
            r'<a (?:class="chosen" )?href="([^"]+)">([^<]+)<span class="count">\((\d+)\)</span>',
            section,
        )
    ]


def _count(client: FlaskClient, url: str) -> int:
    html = client.get(url).get_data(as_text=True)
    return int(re.search(r'<p class="result-count" role="status">(\d+) results?', html).group(1))


def test_one_facet_value_per_concept_in_the_readers_language(museum: Flask) -> None:
    client = museum.test_client()
    english = _type_facet(client, "/search")
    # The most objects first, then by key.
    assert [(name, count) for _, name, count in english] == [
        ("print", 2),
        ("photograph", 2),
        ("poster", 1),
    ]
    german = _type_facet(client, "/search", "de-DE,de;q=0.9")
    assert [(name, count) for _, name, count in german] == [
        ("Druck", 2),
        ("Fotografie", 2),
        ("poster", 1),  # named in no German: English
    ]
    assert [href for href, _, _ in english] == [
        "/search?type=Druck+%7C+print",
        f"/search?type={quote(AAT_PHOTOGRAPH, safe='/:')}",
        "/search?type=poster",
    ]
    # Filtering by a value finds exactly the objects it counted, across formats.
    for href, _, count in english:
        assert _count(client, href) == count
    chosen = client.get(english[0][0], headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert re.search(r'class="chosen">\s*Druck <span class="count">\(2\)</span>', chosen)


def test_objects_stored_before_concepts_keep_their_facets(museum: Flask) -> None:
    # A row as an earlier version stored it: a plain language map.
    with database(museum).transaction() as session:
        session.execute(
            update(CollectionObject)
            .where(CollectionObject.identifier == "P3")
            .values(object_type={"en": ["etching"], "fr": ["gravure"]})
        )
        obj = session.scalar(select(CollectionObject).where(CollectionObject.identifier == "P3"))
        session.add(
            ChangeEvent(
                institution_id=obj.institution_id, object_id=obj.id, kind="Update", revision=2
            )
        )
    client = museum.test_client()
    facet = [(name, count) for _, name, count in _type_facet(client, "/search")]
    assert facet == [("photograph", 2), ("print", 1), ("etching", 1), ("gravure", 1)]
    assert _count(client, "/search?type=gravure") == 1
    page = client.get("/objects/harbour/P3").get_data(as_text=True)
    assert "<dt>Object type</dt><dd>etching</dd>" in page


def test_a_database_with_the_former_facet_triggers_gets_concept_keys(museum: Flask) -> None:
    engine = database(museum).engine
    with engine.begin() as conn:
        # As the former version left it: its own trigger, one facet row per term.
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER object_facet_insert"))
            conn.execute(
                text(
                    "CREATE TRIGGER object_facet_insert AFTER INSERT ON collection_object BEGIN "
                    "INSERT INTO object_facet (object_id, kind, value) SELECT new.id, "
                    "'object_type', t.value FROM json_tree(new.object_type) AS t "
                    "WHERE t.type = 'text'; END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE OR REPLACE FUNCTION glampub_object_facets() RETURNS trigger AS $$ "
                    "BEGIN RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
        conn.execute(text("DELETE FROM object_facet WHERE kind = 'object_type'"))
        conn.execute(
            text(
                "INSERT INTO object_facet (object_id, kind, value) "
                "SELECT id, 'object_type', 'Fotografie' FROM collection_object"
            )
        )
    ensure_search_index(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT o.identifier, f.value FROM object_facet AS f JOIN collection_object AS o "
                "ON o.id = f.object_id WHERE f.kind = 'object_type' ORDER BY 1, 2"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("C1", "Druck | print"),
        ("P1", AAT_PHOTOGRAPH),
        ("P2", AAT_PHOTOGRAPH),
        ("P3", "Druck | print"),
        ("P3", "poster"),
    ]
    # And the triggers now in place write concept keys.
    with database(museum).transaction() as session:
        session.execute(
            update(CollectionObject)
            .where(CollectionObject.identifier == "C1")
            .values(object_type=[{"key": "poster", "id": None, "label": {"en": ["poster"]}}])
        )
    with engine.connect() as conn:
        assert conn.execute(
            text(
                "SELECT f.value FROM object_facet AS f JOIN collection_object AS o "
                "ON o.id = f.object_id WHERE f.kind = 'object_type' AND o.identifier = 'C1'"
            )
        ).scalars().all() == ["poster"]


def test_counts_stored_by_the_former_version_are_counted_again(museum: Flask) -> None:
    # A summary as the former version stored it (per term, no format in its
    # version) for the very data version now current.
    with museum.app_context():
        version = search.data_version(database(museum).session())
    body = {"total": 4, "facets": {"object_type": [["Fotografie", "Fotografie", 9]]}, "years": []}
    search_summaries.store(
        database(museum).engine,
        search_summaries.filters_key(SearchQuery().filters()),
        json.dumps(list(version), default=str),
        json.dumps(body),
    )
    facet = _type_facet(museum.test_client(), "/search")
    assert [(name, count) for _, name, count in facet][:2] == [("print", 2), ("photograph", 2)]
