"""The full-text index behind search, created beside the tables.

SQLite: an FTS5 table over ``collection_object.search_text``, kept in step by
triggers, so every writer (the bulk import's Core inserts, the rights review,
staff edits) updates it without knowing it exists. PostgreSQL: the same idea,
a table ``object_search`` of stored ``tsvector`` values with a GIN index, kept
by a trigger: ranking and matching read the stored vector instead of parsing
every matching row's text again (at 100,000 objects that took seconds).
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, Engine, text

from glampub.schema_lock import UPGRADE_LOCK

#: The text search configuration on PostgreSQL: "simple" does no stemming, so a
#: search for a name or an inventory number finds exactly it, in any language.
PG_CONFIG = "simple"

_SQLITE_DDL = (
    # remove_diacritics 2: "Durer" finds "Dürer".
    "CREATE VIRTUAL TABLE IF NOT EXISTS object_fts USING fts5("
    "search_text, content='collection_object', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS object_fts_insert AFTER INSERT ON collection_object BEGIN "
    "INSERT INTO object_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS object_fts_delete AFTER DELETE ON collection_object BEGIN "
    "INSERT INTO object_fts(object_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS object_fts_update AFTER UPDATE OF search_text "
    "ON collection_object BEGIN "
    "INSERT INTO object_fts(object_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO object_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)

_PG_TABLE = (
    "CREATE TABLE IF NOT EXISTS object_search ("
    "object_id integer PRIMARY KEY REFERENCES collection_object(id) ON DELETE CASCADE, "
    "tsv tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS object_search_tsv ON object_search USING gin (tsv)",
)
#: Set (``SET LOCAL``) by a bulk import on PostgreSQL: the row triggers then
#: leave the objects' search and facet rows to it, and it fills them a batch at
#: a time (:func:`index_objects`). Run per row, the triggers' statements cost
#: more than storing the objects themselves (250 LIDO records: 90 to 360 ms of
#: triggers against 65 ms of insert); set-based they cost about half as much.
DEFER_SETTING = "glampub.index_later"
_DEFERRED = f"IF current_setting('{DEFER_SETTING}', true) = 'on' THEN RETURN NEW; END IF;"
_PG_SEARCH_FUNCTION = f"""CREATE OR REPLACE FUNCTION glampub_object_search() RETURNS trigger AS $$
    BEGIN
      {_DEFERRED}
      INSERT INTO object_search (object_id, tsv)
      VALUES (NEW.id, to_tsvector('{PG_CONFIG}', coalesce(NEW.search_text, '')))
      ON CONFLICT (object_id) DO UPDATE SET tsv = EXCLUDED.tsv;
      RETURN NEW;
    END $$ LANGUAGE plpgsql"""
_PG_TRIGGER = (
    _PG_SEARCH_FUNCTION,
    "CREATE TRIGGER object_search_sync AFTER INSERT OR UPDATE OF search_text "
    "ON collection_object FOR EACH ROW EXECUTE FUNCTION glampub_object_search()",
    # Rows written before the trigger existed.
    f"INSERT INTO object_search (object_id, tsv) SELECT id, "
    f"to_tsvector('{PG_CONFIG}', coalesce(search_text, '')) FROM collection_object "
    f"ON CONFLICT (object_id) DO NOTHING",
)

# The facet values read out of the JSON columns, one row per (object, kind, value),
# so that facets and their filters are plain indexed lookups, not JSON parsing.
_FACET_TABLE = (
    "CREATE TABLE IF NOT EXISTS object_facet (object_id integer NOT NULL, "
    "kind varchar(20) NOT NULL, value text NOT NULL)",
    "CREATE INDEX IF NOT EXISTS object_facet_lookup ON object_facet (kind, value, object_id)",
    # Covering, so that an object's values are found by its id even before the
    # planner has statistics (right after a big import): with (kind, value,
    # object_id) alone PostgreSQL scanned every value of a kind per object.
    "CREATE INDEX IF NOT EXISTS object_facet_by_object ON object_facet (object_id, kind, value)",
)
# Object types are stored as concepts (see importers/object_types.py), one
# facet row per concept key; objects stored before concepts hold a plain
# language map, one row per term as before. Where the definitions below change,
# _FACETS_VERSION changes with them, and databases made with older ones get
# these triggers and rows anew (see _facets_current).
_FACETS_VERSION = "facets:makers-only"
# json_tree visits every text value at any depth, and json_each's rows are
# checked for their type, so no shape of the data can make the trigger (and
# with it the import's insert) fail. A creator marked "maker": false (a donor,
# a former owner) is no creator facet value.
_SQLITE_FACETS = """
    SELECT {row}.id, 'object_type', t.value FROM {rows}json_tree({row}.object_type) AS t
    WHERE json_type({row}.object_type) = 'object' AND t.type = 'text'
    UNION
    SELECT {row}.id, 'object_type', json_extract(c.value, '$.key')
    FROM {rows}json_each({row}.object_type) AS c
    WHERE json_type({row}.object_type) = 'array' AND c.type = 'object'
      AND json_type(c.value, '$.key') = 'text'
    UNION
    SELECT {row}.id, 'creator', json_extract(c.value, '$.name')
    FROM {rows}json_each({row}.creators) AS c
    WHERE json_type({row}.creators) = 'array' AND c.type = 'object'
      AND json_type(c.value, '$.name') = 'text'
      AND json_type(c.value, '$.maker') IS NOT 'false'
