"""Image URLs harvested after the import publishes: ``glampub images harvest SLUG --wait``
exits 0 when every reference is fetched, 3 when some failed (each named), 2 when
nothing could run; a killed harvest resumes with only what is left; a second
harvest asks only conditionally; the staff pages show how far it got; a harvested
record's manifest gets its canvas. Against a local server (tests/image_server.py),
through the command and over HTTP."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from glampub import create_app
from glampub.cli import main
from tests.conftest import BASE_URL, database
from tests.fault_helpers import bench_site, integrity_problems, wait_for
from tests.image_server import ImageServer, image_server, jpeg_bytes
from tests.staff_helpers import make_staff, signed_in

# The Redis queue (skipped without a Redis at 127.0.0.1), shared with tests/test_jobs.py.
from tests.test_jobs import redis_queue  # noqa: F401

HEADER = "identifier,title,rights,images\n"
CC0 = "CC0"


def _export(tmp_path: Path, rows: list[tuple[str, str]], name: str = "web.csv") -> Path:
    export = tmp_path / name
    export.write_text(HEADER + "".join(f"{i},Object {i},{CC0},{url}\n" for i, url in rows))
    return export


@pytest.fixture
def site(runner, tmp_path) -> Iterator[Flask]:
    """The app over the CLI runner's data folder, with institution tm and its staff."""
    app = create_app({"TESTING": True, "BASE_URL": BASE_URL})
    make_staff(app, "tm", "staff@tm.example")
    try:
        yield app
    finally:
        database(app).dispose()


def _import(runner, export: Path, *options: str):  # type: ignore[no-untyped-def]
    return runner.invoke(main, ["import", str(export), "--institution", "tm", *options])


def test_a_harvest_after_the_import_gives_each_record_its_canvas(runner, tmp_path, site) -> None:
    with image_server() as server:
        server.answers["/a.jpg"] = (200, "image/jpeg", jpeg_bytes(640, 480, "navy"))
        server.answers["/b.png"] = (200, "image/jpeg", jpeg_bytes(300, 500, "olive"))
        export = _export(tmp_path, [("a", server.url("/a.jpg")), ("b", server.url("/b.png"))])
        assert _import(runner, export).exit_code == 0
        assert server.requests == []  # the import publishes the metadata, fetches nothing
        client = site.test_client()
        assert client.get("/iiif/3/tm/a/manifest").status_code == 404
        assert (
            client.get("/iiif/3/tm/a/record").get_json()["image_references"][0]["state"]
            == "pending"
        )

        done = runner.invoke(main, ["images", "harvest", "tm", "--wait"])
    assert done.exit_code == 0, done.output
    assert "Images of tm: 2 of 2 fetched (0 unchanged since the last harvest), 0 failed" in (
        done.stdout
    )
    manifest = client.get("/iiif/3/tm/a/manifest")
    assert manifest.status_code == 200
    canvas = manifest.get_json()["items"][0]
    assert (canvas["width"], canvas["height"]) == (640, 480)
    body = canvas["items"][0]["items"][0]["body"]
    assert (body["width"], body["height"]) == (640, 480)
    info = client.get(body["service"][0]["id"].removeprefix(BASE_URL) + "/info.json").get_json()
    assert (info["width"], info["height"]) == (640, 480)
    other = client.get("/iiif/3/tm/b/manifest").get_json()["items"][0]
    assert (other["width"], other["height"]) == (300, 500)  # a JPEG named .png: its bytes tell
    record = client.get("/iiif/3/tm/a/record").get_json()
    assert record["image_references"][0]["state"] == "available"
    assert integrity_problems(Path(site.config["DATA_DIR"])) == []


def test_some_failed_exits_3_and_names_each_record_and_url(runner, tmp_path, site) -> None:
    with image_server() as server:
        server.answers["/ok.jpg"] = (200, "image/jpeg", jpeg_bytes())
        server.answers["/page.jpg"] = (200, "text/html", b"<!DOCTYPE html><html>Login</html>")
        rows = [
            ("ok", server.url("/ok.jpg")),
            ("html", server.url("/page.jpg")),
            ("gone", server.url("/gone.jpg")),
        ]
        assert _import(runner, _export(tmp_path, rows)).exit_code == 0
        done = runner.invoke(main, ["images", "harvest", "tm", "--wait"])
    assert done.exit_code == 3, done.output
    assert "1 of 3 fetched" in done.stdout and "2 failed" in done.stdout
    lines = [line.strip() for line in done.stdout.splitlines() if "failed: record" in line]
    assert lines == [
        f"failed: record gone: {server.url('/gone.jpg')}: the server answered HTTP 404 Not Found",
        f"failed: record html: {server.url('/page.jpg')}: it is an HTML page, not an image",
    ]
    record = site.test_client().get("/iiif/3/tm/gone/record").get_json()
    assert record["image_references"][0]["state"] == "failed"


