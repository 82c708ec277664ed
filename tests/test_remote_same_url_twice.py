"""A record that names the same image URL twice, in CSV and in LIDO, through the CLI:
the URL is one image (as the harvest has always made it: each URL of an object
is resolved once), whether fetched or still pending, and a re-import without
fetching keeps exactly that: the counts of image rows, of the record JSON's
image references and of the manifest's canvases do not grow, and the record is
reported unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from glampub import create_app
from glampub.cli import main
from glampub.models import CollectionObject, Image
from tests.conftest import BASE_URL, database
from tests.image_server import image_server, jpeg_bytes

NS = 'xmlns:lido="http://www.lido-schema.org"'
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"


def _csv(folder: Path, url: str) -> Path:
    export = folder / "twice.csv"
    export.write_text(f"identifier,title,rights,images\ntwice,Twice,CC0,{url}|{url}\n", "utf-8")
    return export


def _lido(folder: Path, url: str) -> Path:
    resource = (
        "<lido:resourceSet><lido:resourceRepresentation lido:type='image_master'>"
        f"<lido:linkResource>{url}</lido:linkResource></lido:resourceRepresentation>"
        f"<lido:rightsResource><lido:rightsType><lido:conceptID>{CC0}</lido:conceptID>"
        "</lido:rightsType></lido:rightsResource></lido:resourceSet>"
    )
    export = folder / "twice.xml"
    export.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<lido:lidoWrap {NS}><lido:lido>'
        "<lido:lidoRecID lido:type='local'>twice</lido:lidoRecID>"
        "<lido:descriptiveMetadata xml:lang='en'><lido:objectIdentificationWrap>"
        "<lido:titleWrap><lido:titleSet><lido:appellationValue>Twice</lido:appellationValue>"
        "</lido:titleSet></lido:titleWrap></lido:objectIdentificationWrap>"
        "</lido:descriptiveMetadata><lido:administrativeMetadata xml:lang='en'>"
        f"<lido:resourceWrap>{resource}{resource}</lido:resourceWrap>"
        "</lido:administrativeMetadata></lido:lido></lido:lidoWrap>\n",
        "utf-8",
    )
    return export


def _published(runner) -> tuple[int, list[dict], dict]:  # type: ignore[no-untyped-def]
    """The record's image rows, its record JSON's references, and its manifest answer."""
    app = create_app({"TESTING": True, "BASE_URL": BASE_URL})
    try:
        with database(app).transaction() as session:
            rows = session.scalar(
                select(func.count(Image.id))
                .join(Image.object)
                .where(CollectionObject.identifier == "twice")
            )
        client = app.test_client()
        record = client.get("/iiif/3/tm/twice/record").get_json()
        manifest = client.get("/iiif/3/tm/twice/manifest")
        return rows, record["image_references"], manifest.get_json(silent=True) or {}
    finally:
        database(app).dispose()


@pytest.mark.parametrize("write", [_csv, _lido], ids=["csv", "lido"])
@pytest.mark.parametrize("fetch_first", [False, True], ids=["pending", "fetched"])
def test_the_same_url_twice_in_a_record_is_one_image_on_every_import(
    runner, tmp_path, write, fetch_first
) -> None:  # type: ignore[no-untyped-def]
    with image_server() as server:
        server.answers["/same.jpg"] = (200, "image/jpeg", jpeg_bytes(120, 90))
        url = server.url("/same.jpg")
        export = write(tmp_path, url)
        runner.invoke(main, ["institution", "add", "tm", "--name", "T"])
        seen = []
        for number in range(3):
            options = ["--fetch-images"] if fetch_first and number == 0 else []
            done = runner.invoke(
                main, ["import", str(export), "--institution", "tm", "--json", *options]
            )
            assert done.exit_code in (0, 1), done.output
            report = json.loads(done.stdout)
            if number:
                assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 1)
            else:
                assert report["created"] == 1
            seen.append(_published(runner))
    rows, references, manifest = seen[0]
    # The first import: one image for the URL named twice.
    assert rows == 1
    assert [(r["position"], r["url"]) for r in references] == [(1, url)]
    canvases = len(manifest.get("items", ()))
    assert canvases == (1 if fetch_first else 0)
    # Fetched once, not once per naming.
    assert server.requests.count("/same.jpg") == (1 if fetch_first else 0)
    for again in seen[1:]:
        assert again[0] == rows
        assert again[1] == references
        assert len(again[2].get("items", ())) == canvases
