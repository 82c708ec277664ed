"""Fuzzing with Hypothesis: the importers and the Image API parameter parser.

Properties, not examples: whatever the bytes or the URL, the answer is a
record, a Problem, one of our own errors, or an HTTP 400/404/501, never an
unexpected exception and never a 500. Each test is bounded by max_examples
and a deadline so that together they stay well under a minute in CI.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from glampub.errors import GlampubError, Problem
from glampub.iiif.image_api import ImageApiError, parse_request
from importers.base import SourceRecord
from importers.csv.importer import CsvImporter
from importers.lido.importer import LidoImporter

BOUNDED = settings(
    max_examples=120,
    deadline=timedelta(seconds=3),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_CODE = re.compile(r"[a-z]+(?:-[a-z]+)*")


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


def _read_all(importer: LidoImporter | CsvImporter, path: Path) -> list[SourceRecord | Problem]:
    """Everything the importer yields; only our own errors may stop it."""
    try:
        items = list(importer.read(path))
    except GlampubError as exc:
        assert str(exc), "an error must say what was wrong"
        return []
    for item in items:
        if isinstance(item, Problem):
            assert _CODE.fullmatch(item.code), item
            assert item.message and item.severity in ("error", "warning"), item
            assert item.line is None or item.line >= 1, item
        else:
            assert isinstance(item, SourceRecord), item
            assert item.identifier and item.identifier.strip() == item.identifier, item
            for values in item.title.values():
                assert all(isinstance(value, str) for value in values), item
    return items


# --- LIDO ---------------------------------------------------------------------------

LIDO_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<lido:lidoWrap xmlns:lido="http://www.lido-schema.org">\n'
)


def _lido(identifier: str, title: str, extra: str = "") -> str:
    return (
        f"<lido:lido><lido:lidoRecID>{identifier}</lido:lidoRecID>"
        "<lido:descriptiveMetadata xml:lang='en'><lido:objectIdentificationWrap>"
        f"<lido:titleWrap><lido:titleSet><lido:appellationValue>{title}"
        "</lido:appellationValue></lido:titleSet></lido:titleWrap>"
        f"</lido:objectIdentificationWrap>{extra}</lido:descriptiveMetadata></lido:lido>\n"
    )


VALID_LIDO = LIDO_HEAD + _lido("F-1", "One") + _lido("F-2", "Two") + "</lido:lidoWrap>\n"
#: Pieces of XML that tend to break parsers: entities, CDATA, comments, PIs, tags.
XML_PIECES = st.sampled_from(
    [
        "&amp;", "&nbsp;", "&#0;", "&#x110000;", "&#65;", "&", "<", ">", "]]>", "<![CDATA[x]]>",
        "<!-- c -->", "<?pi x?>", "</lido:lido>", "<lido:lido>", "<lido:x/>", "<!DOCTYPE x>",
        '<!ENTITY e "x">', "&e;", "\x00", "\ufeff", "\ud800", "'", '"', "\r", "\n",
    ]
)  # fmt: skip
XML_TEXT = st.lists(st.text(max_size=20) | XML_PIECES, max_size=8).map("".join)


@BOUNDED
@given(identifier=XML_TEXT, title=XML_TEXT, extra=XML_TEXT)
def test_lido_with_any_text_in_its_fields(scratch: Path, identifier, title, extra) -> None:
    path = scratch / "fields.xml"
    body = LIDO_HEAD + _lido("F-0", "Before") + _lido(identifier, title, extra)
    path.write_bytes((body + "</lido:lidoWrap>\n").encode("utf-8", "surrogatepass"))
    _read_all(LidoImporter(), path)


_VALID_BYTES = VALID_LIDO.encode()
#: Where the first record ends: damage after it must not cost it.
_FIRST_END = _VALID_BYTES.index(b"</lido:lido>") + len(b"</lido:lido>")


@BOUNDED
@given(
    at=st.integers(0, len(_VALID_BYTES)),
    inserted=st.binary(max_size=40),
    keep=st.integers(1, len(_VALID_BYTES) + 40),
)
def test_lido_cut_or_spliced_anywhere(scratch: Path, at: int, inserted: bytes, keep: int) -> None:
    data = (_VALID_BYTES[:at] + inserted + _VALID_BYTES[at:])[:keep]
    path = scratch / "spliced.xml"
    path.write_bytes(data)
    items = _read_all(LidoImporter(), path)
    identifiers = [item.identifier for item in items if isinstance(item, SourceRecord)]
    if at >= _FIRST_END and keep >= _FIRST_END:
        # What came before the damage is read, whatever the damage is.
        assert identifiers[:1] == ["F-1"], items
    if not inserted and keep >= len(_VALID_BYTES):
        assert identifiers == ["F-1", "F-2"]


@BOUNDED
@given(data=st.binary(max_size=2000))
def test_lido_from_arbitrary_bytes(scratch: Path, data: bytes) -> None:
    path = scratch / "bytes.xml"
    path.write_bytes(data)
    _read_all(LidoImporter(), path)


# --- CSV ----------------------------------------------------------------------------

CSV_PIECES = st.sampled_from(
    [",", ";", "\t", '"', '""', "\n", "\r\n", "\r", "\x00", "=", "+", "-", "@", "\ufeff", "é"]
)
CSV_TEXT = st.lists(st.text(max_size=12) | CSV_PIECES, max_size=30).map("".join)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1", "shift_jis"])


@BOUNDED
@given(body=CSV_TEXT, encoding=ENCODINGS)
def test_csv_with_any_text_under_a_header(scratch: Path, body: str, encoding: str) -> None:
    path = scratch / "rows.csv"
    text = "identifier,title,description\nC-1,One,First\n" + body
    path.write_bytes(text.encode(encoding, "replace"))
    items = _read_all(CsvImporter(), path)
    lines = [item.line for item in items if isinstance(item, SourceRecord)]
    assert lines == sorted(set(lines))  # records in file order, one per line at most
    assert not items or any(isinstance(item, SourceRecord) for item in items[:3])


@BOUNDED
@given(data=st.binary(max_size=2000))
def test_csv_from_arbitrary_bytes(scratch: Path, data: bytes) -> None:
    path = scratch / "bytes.csv"
    path.write_bytes(data)
    _read_all(CsvImporter(), path)


# --- the Image API parameter parser --------------------------------------------------

#: Anything a URL segment can carry once decoded, with the grammar's own pieces mixed in.
SEGMENT = st.lists(
    st.text(max_size=6)
    | st.sampled_from(["full", "square", "max", "pct:", "^", "!", ",", ".", "default", "jpg"])
    | st.integers(-5, 10**12).map(str),
    max_size=6,
).map("".join)


@settings(max_examples=400, deadline=timedelta(seconds=1))
@given(
    region=SEGMENT,
    size=SEGMENT,
    rotation=SEGMENT,
    quality=SEGMENT,
    fmt=SEGMENT,
    width=st.integers(1, 100_000),
    height=st.integers(1, 100_000),
    max_area=st.none() | st.integers(1, 10**8),
)
# Unicode digits once matched the grammar's \d (fullwidth, Arabic-Indic).
@example("full", "\uff11\uff10\uff10,", "0", "default", "jpg", 500, 500, None)
@example("\u0660,\u0660,\u0661,\u0661", "max", "0", "default", "jpg", 500, 500, None)
def test_image_parameters_give_a_request_or_a_400_or_501(
    region, size, rotation, quality, fmt, width, height, max_area
) -> None:
    try:
        request = parse_request(
            region, size, rotation, quality, fmt, width=width, height=height, max_area=max_area
        )
    except ImageApiError as exc:
        assert exc.status in (400, 501) and exc.message
        return
    # Accepted only in the spec's own (ASCII) grammar, and always inside the image.
    assert all(part.isascii() for part in (region, size, rotation, quality, fmt))
    x, y, w, h = request.region
    assert 0 <= x < width and 0 <= y < height and 1 <= w <= width - x and 1 <= h <= height - y
    assert request.size[0] >= 1 and request.size[1] >= 1
    if max_area:
        assert request.size[0] * request.size[1] <= max_area


@pytest.fixture(scope="module")
def image_service(demo_app) -> str:
    manifest = demo_app.test_client().get("/iiif/3/kestrel-museum/1923.5/manifest").get_json()
    body = manifest["items"][0]["items"][0]["items"][0]["body"]
    return body["service"][0]["id"].split("/iiif/", 1)[1]


@settings(
    max_examples=80,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(segments=st.lists(SEGMENT, min_size=1, max_size=6), known=st.booleans())
def test_any_image_api_path_is_answered_never_with_a_500(
    demo_app, image_service: str, segments: list[str], known: bool
) -> None:
    """Any number of segments, any characters (slashes and dots escaped or not)."""
    base = f"/iiif/{image_service}" if known else "/iiif/image/3/" + quote(segments.pop(0) or "x")
    tail = "/".join(quote(segment, safe="") for segment in segments)
    with demo_app.test_client().get(f"{base}/{tail}") as response:
        # (303: the base URI goes to info.json; 308: Werkzeug merges doubled slashes.)
        answered = (200, 303, 304, 308, 400, 404, 501)
        assert response.status_code in answered, (tail, response.status_code)
        if response.status_code >= 400:
            assert response.get_json()["message"]