def test_nothing_could_run_exits_2(runner, tmp_path, site, monkeypatch) -> None:
    unknown = runner.invoke(main, ["images", "harvest", "nowhere", "--wait"])
    assert unknown.exit_code == 2
    assert "no institution 'nowhere'" in unknown.stderr
    in_background = runner.invoke(main, ["images", "harvest", "nowhere"])
    assert in_background.exit_code == 2
    monkeypatch.setenv("GLAMPUB_FETCH_RATE", "fast")
    for args in (["images", "harvest", "tm", "--wait"], ["images", "harvest", "tm"]):
        wrong = runner.invoke(main, args)
        assert wrong.exit_code == 2, wrong.output
        assert "GLAMPUB_FETCH_RATE must be a number" in wrong.stderr
    export = _export(tmp_path, [("a", "https://images.museum.example/a.jpg")])
    refused = _import(runner, export, "--fetch-images")
    assert refused.exit_code == 2  # stopped before anything was imported
    assert site.test_client().get("/iiif/3/tm/a/record").status_code == 404


def test_a_second_harvest_asks_only_conditionally(runner, tmp_path, site) -> None:
    with image_server() as server:
        rows = []
        for n in range(4):
            server.answers[f"/{n}.jpg"] = (200, "image/jpeg", jpeg_bytes(50 + n, 40))
            # The server says the images stay fresh for a day: they are asked all the same.
            validator = (
                {"ETag": f'"v{n}"'} if n % 2 else {"Last-Modified": "Sun, 06 Dec 2026 10:00:00 GMT"}
            )
            server.headers[f"/{n}.jpg"] = {**validator, "Cache-Control": "max-age=86400"}
            rows.append((str(n), server.url(f"/{n}.jpg")))
        assert _import(runner, _export(tmp_path, rows), "--fetch-images").exit_code == 0
        revision = site.test_client().get("/iiif/3/tm/1/record").get_json()
        asked = len(server.requests)
        done = runner.invoke(main, ["images", "harvest", "tm", "--wait"])
        assert done.exit_code == 0, done.output
        assert "4 of 4 fetched (4 unchanged since the last harvest)" in done.stdout
        again = server.request_headers[asked:]
        assert [status for _, status in server.statuses[asked:]] == [304] * 4
        assert all(h.get("If-None-Match") or h.get("If-Modified-Since") for h in again)
        # A re-import with --fetch-images is the same: one 304 per image, nothing changes.
        asked = len(server.requests)
        reimport = _import(runner, _export(tmp_path, rows), "--fetch-images")
        assert reimport.exit_code == 0, reimport.output
        assert [status for _, status in server.statuses[asked:]] == [304] * 4
    assert site.test_client().get("/iiif/3/tm/1/record").get_json() == revision


def test_the_staff_pages_show_how_far_it_got_and_what_failed(runner, tmp_path, site) -> None:
    staff = signed_in(site, "staff@tm.example")
    with image_server() as server:
        server.answers["/ok.jpg"] = (200, "image/jpeg", jpeg_bytes())
        rows = [("ok", server.url("/ok.jpg")), ("gone", server.url("/gone.jpg"))]
        assert _import(runner, _export(tmp_path, rows)).exit_code == 0
        page = staff.get("/staff/tm/imports").get_data(as_text=True)
        assert "2 image URLs wait to be fetched." in page
        assert "No image URLs have been harvested yet." in page
        assert runner.invoke(main, ["images", "harvest", "tm", "--wait"]).exit_code == 3
    page = staff.get("/staff/tm/imports").get_data(as_text=True)
    assert "1 of 2 fetched" in page and "1 failed" in page
    failures = page.split('id="harvest-failures"', 1)[1].split("</table>", 1)[0]
    assert "<td>gone</td>" in failures and server.url("/gone.jpg") in failures
    assert "the server answered HTTP 404 Not Found" in failures
    assert "wait to be fetched" not in page


