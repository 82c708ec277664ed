"""The tables, as typed SQLAlchemy 2 models.

Text that the source gives in several languages is stored as a IIIF-style
language map (``{"en": ["..."], "none": ["..."]}``) in a JSON column.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    insert,
    inspect,
    literal,
    select,
    true,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from glampub.compressed_text import CompressedText
from glampub.db import Base
from glampub.rights.decision import NEEDS_REVIEW
from glampub.statuses import ObjectStatus, RunStatus, UploadStatus

LangMap = dict[str, list[str]]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Institution(Base):
    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    homepage: Mapped[str | None] = mapped_column(String(1000))
    #: The logo's file, relative to the data folder.
    logo_path: Mapped[str | None] = mapped_column(String(500))
    logo_width: Mapped[int | None] = mapped_column(Integer)
    logo_height: Mapped[int | None] = mapped_column(Integer)
    #: Opt-in: show a "Courtesy of" requiredStatement on public-domain items too.
    courtesy_statement: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Opt-in: publish images of in-copyright items in full, not as thumbnails only.
    full_images_in_copyright: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The jurisdiction's copyright term, in years after the creator's death.
    copyright_term_years: Mapped[int] = mapped_column(Integer, default=70)
    #: The licence of its metadata where a record states none (CC0 or CC BY 4.0
    #: URI); None: not stated, and nothing is published about it.
    metadata_licence: Mapped[str | None] = mapped_column(String(200))
    #: The interface language for visitors whose browser asks for none glampub
    #: ships ("de", "nl", ...); None: English.
    default_language: Mapped[str | None] = mapped_column(String(8))
    #: Publish a W3C TDMRep reservation (``tdm-reservation: 1``) on its objects
    #: that may be in copyright (see glampub.publishing.mining); on by default.
    tdm_reservation: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: The institution's TDM policy (an http(s) URL), sent as ``tdm-policy``.
    tdm_policy: Mapped[str | None] = mapped_column(String(1000))
    #: Bumped whenever what the institution publishes about itself changes
    #: (name, homepage, logo, settings), so cached documents are rebuilt.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    objects: Mapped[list[CollectionObject]] = relationship(back_populates="institution")
    #: Its credit line template, when it has set one (staff settings).
    credit_template_row: Mapped[CreditTemplate | None] = relationship(viewonly=True)

    @property
    def credit_template(self) -> str | None:
        return self.credit_template_row.template if self.credit_template_row else None


class CollectionObject(Base):
    __tablename__ = "collection_object"
    __table_args__ = (UniqueConstraint("institution_id", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Indexed by the unique (institution_id, identifier), whose first column it is
    #: (migration 0002 dropped an index of its own).
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"))
    identifier: Mapped[str] = mapped_column(String(500))
    title: Mapped[LangMap] = mapped_column(JSON, default=dict)
    description: Mapped[LangMap] = mapped_column(JSON, default=dict)
    #: [{"name", "role", "qualifier", "birth_year", "death_year", "display_dates"}]
    creators: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    date_display: Mapped[str | None] = mapped_column(String(300))
    date_earliest: Mapped[int | None] = mapped_column(Integer)
    date_latest: Mapped[int | None] = mapped_column(Integer)
    #: A list of concepts, [{"key", "id", "label": LangMap}] (see importers/object_types.py);
    #: a plain LangMap in rows stored before concepts.
    object_type: Mapped[Any] = mapped_column(JSON, default=list)
    materials: Mapped[LangMap] = mapped_column(JSON, default=dict)
    dimensions: Mapped[LangMap] = mapped_column(JSON, default=dict)
    inventory_number: Mapped[str | None] = mapped_column(String(300))
    credit_line: Mapped[str | None] = mapped_column(Text)
    rights_holder: Mapped[str | None] = mapped_column(String(500))
    #: What the digital object is, as a Europeana type (IMAGE, TEXT, 3D, SOUND,
    #: VIDEO), for EDM; never an object type.
    media_type: Mapped[str | None] = mapped_column(String(20))
    #: Further label/value pairs: [[label LangMap, value LangMap], ...]
    extra_metadata: Mapped[list[Any]] = mapped_column(JSON, default=list)
    record_url: Mapped[str | None] = mapped_column(String(2000))

    # The rights decision for the published reproductions (see glampub.rights).
    rights_statement: Mapped[str] = mapped_column(Text, default="")
    #: The statements as exported, kept so institution rules can be re-applied.
    rights_statements: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: sha256 of the statements' normalised key: one review queue entry per value.
    rights_key: Mapped[str] = mapped_column(String(64), default="", index=True)
    #: Indexed with status (see glampub.search.index), as every query asks (migration 0006).
    rights_uri: Mapped[str | None] = mapped_column(String(200))
    rights_status: Mapped[str] = mapped_column(String(20), default=NEEDS_REVIEW)
    rights_label: Mapped[str] = mapped_column(String(200), default="")
    rights_reuse: Mapped[str] = mapped_column(String(20), default="permission")
    rights_rule: Mapped[str] = mapped_column(String(60), default="")
    rights_reason: Mapped[str] = mapped_column(Text, default="")
    rights_warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The metadata record's own licence as the record states it (LIDO
    #: recordRights): its URI; None when the record states none (the
    #: institution's metadata_licence applies); "needs-review" when it states
    #: one glampub cannot map (then none is published).
    record_rights_uri: Mapped[str | None] = mapped_column(String(200))

    # The source record exactly as exported (compressed when long: see
    # glampub.compressed_text).
    source_record: Mapped[str] = mapped_column(CompressedText, default="")
    source_format: Mapped[str] = mapped_column(String(20), default="")
    source_media_type: Mapped[str] = mapped_column(String(100), default="text/plain")

    #: Lower-cased text of every field, for the simple search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    #: An :class:`ObjectStatus` value.
    #: Indexed first in composites with what each query asks next (glampub.search.index).
    status: Mapped[str] = mapped_column(String(20), default=ObjectStatus.PUBLISHED)
    #: Withdrawn by staff: it stays withdrawn whatever a later import brings,
    #: until staff publish it again (a full export leaving it out also withdraws
    #: it, but without this hold, so the export listing it again brings it back).
    held_by_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    institution: Mapped[Institution] = relationship(back_populates="objects")
    images: Mapped[list[Image]] = relationship(
        back_populates="object", order_by="Image.position", cascade="all, delete-orphan"
    )

    @property
    def is_withdrawn(self) -> bool:
        return self.status == ObjectStatus.WITHDRAWN


class Image(Base):
    __tablename__ = "image"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The public id used in Image API URLs; stable for (institution, object, position).
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("collection_object.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[LangMap] = mapped_column(JSON, default=dict)
    #: The reference as exported (file name or URL).
    source_reference: Mapped[str] = mapped_column(String(2000))
    #: The stored master, relative to the data folder; None for remote images not fetched.
    file_path: Mapped[str | None] = mapped_column(String(500))
    mime_type: Mapped[str | None] = mapped_column(String(100))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    checksum: Mapped[str | None] = mapped_column(String(64))
    rights_uri: Mapped[str | None] = mapped_column(String(200))
    rights_status: Mapped[str] = mapped_column(String(20), default=NEEDS_REVIEW)
    rights_label: Mapped[str] = mapped_column(String(200), default="")
    #: The image's own statements as exported; empty when the object's decide.
    rights_statements: Mapped[list[str]] = mapped_column(JSON, default=list)
    credit_line: Mapped[str | None] = mapped_column(Text)
    #: Who holds the rights in this image (a photographer, a library), when the export says.
    rights_holder: Mapped[str | None] = mapped_column(String(500))
    #: What a URL reference is (glampub.images.reference_class); None for a file.
    reference_class: Mapped[str | None] = mapped_column(String(20))
    #: "pending" (not fetched yet) or "failed" (see state_reason); None when available.
    state: Mapped[str | None] = mapped_column(String(20))
    state_reason: Mapped[str | None] = mapped_column(Text)
    #: A remote IIIF Image API service and the validators of what was fetched.
    remote: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    object: Mapped[CollectionObject] = relationship(back_populates="images")


class ImageHarvest(Base):
    """One harvest of an institution's image URLs (see glampub.importing.harvest)."""

    __tablename__ = "image_harvest"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    #: "running" until every reference was dealt with, then "done".
    status: Mapped[str] = mapped_column(String(20))
    #: The references it set out to fetch.
    total: Mapped[int] = mapped_column(Integer, default=0)
    #: Who runs it ("host pid start token", see glampub.jobs.runner) and when last seen.
    runner: Mapped[str | None] = mapped_column(String(300))
    runner_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ImageHarvestItem(Base):
    """One image reference a harvest has dealt with: fetched, unchanged (304) or failed."""

    __tablename__ = "image_harvest_item"

    harvest_id: Mapped[int] = mapped_column(
        ForeignKey("image_harvest.id", ondelete="CASCADE"), primary_key=True
    )
    #: The image row it was (not a foreign key: a re-import replaces image rows).
    image_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(20))
    #: The record's identifier and the URL, as the staff pages name a failure.
    record: Mapped[str] = mapped_column(String(500))
    url: Mapped[str] = mapped_column(String(2000))
    reason: Mapped[str | None] = mapped_column(Text)


