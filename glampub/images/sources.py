"""Where import images come from: a folder or a ZIP file, matched by file name.

An export names its images ("IMG_0042.JPG", "images/foo.jpg"); the files
arrive beside it in a folder or a ZIP. :func:`open_image_source` indexes them
once by normalised name, and :meth:`ImageSource.find` answers each reference.

A ZIP is never extracted: members are read through a reader with a hard byte
cap. Members with absolute or ``..`` paths, symlinks, encryption or an
oversized declared size are skipped and reported in ``source.problems``; an
archive that is hostile as a whole (too many members, a decompression bomb)
is refused with :class:`~glampub.errors.UnsafeInput`.
"""

from __future__ import annotations

import io
import os
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import BinaryIO, Protocol
from urllib.parse import unquote

from glampub.errors import Problem, UnreadableInput, UnsafeInput, UsageError
from glampub.zip_directory import members_over
from importers.problem_codes import ProblemCode

MAX_MEMBERS = 100_000
MAX_MEMBER_BYTES = 512 * 1024 * 1024
#: Real images barely compress (JPEG not at all); 200:1 is a bomb's signature.
MAX_RATIO = 200
#: Below this, a high ratio is harmless (a blank PNG can compress 1000:1).
RATIO_CHECK_FROM = 16 * 1024 * 1024
_SKIP_DIRS = {"__macosx"}  # resource forks that macOS adds to the ZIPs it makes


def _key(name: str) -> str:
    """Names compare without case and Unicode form (macOS writes NFD into ZIPs)."""
    return unicodedata.normalize("NFC", name).casefold()


def _parts(reference: str) -> list[str]:
    return [p for p in reference.replace("\\", "/").split("/") if p not in ("", ".")]


class ImageFile(Protocol):
    name: str
    size: int

    def open(self) -> BinaryIO: ...

    def read_bytes(self) -> bytes: ...


class DamagedZipEntry(UnreadableInput):
    """A ZIP member whose data is damaged (its CRC check fails, or it ends early)."""


class _CappedReader(io.RawIOBase):
    """Reads at most ``limit`` bytes and fails loudly if the stream has more."""

    def __init__(self, raw: BinaryIO, limit: int, name: str) -> None:
        self._raw, self._left, self._name = raw, limit, name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:
        view = memoryview(buffer).cast("B")
        try:
            data = self._raw.read(min(len(view), self._left + 1))
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            # zipfile checks a member's CRC only at its end: one damaged image,
            # which the import reports and goes on from.
            raise DamagedZipEntry(
                f"{self._name}: cannot be read from the ZIP, it is damaged ({exc})"
            ) from None
        if len(data) > self._left:
            raise UnsafeInput(f"{self._name}: more data than its declared size; refused")
        self._left -= len(data)
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _read_capped(stream: BinaryIO, limit: int, name: str) -> bytes:
    with stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise UnsafeInput(f"{name}: larger than the limit of {limit:,} bytes")
    return data


@dataclass(frozen=True)
class FolderImage:
    path: Path
    size: int
    max_bytes: int = MAX_MEMBER_BYTES

    @property
    def name(self) -> str:
        return self.path.name

    def open(self) -> BinaryIO:
        return self.path.open("rb")

    def read_bytes(self) -> bytes:
        return _read_capped(self.open(), self.max_bytes, self.name)


@dataclass(frozen=True)
class ZipImage:
    archive: zipfile.ZipFile
    info: zipfile.ZipInfo

    @property
    def name(self) -> str:
        return PurePosixPath(self.info.filename).name

    @property
    def size(self) -> int:
        return self.info.file_size

    def open(self) -> BinaryIO:
        # zipfile already stops at the declared size; the cap makes that a rule.
        raw = self.archive.open(self.info)
        return io.BufferedReader(_CappedReader(raw, self.info.file_size, self.info.filename))

    def read_bytes(self) -> bytes:
        try:
            return _read_capped(self.open(), self.info.file_size, self.info.filename)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise UnreadableInput(
                f"{self.info.filename}: cannot be read from the ZIP ({exc})"
            ) from exc


@dataclass
class ImageSource:
    """Images indexed by relative path and by bare file name."""

    description: str
    problems: list[Problem] = field(default_factory=list)
    _by_path: dict[str, ImageFile] = field(default_factory=dict)
    _by_name: dict[str, list[tuple[str, ImageFile]]] = field(default_factory=dict)
    _archive: zipfile.ZipFile | None = None

    def add(self, relative: str, image: ImageFile) -> None:
        key = _key("/".join(_parts(relative)))
        self._by_path[key] = image
        self._by_name.setdefault(_key(image.name), []).append((key, image))

    def __len__(self) -> int:
        return len(self._by_path)

    def find(self, reference: str) -> ImageFile | None:
        """The file a reference names, or None (also when a bare name is ambiguous).

        A path in the source that the reference ends with wins (``C:/export/a/x.jpg``
        finds ``a/x.jpg``); then the one file of that name whose path ends with
        the reference (``images/x.jpg`` finds ``export/images/x.jpg``).
        """
        for candidate in dict.fromkeys([reference.strip(), unquote(reference.strip())]):
            parts = _parts(candidate)
            if not parts:
                continue
            # The longest tail of the reference that is a path in the source.
            for start in range(len(parts)):
                hit = self._by_path.get(_key("/".join(parts[start:])))
                if hit is not None:
                    return hit
            wanted = _key("/".join(parts))
            same_name = self._by_name.get(_key(parts[-1]), [])
            tails = [f for k, f in same_name if k.endswith("/" + wanted)] or [
                f for _, f in same_name
            ]
            if len(tails) == 1:
                return tails[0]
            if tails:
                return None  # ambiguous: reported once, when the source was opened
        return None

    def report_duplicate_names(self) -> None:
        """One warning per file name that several files share (a bare reference is ambiguous)."""
        for entries in self._by_name.values():
            if len(entries) > 1:
                paths = ", ".join(sorted(k for k, _ in entries))
                self.problems.append(
                    Problem(
                        None,
                        None,
                        ProblemCode.AMBIGUOUS_IMAGE_NAME,
                        f"several files are named {entries[0][1].name!r} ({paths}); a reference "
                        "to that name alone matches none of them, give its folder too",
                        "warning",
                    )
                )

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()

    def __enter__(self) -> ImageSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_image_source(
    path: Path | None, *, max_members: int = MAX_MEMBERS, max_member_bytes: int = MAX_MEMBER_BYTES
) -> ImageSource:
    """Index the images in folder or ZIP ``path``; ``None`` gives an empty source."""
    if path is None:
        return ImageSource("no images")
    if path.is_dir():
        return _folder_source(path, max_members, max_member_bytes)
    if path.is_file() and zipfile.is_zipfile(path):
        return _zip_source(path, max_members, max_member_bytes)
    if not path.exists():
        raise UsageError(f"images: {path} does not exist; give a folder or a .zip file")
    raise UsageError(f"images: {path} is neither a folder nor a ZIP file")


