"""Heartbeats: a lock or a job says it is alive from its own connection while it works.

On SQLite the work holds the only write lock and every holder is on this
machine, so no heartbeat is written there; on PostgreSQL (the suite's second
run) one is, every HEARTBEAT_EVERY.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, create_engine, select, update

from glampub.importing import lock as import_lock
from tests.databases import ON_POSTGRESQL, empty_database_url

beats = Table(
    "beat", MetaData(), Column("id", Integer, primary_key=True), Column("at", DateTime(True))
)


def _heartbeat_on(url: str, monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    monkeypatch.setattr(import_lock, "HEARTBEAT_EVERY", timedelta(milliseconds=50))
    engine = create_engine(url)
    try:
        beats.create(engine)
        started = datetime(2020, 1, 1, tzinfo=UTC)
        with engine.begin() as connection:
            connection.execute(beats.insert().values(id=1, at=started))
        statement = lambda: update(beats).values(at=datetime.now(UTC))  # noqa: E731
        with import_lock.Heartbeat(engine, statement, "test-heartbeat"):
            time.sleep(0.5)
        with engine.connect() as connection:
            return [connection.scalar(select(beats.c.at)), started]
    finally:
        engine.dispose()


@pytest.mark.skipif(not ON_POSTGRESQL, reason="heartbeats are written on PostgreSQL only")
def test_a_heartbeat_refreshes_its_row_while_the_work_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen, started = _heartbeat_on(empty_database_url(tmp_path), monkeypatch)
    assert seen > started
    assert datetime.now(UTC) - seen < timedelta(seconds=5)


def test_no_heartbeat_is_written_on_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen, started = _heartbeat_on(f"sqlite:///{tmp_path / 'beat.sqlite3'}", monkeypatch)
    assert seen.replace(tzinfo=UTC) == started
