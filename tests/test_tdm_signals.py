"""Text-and-data-mining signals (issue 22): the W3C TDM Reservation Protocol's
``tdm-reservation`` (and ``tdm-policy``) exactly on what may be in copyright,
over every route of the app that serves an object's content, as headers, as
``<meta>`` elements and as ``/.well-known/tdmrep.json`` rules; the institution
setting that switches it; the mining line beside the rights badge; robots.txt.
All over HTTP.

What "may be in copyright" means is written out here on its own (In Copyright
statements, not evaluated, undetermined, no rights yet), not taken from the
code under test.

Fixture of ours: tests/data/tdm/rights.csv (twelve objects without images,
one per kind of rights).
"""

from __future__ import annotations

import json
import re
import urllib.robotparser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from glampub import create_app
from glampub.cli import main
from glampub.errors import UsageError
from glampub.models import CollectionObject, Institution
from tests.conftest import BASE_URL, database
from tests.demo_template import DemoTemplate
from tests.staff_helpers import csrf_token, login, make_staff

RIGHTS_CSV = Path(__file__).resolve().parent / "data" / "tdm" / "rights.csv"
_MAY_BE_IN_COPYRIGHT = re.compile(
    r"http://rightsstatements\.org/vocab/(InC|InC-[A-Z-]+|CNE|UND)/1\.0/"
)


def may_be_in_copyright(uri: str | None) -> bool:
    return uri is None or bool(_MAY_BE_IN_COPYRIGHT.fullmatch(uri))


#: Routes that serve no single object's content, each with why.
NOT_OBJECT_CONTENT = {
    "public.home": "lists recent objects",
    "public.search_page": "lists objects",
    "public.institution_page": "an institution",
    "public.favicon": "the site's icon",
    "public.viewer_file": "the viewer's files",
    "public.healthz": "a health check",
    "static": "the site's assets",
    "iiif.top_collection": "lists institutions",
    "iiif.institution_collection": "lists manifests",
    "iiif.all_changes": "lists changes",
    "iiif.all_changes_page": "lists changes",
    "iiif.image_base": "a redirect to the info.json, no content",
    "oai.endpoint": "metadata records under the metadata licence",
    "crawlers.robots": "robots.txt",
    "crawlers.tdmrep": "the reservations themselves",
}
#: Whole blueprints that serve no object's content to crawlers.
EXEMPT_BLUEPRINTS = {
    "staff": "signed-in staff only",
    "api": "token holders only",
    "datasets": "the page listing the open-data dumps",
    "dataset_files": "the open-data dumps: metadata under the institution's metadata licence",
}
#: Values for a route's arguments other than the object's and the image's.
IMAGE_REQUEST = {
    "region": "full",
    "size": "48,",
    "rotation": "0",
    "quality": "default",
    "fmt": "jpg",
}


def _demo_site(demo: DemoTemplate, data_dir: Path) -> Flask:
    """The sample collections, with originals of in-copyright items published in
    full (so their downloads answer and can be checked too)."""
    demo.copy_to(data_dir)
    app = create_app({"DATA_DIR": str(data_dir), "TESTING": True, "BASE_URL": BASE_URL})
    with app.app_context(), database(app).transaction() as session:
        for institution in session.scalars(select(Institution)):
            institution.full_images_in_copyright = True
    return app


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_template: DemoTemplate) -> Iterator[Flask]:
    app = _demo_site(demo_template, tmp_path_factory.mktemp("tdm") / "data")
    yield app
    database(app).dispose()


def _objects(app: Flask) -> list[dict[str, Any]]:
    """Each published object with its rights and its served images' rights."""
    with app.app_context():
        rows = database(app).session().scalars(select(CollectionObject)).all()
        return [
            {
                "institution": obj.institution.slug,
                "identifier": obj.identifier,
                "rights": obj.rights_uri,
                "images": [
                    {
                        "position": image.position,
                        "image_id": image.public_id,
                        "ext": Path(image.file_path).suffix.lstrip("."),
                        "rights": image.rights_uri,
                    }
                    for image in obj.images
                    if image.file_path and image.width and image.height
                ],
            }
            for obj in rows
            if not obj.is_withdrawn
        ]


