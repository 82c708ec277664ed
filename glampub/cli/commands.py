"""The ``glampub`` command: its own commands, and the command groups of the
glampub.cli modules assembled onto ``main`` (the entry point ``glampub.cli:main``).
Domain errors become messages and exit codes in glampub.cli.base, and only there."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from glampub.cli.accounts import token, user
from glampub.cli.base import app_context, database_context, domain_errors, err, main, out
from glampub.cli.db import db
from glampub.cli.images import images
from glampub.cli.report import objects_changed
from glampub.cli.rights import rights
from glampub.db import get_db
from glampub.errors import GlampubError, UsageError
from glampub.importing.report import print_report
from importers.base import AUTO_FORMAT, format_choices

if TYPE_CHECKING:
    from flask import Flask

    from glampub.importing.harvest import HarvestReport
    from glampub.importing.report import ImportReport
    from glampub.importing.run import ImportOptions


def create_app() -> Flask:
    """The web app, for the commands that serve or render it. Loaded only
    there: a command that needs only the database starts without Flask."""
    from glampub.app import create_app as build_app

    return build_app()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@domain_errors
def demo(host: str, port: int) -> None:
    """Import the sample collections (idempotent) and serve the site."""
    from glampub.importing.demo import load_demo

    with app_context() as app:
        for report in load_demo(get_db(), Path(app.config["DATA_DIR"])):
            out.print(
                f"{report.institution}: created {report.created}, updated {report.updated}, "
                f"unchanged {report.unchanged}, rejected {report.rejected}"
            )
    _serve(app, host, port)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the site and APIs over the configured database."""
    _serve(create_app(), host, port)


def _install_viewer(app: Flask) -> bool:
    """The zoomable viewer, installed from npm into the data folder on first run."""
    from glampub.web.vendor import OPENSEADRAGON, AssetUnavailable, install, installed_root

    data_dir = Path(app.config["DATA_DIR"])
    if installed_root(data_dir) is not None:
        return True
    asset = f"{OPENSEADRAGON.package} {OPENSEADRAGON.version}"
    out.print(f"Installing the zoomable viewer ({asset}) from npm…")
    try:
        root = install(data_dir)
    except AssetUnavailable as exc:
        err.print(f"Warning: {exc}")
        return False
    out.print(f"Installed the viewer in {root}")
    return True


@main.command("install-viewer")
@domain_errors
def install_viewer() -> None:
    """Install the zoomable image viewer (OpenSeadragon, from npm) into the data folder."""
    if not _install_viewer(create_app()):
        sys.exit(2)


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@domain_errors
def worker(burst: bool) -> None:
    """Run background imports from the RQ queue (needs GLAMPUB_REDIS_URL)."""
    from redis import Redis
    from rq import Queue, Worker

    app = create_app()
    url = app.config.get("REDIS_URL")
    if not url:
        raise UsageError("set GLAMPUB_REDIS_URL: without it imports run inside `glampub serve`")
    from glampub.jobs.background import recover

    connection = Redis.from_url(url)
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    with app.app_context():
        for upload_id in recover(app):
            err.print(f"Upload {upload_id}: its job's runner had gone; marked failed")
    out.print(f"Working on the RQ queue {queue.name!r}")
    # The scheduler puts jobs due for a retry (after a pause) back on the queue.
    Worker([queue], connection=connection).work(burst=burst, with_scheduler=True)


def _serve(app: Flask, host: str, port: int) -> None:
    from glampub.jobs.background import recover

    with app.app_context():
        recover(app)  # uploads whose job died with an earlier run of the site
    _install_viewer(app)
    out.print(f"Serving glampub on http://{host}:{port}/ (Ctrl+C to stop)")
    app.run(host=host, port=port, threaded=True, load_dotenv=False)


