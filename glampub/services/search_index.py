"""The full-text index behind search, created beside the tables.

SQLite: an FTS5 table over ``collection_object.search_text``, kept in step by
triggers, so every writer (the bulk import's Core inserts, the rights review,
staff edits) updates it without knowing it exists. PostgreSQL: the same idea,
a table ``object_search`` of stored ``tsvector`` values with a GIN index, kept
by a trigger: ranking and matching read the stored vector instead of parsing
every matching row's text again (at 100,000 objects that took seconds).
"""

from __future__ import annotations

from sqlalchemy import Engine, text

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
_PG_TRIGGER = (
    f"""CREATE OR REPLACE FUNCTION glampub_object_search() RETURNS trigger AS $$
    BEGIN
      INSERT INTO object_search (object_id, tsv)
      VALUES (NEW.id, to_tsvector('{PG_CONFIG}', coalesce(NEW.search_text, '')))
      ON CONFLICT (object_id) DO UPDATE SET tsv = EXCLUDED.tsv;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER object_search_sync AFTER INSERT OR UPDATE OF search_text "
    "ON collection_object FOR EACH ROW EXECUTE FUNCTION glampub_object_search()",
    # Rows written before the trigger existed.
    f"INSERT INTO object_search (object_id, tsv) SELECT id, "
    f"to_tsvector('{PG_CONFIG}', coalesce(search_text, '')) FROM collection_object "
    f"ON CONFLICT (object_id) DO NOTHING",
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


def ensure_search_index(engine: Engine) -> None:
    """Create the index if missing; a new FTS5 table is filled from existing rows."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            existed = conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE name = 'object_fts'")
            ).first()
            for statement in _SQLITE_DDL:
                conn.execute(text(statement))
            if not existed:
                conn.execute(text("INSERT INTO object_fts(object_fts) VALUES ('rebuild')"))
        elif engine.dialect.name == "postgresql":
            for statement in _PG_TABLE:
                conn.execute(text(statement))
            exists = conn.execute(
                text("SELECT 1 FROM pg_trigger WHERE tgname = 'object_search_sync'")
            ).first()
            if not exists:
                for statement in _PG_TRIGGER:
                    conn.execute(text(statement))
        for statement in _COMMON_DDL:
            conn.execute(text(statement))
