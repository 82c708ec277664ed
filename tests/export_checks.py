"""Checks every export must pass, shared by the tests on the real exports in
../shared/corpus (tests/test_csv_importer.py, tests/test_lido_importer.py,
tests/test_import_reader.py, tests/test_corpus_end_to_end.py) and those on our
own small exports in tests/data/exports (tests/test_own_exports.py), so that
both ask exactly the same of a file.

Reading: `check_csv_reads_without_a_profile`, `check_csv_reads_with_its_profile`,
`check_lido_reads`, `check_comments_change_only_the_source`,
`check_the_reader_process_yields_what_the_importer_yields`. Through `glampub
import`, as a collections manager would run it, to manifests checked against
the IIIF schema: `import_lido_export`, `import_csv_export`. The records point
at images on the museums' own web sites; a small JPEG is made for each file
name a record references and the folder given with --images, as a museum sends
its image files alongside the export, so the records end up on real canvases.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree
from PIL import Image

from glampub import create_app
from glampub.cli import main
from glampub.errors import Problem, UnreadableInput
from glampub.importing.reader import read_in_reader_process
from glampub.importing.record_images import local_reference
from importers.base import SourceRecord, get_importer
from importers.csv.importer import CsvImporter
from importers.csv.profile import load_profile
from tests.conftest import BASE_URL, assert_valid_iiif, database
from tests.iiif_urls import local_path, walk_manifests

#: Images are made for the first records only: enough to put real CSV rows on
#: canvases without making thousands of files.
IMAGES_PER_FILE = 25


def read_export(path: Path, profile: str | None = None) -> tuple[list[SourceRecord], list[Problem]]:
    """The records and problems of a LIDO (.xml) or CSV export, read in this process."""
    importer = get_importer("lido" if path.suffix == ".xml" else "csv")
    loaded = load_profile(profile) if profile else None
    items = list(importer.read(path, loaded))
    records = [item for item in items if isinstance(item, SourceRecord)]
    problems = [item for item in items if isinstance(item, Problem)]
    assert len(records) + len(problems) == len(items)
    return records, problems


# -- reading ------------------------------------------------------------------------------


def check_csv_reads_without_a_profile(path: Path, *, people: bool) -> None:
    """Read with guessed columns (and said so), or refused as a list of people."""
    assert CsvImporter().sniff(path)
    if people:
        with pytest.raises(UnreadableInput, match="seems to list people/artists, not objects"):
            read_export(path)
        return
    records, problems = read_export(path)
    assert records
    assert all(p.line is not None for p in problems)
    assert [p.code for p in problems if p.code == "guessed-columns"] == ["guessed-columns"]


def check_csv_reads_with_its_profile(path: Path, profile: str) -> list[SourceRecord]:
    """Read with its shipped profile: no guessing, each problem on a line."""
    records, problems = read_export(path, profile)
    assert records
    assert all(p.line is not None and p.code != "guessed-columns" for p in problems)
    return records


def check_lido_reads(path: Path) -> None:
    """Every record read, without a problem, with its verbatim source and lower-case,
    two-letter languages."""
    records, problems = read_export(path)
    assert records, path
    assert problems == []
    for number, record in enumerate(records, start=1):
        assert record.identifier.strip()
        assert any(record.title.values()), record.identifier
        assert record.line == number
        assert (record.source_format, record.source_media_type) == ("lido", "application/xml")
        assert record.extra["lido_version"] in ("1.0", "1.1")
        assert isinstance(record.extra["source_line"], int)
        # The verbatim record parses back to the same lido:lido element.
        again = etree.fromstring(record.source.encode())
        assert again.tag == "{http://www.lido-schema.org}lido"
        for langmap in (record.title, record.description, record.object_type, record.materials):
            assert all(lang == lang.lower() and len(lang) != 3 for lang in langmap), langmap


def check_comments_change_only_the_source(tmp_path: Path, path: Path) -> None:
    """A comment and a processing instruction in every LIDO element change each
    record's verbatim source and nothing else."""
    noisy = tmp_path / path.name
    noisy.write_text(
        re.sub(r"(<lido:\w+(?: [^>]*)?>)", r"\1<!-- note --><?pi x?>", path.read_text("utf-8")),
        encoding="utf-8",
    )
    plain, commented = read_export(path)[0], read_export(noisy)[0]
    assert len(plain) == len(commented)
    for original, changed in zip(plain, commented, strict=True):
        assert original.source != changed.source
        original.source = changed.source = ""
        assert dataclasses.asdict(original) == dataclasses.asdict(changed)


def check_the_reader_process_yields_what_the_importer_yields(
    importer: str, path: Path, profile: str | None
) -> int:
    """The reader process yields the same items, in the same order, as the
    importer read in this process; returns how many."""
    reader = get_importer(importer)
    loaded = reader.load_profile(profile) if profile else None  # type: ignore[attr-defined]
    expected = list(reader.read(path, loaded))
    assert list(read_in_reader_process(importer, path, loaded)) == expected
    return len(expected)


