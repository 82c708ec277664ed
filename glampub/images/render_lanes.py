"""Who renders when: a cheap render never waits behind an expensive one, and
no client holds more than its share of the expensive lane.

A render's cost follows its output: the pyramid is read at the level whose
pixels are closest above the output (see glampub.images.pyramid), and an
upscaled render costs what it outputs. So a render of at most
:data:`LIGHT_PIXELS` (a viewer's 512 px tile, any thumbnail) goes to the light
lane, anything bigger to the heavy lane. Each lane has its own render threads,
so a tile is rendered while a 6 MP request is, never after it.

The heavy lane admits at most ``per_client`` renders of one client (waiting or
running) and at most ``slots + waiting`` in all; beyond that a request is
refused at once (429 or 503, with Retry-After) rather than queued, so it does
not hold a server thread that a viewer's tile needs. The counts are per
process, which is what they protect: each worker's render threads and request
threads.

The render threads are also what keeps a worker's memory bounded: each
render holds decoded pixels, and glibc keeps what a thread freed in that
thread's own arena, so renders always run on the same few threads.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from glampub.errors import GlampubError

#: Renders of at most this many output pixels are light: a 1024 x 1024 image.
LIGHT_PIXELS = 1024 * 1024
#: Seconds a refused client is asked to wait (about one heavy render).
RETRY_AFTER = 3

T = TypeVar("T")


class RenderRefused(GlampubError):
    """A heavy render refused for now; ``retry_after`` is in seconds."""

    http_status = 503
    retry_after = RETRY_AFTER


class TooManyRenders(RenderRefused):
    """One client already has its share of heavy renders under way."""

    http_status = 429


class RenderLanes:
    """The light and heavy render threads of one process."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._light = ThreadPoolExecutor(slots, thread_name_prefix="glampub-render-light")
        self._heavy = ThreadPoolExecutor(slots, thread_name_prefix="glampub-render")
        self._lock = threading.Lock()
        self._heavy_by_client: Counter[str] = Counter()
        self._heavy_in_flight = 0

    def run(
        self,
        render: Callable[[], T],
        *,
        pixels: int,
        client: str | None,
        per_client: int,
        waiting: int,
    ) -> T:
        """``render()`` on the lane its output size calls for; ``client`` None
        (the static export, the command line) is nobody's share."""
        if pixels <= LIGHT_PIXELS:
            return self._light.submit(render).result()
        self._admit(client, per_client, waiting)
        try:
            return self._heavy.submit(render).result()
        finally:
            with self._lock:
                self._heavy_in_flight -= 1
                if client is not None:
                    self._heavy_by_client[client] -= 1
                    if not self._heavy_by_client[client]:
                        del self._heavy_by_client[client]

    def _admit(self, client: str | None, per_client: int, waiting: int) -> None:
        with self._lock:
            if client is not None and self._heavy_by_client[client] >= per_client:
                raise TooManyRenders(
                    f"{per_client} large image render(s) from your address are already under "
                    f"way; ask again when they are done, or ask for a size of at most "
                    f"{LIGHT_PIXELS:,} pixels"
                )
            if self._heavy_in_flight >= self.slots + waiting:
                raise RenderRefused(
                    "the server is rendering as many large images as it can; ask again in a "
                    f"few seconds, or ask for a size of at most {LIGHT_PIXELS:,} pixels"
                )
            self._heavy_in_flight += 1
            if client is not None:
                self._heavy_by_client[client] += 1


_lanes_lock = threading.Lock()
_lanes: dict[int, RenderLanes] = {}


def lanes(slots: int) -> RenderLanes:
    """The process's render lanes with ``slots`` threads each (made once)."""
    with _lanes_lock:
        if slots not in _lanes:
            _lanes[slots] = RenderLanes(slots)
        return _lanes[slots]