"""
_SQLITE_FACET_DDL = (
    # The version is kept in the trigger's own text, where _facets_current reads it.
    f"CREATE TRIGGER IF NOT EXISTS object_facet_insert AFTER INSERT ON collection_object BEGIN "
    f"/* {_FACETS_VERSION} */ "
    f"INSERT INTO object_facet (object_id, kind, value) "
    f"{_SQLITE_FACETS.format(row='new', rows='')}; END",
    "CREATE TRIGGER IF NOT EXISTS object_facet_update AFTER UPDATE OF object_type, creators "
    "ON collection_object BEGIN DELETE FROM object_facet WHERE object_id = old.id; "
    f"INSERT INTO object_facet (object_id, kind, value) "
    f"{_SQLITE_FACETS.format(row='new', rows='')}; END",
    "CREATE TRIGGER IF NOT EXISTS object_facet_delete AFTER DELETE ON collection_object BEGIN "
    "DELETE FROM object_facet WHERE object_id = old.id; END",
)
_SQLITE_FACET_TRIGGERS = tuple(
    re.findall(r"CREATE TRIGGER IF NOT EXISTS (\w+)", " ".join(_SQLITE_FACET_DDL))
)
_SQLITE_FACET_FILL = "INSERT INTO object_facet (object_id, kind, value) " + _SQLITE_FACETS.format(
    row="o", rows="collection_object AS o, "
)
# The CASEs keep json_each and json_array_elements from ever seeing the other
# shape, whatever order the planner evaluates the conditions in.
_PG_FACETS = """
    SELECT DISTINCT o.id, 'object_type', v FROM {rows} AS o,
      json_each(CASE WHEN json_typeof(o.object_type) = 'object'
                THEN o.object_type ELSE '{{}}'::json END) AS l,
      json_array_elements_text(CASE WHEN json_typeof(l.value) = 'array'
                               THEN l.value ELSE '[]'::json END) AS v
    UNION
    SELECT DISTINCT o.id, 'object_type', c->>'key' FROM {rows} AS o,
      json_array_elements(CASE WHEN json_typeof(o.object_type) = 'array'
                          THEN o.object_type ELSE '[]'::json END) AS c
    WHERE json_typeof(c) = 'object' AND json_typeof(c->'key') = 'string'
    UNION
    SELECT DISTINCT o.id, 'creator', c->>'name'
    FROM {rows} AS o, json_array_elements(o.creators) AS c
    WHERE json_typeof(o.creators) = 'array' AND json_typeof(c) = 'object'
      AND c->>'name' IS NOT NULL AND (c->>'maker') IS DISTINCT FROM 'false'
