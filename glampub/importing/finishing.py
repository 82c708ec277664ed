"""The end of a publishing import: what the first visitors after it would
otherwise pay for.

- Before its commit, when it created, updated or withdrew many objects: where
  each page of the institution's IIIF Collection and of Change Discovery
  starts, counted for the version the commit publishes and stored with it
  (as the search's facet counts are, glampub.search.query.refresh_stored_summaries).
  Counted lazily, the first request for any such page after a publish paid
  the whole count: some 3 s at a million objects, for each of the two.
- After its commit, on PostgreSQL, when it changed many objects: ``VACUUM``
  of the tables it filled. Index-only scans (the counts of a search, the
  collection and discovery page boundaries) skip reading a table's rows only
  on pages the visibility map marks all-visible, and only VACUUM sets it:
  right after a large import nothing is marked, so each of them read every
  row. Autovacuum may be off, and when on, its insert threshold (a fifth of
  the table) comes late for a large table.

Measured at 50,000 synthetic LIDO records on this project's shared 2-core
machine (a 49 s import): the VACUUM took 0.25 s after the commit; the page
boundaries of 50,000 listed objects and as many events 0.29 s inside the
import's transaction (its rows not yet marked), where the same count takes
0.11 s once vacuumed.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from glampub.importing.report import ImportReport
from glampub.importing.staging import PlannerStatistics
from glampub.models import ChangeEvent, CollectionObject, Image
from glampub.search import index as search_index

log = logging.getLogger(__name__)

#: An import that created, updated or withdrew at least this many objects is
#: followed by VACUUM: the threshold of its closing ANALYZE, which defines a
#: large import once. Fewer changes leave few pages unmarked among marked
#: ones, where an index-only scan reads just those; many leave whole runs of
#: pages (a first import: all of them). VACUUM reads only the pages not yet
#: marked, so it costs about what the import changed, not the table's size.
VACUUM_FROM = PlannerStatistics.FINISH_FROM

#: The tables an import fills: the objects, their images, the change events
#: and the search index's rows. Its staging table is temporary and gone with
#: its transaction; the import run and lock rows are a few each.
FILLED_TABLES = (
    CollectionObject.__tablename__,
    Image.__tablename__,
    ChangeEvent.__tablename__,
    *search_index.TRIGGER_TABLES,
)


#: An import that created, updated or withdrew at least this many objects
#: counts the page boundaries before its commit. The count walks the whole
#: collection and change stream (about 3 s at a million objects, inside the
#: import's transaction), so a small import into a large collection would pay
#: seconds to spare the first visitor one count; below this, that visitor's
#: request counts them, as after any other change.
PAGE_STARTS_FROM = PlannerStatistics.FINISH_FROM


def page_starts_wanted(report: ImportReport) -> bool:
    """Whether an import changed enough to count the page boundaries itself."""
    return report.created + report.updated + report.withdrawn >= PAGE_STARTS_FROM


def store_page_starts(
    session: Session, institution_id: int, collection_page_size: int, discovery_page_size: int
) -> None:
    """Count and store, in the import's transaction, the page boundaries of the
    institution's collection and of the change stream, at the page sizes the
    web app serves them in (``COLLECTION_PAGE_SIZE``, ``DISCOVERY_PAGE_SIZE``)."""
    # Loaded only here, by an import that changed something: the documents'
    # modules (Werkzeug, the IIIF builders) took a fifth of a second to load,
    # which an unchanged re-import or a dry run need not pay.
    from glampub.publishing.collections import store_collection_paging
    from glampub.publishing.discovery import store_discovery_paging

    started = time.monotonic()
    store_collection_paging(session, institution_id, collection_page_size)
    store_discovery_paging(session, discovery_page_size)
    log.info("page boundaries counted in %.2f s", time.monotonic() - started)


def vacuum_wanted(engine: Engine, report: ImportReport) -> bool:
    """A published import on PostgreSQL that changed enough to be vacuumed after."""
    changed = report.created + report.updated + report.withdrawn
    return engine.dialect.name == "postgresql" and not report.dry_run and changed >= VACUUM_FROM


def vacuum_filled_tables(engine: Engine) -> None:
    """``VACUUM`` the tables an import fills, after its commit; never raises
    for the database's refusal (what the import published stays published).

    Plain VACUUM, not ``VACUUM (ANALYZE)``: the import analysed these very
    tables before its commit (PlannerStatistics.finish), seeing the same rows.
    ``SKIP_LOCKED`` passes over a table another import's transaction holds
    analysed (its ANALYZE keeps a lock VACUUM waits for until that import
    commits, which may be hours); autovacuum or the next large import
    vacuums it instead.

    A page is marked all-visible only once the commits that wrote its rows
    are on disk: on a server running with ``synchronous_commit = off`` the
    pages written last may stay unmarked until the next VACUUM.
    """
    started = time.monotonic()
    tables = ", ".join(FILLED_TABLES)
    try:
        # VACUUM cannot run inside a transaction block.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"VACUUM (SKIP_LOCKED) {tables}"))
    except SQLAlchemyError as exc:
        log.warning("the import is published, but VACUUM of %s failed: %s", tables, exc)
        return
    log.info("vacuumed %s in %.2f s", tables, time.monotonic() - started)
