"""The OAI-PMH envelope: responseDate, the request echoed, then the verb's
element or the errors; serialised as UTF-8 XML."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from glampub.harvesting.arguments import OaiError, datestamp
from glampub.harvesting.xml_text import xml_safe

OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"


def envelope(now: datetime, endpoint: str, echoed: dict[str, str]) -> etree._Element:
    """The root with responseDate and request; ``echoed`` holds the verb and
    its arguments when they were valid, nothing otherwise."""
    root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI} {SCHEMA}")
    oai(root, "responseDate", datestamp(now))
    request = oai(root, "request", endpoint)
    for name, value in echoed.items():
        request.set(name, xml_safe(value))
    return root


def error_response(now: datetime, endpoint: str, echoed: dict[str, str], error: OaiError) -> bytes:
    root = envelope(now, endpoint, echoed if error.echoes_arguments else {})
    oai(root, "error", error.message).set("code", error.code)
    return serialise(root)


def oai(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{OAI}}}{name}")
    if text is not None:
        element.text = xml_safe(text)
    return element


def serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
