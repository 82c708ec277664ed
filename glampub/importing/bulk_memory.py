"""Memory management tuned for streaming a bulk import through."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def bulk_garbage_collection() -> Iterator[None]:
    """Fewer, cheaper cyclic garbage collections while records stream through.

    An import allocates millions of short-lived, acyclic objects (freed by
    reference counting), which trigger the cyclic collector over and over,
    each time walking the whole heap of loaded libraries: a quarter of the
    import's time. Freezing what exists before the import and collecting the
    youngest generation less often keeps that walk short and rare.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], 50_000), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _find_malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc: nothing to trim, nothing lost
        return None


_malloc_trim = _find_malloc_trim()


def release_free_memory() -> None:
    """Collect cyclic garbage, then hand free memory back to the operating system.

    :func:`bulk_garbage_collection` makes the cyclic collector run rarely, so
    whatever reference cycles an import leaves (a library's, or one of ours
    to come) would pile up between its runs; collecting here bounds them.
    Writing a large export also interleaves SQLite's page cache with Python's
    large strings (source records, JSON), and glibc keeps the holes they leave;
    ``malloc_trim`` returns those pages (a no-op where there is no such call).
    """
    gc.collect()
    if _malloc_trim is not None:
        _malloc_trim(0)