@main.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--institution", required=True, help="Slug of the publishing institution.")
@click.option(
    "--format",
    "fmt",
    default=AUTO_FORMAT,
    show_default=True,
    type=click.Choice(format_choices()),
)
@click.option(
    "--images", type=click.Path(exists=True, path_type=Path), help="Folder or ZIP of images."
)
@click.option(
    "--profile", help="Column-mapping profile: a TOML file, or the name of a shipped one."
)
@click.option(
    "--encoding", help="CSV: the file's text encoding (e.g. cp1252), instead of detecting it."
)
@click.option(
    "--delimiter", help="CSV: the delimiter (a character, or comma, semicolon, tab, pipe)."
)
@click.option(
    "--identifier",
    type=click.Choice(["lidoRecID", "recordID", "workID", "objectPublishedID"]),
    help="LIDO: the element whose text identifies each record (instead of the profile's).",
)
@click.option("--dry-run", is_flag=True, help="Report what would happen; publish nothing.")
@click.option(
    "--full",
    is_flag=True,
    help="The file is the whole collection: withdraw objects it no longer lists.",
)
@click.option(
    "--fetch-images",
    is_flag=True,
    help="After publishing, harvest the http(s) image URLs that are not in --images and "
    "wait for it (otherwise they stay links until `glampub images harvest`).",
)
@click.option(
    "--default-rights",
    metavar="URI",
    help="Rights URI for records that state no rights at all (never for one that has a "
    "statement); recorded on the import run. Overrides the profile's default_rights.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@domain_errors
def import_command(
    path: Path,
    institution: str,
    fmt: str,
    images: Path | None,
    profile: str | None,
    encoding: str | None,
    delimiter: str | None,
    identifier: str | None,
    dry_run: bool,
    full: bool,
    fetch_images: bool,
    default_rights: str | None,
    as_json: bool,
) -> None:
    """Import one export (CSV or LIDO) for an institution."""
    from glampub.cli.rights import operator
    from glampub.importing.run import ImportOptions

    options = ImportOptions(
        institution=institution,
        path=path,
        format=fmt,
        images=images,
        profile=profile,
        dry_run=dry_run,
        full=full,
        fetch_images=fetch_images,
        encoding=encoding,
        delimiter=delimiter,
        identifier=identifier,
        default_rights=default_rights,
        operator=operator(),
    )
    harvested: list[HarvestReport | GlampubError] | None = None
    if fetch_images:
        from glampub.images.http_fetch import FetchPolicy

        FetchPolicy.from_environment()  # a wrong GLAMPUB_FETCH_RATE stops it before importing
        harvested = []
    try:
        report = _import(options, as_json, harvested)
    except GlampubError as exc:
        if as_json:
            # The contract: --json answers with one JSON object, also when nothing was read.
            refused = {
                "file": str(path), "institution": institution, "created": 0, "updated": 0,
                "unchanged": 0, "withdrawn": 0, "rejected": 0, "rights": {}, "problems": [],
                "error": {"code": exc.code, "message": str(exc)},
            }  # fmt: skip
            click.echo(json.dumps(refused, ensure_ascii=False))
        raise
    outcome = harvested[0] if harvested else None
    if isinstance(outcome, GlampubError):
        # Published, but the harvest could not run (e.g. one started by hand is running).
        err.print(f"Error: the images could not be harvested: {outcome}")
        if as_json:
            report.write_json(sys.stdout)
        else:
            print_report(out, report)
        sys.exit(max(report.exit_code, 2))
    if outcome is not None:
        sys.exit(_with_harvest(report, outcome, as_json))
    if as_json:
        report.write_json(sys.stdout)
    else:
        print_report(out, report)
    sys.exit(report.exit_code)


def _with_harvest(report: ImportReport, harvest: HarvestReport, as_json: bool) -> int:
    """``import --fetch-images``: the import's report and then its harvest's.

    The report names what the harvest met in place of the import's "not
    fetched yet" warnings. The exit code is the import's, as the contract has
    it: 0 when every record is in, warnings allowed. A reference that could not
    be fetched leaves its record published with the museum's link, so it is a
    warning, named with its record and URL; ``glampub images harvest`` is the
    command whose exit code says whether every image came (0) or not (3).
    """
    from glampub.cli.images import print_harvest
    from glampub.importing.problem_log import ProblemLog
    from importers.problem_codes import ProblemCode

    problems = ProblemLog()
    problems.extend(p for p in report.problems if p.code != ProblemCode.REMOTE_IMAGE)
    problems.extend(harvest.problems)
    report = replace(report, problems=problems)
    if as_json:
        buffer = io.StringIO()
        report.write_json(buffer)
        data = json.loads(buffer.getvalue())
        data["harvest"] = harvest.summary()
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        print_report(out, report)
        print_harvest(out, harvest)
    return report.exit_code


def _import(
    options: ImportOptions,
    as_json: bool,
    harvested: list[HarvestReport | GlampubError] | None = None,
) -> ImportReport:
    """Run the import, with a progress bar on a terminal; a folder gives its one export.

    Given ``harvested``, the harvest of the institution's image URLs follows
    the publication, under the import's lock, and its report is put there.
    """
    from glampub.cli.progress import import_progress
    from glampub.importing.export_folder import export_in_folder
    from glampub.importing.run import run_import

    if options.path.is_dir():
        found = export_in_folder(options.path, options.institution)
        options = replace(options, path=found.export, images=options.images or found.images)
        if not as_json:
            beside = f", with the images in {options.images}" if options.images else ""
            out.print(
                f"{found.export.parent} is a folder: importing {found.export.name} from it{beside}"
            )
    enabled = not as_json and err.is_terminal
    with (
        database_context() as opened,
        import_progress(err, options.path, enabled=enabled) as advance,
    ):
        # The pages it counts ahead are the web app's (glampub.importing.finishing).
        options = replace(
            options,
            collection_page_size=opened.config["COLLECTION_PAGE_SIZE"],
            discovery_page_size=opened.config["DISCOVERY_PAGE_SIZE"],
        )
        after = None
        if harvested is not None:
            from glampub.cli.images import harvest_in

            def after() -> None:
                try:
                    harvested.append(
                        harvest_in(opened.database, opened.data_dir, options.institution, enabled)
                    )
                except GlampubError as exc:
                    # The metadata is published all the same: its report is still printed.
                    harvested.append(exc)

        return run_import(
            opened.database, opened.data_dir, options, progress=advance, after_publish=after
        )


@main.group()
def institution() -> None:
    """Publishing institutions."""


@institution.command("add")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--homepage")
@click.option("--logo", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--copyright-term",
    type=click.IntRange(1, 150),
    help="Years after the creator's death that copyright lasts where you are (default 70).",
)
@click.option(
    "--courtesy-statement/--no-courtesy-statement",
    default=None,
    help='Also show "Courtesy of NAME" on public-domain items (a courtesy, never a condition).',
)
@click.option(
    "--in-copyright-images",
    type=click.Choice(["thumbnails", "full"]),
    help="Publish images of in-copyright items as thumbnails only (the default) or in full "
    "(when you hold the rights or have permission).",
)
@click.option(
    "--metadata-licence",
    type=click.Choice(["cc0", "cc-by", "none"]),
    help="The licence of your metadata where a record states none: CC0, CC BY 4.0, or "
    "none (not stated: no metadata licence is published; the default).",
)
@domain_errors
def institution_add(
    slug: str,
    name: str,
    homepage: str | None,
    logo: Path | None,
    copyright_term: int | None,
    courtesy_statement: bool | None,
    in_copyright_images: str | None,
    metadata_licence: str | None,
) -> None:
    """Add (or update) a publishing institution."""
    from glampub.institutions.registry import add_institution
    from glampub.rights_review.queue import remap_institution

    with database_context() as opened, opened.database.transaction() as session:
        inst, created = add_institution(
            session,
            slug,
            name,
            opened.data_dir,
            homepage=homepage,
            logo=logo,
            metadata_licence=metadata_licence,
        )
        if courtesy_statement is not None:
            inst.courtesy_statement = courtesy_statement
        if in_copyright_images is not None:
            inst.full_images_in_copyright = in_copyright_images == "full"
        changed = 0
        if copyright_term is not None and copyright_term != inst.copyright_term_years:
            inst.copyright_term_years = copyright_term
            changed = remap_institution(session, inst)
    out.print(f"{'Added' if created else 'Updated'} institution {slug}: {name}")
    if changed:
        out.print(f"Copyright term now life + {copyright_term}: {objects_changed(changed)}")


@main.command("export-static")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--base-url", required=True, help="Where OUTDIR will be served, e.g. https://cdn.example/museum"
)
@domain_errors
def export_static_command(outdir: Path, base_url: str) -> None:
    """Write the published collection as static files any web server or CDN can serve."""
    from glampub.static_site.export import export_static

    report = export_static(create_app(), outdir, base_url)
    out.print(
        f"Exported {report.manifests} manifests and {report.images} images to {outdir}: "
        f"{report.written} files written, {report.unchanged} unchanged, {report.removed} removed; "
        f"{report.objects_rendered} objects rendered, {report.objects_reused} unchanged since "
        "the last export"
    )
    if not report.viewer:
        out.print(
            "The zoomable viewer is not installed, so object pages show still images: "
            "run `glampub install-viewer`, then export again."
        )