def _requests(app: Flask) -> Iterator[tuple[str, str, bool]]:
    """(endpoint, path, reserved?) for every object-content route and object (a
    manifest only for objects with an image: the others have none)."""
    adapter = app.url_map.bind("glampub.test")
    objects = _objects(app)
    for rule in app.url_map.iter_rules():
        arguments = set(rule.arguments)
        if not arguments & {"identifier", "image_id"} or rule.endpoint in NOT_OBJECT_CONTENT:
            continue
        unknown = arguments - {"institution", "identifier", "position", "image_id", "ext"}
        unknown -= set(IMAGE_REQUEST)
        assert not unknown, f"{rule.rule}: no value known for {unknown}; add one here"
        for obj in objects:
            own = {"institution": obj["institution"], "identifier": obj["identifier"]}
            if arguments & {"position", "image_id"}:
                # An image's answers go by the image's own rights.
                for image in obj["images"]:
                    values = {**own, **image, **IMAGE_REQUEST}
                    values = {k: v for k, v in values.items() if k in arguments}
                    path = adapter.build(rule.endpoint, values)
                    yield rule.endpoint, path, may_be_in_copyright(image["rights"])
            elif obj["images"] or rule.endpoint != "iiif.manifest":
                values = {k: v for k, v in own.items() if k in arguments}
                reserved = may_be_in_copyright(obj["rights"]) or any(
                    may_be_in_copyright(image["rights"]) for image in obj["images"]
                )
                yield rule.endpoint, adapter.build(rule.endpoint, values), reserved


def _tdmrep_matches(rules: list[dict[str, Any]], path: str) -> bool:
    """Whether a rule reserves ``path``, matched as robots.txt patterns are."""
    for rule in rules:
        pattern = rule["location"]
        anchored = pattern.endswith("$")
        regex = ".*".join(map(re.escape, pattern.removesuffix("$").split("*")))
        if re.match(regex + ("$" if anchored else ""), path) and rule["tdm-reservation"] == 1:
            return True
    return False


def test_every_route_is_known_as_serving_an_object_or_not(site: Flask) -> None:
    """A new route must be placed: object content (checked below) or not."""
    for rule in site.url_map.iter_rules():
        if set(rule.arguments) & {"identifier", "image_id"}:
            continue
        if rule.endpoint.split(".")[0] in EXEMPT_BLUEPRINTS:
            continue
        assert rule.endpoint in NOT_OBJECT_CONTENT, (
            f"new route {rule.rule} ({rule.endpoint}): does it serve an object's content? "
            "Then give it the object's TDM headers (glampub.publishing.mining); else list it "
            "in NOT_OBJECT_CONTENT with why"
        )


def test_the_reservation_is_on_exactly_the_in_copyright_items_over_every_route(
    site: Flask,
) -> None:
    client = site.test_client()
    rules = client.get("/.well-known/tdmrep.json").get_json()
    seen: dict[str, set[bool]] = {}
    for endpoint, path, reserved in _requests(site):
        response = client.get(path)
        response.close()  # an image's file is not read: its handle is let go
        assert response.status_code == 200, (path, response.status_code)
        expected = "1" if reserved else None
        assert response.headers.get("tdm-reservation") == expected, path
        assert "tdm-policy" not in response.headers  # no institution gave one
        # The same answer again: from the worker's memory for IIIF documents,
        # and 304 to a conditional request, with the same reservation.
        again = client.get(path)
        again.close()
        assert again.headers.get("tdm-reservation") == expected, f"{path} again"
        if response.headers.get("ETag"):
            revalidated = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
            revalidated.close()
            assert revalidated.status_code == 304, path
            assert revalidated.headers.get("tdm-reservation") == expected, f"{path} (304)"
        if endpoint == "public.object_page":
            page = again.get_data(as_text=True)
            assert ('<meta name="tdm-reservation" content="1">' in page) == reserved, path
        # The well-known file says the same as the headers, path by path.
        assert _tdmrep_matches(rules, path) == reserved, f"{path} in tdmrep.json"
        seen.setdefault(endpoint, set()).add(reserved)
    # Every object route was asked for both kinds of item (the demo has PDM,
    # CC0, CC BY, CC BY-SA and In Copyright and undetermined items with images).
    assert set(seen) == {
        "public.object_page",
        "public.source_record",
        "public.download",
        "iiif.manifest",
        "iiif.record",
        "iiif.image_info",
        "iiif.image",
        "iiif.download",
    }
    assert all(kinds == {True, False} for kinds in seen.values()), seen


