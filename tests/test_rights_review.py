"""Institutions teach the rights engine: their own rules, the review queue, and
the copyright term, through the command line as staff would use them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from glampub.cli import main
from glampub.rights import InstitutionRules, InvalidRule, Rule, map_rights, rule_target
from tests.databases import subprocess_env

CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
PDM = "http://creativecommons.org/publicdomain/mark/1.0/"
INC = "http://rightsstatements.org/vocab/InC/1.0/"
BY = "http://creativecommons.org/licenses/by/4.0/"

EXPORT = (
    "identifier,title,creator,creator_death,rights\n"
    "1,Jug,,,Bildrecht beim Museum\n"
    "2,Bowl,,,bildrecht beim  museum\n"
    "3,Cup,,,Ask the registrar\n"
    "4,Plate,,,Bildrecht beim Museum\n"
    "5,Vase,Hanna Kiel,1940,Public domain\n"
    "6,Lamp,,,Frei für alle | All rights reserved\n"
)


# --- the rules as the engine sees them -----------------------------------------------


def test_exact_rules_match_after_normalisation() -> None:
    rules = InstitutionRules([Rule("exact", "Foto:  Museum Lindenau", INC)])
    decision = map_rights("foto: museum lindenau", overrides=rules)
    assert (decision.uri, decision.rule) == (INC, "override")


def test_patterns_search_the_normalised_statement() -> None:
    rules = InstitutionRules([Rule("pattern", r"^bildrecht\b", "needs-review")])
    assert map_rights("BILDRECHT: Stadtmuseum", overrides=rules).needs_review
    assert map_rights("CC0", overrides=rules).uri == CC0


def test_a_rule_never_opens_what_another_statement_restricts() -> None:
    rules = InstitutionRules([Rule("pattern", "frei", CC0), Rule("exact", "gratis", CC0)])
    for statements in (
        ["Frei für alle", "All rights reserved"],
        ["gratis", "Alle Rechte vorbehalten"],
    ):
        decision = map_rights(statements, overrides=rules)
        assert decision.uri == INC, statements


def test_rule_targets_take_codes_and_refuse_what_is_no_statement() -> None:
    assert rule_target("CC BY 4.0") == BY
    assert rule_target("https://rightsstatements.org/page/InC/1.0/?language=de") == INC
    assert rule_target("Needs-Review") == "needs-review"
    with pytest.raises(InvalidRule, match="names no Creative Commons licence"):
        rule_target("free to use")


def test_a_bad_pattern_is_refused() -> None:
    with pytest.raises(InvalidRule, match="not a valid regular expression"):
        InstitutionRules([Rule("pattern", "(unclosed", CC0)])


def test_patterns_that_need_backtracking_are_refused_by_name() -> None:
    with pytest.raises(InvalidRule) as raised:
        InstitutionRules([Rule("pattern", r"^(?!frei)bild", CC0)])
    assert str(raised.value) == (
        "pattern '^(?!frei)bild' is not a valid regular expression: invalid perl operator: (?! "
        "(look-around and backreferences are not supported here: they need backtracking, "
        "which can take exponential time)"
    )


# --- through the command line ----------------------------------------------------------


@pytest.fixture
def museum(runner, tmp_path: Path) -> Path:
    assert runner.invoke(main, ["institution", "add", "m", "--name", "M"]).exit_code == 0
    export = tmp_path / "objects.csv"
    export.write_text(EXPORT, encoding="utf-8")
    result = runner.invoke(main, ["import", str(export), "--institution", "m", "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    # Spellings that normalise alike are one statement, shown as first written.
    assert report["review"] == [
        {"statement": "Bildrecht beim Museum", "count": 3},
        {"statement": "Ask the registrar", "count": 1},
    ]
    return export


def _queue(runner) -> list[dict]:
    result = runner.invoke(main, ["rights", "review", "m", "--json"])
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _rights(runner, identifier: str) -> dict:
    result = runner.invoke(main, ["rights", "explain", "x", "--json"])  # warm the app
    assert result.exit_code == 0
    from glampub import create_app
    from glampub.db import get_db
    from glampub.publishing.documents import find_object

    app = create_app()
    with app.app_context(), get_db().transaction() as session:
        obj = find_object(session, "m", identifier)
        return {
            "uri": obj.rights_uri,
            "rule": obj.rights_rule,
            "revision": obj.revision,
            "warnings": obj.rights_warnings,
        }


def test_the_queue_lists_each_statement_once_with_its_count(runner, museum) -> None:
    queue = _queue(runner)
    # "Bildrecht beim Museum" in two spellings is one statement.
    assert [(item["statement"], item["count"]) for item in queue] == [
        ("Bildrecht beim Museum", 3),
        ("Ask the registrar", 1),
    ]
    assert queue[0]["examples"] == ["1", "2", "4"]
    assert queue[0]["reason"]
    text = runner.invoke(main, ["rights", "review", "m"]).stdout
    assert "2 statements need review (on 4 objects):" in text


def test_a_review_decision_holds_now_and_on_reimport(runner, museum) -> None:
    result = runner.invoke(
        main,
        ["rights", "decide", "m", "Bildrecht beim Museum", "InC", "--by", "registrar"]
        + ["--note", "house phrase for in copyright"],
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (f"Decided 'Bildrecht beim Museum' -> {INC} for m: 3 objects changed\n")
    assert [item["statement"] for item in _queue(runner)] == ["Ask the registrar"]
    jug = _rights(runner, "1")
    assert (jug["uri"], jug["rule"], jug["revision"]) == (INC, "override", 2)

    rules = runner.invoke(main, ["rights", "rule", "list", "m", "--json"])
    (rule,) = [json.loads(line) for line in rules.stdout.splitlines()]
    assert (rule["kind"], rule["origin"], rule["decided_by"], rule["target"]) == (
        "exact",
        "review",
        "registrar",
        INC,
    )
    assert rule["note"] == "house phrase for in copyright" and rule["decided_at"]

    again = runner.invoke(main, ["import", str(museum), "--institution", "m", "--json"])
    report = json.loads(again.stdout)
    # The decision was applied exactly as an import applies it: nothing changes.
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 6)
    assert report["rights"][INC] == 4
    assert _rights(runner, "1")["revision"] == 2


def test_rules_apply_before_the_built_in_ones_and_removing_one_reverts(runner, museum) -> None:
    added = runner.invoke(
        main, ["rights", "rule", "add", "m", "needs-review", "--exact", "Public domain"]
    )
    assert added.exit_code == 0, added.stderr
    assert added.stdout.endswith("added for m: 1 object changed\n")
    assert _rights(runner, "5")["uri"] is None
    rule_id = added.stdout.split()[1]
    removed = runner.invoke(main, ["rights", "rule", "remove", "m", rule_id])
    assert removed.stdout == f"Rule {rule_id} removed from m: 1 object changed\n"
    vase = _rights(runner, "5")
    assert (vase["uri"], vase["revision"]) == (PDM, 3)


def test_pattern_rules_and_their_errors(runner, museum) -> None:
    result = runner.invoke(
        main, ["rights", "rule", "add", "m", INC, "--pattern", r"^bildrecht\b", "--by", "me"]
    )
    assert result.exit_code == 0, result.stderr
    assert "3 objects changed" in result.stdout
    bad = runner.invoke(main, ["rights", "rule", "add", "m", "CC0", "--pattern", "(x"])
    assert bad.exit_code == 2 and "not a valid regular expression" in bad.stderr
    both = runner.invoke(main, ["rights", "rule", "add", "m", "CC0"])
    assert both.exit_code == 2
    assert both.stderr == "Error: give exactly one of --exact STATEMENT or --pattern REGEX\n"
    nowhere = runner.invoke(main, ["rights", "rule", "remove", "m", "999"])
    assert nowhere.exit_code == 2 and "has no rights rule 999" in nowhere.stderr


def test_explain_with_an_institution_uses_its_rules(runner, museum) -> None:
    runner.invoke(main, ["rights", "decide", "m", "Ask the registrar", "InC-EDU", "--by", "x"])
    result = runner.invoke(
        main, ["rights", "explain", "ask the REGISTRAR", "--institution", "m", "--json"]
    )
    assert json.loads(result.stdout)["uri"] == "http://rightsstatements.org/vocab/InC-EDU/1.0/"
    plain = runner.invoke(main, ["rights", "explain", "ask the REGISTRAR", "--json"])
    assert json.loads(plain.stdout)["uri"] is None


def test_the_copyright_term_is_a_setting_per_institution(runner, museum) -> None:
    # Hanna Kiel died in 1940: public domain under life + 70, not under life + 100.
    assert _rights(runner, "5")["warnings"] == []
    result = runner.invoke(
        main, ["institution", "add", "m", "--name", "M", "--copyright-term", "100"]
    )
    assert result.exit_code == 0, result.stderr
    assert "Copyright term now life + 100: 1 object changed" in result.stdout
    vase = _rights(runner, "5")
    assert vase["uri"] == PDM  # a warning never changes the decision by itself
    assert any("copyright" in warning for warning in vase["warnings"])


def test_a_pattern_made_to_backtrack_cannot_stall_an_institution(runner, tmp_path: Path) -> None:
    """``^(a+)+$`` over forty letters and a "!" costs a backtracking engine some 2**40
    steps; adding the rule re-judges every object at once, so it runs at once too.
    In a subprocess under a timeout: a stalled engine holds the interpreter lock."""
    assert runner.invoke(main, ["institution", "add", "m", "--name", "M"]).exit_code == 0
    export = tmp_path / "objects.csv"
    export.write_text(f"identifier,title,rights\n1,Jug,{'a' * 40}!\n", encoding="utf-8")
    assert runner.invoke(main, ["import", str(export), "--institution", "m"]).exit_code == 0
    command = ["rights", "rule", "add", "m", "CC0", "--pattern", "^(a+)+$", "--by", "me"]
    try:
        added = subprocess.run(
            [sys.executable, "-c", "from glampub.cli import main; main()", *command],
            env=subprocess_env(tmp_path / "cli-data"),
            capture_output=True,
            text=True,
            timeout=30,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("a pattern rule took over 30 s to apply to one object")
    assert added.returncode == 0, added.stderr
    assert added.stdout.endswith(": 0 objects changed\n"), added.stdout
    explained = runner.invoke(main, ["rights", "explain", "A" * 41, "--institution", "m", "--json"])
    assert json.loads(explained.stdout)["uri"] == CC0


def test_a_stored_pattern_rule_that_re2_refuses_is_named_when_an_import_needs_it(
    runner, museum
) -> None:
    """A rule saved while patterns ran on Python's re may use a backreference."""
    from glampub import create_app
    from glampub.db import get_db
    from glampub.institutions.registry import get_institution
    from glampub.models import RightsRule

    app = create_app()
    with app.app_context(), get_db().transaction() as session:
        institution = get_institution(session, "m")
        rule = RightsRule(institution_id=institution.id, kind="pattern", match=r"(\w)\1")
        rule.target, rule.origin, rule.decided_by, rule.note = CC0, "rule", "me", ""
        session.add(rule)
        session.flush()
        rule_id = rule.id
    result = runner.invoke(main, ["import", str(museum), "--institution", "m"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: rights rule {rule_id} of 'm': pattern '(\\\\w)\\\\1' is not a valid regular "
        "expression: invalid escape sequence: \\1 (look-around and backreferences are not "
        "supported here: they need backtracking, which can take exponential time). Replace it "
        f"(glampub rights rule remove m {rule_id}, then add it again)\n"
    )


# --- records that state nothing at all -----------------------------------------------

UNSTATED = (
    "identifier,title,rights\n"
    "1,Jug,\n"
    "2,Bowl,\n"
    "3,Cup,n/a\n"
    "4,Plate,CC BY 4.0\n"
    "5,Vase,Ask the registrar\n"
)


def test_records_without_a_statement_are_one_decidable_item(runner, tmp_path: Path) -> None:
    assert runner.invoke(main, ["institution", "add", "m", "--name", "M"]).exit_code == 0
    export = tmp_path / "objects.csv"
    export.write_text(UNSTATED, encoding="utf-8")
    assert runner.invoke(main, ["import", str(export), "--institution", "m"]).exit_code == 0
    queue = _queue(runner)
    unstated = [item for item in queue if item["no_statement"]]
    assert [(i["statement"], i["count"], i["examples"]) for i in unstated] == [("", 2, ["1", "2"])]
    # A placeholder is a statement of its own: its own item, decided by its text.
    assert {i["statement"] for i in queue if not i["no_statement"]} == {"n/a", "Ask the registrar"}
    text = runner.invoke(main, ["rights", "review", "m"]).stdout
    assert "(no statement)" in text and "glampub rights decide m --no-statement URI" in text

    # The empty statement is refused with the way to decide it, and so is a statement too many.
    empty = runner.invoke(main, ["rights", "decide", "m", "", "InC", "--by", "r"])
    assert empty.exit_code == 2
    assert "glampub rights decide m --no-statement URI" in " ".join(empty.stderr.split())
    both = runner.invoke(main, ["rights", "decide", "m", "--no-statement", "x", "InC"])
    assert both.exit_code == 2 and "only the TARGET" in both.stderr

    decided = runner.invoke(
        main, ["rights", "decide", "m", "--no-statement", "InC", "--by", "registrar"]
    )
    assert decided.exit_code == 0, decided.stderr
    assert (
        decided.stdout == f"Decided records without a statement -> {INC} for m: 2 objects changed\n"
    )
    assert not [item for item in _queue(runner) if item["no_statement"]]
    jug = _rights(runner, "1")
    assert (jug["uri"], jug["rule"], jug["revision"]) == (INC, "override", 2)
    # Never applied to a record with a statement of its own, however unclear.
    assert _rights(runner, "3")["uri"] is None
    assert _rights(runner, "4")["uri"] == BY
    assert _rights(runner, "5")["uri"] is None

    rules = runner.invoke(main, ["rights", "rule", "list", "m", "--json"])
    (rule,) = [json.loads(line) for line in rules.stdout.splitlines()]
    assert (rule["kind"], rule["match"], rule["target"], rule["origin"]) == (
        "unstated",
        "",
        INC,
        "review",
    )
    listed = runner.invoke(main, ["rights", "rule", "list", "m"]).stdout
    assert f"unstated (no statement) -> {INC}" in listed
    # Remembered: a re-import decides the same records the same way, and changes nothing.
    again = runner.invoke(main, ["import", str(export), "--institution", "m", "--json"])
    report = json.loads(again.stdout)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 5)
    assert report["rights"][INC] == 2
    # Deciding again replaces the one decision; needs-review puts them back in the queue.
    back = runner.invoke(main, ["rights", "decide", "m", "--no-statement", "needs-review"])
    assert back.exit_code == 0, back.stderr
    assert [i["count"] for i in _queue(runner) if i["no_statement"]] == [2]
    assert (
        len(runner.invoke(main, ["rights", "rule", "list", "m", "--json"]).stdout.splitlines()) == 1
    )