def _hidden(name: str) -> bool:
    return name.startswith(".") or name.casefold() in _SKIP_DIRS


def _folder_source(root: Path, max_members: int, max_bytes: int) -> ImageSource:
    source = ImageSource(f"folder {root}")
    real_root = root.resolve()
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not _hidden(d))
        for filename in sorted(filenames):
            if _hidden(filename):
                continue
            full = Path(dirpath, filename)
            # A symlink may point anywhere on the machine; only follow ones that stay inside.
            if full.is_symlink() and not full.resolve().is_relative_to(real_root):
                source.problems.append(_skipped(str(full), "is a link to outside the folder"))
                continue
            count += 1
            if count > max_members:
                raise UnsafeInput(f"images: {root} holds more than {max_members:,} files")
            try:
                info = full.stat()
            except OSError as exc:  # e.g. a dangling link
                source.problems.append(_skipped(str(full), f"cannot be read ({exc.strerror})"))
                continue
            # A pipe or device would block or never end when read.
            if not stat.S_ISREG(info.st_mode):
                source.problems.append(_skipped(str(full), "is not a regular file"))
                continue
            size = info.st_size
            if size > max_bytes:
                source.problems.append(_skipped(str(full), f"is over {max_bytes:,} bytes"))
                continue
            source.add(full.relative_to(root).as_posix(), FolderImage(full, size, max_bytes))
    source.report_duplicate_names()
    return source


def _skipped(name: str, why: str) -> Problem:
    return Problem(
        None, None, ProblemCode.UNSAFE_IMAGE_FILE, f"{name} skipped: it {why}", "warning"
    )


def _zip_source(path: Path, max_members: int, max_bytes: int) -> ImageSource:
    # Counted before zipfile builds its member list, which alone can take 200 MB.
    if over := members_over(path, max_members):
        raise UnsafeInput(f"images: {path} has {over}, over the limit of {max_members:,}")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise UnreadableInput(f"images: {path} is not a readable ZIP file ({exc})") from exc
    try:
        source = ImageSource(f"ZIP {path}", _archive=archive)
        members = archive.infolist()
        if len(members) > max_members:
            raise UnsafeInput(
                f"images: {path} has {len(members):,} members, over the limit of {max_members:,}"
            )
        _refuse_bomb(path, members)
        for info in members:
            why = _unsafe_member(info, max_bytes)
            if why:
                source.problems.append(_skipped(info.filename, why))
            elif not info.is_dir() and not any(_hidden(p) for p in _parts(info.filename)):
                source.add(info.filename, ZipImage(archive, info))
        source.report_duplicate_names()
        return source
    except BaseException:
        archive.close()
        raise


def _refuse_bomb(path: Path, members: list[zipfile.ZipInfo]) -> None:
    """Refuse the archive if members (alone, or overlapping, together) inflate absurdly."""
    for info in members:
        if info.file_size > RATIO_CHECK_FROM and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise UnsafeInput(
                f"images: {path} looks like a ZIP bomb: {info.filename} inflates "
                f"{info.compress_size:,} bytes to {info.file_size:,}"
            )
    total = sum(info.file_size for info in members)
    # Overlapping members reuse one compressed kernel, so compare with the archive itself.
    if total > RATIO_CHECK_FROM and total > MAX_RATIO * max(path.stat().st_size, 1):
        raise UnsafeInput(
            f"images: {path} looks like a ZIP bomb: {path.stat().st_size:,} "
            f"bytes claim {total:,} bytes of content"
        )


def _unsafe_member(info: zipfile.ZipInfo, max_bytes: int) -> str | None:
    raw = info.orig_filename  # before zipfile's own clean-up, which hides the attack
    parts = raw.replace("\\", "/").split("/")
    if raw.startswith(("/", "\\")) or (len(raw) > 1 and raw[1] == ":"):
        return "has an absolute path"
    if ".." in parts:
        return "has a path that climbs out of the archive (..)"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link"
    if info.flag_bits & 0x1:
        return "is encrypted"
    if info.file_size > max_bytes:
        return f"is over {max_bytes:,} bytes"
    return None
