"""The end of a publishing import: the collection's and the change stream's page
boundaries stored before its commit (both databases), and VACUUM after a large
one (PostgreSQL) -- see glampub.importing.finishing."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image as PILImage
from sqlalchemy import event, text

import glampub.config
from glampub.app import create_app
from glampub.cli import main
from glampub.importing import finishing
from glampub.importing.run import ImportOptions, run_import
from glampub.institutions.registry import add_institution
from glampub.jobs import background as jobs
from glampub.models import ImportLock, ImportRun
from glampub.statuses import RunStatus
from tests.conftest import BASE_URL, database
from tests.staff_helpers import stored_upload, wait_for_upload

HEADER = "identifier,title,rights,images\n"
#: Four objects with an image (listed, and in the change stream), one without.
ROWS = (
    "a,Harbour,CC0,1.jpg\nb,Gulls,CC0,2.jpg\nc,Letter rack,CC0,\nd,Mill,CC0,3.jpg\n"
    "e,Jug,CC0,4.jpg\n"
)
#: Paths whose documents need the page boundaries, at two entries a page.
PAGES = (
    "/iiif/3/collection/km",
    "/iiif/3/collection/km/page/1",
    "/iiif/3/collection/km/page/2",
    "/iiif/discovery/all-changes",
    "/iiif/discovery/all-changes/page/1",
    "/iiif/discovery/all-changes/page/2",
)
PAGING_KEYS = "key LIKE 'collection-paging:%' OR key LIKE 'discovery-paging:%'"


def _export(tmp_path: Path, rows: str) -> tuple[Path, Path]:
    images = tmp_path / "images"
    images.mkdir(exist_ok=True)
    for number in range(1, 5):
        PILImage.new("RGB", (40, 30), "teal").save(images / f"{number}.jpg")
    export = tmp_path / "objects.csv"
    export.write_text(HEADER + rows, encoding="utf-8")
    return export, images


def _app(data_dir: Path) -> Flask:
    return create_app({"DATA_DIR": str(data_dir), "TESTING": True, "BASE_URL": BASE_URL})


def _paging_rows(app: Flask) -> dict[str, tuple[str, str]]:
    with database(app).transaction() as session:
        rows = session.execute(
            text(f"SELECT key, version, body FROM document_cache WHERE {PAGING_KEYS}")
        ).all()
    return {key: (version, body) for key, version, body in rows}


@contextmanager
def _countings(app: Flask) -> Iterator[list[str]]:
    """The statements that count page boundaries (a window over the listing)."""
    engine = database(app).engine
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if "row_number" in statement.lower():
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _pages(app: Flask) -> dict[str, bytes]:
    client = app.test_client()
    answers = {}
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        answers[path] = response.data
    return answers


def test_the_first_collection_and_change_stream_pages_after_an_import_count_nothing(
    runner, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Five objects make a large import here.
    monkeypatch.setattr(finishing, "PAGE_STARTS_FROM", 5)
    # The web app's page sizes, which the command reads as the app does.
    monkeypatch.setattr(glampub.config, "COLLECTION_PAGE_SIZE", 2)
    monkeypatch.setattr(glampub.config, "DISCOVERY_PAGE_SIZE", 2)
    data_dir = tmp_path / "cli-data"
    export, images = _export(tmp_path, ROWS)
    assert runner.invoke(main, ["institution", "add", "km", "--name", "Kestrel"]).exit_code == 0
    command = ["import", str(export), "--institution", "km", "--images", str(images)]
    assert runner.invoke(main, [*command, "--dry-run"]).exit_code == 0
    app = _app(data_dir)
    assert app.config["COLLECTION_PAGE_SIZE"] == app.config["DISCOVERY_PAGE_SIZE"] == 2
    assert _paging_rows(app) == {}, "a dry run stores nothing"

    result = runner.invoke(main, command)
    assert result.exit_code == 0, result.stderr
    stored = _paging_rows(app)
    assert sorted(stored) == ["collection-paging:1:2", "discovery-paging:2"]
    with _countings(app) as counted:
        precounted = _pages(app)
    assert counted == [], "the first requests after the import counted the pages"
    assert b'"totalItems":4' in precounted["/iiif/discovery/all-changes"]

    # Counted by the first request instead, as before: the same answers.
    with database(app).transaction() as session:
        session.execute(text("DELETE FROM document_cache"))
    database(app).dispose()
    lazy = _app(data_dir)  # nothing served is remembered in memory either
    with _countings(lazy) as counted:
        assert _pages(lazy) == precounted
    assert counted, "the check sees the counting when it happens"
    assert _paging_rows(lazy) == stored
    database(lazy).dispose()

    # A changed object (a new title) moves both versions on: an import that
    # changes fewer objects than a large one leaves the count to the first request.
    changed = ROWS.replace("Gulls", "Gulls at dusk")
    export.write_text(HEADER + changed, encoding="utf-8")
    assert runner.invoke(main, command).exit_code == 0
    again = _app(data_dir)
    assert _paging_rows(again) == stored, "nothing counted for the new version"
    with _countings(again) as counted:
        assert b'"totalItems":5' in _pages(again)["/iiif/discovery/all-changes"]
    assert counted, "the first request counted the pages"
    counted_lazily = _paging_rows(again)
    database(again).dispose()

    # Changing as many as a large import does: counted again at the import.
    monkeypatch.setattr(finishing, "PAGE_STARTS_FROM", 1)
    export.write_text(HEADER + changed.replace("Harbour", "Harbour at noon"), encoding="utf-8")
    assert runner.invoke(main, command).exit_code == 0
    last = _app(data_dir)
    assert _paging_rows(last) != counted_lazily
    with _countings(last) as counted:
        assert b'"totalItems":6' in _pages(last)["/iiif/discovery/all-changes"]
    assert counted == []
    database(last).dispose()


def test_an_uploaded_export_counts_the_pages_at_the_apps_page_sizes(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(finishing, "PAGE_STARTS_FROM", 1)
    app = create_app(
        {
            "DATA_DIR": str(tmp_path / "data"),
            "TESTING": True,
            "BASE_URL": BASE_URL,
            "COLLECTION_PAGE_SIZE": 5,
            "DISCOVERY_PAGE_SIZE": 7,
        }
    )
    upload_id = stored_upload(app, "publishing")
    jobs.start(app, upload_id, "publish", BASE_URL)
    assert wait_for_upload(app, upload_id).status == "published"
    assert sorted(_paging_rows(app)) == ["collection-paging:1:5", "discovery-paging:7"]
    database(app).dispose()


# --- VACUUM after a large import (PostgreSQL) -------------------------------------------


def _postgresql(app: Flask) -> None:
    if database(app).engine.dialect.name != "postgresql":  # type: ignore[union-attr]
        pytest.skip("PostgreSQL only: SQLite has no visibility map to set")


def _commits_flushed(app: Flask) -> None:
    """Commits wait for their WAL, as by default: the suite's databases do not
    (tests/databases.py), and VACUUM marks no page all-visible whose rows'
    commit may still be unflushed."""
    engine = database(app).engine
    assert engine is not None
    with engine.begin() as connection:
        name = connection.scalar(text("SELECT current_database()"))
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = on'))
    engine.dispose()  # new connections take the setting


def _import(app: Flask, tmp_path: Path) -> object:
    with database(app).transaction() as session:
        add_institution(session, "km", "Kestrel", Path(app.config["DATA_DIR"]))
    export, images = _export(tmp_path, ROWS)
    options = ImportOptions(institution="km", path=export, images=images)
    return run_import(database(app), Path(app.config["DATA_DIR"]), options)


def _vacuumed(app: Flask) -> dict[str, tuple[bool, int]]:
    """Each filled table: whether it was vacuumed by hand, and its pages marked all-visible."""
    with database(app).transaction() as session:
        rows = session.execute(
            text(
                "SELECT s.relname, s.last_vacuum IS NOT NULL, c.relallvisible "
                "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
                "WHERE s.relname = ANY(:tables)"
            ),
            {"tables": list(finishing.FILLED_TABLES)},
        ).all()
    return {name: (vacuumed, visible) for name, vacuumed, visible in rows}


def _run_and_lock(app: Flask) -> tuple[str, int]:
    with database(app).transaction() as session:
        run = session.query(ImportRun).one()
        return run.status, session.query(ImportLock).count()


def test_a_large_import_vacuums_the_tables_it_filled(
    app, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _postgresql(app)
    _commits_flushed(app)
    monkeypatch.setattr(finishing, "VACUUM_FROM", 5)
    report = _import(app, tmp_path)
    assert report.created == 5  # type: ignore[attr-defined]
    vacuumed = _vacuumed(app)
    assert sorted(vacuumed) == sorted(finishing.FILLED_TABLES)
    assert all(done for done, _visible in vacuumed.values()), vacuumed
    # Index-only scans may now skip the objects' rows.
    assert vacuumed["collection_object"][1] > 0
    assert _run_and_lock(app) == (RunStatus.DONE, 0)


def test_a_smaller_import_leaves_vacuuming_to_autovacuum(
    app, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _postgresql(app)
    monkeypatch.setattr(finishing, "VACUUM_FROM", 6)
    assert _import(app, tmp_path).created == 5  # type: ignore[attr-defined]
    assert not any(done for done, _visible in _vacuumed(app).values())
    assert _run_and_lock(app) == (RunStatus.DONE, 0)


def test_a_failed_vacuum_leaves_the_import_published(
    app, tmp_path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _postgresql(app)
    monkeypatch.setattr(finishing, "VACUUM_FROM", 5)
    monkeypatch.setattr(finishing, "FILLED_TABLES", ("collection_object", "no_such_table"))
    caplog.set_level(logging.WARNING, logger=finishing.__name__)
    assert _import(app, tmp_path).created == 5  # type: ignore[attr-defined]
    assert "VACUUM of collection_object, no_such_table failed" in caplog.text
    assert _run_and_lock(app) == (RunStatus.DONE, 0)
    assert app.test_client().get("/iiif/3/km/a/manifest").status_code == 200


def test_a_page_count_stored_by_a_request_meanwhile_does_not_undo_the_import(
    app: Flask,
) -> None:
    """A visitor may store the same page boundaries (counted lazily, at the
    version before) between the import's look for them and its insert: the
    import then replaces that row in its own transaction, which goes on."""
    from glampub.models import DocumentCache
    from glampub.publishing.documents import store_document

    with database(app).transaction() as session:
        session.add(
            DocumentCache(
                key="collection-paging:1:2", base_url="", version="old", body="{}", etag="old"
            )
        )
    with database(app).transaction() as session:
        # As if the request's commit came after the import's look: it found nothing.
        looked = []
        real_scalar = session.scalar

        def scalar(statement, *args, **kwargs):  # type: ignore[no-untyped-def]
            if not looked:
                looked.append(statement)
                return None
            return real_scalar(statement, *args, **kwargs)

        session.scalar = scalar  # type: ignore[method-assign]
        store_document(session, "collection-paging:1:2", "", "new", {"total": 0, "starts": []})
        session.execute(text("SELECT 1"))  # the import's transaction is still usable
        del session.scalar
    with database(app).transaction() as session:
        rows = session.execute(
            text("SELECT version, body FROM document_cache WHERE key = 'collection-paging:1:2'")
        ).all()
    assert len(rows) == 1 and rows[0][0].endswith("|new")
    assert rows[0][1] == '{"total":0,"starts":[]}'
