"""The LIDO XML importer (LIDO 1.0 and 1.1, wrapped or single records).

Streams ``lido:lido`` elements with the hardened, size-bounded streaming parser of
:mod:`importers.safe_xml`, maps each into a :class:`SourceRecord` and then
clears it (and everything before it), so memory stays flat however large the
file. The record is kept verbatim as ``source``; whatever is not mapped is
still there.

Like ``SourceRecord.line``, a problem about one record carries the record's
number (1-based) in ``line`` and its line in the file in the message; a
``malformed-xml`` problem, which belongs to no record, carries the file line.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from pathlib import Path

from lxml import etree

from glampub.errors import Problem, UnreadableInput
from importers.base import Profile, SourceRecord
from importers.lido.administrative import read_administrative
from importers.lido.descriptive import read_descriptive
from importers.lido.draft import Draft
from importers.lido.fields import (
    LIDO_NS,
    OWL_SAME_AS,
    RDF_RESOURCE,
    SCHEMA_LOCATION,
    SKOS_CONCEPT,
    XML_LANG,
    clean,
    lang_of,
    lido,
    normalise_lang,
    text_of,
)
from importers.lido.identity import RecordIdentity
from importers.lido.profile import (
    DEFAULT_CONFIG,
    load_lido_profile,
    parse_lido_profile,
    with_identifier,
)
from importers.lido.unknown import UnknownElements
from importers.problem_codes import ProblemCode
from importers.safe_xml import (
    ENTITY_MARK,
    EntityEscapingReader,
    OversizedElement,
    describe_syntax_error,
    is_ascii_name,
    iter_elements,
    read_prolog,
    start_tags,
)

LIDO_WRAP = lido("lidoWrap")
LIDO_RECORD = lido("lido")
LIDO_REC_ID = lido("lidoRecID")
OBJECT_PUBLISHED_ID = lido("objectPublishedID")
DESCRIPTIVE_METADATA = lido("descriptiveMetadata")
ADMINISTRATIVE_METADATA = lido("administrativeMetadata")

#: Elements that exist only in LIDO 1.1, for files that do not name a schema.
_V11_ONLY = (SKOS_CONCEPT, OWL_SAME_AS, lido("objectMaterialsTechWrap"))
_SCHEMA_VERSION = re.compile(r"lido-v(\d+\.\d+)\.xsd|/v(\d+\.\d+)/")
#: A named entity reference in serialised XML; lxml writes ``&`` in text as
#: ``&amp;``, so anything else comes from an unexpanded entity node.
_ENTITY_REFERENCE = re.compile(r"&(?!(?:amp|lt|gt|quot|apos);|#)[A-Za-z_:][\w.:-]*;")
_MARKED_REFERENCE = re.compile(ENTITY_MARK + r"([^;\s]{1,200});")
_SNIFF_BYTES = 8192
#: Distinct undeclared entity names worth re-reading a file for.
_MAX_ESCAPED_ENTITIES = 32
#: The most XML one lido:lido element may take. Real records are kilobytes;
#: lxml holds a record as a tree of up to some 15 times its bytes until it
#: ends, so this bounds what one record can cost (see safe_xml.iter_elements).
MAX_RECORD_BYTES = 16 * 2**20


class LidoImporter:
    """Reads LIDO XML exports; registered as the ``lido`` importer."""

    name = "lido"
    label = "LIDO XML"
    #: ``--profile FILE.toml`` is read with this (docs/lido-format.md).
    load_profile = staticmethod(load_lido_profile)
    #: ``--identifier ELEMENT`` is applied to the profile with this.
    with_identifier = staticmethod(with_identifier)

    def sniff(self, path: Path) -> bool:
        try:
            with Path(path).open("rb") as handle:
                head = handle.read(_SNIFF_BYTES)
        except OSError:
            return False
        tags = start_tags(head)
        return bool(tags) and (tags[0] in (LIDO_WRAP, LIDO_RECORD) or LIDO_RECORD in tags)

    def why_not(self, path: Path) -> str | None:
        """Why a file that ``sniff`` refused is not LIDO, when it is XML at all."""
        try:
            with Path(path).open("rb") as handle:
                tags = start_tags(handle.read(_SNIFF_BYTES))
        except OSError:
            return None
        if not tags:
            return None
        return (
            f"it is XML, but its root element is {tags[0]}, not lido:lidoWrap or lido:lido "
            f"in the namespace {LIDO_NS}"
        )

    def read(self, path: Path, profile: Profile | None = None) -> Iterator[SourceRecord | Problem]:
        path = Path(path)
        config = parse_lido_profile(profile)  # a bad profile fails here, before any reading
        prolog = read_prolog(path)
        lido_root = prolog.root_tag in (LIDO_WRAP, LIDO_RECORD)
        # A LIDO root, or an envelope (an OAI-PMH response) that declares LIDO.
        if not lido_root and not _declares_lido(prolog.head):
            raise UnreadableInput(_not_lido(path, prolog.root_tag))
        version = schema_version(prolog.root_attributes.get(SCHEMA_LOCATION))
        default_lang = normalise_lang(prolog.root_attributes.get(XML_LANG) or "")
        if default_lang == "none" and config.language:
            default_lang = normalise_lang(config.language)
        identity = RecordIdentity(config)
        unknown = UnknownElements()
        count = yield from _records(path, version, default_lang, identity, unknown)
        identity.finish()
        yield from unknown.problems()
        if count == 0 and (misplaced := _misplaced_records(prolog.head)) is not None:
            # Parses cleanly and yields nothing: the trap of a wrong namespace.
            raise UnreadableInput(
                f"{path}: no LIDO records: the file has {misplaced}, but LIDO records are "
                f"lido:lido elements in the namespace {LIDO_NS}; nothing was imported. "
                "Export the file with the LIDO namespace."
            )
        if count == 0 and not lido_root:
            raise UnreadableInput(_not_lido(path, prolog.root_tag))
        if count == 0:
            yield Problem(
                None,
                None,
                ProblemCode.NO_RECORDS,
                f"{path.name}: the file holds no lido:lido records",
                "warning",
            )


def schema_version(schema_location: str | None) -> str | None:
    """ "1.0" or "1.1" from an ``xsi:schemaLocation`` naming the LIDO schema."""
    if not schema_location:
        return None
    found = _SCHEMA_VERSION.search(schema_location)
    return (found.group(1) or found.group(2)) if found else None


def _declares_lido(head: bytes) -> bool:
    return any(f"{quote}{LIDO_NS}{quote}".encode() in head for quote in "\"'")


def _misplaced_records(head: bytes) -> str | None:
    """What looks like a LIDO record in another namespace (or none), if anything."""
    for tag in start_tags(head, limit=2000):
        namespace, _, local = tag[1:].rpartition("}") if tag.startswith("{") else ("", "", tag)
        if local == "lido" and namespace != LIDO_NS:
            where = f"the namespace {namespace}" if namespace else "no namespace"
            return f"<lido> elements in {where}"
    return None


def _not_lido(path: Path, root_tag: str) -> str:
    return (
        f"{path}: not a LIDO file: the root element is {root_tag}; expected lido:lidoWrap "
        f"or lido:lido in the namespace {LIDO_NS}"
    )


def _records(
    path: Path,
    version: str | None,
    default_lang: str,
    identity: RecordIdentity,
    unknown: UnknownElements,
) -> Generator[SourceRecord | Problem, None, int]:
    """Yield every record; returns how many lido:lido elements were handled.

    An undeclared entity reference (``&nbsp;`` without a DTD) stops libxml2.
    The file is then read again with those references escaped, skipping the
    records already handled, so each becomes a warning instead of the end of
    the import.
    """
    escaped: set[str] = set()
    handled = 0
    #: Namespaces declared inside the record just parsed (see unknown.py).
    declared: list[tuple[str, str]] = []
    while True:
        reader = EntityEscapingReader(path.open("rb"), escaped) if escaped else None
        try:
            elements = iter_elements(reader or path, LIDO_RECORD, MAX_RECORD_BYTES, declared)
            for number, element in enumerate(elements, 1):
                if number > handled:
                    yield from _record(
                        element,
                        number,
                        version,
                        default_lang,
                        identity,
                        unknown,
                        nested=bool(declared),
                    )
                    handled = number
                _release(element)
            return handled
        except OversizedElement as exc:
            size = f"{exc.limit // 2**20} MB of XML"
            what = (
                f"record {handled + 1} (line {exc.line}) is larger than {size}, far more than "
                "a real LIDO record; it and everything after it were not read"
                if exc.inside
                else f"{size} after record {handled} (up to line {exc.line}) hold no complete "
                "lido:lido record; the rest of the file was not read"
            )
            yield Problem(
                None,
                exc.line,
                ProblemCode.RECORD_TOO_LARGE,
                f"{path.name}: {what}. The {handled} record(s) before it were read.",
            )
            return handled
        except etree.XMLSyntaxError as exc:
            problem = describe_syntax_error(exc)
            name = problem.undeclared_entity
            if (
                name
                and name not in escaped
                and is_ascii_name(name)
                and len(escaped) < _MAX_ESCAPED_ENTITIES
            ):
                escaped.add(name)
                continue
            where = f"line {problem.line}"
            if problem.column:
                where += f", column {problem.column}"
            if problem.line and problem.line >= _count_lines(path):
                where += " (the last line: the file looks cut short)"
            yield Problem(
                None,
                problem.line,
                ProblemCode.MALFORMED_XML,
                f"{path.name}: the XML is malformed at {where}: {problem.message}. "
                f"The {handled} record(s) before it were read; nothing after it was.",
            )
            return handled
        finally:
            if reader is not None:
                reader.close()


def _count_lines(path: Path) -> int:
    """Lines in a file, counted in blocks (only on the error path)."""
    lines = 1
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n")
    return lines


def _release(element: etree._Element) -> None:
    """Free a handled record and everything before it, up to the root."""
    element.clear(keep_tail=True)
    node = element
    parent = node.getparent()
    while parent is not None:
        while node.getprevious() is not None:
            del parent[0]
        node, parent = parent, parent.getparent()


def _record(
    element: etree._Element,
    number: int,
    version: str | None,
    default_lang: str,
    identity: RecordIdentity | None = None,
    unknown: UnknownElements | None = None,
    nested: bool | None = None,
) -> Iterator[SourceRecord | Problem]:
    """Map one lido:lido element; yields its warnings, then the record.

    ``nested``: whether elements inside it declare namespaces, when known.
    """
    if identity is None:
        identity = RecordIdentity(DEFAULT_CONFIG)
    source_line = element.sourceline
    source, references = _source_and_entity_references(element)
    where = f"record {number} (line {source_line})"
    if unknown is not None:
        unknown.check(element, source, number, where, nested)
    draft = Draft(identity.config.current_repository_test())
    lang = lang_of(element, default_lang)
    for child in element:
        tag = child.tag
        if tag == DESCRIPTIVE_METADATA:
            read_descriptive(child, lang_of(child, lang), draft)
        elif tag == ADMINISTRATIVE_METADATA:
            read_administrative(child, lang_of(child, lang), draft)
        elif tag == LIDO_REC_ID:
            value = text_of(child)
            if value:
                draft.record_ids.append(value)
        elif tag == OBJECT_PUBLISHED_ID:
            value = text_of(child)
            if value:
                draft.published_ids.append(value)

    identifier = identity.identifier(element, draft)
    if identifier is None:
        yield Problem(
            None,
            number,
            ProblemCode.MISSING_IDENTIFIER,
            f"{where} has no {identity.describe()}; it was skipped",
        )
        return
    repeated = identity.repeated(element, draft, identifier, number, where)
    if repeated is not None:
        yield repeated
        return
    for field, reference in references:
        yield Problem(
            identifier,
            number,
            ProblemCode.ENTITY_REFERENCE,
            f"{where}: {field} contains the entity reference {reference}, which is not "
            f"defined (DTDs are not accepted); it was kept as the literal text {reference}",
            "warning",
        )
    for code, message in draft.warnings:
        yield Problem(identifier, number, code, f"{where}: {message}", "warning")
    if not draft.has_title():
        yield Problem(
            identifier, number, ProblemCode.MISSING_TITLE, f"{where} has no title", "warning"
        )

    record_version = version
    if record_version is None:
        record_version = "1.0" if next(element.iter(*_V11_ONLY), None) is None else "1.1"
    draft.extra["lido_version"] = record_version
    draft.extra["source_line"] = source_line
    if record_version != "1.0":
        links = _same_as_links(element)
        if links:
            draft.extra["same_as"] = links
    yield identity.complete(draft.finish(identifier, number, source))


def _source_and_entity_references(element: etree._Element) -> tuple[str, list[tuple[str, str]]]:
    """The record serialised verbatim, and where it holds entity references.

    References come either marked by :class:`EntityEscapingReader` or, in
    principle, as entity nodes; both are turned into literal ``&name;`` text
    in the tree before mapping, so no title loses them.
    """
    # Straight to text: measured on the corpus's records, a fifth cheaper than
    # UTF-8 bytes decoded afterwards (75 against 95 us a record).
    source = etree.tostring(element, encoding="unicode", with_tail=False)
    if ENTITY_MARK in source:
        return source.replace(ENTITY_MARK, "&"), _unmark_references(element)
    if "&" in source and _ENTITY_REFERENCE.search(source):
        return source, _inline_entity_nodes(element)
    return source, []


def _same_as_links(record: etree._Element) -> list[dict[str, str]]:
    """LIDO 1.1 ``owl:sameAs`` links, each with the element it identifies."""
    links = []
    for link in record.iter(OWL_SAME_AS):
        uri = clean(link.get(RDF_RESOURCE)) or text_of(link)
        parent = link.getparent()
        if uri and parent is not None:
            links.append({"element": etree.QName(parent).localname, "uri": uri})
    return links


def _field_path(node: etree._Element) -> str:
    """Local names from the record down to ``node``, e.g. ``…/titleSet/appellationValue``."""
    names = []
    while node is not None and node.tag != LIDO_RECORD:
        names.append(etree.QName(node).localname)
        node = node.getparent()
    return "/".join(reversed(names)) or "lido"


def _unmark_references(record: etree._Element) -> list[tuple[str, str]]:
    """Turn escaped references back into literal ``&name;`` text; say where they were."""
    found: list[tuple[str, str]] = []

    def unmark(value: str, field: str) -> str:
        for name in _MARKED_REFERENCE.findall(value):
            found.append((field, f"&{name};"))
        return value.replace(ENTITY_MARK, "&")

    for node in record.iter():
        if node.text and ENTITY_MARK in node.text and node.tag.__class__ is str:
            node.text = unmark(node.text, _field_path(node))
        if node.tail and ENTITY_MARK in node.tail and node.getparent() is not None:
            node.tail = unmark(node.tail, _field_path(node.getparent()))
        for key, value in node.items() if node.tag.__class__ is str else ():
            if ENTITY_MARK in value:
                field = f"{_field_path(node)}/@{etree.QName(key).localname}"
                node.set(key, unmark(value, field))
    return found


def _inline_entity_nodes(record: etree._Element) -> list[tuple[str, str]]:
    """Replace entity nodes by their literal text so no reference is lost."""
    found: list[tuple[str, str]] = []
    for entity in list(record.iter(etree.Entity)):
        parent = entity.getparent()
        if parent is None:
            continue
        literal = entity.text + (entity.tail or "")
        found.append((_field_path(parent), entity.text))
        previous = entity.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + literal
        else:
            parent.text = (parent.text or "") + literal
        parent.remove(entity)
    return found
