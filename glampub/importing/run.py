"""The import use case: an export file in, published objects out, in one transaction.

Records stream from the importer in batches; each batch is compared with what
is stored (by content hash) and written with SQLAlchemy Core (see
:mod:`glampub.importing.writer`). Everything is written inside one
transaction, so a failed, interrupted or killed import leaves the published
state exactly as it was, and readers (SQLite WAL, PostgreSQL MVCC) keep
seeing the old state until the commit. Two imports for one institution never
interleave (see :mod:`glampub.importing.lock`).

Memory stays flat however large the file: records are handled a batch at a
time, the identifiers met are kept in a temporary table, and problems are
spilled to a file of the import run (see :mod:`glampub.importing.problem_log`).
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from glampub.config import COLLECTION_PAGE_SIZE, DISCOVERY_PAGE_SIZE
from glampub.db import Database
from glampub.errors import Problem, StorageFull, UnreadableInput
from glampub.images.files import sweep_leftovers
from glampub.images.sources import ImageSource, open_image_source
from glampub.importing import lock as import_lock
from glampub.importing.bulk_memory import bulk_garbage_collection, release_free_memory
from glampub.importing.default_rights import default_rights
from glampub.importing.finishing import (
    page_starts_wanted,
    store_page_starts,
    vacuum_filled_tables,
    vacuum_wanted,
)
from glampub.importing.problem_log import ProblemLog, problems_path
from glampub.importing.record_images import IMAGES_FOLDER
from glampub.importing.report import ImportReport
from glampub.importing.withdrawn_log import WithdrawnLog, withdrawn_path
from glampub.importing.writer import BatchWriter
from glampub.institutions.registry import get_institution
from glampub.models import ImportRun
from glampub.search.query import refresh_stored_summaries
from glampub.statuses import RunStatus
from importers.base import (
    AUTO_FORMAT,
    Importer,
    Profile,
    SourceRecord,
    choose_importer,
    load_profile,
)
from importers.problem_codes import FILE_CUT_SHORT, ProblemCode

log = logging.getLogger(__name__)
#: Records per batch: big enough to amortise each statement, small enough that a
#: batch of 7 KB records stays a few MB of working memory.
BATCH_SIZE = 250
#: Batches between two returns of free memory to the system (see bulk_memory).
TRIM_EVERY = 20
#: Called after each batch with (records read, bytes of the file they took, roughly).
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportOptions:
    institution: str
    path: Path
    format: str = AUTO_FORMAT
    images: Path | None = None
    profile: str | None = None
    dry_run: bool = False
    #: The file is the whole collection: objects missing from it are withdrawn.
    full: bool = False
    #: A harvest of the http(s) images not in --images follows the import
    #: (glampub.importing.harvest); the import itself publishes them pending.
    fetch_images: bool = False
    #: CSV only: the text encoding and the delimiter, instead of detecting them.
    encoding: str | None = None
    delimiter: str | None = None
    #: LIDO only: the element whose text identifies each record (--identifier).
    identifier: str | None = None
    max_pixels: int = 100_000_000
    #: Rights for records that state none (a URI), before the profile's default_rights.
    default_rights: str | None = None
    #: Who runs the import: recorded with the default rights it gives.
    operator: str | None = None
    #: The web app's COLLECTION_PAGE_SIZE and DISCOVERY_PAGE_SIZE: the import
    #: counts the pages of both at these sizes (glampub.importing.finishing).
    collection_page_size: int = COLLECTION_PAGE_SIZE
    discovery_page_size: int = DISCOVERY_PAGE_SIZE


#: Files at least this large are read in a reader process (glampub.importing.reader)
#: while this one writes. Measured on this project's machine, the process pays
#: for its start (about 0.3 s) from some 11 MB of LIDO (1,400 records; 15 MB
#: import 10% faster) and from under 8 MB of CSV (28,000 rows import 5% faster,
#: 100,000 rows in 29 MB 12% faster).
READER_PROCESS_MIN_BYTES = 16 * 1024 * 1024


def read_records(
    importer: Importer, path: Path, profile: Profile | None
) -> Iterator[SourceRecord | Problem]:
    """The importer's records and problems, in file order.

    Small files are read in this process: starting a Python process (about a
    third of a second) is worth it only when there is real work to share.
    """
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # the importer itself reports a missing file
    if size < READER_PROCESS_MIN_BYTES:
        return importer.read(path, profile)
    # Loaded only here: the child process's machinery, for large files alone.
    from glampub.importing.reader import read_in_reader_process

    return read_in_reader_process(importer.name, path, profile)


def run_import(
    database: Database,
    data_dir: Path,
    options: ImportOptions,
    progress: ProgressCallback | None = None,
    after_publish: Callable[[], None] | None = None,
) -> ImportReport:
    """Import one export; returns the report.

    ``after_publish`` runs once the metadata is published and the run is
    recorded done, still holding the institution's import lock (the harvest
    of ``--fetch-images``: no other import rewrites the images meanwhile).
    Raises GlampubError when nothing can be read, and ImportLocked when
    another import for the same institution is running.
    """
    importer = choose_importer(options.path, options.format)
    profile = load_profile(
        importer,
        options.profile,
        encoding=options.encoding,
        delimiter=options.delimiter,
        identifier=options.identifier,
    )
    default = default_rights(options.default_rights, profile, options.operator)
    with database.transaction() as session:
        institution = get_institution(session, options.institution)
        # Only read before the lock is known to be free: with SQLite, a write
        # would queue behind the running import instead of being refused.
        import_lock.check_unlocked(session, institution)
        run = ImportRun(
            institution_id=institution.id,
            file_name=str(options.path),
            format=importer.name,
            dry_run=options.dry_run,
            default_rights=default.uri if default else None,
            default_rights_by=default.by if default else None,
        )
        session.add(run)
        session.flush()
        import_lock.acquire(session, institution, run.id)
        # Started now, with the lock: the INSERT above may have waited for
        # SQLite's write lock (or PostgreSQL's unique index) while another
        # import finished, and its default time is taken before that wait.
        run.started_at = started_at = datetime.now(UTC)
        # Kept as plain values: after a rollback the objects would reload from
        # the database, which may be the very thing that just failed.
        run_id, institution_id = run.id, institution.id
    # What an import killed while storing images left half-written (never whole masters).
    if swept := sweep_leftovers(data_dir / IMAGES_FOLDER):
        log.info("removed %d half-written image files left by an interrupted import", swept)
    report = ImportReport(
        file=str(options.path),
        format=importer.name,
        institution=options.institution,
        dry_run=options.dry_run,
        run_id=run_id,
        problems=ProblemLog(problems_path(data_dir, run_id)),
        withdrawn_identifiers=WithdrawnLog(withdrawn_path(data_dir, run_id)),
        default_rights=default.to_dict(started_at) if default else None,
    )
    try:
        with ExitStack() as stack:
            assert database.engine is not None
            stack.enter_context(bulk_garbage_collection())
            stack.enter_context(import_lock.lock_heartbeat(database.engine, institution_id, run_id))
            source = stack.enter_context(open_image_source(options.images))
            session = stack.enter_context(database.transaction())
            _take_write_lock(session)
            report.problems.extend(_source_problems(source))
            writer = BatchWriter(
                session,
                institution,
                run_id,
                data_dir,
                report,
                source=source if options.images else None,
                # Image URLs are fetched by the harvest after the metadata is published.
                fetcher=None,
                max_pixels=options.max_pixels,
                default_rights=default.uri if default else None,
            )
            reading = _Reading(report)
            records = reading.records(read_records(importer, options.path, profile))
            for number, batch in enumerate(_batches(records, BATCH_SIZE), 1):
                writer.write(batch)
                if number % TRIM_EVERY == 0:
                    release_free_memory()
                if progress:
                    progress(len(batch), sum(len(record.source) for record in batch))
            if reading.count == 0 and not report.rejected:
                # Success would hide a wrong file (or, with --full, withdraw everything).
                raise UnreadableInput(
                    f"{options.path}: the file holds no records, so nothing was imported"
                    + (" and nothing was withdrawn" if options.full else "")
                    + "; check that it is the export you meant"
                )
            if options.full:
                _withdraw(writer, reading, report)
            writer.close()
            if options.dry_run:
                session.rollback()
            elif report.created or report.updated or report.withdrawn:
                # Published with the objects by the same commit: the first
                # searches after it find their facet counts ready, and the
                # first collection and change stream pages their boundaries.
                refresh_stored_summaries(session)
                if page_starts_wanted(report):
                    store_page_starts(
                        session,
                        institution_id,
                        options.collection_page_size,
                        options.discovery_page_size,
                    )
    except BaseException as exc:
        full = _storage_full(exc, data_dir)
        try:
            _finish_run(
                database,
                data_dir,
                run_id,
                institution_id,
                report,
                RunStatus.FAILED,
                str(full or exc),
            )
        finally:
            import_lock.finished_here(run_id)
        if full is not None:
            raise full from exc
        raise
    follow = after_publish if not options.dry_run else None
    engine = database.engine
    assert engine is not None
    vacuum = vacuum_wanted(engine, report)
    try:
        _finish_run(
            database, data_dir, run_id, institution_id, report, RunStatus.DONE,
            keep_lock=follow is not None or vacuum,
        )  # fmt: skip
        if follow is not None or vacuum:
            _while_locked(database, institution_id, run_id, _then(vacuum, engine, follow))
    finally:
        import_lock.finished_here(run_id)
    return report


def _then(vacuum: bool, engine: Engine, follow: Callable[[], None] | None) -> Callable[[], None]:
    """What runs after the publication, under the import lock: the VACUUM of a
    large import (first: the harvest of ``follow`` may take hours), then ``follow``."""

    def work() -> None:
        if vacuum:
            vacuum_filled_tables(engine)
        if follow is not None:
            follow()

    return work


def _while_locked(
    database: Database, institution_id: int, run_id: int, work: Callable[[], None]
) -> None:
    """Run ``work`` holding the import lock (kept alive), then give the lock back.

    Killed meanwhile, the run is already recorded done (what it published
    stays published); the next import takes the dead holder's lock over.
    """
    assert database.engine is not None
    try:
        with import_lock.lock_heartbeat(database.engine, institution_id, run_id):
            work()
    finally:
        with database.transaction() as session:
            import_lock.release(session, institution_id, run_id)


#: Errors that mean the disk or the quota is full.
_FULL = (errno.ENOSPC, errno.EDQUOT)


def _storage_full(exc: BaseException, data_dir: Path) -> StorageFull | None:
    """The clear error for a full disk (files or SQLite's), else None."""
    full = isinstance(exc, OSError) and exc.errno in _FULL
    # SQLite says SQLITE_FULL as "database or disk is full".
    full = full or (isinstance(exc, DBAPIError) and "disk is full" in str(exc.orig))
    if not full:
        return None
    return StorageFull(
        f"the disk is full: glampub could not write under {data_dir} (its images, "
        f"import reports or database) ({exc}). Nothing was published; what was published "
        "before is unchanged. Free some space, then run the import again."
    )


def _take_write_lock(session: Session) -> None:
    """On SQLite, take the database's write lock before the first read.

    A transaction that reads and only then writes cannot get the write lock
    once another import (of another institution) has committed since its
    read: SQLite refuses at once ("database is locked"), busy timeout or not.
    Taken first, the lock is waited for (the busy timeout), then held.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _withdraw(writer: BatchWriter, reading: _Reading, report: ImportReport) -> None:
    if reading.count == 0:
        report.problems.append(
            Problem(
                None,
                None,
                ProblemCode.NOT_WITHDRAWN,
                "--full was given, but no record of the file could be imported, so no object "
                "was withdrawn. Fix the records and import the file again.",
                "warning",
            )
        )
        return
    if reading.cut_short:
        report.problems.append(
            Problem(
                None,
                reading.cut_short,
                ProblemCode.NOT_WITHDRAWN,
                "--full was given, but the file could not be read to its end, so no object "
                "was withdrawn: the ones after the break would have been withdrawn by mistake. "
                "Fix the file and import it again.",
                "warning",
            )
        )
        return
    writer.withdraw_missing(BATCH_SIZE)


def _source_problems(source: ImageSource) -> Iterator[Problem]:
    for message in source.problems:
        if isinstance(message, Problem):
            yield message
        else:
            yield Problem(None, None, ProblemCode.UNSAFE_IMAGE_MEMBER, str(message), "warning")


class _Reading:
    """Passes records on; puts problems in the report.

    Every error-level problem stands for one record that did not come in (a
    rejected row, or the record lost where a file breaks off), so it counts
    as rejected; warnings do not.
    """

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        #: The line where the file broke off, if it did.
        self.cut_short: int | None = None
        #: Records passed on.
        self.count = 0

    def records(self, items: Iterable[SourceRecord | Problem]) -> Iterator[SourceRecord]:
        problems = self.report.problems
        for item in items:
            if not isinstance(item, Problem):
                self.count += 1
                yield item
                continue
            problems.append(item)
            if item.severity == "error":
                self.report.rejected += 1
                if item.code in FILE_CUT_SHORT:
                    self.cut_short = item.line or 0


def _batches(records: Iterator[SourceRecord], size: int) -> Iterator[list[SourceRecord]]:
    while batch := list(islice(records, size)):
        yield batch


def _finish_run(
    database: Database,
    data_dir: Path,
    run_id: int,
    institution_id: int,
    report: ImportReport,
    status: str,
    message: str | None = None,
    *,
    keep_lock: bool = False,
) -> None:
    problems = report.problems
    try:
        report.withdrawn_identifiers.close()
    except OSError as exc:  # e.g. the disk is full: the run is still recorded
        log.error("import run %s: could not finish its withdrawn list: %s", run_id, exc)
    try:
        problems.close()
    except OSError as exc:  # e.g. the disk is full: the run is still recorded
        log.error("import run %s: could not finish its problems file: %s", run_id, exc)
        problems.path = None
    with database.transaction() as session:
        run = session.get(ImportRun, run_id)
        assert run is not None
        run.status = status
        run.finished_at = datetime.now(UTC)
        run.message = message
        for name in ("created", "updated", "unchanged", "withdrawn", "rejected"):
            setattr(run, name, getattr(report, name))
        run.rights = dict(report.rights)
        run.problems = [p.to_dict() for p in problems.first[: problems.keep]]
        run.problems_total = problems.total
        run.problem_counts = dict(problems.counts)
        if problems.path is not None and problems.total:
            run.problems_file = _relative(problems.path, data_dir)
        if not keep_lock:
            import_lock.release(session, institution_id, run_id)


def _relative(path: Path, data_dir: Path) -> str:
    try:
        return str(path.relative_to(data_dir))
    except ValueError:
        return str(path)