# -- through `glampub import` --------------------------------------------------------------


def referenced_names(path: Path, importer: str, profile: str | None) -> list[str]:
    """The file names of the images the first records reference, each once."""
    reader = get_importer(importer)
    items = reader.read(path, load_profile(profile)) if profile else reader.read(path)
    names: list[str] = []
    for item in items:
        if not isinstance(item, SourceRecord):
            continue
        for image in item.images:
            reference = local_reference(image.reference, is_url=image.is_url)
            name = Path(reference).name if reference else None
            if name and name not in names:
                names.append(name)
        if len(names) >= IMAGES_PER_FILE:
            break
    return names


def make_images(folder: Path, names: list[str]) -> None:
    """A small image under each name (and as a JPEG), a little wider each time."""
    folder.mkdir()
    for index, name in enumerate(names):
        image = Image.new("RGB", (64 + index, 48), (index * 9 % 256, 90, 140))
        image.save(folder / Path(name).with_suffix(".jpg").name, "JPEG")
        if Path(name).suffix.lower() not in {".jpg", ".jpeg"}:
            # The reference names another format: keep its exact name too.
            image.save(folder / name, "PNG")


def import_into_a_new_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: Path, extra: list[str]
) -> tuple[int, dict, str]:
    """`glampub import` of ``path`` for a new institution "corpus" in tmp_path/data:
    exit code, JSON report ({} on exit 2) and standard error."""
    monkeypatch.setenv("GLAMPUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GLAMPUB_DATABASE_URL", raising=False)
    added = CliRunner().invoke(main, ["institution", "add", "corpus", "--name", "Corpus Museum"])
    assert added.exit_code == 0, added.output
    return run_import(path, extra)


def run_import(path: Path, extra: list[str]) -> tuple[int, dict, str]:
    result = CliRunner().invoke(
        main, ["import", str(path), "--institution", "corpus", "--json", *extra]
    )
    report = json.loads(result.stdout) if result.exit_code != 2 else {}
    return result.exit_code, report, result.stderr


def check_report(exit_code: int, report: dict) -> None:
    """Records created; exit 3 exactly when some were rejected; each problem placed."""
    assert exit_code in (0, 3)
    assert (exit_code == 3) == (report["rejected"] > 0)
    assert report["created"] > 0
    for problem in report["problems"]:
        assert problem["message"].strip()
        assert problem["record"] or problem["line"], problem


def check_reimport(path: Path, extra: list[str], first: dict) -> None:
    """The same file again: every record unchanged, and the same problems reported."""
    exit_code, again, _ = run_import(path, extra)
    assert exit_code in (0, 3)
    assert (again["created"], again["updated"], again["withdrawn"]) == (0, 0, 0)
    assert again["unchanged"] == first["created"] + first["updated"]
    assert again["rejected"] == first["rejected"]
    assert again["problems"] == first["problems"]


def manifests_validate(tmp_path: Path, validator: Any) -> int:
    """Every manifest of the institution "corpus" is served and valid; returns how many."""
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True, "BASE_URL": BASE_URL})
    try:
        client = app.test_client()
        manifests = walk_manifests(client, f"{BASE_URL}/iiif/3/collection/corpus")
        for url in manifests:
            response = client.get(local_path(url))
            assert response.status_code == 200, url
            assert_valid_iiif(validator, response.get_json())
        return len(manifests)
    finally:
        database(app).dispose()


@dataclasses.dataclass
class Imported:
    """What one export's import gave: its report, the image names made for it, and
    how many valid manifests it published."""

    exit_code: int
    report: dict
    names: list[str]
    manifests: int


def import_lido_export(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validator: Any
) -> Imported:
    """Imported with its images, checked, imported again unchanged; manifests validated."""
    names = referenced_names(path, "lido", None)
    make_images(tmp_path / "images", names)
    extra = ["--images", str(tmp_path / "images")]
    exit_code, report, _ = import_into_a_new_site(tmp_path, monkeypatch, path, extra)
    check_report(exit_code, report)
    check_reimport(path, extra, report)
    return Imported(exit_code, report, names, manifests_validate(tmp_path, validator))


def import_csv_export(
    path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    validator: Any,
    *,
    profile: str | None,
    people: bool,
) -> Imported | None:
    """A list of people refused (exit 2, naming the file; None); an export of objects
    imported with its profile and images as `import_lido_export` does."""
    if people:
        exit_code, _, stderr = import_into_a_new_site(tmp_path, monkeypatch, path, [])
        assert exit_code == 2
        assert str(path) in stderr and "people" in stderr
        return None
    names = referenced_names(path, "csv", profile)
    extra = ["--profile", profile] if profile else []
    if names:
        make_images(tmp_path / "images", names)
        extra += ["--images", str(tmp_path / "images")]
    exit_code, report, _ = import_into_a_new_site(tmp_path, monkeypatch, path, extra)
    check_report(exit_code, report)
    check_reimport(path, extra, report)
    return Imported(exit_code, report, names, manifests_validate(tmp_path, validator))
