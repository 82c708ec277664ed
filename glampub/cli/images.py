"""``glampub images``: harvesting an institution's image URLs into glampub's store.

``glampub images harvest SLUG --wait`` runs the harvest here and exits 0 when
every reference is fetched, 3 when some failed (each named with its record
and URL), 2 when nothing could run (an unknown institution, a fetch policy the
environment sets wrong, a harvest of it already running). Without ``--wait``
the harvest is started in the background (queued for ``glampub worker`` when
``GLAMPUB_REDIS_URL`` is set, else a process of its own) and its progress is on
the staff pages.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from glampub.cli.base import app_context, database_context, domain_errors, err, out

if TYPE_CHECKING:
    from glampub.db import Database
    from glampub.importing.harvest import HarvestReport

#: A progress line at most this often (references), on a terminal.
PROGRESS_EVERY = 25


@click.group()
def images() -> None:
    """Images by URL: harvested into glampub's store after an import publishes."""


@images.command("harvest")
@click.argument("slug")
@click.option(
    "--wait",
    is_flag=True,
    help="Run the harvest here and wait for it (exit 0 all fetched, 3 some failed).",
)
@click.option("--json", "as_json", is_flag=True, help="With --wait: print one JSON object.")
@domain_errors
def harvest(slug: str, wait: bool, as_json: bool) -> None:
    """Fetch the image URLs of SLUG's published objects (what a killed harvest left, or all
    of them again, conditionally)."""
    if not wait:
        _start_in_background(slug)
        return
    report = run_harvest_here(slug, show_progress=not as_json and err.is_terminal)
    if as_json:
        click.echo(json.dumps(report.summary(), ensure_ascii=False))
    else:
        print_harvest(out, report)
    sys.exit(report.exit_code)


def run_harvest_here(slug: str, *, show_progress: bool) -> HarvestReport:
    """The harvest of ``slug`` in this process, a line of progress now and then on stderr."""
    with database_context() as opened:
        return harvest_in(opened.database, opened.data_dir, slug, show_progress)


def harvest_in(database: Database, data_dir: Path, slug: str, show_progress: bool) -> HarvestReport:
    """The harvest over this database and data folder (also ``import --fetch-images``'s)."""
    from glampub.importing.harvest import harvest_images

    def progress(report: HarvestReport) -> None:
        if show_progress and (report.done % PROGRESS_EVERY == 0 or report.done == report.total):
            err.print(f"images of {slug}: {report.done} of {report.total} dealt with")

    return harvest_images(database, data_dir, slug, progress=progress)


def print_harvest(console: Console, report: HarvestReport) -> None:
    """What a harvest did, with each failure by record and URL."""
    resumed = f" (resumed: {report.earlier} were done before)" if report.resumed else ""
    console.print(
        f"Images of {report.institution}: {report.fetched + report.unchanged} of "
        f"{report.total} fetched ({report.unchanged} unchanged since the last harvest), "
        f"{report.failed} failed{resumed}"
    )
    for failure in report.failures:
        console.print(f"  failed: record {failure.record}: {failure.url}: {failure.reason}")
    if report.failed > len(report.failures):
        console.print(f"  … and {report.failed - len(report.failures)} more (staff pages)")


def _start_in_background(slug: str) -> None:
    """Check what would stop it at once (exit 2), then leave the harvest running."""
    from glampub.db import get_db
    from glampub.images.http_fetch import FetchPolicy
    from glampub.jobs.harvest_job import check_can_start, enqueue

    FetchPolicy.from_environment()  # a wrong GLAMPUB_FETCH_RATE: nothing can run
    with app_context() as app:
        check_can_start(get_db(), slug)
        if app.config.get("REDIS_URL"):
            enqueue(app, slug)
            out.print(f"The harvest of {slug}'s images is queued for `glampub worker`.")
            return
        log = Path(app.config["DATA_DIR"]) / "harvests" / f"{slug}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as written:
        # A process of its own, in a session of its own: it outlives this command.
        child = subprocess.Popen(
            [sys.executable, "-c", "from glampub.cli import main; main()"]
            + ["images", "harvest", slug, "--wait"],
            stdin=subprocess.DEVNULL,
            stdout=written,
            stderr=written,
            start_new_session=True,
        )
    out.print(
        f"The harvest of {slug}'s images runs in the background (process {child.pid}); "
        f"its progress is on the staff pages (Imports), its output in {log}."
    )
