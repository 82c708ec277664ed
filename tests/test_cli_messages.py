"""What the command line says to a newcomer: exact output and exit codes.

Through click's runner (output captured, so not a terminal) and, where the
terminal matters, through the installed entry point.
"""

from __future__ import annotations

import json
from pathlib import Path

from glampub.cli import main
from tests.installed_command import run_installed, shell_env

CSV = "identifier,title,rights\n1,Jug,CC0\n2,Bowl,CC0\n"


def _institution(runner, slug: str = "my-museum", name: str = "My Museum") -> None:
    result = runner.invoke(main, ["institution", "add", slug, "--name", name])
    assert result.exit_code == 0, result.stderr


# A folder given as PATH.


def test_a_folder_with_one_export_imports_it_with_the_folder_as_its_images(
    runner, tmp_path
) -> None:
    _institution(runner)
    folder = tmp_path / "handover"
    (folder / "images").mkdir(parents=True)
    (folder / "objects.csv").write_text(
        "identifier,title,rights,image\n1,Jug,CC0,images/jug.jpg\n", "utf-8"
    )
    from PIL import Image

    Image.new("RGB", (40, 30), "red").save(folder / "images" / "jug.jpg")
    (folder / "README.txt").write_text("Photographs by the museum.", "utf-8")
    result = runner.invoke(main, ["import", str(folder), "--institution", "my-museum"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[:3] == [
        f"{folder} is a folder: importing objects.csv from it, with the images in {folder}",
        f"Imported {folder / 'objects.csv'} into my-museum as csv",
        "created 1, updated 0, unchanged 0, withdrawn 0, rejected 0",
    ]
    assert "missing-image" not in result.stdout
    as_json = runner.invoke(main, ["import", str(folder), "--institution", "my-museum", "--json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout)["unchanged"] == 1


def test_a_folder_with_several_exports_is_refused_with_what_it_holds(runner, tmp_path) -> None:
    _institution(runner)
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in ("objects.csv", "people.csv", "objects.xml"):
        (folder / name).write_text(CSV, "utf-8")
    result = runner.invoke(main, ["import", str(folder), "--institution", "my-museum"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: {folder} is a folder with 3 exports in it (objects.csv, objects.xml, "
        "people.csv): import one file at a time, e.g. glampub import "
        f"{folder / 'objects.csv'} --institution my-museum\n"
    )


def test_a_folder_without_an_export_says_so(runner, tmp_path) -> None:
    _institution(runner)
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "1.jpg").write_bytes(b"\xff\xd8\xff")
    (folder / "notes.txt").write_text("x", "utf-8")
    result = runner.invoke(main, ["import", str(folder), "--institution", "my-museum"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {folder} is a folder, not an export file, and none of the 2 entries at its "
        "top level is an export (.csv, .tsv, .tab, .xml, .lido): give the export file itself "
        "as PATH\n"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(main, ["import", str(empty), "--institution", "my-museum"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {empty} is an empty folder, not an export file: give the export file as PATH\n"
    )


# An institution's name where its slug goes.


def test_a_name_given_for_a_slug_suggests_the_slug_that_exists(runner, tmp_path) -> None:
    _institution(runner)
    export = tmp_path / "objects.csv"
    export.write_text(CSV, "utf-8")
    for given in ("My Museum", "my museum", "mymuseum", "my-musuem"):
        result = runner.invoke(main, ["import", str(export), "--institution", given])
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == f"Error: no institution {given!r}; did you mean my-museum?\n"


def test_an_unknown_institution_gets_a_command_that_works(runner, tmp_path) -> None:
    export = tmp_path / "objects.csv"
    export.write_text(CSV, "utf-8")
    result = runner.invoke(main, ["import", str(export), "--institution", "Musée d'Orsay"])
    assert result.exit_code == 2
    assert result.stderr == (
        'Error: no institution "Musée d\'Orsay"; create it with '
        '`glampub institution add musee-d-orsay --name "Musée d\'Orsay"`\n'
    )
    advised = runner.invoke(
        main, ["institution", "add", "musee-d-orsay", "--name", "Musée d'Orsay"]
    )
    assert advised.exit_code == 0, advised.stderr
    plain = runner.invoke(main, ["import", str(export), "--institution", "tate"])
    assert plain.stderr == (
        "Error: no institution 'tate'; create it with "
        '`glampub institution add tate --name "Its name"`\n'
    )


# What a full import withdraws, by name.


def _collection(runner, tmp_path: Path, count: int) -> None:
    _institution(runner)
    export = tmp_path / "all.csv"
    rows = "".join(f"OBJ-{number:03},Title {number},CC0\n" for number in range(count))
    export.write_text("identifier,title,rights\n" + rows, "utf-8")
    assert runner.invoke(main, ["import", str(export), "--institution", "my-museum"]).exit_code == 0


def test_a_full_dry_run_names_what_it_would_withdraw(runner, tmp_path) -> None:
    _collection(runner, tmp_path, 60)
    few = tmp_path / "few.csv"
    few.write_text("identifier,title,rights\nOBJ-000,Title 0,CC0\nOBJ-001,Title 1,CC0\n", "utf-8")
    args = ["import", str(few), "--institution", "my-museum", "--full", "--dry-run"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        f"Imported {few} into my-museum as csv (dry run: nothing was published)",
        "created 0, updated 0, unchanged 2, withdrawn 58, rejected 0",
        "Would be withdrawn: 58 objects the file no longer lists",
    ]
    assert lines[3:53] == [f"  OBJ-{number:03}" for number in range(2, 52)]
    assert lines[53] == "  … and 8 more (--json lists them all)"
    as_json = json.loads(runner.invoke(main, [*args, "--json"]).stdout)
    assert as_json["withdrawn"] == 58
    assert as_json["withdrawn_identifiers"] == [f"OBJ-{number:03}" for number in range(2, 60)]


def test_a_full_import_names_what_it_withdrew_also_past_what_memory_holds(
    runner, tmp_path, monkeypatch
) -> None:
    from glampub.importing import withdrawn_log

    monkeypatch.setattr(withdrawn_log, "KEEP_IN_MEMORY", 3)
    _collection(runner, tmp_path, 6)
    one = tmp_path / "one.csv"
    one.write_text("identifier,title,rights\nOBJ-000,Title 0,CC0\n", "utf-8")
    result = runner.invoke(main, ["import", str(one), "--institution", "my-museum", "--full"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:8] == [
        "created 0, updated 0, unchanged 1, withdrawn 5, rejected 0",
        "Withdrawn: 5 objects the file no longer lists",
        "  OBJ-001",
        "  OBJ-002",
        "  OBJ-003",
        "  OBJ-004",
        "  OBJ-005",
    ]
    again = runner.invoke(main, ["import", str(one), "--institution", "my-museum", "--full"])
    assert again.stdout.splitlines()[1] == (
        "created 0, updated 0, unchanged 1, withdrawn 0, rejected 0"
    )
    runs = sorted((tmp_path / "cli-data" / "import-runs").glob("run-*-withdrawn.jsonl"))
    assert [path.name for path in runs] == ["run-2-withdrawn.jsonl"]
    assert runs[0].read_text("utf-8").splitlines() == [f'"OBJ-00{n}"' for n in range(1, 6)]


def test_one_withdrawn_object_is_one_object(runner, tmp_path) -> None:
    _collection(runner, tmp_path, 2)
    one = tmp_path / "one.csv"
    one.write_text("identifier,title,rights\nOBJ-000,Title 0,CC0\n", "utf-8")
    result = runner.invoke(main, ["import", str(one), "--institution", "my-museum", "--full"])
    assert result.stdout.splitlines()[2:4] == [
        "Withdrawn: 1 object the file no longer lists",
        "  OBJ-001",
    ]


# Wording.


def test_the_review_queue_counts_in_the_singular_and_the_plural(runner, tmp_path) -> None:
    _institution(runner)
    export = tmp_path / "objects.csv"
    export.write_text("identifier,title,rights\n1,Jug,Ask the registrar\n", "utf-8")
    runner.invoke(main, ["import", str(export), "--institution", "my-museum"])
    one = runner.invoke(main, ["rights", "review", "my-museum"])
    assert one.stdout.splitlines()[0] == "1 statement needs review (on 1 object):"
    export.write_text(
        "identifier,title,rights\n1,Jug,Ask the registrar\n2,Bowl,Ask the registrar\n"
        "3,Cup,Bildrecht beim Museum\n",
        "utf-8",
    )
    runner.invoke(main, ["import", str(export), "--institution", "my-museum"])
    two = runner.invoke(main, ["rights", "review", "my-museum"])
    assert two.stdout.splitlines()[0] == "2 statements need review (on 3 objects):"


def _problem_messages(runner, export: Path, *extra: str) -> dict[str, str]:
    result = runner.invoke(
        main, ["import", str(export), "--institution", "my-museum", "--json", *extra]
    )
    assert result.exit_code == 0, result.stderr
    return {p["code"]: p["message"] for p in json.loads(result.stdout)["problems"]}


def test_one_split_off_line_holds_a_further_line(runner, tmp_path) -> None:
    _institution(runner)
    export = tmp_path / "objects.csv"
    export.write_text(
        "identifier;title;dimensions;credit;place\n"
        '1;Beaker;"H. 5 in.";;\n'
        '"Base: 3 in.""";Gift of A. Jones;Boston\n'
        "2;Jug;H. 9 in.;Gift;Salem\n",
        "utf-8",
    )
    assert _problem_messages(runner, export)["rejoined-rows"] == (
        "line 3 holds a further line of a value of the record on line 2 (the export split a "
        "multi-line cell into rows of their own); joined back into it"
    )


def test_a_guessed_encoding_names_the_option_that_sets_it(runner, tmp_path) -> None:
    _institution(runner)
    export = tmp_path / "objects.csv"
    export.write_bytes("identifier,title,rights\n1,Krüge,CC0\n".encode("cp1252"))
    assert _problem_messages(runner, export)["encoding-guessed"] == (
        "the file is not UTF-8 (first seen on this line); it is read as Windows-1252 (cp1252); "
        "if letters look wrong, name the file's encoding: --encoding (e.g. --encoding "
        "mac-roman) on the command line, or `encoding` in the column profile"
    )
    given = _problem_messages(runner, export, "--encoding", "cp1252")
    assert "encoding-guessed" not in given


# Output that is not a terminal.


def test_piped_tables_never_cut_identifiers_or_urls(tmp_path: Path) -> None:
    env = shell_env(tmp_path / "data")
    env["COLUMNS"] = "60"  # what a narrow terminal beside the pipe would say
    identifier = "KM-1887.12-a-very-long-inventory-number-with-parts-0001"
    url = "https://collections.example.org/iiif/images/" + "x" * 60 + "/full.jpg"
    statement = "see https://collections.example.org/rights/" + "y" * 50
    export = tmp_path / "objects.csv"
    export.write_text(
        f'identifier,title,rights,image\n{identifier},Jug,"{statement}",{url}\n', "utf-8"
    )
    added = run_installed(env, "institution", "add", "my-museum", "--name", "M")
    assert added.returncode == 0
    result = run_installed(env, "import", str(export), "--institution", "my-museum")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    remote = [line for line in lines if "remote-image" in line]
    assert len(remote) == 1
    assert identifier in remote[0] and url in remote[0]
    assert any(statement in line and line.rstrip().endswith("│ 1       │") for line in lines)


# Accounts: a password prompt needs a terminal.


def test_user_add_off_a_terminal_asks_for_password_stdin(runner) -> None:
    _institution(runner)
    result = runner.invoke(
        main, ["user", "add", "curator@my-museum.example", "--institution", "my-museum"]
    )
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: the password can only be asked for on a terminal: give it on standard input "
        "with --password-stdin\n"
    )


def test_the_installed_user_add_prints_no_python_warning(tmp_path: Path) -> None:
    env = shell_env(tmp_path / "data")
    added = run_installed(env, "institution", "add", "m", "--name", "M")
    assert added.returncode == 0, added.stderr
    result = run_installed(
        env, "user", "add", "a@m.example", "--institution", "m", input="a long enough password\n"
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: the password can only be asked for on a terminal: give it on standard input "
        "with --password-stdin\n"
    )
