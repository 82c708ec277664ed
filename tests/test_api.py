"""The JSON API under /api/v1: tokens, the upload-preview-publish cycle, isolation,
and schemathesis against its own OpenAPI description (no 5xx, whatever is sent)."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import select, text

from glampub.models import CollectionObject
from tests.staff_helpers import KESTREL, make_staff, post_multipart, sample_zip, wait_for_upload


@pytest.fixture
def tokens(app) -> dict[str, str]:
    return {
        "kestrel": make_staff(app, "kestrel-museum", "registrar@kestrel.example"),
        "harbour": make_staff(app, "harbour-museum", "curator@harbour.example"),
    }


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _wait_status(client, url: str, token: str, wanted: str) -> dict:
    deadline = time.monotonic() + 120
    while True:
        body = client.get(url, headers=_auth(token)).get_json()
        if body["status"] not in ("previewing", "publishing"):
            assert body["status"] == wanted, body
            return body
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_the_api_needs_a_token(app, tokens) -> None:
    client = app.test_client()
    response = client.get("/api/v1/institutions")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="glampub"'
    assert response.get_json()["message"].startswith("send `Authorization: Bearer <token>`")
    assert client.get("/api/v1/institutions", headers=_auth("gp_wrong")).status_code == 401
    mine = client.get("/api/v1/institutions", headers=_auth(tokens["kestrel"])).get_json()
    assert [i["slug"] for i in mine["institutions"]] == ["kestrel-museum"]


def test_upload_preview_publish_through_the_api(app, tokens, tmp_path: Path) -> None:
    client = app.test_client()
    token = tokens["kestrel"]
    with sample_zip(tmp_path).open("rb") as handle:
        response = post_multipart(
            client,
            "/api/v1/institutions/kestrel-museum/uploads",
            {"export": (handle, "kestrel.zip"), "format": "csv", "full": "false"},
            headers=_auth(token),
        )
    assert response.status_code == 202, response.get_json()
    upload = response.get_json()
    assert (upload["status"], upload["file"], upload["format"]) == (
        "previewing",
        "kestrel.zip",
        "csv",
    )
    wait_for_upload(app, upload["id"])
    body = _wait_status(client, upload["url"], token, "previewed")
    preview = body["preview"]
    assert (preview["created"], preview["rejected"]) == (22, 0)
    assert preview["rights"]["http://creativecommons.org/publicdomain/mark/1.0/"] == 6
    assert {"statement": "Contact the registrar before use", "count": 1} in preview["review"]
    assert [r["identifier"] for r in preview["sample"]][:2] == ["KM 1901/3", "1887.12"]
    assert "problems_file" not in preview
    with app.app_context():
        assert app.extensions["glampub.db"].session().scalar(select(CollectionObject.id)) is None

    published = client.post(upload["url"] + "/publish", headers=_auth(token))
    assert published.status_code == 202
    wait_for_upload(app, upload["id"])
    body = _wait_status(client, upload["url"], token, "published")
    report = client.get(
        f"/api/v1/institutions/kestrel-museum/imports/{body['publish_run']}", headers=_auth(token)
    ).get_json()
    assert (report["dry_run"], report["created"], report["status"]) == (False, 22, "done")
    assert {p["code"] for p in report["problems"]} >= {"rights-warning", "rights-needs-review"}
    history = client.get("/api/v1/institutions/kestrel-museum/imports", headers=_auth(token))
    assert [r["dry_run"] for r in history.get_json()["imports"]] == [False, True]
    again = client.post(upload["url"] + "/publish", headers=_auth(token))
    assert again.status_code == 409


def test_review_and_withdraw_through_the_api(app, tokens) -> None:
    from glampub.importing.run import ImportOptions, run_import

    run_import(
        app.extensions["glampub.db"],
        Path(app.config["DATA_DIR"]),
        ImportOptions(institution="kestrel-museum", path=KESTREL / "objects.csv"),
    )
    client = app.test_client()
    token = tokens["kestrel"]
    queue = client.get(
        "/api/v1/institutions/kestrel-museum/review", headers=_auth(token)
    ).get_json()
    statements = [item["statement"] for item in queue["items"]]
    assert "Contact the registrar before use" in statements
    decided = client.post(
        "/api/v1/institutions/kestrel-museum/review",
        json={"statement": "Contact the registrar before use", "target": "InC", "note": "asked"},
        headers=_auth(token),
    )
    assert decided.get_json() == {
        "statement": "Contact the registrar before use",
        "no_statement": False,
        "target": "http://rightsstatements.org/vocab/InC/1.0/",
        "changed": 1,
    }
    bad = client.post(
        "/api/v1/institutions/kestrel-museum/review",
        json={"statement": "x", "target": "whatever licence"},
        headers=_auth(token),
    )
    assert bad.status_code == 400
    assert "is not a rights URI glampub knows" in bad.get_json()["message"]
    withdrawn = client.post(
        "/api/v1/institutions/kestrel-museum/objects/status",
        json={"identifier": "KM 1901/3", "status": "withdrawn"},
        headers=_auth(token),
    )
    assert withdrawn.get_json() == {
        "identifier": "KM 1901/3",
        "status": "withdrawn",
        "changed": True,
    }
    assert client.get("/objects/kestrel-museum/KM%201901%2F3").status_code == 410
    with app.app_context():
        stored = (
            app.extensions["glampub.db"]
            .session()
            .execute(text("SELECT status FROM collection_object WHERE identifier = 'KM 1901/3'"))
        )
        assert [tuple(row) for row in stored] == [("withdrawn",)]


def test_records_without_a_statement_are_decided_through_the_api(app, tokens, tmp_path) -> None:
    from glampub.importing.run import ImportOptions, run_import

    export = tmp_path / "objects.csv"
    export.write_text("identifier,title,rights\n1,Jug,\n2,Bowl,Ask us\n", encoding="utf-8")
    run_import(
        app.extensions["glampub.db"],
        Path(app.config["DATA_DIR"]),
        ImportOptions(institution="kestrel-museum", path=export),
    )
    client = app.test_client()
    headers = _auth(tokens["kestrel"])
    url = "/api/v1/institutions/kestrel-museum/review"
    items = client.get(url, headers=headers).get_json()["items"]
    assert [(i["statement"], i["no_statement"], i["count"]) for i in items] == [
        ("", True, 1),
        ("Ask us", False, 1),
    ]
    both = client.post(
        url, json={"statement": "Ask us", "no_statement": True, "target": "InC"}, headers=headers
    )
    assert both.status_code == 400 and "not both" in both.get_json()["message"]
    empty = client.post(url, json={"statement": "", "target": "InC"}, headers=headers)
    assert empty.status_code == 400
    decided = client.post(url, json={"no_statement": True, "target": "InC"}, headers=headers)
    assert decided.get_json() == {
        "statement": "",
        "no_statement": True,
        "target": "http://rightsstatements.org/vocab/InC/1.0/",
        "changed": 1,
    }
    items = client.get(url, headers=headers).get_json()["items"]
    assert [i["statement"] for i in items] == ["Ask us"]


def test_a_token_of_another_institution_is_refused(app, tokens, tmp_path: Path) -> None:
    client = app.test_client()
    other = _auth(tokens["harbour"])
    export = KESTREL / "objects.csv"
    with export.open("rb") as handle:
        response = post_multipart(
            client,
            "/api/v1/institutions/kestrel-museum/uploads",
            {"export": (handle, "objects.csv")},
            headers=other,
        )
    assert response.status_code == 403
    assert response.get_json()["message"] == (
        "This belongs to another institution; you cannot see or change it."
    )
    for url in (
        "/api/v1/institutions/kestrel-museum/review",
        "/api/v1/institutions/kestrel-museum/imports",
        "/api/v1/institutions/kestrel-museum/uploads/1",
    ):
        assert client.get(url, headers=other).status_code == 403, url
    status = client.post(
        "/api/v1/institutions/kestrel-museum/objects/status",
        json={"identifier": "KM 1901/3", "status": "withdrawn"},
        headers=other,
    )
    assert status.status_code == 403
    assert not list((Path(app.config["DATA_DIR"]) / "uploads").glob("*/export.csv"))


def test_the_openapi_description_lists_every_route(app) -> None:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.0.3"
    assert spec["servers"] == [{"url": "http://glampub.test/api/v1"}]
    api_rules = {
        rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi"
    }
    documented = {path for path in spec["paths"]}
    normalised = {
        p.replace("{int:upload_id}", "{upload_id}").replace("{int:run_id}", "{run_id}")
        for p in api_rules
    }
    assert normalised == documented


@pytest.fixture
def api_schema(app, tokens):  # type: ignore[no-untyped-def]
    from glampub.importing.run import ImportOptions, run_import

    run_import(
        app.extensions["glampub.db"],
        Path(app.config["DATA_DIR"]),
        ImportOptions(institution="kestrel-museum", path=KESTREL / "objects.csv"),
    )
    app.config["SCHEMATHESIS_TOKEN"] = make_staff(
        app, "kestrel-museum", "admin@glampub.example", admin=True
    )
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_no_request_makes_the_api_fail(api_schema, app) -> None:  # type: ignore[no-untyped-def]
    """Every operation, with generated valid and invalid input, as an admin token:
    never a 5xx. (Driven through schemathesis's strategies rather than its pytest
    plugin, whose parametrization does not run on pytest 9.)"""
    headers = _auth(app.config["SCHEMATHESIS_TOKEN"])
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 9
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        no_server_error()
    for thread in app.extensions.get("glampub.jobs", []):
        thread.join(timeout=120)


def test_an_upload_over_the_size_limit_is_refused_before_it_is_stored(app, tokens) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    client = app.test_client()
    response = post_multipart(
        client,
        "/api/v1/institutions/kestrel-museum/uploads",
        {"export": (io.BytesIO(b"identifier,title\n" + b"x,y\n" * 5000), "big.csv")},
        headers=_auth(tokens["kestrel"]),
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == "Request Entity Too Large"
    assert not list((Path(app.config["DATA_DIR"]) / "uploads").glob("*/export.csv"))