"""
_PG_FACET_FUNCTION = f"""CREATE OR REPLACE FUNCTION glampub_object_facets() RETURNS trigger AS $$
    BEGIN
      -- {_FACETS_VERSION}
      {_DEFERRED}
      DELETE FROM object_facet WHERE object_id = NEW.id;
      INSERT INTO object_facet (object_id, kind, value)
      {_PG_FACETS.format(rows="(SELECT NEW.id, NEW.object_type, NEW.creators)")};
      RETURN NEW;
    END $$ LANGUAGE plpgsql"""
_PG_FACET_TRIGGER = (
    "CREATE TRIGGER object_facet_sync AFTER INSERT OR UPDATE OF object_type, creators "
    "ON collection_object FOR EACH ROW EXECUTE FUNCTION glampub_object_facets()"
)
_PG_FACET_FILL = "INSERT INTO object_facet (object_id, kind, value) " + _PG_FACETS.format(
    rows="collection_object"
)
# What the triggers do for one row, for the objects of a batch (:func:`index_objects`).
_PG_BATCH_SEARCH = (
    f"INSERT INTO object_search (object_id, tsv) SELECT id, "
    f"to_tsvector('{PG_CONFIG}', coalesce(search_text, '')) FROM collection_object "
    f"WHERE id = ANY(:ids) ON CONFLICT (object_id) DO UPDATE SET tsv = EXCLUDED.tsv"
)
_PG_BATCH_FACETS_DELETE = "DELETE FROM object_facet WHERE object_id = ANY(:ids)"
_PG_BATCH_FACETS = "INSERT INTO object_facet (object_id, kind, value) " + _PG_FACETS.format(
    rows="(SELECT id, object_type, creators FROM collection_object WHERE id = ANY(:ids))"
)

#: Indexes the facets and sort orders need, on both databases.
_COMMON_DDL = (
    "CREATE INDEX IF NOT EXISTS collection_object_status_updated "
    "ON collection_object (status, updated_at)",
    "CREATE INDEX IF NOT EXISTS collection_object_date ON collection_object (date_earliest)",
    # Covering indexes: the facet counts over the whole collection read only these.
    "CREATE INDEX IF NOT EXISTS collection_object_status_reuse "
    "ON collection_object (status, rights_reuse)",
    "CREATE INDEX IF NOT EXISTS collection_object_status_licence "
    "ON collection_object (status, rights_uri)",
    "CREATE INDEX IF NOT EXISTS collection_object_status_institution "
    "ON collection_object (status, institution_id)",
)


#: PostgreSQL only: the orders of a result page, over published objects, with
#: the tie on id in the index, so that a first page walks an index and stops
#: at its end instead of sorting every match (seconds at a million objects).
#: NULLS LAST is spelled out where it differs from the default, as the page's
#: ORDER BY (search/sql.py) spells it: the planner uses an index for an order
#: only when every term matches.
_PG_SORT_DDL = (
    "CREATE INDEX IF NOT EXISTS collection_object_published_newest "
    "ON collection_object (updated_at DESC, id DESC) WHERE status = 'published'",
    "CREATE INDEX IF NOT EXISTS collection_object_published_oldest_made "
    "ON collection_object (date_earliest ASC NULLS LAST, id DESC) WHERE status = 'published'",
    "CREATE INDEX IF NOT EXISTS collection_object_published_newest_made "
    "ON collection_object (date_earliest DESC NULLS LAST, id DESC) WHERE status = 'published'",
    "CREATE INDEX IF NOT EXISTS collection_object_published_identifier "
    "ON collection_object (identifier, id DESC) WHERE status = 'published'",
    # Covering, for a date range: the matches and every column their counts
    # need come from the index alone, where the table's pages (all of them,
    # when years are spread over the table) were read.
    "CREATE INDEX IF NOT EXISTS collection_object_published_dates "
    "ON collection_object (date_earliest) "
    "INCLUDE (date_latest, id, institution_id, rights_reuse, rights_uri) "
    "WHERE status = 'published'",
)


#: PostgreSQL only, beside search's because they are made the same way: what
#: the IIIF Collection pages and Change Discovery read (glampub.publishing).
#: An institution's listed objects in identifier order, and each object's
#: images with a size (a canvas: the first is its thumbnail), both read from
#: the index alone: once per data version every listed object is numbered to
#: find where each page starts, and at a million objects the tables behind
#: these were 9 GB.
_PG_LISTING_DDL = (
    "CREATE INDEX IF NOT EXISTS collection_object_listed "
    "ON collection_object (institution_id, identifier) INCLUDE (id) WHERE status = 'published'",
    "CREATE INDEX IF NOT EXISTS image_sized "
    "ON image (object_id, position, id) INCLUDE (public_id) WHERE width IS NOT NULL",
)


def ensure_search_index(engine: Engine) -> None:
    """Create the index if missing; a new FTS5 table is filled from existing rows.

    Every app start (each web worker, each job a worker runs) comes here. On
    PostgreSQL even ``CREATE INDEX IF NOT EXISTS`` locks its table before it
    finds the index there, and a job starting while another imports would
    deadlock with that import; so when all is in place this only reads, and
    otherwise processes starting together build it one at a time.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            if _postgresql_index_complete(conn):
                return
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
        create_search_index(conn)


