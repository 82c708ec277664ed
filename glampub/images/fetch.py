"""Resolving http(s) image references, for the harvest that follows an import.

Exports often list thousands of web addresses: an import publishes them
pending, and the harvest (:mod:`glampub.importing.harvest`; ``glampub images
harvest``, ``--fetch-images``) resolves them, :meth:`ImageFetcher.fetch_each`
yielding each as it is done. The addresses are looked at concurrently through
:class:`~glampub.images.http_fetch.PoliteClient` (per-host limits, safe
addresses, caps, retries) and each becomes a :class:`Fetched`:

- a plain image (by its magic bytes) is downloaded into a temporary file,
  then verified by Pillow exactly like a local file
  (:func:`glampub.images.files.ingest`);
- a IIIF Image API service (its info.json, a request URL, or a base URI
  whose info.json answers) is described, not copied: :mod:`glampub.images.remote_iiif`;
- a IIIF Presentation manifest gives the image services of its canvases;
- anything else (an HTML page, a PDF) is kept as a link, and the import warns.

What an earlier import stored (ETag, Last-Modified) is asked conditionally:
a 304 says the stored image or service description still holds.
Failures are messages, not exceptions.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path

from glampub.images.http_fetch import Answer, FetchPolicy, PoliteClient
from glampub.images.reference_class import (
    ReferenceClass,
    classify_reference,
    describe_other,
    iiif_kind,
    image_type,
    json_document,
    service_base,
)
from glampub.images.remote_iiif import RemoteService, manifest_services, service_from_info

#: A generous cap for one image: museum masters can be large TIFFs.
MAX_FETCH_BYTES = 200 * 1024 * 1024
#: IIIF documents (info.json, manifests) are small; a bigger answer is refused.
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
TIMEOUT_SECONDS = 30.0
#: Lookups at a time over all hosts; each host still gets at most 2 connections.
WORKERS = 8
_ACCEPT = "image/*, application/ld+json;q=0.9, application/json;q=0.8, */*;q=0.1"


@dataclass(frozen=True)
class Validators:
    """What an earlier answer said about itself, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Fetched:
    """One reference's outcome: what it is, and its file, services, or why there is none."""

    url: str
    path: Path | None = None
    error: str | None = None
    kind: ReferenceClass = ReferenceClass.URL
    #: The IIIF Image API services it gives (one, or a manifest's canvases').
    services: tuple[RemoteService, ...] = ()
    #: Each service's small picture (at most 400 px), fetched for glampub's own
    #: thumbnail: all that is published of a thumbnail-only image.
    thumbnails: tuple[Path | None, ...] = ()
    #: The server said the stored copy still holds (HTTP 304).
    not_modified: bool = False
    validators: Validators = field(default_factory=Validators)


