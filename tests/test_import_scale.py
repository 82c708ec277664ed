"""What keeps an import flat in memory: problems spilled to a file of the run,
identifiers kept in the database, and the safety rules that go with them."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from glampub.cli import main
from glampub.importing import problem_log
from glampub.importing import run as importing
from glampub.importing.run import ImportOptions, run_import
from glampub.institutions.registry import add_institution
from glampub.models import CollectionObject, ImportRun
from tests.conftest import database

LIDO_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<lido:lidoWrap xmlns:lido="http://www.lido-schema.org">\n'


def _lido_record(identifier: str, title: str = "A title") -> str:
    return (
        f"<lido:lido><lido:lidoRecID>{identifier}</lido:lidoRecID><lido:descriptiveMetadata "
        'xml:lang="en"><lido:objectIdentificationWrap><lido:titleWrap><lido:titleSet>'
        f"<lido:appellationValue>{title}</lido:appellationValue></lido:titleSet>"
        "</lido:titleWrap></lido:objectIdentificationWrap></lido:descriptiveMetadata>"
        "</lido:lido>\n"
    )


def _setup(app) -> None:
    with database(app).transaction() as session:
        add_institution(session, "t", "Test Museum", Path(app.config["DATA_DIR"]))


def _import(app, path: Path, **kwargs):
    options = ImportOptions(institution="t", path=path, **kwargs)
    return run_import(database(app), Path(app.config["DATA_DIR"]), options)


def test_problems_beyond_the_first_few_are_kept_in_a_file_and_all_reported(
    app, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(problem_log, "KEEP_IN_MEMORY", 2)
    _setup(app)
    export = tmp_path / "objects.csv"
    rows = "".join(f"{n},Jug {n},Ask us\n" for n in range(1, 6))
    export.write_text("identifier,title,rights\n" + rows + ",No id,CC0\n", encoding="utf-8")
    report = _import(app, export)

    assert len(report.problems.first) == 2
    everything = [(p.record, p.line, p.code) for p in report.problems]
    # What reading finds comes first, then what writing the batch finds.
    assert everything == [
        (None, 7, "missing-identifier"),
        *[(str(n), n + 1, "rights-needs-review") for n in range(1, 6)],
    ]
    assert dict(report.problems.counts) == {"rights-needs-review": 5, "missing-identifier": 1}
    with database(app).transaction() as session:
        run = session.scalar(select(ImportRun))
        assert [p["record"] for p in run.problems] == [None, "1"]
        assert (run.problems_total, run.problem_counts) == (6, dict(report.problems.counts))
        assert run.problems_file == f"import-runs/run-{run.id}-problems.jsonl"
        lines = (Path(app.config["DATA_DIR"]) / run.problems_file).read_text().splitlines()
    assert [json.loads(line)["code"] for line in lines] == [c for _, _, c in everything]


def test_the_json_report_prints_every_problem_from_the_file(runner, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(problem_log, "KEEP_IN_MEMORY", 1)
    export = tmp_path / "objects.csv"
    export.write_text(
        "identifier,title,rights\n" + "".join(f"{n},Jug,Ask us\n" for n in range(3)), "utf-8"
    )
    runner.invoke(main, ["institution", "add", "t", "--name", "T"])
    result = runner.invoke(main, ["import", str(export), "--institution", "t", "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(p["record"], p["line"], p["code"]) for p in report["problems"]] == [
        ("0", 2, "rights-needs-review"),
        ("1", 3, "rights-needs-review"),
        ("2", 4, "rights-needs-review"),
    ]
    assert report["problems_total"] == 3
    assert report["problem_counts"] == {"rights-needs-review": 3}
    assert report["problems_file"].endswith("-problems.jsonl")
    # The terminal report names them all too.
    text = runner.invoke(main, ["import", str(export), "--institution", "t"]).stdout
    assert text.count("rights-needs-review (warning)") == 3
    assert "Every problem is also in " in text


def test_duplicates_are_caught_across_batches(app, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(importing, "BATCH_SIZE", 2)
    _setup(app)
    export = tmp_path / "export.xml"
    records = ["X1", "X2", "X3", "X4", "X1", "X3"]
    export.write_text(
        LIDO_HEAD + "".join(_lido_record(r) for r in records) + "</lido:lidoWrap>\n", "utf-8"
    )
    report = _import(app, export)
    assert (report.created, report.rejected, report.exit_code) == (4, 2, 3)
    duplicates = [(p.record, p.line) for p in report.problems if p.code == "duplicate-identifier"]
    assert duplicates == [("X1", 5), ("X3", 6)]
    first = next(p for p in report.problems if p.code == "duplicate-identifier")
    assert "was already used by record 1" in first.message


def test_csv_duplicates_beyond_what_the_importer_remembers_are_still_refused(
    app, tmp_path, monkeypatch
) -> None:
    from importers.csv import importer as csv_importer

    # The CSV importer remembers only the first identifiers (flat memory); the
    # import's staging table refuses every later repeat all the same.
    monkeypatch.setattr(csv_importer, "DUPLICATES_CHECKED_HERE", 2)
    monkeypatch.setattr(importing, "BATCH_SIZE", 2)
    _setup(app)
    export = tmp_path / "objects.csv"
    rows = "".join(f"{i},Jug {i},CC0\n" for i in ("1", "2", "3", "4", "1", "3"))
    export.write_text("identifier,title,rights\n" + rows, encoding="utf-8")
    report = _import(app, export)
    assert (report.created, report.rejected, report.exit_code) == (4, 2, 3)
    duplicates = [(p.record, p.line) for p in report.problems if p.code == "duplicate-identifier"]
    assert duplicates == [("1", 6), ("3", 7)]
    messages = [p.message for p in report.problems if p.code == "duplicate-identifier"]
    assert "already used by the record on line 2" in messages[0]  # remembered by the importer
    assert "first at line or record 4" in messages[1]  # refused by the staging table


def test_a_full_export_cut_short_withdraws_nothing(app, tmp_path) -> None:
    _setup(app)
    whole = tmp_path / "whole.xml"
    body = "".join(_lido_record(f"X{n}") for n in range(1, 6))
    whole.write_text(LIDO_HEAD + body + "</lido:lidoWrap>\n", "utf-8")
    assert _import(app, whole).created == 5
    cut = tmp_path / "cut.xml"
    cut.write_text(LIDO_HEAD + body[: len(body) // 2], "utf-8")
    report = _import(app, cut, full=True)
    assert report.withdrawn == 0
    codes = [p.code for p in report.problems]
    assert "malformed-xml" in codes and "not-withdrawn" in codes
    with database(app).transaction() as session:
        statuses = session.scalars(select(CollectionObject.status)).all()
    assert statuses == ["published"] * 5
