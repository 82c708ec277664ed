"""The README's short tour runs as written, command after command, in a copy of a
fresh checkout's sample collections: what a newcomer types after the set-up."""

from __future__ import annotations

import runpy
import shlex
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from glampub import create_app
from glampub.cli import main
from glampub.models import CollectionObject, Institution
from tests.conftest import BASE_URL, REPO, database

README = REPO / "README.md"


def tour_commands() -> list[str]:
    """The lines of the first ```sh block under "## A short tour"."""
    section = README.read_text("utf-8").split("\n## A short tour\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("\n```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def _run(command: str, runner: CliRunner) -> None:
    """Runs what `uv run …` runs: the console script through its entry point, or a
    Python script as its own __main__, both in this process (a process each
    would cost seconds of start-up)."""
    words = shlex.split(command)
    assert words[:2] == ["uv", "run"], f"the tour says uv run for every command: {command}"
    if words[2] == "python":
        with pytest.raises(SystemExit) as ended, pytest.MonkeyPatch.context() as patch:
            patch.setattr(sys, "argv", words[3:])
            runpy.run_path(words[3], run_name="__main__")
        assert ended.value.code == 0, command
        return
    assert words[2] == "glampub", command
    result = runner.invoke(main, words[3:])
    assert result.exit_code == 0, f"{command}\n{result.output}"


def test_every_command_of_the_tour_runs_as_written(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = tour_commands()
    # The last one serves until stopped (tests/test_serve.py starts the server);
    # here it must at least be a command that exists.
    assert commands[-1] == "uv run glampub serve"
    checkout = tmp_path / "checkout"
    shutil.copytree(
        REPO / "sample_collections",
        checkout / "sample_collections",
        ignore=shutil.ignore_patterns("images"),  # not in a fresh clone
    )
    monkeypatch.chdir(checkout)
    for command in [*commands[:-1], "uv run glampub serve --help"]:
        _run(command, runner)

    app = create_app(
        {"DATA_DIR": str(tmp_path / "cli-data"), "TESTING": True, "BASE_URL": BASE_URL}
    )
    try:
        with database(app).transaction() as session:
            count = session.scalar(
                select(func.count())
                .select_from(CollectionObject)
                .join(Institution)
                .where(Institution.slug == "my-museum")
            )
            logo = session.scalar(
                select(Institution.logo_path).where(Institution.slug == "my-museum")
            )
        assert count == 40  # the 22 Kestrel objects and the 18 of Lindenau (the dry run adds none)
        assert logo
    finally:
        database(app).dispose()
