"""``/robots.txt``: what crawlers may fetch, and where the collection is as data.

Every crawler may read the public pages, the IIIF documents and the images;
the staff pages and the API are for signed-in people and tokens. The section
for AI crawlers is configured by ``GLAMPUB_ROBOTS_AI``:

- ``allow`` (the default): no section of their own, they are crawlers like
  the others. The open objects are published to be reused; those that may be
  in copyright say so themselves, with a TDM reservation (tdm-reservation,
  see glampub.publishing.mining) on every answer.
- ``disallow``: the crawlers in :data:`AI_CRAWLERS` may fetch nothing.
- a comma-separated list of user agents (``GPTBot, CCBot``): these may fetch
  nothing.

The dataset downloads and the OAI-PMH endpoint are named in comments: the
``Sitemap`` line of robots.txt is for sitemap files only, which they are not.
The static export (glampub.static_site) writes the same file with its own
URLs: no staff pages or API to keep crawlers from, no OAI-PMH.
"""

from __future__ import annotations

import re

from glampub.errors import UsageError
from glampub.iiif.urls import IiifUrls

#: Crawlers that gather text and images to train AI models, by their product
#: token, for ``GLAMPUB_ROBOTS_AI=disallow``.
AI_CRAWLERS = (
    "GPTBot",
    "ClaudeBot",
    "anthropic-ai",
    "CCBot",
    "Google-Extended",
    "Applebot-Extended",
    "Bytespider",
    "meta-externalagent",
    "PerplexityBot",
    "cohere-training-data-crawler",
)
#: RFC 9309: a product token is letters, "_" and "-"; digits and dots occur in practice.
_PRODUCT_TOKEN = re.compile(r"[A-Za-z0-9._-]{1,100}")
#: For people and tokens only.
PRIVATE_PATHS = ("/staff/", "/api/")


def ai_agents(setting: str | None) -> tuple[str, ...]:
    """The user agents GLAMPUB_ROBOTS_AI keeps out; raises UsageError on a bad value."""
    value = (setting or "").strip()
    if value.lower() in ("", "allow"):
        return ()
    if value.lower() == "disallow":
        return AI_CRAWLERS
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    for name in names:
        if not _PRODUCT_TOKEN.fullmatch(name):
            raise UsageError(
                f"GLAMPUB_ROBOTS_AI: {name!r} is not a crawler's user agent token "
                "(letters, digits, '.', '_' and '-'); give allow, disallow or a "
                "comma-separated list of user agents"
            )
    return names


def robots_txt(base_url: str, disallowed: tuple[str, ...], static: bool = False) -> str:
    """The file, for a site at ``base_url`` (scheme, host and any path); ``static``
    for the static export's copy of the site."""
    base = base_url.rstrip("/")
    urls = IiifUrls(base, static=static)
    prefix = re.sub(r"^[a-z]+://[^/]+", "", base)
    lines = ["# robots.txt of a glampub site", "User-agent: *"]
    if static:
        lines.append("Disallow:")  # a static copy has nothing private: everything may be read
    else:
        lines += [f"Disallow: {prefix}{path}" for path in PRIVATE_PATHS]
    lines.append("")
    if disallowed:
        lines.append("# AI crawlers (GLAMPUB_ROBOTS_AI): kept out of the whole site.")
        lines += [f"User-agent: {name}" for name in disallowed]
        lines += ["Disallow: /", ""]
    else:
        lines += [
            "# AI crawlers are welcome like any other (GLAMPUB_ROBOTS_AI=allow). Objects",
            "# that may be in copyright carry a TDM reservation (tdm-reservation: 1);",
            f"# their paths are listed in {base}/.well-known/tdmrep.json",
            "",
        ]
    lines += [
        "# The whole collection as data:",
        f"# Datasets (JSON Lines, CSV): {urls.datasets_page()}",
    ]
    if not static:
        lines.append(f"# OAI-PMH (oai_dc, edm, lido): {base}/oai")
    lines += [
        f"# IIIF collection: {urls.collection()}",
        f"# IIIF Change Discovery: {urls.discovery()}",
    ]
    return "\n".join(lines) + "\n"
