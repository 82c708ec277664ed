"""Large exports are read in a reader process: the same records, problems and
errors as reading in-process, and a reader that dies ends the import cleanly."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench._synthetic import HEADER, lido_record
from glampub.errors import UnreadableInput, UsageError
from glampub.importing import reader as import_reader
from glampub.importing import run as import_run
from glampub.importing.reader import read_in_reader_process
from glampub.importing.run import ImportOptions, run_import
from glampub.institutions.registry import add_institution
from glampub.models import CollectionObject
from importers.base import get_importer
from tests.conftest import CORPUS, database
from tests.export_checks import check_the_reader_process_yields_what_the_importer_yields


@pytest.fixture
def in_a_reader_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_run, "READER_PROCESS_MIN_BYTES", 0)
    monkeypatch.setattr(import_reader, "MESSAGE_ITEMS", 7)  # several messages per file


def _lido(path: Path, count: int, tail: str = "</lido:lidoWrap>\n") -> Path:
    path.write_text(HEADER + "".join(lido_record(n) for n in range(count)) + tail, "utf-8")
    return path


@pytest.mark.needs_shared
@pytest.mark.parametrize(
    ("importer", "path", "profile"),
    [
        ("lido", CORPUS / "lido" / "kenom" / "kenom_oai_chunk20.xml", None),
        (
            "csv",
            CORPUS / "csv" / "met-subset-cp1252" / "MetObjects_subset_cp1252_semicolon.csv",
            "met",
        ),
    ],
    ids=["lido", "csv"],
)
def test_the_reader_process_yields_what_the_importer_yields(
    in_a_reader_process: None, importer: str, path: Path, profile: str | None
) -> None:
    assert check_the_reader_process_yields_what_the_importer_yields(importer, path, profile) >= 20


def test_a_file_cut_short_gives_the_same_problem_from_the_reader_process(
    in_a_reader_process: None, tmp_path: Path
) -> None:
    export = _lido(tmp_path / "cut.xml", 12, tail="<lido:lido><lido:lidoRecID>x")
    items = list(read_in_reader_process("lido", export, None))
    assert items == list(get_importer("lido").read(export))
    assert [p.code for p in items if not hasattr(p, "identifier")] == ["malformed-xml"]


def test_errors_of_the_importer_arrive_as_the_same_error(
    in_a_reader_process: None, tmp_path: Path
) -> None:
    not_lido = tmp_path / "other.xml"
    not_lido.write_text('<?xml version="1.0"?><catalogue><item/></catalogue>', "utf-8")
    with pytest.raises(UnreadableInput) as in_process:
        list(get_importer("lido").read(not_lido))
    with pytest.raises(UnreadableInput) as from_reader:
        list(read_in_reader_process("lido", not_lido, None))
    assert str(from_reader.value) == str(in_process.value)
    assert "not a LIDO file" in str(from_reader.value)
    with pytest.raises(UsageError, match="unknown format"):
        list(read_in_reader_process("no-such-format", not_lido, None))


def _reader_children() -> list[int]:
    pids = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        children = (task / "children").read_text().split()
        pids.extend(int(pid) for pid in children)
    return pids


def test_a_reader_process_that_dies_ends_the_import_and_publishes_nothing(
    in_a_reader_process: None, app, tmp_path: Path
) -> None:
    data_dir = Path(app.config["DATA_DIR"])
    with database(app).transaction() as session:
        add_institution(session, "t", "Test Museum", data_dir)
    export = _lido(tmp_path / "big.xml", 400)
    killed: list[int] = []

    def kill_the_reader(records: int, _bytes: int) -> None:
        if not killed:
            killed.extend(_reader_children())
            for pid in killed:
                os.kill(pid, signal.SIGKILL)

    options = ImportOptions(institution="t", path=export)
    stopped = r"the reader process stopped .*\(killed by signal SIGKILL\)"
    with pytest.raises(UnreadableInput, match=stopped):
        run_import(database(app), data_dir, options, progress=kill_the_reader)
    assert killed
    with database(app).transaction() as session:
        assert session.scalar(select(func.count()).select_from(CollectionObject)) == 0
    report = run_import(database(app), data_dir, options)
    assert report.created == 400


def test_a_batch_marshal_cannot_hold_arrives_whole_by_pickle() -> None:
    """Records go as marshal data; one with a value of another type goes pickled."""
    from datetime import date
    from multiprocessing.connection import Pipe

    from glampub.errors import Problem
    from importers.base import Creator, SourceImage, SourceRecord

    plain = SourceRecord(
        "obj-1",
        3,
        {"en": ["Mill"]},
        creators=[Creator("Anna Roth", death_year=1901)],
        images=[SourceImage("a.jpg", {"en": ["front"]}, ["CC0"])],
        metadata=[({"en": ["Note"]}, {"none": ["=1+1"]})],
        extra={"thumbnails": {"a.jpg": "a-small.jpg"}},
    )
    odd = SourceRecord("obj-2", 4, extra={"checked": date(2026, 12, 1)})
    warning = Problem("obj-1", 3, "missing-title", "no title", "warning")
    receiver, sender = Pipe(duplex=False)

    def sent(batch: list) -> tuple[str, list]:
        import_reader._send_items(sender, batch)
        kind, payload = import_reader._receive(receiver.recv_bytes())
        return kind, list(
            import_reader._decode_items(payload)
        ) if kind == "marshalled-items" else payload

    kind, items = sent([plain, warning])
    assert (kind, items) == ("marshalled-items", [plain, warning])
    # Tuples stay tuples, lists stay lists: the content hash sees the same values.
    assert isinstance(items[0].metadata[0], tuple)
    assert isinstance(items[0].images[0].rights, list)
    assert sent([plain, odd]) == ("items", [plain, odd])


def _reader_children() -> list[int]:
    """The reader processes this test process started that are still running."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:  # ended meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"glampub.importing.reader" in cmdline:
            found.append(int(entry.name))
    return found


def _niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_the_reader_process_runs_at_a_lower_cpu_priority_than_the_import(
    in_a_reader_process: None, tmp_path: Path
) -> None:
    # About 10 MB: more than the reader may queue (two messages of its own 250 records,
    # not this test's patched 7) and its pipe hold, so it is still there, waiting.
    export = _lido(tmp_path / "many.xml", 1500)
    items = read_in_reader_process("lido", export, None)
    next(items)
    try:
        (child,) = _reader_children()
        expected = min(19, _niceness(os.getpid()) + import_reader.READER_NICENESS)
        assert _niceness(child) == expected > _niceness(os.getpid())
    finally:
        items.close()
    assert _reader_children() == []