def test_staff_can_start_a_harvest_that_runs_in_the_background(runner, tmp_path, site) -> None:
    staff = signed_in(site, "staff@tm.example")
    with image_server() as server:
        server.answers["/ok.jpg"] = (200, "image/jpeg", jpeg_bytes(90, 60))
        assert _import(runner, _export(tmp_path, [("ok", server.url("/ok.jpg"))])).exit_code == 0
        page = staff.get("/staff/tm/imports").get_data(as_text=True)
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        started = staff.post("/staff/tm/harvest", data={"csrf_token": token})
        assert started.status_code == 302
        for thread in site.extensions.get("glampub.jobs", []):
            thread.join(timeout=60)
    assert "1 of 1 fetched" in staff.get("/staff/tm/imports").get_data(as_text=True)
    canvas = site.test_client().get("/iiif/3/tm/ok/manifest").get_json()["items"][0]
    assert (canvas["width"], canvas["height"]) == (90, 60)


def _slow_images(server: ImageServer, count: int, held: int) -> list[tuple[str, str]]:
    rows = []
    for n in range(count):
        if n == held:
            server.hold(f"/{n}.jpg", jpeg_bytes(60, 40))
        else:
            server.answers[f"/{n}.jpg"] = (200, "image/jpeg", jpeg_bytes(60, 40))
        rows.append((f"R{n}", server.url(f"/{n}.jpg")))
    return rows


def test_a_killed_harvest_resumes_with_only_what_is_left(tmp_path) -> None:
    site = bench_site(tmp_path)
    with image_server() as server:
        rows = _slow_images(server, 8, held=5)
        export = tmp_path / "web.csv"
        export.write_text(HEADER + "".join(f"{i},Object {i},CC0,{url}\n" for i, url in rows))
        assert site.run("import", str(export), "--institution", "bench").returncode == 0
        job = subprocess_harvest(site)
        done_items = "SELECT count(*) FROM image_harvest_item"
        try:
            # Every image but the held one is stored; the held one is being asked for.
            # Both are waited for: on a busy machine the held request can reach the
            # image server after the other seven are stored.
            wait_for(
                lambda: site.query(done_items) == [(7,)] and server.held["/5.jpg"].is_set(),
                "seven images harvested and the eighth asked for",
                120,
            )
        finally:
            os.kill(job.pid, signal.SIGKILL)
            job.communicate()
        site.wait_for_the_server(job.pid)
        assert integrity_problems(site.data) == []
        asked = len(server.requests)
        server.release.set()
        again = site.run("images", "harvest", "bench", "--wait")
        assert again.returncode == 0, again.stderr
        assert server.requests[asked:] == ["/5.jpg"]
    assert "8 of 8 fetched" in again.stdout and "resumed: 7 were done before" in again.stdout
    stored = site.query("SELECT count(*) FROM image WHERE file_path IS NOT NULL AND width = 60")
    assert stored == [(8,)]
    assert site.query("SELECT status FROM image_harvest") == [("done",)]


