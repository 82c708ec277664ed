"""Hardened XML parsing shared by the XML importers.

Every parser here refuses what makes XML dangerous: entity expansion
(billion laughs), external entities (XXE), DTDs and network access. A file
that declares a DOCTYPE is refused outright with :class:`UnsafeInput` before
any record is read, so nothing declared in it can ever be expanded.

An *undeclared* entity reference such as ``&nbsp;`` in a file without a DTD
is a fatal well-formedness error for libxml2, which would stop the import at
that record. :class:`EntityEscapingReader` lets a caller re-read such a file
with those references turned into harmless marked text, so the records keep
the reference as the literal text ``&nbsp;`` and can be reported, never
silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from glampub.errors import UnreadableInput, UnsafeInput

#: Options for every parser: no entity substitution, no DTD loading or
#: validation, no network, and libxml2's size limits kept on (huge_tree off).
PARSER_OPTIONS: dict[str, bool] = {
    "resolve_entities": False,
    "load_dtd": False,
    "no_network": True,
    "huge_tree": False,
    "dtd_validation": False,
}

#: How much of a file the prolog check may read before it gives up finding
#: the root element (comments and processing instructions may precede it).
PROLOG_LIMIT = 1 << 20

#: Stands in for the ``&`` of an undeclared entity reference while a file is
#: re-read by :class:`EntityEscapingReader`. U+FDD0 is a Unicode noncharacter,
#: reserved for exactly this kind of internal use, so real data never has it.
ENTITY_MARK = "\ufdd0"
_ENTITY_MARK_REF = b"&#xFDD0;"

_UNDECLARED_ENTITY = re.compile(r"Entity '([^']+)' not defined")


@dataclass(frozen=True)
class Prolog:
    """What the start of an XML file says about it."""

    #: Clark-notation tag of the root element, e.g. ``{ns}lidoWrap``.
    root_tag: str
    #: Attributes of the root element (``xsi:schemaLocation`` lives here).
    root_attributes: dict[str, str]
    #: The first :data:`PROLOG_LIMIT` bytes were read; handy for cheap checks.
    head: bytes


@dataclass(frozen=True)
class SyntaxProblem:
    """Where and why libxml2 gave up on a file."""

    line: int | None
    column: int | None
    message: str
    #: The entity name when the error is an undeclared entity reference.
    undeclared_entity: str | None = None


#: Bytes handed to the streaming parser at a time.
FEED_BYTES = 1 << 16


class OversizedElement(Exception):
    """The byte limit passed without a complete element: one too large, or none at all."""

    def __init__(self, line: int | None, limit: int, *, inside: bool) -> None:
        what = "an element starting" if inside else "XML without a complete element up to"
        super().__init__(f"{what} line {line} is larger than {limit:,} bytes")
        self.line = line
        self.limit = limit
        #: True when an element had started (and was too large); False when
        #: the bytes held no element at all.
        self.inside = inside


@dataclass
class _Budget:
    #: Bytes fed since the last complete element (or the start of the file).
    fed: int = 0
    #: Line breaks fed so far.
    lines: int = 0
    #: The start line of the element not yet complete, if one has started.
    open_line: int | None = None


def iter_elements(
    source: Path | BinaryIO,
    tag: str,
    max_bytes: int,
    declared_inside: list[tuple[str, str]] | None = None,
) -> Iterator[etree._Element]:
    """Each complete ``tag`` element, from the hardened streaming parser.

    With ``declared_inside``, that list holds, when an element is yielded, the
    namespace declarations (prefix, URI) made below its start tag: the
    parser's own ``start-ns`` events, so a caller need not search the
    element's text for them (those on the element itself come before its
    start, and are in its ``nsmap``).

    libxml2 caps a text node or an attribute (10 MB) and the nesting depth
    (256), but not an element made of millions of small children, which lxml
    keeps as a tree (some 150 bytes a child) until its end tag; nor millions
    of other elements between two ``tag`` elements, which stay in the tree
    until the next one ends and the caller frees what came before it. So the
    bytes fed since the last complete ``tag`` element are counted, and past
    ``max_bytes`` :class:`OversizedElement` stops the parse: memory stays
    bounded by the limit, whatever the file holds.
    """
    # start-ns events are not filtered by tag, but files declare namespaces
    # on a few elements only (usually the root): they cost next to nothing.
    events = ("start", "end") if declared_inside is None else ("start", "end", "start-ns")
    parser = etree.XMLPullParser(events=events, tag=tag, **PARSER_OPTIONS)
    budget = _Budget()

    def complete() -> Iterator[etree._Element]:
        for event, element in parser.read_events():
            if event == "start":
                budget.open_line = element.sourceline
                if declared_inside is not None:
                    declared_inside.clear()
            elif event == "end":
                budget.fed, budget.open_line = 0, None
                yield element
            else:  # start-ns; any before an element's start are cleared there
                declared_inside.append(element)  # type: ignore[union-attr]

    with source.open("rb") if isinstance(source, Path) else nullcontext(source) as handle:
        while chunk := handle.read(FEED_BYTES):
            try:
                parser.feed(chunk)
            except etree.XMLSyntaxError:
                # The elements completed before the error come first, as iterparse has it.
                yield from complete()
                raise
            yield from complete()
            budget.fed += len(chunk)
            # Half the instructions of chunk.count(b"\n"), which tests byte by byte.
            budget.lines += len(chunk) - len(chunk.replace(b"\n", b""))
            if budget.fed > max_bytes:
                inside = budget.open_line is not None
                line = budget.open_line if inside else budget.lines + 1
                raise OversizedElement(line, max_bytes, inside=inside)
        try:
            parser.close()
        except etree.XMLSyntaxError:
            yield from complete()
            raise
        yield from complete()


_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]{0,200}")


def read_prolog(path: Path) -> Prolog:
    """The root element of ``path``, after refusing any DOCTYPE.

    Raises :class:`UnsafeInput` when the file declares a DOCTYPE (internal
    subset, entity declarations or an external DTD: all refused, never
    loaded) and :class:`UnreadableInput` when no root element can be parsed.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(PROLOG_LIMIT)
    except OSError as exc:
        raise UnreadableInput(f"{path}: cannot open the file: {exc.strerror or exc}") from exc
    if not head.strip():
        raise UnreadableInput(f"{path}: the file is empty; expected an XML document")
    root = _first_element(path, head)
    if root is None and b"<!DOCTYPE" in head:
        raise UnsafeInput(
            f"{path}: refused: the file declares a DOCTYPE. DTDs and entity declarations are "
            "not accepted because they enable external-entity and entity-expansion attacks."
        )
    if root is None:
        raise UnreadableInput(
            f"{path}: no XML root element in the first {PROLOG_LIMIT // 1024} KB; "
            "expected an XML export"
        )
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        # Quoted from the file: lxml rebuilds docinfo.doctype from the root
        # element's name, whatever name the declaration gave.
        declared = _DOCTYPE.search(head)
        shown = declared.group(0).decode("utf-8", "replace").strip() if declared else "DTD"
        raise UnsafeInput(
            f"{path}: refused: the file declares a DOCTYPE ({shown}...). "
            "DTDs and entity declarations are not accepted because they enable external-entity "
            "and entity-expansion attacks; export the file without a DOCTYPE."
        )
    return Prolog(root_tag=root.tag, root_attributes=dict(root.attrib), head=head)