# --- an import's default rights -----------------------------------------------------


def _import_json(runner, export: Path, *extra: str) -> dict:
    result = runner.invoke(main, ["import", str(export), "--institution", "m", "--json", *extra])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_an_imports_default_rights_apply_only_to_records_without_a_statement(
    runner, tmp_path: Path
) -> None:
    assert runner.invoke(main, ["institution", "add", "m", "--name", "M"]).exit_code == 0
    export = tmp_path / "objects.csv"
    export.write_text(UNSTATED, encoding="utf-8")
    refused = runner.invoke(
        main, ["import", str(export), "--institution", "m", "--default-rights", "free to use"]
    )
    assert refused.exit_code == 2 and "not a rights URI glampub knows" in refused.stderr

    report = _import_json(
        runner, export, "--default-rights", "https://rightsstatements.org/page/InC/1.0/?lang=en"
    )
    given = report["default_rights"]
    assert (given["uri"], given["source"], given["by"]) == (INC, "--default-rights", given["by"])
    assert given["by"] and given["at"]
    assert report["rights"][INC] == 2
    # Records with a statement of their own, even a placeholder or an unclear one, keep it.
    assert [r["statement"] for r in report["review"]] == ["n/a", "Ask the registrar"]
    jug = _rights(runner, "1")
    assert (jug["uri"], jug["rule"]) == (INC, "import-default")
    assert _rights(runner, "4")["uri"] == BY

    from glampub import create_app
    from glampub.db import get_db
    from glampub.models import ImportRun

    with create_app().app_context(), get_db().transaction() as session:
        run = session.get(ImportRun, report["run_id"])
        assert (run.default_rights, run.default_rights_by) == (INC, given["by"])

    # A rule decided later leaves what the import's default decided alone.
    assert runner.invoke(main, ["rights", "decide", "m", "n/a", "CC0"]).exit_code == 0
    assert _rights(runner, "1")["rule"] == "import-default"

    # The text report says it too.
    text = runner.invoke(
        main, ["import", str(export), "--institution", "m", "--default-rights", INC]
    ).stdout
    assert f"Default rights for records without a statement: {INC}" in text

    # From a profile's default_rights; --default-rights comes before it.
    default_profile = (
        Path(__file__).resolve().parents[1] / "importers" / "profiles" / "default.toml"
    )
    profile = tmp_path / "house.toml"
    profile.write_text(
        default_profile.read_text("utf-8").replace(
            "[profile]\n", f'[profile]\ndefault_rights = "{PDM}"\n', 1
        ),
        encoding="utf-8",
    )
    report = _import_json(runner, export, "--profile", str(profile))
    assert (report["default_rights"]["uri"], report["default_rights"]["source"]) == (
        PDM,
        "profile 'default'",
    )
    assert _rights(runner, "2")["uri"] == PDM
    assert (
        _import_json(runner, export, "--profile", str(profile), "--default-rights", INC)[
            "default_rights"
        ]["uri"]
        == INC
    )
    # Without a default the records without a statement wait for review again.
    report = _import_json(runner, export)
    assert report["default_rights"] is None
    assert _rights(runner, "1")["uri"] is None
