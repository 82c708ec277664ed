"""The reader process: a large export read in a child process of its own.

Parsing and mapping a large export (lxml, every field of every record) costs
about as much CPU as deciding rights and writing the database. For a large
file the importer therefore runs in a child process and sends its records
over a pipe in batches, while this process writes the previous batch: the
two halves of an import use two cores. The reader parses at most
``MESSAGES_AHEAD`` batches ahead of the import (queued to be sent by a
thread, see :class:`_QueuedSender`), so memory stays flat.

Records cross the pipe as marshal data (plain tuples of their fields), which
the child writes in about half the time pickle takes: the child is the
busier half of a LIDO import. A batch marshal cannot hold (an importer's
``extra`` with some other type) goes pickled instead.

The child only parses: it has no database connection and no image source.
What it raises arrives here as the same error (a GlampubError keeps its
class and message, so the CLI still answers with exit code 2 and a clear
message); a child that dies (killed, out of memory) ends the import with an
error naming how it ended. If this process dies, the child's next send
fails and it exits (within one batch); when reading ends any other way,
this process stops the child before it returns.

Which files are read here is the import's choice
(:func:`glampub.importing.run.read_records`); small ones never come here.
"""

from __future__ import annotations

import contextlib
import fcntl
import marshal
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import fields
from multiprocessing.connection import Connection
from operator import attrgetter
from pathlib import Path

from glampub.errors import GlampubError, Problem, UnreadableInput
from glampub.importing.bulk_memory import bulk_garbage_collection
from importers.base import Creator, Profile, SourceImage, SourceRecord, get_importer

#: Records (and problems) per message from the reader process.
MESSAGE_ITEMS = 250

Item = SourceRecord | Problem


def read_in_reader_process(
    importer_name: str, path: Path, profile: Profile | None
) -> Iterator[Item]:
    """The importer's records and problems, in file order, read by a child process."""
    # A fresh interpreter (never a fork of this one, which may hold threads,
    # connections and locks), started by module name so that it does not
    # re-run whatever script started this process. Records come back on a pipe
    # of their own, so nothing an importer prints can corrupt them.
    read_end, write_end = os.pipe()
    _widen(write_end)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", __name__, str(write_end)],
            stdin=subprocess.PIPE,
            pass_fds=(write_end,),
            env=env,
        )
    finally:
        os.close(write_end)  # the child holds its own copy
    receiver = Connection(read_end, writable=False)
    try:
        assert child.stdin is not None
        # A child that died at once is reported by the read below.
        with contextlib.suppress(BrokenPipeError), child.stdin:
            child.stdin.write(pickle.dumps((importer_name, str(path), profile)))
        while True:
            try:
                kind, payload = _receive(receiver.recv_bytes())
            except (EOFError, OSError):  # OSError: it died half-way through a message
                raise UnreadableInput(
                    f"{path}: the reader process stopped before the end of the file "
                    f"({_how_it_ended(child)}); nothing was imported. It may have run out of "
                    "memory: try again, or split the file."
                ) from None
            if kind == "items":
                yield from payload
            elif kind == "marshalled-items":
                yield from _decode_items(payload)
            elif kind == "end":
                return
            elif kind == "glampub-error":
                raise payload
            else:  # "crash": an exception the importer did not mean to raise
                raise RuntimeError(f"the {importer_name} importer failed on {path}:\n{payload}")
    finally:
        receiver.close()
        if child.poll() is None:
            child.terminate()
        child.wait(timeout=5)


#: Bytes a pipe to the reader holds where the system lets it (Linux; the
#: default maximum for a process without privileges): a message goes in a few
#: writes instead of one for each 64 KB, each a switch between the reader's
#: threads (see _QueuedSender).
PIPE_BYTES = 1 << 20


def _widen(fd: int) -> None:
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: not Linux
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _how_it_ended(child: subprocess.Popen[bytes]) -> str:
    code = child.wait(timeout=5)
    if code < 0:
        return f"killed by signal {signal.Signals(-code).name}"
    return f"exit code {code}"


