"""Source records stored compressed, read back exactly as exported."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from glampub.compressed_text import COMPRESS_FROM_BYTES, ZSTD_MAGIC, pack, unpack
from tests.conftest import database


@given(st.text())
def test_any_text_reads_back_as_it_was(value: str) -> None:
    assert unpack(pack(value)) == value
    assert unpack(memoryview(pack(value))) == value  # as PostgreSQL's driver hands it over


@given(st.text(min_size=1))
def test_short_text_is_kept_as_utf8_and_long_text_as_a_zstd_frame(value: str) -> None:
    stored = pack(value)
    if len(value.encode()) < COMPRESS_FROM_BYTES:
        assert stored == value.encode()
    else:
        assert stored.startswith(ZSTD_MAGIC)


def test_a_long_record_takes_a_fraction_of_its_size() -> None:
    record = "".join(
        f'<lido:subject><lido:term xml:lang="en">subject {n}</lido:term></lido:subject>'
        for n in range(200)
    )
    assert len(pack(record)) < len(record.encode()) / 4


def test_values_stored_as_text_before_read_back_as_they_are() -> None:
    assert unpack("<record/>") == "<record/>"
    assert unpack(None) == ""


def test_an_imported_lido_record_is_stored_compressed_and_served_whole(demo_app) -> None:
    with database(demo_app).engine.connect() as conn:
        stored = conn.execute(
            text("SELECT source_record FROM collection_object WHERE identifier = :id"),
            {"id": "Ä-12"},
        ).scalar_one()
    assert bytes(stored).startswith(ZSTD_MAGIC)
    response = demo_app.test_client().get(
        f"/objects/stadtmuseum-lindenau/{quote('Ä-12', safe='')}/source"
    )
    assert response.get_data(as_text=True) == unpack(stored)
    assert "<lido:lidoRecID" in unpack(stored)


def test_short_records_are_stored_as_they_are_long_ones_compressed(demo_app) -> None:
    engine = database(demo_app).engine
    with engine.connect() as conn:
        stored_values = conn.execute(text("SELECT source_record FROM collection_object")).scalars()
        short = 0
        for stored in stored_values:
            record = unpack(stored)
            if len(record.encode()) >= COMPRESS_FROM_BYTES:
                assert bytes(stored).startswith(ZSTD_MAGIC)
            elif engine.dialect.name == "sqlite":
                short += 1
                assert stored == record  # text, readable with the sqlite3 shell
            else:
                short += 1
                assert bytes(stored) == record.encode()
    assert short  # the sample collections have both
