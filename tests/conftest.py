"""Fixtures in the manner of Flask's tutorial: app, client, runner; plus the demo data."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

import glampub.config
import glampub.db
from glampub import create_app
from glampub.db import Database
from tests import database_tests, iiif_structure
from tests import databases as test_databases
from tests.demo_template import DemoTemplate

REPO = Path(__file__).resolve().parents[1]
# The folder beside the checkout that CI provides and a fresh clone lacks: real
# exports, the IIIF schema and reference vocabularies. Tests never copy from it.
SHARED = REPO.parent / "shared"
SHARED_PRESENT = SHARED.is_dir()
NEEDS_SHARED = (
    "needs ../shared/ (the corpus, IIIF schema and reference vocabularies) "
    "beside the checkout; CI has it"
)
CORPUS = SHARED / "corpus"
SCHEMA_PATH = SHARED / "iiif" / "iiif_3_0.json"
BASE_URL = "http://glampub.test"
_LEFT_OUT = pytest.StashKey[int]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``needs_shared`` skip, all with one reason, where ../shared/ is absent;
    on PostgreSQL, the tests that open no database are left out (they ran on SQLite).

    The skip goes first so that a test parametrized over the (then empty) corpus
    reports this reason rather than pytest's "got empty parameter set"."""
    if test_databases.ON_POSTGRESQL:
        _leave_out_tests_without_a_database(config, items)
    if SHARED_PRESENT:
        return
    skip = pytest.mark.skip(reason=NEEDS_SHARED)
    for item in items:
        if item.get_closest_marker("needs_shared"):
            item.add_marker(skip, append=False)


def _leave_out_tests_without_a_database(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL run exists to run every test that touches a database on the
    second engine; a test of a pure module (rights mapping, an importer, a IIIF
    builder) would only repeat its SQLite run. Which tests those are is found
    here, not listed by hand, so a new test runs on both engines by default."""
    kept = [item for item in items if database_tests.opens_a_database(item)]
    left_out = [item for item in items if not database_tests.opens_a_database(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept
        config.stash[_LEFT_OUT] = len(left_out)


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Says once, above the counts, why tests skipped for want of ../shared/ (the
    suite runs with -q, which leaves out the header and the skip reasons)."""
    left_out = terminalreporter.config.stash.get(_LEFT_OUT, 0)
    if left_out:
        terminalreporter.write_line(
            f"{left_out} deselected on PostgreSQL: they open no database, and ran on SQLite"
        )
    skipped = terminalreporter.stats.get("skipped", [])
    count = sum(1 for report in skipped if NEEDS_SHARED in str(report.longrepr))
    if count:
        terminalreporter.write_line(f"{count} skipped: {NEEDS_SHARED}")


def pytest_report_header() -> str:
    if SHARED_PRESENT:
        return f"../shared/: {SHARED.resolve()} (corpus tests run; IIIF also against its schema)"
    return (
        "../shared/: absent, so tests marked needs_shared skip; IIIF documents are "
        "checked by tests/iiif_structure.py alone"
    )


def database(app: Flask) -> Database:
    return app.extensions["glampub.db"]


@pytest.fixture(scope="session", autouse=True)
def _database_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[test_databases.PostgresDatabases | None]:
    """On PostgreSQL (GLAMPUB_TEST_DATABASE_URL), each data folder's database is
    a fresh PostgreSQL one; on SQLite, a fresh copy of a file at the current
    schema: see tests/databases.py."""
    if not test_databases.ON_POSTGRESQL:
        files = test_databases.SqliteFiles(tmp_path_factory.mktemp("template"))
        test_databases.set_databases(files)
        with pytest.MonkeyPatch.context() as patch:
            hook = test_databases.config_hook(files, glampub.config.build_config)
            patch.setattr(glampub.config, "build_config", hook)
            yield None
        test_databases.set_databases(None)
        return
    server = test_databases.PostgresDatabases(test_databases.SERVER)
    test_databases.set_databases(server)
    with pytest.MonkeyPatch.context() as patch:
        hook = test_databases.config_hook(server, glampub.config.build_config)
        patch.setattr(glampub.config, "build_config", hook)
        patch.setattr(
            glampub.db, "make_engine", test_databases.engine_hook(server, glampub.db.make_engine)
        )
        yield server
    test_databases.set_databases(None)
    server.close()


@pytest.fixture(autouse=True)
def _test_databases(
    _database_server: test_databases.PostgresDatabases | None,
) -> Iterator[None]:
    """The databases a test made are dropped when it ends."""
    mark = _database_server.mark() if _database_server else (0, 0)
    yield
    if _database_server is not None:
        _database_server.drop_after(mark)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True, "BASE_URL": BASE_URL})
    yield app
    database(app).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> DemoTemplate:
    """The sample collections imported once, never served: fixtures that want a
    site holding them copy it (tests/demo_template.py)."""
    return DemoTemplate(tmp_path_factory.mktemp("demo-template"), BASE_URL)


@pytest.fixture(scope="session")
def demo_app(
    tmp_path_factory: pytest.TempPathFactory, demo_template: DemoTemplate
) -> Iterator[Flask]:
    """One app with the sample collections imported, shared by read-only tests."""
    data_dir = demo_template.copy_to(tmp_path_factory.mktemp("demo") / "data")
    app = create_app({"DATA_DIR": str(data_dir), "TESTING": True, "BASE_URL": BASE_URL})
    yield app
    database(app).dispose()


@pytest.fixture
def demo_client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """One headless Chromium per browser test module (tests/browser_support.py);
    each test opens a context of its own (no cookies, cache or storage shared).
    Not one for the whole session: tests between two browser modules stop
    process groups and servers, and a Chromium shared past them was found
    closed by the next module."""
    from tests.browser_support import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner whose commands use a fresh data folder."""
    monkeypatch.setenv("GLAMPUB_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.delenv("GLAMPUB_DATABASE_URL", raising=False)
    return CliRunner()


@functools.cache
def iiif_schema() -> dict[str, Any] | None:
    """The IIIF Presentation 3.0 JSON schema from ../shared/, or None in a fresh clone."""
    if not SCHEMA_PATH.is_file():
        return None
    return json.loads(SCHEMA_PATH.read_text("utf-8"))


@pytest.fixture(scope="session")
def iiif_validator() -> jsonschema.Draft7Validator | None:
    """The schema's validator where ../shared/ is present; assert_valid_iiif checks the
    document's structure (tests/iiif_structure.py) either way."""
    schema = iiif_schema()
    return jsonschema.Draft7Validator(schema) if schema is not None else None


def assert_valid_iiif(validator: jsonschema.Draft7Validator | None, document: dict) -> None:
    found = iiif_structure.problems(document)
    assert not found, "\n".join(found[:10])
    if validator is None:
        return
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:10]
    )
