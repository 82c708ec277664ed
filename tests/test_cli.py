"""The command line, through click's runner and through the installed entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from glampub.cli import main

REPO = Path(__file__).resolve().parents[1]
KESTREL = REPO / "sample_collections" / "kestrel-museum"
GLAMPUB = Path(sys.executable).parent / "glampub"


def test_entry_point_lists_every_command() -> None:
    result = subprocess.run(
        [str(GLAMPUB), "--help"], capture_output=True, text=True, check=True, timeout=60
    )
    for command in ("demo", "serve", "import", "rights", "institution", "user", "token"):
        assert f"  {command}" in result.stdout


def test_entry_point_explains_a_statement_as_json() -> None:
    result = subprocess.run(
        [
            str(GLAMPUB),
            "rights",
            "explain",
            "https://creativecommons.org/licenses/by/4.0/deed.de",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["uri"] == "http://creativecommons.org/licenses/by/4.0/"
    assert decision["status"] == "mapped"
    assert decision["reuse"] == "free"
    assert set(decision) == {
        "statement",
        "uri",
        "status",
        "label",
        "reuse",
        "rule",
        "reason",
        "warnings",
    }


def test_rights_explain_reads_one_statement_per_line(runner) -> None:
    lines = "CC0\nAll rights reserved\nsee our website\n"
    result = runner.invoke(main, ["rights", "explain", "-"], input=lines)
    assert result.exit_code == 0
    decisions = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["statement"] for d in decisions] == ["CC0", "All rights reserved", "see our website"]
    assert decisions[0]["uri"] == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert decisions[1]["uri"] == "http://rightsstatements.org/vocab/InC/1.0/"
    assert decisions[2]["uri"] is None
    assert decisions[2]["status"] == "needs-review"


def test_rights_explain_for_people(runner) -> None:
    result = runner.invoke(main, ["rights", "explain", "Public Domain Mark 1.0"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:3] == [
        "Statement: Public Domain Mark 1.0",
        "Maps to:   Public Domain Mark 1.0 <http://creativecommons.org/publicdomain/mark/1.0/>",
        "Reuse:     free",
    ]


def test_institution_add_then_update(runner) -> None:
    first = runner.invoke(main, ["institution", "add", "km", "--name", "Kestrel"])
    assert (first.exit_code, first.stdout) == (0, "Added institution km: Kestrel\n")
    again = runner.invoke(
        main,
        [
            "institution",
            "add",
            "km",
            "--name",
            "Kestrel Museum",
            "--homepage",
            "https://k.example/",
        ],
    )
    assert (again.exit_code, again.stdout) == (0, "Updated institution km: Kestrel Museum\n")


def test_institution_add_refuses_a_bad_slug(runner) -> None:
    result = runner.invoke(main, ["institution", "add", "Bad Slug", "--name", "X"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: 'Bad Slug' is not a valid institution slug: use lower-case letters, digits "
        "and hyphens, e.g. 'kestrel-museum'\n"
    )


def test_import_of_the_sample_csv_and_its_json_report(runner, tmp_path) -> None:
    images = tmp_path / "images"
    sys.path.insert(0, str(REPO / "sample_collections"))
    try:
        import make_images
    finally:
        sys.path.remove(str(REPO / "sample_collections"))
    make_images.make_images(KESTREL, images)
    assert (
        runner.invoke(main, ["institution", "add", "kestrel-museum", "--name", "K"]).exit_code == 0
    )
    args = [
        "import",
        str(KESTREL / "objects.csv"),
        "--institution",
        "kestrel-museum",
        "--images",
        str(images),
        "--json",
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert {
        "created",
        "updated",
        "unchanged",
        "withdrawn",
        "rejected",
        "rights",
        "problems",
    } <= set(report)
    assert (report["created"], report["rejected"]) == (22, 0)
    assert report["rights"]["needs-review"] >= 1
    for problem in report["problems"]:
        assert {"record", "line", "message", "code"} <= set(problem)
    again = json.loads(runner.invoke(main, args).stdout)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 22)


def test_import_for_people_prints_counts_and_problems(runner, tmp_path) -> None:
    export = tmp_path / "objects.csv"
    export.write_text("identifier,title,rights\n1,Jug,CC0\n,Bowl,CC0\n", encoding="utf-8")
    runner.invoke(main, ["institution", "add", "t", "--name", "T"])
    result = runner.invoke(main, ["import", str(export), "--institution", "t"])
    assert result.exit_code == 3
    lines = result.stdout.splitlines()
    assert lines[0] == f"Imported {export} into t as csv"
    assert lines[1] == "created 1, updated 0, unchanged 0, withdrawn 0, rejected 1"
    assert "missing-identifier" in result.stdout


def test_import_errors_exit_2_with_a_message(runner, tmp_path) -> None:
    missing = runner.invoke(main, ["import", str(tmp_path / "nope.csv"), "--institution", "t"])
    assert missing.exit_code == 2
    assert missing.stderr == f"Error: {tmp_path / 'nope.csv'}: no such file\n"
    export = tmp_path / "objects.csv"
    export.write_text("identifier,title\n1,Jug\n", encoding="utf-8")
    unknown = runner.invoke(main, ["import", str(export), "--institution", "nobody"])
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("Error: no institution 'nobody'")
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(range(256)) * 20)
    runner.invoke(main, ["institution", "add", "t", "--name", "T"])
    refused = runner.invoke(main, ["import", str(garbage), "--institution", "t"])
    assert refused.exit_code == 2
    assert refused.stderr.startswith("Error: ")
    assert "Traceback" not in refused.stderr + refused.stdout


def test_user_add_and_token_create(runner) -> None:
    runner.invoke(main, ["institution", "add", "km", "--name", "Kestrel"])
    added = runner.invoke(
        main,
        ["user", "add", "Curator@Kestrel.example", "--institution", "km", "--password-stdin"],
        input="a long enough password\n",
    )
    assert (added.exit_code, added.stdout) == (0, "Added account curator@kestrel.example (km)\n")
    short = runner.invoke(
        main,
        ["user", "add", "x@kestrel.example", "--institution", "km", "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code == 2
    assert short.stderr == "Error: the password must have at least 12 characters\n"
    token = runner.invoke(main, ["token", "create", "curator@kestrel.example"])
    assert token.exit_code == 0
    assert token.stdout.startswith("gp_") and len(token.stdout.strip()) > 40
    unknown = runner.invoke(main, ["token", "create", "nobody@kestrel.example"])
    assert unknown.exit_code == 2


def test_the_demo_is_idempotent(demo_app) -> None:
    from glampub.importing.demo import load_demo
    from tests.conftest import database

    reports = load_demo(database(demo_app), Path(demo_app.config["DATA_DIR"]))
    assert [(r.institution, r.created, r.updated, r.unchanged) for r in reports] == [
        ("kestrel-museum", 0, 0, 22),
        ("stadtmuseum-lindenau", 0, 0, 18),
    ]


def test_xml_that_is_not_lido_says_what_its_root_is(runner, tmp_path) -> None:
    runner.invoke(main, ["institution", "add", "t", "--name", "T"])
    export = tmp_path / "other.xml"
    export.write_text('<?xml version="1.0"?><lidoWrap xmlns="http://example.org/x"/>', "utf-8")
    result = runner.invoke(main, ["import", str(export), "--institution", "t"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {export}: cannot tell the format of this file (it is XML, but its root "
        "element is {http://example.org/x}lidoWrap, not lido:lidoWrap or lido:lido in the "
        "namespace http://www.lido-schema.org); name it with --format (csv, lido)\n"
    )


def test_encoding_and_delimiter_can_be_given_instead_of_detected(runner, tmp_path) -> None:
    runner.invoke(main, ["institution", "add", "t", "--name", "T"])
    export = tmp_path / "objects.csv"
    # Semicolons, cp1252 bytes that also decode as latin-1 and utf-8 fails on.
    export.write_bytes("identifier;title\n1;Kr\u00fcge \u2013 zwei\n".encode("cp1252"))
    given = runner.invoke(
        main,
        [
            "import",
            str(export),
            "--institution",
            "t",
            "--json",
            "--encoding",
            "cp1252",
            "--delimiter",
            ";",
        ],
    )
    assert given.exit_code == 0, given.stderr
    report = json.loads(given.stdout)
    assert report["created"] == 1
    assert "encoding-guessed" not in [p["code"] for p in report["problems"]]
    bogus = runner.invoke(
        main, ["import", str(export), "--institution", "t", "--encoding", "klingon"]
    )
    assert bogus.exit_code == 2
    assert bogus.stderr == (
        "Error: --encoding/--delimiter: [profile] encoding: unknown encoding 'klingon'\n"
    )
    lido = KESTREL.parent / "stadtmuseum-lindenau" / "objects.xml"
    not_csv = runner.invoke(main, ["import", str(lido), "--institution", "t", "--delimiter", ";"])
    assert not_csv.exit_code == 2
    assert not_csv.stderr == "Error: the lido format takes no --delimiter\n"


def test_commands_without_the_app_find_the_data_folder_flask_finds(monkeypatch) -> None:
    # glampub import opens the database without the app: with GLAMPUB_DATA_DIR
    # unset it must still use the folder (and SQLite file) the site serves.
    from flask import Flask

    import glampub
    from glampub.config import instance_path

    flask_finds = Flask("glampub").auto_find_instance_path
    assert instance_path() == flask_finds()
    # Installed into the environment Python runs from: PREFIX/var/glampub-instance.
    beside_the_package = Path(glampub.__file__).parents[1]
    monkeypatch.setattr(sys, "prefix", str(beside_the_package))
    expected = str(beside_the_package / "var" / "glampub-instance")
    assert instance_path() == flask_finds() == expected
