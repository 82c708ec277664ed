"""The facet summary cache: after a publish, one thread counts per key, the others wait."""

from __future__ import annotations

import threading
import time

import pytest

from glampub.search.query import _SummaryCache


def test_threads_missing_the_same_key_count_once() -> None:
    cache = _SummaryCache()
    calls: list[int] = []
    started = threading.Barrier(8)

    def compute() -> dict[str, int]:
        calls.append(1)
        time.sleep(0.2)
        return {"total": 42}

    answers: list[dict[str, int]] = []

    def search() -> None:
        started.wait()
        answers.append(cache.get_or_compute(("db", 1, ()), compute))

    threads = [threading.Thread(target=search) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert answers == [{"total": 42}] * 8
    assert cache._computing == {}


def test_different_keys_are_counted_side_by_side_and_errors_are_not_cached() -> None:
    cache = _SummaryCache()

    def fails() -> dict[str, int]:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        cache.get_or_compute(("db", 1, ("q", "x")), fails)
    assert cache.get(("db", 1, ("q", "x"))) is None
    assert cache.get_or_compute(("db", 1, ("q", "x")), lambda: {"total": 1}) == {"total": 1}
    assert cache.get_or_compute(("db", 2, ()), lambda: {"total": 2}) == {"total": 2}
