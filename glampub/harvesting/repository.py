"""One OAI-PMH request in, the response's bytes out: the six verbs.

The web view hands over the request's (name, value) pairs, GET query or POST
form alike, with the settings it read from the configuration; everything
else happens here, in one session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from lxml import etree
from sqlalchemy.orm import Session

from glampub.harvesting import catalogue, tokens
from glampub.harvesting.arguments import (
    SECONDS,
    DateRange,
    OaiError,
    OaiRequest,
    date_range,
    datestamp,
    parse_request,
)
from glampub.harvesting.catalogue import REUSE_CLASSES, REUSE_PREFIX, Entry, Selection
from glampub.harvesting.edm import edm_record, offered_as_edm
from glampub.harvesting.europeana_rights import accepted_uris
from glampub.harvesting.identifiers import (
    is_domain_name,
    oai_identifier,
    parse_identifier,
)
from glampub.harvesting.lido_records import lido_record
from glampub.harvesting.oai_dc import oai_dc_record
from glampub.harvesting.responses import envelope, error_response, oai, serialise
from glampub.iiif.urls import IiifUrls
from glampub.publishing.object_values import object_info

#: metadataPrefix -> (schema, metadataNamespace)
FORMATS = {
    "oai_dc": (
        "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
        "http://www.openarchives.org/OAI/2.0/oai_dc/",
    ),
    "lido": ("http://www.lido-schema.org/schema/v1.1/lido-v1.1.xsd", "http://www.lido-schema.org"),
    "edm": ("http://www.europeana.eu/schemas/edm/EDM.xsd", "http://www.europeana.eu/schemas/edm/"),
}
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
OAI_IDENTIFIER = "http://www.openarchives.org/OAI/2.0/oai-identifier"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True)
class OaiSettings:
    #: The base URL of the protocol requests (this endpoint).
    endpoint: str
    urls: IiifUrls
    #: The host of the oai: identifiers.
    host: str
    repository_name: str
    admin_email: str | None
    page_size: int
    token_seconds: int
    #: edm:provider; None names each record's institution.
    edm_provider: str | None


def answer(
    session: Session,
    pairs: Iterable[tuple[str, str]],
    settings: OaiSettings,
    now: datetime | None = None,
) -> bytes:
    """The response to one request, as UTF-8 XML."""
    now = now or datetime.now(UTC)
    pairs = list(pairs)
    try:
        request = parse_request(pairs)
    except OaiError as error:
        return error_response(now, settings.endpoint, {}, error)
    echoed = {"verb": request.verb, **request.arguments}
    try:
        return serialise(_VERBS[request.verb](session, request, settings, now, echoed))
    except OaiError as error:
        return error_response(now, settings.endpoint, echoed, error)


def _identify(
    session: Session, request: OaiRequest, settings: OaiSettings, now: datetime, echoed: dict
) -> etree._Element:
    root = envelope(now, settings.endpoint, echoed)
    identify = oai(root, "Identify")
    oai(identify, "repositoryName", settings.repository_name)
    oai(identify, "baseURL", settings.endpoint)
    oai(identify, "protocolVersion", "2.0")
    email = settings.admin_email or catalogue.first_admin_email(session)
    oai(identify, "adminEmail", email or f"webmaster@{settings.host}")
    earliest = catalogue.earliest_datestamp(session)
    oai(identify, "earliestDatestamp", datestamp(earliest or now))
    oai(identify, "deletedRecord", "persistent")
    oai(identify, "granularity", GRANULARITY)
    if is_domain_name(settings.host):
        description = oai(identify, "description")
        scheme = etree.SubElement(
            description, f"{{{OAI_IDENTIFIER}}}oai-identifier", nsmap={None: OAI_IDENTIFIER}
        )
        scheme.set(f"{{{XSI}}}schemaLocation", f"{OAI_IDENTIFIER} {OAI_IDENTIFIER}.xsd")
        for name, value in (
            ("scheme", "oai"),
            ("repositoryIdentifier", settings.host),
            ("delimiter", ":"),
            ("sampleIdentifier", oai_identifier(settings.host, "institution", "object-1")),
        ):
            etree.SubElement(scheme, f"{{{OAI_IDENTIFIER}}}{name}").text = value
    return root


def _list_metadata_formats(
    session: Session, request: OaiRequest, settings: OaiSettings, now: datetime, echoed: dict
) -> etree._Element:
    prefixes = list(FORMATS)
    if "identifier" in request.arguments:
        entry = _entry(session, settings, request.arguments["identifier"])
        if not entry.deleted and not offered_as_edm(object_info(entry.obj)):
            prefixes.remove("edm")
    root = envelope(now, settings.endpoint, echoed)
    listing = oai(root, "ListMetadataFormats")
    for prefix in prefixes:
        schema, namespace = FORMATS[prefix]
        fmt = oai(listing, "metadataFormat")
        oai(fmt, "metadataPrefix", prefix)
        oai(fmt, "schema", schema)
        oai(fmt, "metadataNamespace", namespace)
    return root


def _list_sets(
    session: Session, request: OaiRequest, settings: OaiSettings, now: datetime, echoed: dict
) -> etree._Element:
    if "resumptionToken" in request.arguments:
        raise OaiError("badResumptionToken", "The list of sets is never split: it has no tokens.")
    institutions = catalogue.institutions(session)
    if not institutions:
        raise OaiError("noSetHierarchy", "This repository holds no institution yet, so no sets.")
    root = envelope(now, settings.endpoint, echoed)
    listing = oai(root, "ListSets")
    sets = [*institutions, *((REUSE_PREFIX + key, name) for key, name in REUSE_CLASSES.items())]
    for spec, name in sets:
        item = oai(listing, "set")
        oai(item, "setSpec", spec)
        oai(item, "setName", name)
    return root


def _get_record(
    session: Session, request: OaiRequest, settings: OaiSettings, now: datetime, echoed: dict
) -> etree._Element:
    prefix = _known_prefix(request.arguments["metadataPrefix"])
    entry = _entry(session, settings, request.arguments["identifier"])
    if prefix == "edm" and not entry.deleted and not offered_as_edm(object_info(entry.obj)):
        raise OaiError(
            "cannotDisseminateFormat",
            "This record's rights statement is not one Europeana accepts, so it has no edm form.",
        )
    root = envelope(now, settings.endpoint, echoed)
    _record(oai(root, "GetRecord"), entry, prefix, settings)
    return root


def _list_identifiers(
    session: Session, request: OaiRequest, settings: OaiSettings, now: datetime, echoed: dict
) -> etree._Element:
    return _list(session, request, settings, now, echoed, with_metadata=False)


def _list_records(
    session: Session, request: OaiRequest, settings: OaiSettings, now: datetime, echoed: dict
) -> etree._Element:
    return _list(session, request, settings, now, echoed, with_metadata=True)


def _list(
    session: Session,
    request: OaiRequest,
    settings: OaiSettings,
    now: datetime,
    echoed: dict,
    with_metadata: bool,
) -> etree._Element:
    state = _list_state(request, settings, now)
    institution_id, reuse, unknown_set = catalogue.set_selection(session, state.set_spec)
    selection = Selection(
        institution_id=institution_id,
        reuse=reuse,
        start=_moment(state.start),
        before=_moment(state.before),
        rights_uris=accepted_uris() if state.prefix == "edm" else None,
        empty=unknown_set,
    )
    entries = catalogue.list_page(session, selection, state.after, settings.page_size + 1)
    if not entries:
        raise OaiError("noRecordsMatch", "No record matches these arguments.")
    more = len(entries) > settings.page_size
    entries = entries[: settings.page_size]
    total = state.total
    if total is None and (more or state.cursor):
        total = catalogue.count(session, selection)
    root = envelope(now, settings.endpoint, echoed)
    listing = oai(root, request.verb)
    for entry in entries:
        if with_metadata:
            _record(listing, entry, state.prefix, settings)
        else:
            _header(listing, entry, settings)
    if more or state.cursor:
        token = oai(listing, "resumptionToken")
        token.set("cursor", str(state.cursor))
        if total is not None:
            token.set("completeListSize", str(max(total, state.cursor + len(entries))))
        if more:
            following = replace(
                state,
                after=entries[-1].event_id,
                cursor=state.cursor + len(entries),
                total=total,
                expires=int((now + timedelta(seconds=settings.token_seconds)).timestamp()),
            )
            token.text = tokens.encode(following)
            token.set("expirationDate", tokens.expiry_text(following))
    return root


def _list_state(request: OaiRequest, settings: OaiSettings, now: datetime) -> tokens.ListState:
    arguments = request.arguments
    if "resumptionToken" in arguments:
        state = tokens.decode(arguments["resumptionToken"], request.verb, now)
        if state.prefix not in FORMATS:
            raise OaiError("badResumptionToken", "This resumption token names no format here.")
        return state
    prefix = _known_prefix(arguments["metadataPrefix"])
    dates: DateRange = date_range(arguments)
    return tokens.ListState(
        verb=request.verb,
        prefix=prefix,
        set_spec=arguments.get("set"),
        start=dates.start.strftime(SECONDS) if dates.start else None,
        before=dates.before.strftime(SECONDS) if dates.before else None,
        after=0,
        cursor=0,
        total=None,
        expires=0,
    )


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text, SECONDS).replace(tzinfo=UTC)
    except ValueError:
        raise OaiError("badResumptionToken", "This resumption token holds a broken date.") from None


def _known_prefix(prefix: str) -> str:
    if prefix not in FORMATS:
        raise OaiError(
            "cannotDisseminateFormat",
            f"{prefix!r} is not a metadata format here: ask ListMetadataFormats.",
        )
    return prefix


def _entry(session: Session, settings: OaiSettings, identifier: str) -> Entry:
    parts = parse_identifier(settings.host, identifier)
    entry = catalogue.find_entry(session, *parts) if parts else None
    if entry is None:
        raise OaiError("idDoesNotExist", f"{identifier!r} is no record of this repository.")
    return entry


def _header(parent: etree._Element, entry: Entry, settings: OaiSettings) -> None:
    obj = entry.obj
    header = oai(parent, "header")
    if entry.deleted:
        header.set("status", "deleted")
    oai(header, "identifier", oai_identifier(settings.host, obj.institution.slug, obj.identifier))
    oai(header, "datestamp", datestamp(entry.at))
    oai(header, "setSpec", obj.institution.slug)
    if obj.rights_reuse in REUSE_CLASSES:
        oai(header, "setSpec", REUSE_PREFIX + obj.rights_reuse)


def _record(parent: etree._Element, entry: Entry, prefix: str, settings: OaiSettings) -> None:
    record = oai(parent, "record")
    _header(record, entry, settings)
    if entry.deleted:
        return
    info = object_info(entry.obj)
    if prefix == "oai_dc":
        metadata = oai_dc_record(info, settings.urls)
    elif prefix == "edm":
        metadata = edm_record(info, settings.urls, settings.edm_provider)
    else:
        obj = entry.obj
        metadata = lido_record(info, obj.source_format, obj.source_record, settings.urls)
    oai(record, "metadata").append(metadata)


_VERBS = {
    "Identify": _identify,
    "ListMetadataFormats": _list_metadata_formats,
    "ListSets": _list_sets,
    "GetRecord": _get_record,
    "ListIdentifiers": _list_identifiers,
    "ListRecords": _list_records,
}
