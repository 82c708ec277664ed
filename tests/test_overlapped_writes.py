"""A batch's writes beside the next batch's mapping: one at a time, never outliving the block."""

from __future__ import annotations

import threading
import time

import pytest

from glampub.importing.overlapped_writes import OverlappedWrites


def test_without_overlap_writes_run_at_once() -> None:
    done: list[str] = []
    writes = OverlappedWrites(enabled=False)
    writes.hold(lambda: done.append("batch 1"))
    assert done == ["batch 1"]
    with writes.beside():
        assert done == ["batch 1"]


def test_held_writes_run_on_another_thread_during_the_block_and_are_waited_for() -> None:
    seen: list[tuple[str, bool]] = []
    writes = OverlappedWrites(enabled=True)

    def store() -> None:
        time.sleep(0.05)
        seen.append(("batch 1", threading.current_thread() is threading.main_thread()))

    writes.hold(store)
    assert seen == []  # held until the next batch's reads are done
    with writes.beside():
        seen.append(("mapping batch 2", True))
    assert seen == [("mapping batch 2", True), ("batch 1", False)]
    writes.hold(lambda: seen.append(("batch 2", True)))
    writes.flush()
    assert seen[-1] == ("batch 2", True)


def test_an_error_of_the_writes_is_raised_in_the_importing_thread() -> None:
    writes = OverlappedWrites(enabled=True)

    def store() -> None:
        raise OSError(28, "No space left on device")

    writes.hold(store)
    with pytest.raises(OSError, match="No space left"), writes.beside():
        pass
    with writes.beside():  # nothing held any more, no error left over
        pass


def test_the_block_failing_still_waits_for_the_writes() -> None:
    finished = threading.Event()
    writes = OverlappedWrites(enabled=True)

    def store() -> None:
        time.sleep(0.1)
        finished.set()

    writes.hold(store)
    with pytest.raises(KeyboardInterrupt), writes.beside():
        raise KeyboardInterrupt
    # The connection is free again before the import's error handling runs.
    assert finished.is_set()
