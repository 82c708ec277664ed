"""The credit, embedded in every image file glampub delivers (XMP, and EXIF for JPEG).

The attribution travels with the file: whoever downloads an image finds the
credit line and rights URI in its own metadata (exiftool, any XMP reader).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence

from lxml import etree
from PIL import Image, PngImagePlugin

from glampub.images.files import matching_icc

_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "cc": "http://creativecommons.org/ns#",
}
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Characters XML 1.0 forbids; lxml refuses them, so they are dropped first.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MAX_FIELD = 2000  # a JPEG APP1 segment holds 64 KB; no credit needs more


def rights_marked(rights_uri: str | None) -> bool | None:
    """xmpRights:Marked: False for public-domain tools, True for licences and InC."""
    if not rights_uri:
        return None
    uri = rights_uri.lower()
    if "/publicdomain/" in uri or "rightsstatements.org/vocab/noc" in uri:
        return False
    if "creativecommons.org/licenses/" in uri or "rightsstatements.org/vocab/inc" in uri:
        return True
    return None


def build_xmp(
    *,
    credit: str,
    rights_uri: str | None = None,
    rights_label: str | None = None,
    title: str | None = None,
    creators: Sequence[str] = (),
    source_url: str | None = None,
    use_guidelines: str | None = None,
    rights_holder: str | None = None,
) -> bytes:
    """An XMP packet with Dublin Core, XMP Rights, Photoshop and CC properties."""

    def q(name: str) -> str:
        prefix, local = name.split(":")
        return f"{{{_NS[prefix]}}}{local}"

    def clean(text: str) -> str:
        return _XML_ILLEGAL.sub("", text)[:_MAX_FIELD]

    root = etree.Element(q("x:xmpmeta"), nsmap={"x": _NS["x"]})
    rdf = etree.SubElement(root, q("rdf:RDF"), nsmap={"rdf": _NS["rdf"]})
    desc = etree.SubElement(
        rdf,
        q("rdf:Description"),
        {q("rdf:about"): ""},
        nsmap={k: v for k, v in _NS.items() if k not in ("x", "rdf")},
    )

    def text(name: str, value: str) -> None:
        etree.SubElement(desc, q(name)).text = clean(value)

    def container(name: str, kind: str, values: Sequence[str]) -> None:
        holder = etree.SubElement(etree.SubElement(desc, q(name)), q(f"rdf:{kind}"))
        for value in values:
            li = etree.SubElement(holder, q("rdf:li"))
            if kind == "Alt":
                li.set(_XML_LANG, "x-default")
            li.text = clean(value)

    def resource(name: str, uri: str) -> None:
        etree.SubElement(desc, q(name), {q("rdf:resource"): clean(uri)})

    marked = rights_marked(rights_uri)
    rights_name = rights_label or rights_uri
    if title:
        container("dc:title", "Alt", [title])
    if creators:
        container("dc:creator", "Seq", list(creators))
    statement = f"{rights_name} ({rights_uri})" if rights_label and rights_uri else rights_name
    container("dc:rights", "Alt", [f"{credit}. {statement}" if statement else credit])
    if source_url:
        text("dc:source", source_url)
    if marked is not None:
        text("xmpRights:Marked", "True" if marked else "False")
    if source_url or rights_uri:
        text("xmpRights:WebStatement", source_url or rights_uri or "")
    if statement:
        # Credit is a licence condition for CC licences and a courtesy for the public domain.
        terms = (
            f"{statement}. Credit is appreciated: {credit}."
            if marked is False
            else f"{statement}. Credit: {credit}."
        )
        container("xmpRights:UsageTerms", "Alt", [terms])
    if rights_holder and marked is not False:
        # Who owns the rights: never claimed for public-domain images.
        container("xmpRights:Owner", "Bag", [rights_holder])
    text("photoshop:Credit", credit)
    if rights_uri:
        resource("cc:license", rights_uri)
    text("cc:attributionName", credit)
    if use_guidelines:
        resource("cc:useGuidelines", use_guidelines)
    body = etree.tostring(root, encoding="unicode")
    packet = f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>{body}<?xpacket end="w"?>'
    return packet.encode("utf-8")


def _exif_ascii(text: str) -> str | None:
    """EXIF text is ASCII: fold accents away; give up (None) rather than write '?'."""
    folded = unicodedata.normalize("NFKD", text.replace("\u00a9", "(c)"))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return folded if folded.isascii() and folded.isprintable() else None


def embed_credit(
    image: Image.Image,
    fmt: str,
    *,
    credit: str,
    rights_uri: str | None,
    title: str | None,
    source_url: str | None,
    quality: int = 85,
    rights_label: str | None = None,
    creators: Sequence[str] = (),
    use_guidelines: str | None = None,
    rights_holder: str | None = None,
) -> bytes:
    """Encode ``image`` as jpg, png or webp with the credit in XMP (and EXIF for JPEG).

    ``source_url`` is the object's page: it becomes ``dc:source`` and
    ``xmpRights:WebStatement``; ``rights_uri`` becomes ``cc:license``.
    """
    fmt = {"jpeg": "jpg"}.get(fmt.lower(), fmt.lower())
    xmp = build_xmp(
        credit=credit,
        rights_uri=rights_uri,
        rights_label=rights_label,
        title=title,
        creators=creators,
        source_url=source_url,
        use_guidelines=use_guidelines,
        rights_holder=rights_holder,
    )
    options: dict[str, object] = {}
    icc = matching_icc(image)
    if icc:
        options["icc_profile"] = icc
    out = io.BytesIO()
    if fmt == "jpg":
        if image.mode not in ("1", "L", "RGB"):
            image = image.convert("RGB")
        exif = _credit_exif(credit, rights_uri, creators)
        if exif:
            options["exif"] = exif
        image.save(out, "JPEG", quality=quality, xmp=xmp, **options)
    elif fmt == "png":
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", xmp.decode("utf-8"))
        # The PNG spec's own keywords, for readers that ignore XMP.
        for key, value in (
            ("Title", title),
            ("Author", ", ".join(creators)),
            ("Copyright", credit),
            ("Source", source_url),
        ):
            if value:
                info.add_itxt(key, _XML_ILLEGAL.sub("", value)[:_MAX_FIELD])
        image.save(out, "PNG", pnginfo=info, compress_level=6, **options)
    elif fmt == "webp":
        image.save(out, "WEBP", quality=quality, xmp=xmp, **options)
    else:
        raise ValueError(f"cannot embed a credit in format {fmt!r}; use jpg, png or webp")
    return out.getvalue()


def _credit_exif(credit: str, rights_uri: str | None, creators: Sequence[str]) -> Image.Exif:
    exif = Image.Exif()
    # The tags EXIF requires in IFD0, so that validators (exiftool -validate) are content.
    exif.update({0x011A: 72.0, 0x011B: 72.0, 0x0128: 2, 0x0213: 1})
    copyright_text = _exif_ascii(f"{credit}. {rights_uri}" if rights_uri else credit)
    if copyright_text:
        exif[0x8298] = copyright_text  # Copyright
    artist = _exif_ascii("; ".join(creators)) if creators else None
    if artist:
        exif[0x013B] = artist  # Artist
    return exif
