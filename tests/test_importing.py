"""The import use case end to end: idempotence, withdrawal, dry runs, failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image as PILImage
from sqlalchemy import func, select

from glampub.errors import NotFound, UnreadableInput
from glampub.importing.run import ImportOptions, run_import
from glampub.institutions.registry import add_institution
from glampub.models import CollectionObject, Image, ImportRun
from tests.conftest import database

HEADER = "identifier,title,creator,creator_death,date_earliest,rights,images\n"


def _setup(app, tmp_path: Path) -> Path:
    with database(app).transaction() as session:
        add_institution(session, "test-museum", "Test Museum", Path(app.config["DATA_DIR"]))
    images = tmp_path / "images"
    images.mkdir()
    for name, colour in (("a.jpg", "red"), ("b.jpg", "blue")):
        PILImage.new("RGB", (64, 48), colour).save(images / name)
    return images


def _import(app, path: Path, **kwargs) -> object:
    options = ImportOptions(institution="test-museum", path=path, **kwargs)
    return run_import(database(app), Path(app.config["DATA_DIR"]), options)


def _write(tmp_path: Path, rows: str, name: str = "objects.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


ROWS = (
    "1,Harbour,Ada Marsh,1871,1860,http://creativecommons.org/publicdomain/mark/1.0/,a.jpg\n"
    "2,Gulls,,,1990,CC BY 4.0,b.jpg\n"
    "3,Letter rack,,,1900,Ask us,\n"
)


def test_first_import_creates_and_second_finds_everything_unchanged(app, tmp_path) -> None:
    images = _setup(app, tmp_path)
    export = _write(tmp_path, ROWS)
    first = _import(app, export, images=images)
    assert (first.created, first.updated, first.unchanged, first.rejected) == (3, 0, 0, 0)
    assert first.exit_code == 0
    assert dict(first.rights) == {
        "http://creativecommons.org/publicdomain/mark/1.0/": 1,
        "http://creativecommons.org/licenses/by/4.0/": 1,
        "needs-review": 1,
    }
    assert [(p.record, p.code) for p in first.problems if p.code == "rights-needs-review"] == [
        ("3", "rights-needs-review")
    ]
    second = _import(app, export, images=images)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    with database(app).transaction() as session:
        revisions = session.scalars(select(CollectionObject.revision)).all()
        assert revisions == [1, 1, 1]
        assert session.scalar(select(func.count(Image.id))) == 2


def test_a_changed_record_gets_a_new_revision(app, tmp_path) -> None:
    images = _setup(app, tmp_path)
    _import(app, _write(tmp_path, ROWS), images=images)
    changed = _import(
        app, _write(tmp_path, ROWS.replace("Gulls", "Gulls in flight")), images=images
    )
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    with database(app).transaction() as session:
        obj = session.scalar(select(CollectionObject).where(CollectionObject.identifier == "2"))
        assert obj.revision == 2
        assert obj.title == {"none": ["Gulls in flight"]}


def test_only_a_full_export_withdraws_missing_objects(app, tmp_path, client) -> None:
    images = _setup(app, tmp_path)
    _import(app, _write(tmp_path, ROWS), images=images)
    partial = _write(tmp_path, ROWS.splitlines(keepends=True)[0], "partial.csv")
    assert _import(app, partial, images=images).withdrawn == 0
    full = _import(app, partial, images=images, full=True)
    assert full.withdrawn == 2
    assert client.get("/iiif/3/test-museum/2/manifest").status_code == 410
    assert client.get("/objects/test-museum/2").status_code == 410
    assert client.get("/iiif/3/test-museum/1/manifest").status_code == 200


def test_dry_run_reports_but_publishes_nothing(app, tmp_path) -> None:
    images = _setup(app, tmp_path)
    report = _import(app, _write(tmp_path, ROWS), images=images, dry_run=True)
    assert report.created == 3
    with database(app).transaction() as session:
        assert session.scalar(select(func.count(CollectionObject.id))) == 0
        run = session.scalar(select(ImportRun))
        assert (run.dry_run, run.status, run.created) == (True, "done", 3)


def test_duplicate_and_missing_identifiers_are_rejected_by_line(app, tmp_path) -> None:
    images = _setup(app, tmp_path)
    rows = ROWS + "2,Gulls again,,,,,\n,No id,,,,,\n"
    report = _import(app, _write(tmp_path, rows), images=images)
    assert report.created == 3
    rejected = [(p.code, p.line) for p in report.problems if p.severity == "error"]
    assert ("duplicate-identifier", 5) in rejected
    assert ("missing-identifier", 6) in rejected
    assert report.rejected == 2
    assert report.exit_code == 3


def test_missing_images_are_warnings_not_rejections(app, tmp_path) -> None:
    _setup(app, tmp_path)
    report = _import(app, _write(tmp_path, ROWS), images=None)
    assert report.created == 3 and report.rejected == 0
    assert sorted((p.record, p.code) for p in report.problems if p.code == "missing-image") == [
        ("1", "missing-image"),
        ("2", "missing-image"),
    ]


def test_image_urls_are_matched_by_file_name_in_the_images_folder(app, tmp_path) -> None:
    images = _setup(app, tmp_path)
    rows = (
        "1,Harbour,,,1860,CC0,https://museum.example/media/a.jpg\n"
        "2,Gulls,,,1860,CC0,https://iiif.example/image/b/full/max/0/default.jpg\n"
    )
    report = _import(app, _write(tmp_path, rows), images=images)
    assert [(p.record, p.code) for p in report.problems] == [("2", "remote-image")]
    with database(app).transaction() as session:
        stored = {
            row.source_reference: row.file_path
            for row in session.execute(select(Image.source_reference, Image.file_path))
        }
    assert stored["https://museum.example/media/a.jpg"] is not None
    # A IIIF request's "default.jpg" names a quality, not a file: never matched.
    assert stored["https://iiif.example/image/b/full/max/0/default.jpg"] is None


def test_a_failed_import_leaves_the_published_state_untouched(app, tmp_path, monkeypatch) -> None:
    images = _setup(app, tmp_path)
    _import(app, _write(tmp_path, ROWS), images=images)
    from glampub.importing import writer as import_writer

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(import_writer, "image_rows", explode)
    with pytest.raises(OSError, match="disk full"):
        _import(app, _write(tmp_path, ROWS.replace("Harbour", "Changed")), images=images)
    with database(app).transaction() as session:
        titles = sorted(session.scalars(select(CollectionObject.title)).all(), key=str)
        assert {"none": ["Harbour"]} in titles
        runs = session.scalars(select(ImportRun.status).order_by(ImportRun.id)).all()
        assert runs == ["done", "failed"]


def test_unknown_institution_and_unreadable_files_are_clear_errors(app, tmp_path) -> None:
    with pytest.raises(NotFound, match="no institution 'test-museum'"):
        _import(app, _write(tmp_path, ROWS))
    _setup(app, tmp_path)
    with pytest.raises(UnreadableInput, match="no such file"):
        _import(app, tmp_path / "missing.csv")


def test_change_events_record_real_changes_only(app, tmp_path) -> None:
    from glampub.models import ChangeEvent

    images = _setup(app, tmp_path)
    path = _write(tmp_path, ROWS)
    _import(app, path, images=images)
    _import(app, path, images=images)  # unchanged: no events
    _import(app, _write(tmp_path, ROWS.replace("Gulls", "Gulls at dusk")), images=images)
    _import(app, _write(tmp_path, ROWS.splitlines(keepends=True)[0]), images=images, full=True)
    with database(app).transaction() as session:
        events = session.execute(
            select(CollectionObject.identifier, ChangeEvent.kind, ChangeEvent.revision)
            .join(CollectionObject, ChangeEvent.object_id == CollectionObject.id)
            .order_by(ChangeEvent.id)
        ).all()
    assert [tuple(e) for e in events] == [
        ("1", "Create", 1),
        ("2", "Create", 1),
        ("3", "Create", 1),
        ("2", "Update", 2),
        ("2", "Delete", 3),
        ("3", "Delete", 2),
    ]


def _events(app, identifier: str) -> list[str]:
    from glampub.models import ChangeEvent

    with database(app).transaction() as session:
        return list(
            session.scalars(
                select(ChangeEvent.kind)
                .join(CollectionObject, CollectionObject.id == ChangeEvent.object_id)
                .where(CollectionObject.identifier == identifier)
                .order_by(ChangeEvent.id)
            )
        )


def _status(app, identifier: str) -> tuple[str, bool, dict]:
    with database(app).transaction() as session:
        obj = session.scalar(
            select(CollectionObject)
            .where(CollectionObject.identifier == identifier)
            .execution_options(populate_existing=True)
        )
        return obj.status, obj.held_by_staff, obj.title


def test_what_staff_withdraw_stays_withdrawn_through_imports(app, tmp_path) -> None:
    from glampub.publishing.withdrawal import set_published

    images = _setup(app, tmp_path)
    _import(app, _write(tmp_path, ROWS), images=images)
    with database(app).transaction() as session:
        obj = session.scalar(select(CollectionObject).where(CollectionObject.identifier == "2"))
        assert set_published(session, obj, False)
    again = _import(app, _write(tmp_path, ROWS), images=images)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert [(p.record, p.code) for p in again.problems if p.code == "withdrawn-by-staff"] == [
        ("2", "withdrawn-by-staff")
    ]
    assert _status(app, "2")[:2] == ("withdrawn", True)
    # A changed record is kept up to date, and still not published: no activity.
    changed = _import(app, _write(tmp_path, ROWS.replace("Gulls", "Gulls at dusk")), images=images)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    assert _status(app, "2") == ("withdrawn", True, {"none": ["Gulls at dusk"]})
    assert _events(app, "2") == ["Create", "Delete"]
    with database(app).transaction() as session:
        obj = session.scalar(select(CollectionObject).where(CollectionObject.identifier == "2"))
        assert set_published(session, obj, True)
    assert _status(app, "2")[:2] == ("published", False)
    # Withdrawn by a full export instead: back as soon as an export lists it again.
    without_2 = "".join(line for line in ROWS.splitlines(True) if not line.startswith("2,"))
    assert _import(app, _write(tmp_path, without_2), images=images, full=True).withdrawn == 1
    _import(app, _write(tmp_path, ROWS.replace("Gulls", "Gulls at dusk")), images=images)
    assert _status(app, "2")[:2] == ("published", False)
    assert _events(app, "2") == ["Create", "Delete", "Create", "Delete", "Create"]