def start_tags(data: bytes, limit: int = 64) -> list[str]:
    """Tags of the first ``limit`` elements that start in ``data`` (a file's head).

    Stops quietly at a parse error or at the end of ``data``: it is meant for
    sniffing a format, where the head is usually cut mid-element.
    """
    parser = etree.XMLPullParser(events=("start",), **PARSER_OPTIONS)
    tags: list[str] = []
    step = 4096
    for offset in range(0, len(data), step):
        try:
            parser.feed(data[offset : offset + step])
        except etree.XMLSyntaxError:
            tags.extend(element.tag for _, element in parser.read_events())
            return tags[:limit]
        tags.extend(element.tag for _, element in parser.read_events())
        if len(tags) >= limit:
            break
    return tags[:limit]


def _first_element(path: Path, head: bytes) -> etree._Element | None:
    """The root element's start event, fed in small steps.

    Small steps stop the parse right after the root tag, so trouble further
    into the file (reported later, per record) does not count against it.
    """
    parser = etree.XMLPullParser(events=("start",), **PARSER_OPTIONS)
    step = 4096
    for offset in range(0, len(head), step):
        try:
            parser.feed(head[offset : offset + step])
        except etree.XMLSyntaxError as exc:
            started = next((element for _, element in parser.read_events()), None)
            if started is not None:
                return started
            problem = describe_syntax_error(exc)
            raise UnreadableInput(
                f"{path}: not readable as XML (line {problem.line}: {problem.message}); "
                "expected an XML export"
            ) from exc
        started = next((element for _, element in parser.read_events()), None)
        if started is not None:
            return started
    return None