class RightsRule(Base):
    """An institution's own rule, checked before the built-in ones.

    ``origin`` is "rule" for rules staff wrote, "review" for a decision taken
    in the review queue (always an exact statement).
    """

    __tablename__ = "rights_rule"
    __table_args__ = (UniqueConstraint("institution_id", "kind", "match"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    #: The statement (exact) or regular expression (pattern) as staff gave it.
    match: Mapped[str] = mapped_column(String(2000))
    #: A canonical rights URI, or "needs-review".
    target: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(10), default="rule")
    decided_by: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChangeEvent(Base):
    """One real change to what an object publishes, for IIIF Change Discovery.

    Written in the same transaction as the change itself, never for an
    unchanged re-import. ``kind`` is the activity type: Create, Update, Delete.
    """

    __tablename__ = "change_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("collection_object.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    revision: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DocumentCache(Base):
    """A built JSON document (manifest, collection, discovery page), served as stored.

    ``version`` names everything the document was built from (object and
    institution revisions, the last change event, the builder's format); a
    request whose version differs rebuilds it once and replaces the row.
    """

    __tablename__ = "document_cache"
    __table_args__ = (UniqueConstraint("key", "base_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. "manifest:42" (object id), "collection:3:2" (institution id, page), "discovery:3"
    key: Mapped[str] = mapped_column(String(300))
    base_url: Mapped[str] = mapped_column(String(500))
    version: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    etag: Mapped[str] = mapped_column(String(80))
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SearchSummary(Base):
    """A search's total and facet counts for one set of filters, at one data version.

    Shared by every process (each keeps its own in memory too), and counted
    afresh inside an import's transaction for the filters asked for most
    recently, so that the first searches after a large publish find their
    counts ready instead of all counting at once.
    """

    __tablename__ = "search_summary"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The filters as sorted JSON, e.g. ``[["text", "mill"]]``; ``[]`` for all objects.
    filters: Mapped[str] = mapped_column(String(1000), unique=True)  # longer: not stored
    #: The data version the counts are for (see glampub.search.query.data_version).
    version: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    #: When a search last counted these filters itself: the most recent are refreshed.
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImportRun(Base):
    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    file_name: Mapped[str] = mapped_column(String(1000))
    format: Mapped[str] = mapped_column(String(20))
    #: running, done, failed
    #: A RunStatus.
    status: Mapped[str] = mapped_column(String(20), default=RunStatus.RUNNING)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    rights: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    #: The first problems (up to glampub.importing.problem_log.KEEP_IN_MEMORY);
    #: every one of them is in ``problems_file``.
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: How many problems there were in all, and how many of each code.
    problems_total: Mapped[int] = mapped_column(Integer, default=0)
    problem_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    #: Every problem, one JSON object per line, relative to the data folder.
    problems_file: Mapped[str | None] = mapped_column(String(500))
    message: Mapped[str | None] = mapped_column(Text)
    #: The rights URI this import gave its records that state none
    #: (--default-rights, or the profile's default_rights), and who gave it;
    #: when is ``started_at``.
    default_rights: Mapped[str | None] = mapped_column(String(200))
    default_rights_by: Mapped[str | None] = mapped_column(String(300))


class ImportLock(Base):
    """Who is importing for an institution right now: one row while an import runs.

    Two imports for one institution must never interleave. The row names its
    holder (host, process id and that process's start time, since process ids
    are reused), so a later import can tell a live holder from one that died
    (kill -9, power loss) and take the lock over. Where the database allows a
    second connection to write during an import (PostgreSQL), the holder also
    refreshes ``heartbeat_at``, which covers holders on other machines.
    """

    __tablename__ = "import_lock"

    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    process_started: Mapped[str] = mapped_column(String(40), default="")
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Set while the account is disabled: no sign-in, session or token works.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Carried in the session cookie and checked on every request; bumped by
    #: signing out, a password reset and disabling, which ends every session.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    institution: Mapped[Institution] = relationship()


class ApiToken(Base):
    """An API token. It acts for its account only while the account is enabled
    and still belongs to the institution the token was made for."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: The account's institution when the token was made.
    institution_id: Mapped[int] = mapped_column(
        # Named, so that migration 0007's downgrade can drop it on both databases.
        ForeignKey("institution.id", name="fk_api_token_institution_id")
    )
    #: sha256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: When a request last used it (to the minute: see glampub.accounts.store).
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()
    institution: Mapped[Institution] = relationship()


class Upload(Base):
    """An export a staff member uploaded through the web or the API.

    It is previewed (a dry run) before it is published; both runs are
    background jobs whose progress is kept in a file beside the upload (see
    glampub.jobs.background), since with SQLite the import holds the database's
    only write lock while it runs.
    """

    __tablename__ = "upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: The name the file had on the uploader's machine (shown, never used as a path).
    original_name: Mapped[str] = mapped_column(String(500))
    #: Under the data folder: uploads/<generated>/...
    export_path: Mapped[str] = mapped_column(String(500))
    images_path: Mapped[str | None] = mapped_column(String(500))
    size: Mapped[int] = mapped_column(Integer, default=0)
    format: Mapped[str] = mapped_column(String(20), default="auto")
    #: A shipped profile's name or the id of the institution's own ("profile:7").
    profile: Mapped[str | None] = mapped_column(String(200))
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    #: An UploadStatus.
    status: Mapped[str] = mapped_column(String(20), default=UploadStatus.UPLOADED)
    preview_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    publish_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    #: ImportReport.summary() of the dry run, and a few records as they will look.
    preview: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message: Mapped[str | None] = mapped_column(Text)
    #: Who runs its job now ("host pid start token"; see glampub.jobs.runner),
    #: None while it waits; and when that was last known (queued, claimed, heartbeat).
    runner: Mapped[str | None] = mapped_column(String(300))
    runner_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    institution: Mapped[Institution] = relationship()


class ColumnProfile(Base):
    """An institution's own CSV column-mapping profile (TOML, as in docs/csv-format.md)."""

    __tablename__ = "column_profile"
    __table_args__ = (UniqueConstraint("institution_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    toml: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CreditTemplate(Base):
    """How an institution wants to be credited, e.g. "{title}, {creator} – {institution}"."""

    __tablename__ = "credit_template"

    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), primary_key=True)
    template: Mapped[str] = mapped_column(String(500))


class LoginCounter(Base):
    """Failed sign-ins of one account or one address within a window.

    One row per key, counted up by a single conditional statement (see
    glampub.accounts.login_throttle), so concurrent attempts cannot all read
    the same count and all go ahead.
    """

    __tablename__ = "login_counter"

    #: "email:<address>" or "ip:<address>"
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    #: When the first failure of the current window was counted.
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)


@event.listens_for(Session, "before_flush")
def _bump_institution_revision(session: Session, _context: Any, _instances: Any) -> None:
    """Any real edit of an institution invalidates the documents that show it."""
    for obj in session.dirty:
        if isinstance(obj, Institution) and session.is_modified(obj, include_collections=False):
            obj.revision = (obj.revision or 1) + 1


# --- an institution edit its manifests show is an Update of each of its objects
#
# Renaming an institution or changing its logo, homepage, courtesy statement,
# image policy or credit line template changes every one of its manifests;
# Change Discovery must say so, or harvesters keep the old ones. Listeners on
# every session (registered after the revision bump above, which they rely on):
# the edit is seen before the flush, the activities are written after it, in
# one INSERT ... SELECT however many objects the institution has. They live
# here, beside the tables they read, so that whoever loads the models has them.

#: What of an institution its objects' manifests show.
SHOWN_IN_MANIFESTS = (
    "name",
    "homepage",
    "logo_path",
    "logo_width",
    "logo_height",
    "courtesy_statement",
    "full_images_in_copyright",
)
_PENDING = "institutions_shown_changed"


@event.listens_for(Session, "before_flush")
def _note_shown_changes(session: Session, _context: Any, _instances: Any) -> None:
    pending = session.info.setdefault(_PENDING, set())
    for obj in session.dirty:
        if isinstance(obj, Institution):
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in SHOWN_IN_MANIFESTS):
                pending.add(obj.id)
    # The credit line template, kept in a table of its own, is in every manifest too.
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, CreditTemplate):
            pending.add(obj.institution_id)


@event.listens_for(Session, "after_flush")
def _announce_shown_changes(session: Session, _context: Any) -> None:
    changed = session.info.pop(_PENDING, set())
    if not changed:
        return
    objects = CollectionObject.__table__
    rows = select(
        objects.c.institution_id,
        objects.c.id,
        literal("Update"),
        objects.c.revision,
        literal(utcnow(), DateTime(timezone=True)),
    ).where(objects.c.institution_id.in_(changed), objects.c.status == ObjectStatus.PUBLISHED)
    session.connection().execute(
        insert(ChangeEvent.__table__).from_select(
            ["institution_id", "object_id", "kind", "revision", "at"], rows
        )
    )
