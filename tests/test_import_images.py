"""Images on import: unchanged files are not processed again, and http(s) images
are fetched only with --fetch-images, from a local server here (never the internet)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from PIL import Image as PILImage
from sqlalchemy import select

from glampub.cli import main
from glampub.images import fetch as image_fetch
from glampub.importing import harvest as image_harvest
from glampub.importing import harvested_object, record_images
from glampub.importing.run import ImportOptions, run_import
from glampub.institutions.registry import add_institution
from glampub.models import Image
from tests.conftest import database
from tests.image_server import image_server, jpeg_bytes

HEADER = "identifier,title,rights,images\n"


def _counting_ingest(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = record_images.ingest

    def counting(handle, *args, **kwargs):
        calls.append(getattr(handle, "name", "?"))
        return real(handle, *args, **kwargs)

    # Files of the export are stored by the import, downloads by the harvest.
    monkeypatch.setattr(record_images, "ingest", counting)
    monkeypatch.setattr(harvested_object, "ingest", counting)
    return calls


def test_an_unchanged_image_is_not_processed_again(app, tmp_path, monkeypatch) -> None:
    with database(app).transaction() as session:
        add_institution(session, "t", "T", Path(app.config["DATA_DIR"]))
    images = tmp_path / "images"
    images.mkdir()
    PILImage.new("RGB", (64, 48), "red").save(images / "a.jpg")
    PILImage.new("RGB", (32, 32), "blue").save(images / "b.jpg")
    export = tmp_path / "objects.csv"
    export.write_text(HEADER + "1,Harbour,CC0,a.jpg\n2,Gulls,CC0,b.jpg\n", "utf-8")
    options = ImportOptions(institution="t", path=export, images=images)
    data_dir = Path(app.config["DATA_DIR"])
    calls = _counting_ingest(monkeypatch)

    assert run_import(database(app), data_dir, options).created == 2
    assert len(calls) == 2
    again = run_import(database(app), data_dir, options)
    assert (again.unchanged, len(calls)) == (2, 2)  # no image decoded again

    PILImage.new("RGB", (80, 40), "green").save(images / "a.jpg")  # new bytes, same name
    changed = run_import(database(app), data_dir, options)
    assert (changed.updated, changed.unchanged, len(calls)) == (1, 1, 3)
    with database(app).transaction() as session:
        sizes = dict(session.execute(select(Image.source_reference, Image.width)).all())
    assert sizes == {"a.jpg": 80, "b.jpg": 32}


def _web_export(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    export = tmp_path / "web.csv"
    body = "".join(f"{identifier},Object {identifier},CC0,{url}\n" for identifier, url in rows)
    export.write_text(HEADER + body, "utf-8")
    return export


def _run(runner: CliRunner, export: Path, *options: str) -> dict:
    runner.invoke(main, ["institution", "add", "t", "--name", "T"])
    result = runner.invoke(main, ["import", str(export), "--institution", "t", "--json", *options])
    report = json.loads(result.stdout)
    # Every record is in (0), whatever images the harvest that follows could not
    # fetch: those are warnings, each named (the contract's exit codes).
    assert result.exit_code == 0, result.stderr
    return report


def test_web_images_stay_links_without_the_flag(runner, tmp_path) -> None:
    with image_server() as server:
        server.answers["/a.jpg"] = (200, "image/jpeg", jpeg_bytes())
        export = _web_export(tmp_path, [("1", server.url("/a.jpg"))])
        report = _run(runner, export)
        assert server.requests == []
    assert [(p["record"], p["code"]) for p in report["problems"]] == [("1", "remote-image")]


def test_fetch_images_fetches_verifies_and_reports_each_failure(
    runner, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(image_fetch, "MAX_FETCH_BYTES", 50_000)
    with image_server() as server:
        server.answers["/ok.jpg"] = (200, "image/jpeg", jpeg_bytes(120, 90))
        server.answers["/page.jpg"] = (200, "text/html", b"<html><body>Login</body></html>")
        server.answers["/huge.jpg"] = (200, "image/jpeg", b"\xff" * 60_000)
        server.answers["/cut.jpg"] = (200, "image/jpeg", jpeg_bytes(300, 200)[:400])
        rows = [
            ("1", server.url("/ok.jpg")),
            ("2", server.url("/missing.jpg")),
            ("3", server.url("/page.jpg")),
            ("4", server.url("/huge.jpg")),
            ("5", server.url("/cut.jpg")),
        ]
        export = _web_export(tmp_path, rows)
        report = _run(runner, export, "--fetch-images")
        assert report["created"] == 5
        problems = {p["record"]: p for p in report["problems"]}
        assert sorted(problems) == ["2", "3", "4", "5"]
        assert problems["2"]["code"] == "image-fetch-failed"
        assert problems["2"]["message"] == (
            f"image {server.url('/missing.jpg')} could not be fetched: the server answered "
            "HTTP 404 Not Found; the link is kept without a canvas"
        )
        # Told by its bytes, not its name: an HTML page named .jpg is kept as a link.
        assert problems["3"]["code"] == "not-an-image"
        assert problems["3"]["message"] == (
            f"image {server.url('/page.jpg')} is not an image: it is an HTML page, not an "
            "image; it is kept as a link"
        )
        assert problems["4"]["code"] == "image-fetch-failed"
        assert "over the limit of 50,000 bytes" in problems["4"]["message"]
        assert server.url("/huge.jpg") in problems["4"]["message"]
        assert problems["5"]["code"] == "unreadable-image"
        assert all(p["severity"] == "warning" for p in report["problems"])

        # A second run fetches again, but the good image, unchanged, is not decoded
        # again: only the cut one, which could not be read, is tried once more.
        calls = _counting_ingest(monkeypatch)
        again = _run(runner, export, "--fetch-images")
        assert again["unchanged"] == 5 and len(calls) == 1
        # Without the flag, what was fetched before is kept, not dropped.
        plain = _run(runner, export)
        assert plain["unchanged"] == 5


def test_fetched_image_sizes_are_stored(app, tmp_path) -> None:
    with database(app).transaction() as session:
        add_institution(session, "t", "T", Path(app.config["DATA_DIR"]))
    with image_server() as server:
        server.answers["/ok.jpg"] = (200, "image/jpeg", jpeg_bytes(120, 90))
        export = _web_export(tmp_path, [("1", server.url("/ok.jpg"))])
        options = ImportOptions(institution="t", path=export, fetch_images=True)
        report = run_import(database(app), Path(app.config["DATA_DIR"]), options)
        harvest = image_harvest.harvest_images(database(app), Path(app.config["DATA_DIR"]), "t")
    assert (report.created, harvest.fetched, harvest.failed) == (1, 1, 0)
    with database(app).transaction() as session:
        image = session.scalar(select(Image))
    assert (image.width, image.height, image.mime_type) == (120, 90, "image/jpeg")
    assert image.file_path and (Path(app.config["DATA_DIR"]) / image.file_path).is_file()


def test_an_import_sweeps_what_a_killed_one_left_half_written(app, tmp_path) -> None:
    """A kill while an image is spooled or saved leaves `.incoming-*` or `.*.part`
    files beside the masters. The next import removes those untouched for an hour
    (another import may be writing its own right now) and never a whole master."""
    import os
    import time

    with database(app).transaction() as session:
        add_institution(session, "t", "T", Path(app.config["DATA_DIR"]))
    data_dir = Path(app.config["DATA_DIR"])
    images = tmp_path / "images"
    images.mkdir()
    PILImage.new("RGB", (64, 48), "red").save(images / "a.jpg")
    export = tmp_path / "objects.csv"
    export.write_text(HEADER + "1,Harbour,CC0,a.jpg\n", "utf-8")
    options = ImportOptions(institution="t", path=export, images=images)
    run_import(database(app), data_dir, options)
    store = data_dir / record_images.IMAGES_FOLDER
    (master,) = [p for p in store.glob("*/*.jpg")]
    old = [store / ".incoming-abc123", master.parent / f".{master.stem}.png.part"]
    recent = [store / ".incoming-def456", master.parent / ".ffff.jpg.part"]
    an_hour_ago = time.time() - 3700
    for path in (*old, *recent):
        path.write_bytes(b"half an image")
    for path in (*old, master):
        os.utime(path, (an_hour_ago, an_hour_ago))
    export.write_text(HEADER + "1,Harbour (revised),CC0,a.jpg\n", "utf-8")
    assert run_import(database(app), data_dir, options).updated == 1
    assert [p.exists() for p in old] == [False, False]
    assert [p.exists() for p in recent] == [True, True]
    assert master.exists()
