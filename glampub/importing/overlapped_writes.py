"""A batch's writes sent to PostgreSQL while the import computes the next batch.

On PostgreSQL a batch's statements run in the server's own process: while
they run, the importing process only waits, and while it maps the next batch
the server idles. The writes of a batch need nothing the next batch's
mapping computes, and the next batch's reads (its stored objects) nothing the
writes change (they are other objects: the staging table has sorted out
duplicates already). So the importer reads batch N+1, then sends batch N's
writes from a thread while it maps N+1 (the thread mostly waits for the
server, without the GIL), then waits for them before going on.

The connection is never used by both at once, and the thread never outlives
the :meth:`OverlappedWrites.beside` block that started it: whatever ends the
block (an error, an interrupt), it first waits for the writes to finish, so
no statement of the import reaches the connection after the import has let
it go. SQLite (in this process) has nothing to overlap: its writes run at
once, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Work = Callable[[], None]


class OverlappedWrites:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._held: Work | None = None
        self._error: BaseException | None = None

    def hold(self, work: Work) -> None:
        """``work`` (a batch's writes) to run beside the next batch's mapping;
        at once when not enabled."""
        if not self.enabled:
            work()
            return
        self.flush()  # at most one batch held: memory stays one batch deep
        self._held = work

    @contextmanager
    def beside(self) -> Iterator[None]:
        """Run the held writes on a thread while the block runs; wait for them after."""
        work, self._held = self._held, None
        if work is None:
            yield
            return
        thread = threading.Thread(target=self._run, args=(work,), name="glampub-import-writes")
        thread.start()
        try:
            yield
        finally:
            _join(thread)
        error, self._error = self._error, None
        if error is not None:
            raise error

    def flush(self) -> None:
        """Run the held writes now (before the import's last statements)."""
        work, self._held = self._held, None
        if work is not None:
            work()

    def _run(self, work: Work) -> None:
        try:
            work()
        except BaseException as exc:  # raised again in the importing thread
            self._error = exc


def _join(thread: threading.Thread) -> None:
    """Wait for ``thread`` whatever interrupts the wait, then re-raise the interrupt."""
    interrupted: BaseException | None = None
    while thread.is_alive():
        try:
            thread.join()
        except BaseException as exc:  # KeyboardInterrupt, a signal handler's exception
            interrupted = exc
    if interrupted is not None:
        raise interrupted