def test_pages_that_list_objects_carry_no_reservation(site: Flask) -> None:
    client = site.test_client()
    for path in ("/", "/search", "/iiif/3/collection", "/iiif/discovery/all-changes"):
        response = client.get(path)
        assert response.status_code == 200
        assert "tdm-reservation" not in response.headers, path


@pytest.fixture
def mill(runner, tmp_path: Path) -> Iterator[FlaskClient]:
    """The twelve objects of rights.csv, one per kind of rights, at the Mill Museum,
    through `glampub institution add` and `glampub import`."""
    added = runner.invoke(main, ["institution", "add", "mill", "--name", "Mill Museum"])
    assert added.exit_code == 0, added.output
    imported = runner.invoke(main, ["import", str(RIGHTS_CSV), "--institution", "mill"])
    assert imported.exit_code == 0, imported.output
    app = create_app({"TESTING": True, "BASE_URL": BASE_URL})
    yield app.test_client()
    database(app).dispose()


#: What the line beside the badge says, per object of rights.csv.
MINING_LINES = {
    "reserved": "Text and data mining and AI training: reserved. Mill Museum publishes a "
    "TDM reservation (W3C TDMRep) for this work, which may be in copyright.",
    "statement": "Text and data mining and AI training: no reservation is published; the "
    "conditions of the rights statement apply.",
    "free": "Text and data mining and AI training: free, without conditions, like any other use.",
    "BY": "Text and data mining and AI training: allowed by the licence, on its conditions: "
    "credit the source.",
    "BY-NC-ND": "Text and data mining and AI training: allowed by the licence, on its "
    "conditions: credit the source; non-commercial purposes only; no adapted material shared.",
    "BY-SA": "Text and data mining and AI training: allowed by the licence, on its conditions: "
    "credit the source; adaptations shared under the same licence.",
}
EXPECTED_LINE = {
    "T-InC": "reserved",
    "T-InC-EDU": "reserved",
    "T-CNE": "reserved",
    "T-UND": "reserved",
    "T-NONE": "reserved",
    "T-NKC": "statement",
    "T-NoC-US": "statement",
    "T-PDM": "free",
    "T-CC0": "free",
    "T-BY": "BY",
    "T-BY-NC-ND": "BY-NC-ND",
    "T-BY-SA-DE": "BY-SA",
}


def _mining_line(page: str) -> str:
    match = re.search(r'<p class="mining-line[^"]*">(.*?)</p>', page, re.S)
    assert match, "no mining line on the page"
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())


def test_the_mining_line_states_what_each_kind_of_rights_says(mill: FlaskClient) -> None:
    for identifier, kind in EXPECTED_LINE.items():
        page = mill.get(f"/objects/mill/{identifier}")
        assert page.status_code == 200
        assert _mining_line(page.get_data(as_text=True)) == MINING_LINES[kind], identifier
        reserved = kind == "reserved"
        for path in (f"/objects/mill/{identifier}", f"/objects/mill/{identifier}/source"):
            assert mill.get(path).headers.get("tdm-reservation") == ("1" if reserved else None)
        record = mill.get(f"/iiif/3/mill/{identifier}/record")
        assert record.headers.get("tdm-reservation") == ("1" if reserved else None)


def _settings(client: FlaskClient, slug: str, **fields: str) -> Any:
    page = client.get(f"/staff/{slug}/settings").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "name": "Kestrel Museum", "copyright_term": "70"}
    data["metadata_licence"] = "none"
    return client.post(f"/staff/{slug}/settings", data={**data, **fields})