@main.command("export-dataset")
@click.argument("arguments", nargs=-1, required=True, metavar="[SLUG] OUTDIR")
@click.option(
    "--base-url",
    help="The site's public address, for the URLs in the records (default: GLAMPUB_BASE_URL)",
)
@domain_errors
def export_dataset_command(arguments: tuple[str, ...], base_url: str | None) -> None:
    """Write the published objects of one institution (SLUG) or of the whole site as an
    open dataset: JSON Lines and CSV (gzip), datapackage.json and SHA256SUMS in OUTDIR."""
    from glampub.iiif.urls import IiifUrls
    from glampub.open_data.export import export_dataset

    if len(arguments) > 2:
        raise UsageError(f"export-dataset takes [SLUG] OUTDIR, not {len(arguments)} arguments")
    slug, outdir = (None, arguments[0]) if len(arguments) == 1 else arguments
    with database_context() as opened:
        base = (base_url or opened.config.get("BASE_URL") or "").rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise UsageError(
                "the records link to the site's pages: give --base-url https://… "
                "or set GLAMPUB_BASE_URL"
            )
        with opened.database.transaction() as session:
            written = export_dataset(session, IiifUrls(base), Path(outdir), slug)
    out.print(f"Wrote {written.records} records of {written.info.title} to {outdir}:")
    for item in written.files:
        out.print(f"  {item.name}  {item.bytes} bytes  sha256 {item.sha256}")


# The command groups of their own modules.
main.add_command(rights)
main.add_command(db)
main.add_command(images)
main.add_command(user)
main.add_command(token)
