"""Harvesting an institution's image URLs into glampub's store, after the import published.

An import publishes the metadata of a record whose images are URLs at once,
with each such reference ``pending``; a harvest then fetches them
(``glampub images harvest SLUG``, ``glampub import --fetch-images``, or a
background job after a staff upload is published). Each reference is
resolved by :class:`~glampub.images.fetch.ImageFetcher` (polite, safe), and
what it brings goes the way of a file of the export: a plain image is
verified, oriented, stored with its pyramid (:func:`glampub.images.files.ingest`);
a IIIF service is referenced; anything else is kept as a link with the reason.
Every image row it changes is written with its object's new content hash,
revision and an ``Update`` change event in one short transaction, so the
object's manifest gets its canvas and every cache of published documents
(keyed by revision and the newest change event) lets it go.

A harvest is a row of ``image_harvest``; each reference it has dealt with is
a row of ``image_harvest_item`` written in that same transaction. A harvest
whose process was killed is still "running" with a runner that is gone: the
next harvest of the institution takes it over and fetches only the
references it has no item for. A harvest that finished is followed by a new
one, which asks again for every reference it already holds, conditionally
(``If-None-Match``/``If-Modified-Since`` from the stored ETag and
Last-Modified): an unchanged image costs one 304, whatever freshness the
server claimed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from glampub.db import Database
from glampub.errors import NotFound, Problem, UsageError
from glampub.images.fetch import Fetched, ImageFetcher, Validators
from glampub.images.files import DEFAULT_MAX_PIXELS
from glampub.images.http_fetch import FetchPolicy
from glampub.importing.harvested_object import (
    FAILED_OUTCOME,
    FETCHED,
    UNCHANGED,
    Reference,
    apply_fetch,
)
from glampub.importing.lock import Heartbeat
from glampub.importing.remote_images import (
    FAILED,
    PENDING,
    StoredReference,
    validators,
)
from glampub.jobs import runner as job_runner
from glampub.models import (
    CollectionObject,
    Image,
    ImageHarvest,
    ImageHarvestItem,
    Institution,
)
from glampub.statuses import ObjectStatus

log = logging.getLogger(__name__)

RUNNING = "running"
DONE = "done"
#: Targets looked up and fetched per round (their ids are read in pages).
PAGE = 200
#: Failures a report or a page names; the rest are counted.
NAMED_FAILURES = 200


class HarvestBusy(UsageError):
    """Another harvest of the institution is running now."""


@dataclass(frozen=True)
class Failure:
    """A reference a harvest could not make an image of, named for staff."""

    record: str
    url: str
    reason: str


@dataclass
class HarvestReport:
    """How far a harvest got: the counts, and each failure by record and URL."""

    institution: str
    harvest_id: int
    status: str
    total: int
    fetched: int = 0
    unchanged: int = 0
    failed: int = 0
    resumed: bool = False
    #: Already dealt with by the harvest this one resumed.
    earlier: int = 0
    failures: list[Failure] = field(default_factory=list)
    #: The import-report problems of what this run fetched (not-an-image, fetch failed).
    problems: list[Problem] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.fetched + self.unchanged + self.failed

    @property
    def exit_code(self) -> int:
        """0 every reference fetched; 3 some failed (each is named)."""
        return 3 if self.failed else 0

    def summary(self) -> dict[str, Any]:
        return {
            "institution": self.institution,
            "harvest": self.harvest_id,
            "status": self.status,
            "total": self.total,
            "done": self.done,
            "fetched": self.fetched,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "resumed": self.resumed,
            "failures": [
                {"record": f.record, "url": f.url, "reason": f.reason} for f in self.failures
            ],
        }


@dataclass(frozen=True)
class _Target:
    image_id: int
    object_id: int
    identifier: str
    url: str
    hint: str | None
    known: Validators | None


Progress = Callable[[HarvestReport], None]


def harvest_images(
    database: Database,
    data_dir: Path,
    slug: str,
    *,
    policy: FetchPolicy | None = None,
    progress: Progress | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> HarvestReport:
    """Fetch every image URL of an institution's published objects that needs it.

    Raises NotFound for an unknown institution, UsageError for a policy the
    environment sets wrong (GLAMPUB_FETCH_RATE) and HarvestBusy while another
    harvest of it runs: nothing could run (the CLI's exit 2).
    """
    policy = policy or FetchPolicy.from_environment()
    runner = job_runner.Runner.new()
    # Alive from before its claim is committed: a harvest started in another
    # thread of this process meanwhile must find it running, not dead.
    with job_runner.running_here(runner):
        return _harvest(database, data_dir, slug, policy, runner, progress, max_pixels)


def _harvest(
    database: Database,
    data_dir: Path,
    slug: str,
    policy: FetchPolicy,
    runner: job_runner.Runner,
    progress: Progress | None,
    max_pixels: int,
) -> HarvestReport:
    with database.transaction() as session:
        institution = session.scalar(select(Institution).where(Institution.slug == slug))
        if institution is None:
            raise NotFound(f"no institution {slug!r} (see `glampub institution list`)")
        harvest, resumed = _begin(session, institution, runner)
        harvest_id, institution_id = harvest.id, institution.id
        targets = _target_ids(session, institution_id, harvest_id)
        earlier = _outcomes(session, harvest_id)
        harvest.total = sum(earlier.values()) + len(targets)
        report = HarvestReport(
            slug,
            harvest_id,
            RUNNING,
            harvest.total,
            fetched=earlier.get(FETCHED, 0),
            unchanged=earlier.get(UNCHANGED, 0),
            failed=earlier.get(FAILED_OUTCOME, 0),
            resumed=resumed,
            earlier=sum(earlier.values()),
        )
    assert database.engine is not None
    with (
        Heartbeat(database.engine, lambda: _seen(harvest_id, runner), "harvest-heartbeat"),
        ImageFetcher(policy=policy) as fetcher,
    ):
        if progress:
            progress(report)
        for page in _pages(targets):
            with database.transaction() as session:
                by_url = _details(session, data_dir, page)
            # One request per address, however many records name it.
            asked = [(url, found[0].known, found[0].hint) for url, found in by_url.items()]
            for result in fetcher.fetch_each(asked):
                try:
                    for target in by_url.pop(result.url, []):
                        _store_one(database, data_dir, slug, harvest_id, target, result, report,
                                   max_pixels)  # fmt: skip
                finally:
                    fetcher.discard_one(result)
                if progress:
                    progress(report)
    with database.transaction() as session:
        session.execute(
            update(ImageHarvest)
            .where(ImageHarvest.id == harvest_id)
            .values(status=DONE, runner=None, finished_at=datetime.now(UTC))
        )
        report.status = DONE
        _fill_from_items(session, report)
    if progress:
        progress(report)
    return report


def _begin(
    session: Session, institution: Institution, runner: job_runner.Runner
) -> tuple[ImageHarvest, bool]:
    """Take over the institution's unfinished harvest, or start a new one."""
    last = latest_harvest(session, institution.id)
    now = datetime.now(UTC)
    if last is not None and last.status == RUNNING:
        holder = job_runner.Runner.parse(last.runner) if last.runner else None
        if holder is not None and holder.alive(last.runner_seen_at, now):
            raise HarvestBusy(
                f"a harvest of {institution.slug}'s images is running ({holder.describe()}); "
                "its progress is on the staff pages (Imports)"
            )
        taken = session.execute(
            update(ImageHarvest)
            .where(ImageHarvest.id == last.id, _same_runner(last.runner))
            .values(runner=str(runner), runner_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            raise HarvestBusy(f"another harvest of {institution.slug}'s images just started")
        session.refresh(last)
        return last, True
    # Only the latest harvest is shown and resumed: the items of earlier ones go.
    session.execute(
        delete(ImageHarvestItem).where(
            ImageHarvestItem.harvest_id.in_(
                select(ImageHarvest.id).where(ImageHarvest.institution_id == institution.id)
            )
        )
    )
    harvest = ImageHarvest(
        institution_id=institution.id,
        status=RUNNING,
        total=0,
        runner=str(runner),
        runner_seen_at=now,
        started_at=now,
    )
    session.add(harvest)
    session.flush()
    return harvest, False


def _same_runner(runner: str | None) -> Any:
    return ImageHarvest.runner.is_(None) if runner is None else ImageHarvest.runner == runner


def _seen(harvest_id: int, runner: job_runner.Runner) -> Any:
    return (
        update(ImageHarvest)
        .where(ImageHarvest.id == harvest_id, ImageHarvest.runner == str(runner))
        .values(runner_seen_at=datetime.now(UTC))
    )


def latest_harvest(session: Session, institution_id: int) -> ImageHarvest | None:
    return session.scalar(
        select(ImageHarvest)
        .where(ImageHarvest.institution_id == institution_id)
        .order_by(ImageHarvest.id.desc())
        .limit(1)
    )


def _is_target(state: str | None, remote: Any) -> bool:
    """Waiting, failed, or fetched by an earlier harvest (its ``remote`` is a mapping).

    A URL reference whose file came with the export has neither: it is not fetched.
    """
    return state in (PENDING, FAILED) or isinstance(remote, dict)


def _target_ids(session: Session, institution_id: int, harvest_id: int) -> list[int]:
    """The image rows this harvest still has to deal with, in id order.

    The canvases a IIIF manifest gave share its reference: the first row
    stands for them all (the manifest is fetched once, its rows replaced).
    """
    done = select(ImageHarvestItem.image_id).where(ImageHarvestItem.harvest_id == harvest_id)
    rows = session.execute(
        select(Image.id, Image.object_id, Image.source_reference, Image.state, Image.remote)
        .join(CollectionObject, CollectionObject.id == Image.object_id)
        .where(
            CollectionObject.institution_id == institution_id,
            CollectionObject.status == ObjectStatus.PUBLISHED,
            Image.reference_class.is_not(None),
            Image.id.not_in(done),
        )
        .order_by(Image.id)
    )
    seen: set[tuple[int, str]] = set()
    wanted = []
    for row in rows:
        key = (row.object_id, row.source_reference)
        if key in seen or not _is_target(row.state, row.remote):
            continue
        seen.add(key)
        wanted.append(row.id)
    return wanted


def _pages(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), PAGE):
        yield ids[start : start + PAGE]


def _details(session: Session, data_dir: Path, ids: list[int]) -> dict[str, list[_Target]]:
    """The targets of a page by address, with what to ask a conditional GET with."""
    rows = session.execute(
        select(
            Image.id,
            Image.object_id,
            Image.source_reference,
            Image.mime_type,
            Image.file_path,
            Image.state,
            Image.remote,
            CollectionObject.identifier,
        )
        .join(CollectionObject, CollectionObject.id == Image.object_id)
        .where(Image.id.in_(ids))
        .order_by(Image.id)
    )
    found: dict[str, list[_Target]] = {}
    for row in rows:
        present = not row.file_path or (data_dir / row.file_path).is_file()
        stored = StoredReference(
            {"state": row.state, "remote": row.remote, "file_path": row.file_path}, present
        )
        held = validators([stored]) if row.remote else None
        found.setdefault(row.source_reference, []).append(_Target(
            row.id,
            row.object_id,
            row.identifier,
            row.source_reference,
            # The export's stated format, until a fetched file's own type replaced it.
            row.mime_type if row.file_path is None else None,
            Validators(*held) if held else None,
        ))  # fmt: skip
    return found


def _store_one(
    database: Database,
    data_dir: Path,
    slug: str,
    harvest_id: int,
    target: _Target,
    result: Fetched,
    report: HarvestReport,
    max_pixels: int,
) -> None:
    """One reference's outcome, written with its object's new revision, in one transaction."""
    with database.transaction() as session:
        reference = Reference(target.object_id, target.image_id, target.url, target.hint)
        outcome, reason, problems = apply_fetch(
            session, data_dir, slug, reference, result, max_pixels
        )
        session.execute(
            insert(ImageHarvestItem).values(
                harvest_id=harvest_id,
                image_id=target.image_id,
                outcome=outcome,
                record=target.identifier[:500],
                url=target.url[:2000],
                reason=reason,
            )
        )
    report.problems.extend(problems)
    if outcome == FETCHED:
        report.fetched += 1
    elif outcome == UNCHANGED:
        report.unchanged += 1
    else:
        report.failed += 1
        if len(report.failures) < NAMED_FAILURES:
            report.failures.append(Failure(target.identifier, target.url, reason or "failed"))


def _outcomes(session: Session, harvest_id: int) -> dict[str, int]:
    return dict(
        session.execute(  # type: ignore[arg-type]
            select(ImageHarvestItem.outcome, func.count())
            .where(ImageHarvestItem.harvest_id == harvest_id)
            .group_by(ImageHarvestItem.outcome)
        ).all()
    )


def _fill_from_items(session: Session, report: HarvestReport) -> None:
    """The counts and named failures of the whole harvest (a resumed one's included)."""
    counts = _outcomes(session, report.harvest_id)
    report.fetched = counts.get(FETCHED, 0)
    report.unchanged = counts.get(UNCHANGED, 0)
    report.failed = counts.get(FAILED_OUTCOME, 0)
    report.total = max(report.total, report.done)
    report.failures = harvest_failures(session, report.harvest_id)


def harvest_failures(
    session: Session, harvest_id: int, limit: int = NAMED_FAILURES
) -> list[Failure]:
    rows = session.execute(
        select(ImageHarvestItem.record, ImageHarvestItem.url, ImageHarvestItem.reason)
        .where(
            ImageHarvestItem.harvest_id == harvest_id,
            ImageHarvestItem.outcome == FAILED_OUTCOME,
        )
        .order_by(ImageHarvestItem.record, ImageHarvestItem.url)
        .limit(limit)
    )
    return [Failure(row.record, row.url, row.reason or "failed") for row in rows]


def harvest_state(session: Session, institution: Institution) -> HarvestReport | None:
    """The institution's latest harvest as the staff pages show it, or None."""
    harvest = latest_harvest(session, institution.id)
    if harvest is None:
        return None
    report = HarvestReport(institution.slug, harvest.id, harvest.status, harvest.total)
    _fill_from_items(session, report)
    if harvest.status == RUNNING:
        holder = job_runner.Runner.parse(harvest.runner) if harvest.runner else None
        if holder is None or not holder.alive(harvest.runner_seen_at, datetime.now(UTC)):
            report.status = "stopped"
    return report


def waiting_references(session: Session, institution_id: int) -> int:
    """Image URLs of the institution's published objects not fetched yet."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Image)
            .join(CollectionObject, CollectionObject.id == Image.object_id)
            .where(
                CollectionObject.institution_id == institution_id,
                CollectionObject.status == ObjectStatus.PUBLISHED,
                Image.state == PENDING,
            )
        )
        or 0
    )
