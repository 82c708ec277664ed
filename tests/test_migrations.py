"""The migrations: a fresh install, an upgraded one and an adopted pre-migration
database end with the same schema, the one the models declare. On SQLite, and on
PostgreSQL when the suite runs there (GLAMPUB_TEST_DATABASE_URL)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import Connection, MetaData, inspect, select, text

from glampub import create_app, migrations
from glampub.cli import main
from glampub.db import SCHEMA_REVISION, Base, Database, stored_revision
from glampub.models import Institution
from tests.databases import empty_database_url


def _first_revision_schema() -> MetaData:
    """The tables of glampub before migrations, as the first revision writes them out."""
    path = Path(migrations.__file__).parent / "versions" / "0001_initial_schema.py"
    spec = importlib.util.spec_from_file_location("glampub_revision_0001", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._schema()


def _open(url: str) -> Database:
    database = Database()
    database.connect(url)
    return database


def _insert_old_institution(connection: Connection) -> None:
    """Institution 7, as a database of an earlier revision holds it (raw SQL: the
    models describe the newest schema)."""
    connection.execute(
        text(
            "INSERT INTO institution (id, slug, name, courtesy_statement,"
            " full_images_in_copyright, copyright_term_years, revision, created_at)"
            " VALUES (7, 'old', 'Old Museum', FALSE, FALSE, 70, 1, '2020-01-01')"
        )
    )


def _differences(connection: Connection) -> list[Any]:
    """What autogenerate would write to bring the database to the models."""
    context = MigrationContext.configure(
        connection, opts={"include_object": migrations.include_object, "compare_type": True}
    )
    return compare_metadata(context, Base.metadata)


def _schema(connection: Connection) -> dict[str, Any]:
    """Everything reflected about every table, search index included, comparable."""
    inspector = inspect(connection)
    tables = {}
    for table in sorted(inspector.get_table_names()):
        tables[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
            ],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            ),
            "foreign": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in inspector.get_foreign_keys(table)
            ),
        }
    if connection.dialect.name == "sqlite":
        triggers = connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        )
    else:
        triggers = connection.execute(
            text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname")
        )
    return {"tables": tables, "triggers": triggers.scalars().all()}


def test_the_revision_glampub_db_knows_without_alembic_is_alembics_head() -> None:
    # Every new revision moves SCHEMA_REVISION with it: left behind, a database
    # at the revision before would be taken as up to date and never upgraded.
    assert migrations.head_revision() == SCHEMA_REVISION


def test_a_fresh_install_has_exactly_the_models_schema_and_its_search_index(tmp_path) -> None:
    database = _open(empty_database_url(tmp_path))
    try:
        assert stored_revision(database.engine) is None
        assert database.prepare() == (None, migrations.head_revision())
        assert stored_revision(database.engine) == migrations.head_revision()
        assert database.prepare() == (migrations.head_revision(), migrations.head_revision())
        with database.engine.connect() as connection:
            assert _differences(connection) == []
            assert migrations.current_revision(connection) == migrations.head_revision()
            schema = _schema(connection)
        search = "object_fts" if database.engine.dialect.name == "sqlite" else "object_search"
        assert {search, "object_facet", "alembic_version"} <= set(schema["tables"])
        assert len(schema["triggers"]) >= 2
    finally:
        database.dispose()


def test_an_upgraded_database_keeps_its_rows_and_matches_a_fresh_one(tmp_path) -> None:
    old, fresh = (_open(empty_database_url(tmp_path, name)) for name in ("old", "fresh"))
    try:
        # As glampub 0.1 left it, with a museum in it; then this glampub starts.
        migrations.upgrade(old.engine, "0001")
        with old.engine.begin() as connection:
            assert migrations.current_revision(connection) == "0001"
            assert "ix_collection_object_institution_id" in {
                i["name"] for i in inspect(connection).get_indexes("collection_object")
            }
            connection.execute(
                text(
                    "INSERT INTO institution (slug, name, courtesy_statement,"
                    " full_images_in_copyright, copyright_term_years, revision, created_at)"
                    " VALUES ('old', 'Old Museum', FALSE, FALSE, 70, 1, '2020-01-01')"
                )
            )
        assert old.prepare() == ("0001", migrations.head_revision())
        fresh.prepare()
        with old.engine.connect() as upgraded, fresh.engine.connect() as installed:
            assert _differences(upgraded) == []
            assert _schema(upgraded) == _schema(installed)
        with old.transaction() as session:
            assert session.scalars(select(Institution.name)).all() == ["Old Museum"]
    finally:
        old.dispose()
        fresh.dispose()


def test_a_database_from_before_migrations_is_adopted_in_place(tmp_path) -> None:
    url = empty_database_url(tmp_path)
    database = _open(url)
    with database.engine.begin() as connection:
        # What create_all made before there were migrations (the schema the first
        # revision writes out), from an older model without one of its columns,
        # and with a row in it.
        _first_revision_schema().create_all(connection)
        connection.execute(text("ALTER TABLE institution DROP COLUMN full_images_in_copyright"))
        connection.execute(
            text(
                "INSERT INTO institution (slug, name, courtesy_statement,"
                " copyright_term_years, revision, created_at)"
                " VALUES ('old', 'Old Museum', FALSE, 70, 1, '2020-01-01')"
            )
        )
    database.dispose()
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": url})
    try:
        engine = app.extensions["glampub.db"].engine
        with engine.connect() as connection:
            assert migrations.current_revision(connection) == migrations.head_revision()
            assert _differences(connection) == []
            rows = connection.execute(
                text("SELECT slug, full_images_in_copyright FROM institution")
            ).all()
        assert [(slug, bool(flag)) for slug, flag in rows] == [("old", False)]
    finally:
        app.extensions["glampub.db"].dispose()


def test_downgrading_to_nothing_and_upgrading_again(tmp_path) -> None:
    database = _open(empty_database_url(tmp_path))
    try:
        database.prepare()
        with database.engine.begin() as connection:
            command.downgrade(migrations.alembic_config(connection), "base")
            assert set(inspect(connection).get_table_names()) == {"alembic_version"}
            assert _schema(connection)["triggers"] == []
        database.prepare()
        with database.engine.connect() as connection:
            assert _differences(connection) == []
    finally:
        database.dispose()


def test_glampub_db_upgrade_and_current(runner: CliRunner) -> None:
    head = migrations.head_revision()
    upgraded = runner.invoke(main, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.output.rstrip().endswith(f" to {head}") or f"already at revision {head}" in (
        upgraded.output
    )
    again = runner.invoke(main, ["db", "upgrade"])
    assert again.exit_code == 0
    assert again.output.rstrip().endswith(f": already at revision {head}")
    current = runner.invoke(main, ["db", "current"])
    assert current.exit_code == 0
    assert current.output.rstrip().endswith(f": revision {head}, up to date")


def test_tokens_made_before_expiry_existed_are_bound_and_expire_after_the_upgrade(
    tmp_path,
) -> None:
    from datetime import UTC, datetime, timedelta

    from glampub.models import ApiToken, User

    database = _open(empty_database_url(tmp_path))
    try:
        migrations.upgrade(database.engine, "0006")
        with database.engine.begin() as connection:
            _insert_old_institution(connection)
            connection.execute(
                text(
                    "INSERT INTO user_account (id, email, password_hash, institution_id,"
                    " is_admin, created_at) VALUES (3, 'a@old.example', 'x', 7, FALSE,"
                    " '2020-01-01')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO api_token (user_id, token_hash, created_at)"
                    " VALUES (3, 'abc', '2020-01-02')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO login_attempt (key, at)"
                    " VALUES ('email:a@old.example', '2020-01-01')"
                )
            )
        upgraded_at = datetime.now(UTC)
        assert database.prepare() == ("0006", migrations.head_revision())
        with database.transaction() as session:
            token = session.scalars(select(ApiToken)).one()
            user = session.get(User, 3)
            expires = token.expires_at.replace(tzinfo=token.expires_at.tzinfo or UTC)
            assert (token.institution_id, token.revoked_at, token.last_used_at) == (7, None, None)
            assert timedelta(days=89) < expires - upgraded_at < timedelta(days=91)
            assert (user.session_version, user.disabled_at) == (1, None)
            token.revoked_at = upgraded_at
        with database.engine.begin() as connection:
            command.downgrade(migrations.alembic_config(connection), "0006")
            # A revoked token would work again without its column: it is gone.
            assert connection.execute(text("SELECT COUNT(*) FROM api_token")).scalar() == 0
    finally:
        database.dispose()


def test_institutions_from_before_0009_state_no_metadata_licence(tmp_path) -> None:
    from glampub.models import ImportRun

    database = _open(empty_database_url(tmp_path))
    try:
        migrations.upgrade(database.engine, "0008")
        with database.engine.begin() as connection:
            _insert_old_institution(connection)
            connection.execute(
                text(
                    "INSERT INTO import_run (id, institution_id, started_at, file_name, format,"
                    " status, dry_run, created, updated, unchanged, withdrawn, rejected, rights,"
                    " problems, problems_total, problem_counts) VALUES (1, 7, '2020-01-01',"
                    " 'a.csv', 'csv', 'done', FALSE, 1, 0, 0, 0, 0, '{}', '[]', 0, '{}')"
                )
            )
        assert database.prepare() == ("0008", migrations.head_revision())
        with database.transaction() as session:
            # Nothing was ever chosen: glampub claims no licence for their metadata.
            assert session.get(Institution, 7).metadata_licence is None
            run = session.get(ImportRun, 1)
            assert (run.default_rights, run.default_rights_by) == (None, None)
            run.default_rights = "http://rightsstatements.org/vocab/InC/1.0/"
        with database.engine.begin() as connection:
            command.downgrade(migrations.alembic_config(connection), "0008")
            assert "metadata_licence" not in {
                c["name"] for c in inspect(connection).get_columns("institution")
            }
            assert connection.execute(text("SELECT COUNT(*) FROM import_run")).scalar() == 1
    finally:
        database.dispose()


def test_image_rows_from_before_reference_states_keep_their_file_and_gain_empty_states(
    tmp_path,
) -> None:
    """0010 adds what a reference is and how far it got; rows before it are files
    (their states stay empty, so their content hashes do not change)."""
    database = _open(empty_database_url(tmp_path))
    try:
        migrations.upgrade(database.engine, "0009")
        with database.engine.begin() as connection:
            _insert_old_institution(connection)
            object_columns = {
                "id": 5, "institution_id": 7, "identifier": "a", "title": "{}",
                "description": "{}", "creators": "[]", "object_type": "{}", "materials": "{}",
                "dimensions": "{}", "extra_metadata": "[]", "rights_statement": "",
                "rights_statements": "[]", "rights_key": "", "rights_status": "ok",
                "rights_label": "", "rights_reuse": "free", "rights_rule": "",
                "rights_reason": "", "rights_warnings": "[]", "source_record": b"",
                "source_format": "csv", "source_media_type": "text/csv", "search_text": "",
                "content_hash": "h", "revision": 1, "status": "published",
                "held_by_staff": False, "created_at": "2020-01-01", "updated_at": "2020-01-01",
            }  # fmt: skip
            names = ", ".join(object_columns)
            values = ", ".join(f":{name}" for name in object_columns)
            connection.execute(
                text(f"INSERT INTO collection_object ({names}) VALUES ({values})"), object_columns
            )
            connection.execute(
                text(
                    "INSERT INTO image (public_id, object_id, position, label,"
                    " source_reference, file_path, width, height, rights_status,"
                    " rights_label, rights_statements) VALUES ('p1', 5, 1, '{}', 'a.jpg',"
                    " 'images/a.jpg', 40, 30, 'ok', '', '[]')"
                )
            )
        assert database.prepare() == ("0009", migrations.head_revision())
        with database.engine.begin() as connection:
            row = connection.execute(
                text("SELECT file_path, reference_class, state, state_reason, remote FROM image")
            ).one()
            assert tuple(row) == ("images/a.jpg", None, None, None, None)
            command.downgrade(migrations.alembic_config(connection), "0009")
            columns = {c["name"] for c in inspect(connection).get_columns("image")}
            assert not {"reference_class", "state", "state_reason", "remote"} & columns
            assert connection.execute(text("SELECT file_path FROM image")).scalar() == (
                "images/a.jpg"
            )
    finally:
        database.dispose()


#: Imports glampub, says so, waits for the word, then creates the app: every process
#: opens the new database at the same moment, as gunicorn's workers do on a first start.
SIMULTANEOUS_START = """
import sys, time
from pathlib import Path
from glampub import create_app
ready, go = Path(sys.argv[1]), Path(sys.argv[2])
ready.touch()
while not go.exists():
    time.sleep(0.001)
