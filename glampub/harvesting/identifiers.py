"""The ``oai:`` identifiers of records: ``oai:<host>:<institution>/<identifier>``.

``<host>`` is the site's host name (GLAMPUB_BASE_URL's, or the request's);
the institution's slug and the object's identifier are each percent-encoded
as one URL path segment, so an identifier holding a slash or a space still
names one record and the whole stays a valid URI.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

#: The oai-identifier scheme's repositoryIdentifier (a domain name).
_REPOSITORY_ID = re.compile(r"^[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z0-9\-]+)+$")


def repository_host(base_url: str) -> str:
    """The host part of the identifiers, from the site's base URL."""
    return urlsplit(base_url).hostname or "localhost"


def is_domain_name(host: str) -> bool:
    """Whether the host may be declared in Identify's oai-identifier description."""
    return bool(_REPOSITORY_ID.match(host))


def oai_identifier(host: str, institution: str, identifier: str) -> str:
    return f"oai:{host}:{quote(institution, safe='')}/{quote(identifier, safe='')}"


def parse_identifier(host: str, text: str) -> tuple[str, str] | None:
    """(institution slug, object identifier), or None when it is none of ours."""
    prefix = f"oai:{host}:"
    if not text.startswith(prefix):
        return None
    institution, slash, identifier = text[len(prefix) :].partition("/")
    if not slash or not institution or not identifier:
        return None
    return unquote(institution), unquote(identifier)
