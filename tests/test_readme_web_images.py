"""The README's tour of images given as URLs runs as written, command after command,
in a copy of a fresh checkout's sample: the museum's server starts on 127.0.0.1,
the export is imported with --fetch-images through the CLI entry point, and what
the tour says is published is: viewable manifests with the services' sizes, the
in-copyright image as a thumbnail only, the web page kept as a link, and the
collection's count."""

from __future__ import annotations

import fcntl
import json
import runpy
import shlex
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from glampub import create_app
from glampub.cli import main
from tests.conftest import BASE_URL, REPO, assert_valid_iiif, database

README = REPO / "README.md"
SAMPLE = "sample_collections/museum-on-the-web"
MUSEUM = "http://127.0.0.1:8731"
#: The tour's port is fixed (the export names it), so runs of the suite side by side
#: on one machine (CI runs two lanes at once, each with its own TMPDIR) take turns
#: through a lock in the machine's /tmp, not in their own temporary folders.
PORT_LOCK = Path("/tmp/glampub-tour-museum-8731.lock")


def tour_commands() -> list[str]:
    """The lines of the first ```sh block under "## A tour of images given as URLs"."""
    section = README.read_text("utf-8").split("\n## A tour of images given as URLs\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("\n```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def _run(command: str, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs a line as the shell would: its ``NAME=value`` prefixes set for that command
    only, then what `uv run …` runs, in this process (the console script through its
    entry point, or a Python script as its own __main__)."""
    words = shlex.split(command)
    with monkeypatch.context() as patch:
        while "=" in words[0] and not words[0].startswith("-"):
            name, value = words.pop(0).split("=", 1)
            patch.setenv(name, value)
        assert words[:2] == ["uv", "run"], f"the tour says uv run for every command: {command}"
        if words[2] == "python":
            with pytest.raises(SystemExit) as ended:
                patch.setattr(sys, "argv", words[3:])
                runpy.run_path(words[3], run_name="__main__")
            assert ended.value.code == 0, command
            return
        assert words[2] == "glampub", command
        result = runner.invoke(main, words[3:])
        assert result.exit_code == 0, f"{command}\n{result.output}"


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The sample as a fresh clone has it (no drawn files), as the working folder;
    the museum's server is stopped afterwards whatever happened."""
    folder = tmp_path / "checkout"
    shutil.copytree(
        REPO / SAMPLE, folder / SAMPLE, ignore=shutil.ignore_patterns("www", "museum.pid")
    )
    monkeypatch.chdir(folder)
    with PORT_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield folder
        finally:
            _stop_museum(folder, monkeypatch)


def _stop_museum(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if (folder / SAMPLE / "museum.pid").is_file():
        with pytest.raises(SystemExit), monkeypatch.context() as patch:
            patch.setattr(sys, "argv", [f"{SAMPLE}/museum.py", "stop"])
            runpy.run_path(f"{SAMPLE}/museum.py", run_name="__main__")


def _body(manifest: dict, canvas: int = 0) -> dict:
    return manifest["items"][canvas]["items"][0]["items"][0]["body"]


def test_the_tour_of_images_given_as_urls_runs_as_written(
    checkout: Path,
    tmp_path: Path,
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    iiif_validator,  # type: ignore[no-untyped-def]
) -> None:
    commands = tour_commands()
    serve = commands.index("uv run glampub serve")
    # Serving runs until stopped (tests/test_serve.py starts it); here it must exist.
    for command in [*commands[:serve], "uv run glampub serve --help"]:
        _run(command, runner, monkeypatch)

    app = create_app(
        {"DATA_DIR": str(tmp_path / "cli-data"), "TESTING": True, "BASE_URL": BASE_URL}
    )
    try:
        client = app.test_client()
        manifests = {}
        for identifier in ("WEB-1", "WEB-2", "WEB-3", "WEB-4", "WEB-5"):
            answer = client.get(f"/iiif/3/harbour-archive/{identifier}/manifest")
            assert answer.status_code == 200, identifier
            manifests[identifier] = answer.get_json()
            assert_valid_iiif(iiif_validator, manifests[identifier])

        # The plain JPEG is glampub's own image now, offered for download.
        plain = manifests["WEB-1"]
        assert (plain["items"][0]["width"], plain["items"][0]["height"]) == (1200, 900)
        assert _body(plain)["service"][0]["id"].startswith(f"{BASE_URL}/iiif/image/3/")
        assert "rendering" in plain
        # The services are the museum's, at the sizes their info.json gives.
        chart = manifests["WEB-2"]
        assert (chart["items"][0]["width"], chart["items"][0]["height"]) == (2400, 1800)
        assert _body(chart)["service"] == [
            {"id": f"{MUSEUM}/iiif/3/harbour-chart", "type": "ImageService3", "profile": "level0"}
        ]
        letters = manifests["WEB-3"]
        assert (letters["items"][0]["width"], letters["items"][0]["height"]) == (1200, 1600)
        assert _body(letters)["service"][0]["@id"] == f"{MUSEUM}/iiif/2/letter-book"
        assert _body(letters)["service"][0]["@type"] == "ImageService2"
        sketchbook = manifests["WEB-4"]
        assert [(c["width"], c["height"]) for c in sketchbook["items"]] == [
            (1600, 1200),
            (1200, 1600),
        ]
        assert [_body(sketchbook, n)["service"][0]["id"] for n in (0, 1)] == [
            f"{MUSEUM}/iiif/3/sketchbook-1",
            f"{MUSEUM}/iiif/3/sketchbook-2",
        ]
        # In copyright: the museum's size on the canvas, glampub's 400 pixels painting it.
        quay = manifests["WEB-5"]
        assert MUSEUM not in json.dumps(quay)
        assert (quay["items"][0]["width"], quay["items"][0]["height"]) == (1800, 1200)
        assert (_body(quay)["width"], _body(quay)["height"]) == (400, 267)
        page = client.get("/objects/harbour-archive/WEB-5").get_data(as_text=True)
        assert "Only a small image is published" in page and MUSEUM not in page

        # The web page stays a link, with the reason on the page and in the record JSON.
        assert client.get("/iiif/3/harbour-archive/WEB-6/manifest").status_code == 404
        record = client.get("/iiif/3/harbour-archive/WEB-6/record").get_json()
        assert record["image_references"] == [
            {
                "position": 1,
                "url": f"{MUSEUM}/about.html",
                "class": "link",
                "state": "failed",
                "reason": "it is an HTML page, not an image",
            }
        ]
        page = client.get("/objects/harbour-archive/WEB-6").get_data(as_text=True)
        assert f'<a href="{MUSEUM}/about.html" rel="nofollow noopener">' in page
        summary = client.get("/iiif/3/collection/harbour-archive").get_json()["summary"]
        assert summary == {"en": ["5 objects with images of 6 published"]}
    finally:
        database(app).dispose()

    for command in commands[serve + 1 :]:
        _run(command, runner, monkeypatch)
    assert not (checkout / SAMPLE / "museum.pid").exists()