def describe_syntax_error(exc: etree.XMLSyntaxError) -> SyntaxProblem:
    """Line, column and message of the error that stopped the parser.

    lxml's ``iterparse`` sometimes raises a generic "no element found" with
    line 0 while the real cause is the last entry of the error log; the log
    is trusted only then, or when it agrees with the exception's line.
    """
    last = exc.error_log.last_error
    from_log = (
        last is not None
        and last.level >= etree.ErrorLevels.ERROR
        and (not exc.lineno or last.line == exc.lineno)
    )
    if from_log:
        line, column, message = last.line, last.column, last.message.strip()
    else:
        line = exc.lineno
        column = exc.position[1] if exc.position else None
        message = (exc.msg or str(exc)).strip()
    entity = None
    if from_log and last.type == etree.ErrorTypes.ERR_UNDECLARED_ENTITY:
        found = _UNDECLARED_ENTITY.search(last.message)
        entity = found.group(1) if found else None
    return SyntaxProblem(line or None, column or None, message, entity)


class EntityEscapingReader:
    """A binary file wrapper that neutralises named entity references.

    Each ``&name;`` for a name in ``names`` becomes ``&#xFDD0;name;``: valid
    XML that parses to :data:`ENTITY_MARK` followed by ``name;``. Callers turn
    the mark back into ``&`` (in extracted text and in the serialised record),
    so the reference survives as visible literal text. Only ASCII-compatible
    encodings (UTF-8, ISO-8859-x, cp1252) are rewritten; in UTF-16 the pattern
    never matches and the parser reports the same error again.
    """

    #: Longest entity reference carried over between chunks.
    _MAX_REFERENCE = 256

    def __init__(self, raw: BinaryIO, names: Iterable[str]) -> None:
        self._raw = raw
        self._patterns = [
            (b"&" + name.encode("ascii") + b";", _ENTITY_MARK_REF + name.encode("ascii") + b";")
            for name in sorted(names)
        ]
        self._carry = b""

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size if size and size > 0 else 1 << 16)
        data = self._carry + chunk
        self._carry = b""
        if chunk:
            # Hold back a trailing, possibly cut, reference for the next read.
            cut = data.rfind(b"&", max(0, len(data) - self._MAX_REFERENCE))
            if cut != -1 and b";" not in data[cut:]:
                data, self._carry = data[:cut], data[cut:]
        for pattern, replacement in self._patterns:
            if pattern in data:
                data = data.replace(pattern, replacement)
        if not data and self._carry:
            # The whole chunk was one unfinished reference: read on.
            return self.read(size)
        return data

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> EntityEscapingReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def is_ascii_name(name: str) -> bool:
    """True when ``name`` can be rewritten by :class:`EntityEscapingReader`."""
    return name.isascii() and bool(re.fullmatch(r"[A-Za-z_:][\w.:-]*", name))