class ImageFetcher:
    """Resolves addresses into a private temporary folder; :meth:`close` removes it."""

    def __init__(
        self,
        *,
        max_bytes: int | None = None,
        timeout: float | None = None,
        workers: int = WORKERS,
        policy: FetchPolicy | None = None,
    ) -> None:
        self.max_bytes = MAX_FETCH_BYTES if max_bytes is None else max_bytes
        self.client = PoliteClient(
            policy or FetchPolicy.from_environment(),
            timeout=TIMEOUT_SECONDS if timeout is None else timeout,
        )
        self.workers = workers
        self._folder = Path(tempfile.mkdtemp(prefix="glampub-fetch-"))
        self._count = 0

    def fetch_all(
        self,
        urls: Iterable[str],
        known: Mapping[str, Validators] | None = None,
        hints: Mapping[str, str | None] | None = None,
    ) -> dict[str, Fetched]:
        """Each distinct address resolved once, several at a time.

        ``known`` gives the validators stored for an address (a conditional
        GET); ``hints`` the format the export states for it.
        """
        wanted = list(dict.fromkeys(urls))
        if not wanted:
            return {}
        known = known or {}
        hints = hints or {}
        targets = []
        for url in wanted:
            self._count += 1
            dest = self._folder / f"{self._count}.download"
            targets.append((url, dest, known.get(url), hints.get(url)))
        with ThreadPoolExecutor(max_workers=min(self.workers, len(targets))) as pool:
            results = pool.map(lambda target: self._resolve(*target), targets)
            return {result.url: result for result in results}

    def fetch_each(
        self, wanted: Iterable[tuple[str, Validators | None, str | None]]
    ) -> Iterator[Fetched]:
        """Each (address, stored validators, format hint) resolved, yielded as it is done.

        At most twice the workers are in flight at once, so a harvest of a
        million references holds a bounded number of downloads (each in a
        temporary file the caller discards with :meth:`discard_one`).
        """
        queue = iter(wanted)
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            running: set[Future[Fetched]] = set()
            while True:
                for url, known, hint in queue:
                    self._count += 1
                    dest = self._folder / f"{self._count}.download"
                    running.add(pool.submit(self._resolve, url, dest, known, hint))
                    if len(running) >= 2 * self.workers:
                        break
                if not running:
                    return
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()

    def discard_one(self, result: Fetched) -> None:
        """Delete the downloaded files of one reference once it is stored."""
        for path in (result.path, *result.thumbnails):
            if path is not None:
                path.unlink(missing_ok=True)

    def discard(self, fetched: dict[str, Fetched]) -> None:
        """Delete the files of a batch once its records are written."""
        for result in fetched.values():
            for path in (result.path, *result.thumbnails):
                if path is not None:
                    path.unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> ImageFetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _resolve(self, url: str, dest: Path, known: Validators | None, hint: str | None) -> Fetched:
        kind = classify_reference(url, hint)
        validators = known or Validators()
        if kind is ReferenceClass.IIIF_IMAGE:
            found = self._service(url, service_base(url) + "/info.json", validators)
            return self._with_thumbnails(found, dest)
        answer = self.client.get(
            url,
            max_bytes=self.max_bytes,
            dest=dest,
            etag=validators.etag,
            last_modified=validators.last_modified,
            accept=_ACCEPT,
        )
        if not answer.ok:
            return Fetched(url, error=answer.error, kind=kind)
        got = Validators(answer.etag, answer.last_modified)
        if answer.not_modified:
            return Fetched(url, kind=kind, not_modified=True, validators=validators)
        if image_type(answer.head):
            return Fetched(url, path=answer.path, kind=ReferenceClass.IMAGE_URL, validators=got)
        body = _small_body(answer)
        if answer.path is not None:
            answer.path.unlink(missing_ok=True)  # not an image: nothing to keep
        document = json_document(body)
        found = iiif_kind(document) if document is not None else None
        if found is ReferenceClass.IIIF_IMAGE and document is not None:
            return self._with_thumbnails(_described(url, document, answer, got), dest)
        if found is ReferenceClass.IIIF_MANIFEST and document is not None:
            services = manifest_services(document)
            if not services:
                return Fetched(url, error="the IIIF manifest paints no image service", kind=found)
            services = tuple(self._completed(service) for service in services)
            return self._with_thumbnails(
                Fetched(url, kind=found, services=services, validators=got), dest
            )
        if document is None and not answer.content_type.startswith("image/"):
            # A base URI of an Image API service may answer HTML; its info.json tells.
            probe = self._service(url, url.rstrip("/") + "/info.json", Validators(), quiet=True)
            if probe.error is None:
                return self._with_thumbnails(probe, dest)
        return Fetched(
            url,
            error=f"it is {describe_other(answer.content_type, answer.head)}, not an image",
            kind=ReferenceClass.LINK,
        )

    def _completed(self, service: RemoteService) -> RemoteService:
        """A manifest's level-0 service as its own info.json describes it.

        Manifests seldom repeat a service's ``sizes``, and a level-0 service
        renders only those (or its full size): its info.json, read like any
        other, tells which. Read only when the manifest itself was read (a 304
        for the manifest keeps the stored descriptions); when it cannot be
        read, the manifest's description stands and the full size is asked for.
        """
        if not service.full_size_only:
            return service
        read = self._service(service.id, service.id + "/info.json", Validators())
        if read.error is not None or not read.services:
            return service
        return read.services[0]

    def _with_thumbnails(self, found: Fetched, dest: Path) -> Fetched:
        """The services' small pictures, fetched (not for a 304 or a failure)."""
        if found.error is not None or not found.services:
            return found
        paths: list[Path | None] = []
        for number, service in enumerate(found.services):
            target = dest.with_suffix(f".thumb{number}")
            answer = self.client.get(
                # A 400 px JPEG is small: the documents' cap is plenty; a level-0
                # service listing no sizes sends its whole image, capped as one.
                service.thumbnail_url(),
                max_bytes=self.max_bytes if service.full_size_only else MAX_DOCUMENT_BYTES,
                dest=target,
                accept="image/*",
            )
            if not answer.ok or not image_type(answer.head):
                target.unlink(missing_ok=True)
                why = answer.error or "the answer is not an image"
                for path in paths:
                    if path is not None:
                        path.unlink(missing_ok=True)
                return replace(found, error=f"its thumbnail {service.thumbnail_url()}: {why}")
            paths.append(target)
        return replace(found, thumbnails=tuple(paths))

    def _service(
        self, url: str, info_url: str, validators: Validators, *, quiet: bool = False
    ) -> Fetched:
        answer = self.client.get(
            info_url,
            max_bytes=MAX_DOCUMENT_BYTES,
            etag=validators.etag,
            last_modified=validators.last_modified,
            accept="application/ld+json, application/json;q=0.9",
        )
        kind = ReferenceClass.IIIF_IMAGE
        if not answer.ok:
            return Fetched(url, error=f"its info.json: {answer.error}", kind=kind)
        if answer.not_modified:
            return Fetched(url, kind=kind, not_modified=True, validators=validators)
        document = json_document(answer.body)
        if document is None or iiif_kind(document) is not ReferenceClass.IIIF_IMAGE:
            why = "is not a IIIF Image API description" if not quiet else "does not answer"
            return Fetched(url, error=f"its info.json {why}", kind=kind)
        return _described(url, document, answer, Validators(answer.etag, answer.last_modified))


def _small_body(answer: Answer) -> bytes | None:
    """The body of a downloaded answer when it may be a IIIF document (small)."""
    if answer.path is None or answer.path.stat().st_size > MAX_DOCUMENT_BYTES:
        return None
    return answer.path.read_bytes()


def _described(url: str, document: dict, answer: Answer, got: Validators) -> Fetched:
    service = service_from_info(document)
    if service is None:
        return Fetched(
            url,
            error="its info.json gives no id, width and height",
            kind=ReferenceClass.IIIF_IMAGE,
        )
    return Fetched(url, kind=ReferenceClass.IIIF_IMAGE, services=(service,), validators=got)
