"""Fetching http(s) images named by an export, when the user asks (``--fetch-images``).

Exports often list thousands of web addresses, so nothing is fetched unless
asked. When asked, each batch's addresses are fetched concurrently into
temporary files, with a byte cap (checked against Content-Length first, and
again while reading), a timeout, and redirects followed only to http(s).
What was fetched is then verified by Pillow exactly like a local file (see
:func:`glampub.images.files.ingest`): an HTML error page or a truncated download
is refused there. Failures are messages, not exceptions: the import turns
them into warnings naming the record and the URL.
"""

from __future__ import annotations

import http.client
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glampub.resources import VERSION

#: A generous cap for one image: museum masters can be large TIFFs.
MAX_FETCH_BYTES = 200 * 1024 * 1024
TIMEOUT_SECONDS = 30.0
#: A whole download may take this many timeouts.
DOWNLOAD_TIMEOUTS = 10
#: Downloads at a time: enough to hide latency, few enough to be polite.
WORKERS = 8
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Fetched:
    """One address's outcome: the downloaded file, or why there is none."""

    url: str
    path: Path | None = None
    error: str | None = None


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) addresses only (never file:, ftp: or data:)."""

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        if not newurl.lower().startswith(("http://", "https://")):
            raise urllib.error.HTTPError(
                newurl, code, f"redirected to a non-web address ({newurl})", headers, fp
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_HttpOnlyRedirects())


class ImageFetcher:
    """Fetches addresses into a private temporary folder; :meth:`close` removes it."""

    def __init__(
        self,
        *,
        max_bytes: int | None = None,
        timeout: float | None = None,
        workers: int = WORKERS,
    ) -> None:
        self.max_bytes = MAX_FETCH_BYTES if max_bytes is None else max_bytes
        self.timeout = TIMEOUT_SECONDS if timeout is None else timeout
        self.workers = workers
        self._folder = Path(tempfile.mkdtemp(prefix="glampub-fetch-"))
        self._count = 0

    def fetch_all(self, urls: Iterable[str]) -> dict[str, Fetched]:
        """Each distinct address fetched once, several at a time."""
        wanted = list(dict.fromkeys(urls))
        if not wanted:
            return {}
        targets = []
        for url in wanted:
            self._count += 1
            targets.append((url, self._folder / f"{self._count}.download"))
        with ThreadPoolExecutor(max_workers=min(self.workers, len(targets))) as pool:
            results = pool.map(lambda target: self._fetch(*target), targets)
            return {result.url: result for result in results}

    def discard(self, fetched: dict[str, Fetched]) -> None:
        """Delete the files of a batch once its records are written."""
        for result in fetched.values():
            if result.path is not None:
                result.path.unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> ImageFetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _fetch(self, url: str, dest: Path) -> Fetched:
        if not url.lower().startswith(("http://", "https://")):
            return Fetched(url, error="only http and https addresses are fetched")
        request = urllib.request.Request(url, headers={"User-Agent": f"glampub/{VERSION}"})
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    return Fetched(url, error=self._too_large(int(declared)))
                return self._save(url, response, dest)
        except urllib.error.HTTPError as exc:
            return Fetched(url, error=f"the server answered HTTP {exc.code} {exc.reason}")
        except urllib.error.URLError as exc:
            return Fetched(url, error=f"cannot connect ({exc.reason})")
        except TimeoutError:
            return Fetched(url, error=f"no answer within {self.timeout:g} seconds")
        except (http.client.HTTPException, OSError, ValueError) as exc:
            return Fetched(url, error=f"the download failed ({exc or type(exc).__name__})")

    def _save(self, url: str, response: Any, dest: Path) -> Fetched:
        # The timeout bounds each wait; this bounds a server that drips bytes.
        deadline = time.monotonic() + self.timeout * DOWNLOAD_TIMEOUTS
        total = 0
        error = None
        with dest.open("wb") as out:
            while chunk := response.read(_CHUNK):
                total += len(chunk)
                if total > self.max_bytes:
                    error = self._too_large(total, streamed=True)
                elif time.monotonic() > deadline:
                    error = f"the download took longer than {self.timeout * DOWNLOAD_TIMEOUTS:g} s"
                if error:
                    break
                out.write(chunk)
        if error:
            dest.unlink(missing_ok=True)
            return Fetched(url, error=error)
        return Fetched(url, path=dest)

    def _too_large(self, size: int, *, streamed: bool = False) -> str:
        size_text = f"more than {size:,}" if streamed else f"{size:,}"
        return f"the image is {size_text} bytes, over the limit of {self.max_bytes:,} bytes"