def _postgresql_index_complete(conn: Connection) -> bool:
    relations = set(
        conn.scalars(
            text(
                "SELECT relname FROM pg_class"
                " WHERE relname = ANY(:names) AND pg_table_is_visible(oid)"
            ),
            {"names": sorted(SEARCH_INDEXES | {"object_search", "object_facet"})},
        )
    )
    triggers = set(
        conn.scalars(
            text("SELECT tgname FROM pg_trigger WHERE tgname = ANY(:names)"),
            {"names": ["object_search_sync", "object_facet_sync"]},
        )
    )
    return (
        len(relations) == len(SEARCH_INDEXES) + 2
        and len(triggers) == 2
        and _facets_current(conn)
        and _deferrable(conn)
    )


def _deferrable(conn: Connection) -> bool:
    """Whether both trigger functions leave their rows to a bulk import that asks."""
    sources = conn.scalars(
        text(
            "SELECT prosrc FROM pg_proc"
            " WHERE proname IN ('glampub_object_search', 'glampub_object_facets')"
        )
    ).all()
    return len(sources) == 2 and all(DEFER_SETTING in source for source in sources)


def defer_object_index(conn: Connection) -> bool:
    """On PostgreSQL, leave the search and facet rows of the objects this
    transaction writes to :func:`index_objects`; whether that is so.

    Until the transaction ends (``SET LOCAL``), and for this session only:
    every other writer's rows are indexed by the triggers as before.
    """
    if conn.dialect.name != "postgresql":
        return False
    conn.execute(text("SELECT set_config(:name, 'on', true)"), {"name": DEFER_SETTING})
    return True


def index_objects(conn: Connection, ids: list[int], changed: list[int]) -> None:
    """Write the search and facet rows of objects ``ids`` (inserted, or the
    ``changed`` among them updated) as the row triggers would have, in a few
    statements for them all."""
    if not ids:
        return
    conn.execute(text(_PG_BATCH_SEARCH), {"ids": ids})
    if changed:
        conn.execute(text(_PG_BATCH_FACETS_DELETE), {"ids": changed})
    conn.execute(text(_PG_BATCH_FACETS), {"ids": ids})


def _facets_current(conn: Connection) -> bool:
    """Whether the facet triggers are the ones this version defines."""
    if conn.dialect.name == "sqlite":
        query = "SELECT sql FROM sqlite_master WHERE name = 'object_facet_insert'"
    else:
        query = "SELECT prosrc FROM pg_proc WHERE proname = 'glampub_object_facets'"
    source = conn.scalar(text(query))
    return source is not None and _FACETS_VERSION in source


def _refill_facets(conn: Connection, fill: str) -> None:
    """Every object's facet rows anew, by the current definitions (once, when
    they changed: object types stored as concepts get their keys)."""
    conn.execute(text("DELETE FROM object_facet"))
    conn.execute(text(fill))


