"""What an object page shows besides its fields: the credit in four forms,
schema.org JSON-LD, Open Graph, and the IIIF Content State for other viewers."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from glampub.credit import (
    first_value,
    reference_html,
    reference_markdown,
    reference_text,
    reference_wikitext,
)
from glampub.iiif.records import ObjectInfo
from glampub.iiif.urls import IiifUrls
from glampub.languages import DEFAULT_LANGUAGE, translations
from importers.attribution import is_maker, makers, qualified_name

#: Viewers elsewhere that open a Content State given as ``?iiif-content=``.
OTHER_VIEWERS = (
    ("Mirador", "https://projectmirador.org/embed/"),
    ("Clover", "https://samvera-labs.github.io/clover-iiif/docs/viewer/demo"),
)


@dataclass(frozen=True)
class PageExtras:
    references: dict[str, str]
    json_ld: str
    open_graph: list[tuple[str, str]]
    other_viewers: list[tuple[str, str]]
    #: The creators the page names as makers, and everyone else with a role.
    makers: list[dict[str, Any]] = field(default_factory=list)
    other_people: list[dict[str, Any]] = field(default_factory=list)


def content_state(manifest_url: str) -> str:
    """IIIF Content State 1.0: the annotation, URI-component encoded, then
    base64url without padding (so any URL carries it unchanged)."""
    annotation = {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "type": "Annotation",
        "motivation": ["contentState"],
        "target": {"id": manifest_url, "type": "Manifest"},
    }
    text = json.dumps(annotation, separators=(",", ":"))
    uri_encoded = quote(text, safe="-_.!~*'()")  # as JavaScript's encodeURIComponent
    return base64.urlsafe_b64encode(uri_encoded.encode()).decode().rstrip("=")


def references(
    info: ObjectInfo, page_url: str, template: str | None, language: str = DEFAULT_LANGUAGE
) -> dict[str, str]:
    """The credit in each form people paste, under the form's name, in ``language``."""
    return {
        translations(language).gettext("Plain text"): reference_text(
            info, page_url, template, language
        ),
        "HTML": reference_html(info, page_url, template, language),
        "Markdown": reference_markdown(info, page_url, template, language),
        "Wikitext": reference_wikitext(info, page_url, template, language),
    }


def _json_ld(info: ObjectInfo, page_url: str, image_url: str | None, credit: str) -> str:
    rights = info.rights
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ImageObject" if image_url else "CreativeWork",
        "name": first_value(info.title) or info.identifier,
        "url": page_url,
        "identifier": info.identifier,
        "creditText": credit,
        "provider": {"@type": "Organization", "name": info.institution.name},
    }
    if info.institution.homepage:
        data["provider"]["url"] = info.institution.homepage
    creators = [qualified_name(c) for c in makers(info.creators)]
    if creators:
        data["creator"] = [{"@type": "Person", "name": name} for name in creators]
    if info.date_display:
        data["dateCreated"] = info.date_display
    if image_url:
        data["contentUrl"] = image_url
    if rights.uri:
        data["license"] = rights.licence_page or rights.uri
    if info.rights_holder and not rights.public_domain:
        # The holder the source names (never for the public domain, where no one holds rights).
        data["copyrightHolder"] = {"name": info.rights_holder}
    if not rights.public_domain:
        # Only where someone holds rights: no notice claims the public domain.
        holder = info.rights_holder or info.institution.name
        data["copyrightNotice"] = f"© {holder}"
        data["acquireLicensePage"] = (
            rights.licence_page if rights.uri and rights.reuse != "permission" else page_url
        )
    # Inside <script>, "</script" ends the element and "<!--" changes how the
    # rest is parsed: no "<" (nor ">" and "&") is left as such. JSON reads the
    # \u escapes as the same characters.
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_extras(
    info: ObjectInfo,
    urls: IiifUrls,
    manifest_url: str | None,
    template: str | None,
    description: str,
    language: str = DEFAULT_LANGUAGE,
) -> PageExtras:
    page_url = urls.object_page(info.institution.slug, info.identifier)
    first = info.images[0] if info.images else None
    image_url = urls.image(first.image_id) if first else None
    refs = references(info, page_url, template, language)
    title = first_value(info.title) or info.identifier
    og = [
        ("og:type", "website"),
        ("og:title", title),
        ("og:url", page_url),
        ("og:site_name", info.institution.name),
    ]
    if description:
        og.append(("og:description", description[:300]))
    if first:
        og.append(("og:image", urls.image(first.image_id, size="!1200,1200")))
        og.append(("og:image:alt", title))
    viewers = []
    if manifest_url:
        state = content_state(manifest_url)
        viewers = [(name, f"{base}?iiif-content={state}") for name, base in OTHER_VIEWERS]
    json_ld = _json_ld(info, page_url, image_url, next(iter(refs.values())))
    people = [dict(c) for c in info.creators if c.get("name")]
    found = [c for c in people if is_maker(c)]
    others = [c for c in people if not is_maker(c)]
    return PageExtras(refs, json_ld, og, viewers, found, others)
