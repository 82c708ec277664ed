"""The formats on offer come from the importer registry, so a plug-in can be chosen."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import click
import pytest

import importers.base
from glampub.cli import main
from glampub.errors import Problem
from importers.base import Profile, SourceRecord, format_choices
from tests.staff_helpers import KESTREL, make_staff, post_multipart


class TeiImporter:
    """A plug-in as a third party would register it (never asked to read here)."""

    name = "tei"
    label = "TEI P5"

    def sniff(self, path: Path) -> bool:
        return False

    def read(self, path: Path, profile: Profile | None = None) -> Iterator[SourceRecord | Problem]:
        raise AssertionError("not read in these tests")


@pytest.fixture
def with_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    registered = {**importers.base.registry(), "tei": TeiImporter}
    monkeypatch.setattr(importers.base, "registry", lambda: registered)


def test_the_choices_are_auto_and_every_registered_importer() -> None:
    registered = sorted(ep.name for ep in entry_points(group="glampub.importers"))
    assert format_choices() == ["auto", *registered]
    assert format_choices()[:3] == ["auto", "csv", "lido"]


def test_import_offers_the_registered_formats(runner) -> None:
    option = next(p for p in main.commands["import"].params if p.name == "fmt")
    assert isinstance(option.type, click.Choice)
    assert list(option.type.choices) == format_choices()
    result = runner.invoke(main, ["import", "x.csv", "--institution", "km", "--format", "xls"])
    assert result.exit_code == 2
    assert "'xls' is not one of 'auto', 'csv', 'lido'" in result.output


def test_the_openapi_document_lists_a_plugin_format(app, with_plugin) -> None:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    upload = spec["paths"]["/institutions/{institution}/uploads"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["format"]["enum"] == ["auto", "csv", "lido", "tei"]
    listed = spec["components"]["schemas"]["Upload"]["properties"]["format"]["enum"]
    assert listed == ["auto", "csv", "lido", "tei"]


def test_an_upload_names_the_registered_formats_when_refusing_one(app, with_plugin) -> None:
    token = make_staff(app, "kestrel-museum", "registrar@kestrel.example")
    with (KESTREL / "objects.csv").open("rb") as handle:
        response = post_multipart(
            app.test_client(),
            "/api/v1/institutions/kestrel-museum/uploads",
            {"export": (handle, "objects.csv"), "format": "xls"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 400
    assert response.get_json()["message"] == "format must be one of auto, csv, lido, tei"


def test_the_staff_upload_form_names_each_registered_format(app) -> None:
    from glampub.web.blueprints.staff.forms import UploadForm

    with app.test_request_context():
        choices = [(c.value, str(c.label)) for c in UploadForm().format.choices]
    assert choices == [("auto", "Recognise it"), ("csv", "CSV"), ("lido", "LIDO XML")]