def subprocess_harvest(site):  # type: ignore[no-untyped-def]
    import subprocess

    from tests.fault_helpers import CLI

    return subprocess.Popen(
        [*CLI, "images", "harvest", "bench", "--wait"],
        env=site.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_published_upload_harvests_its_image_urls_in_the_background(
    runner, tmp_path, site, monkeypatch
) -> None:
    """Through the staff pages: upload, preview, publish; the metadata is out at once,
    and the image URLs it left waiting are harvested by a background job (a thread of
    the web process here; an RQ job with GLAMPUB_REDIS_URL), on a deployment that
    names its contact."""
    from tests.staff_helpers import csrf_token, form_action, post_multipart, wait_for_upload

    monkeypatch.setenv("GLAMPUB_CONTACT", "mailto:web@glampub.invalid")
    staff = signed_in(site, "staff@tm.example")
    with image_server() as server:
        server.answers["/ok.jpg"] = (200, "image/jpeg", jpeg_bytes(120, 80))
        export = _export(tmp_path, [("ok", server.url("/ok.jpg"))])
        page = staff.get("/staff/tm/upload").get_data(as_text=True)
        data = {"csrf_token": csrf_token(page), "format": "auto", "profile": ""}
        with export.open("rb") as handle:
            data["export"] = (handle, "web.csv")
            response = post_multipart(staff, form_action(page), data)
        upload_id = int(response.headers["Location"].rsplit("/", 1)[-1])
        assert wait_for_upload(site, upload_id).status == "previewed"
        assert server.requests == []  # the preview fetches nothing
        html = staff.get(f"/staff/tm/uploads/{upload_id}").get_data(as_text=True)
        published = staff.post(
            f"/staff/tm/uploads/{upload_id}/publish", data={"csrf_token": csrf_token(html)}
        )
        assert published.status_code == 302
        assert wait_for_upload(site, upload_id).status == "published"
        wait_for(lambda: server.requests == ["/ok.jpg"], "the harvest's request", 60)
        assert "mailto:web@glampub.invalid" in server.request_headers[0]["User-Agent"]
        for thread in list(site.extensions.get("glampub.jobs", [])):
            thread.join(timeout=60)
    page = staff.get(f"/staff/tm/uploads/{upload_id}").get_data(as_text=True)
    assert "1 of 1 fetched" in page
    canvas = site.test_client().get("/iiif/3/tm/ok/manifest").get_json()["items"][0]
    assert (canvas["width"], canvas["height"]) == (120, 80)


def test_without_wait_the_harvest_runs_on_in_a_process_of_its_own(tmp_path) -> None:
    site = bench_site(tmp_path)
    with image_server() as server:
        server.answers["/ok.jpg"] = (200, "image/jpeg", jpeg_bytes(70, 50))
        export = tmp_path / "web.csv"
        export.write_text(HEADER + f"R1,Object 1,CC0,{server.url('/ok.jpg')}\n")
        assert site.run("import", str(export), "--institution", "bench").returncode == 0
        started = site.run("images", "harvest", "bench")
        assert started.returncode == 0, started.stderr
        assert "The harvest of bench's images runs in the background (process " in started.stdout
        log = site.data / "harvests" / "bench.log"
        # Its output goes to a log in the data folder, the summary last.
        wait_for(
            lambda: "Images of bench: 1 of 1 fetched" in log.read_text("utf-8"),
            "the harvest to finish",
            120,
        )
    assert site.query("SELECT status FROM image_harvest") == [("done",)]
    assert site.query("SELECT width, height FROM image") == [(70, 50)]


def test_with_redis_the_harvest_is_a_job_for_the_rq_worker(redis_queue, tmp_path) -> None:  # noqa: F811
    from rq import SimpleWorker

    from glampub.importing.run import ImportOptions, run_import
    from glampub.institutions.registry import add_institution
    from glampub.jobs import harvest_job

    app, queue = redis_queue
    data_dir = Path(app.config["DATA_DIR"])
    with database(app).transaction() as session:
        add_institution(session, "tm", "T", data_dir)
    with image_server() as server:
        server.answers["/ok.jpg"] = (200, "image/jpeg", jpeg_bytes(64, 48))
        export = _export(tmp_path, [("ok", server.url("/ok.jpg"))])
        run_import(database(app), data_dir, ImportOptions(institution="tm", path=export))
        assert harvest_job.start(app, "tm") == "rq"
        assert queue.count == 1
        assert queue.jobs[0].func_name == "glampub.jobs.worker.rq_harvest"
        assert server.requests == []  # nothing ran in the web process
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        assert server.requests == ["/ok.jpg"]
    canvas = app.test_client().get("/iiif/3/tm/ok/manifest").get_json()["items"][0]
    assert (canvas["width"], canvas["height"]) == (64, 48)


def test_without_a_contact_a_publish_leaves_the_harvest_to_staff(
    runner, tmp_path, site, monkeypatch
) -> None:
    from sqlalchemy import select

    from glampub.jobs import harvest_job
    from glampub.models import Institution

    monkeypatch.delenv("GLAMPUB_CONTACT", raising=False)
    with image_server() as server:
        export = _export(tmp_path, [("ok", server.url("/ok.jpg"))])
        assert _import(runner, export).exit_code == 0
        with database(site).transaction() as session:
            tm = session.scalar(select(Institution.id).where(Institution.slug == "tm"))
        with site.app_context():
            assert harvest_job.start_if_waiting(site, tm) is None
            monkeypatch.setenv("GLAMPUB_CONTACT", "mailto:web@glampub.invalid")
            assert harvest_job.start_if_waiting(site, tm) == "thread"
            for thread in site.extensions.get("glampub.jobs", []):
                thread.join(timeout=60)
        assert server.requests == ["/ok.jpg"]