def test_the_institution_setting_turns_the_reservation_off_and_names_a_policy(
    tmp_path: Path, demo_template: DemoTemplate
) -> None:
    app = _demo_site(demo_template, tmp_path / "data")
    try:
        reader = app.test_client()
        with app.app_context():
            obj = (
                database(app)
                .session()
                .scalars(
                    select(CollectionObject).where(
                        CollectionObject.rights_uri == "http://rightsstatements.org/vocab/InC/1.0/"
                    )
                )
                .first()
            )
            assert obj is not None and obj.images
            slug, identifier, image_id = (
                obj.institution.slug,
                obj.identifier,
                obj.images[0].public_id,
            )
        paths = [
            f"/objects/{slug}/{identifier}",
            f"/iiif/3/{slug}/{identifier}/manifest",
            f"/iiif/3/{slug}/{identifier}/record",
            f"/iiif/image/3/{image_id}/info.json",
            f"/iiif/image/3/{image_id}/full/48,/0/default.jpg",
        ]
        for path in paths:  # served once before: the worker remembers the IIIF answers
            assert reader.get(path).headers.get("tdm-reservation") == "1"

        staff = app.test_client()
        make_staff(app, slug, "registrar@kestrel.example")
        login(staff, "registrar@kestrel.example")
        settings_page = staff.get(f"/staff/{slug}/settings").get_data(as_text=True)
        assert re.search(r'<input[^>]* checked id="tdm_reservation"', settings_page)

        policy = "https://kestrel-museum.example/tdm-policy.json"
        assert _settings(staff, slug, tdm_reservation="y", tdm_policy=policy).status_code == 302
        for path in paths:
            answer = reader.get(path)
            assert answer.headers.get("tdm-reservation") == "1", path
            assert answer.headers.get("tdm-policy") == policy, path
        page = reader.get(paths[0]).get_data(as_text=True)
        assert f'<meta name="tdm-policy" content="{policy}">' in page
        assert f'<a href="{policy}" rel="external">Its mining policy</a>' in page
        rules = reader.get("/.well-known/tdmrep.json").get_json()
        mine = [rule for rule in rules if f"/{slug}/" in rule["location"]]
        assert mine and all(rule["tdm-policy"] == policy for rule in mine)

        # Off: nothing anywhere, and the page says the work may be in copyright.
        assert _settings(staff, slug, tdm_policy=policy).status_code == 302
        for path in paths:
            answer = reader.get(path)
            assert "tdm-reservation" not in answer.headers, path
            assert "tdm-policy" not in answer.headers, path
        page = reader.get(paths[0]).get_data(as_text=True)
        assert "tdm-reservation" not in page
        assert _mining_line(page) == (
            "Text and data mining and AI training: this work may be in copyright; "
            "ask Kestrel Museum."
        )
        rules = reader.get("/.well-known/tdmrep.json").get_json()
        assert not [rule for rule in rules if f"/{slug}/" in rule["location"]]
        assert rules, "the other institution still reserves its in-copyright items"

        for wrong in ("javascript:alert(1)", "https://example.org/a policy", "ftp://x.example/"):
            refused = _settings(staff, slug, tdm_reservation="y", tdm_policy=wrong)
            assert refused.status_code == 400, wrong
            assert "TDM policy" in refused.get_data(as_text=True)
    finally:
        database(app).dispose()


def test_the_staff_page_says_how_many_objects_are_not_offered_as_edm_and_why(
    mill: FlaskClient, tmp_path: Path
) -> None:
    app = mill.application
    make_staff(app, "mill", "registrar@mill.example")
    login(mill, "registrar@mill.example")
    page = " ".join(
        re.sub(r"<[^>]+>", " ", mill.get("/staff/mill/").get_data(as_text=True)).split()
    )
    assert "5 published objects are not offered to Europeana (edm):" in page
    assert "1 because their rights are not determined yet" in page
    assert (
        "3 because their rights are a statement Europeana does not take (Copyright "
        "Undetermined, No Copyright - United States, No Known Copyright)"
    ) in page
    assert (
        "1 because their rights are a national version of a Creative Commons licence "
        "(CC BY-SA 3.0 DE); Europeana takes the international versions"
    ) in page
    # The count is what a harvester is offered: 12 records, 7 of them as edm.
    listed = mill.get("/oai?verb=ListIdentifiers&metadataPrefix=edm&set=mill").get_data(
        as_text=True
    )
    assert listed.count("<header>") + listed.count("<header ") == 7
    everything = mill.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&set=mill")
    assert everything.get_data(as_text=True).count("<identifier>") == 12