class _QueuedSender:
    """Sends messages on a thread of its own, with up to ``ahead`` of them waiting.

    A message of records is larger than the pipe holds, so a plain send
    blocks until the import takes the whole of it: meanwhile the reader could
    not parse, and while it parsed the next one the import, done with the last
    batch, waited for it. With messages queued the reader parses on while the
    import is busy (the thread writes without holding the interpreter lock).
    """

    def __init__(self, out: Connection, ahead: int) -> None:
        self.out = out
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=ahead)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="glampub-reader-send", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while (message := self.queue.get()) is not None:
                self.out.send_bytes(message)
        except BaseException as exc:  # raised again in the reading thread
            self.error = exc
            while self.queue.get() is not None:  # so that no put() blocks for ever
                pass

    def send_bytes(self, message: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(message)

    def close(self) -> None:
        """Wait until every message is sent."""
        self.queue.put(None)
        self.thread.join()


#: Messages the reader process may have parsed ahead of the import (each
#: MESSAGE_ITEMS records: a few MB of a LIDO export).
MESSAGES_AHEAD = 2


def _reader_main(importer_name: str, path: str, profile: Profile | None, pipe: Connection) -> None:
    """The reader process: run the importer, send what it yields in batches."""
    out = _QueuedSender(pipe, MESSAGES_AHEAD)
    try:
        batch: list[Item] = []
        with bulk_garbage_collection():
            items = get_importer(importer_name).read(Path(path), profile)
            for item in items:
                batch.append(item)
                if len(batch) >= MESSAGE_ITEMS:
                    _send_items(out, batch)
                    batch = []
        if batch:
            _send_items(out, batch)
        _send(out, "end", None)
    except (BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        pass  # the importing process is gone or stopping: nobody to tell
    except GlampubError as exc:
        _send_last(out, "glampub-error", exc)
    except Exception:  # noqa: BLE001 - handed over whole, raised there
        _send_last(out, "crash", traceback.format_exc())
    finally:
        out.close()
        pipe.close()


_RECORD_FIELDS = tuple(f.name for f in fields(SourceRecord))
_CREATORS = _RECORD_FIELDS.index("creators")
_IMAGES = _RECORD_FIELDS.index("images")
_record_values = attrgetter(*_RECORD_FIELDS)
_creator_values = attrgetter(*(f.name for f in fields(Creator)))
_image_values = attrgetter(*(f.name for f in fields(SourceImage)))
_problem_values = attrgetter(*(f.name for f in fields(Problem)))


def _send_items(out: _QueuedSender, batch: list[Item]) -> None:
    encoded = []
    for item in batch:
        if isinstance(item, SourceRecord):
            values = list(_record_values(item))
            values[_CREATORS] = [_creator_values(c) for c in item.creators]
            values[_IMAGES] = [_image_values(i) for i in item.images]
            encoded.append((True, values))
        else:
            encoded.append((False, _problem_values(item)))
    try:
        data = marshal.dumps(encoded)
    except ValueError:  # a value of a type marshal does not know
        _send(out, "items", batch)
        return
    # Sent as it is, behind a mark no pickle starts with: pickling a batch's
    # megabytes again cost a sixth as much as marshalling them.
    out.send_bytes(_MARSHALLED + data)


#: The first byte of a message of marshalled items (a pickle starts with 0x80).
_MARSHALLED = b"M"


def _receive(message: bytes) -> tuple[str, object]:
    """A message from the reader process: its kind and payload."""
    if message[:1] == _MARSHALLED:
        return "marshalled-items", memoryview(message)[1:]
    return pickle.loads(message)


def _decode_items(data: bytes | memoryview) -> Iterator[Item]:
    for is_record, values in marshal.loads(data):
        if not is_record:
            yield Problem(*values)
            continue
        values[_CREATORS] = [Creator(*c) for c in values[_CREATORS]]
        values[_IMAGES] = [SourceImage(*i) for i in values[_IMAGES]]
        yield SourceRecord(*values)


def _send(out: _QueuedSender, kind: str, payload: object) -> None:
    out.send_bytes(pickle.dumps((kind, payload), protocol=pickle.HIGHEST_PROTOCOL))


def _send_last(out: _QueuedSender, kind: str, payload: object) -> None:
    """Report how reading ended, unless the importing process is already gone."""
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        _send(out, kind, payload)


#: How much lower the reader process's CPU priority is than the import's
#: (``nice``). An import keeps both cores busy, and a web worker answering a
#: visitor meanwhile waits for a core like everything else at its priority.
#: The reader only parses ahead: whenever the import waits for it, it has the
#: core again (measured: no slower an import).
READER_NICENESS = 10


def _lower_priority() -> None:
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: no os.nice (Windows)
        os.nice(READER_NICENESS)


if __name__ == "__main__":
    _lower_priority()
    importer, file_name, export_profile = pickle.load(sys.stdin.buffer)
    _reader_main(importer, file_name, export_profile, Connection(int(sys.argv[1]), readable=False))
