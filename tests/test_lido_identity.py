"""Which element identifies a LIDO record: profiles, --identifier, a placeholder
refused with advice, and elements LIDO does not define reported, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from glampub.cli import main
from importers.lido.elements import LIDO_ELEMENT_NAMES
from importers.lido.identity import EARLY_RECORDS

DATA = Path(__file__).parent / "data"
PLACEHOLDERS = DATA / "lido-identity" / "placeholder-record-ids.xml"
MISSPELLED = DATA / "lido-identity" / "misspelled-elements.xml"
PROFILE = DATA / "profiles" / "lido-inventory-numbers.toml"
XSDS = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "lido"
NS = 'xmlns:lido="http://www.lido-schema.org"'


def _import(runner, path: Path, *extra: str) -> tuple[int, dict, str]:
    added = runner.invoke(main, ["institution", "add", "m", "--name", "M"])
    assert added.exit_code == 0, added.output
    result = runner.invoke(main, ["import", str(path), "--institution", "m", "--json", *extra])
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_a_placeholder_in_every_lidorecid_is_refused_naming_the_unique_element(runner) -> None:
    code, report, stderr = _import(runner, PLACEHOLDERS)
    assert code == 2
    message = report["error"]["message"]
    assert report["file"] == str(PLACEHOLDERS)
    assert report["error"]["code"] == "unreadable-file"
    assert "lidoRecID is '/Museu:000000' in every record of the file" in message
    assert "recordID is unique in all of them" in message
    assert "use --identifier recordID" in message
    assert message in " ".join(stderr.split())
    assert report["created"] == 0


def test_identifier_recordid_imports_each_record_under_its_recordid(runner) -> None:
    code, report, _ = _import(runner, PLACEHOLDERS, "--identifier", "recordID")
    assert (code, report["created"], report["rejected"]) == (0, 4, 0)
    again = runner.invoke(
        main,
        ["import", str(PLACEHOLDERS), "--institution", "m", "--json", "--identifier", "recordID"],
    )
    assert json.loads(again.stdout)["unchanged"] == 4
    shown = runner.invoke(main, ["import", str(PLACEHOLDERS), "--institution", "m"])
    # Without the option the file is refused again, and nothing published is lost.
    assert shown.exit_code == 2
    listed = runner.invoke(
        main,
        ["import", str(PLACEHOLDERS), "--institution", "m", "--json", "--identifier", "recordID"],
    )
    assert json.loads(listed.stdout)["unchanged"] == 4


def test_the_identifier_becomes_the_record_url(runner, tmp_path) -> None:
    _import(runner, PLACEHOLDERS, "--identifier", "workID")
    from glampub.app import create_app

    app = create_app()
    client = app.test_client()
    record = client.get("/iiif/3/m/INV%20101/record")
    assert record.status_code == 200
    body = record.get_json()
    assert (body["identifier"], body["homepage"]) == (
        "INV 101",
        "http://localhost/objects/m/INV%20101",
    )
    assert body["title"] == {"none": ["Harbour at dusk"]}  # no language named anywhere
    assert client.get("/objects/m/INV%20101").status_code == 200
    assert client.get("/iiif/3/m/ME-5001/record").status_code == 404


def test_a_profile_names_the_identifier_with_its_type_and_adds_constants(runner) -> None:
    code, report, _ = _import(runner, PLACEHOLDERS, "--profile", str(PROFILE))
    assert (code, report["created"]) == (0, 4)
    from glampub.app import create_app

    client = create_app().test_client()
    record = client.get("/iiif/3/m/INV%20104/record")
    assert record.status_code == 200, record.get_data(as_text=True)
    body = record.get_json()
    assert body["credit_line"] == "Museu Exemplar, Lisboa"
    assert body["title"] == {"pt": ["Winter landscape"]}  # the profile's language
    assert body["rights"]["uri"] == "http://creativecommons.org/publicdomain/mark/1.0/"


def test_a_profile_with_a_wrong_element_is_refused_with_the_key(runner, tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('identifier = "inventoryNumber"\n', "utf-8")
    code, report, stderr = _import(runner, PLACEHOLDERS, "--profile", str(bad))
    assert code == 2
    assert "identifier.element 'inventoryNumber' is not one of lidoRecID" in stderr


def test_a_csv_profile_name_is_no_lido_profile(runner) -> None:
    code, _, stderr = _import(runner, PLACEHOLDERS, "--profile", "met")
    assert code == 2
    assert "met: no such LIDO profile file" in stderr


def test_identifier_is_refused_for_csv(runner, tmp_path) -> None:
    export = tmp_path / "objects.csv"
    export.write_text("identifier,title\n1,Jug\n", "utf-8")
    code, report, stderr = _import(runner, export, "--identifier", "recordID")
    assert code == 2
    assert "the csv format takes no --identifier" in stderr


def test_duplicates_under_half_are_rejected_with_the_alternatives(runner, tmp_path) -> None:
    records = []
    for number in range(1, 5):
        rec_id = "SAME" if number in (2, 3) else f"R{number}"
        records.append(
            f"<lido:lido><lido:lidoRecID>{rec_id}</lido:lidoRecID><lido:descriptiveMetadata>"
            "<lido:objectIdentificationWrap><lido:titleWrap><lido:titleSet><lido:appellationValue>"
            f"T{number}</lido:appellationValue></lido:titleSet></lido:titleWrap>"
            "</lido:objectIdentificationWrap></lido:descriptiveMetadata><lido:administrativeMetadata>"
            f"<lido:recordWrap><lido:recordID>REC-{number}</lido:recordID></lido:recordWrap>"
            "</lido:administrativeMetadata></lido:lido>"
        )
    export = tmp_path / "some-repeats.xml"
    export.write_text(f"<lido:lidoWrap {NS}>{''.join(records)}</lido:lidoWrap>", "utf-8")
    code, report, _ = _import(runner, export)
    assert (code, report["created"], report["rejected"]) == (3, 3, 1)
    [duplicate] = [p for p in report["problems"] if p["code"] == "duplicate-identifier"]
    assert "'SAME' was already used by record 2" in duplicate["message"]
    assert "Of the 3 records read so far, recordID is unique in all of them" in duplicate["message"]
    assert duplicate["message"].endswith("use --identifier recordID.")


def test_a_long_file_of_placeholders_stops_after_the_first_records(runner, tmp_path) -> None:
    record = (
        "<lido:lido><lido:lidoRecID>0</lido:lidoRecID><lido:descriptiveMetadata>"
        "<lido:objectIdentificationWrap><lido:titleWrap><lido:titleSet><lido:appellationValue>T"
        "</lido:appellationValue></lido:titleSet></lido:titleWrap>"
        "</lido:objectIdentificationWrap></lido:descriptiveMetadata></lido:lido>"
    )
    # Well formed up to far past the first records, then broken: never read that far.
    export = tmp_path / "placeholders.xml"
    export.write_text(f"<lido:lidoWrap {NS}>" + record * (EARLY_RECORDS + 50) + "<broken", "utf-8")
    code, report, _ = _import(runner, export)
    assert code == 2
    message = report["error"]["message"]
    assert f"lidoRecID is '0' in every record of the first {EARLY_RECORDS} read" in message
    assert "No element identifies every record on its own" in message


def test_elements_lido_does_not_define_are_reported_once_with_a_count(runner) -> None:
    code, report, _ = _import(runner, MISSPELLED)
    assert (code, report["created"]) == (0, 3)
    unknown = {
        p["message"].split()[0]: p for p in report["problems"] if p["code"] == "unknown-element"
    }
    assert set(unknown) == {"lido:workId", "lido:inscriptionTranscript"}
    assert "in 3 records, first in record 1 (line 5)" in unknown["lido:workId"]["message"]
    assert unknown["lido:inscriptionTranscript"]["line"] == 2
    assert "in 1 record, first in record 2" in unknown["lido:inscriptionTranscript"]["message"]


@pytest.mark.needs_shared
def test_the_element_list_is_the_names_the_lido_schemas_define() -> None:
    xs = "{http://www.w3.org/2001/XMLSchema}element"
    defined = set()
    for version in ("1.0", "1.1"):
        schema = etree.parse(str(XSDS / f"lido-v{version}.xsd"))
        defined |= {node.get("name") for node in schema.iter(xs) if node.get("name")}
    assert defined == LIDO_ELEMENT_NAMES


def _unknown_reported(path: Path) -> dict[str, str]:
    from glampub.errors import Problem
    from importers.lido.importer import LidoImporter

    return {
        item.message.split()[0]: item.message
        for item in LidoImporter().read(path)
        if isinstance(item, Problem) and item.code == "unknown-element"
    }


def test_namespaces_declared_inside_a_record_decide_what_is_lido(tmp_path) -> None:
    lido_ns = "http://www.lido-schema.org"
    title = (
        "<lido:descriptiveMetadata><lido:objectIdentificationWrap><lido:titleWrap>"
        "<lido:titleSet><lido:appellationValue>T</lido:appellationValue></lido:titleSet>"
        "</lido:titleWrap></lido:objectIdentificationWrap></lido:descriptiveMetadata>"
    )
    records = [
        # Declared on the record itself (as OAI-PMH responses do): read from its text.
        f'<lido:lido xmlns:lido="{lido_ns}"><lido:lidoRecID>1</lido:lidoRecID>{title}'
        "<lido:workId>A</lido:workId></lido:lido>",
        # Another prefix bound to LIDO further down: still a LIDO element.
        f"<lido:lido><lido:lidoRecID>2</lido:lidoRecID>{title}"
        f'<other:note xmlns:other="{lido_ns}">B</other:note></lido:lido>',
        # The lido prefix rebound to another namespace: not a LIDO element.
        f"<lido:lido><lido:lidoRecID>3</lido:lidoRecID>{title}"
        '<lido:remark xmlns:lido="urn:elsewhere">C</lido:remark></lido:lido>',
        f"<lido:lido><lido:lidoRecID>4</lido:lidoRecID>{title}"
        "<lido:workId>D</lido:workId></lido:lido>",
    ]
    export = tmp_path / "namespaces.xml"
    export.write_text(f"<lido:lidoWrap {NS}>" + "".join(records) + "</lido:lidoWrap>", "utf-8")
    unknown = _unknown_reported(export)
    assert set(unknown) == {"lido:workId", "lido:note"}
    assert "in 2 records, first in record 1" in unknown["lido:workId"]
    assert "in 1 record, first in record 2" in unknown["lido:note"]
