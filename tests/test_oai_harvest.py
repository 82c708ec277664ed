"""A real OAI-PMH client (Sickle, from PyPI) harvests a live glampub over HTTP:
every record in each format, through the resumption tokens, by GET and POST."""

from __future__ import annotations

import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from glampub import create_app
from glampub.models import CollectionObject
from tests.conftest import BASE_URL, database
from tests.demo_template import DemoTemplate
from tests.staff_helpers import make_staff

with warnings.catch_warnings():
    # Sickle 0.7 writes regular expressions with escapes Python now warns of
    # (DeprecationWarning in 3.11, SyntaxWarning from 3.12), which the suite treats as errors.
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", SyntaxWarning)
    from sickle import Sickle


@pytest.fixture(scope="module")
def live_oai(
    tmp_path_factory: pytest.TempPathFactory, demo_template: DemoTemplate
) -> Iterator[tuple[str, Flask]]:
    """The sample collections served on an ephemeral port, lists in pages of 4,
    with one object withdrawn by staff."""
    data_dir = demo_template.copy_to(tmp_path_factory.mktemp("harvest") / "data")
    app = create_app(
        {"DATA_DIR": str(data_dir), "TESTING": True, "BASE_URL": BASE_URL, "OAI_PAGE_SIZE": 4}
    )
    token = make_staff(app, "stadtmuseum-lindenau", "registrar@lindenau.example")
    with app.app_context():
        identifier = (
            database(app)
            .session()
            .scalar(
                select(CollectionObject.identifier)
                .where(CollectionObject.source_format == "lido")
                .order_by(CollectionObject.identifier)
                .limit(1)
            )
        )
    answer = app.test_client().post(
        "/api/v1/institutions/stadtmuseum-lindenau/objects/status",
        json={"identifier": identifier, "status": "withdrawn"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/oai", app
    finally:
        server.shutdown()
        thread.join(timeout=10)
        database(app).dispose()


def _object_count(app: Flask) -> int:
    with app.app_context():
        return database(app).session().scalar(select(func.count(CollectionObject.id))) or 0


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sickle_harvests_every_record_in_oai_dc(live_oai: tuple[str, Flask], method: str) -> None:
    endpoint, app = live_oai
    harvester = Sickle(endpoint, http_method=method)
    assert harvester.Identify().deletedRecord == "persistent"
    records = list(harvester.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    assert len(records) == _object_count(app) == 40
    assert len({record.header.identifier for record in records}) == 40
    deleted = [record for record in records if record.deleted]
    assert len(deleted) == 1
    assert deleted[0].header.identifier.startswith("oai:glampub.test:stadtmuseum-lindenau/")
    for record in records:
        if not record.deleted:
            assert record.metadata["title"]
            assert record.metadata["identifier"][0].startswith(f"{BASE_URL}/objects/")


def test_sickle_harvests_edm_lido_identifiers_and_sets(live_oai: tuple[str, Flask]) -> None:
    endpoint, _app = live_oai
    harvester = Sickle(endpoint)
    every = [h.identifier for h in harvester.ListIdentifiers(metadataPrefix="oai_dc")]
    edm = list(harvester.ListRecords(metadataPrefix="edm", ignore_deleted=False))
    assert 0 < len(edm) < len(every)
    assert {record.header.identifier for record in edm} <= set(every)
    lido = list(harvester.ListRecords(metadataPrefix="lido", ignore_deleted=True))
    assert len(lido) == len(every) - 1  # the deleted one left out
    sets = {item.setSpec for item in harvester.ListSets()}
    assert {"kestrel-museum", "stadtmuseum-lindenau", "reuse:free"} <= sets
    kestrel = list(harvester.ListIdentifiers(metadataPrefix="oai_dc", set="kestrel-museum"))
    assert len(kestrel) == 22
    formats = [f.metadataPrefix for f in harvester.ListMetadataFormats(identifier=every[0])]
    assert "oai_dc" in formats and "lido" in formats


def test_the_harvest_benchmark_runs() -> None:
    """bench/oai_harvest.py at a tiny size (its numbers are not asserted)."""
    bench = Path(__file__).resolve().parents[1] / "bench" / "oai_harvest.py"
    result = subprocess.run(
        [sys.executable, str(bench), "--records", "60", "--page-size", "25"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "oai_dc: 60 records (0 deleted) in 3 pages" in result.stdout
    assert "   edm: " in result.stdout