def create_search_index(conn: Connection) -> None:
    """:func:`ensure_search_index` in the caller's transaction (a migration's)."""
    if conn.dialect.name == "sqlite":
        existed = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = 'object_fts'")
        ).first()
        for statement in _SQLITE_DDL:
            conn.execute(text(statement))
        if not existed:
            conn.execute(text("INSERT INTO object_fts(object_fts) VALUES ('rebuild')"))
        facets_existed = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = 'object_facet'")
        ).first()
        outdated = facets_existed and not _facets_current(conn)
        if outdated:
            for name in _SQLITE_FACET_TRIGGERS:
                conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        for statement in _FACET_TABLE + _SQLITE_FACET_DDL:
            conn.execute(text(statement))
        if not facets_existed or outdated:
            _refill_facets(conn, _SQLITE_FACET_FILL)
    elif conn.dialect.name == "postgresql":
        for statement in _PG_TABLE:
            conn.execute(text(statement))
        exists = conn.execute(
            text("SELECT 1 FROM pg_trigger WHERE tgname = 'object_search_sync'")
        ).first()
        if not exists:
            for statement in _PG_TRIGGER:
                conn.execute(text(statement))
        for statement in _FACET_TABLE:
            conn.execute(text(statement))
        facet_trigger = conn.execute(
            text("SELECT 1 FROM pg_trigger WHERE tgname = 'object_facet_sync'")
        ).first()
        if not facet_trigger:
            conn.execute(text(_PG_FACET_FUNCTION))
            conn.execute(text(_PG_FACET_TRIGGER))
            _refill_facets(conn, _PG_FACET_FILL)
        elif not _facets_current(conn):
            conn.execute(text(_PG_FACET_FUNCTION))
            _refill_facets(conn, _PG_FACET_FILL)
        if not _deferrable(conn):
            # Same rows as before: only the switch for bulk imports is new.
            conn.execute(text(_PG_SEARCH_FUNCTION))
            conn.execute(text(_PG_FACET_FUNCTION))
        for statement in _PG_SORT_DDL + _PG_LISTING_DDL:
            conn.execute(text(statement))
    for statement in _COMMON_DDL:
        conn.execute(text(statement))


#: The tables the triggers fill on PostgreSQL, as every object is written.
TRIGGER_TABLES = ("object_search", "object_facet")

#: What this module creates beside the models' tables: the schema comparison of
#: the migrations leaves these out (they are not in the models' metadata).
SEARCH_TABLES = frozenset({"object_fts", "object_search", "object_facet"})
SEARCH_INDEXES = frozenset(
    re.findall(
        r"CREATE INDEX IF NOT EXISTS (\w+)",
        " ".join((*_PG_TABLE, *_FACET_TABLE, *_COMMON_DDL, *_PG_SORT_DDL, *_PG_LISTING_DDL)),
    )
)


def is_search_object(kind: str, name: str | None) -> bool:
    """Whether a table or index (``kind`` as Alembic names it) belongs to the search index.

    FTS5 keeps its rows in shadow tables named after the virtual table."""
    if name is None:
        return False
    if kind == "table":
        return name in SEARCH_TABLES or name.startswith("object_fts_")
    return kind == "index" and name in SEARCH_INDEXES


def drop_search_index(conn: Connection) -> None:
    """Remove what :func:`create_search_index` made (a migration's downgrade)."""
    statements = ["DROP TABLE IF EXISTS object_facet"]
    if conn.dialect.name == "sqlite":
        statements += [
            f"DROP TRIGGER IF EXISTS {name}"
            for name in re.findall(r"CREATE TRIGGER IF NOT EXISTS (\w+)", " ".join(_SQLITE_DDL))
            + list(_SQLITE_FACET_TRIGGERS)
        ]
        statements.append("DROP TABLE IF EXISTS object_fts")
    elif conn.dialect.name == "postgresql":
        statements += [
            "DROP TRIGGER IF EXISTS object_search_sync ON collection_object",
            "DROP TRIGGER IF EXISTS object_facet_sync ON collection_object",
            "DROP FUNCTION IF EXISTS glampub_object_search()",
            "DROP FUNCTION IF EXISTS glampub_object_facets()",
            "DROP TABLE IF EXISTS object_search",
            *(
                f"DROP INDEX IF EXISTS {name}"
                for name in re.findall(
                    r"CREATE INDEX IF NOT EXISTS (\w+)", " ".join(_PG_SORT_DDL + _PG_LISTING_DDL)
                )
            ),
        ]
    for statement in statements:
        conn.execute(text(statement))