create_app().extensions["glampub.db"].dispose()
"""


@pytest.mark.parametrize("attempt", range(2))
def test_several_processes_creating_the_app_at_once_on_a_new_database_all_start(
    tmp_path: Path, attempt: int
) -> None:
    """Each would upgrade the new database; one does, the others wait for it and find it
    done. Without a lock on SQLite two ran the migrations together: "UNIQUE constraint
    failed: alembic_version.version_num", or an index dropped twice."""
    url = empty_database_url(tmp_path, f"simultaneous{attempt}")
    env = {
        **os.environ,
        "GLAMPUB_DATA_DIR": str(tmp_path / "data"),
        "GLAMPUB_DATABASE_URL": url,
        "GLAMPUB_SECRET_KEY": "not-a-secret",
    }
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(4)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SIMULTANEOUS_START, str(flag), str(go)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    deadline = time.monotonic() + 120
    while not all(flag.exists() for flag in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    errors = [process.communicate(timeout=120)[1] for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, "\n".join(errors)[-3000:]
    database = _open(url)
    try:
        assert database.engine is not None
        with database.engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert versions.scalars().all() == [migrations.head_revision()]
            assert _differences(connection) == []
    finally:
        database.dispose()


def _source_record_storage(connection: Connection) -> str:
    return connection.scalar(
        text(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'collection_object'::regclass"
            " AND attname = 'source_record'"
        )
    )


def test_postgresql_stores_the_compressed_source_records_out_of_line_as_they_are(
    tmp_path,
) -> None:
    url = empty_database_url(tmp_path)
    if not url.startswith("postgresql"):
        pytest.skip("a PostgreSQL storage setting: SQLite has none")
    database = _open(url)
    try:
        database.prepare()
        with database.engine.begin() as connection:
            # EXTERNAL: moved out of line without another compression attempt.
            assert _source_record_storage(connection) == "e"
            command.downgrade(migrations.alembic_config(connection), "0014")
            assert _source_record_storage(connection) == "x"
        database.prepare()
        with database.engine.connect() as connection:
            assert _source_record_storage(connection) == "e"
    finally:
        database.dispose()