def _robots(client: FlaskClient) -> urllib.robotparser.RobotFileParser:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(response.get_data(as_text=True).splitlines())
    return parser


def test_robots_txt_welcomes_ai_crawlers_by_default_and_lists_the_data(client) -> None:
    text = client.get("/robots.txt").get_data(as_text=True)
    assert f"{BASE_URL}/datasets/" in text and f"{BASE_URL}/oai" in text
    assert f"{BASE_URL}/.well-known/tdmrep.json" in text
    parser = _robots(client)
    for agent in ("GPTBot", "CCBot", "Googlebot", "*"):
        assert parser.can_fetch(agent, f"{BASE_URL}/objects/kestrel-museum/KM%201901%2F3")
        assert parser.can_fetch(agent, f"{BASE_URL}/iiif/3/collection")
        assert not parser.can_fetch(agent, f"{BASE_URL}/staff/kestrel-museum/")
        assert not parser.can_fetch(agent, f"{BASE_URL}/api/v1/institutions")


@pytest.mark.parametrize(
    ("setting", "kept_out", "let_in"),
    [
        ("disallow", ["GPTBot", "CCBot", "ClaudeBot", "Google-Extended"], ["Googlebot", "Bingbot"]),
        (" FooBot , BarBot ", ["FooBot", "BarBot"], ["GPTBot", "Googlebot"]),
        ("allow", [], ["GPTBot", "CCBot"]),
    ],
)
def test_glampub_robots_ai_keeps_the_crawlers_it_names_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str, kept_out, let_in
) -> None:
    monkeypatch.setenv("GLAMPUB_ROBOTS_AI", setting)
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True, "BASE_URL": BASE_URL})
    try:
        parser = _robots(app.test_client())
        page = f"{BASE_URL}/objects/kestrel-museum/KM%201901%2F3"
        for agent in kept_out:
            assert not parser.can_fetch(agent, page), agent
        for agent in let_in:
            assert parser.can_fetch(agent, page), agent
    finally:
        database(app).dispose()


def test_a_wrong_glampub_robots_ai_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLAMPUB_ROBOTS_AI", "GPTBot\nDisallow: /")
    with pytest.raises(UsageError, match="GLAMPUB_ROBOTS_AI"):
        create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True})


def test_the_static_export_carries_the_reservation_as_meta_elements_and_path_rules(
    mill: FlaskClient, runner, tmp_path: Path
) -> None:
    """A static server sends no headers of ours: the export's pages say it in
    <meta>, and its /.well-known/tdmrep.json lists the reserved paths."""
    out = tmp_path / "site"
    base = "https://cdn.example/museum"
    exported = runner.invoke(main, ["export-static", str(out), "--base-url", base])
    assert exported.exit_code == 0, exported.output
    rules = json.loads((out / ".well-known" / "tdmrep.json").read_text("utf-8"))
    for identifier, kind in EXPECTED_LINE.items():
        reserved = kind == "reserved"
        page_file = out / "objects" / "mill" / identifier / "index.html"
        page = page_file.read_text("utf-8")
        assert ('<meta name="tdm-reservation" content="1">' in page) == reserved, identifier
        # The URL a browser asks for, as the export's links write it.
        for path in (
            f"/museum/objects/mill/{identifier}/index.html",
            f"/museum/iiif/3/mill/{identifier}/record.json",
        ):
            assert _tdmrep_matches(rules, path) == reserved, path
        assert (out / "iiif" / "3" / "mill" / identifier / "record.json").is_file()
