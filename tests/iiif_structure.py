"""What IIIF Presentation 3.0 requires of the documents glampub publishes,
checked without the JSON schema.

The suite validates every manifest and collection against the IIIF schema in
../shared/iiif/ where that folder is present. A fresh clone has no such folder,
so these checks, written from the specification's text, run everywhere; where
the schema is present both run. Beyond what the schema checks, they also hold
painting annotations to the canvas they are on, and HTML values to a single
element of the tags the specification lets clients keep.

``problems(document)`` returns one line per violation, each starting with the
JSON path of the offending value; an empty list means the document passed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

CONTEXT = "http://iiif.io/api/presentation/3/context.json"
CONTENT_TYPES = {"Dataset", "Image", "Model", "Sound", "Text", "Video"}
BEHAVIORS = {
    "auto-advance", "no-auto-advance", "repeat", "no-repeat", "unordered", "individuals",
    "continuous", "paged", "facing-pages", "non-paged", "multi-part", "together",
    "sequence", "thumbnail-nav", "no-nav", "hidden",
}  # fmt: skip
VIEWING_DIRECTIONS = {"left-to-right", "right-to-left", "top-to-bottom", "bottom-to-top"}
IMAGE_SERVICE_PROFILES = {"level0", "level1", "level2"}
# Rights: Creative Commons licences and public-domain tools, RightsStatements.org
# statements, each in the http:// form with its trailing slash (the schema's
# patterns accept only http://; the canonical forms end in a slash).
RIGHTS = re.compile(
    r"http://creativecommons\.org/licenses/(?:by|sa|nc|nd)(?:-(?:sa|nc|nd))*/\d\.\d/(?:[a-z]+/)?"
    r"|http://creativecommons\.org/publicdomain/(?:zero|mark)/1\.0/"
    r"|http://rightsstatements\.org/vocab/"
    r"(?:InC|InC-OW-EU|InC-EDU|InC-NC|InC-RUU|NoC-CR|NoC-NC|NoC-OKLR|NoC-US|CNE|UND|NKC)/1\.0/"
)
LANGUAGE = re.compile(r"none|[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
# An RFC 3986 URI has only these characters; anything else must be percent-encoded.
URI_CHARACTERS = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+")
MEDIA_TYPE = re.compile(r"[a-z]+/[A-Za-z0-9][A-Za-z0-9.+\-]*(?:\s*;.*)?")
NAV_DATE = re.compile(r"-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
# The tags clients keep in HTML values (section 4.4); everything else is removed
# or, for script-like content, must never be published.
HTML_TAGS = {"a", "b", "br", "i", "img", "p", "small", "span", "sub", "sup"}
HTML_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}}


def problems(document: Mapping[str, Any]) -> list[str]:
    """Every way ``document`` (a top-level Manifest or Collection) breaks the specification."""
    checker = _Checker()
    checker.top(document)
    return checker.found


def rights_problem(value: object) -> str | None:
    """Why ``value`` cannot be a ``rights`` value, or None when it can."""
    if not isinstance(value, str) or not RIGHTS.fullmatch(value):
        return (
            f"rights {value!r} is not a Creative Commons or RightsStatements.org URI "
            "in its http:// form with the trailing slash"
        )
    return None


def is_http_uri(value: object) -> bool:
    if not isinstance(value, str) or not URI_CHARACTERS.fullmatch(value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


class _Checker:
    def __init__(self) -> None:
        self.found: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.found.append(f"{path}: {message}")

    # -- the resources ---------------------------------------------------------------

    def top(self, document: Mapping[str, Any]) -> None:
        if not isinstance(document, Mapping):
            self.fail("$", "a IIIF document is a JSON object")
            return
        context = document.get("@context")
        contexts = context if isinstance(context, list) else [context]
        if not contexts or contexts[-1] != CONTEXT:
            self.fail("$/@context", f"must be {CONTEXT!r} (or a list ending with it)")
        kind = document.get("type")
        if kind == "Manifest":
            self.manifest(document, "$")
        elif kind == "Collection":
            self.collection(document, "$")
        else:
            self.fail("$/type", f"{kind!r} is not a Manifest or Collection")

    def manifest(self, node: Mapping[str, Any], path: str) -> None:
        self.identity(node, path, "Manifest")
        self.descriptive(node, path, label_required=True)
        self.behaviour(node, path)
        canvases = self.list_of(node, "items", path, required=True, non_empty=True)
        for index, canvas in enumerate(canvases):
            self.canvas(canvas, f"{path}/items/{index}")
        for index, page in enumerate(self.list_of(node, "annotations", path)):
            self.annotation_page(page, f"{path}/annotations/{index}", canvas_id=None)
        for index, service in enumerate(self.list_of(node, "services", path)):
            self.service(service, f"{path}/services/{index}")
        if "start" in node:
            self.reference(node["start"], f"{path}/start", {"Canvas", "SpecificResource"})
        for index, item in enumerate(self.list_of(node, "structures", path)):
            self.identity(item, f"{path}/structures/{index}", "Range")

    def collection(self, node: Mapping[str, Any], path: str) -> None:
        self.identity(node, path, "Collection")
        self.descriptive(node, path, label_required=True)
        self.behaviour(node, path)
        for index, item in enumerate(self.list_of(node, "items", path, required=True)):
            item_path = f"{path}/items/{index}"
            kind = item.get("type") if isinstance(item, Mapping) else None
            if kind not in ("Collection", "Manifest"):
                self.fail(
                    f"{item_path}/type", f"{kind!r}: a Collection lists Collections or Manifests"
                )
                continue
            if "items" in item:  # embedded in full
                (self.collection if kind == "Collection" else self.manifest)(item, item_path)
            else:  # a reference: id, type and label are all required
                self.identity(item, item_path, kind)
                self.language_map(item.get("label"), f"{item_path}/label", required=True)
                self.content_list(item, "thumbnail", item_path)
        for index, service in enumerate(self.list_of(node, "services", path)):
            self.service(service, f"{path}/services/{index}")

    def canvas(self, node: object, path: str) -> None:
        if not self.identity(node, path, "Canvas"):
            return
        assert isinstance(node, Mapping)
        self.descriptive(node, path, label_required=False)
        self.behaviour(node, path)
        has_size = "height" in node or "width" in node
        if has_size:
            for key in ("height", "width"):
                self.positive_integer(node, key, path, required=True)
        if "duration" in node:
            value = node["duration"]
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                self.fail(f"{path}/duration", "must be a positive number")
        elif not has_size:
            self.fail(path, "a Canvas needs height and width, or a duration")
        for index, page in enumerate(self.list_of(node, "items", path)):
            self.annotation_page(page, f"{path}/items/{index}", canvas_id=node.get("id"))
        for index, page in enumerate(self.list_of(node, "annotations", path)):
            self.annotation_page(page, f"{path}/annotations/{index}", canvas_id=None)

    def annotation_page(self, node: object, path: str, canvas_id: str | None) -> None:
        if not self.identity(node, path, "AnnotationPage"):
            return
        assert isinstance(node, Mapping)
        for index, annotation in enumerate(self.list_of(node, "items", path)):
            self.annotation(annotation, f"{path}/items/{index}", canvas_id)

    def annotation(self, node: object, path: str, canvas_id: str | None) -> None:
        if not self.identity(node, path, "Annotation"):
            return
        assert isinstance(node, Mapping)
        motivation = node.get("motivation")
        motivations = motivation if isinstance(motivation, list) else [motivation]
        if not motivations or not all(isinstance(m, str) and m for m in motivations):
            self.fail(f"{path}/motivation", "must be a string (or a list of strings)")
        target = node.get("target")
        target_id = target.get("id") if isinstance(target, Mapping) else target
        if not is_http_uri(target_id):
            self.fail(f"{path}/target", f"{target_id!r} is not an HTTP(S) URI")
        elif canvas_id is not None and str(target_id).split("#")[0] != canvas_id:
            # Content painted on a canvas must be painted on that canvas.
            self.fail(f"{path}/target", f"{target_id!r} is not the canvas {canvas_id!r}")
        body = node.get("body")
        bodies = body if isinstance(body, list) else [] if body is None else [body]
        if "painting" in motivations and not bodies:
            self.fail(f"{path}/body", "a painting annotation needs a body")
        for index, item in enumerate(bodies):
            item_path = f"{path}/body" + (f"/{index}" if isinstance(body, list) else "")
            if isinstance(item, Mapping) and item.get("type") == "Choice":
                for number, choice in enumerate(self.list_of(item, "items", item_path, True)):
                    self.content(choice, f"{item_path}/items/{number}")
            elif isinstance(item, Mapping) and item.get("type") == "TextualBody":
                if not isinstance(item.get("value"), str):
                    self.fail(f"{item_path}/value", "a TextualBody has a string value")
            else:
                self.content(item, item_path)

    def content(self, node: object, path: str, label_required: bool = False) -> None:
        """A content resource: an image, a text, a dataset…"""
        if not isinstance(node, Mapping):
            self.fail(path, "must be a JSON object")
            return
        if node.get("type") not in CONTENT_TYPES:
            self.fail(f"{path}/type", f"{node.get('type')!r} is not one of {sorted(CONTENT_TYPES)}")
        self.identity(node, path, None)
        if "format" in node and not (
            isinstance(node["format"], str) and MEDIA_TYPE.fullmatch(node["format"])
        ):
            self.fail(f"{path}/format", f"{node['format']!r} is not a media type")
        for key in ("height", "width"):
            if key in node:
                self.positive_integer(node, key, path, required=True)
        if "label" in node or label_required:
            self.language_map(node.get("label"), f"{path}/label", required=True)
        if "profile" in node and not isinstance(node["profile"], str):
            self.fail(f"{path}/profile", "must be a string")
        if "language" in node and not (
            isinstance(node["language"], list)
            and all(isinstance(v, str) and LANGUAGE.fullmatch(v) for v in node["language"])
        ):
            self.fail(f"{path}/language", "must be a list of language tags")
        for index, service in enumerate(self.list_of(node, "service", path)):
            self.service(service, f"{path}/service/{index}")

    def service(self, node: object, path: str) -> None:
        if not isinstance(node, Mapping):
            self.fail(path, "a service is a JSON object")
            return
        # Version 2 services (still allowed) name themselves with @id and @type.
        key = "id" if "id" in node or "@id" not in node else "@id"
        kind = node.get("type", node.get("@type"))
        if not is_http_uri(node.get(key)):
            self.fail(f"{path}/{key}", f"{node.get(key)!r} is not an HTTP(S) URI")
        if not isinstance(kind, str) or not kind:
            self.fail(f"{path}/type", "a service names its type")
        if kind == "ImageService3" and node.get("profile") not in IMAGE_SERVICE_PROFILES:
            self.fail(f"{path}/profile", f"{node.get('profile')!r} is not level0, level1 or level2")
        for index, inner in enumerate(self.list_of(node, "service", path)):
            self.service(inner, f"{path}/service/{index}")

    def agent(self, node: object, path: str) -> None:
        if not self.identity(node, path, "Agent"):
            return
        assert isinstance(node, Mapping)
        self.language_map(node.get("label"), f"{path}/label", required=True)
        self.content_list(node, "homepage", path, label_required=True)
        self.content_list(node, "seeAlso", path)
        for index, logo in enumerate(self.list_of(node, "logo", path)):
            self.content(logo, f"{path}/logo/{index}")
            if isinstance(logo, Mapping) and logo.get("type") != "Image":
                self.fail(f"{path}/logo/{index}/type", "a logo is an Image")

    def reference(self, node: object, path: str, kinds: set[str]) -> None:
        kind = node.get("type") if isinstance(node, Mapping) else None
        if kind not in kinds:
            self.fail(f"{path}/type", f"{kind!r} is not one of {sorted(kinds)}")
        self.identity(node, path, None)
        if isinstance(node, Mapping) and "label" in node:
            self.language_map(node["label"], f"{path}/label", required=True)

    # -- the properties ------------------------------------------------------------

    def identity(self, node: object, path: str, kind: str | None) -> bool:
        """id and type: what every resource has. False when it is not even an object."""
        if not isinstance(node, Mapping):
            self.fail(path, "must be a JSON object")
            return False
        if not is_http_uri(node.get("id")):
            self.fail(f"{path}/id", f"{node.get('id')!r} is not an HTTP(S) URI")
        if kind is not None and node.get("type") != kind:
            self.fail(f"{path}/type", f"{node.get('type')!r}, expected {kind!r}")
        return True

    def descriptive(self, node: Mapping[str, Any], path: str, label_required: bool) -> None:
        self.language_map(node.get("label"), f"{path}/label", required=label_required)
        if "summary" in node:
            self.language_map(node["summary"], f"{path}/summary", required=True, html=True)
        for index, pair in enumerate(self.list_of(node, "metadata", path)):
            self.label_value(pair, f"{path}/metadata/{index}")
        if "requiredStatement" in node:
            self.label_value(node["requiredStatement"], f"{path}/requiredStatement")
        if "rights" in node and (problem := rights_problem(node["rights"])):
            self.fail(f"{path}/rights", problem)
        if "navDate" in node and not (
            isinstance(node["navDate"], str) and NAV_DATE.fullmatch(node["navDate"])
        ):
            self.fail(f"{path}/navDate", f"{node['navDate']!r} is not an xsd:dateTime with a zone")
        self.content_list(node, "thumbnail", path)
        self.content_list(node, "homepage", path, label_required=True)
        self.content_list(node, "rendering", path, label_required=True)
        self.content_list(node, "seeAlso", path)
        for index, part in enumerate(self.list_of(node, "partOf", path)):
            self.reference(part, f"{path}/partOf/{index}", {"Collection", "Manifest"})
        for index, agent in enumerate(self.list_of(node, "provider", path)):
            self.agent(agent, f"{path}/provider/{index}")

    def behaviour(self, node: Mapping[str, Any], path: str) -> None:
        for index, value in enumerate(self.list_of(node, "behavior", path)):
            if value not in BEHAVIORS:
                self.fail(f"{path}/behavior/{index}", f"{value!r} is not a IIIF behavior")
        if "viewingDirection" in node and node["viewingDirection"] not in VIEWING_DIRECTIONS:
            self.fail(f"{path}/viewingDirection", f"{node['viewingDirection']!r} is not allowed")

    def content_list(
        self, node: Mapping[str, Any], key: str, path: str, label_required: bool = False
    ) -> None:
        for index, item in enumerate(self.list_of(node, key, path)):
            self.content(item, f"{path}/{key}/{index}", label_required=label_required)

    def label_value(self, pair: object, path: str) -> None:
        if not isinstance(pair, Mapping) or set(pair) != {"label", "value"}:
            self.fail(path, "must be an object with exactly label and value")
            return
        self.language_map(pair["label"], f"{path}/label", required=True)
        self.language_map(pair["value"], f"{path}/value", required=True, html=True)

    def language_map(self, value: object, path: str, required: bool, html: bool = False) -> None:
        if value is None and not required:
            return
        if not isinstance(value, Mapping) or not value:
            self.fail(path, f"{value!r} is not a language map (a language and a list of strings)")
            return
        for language, strings in value.items():
            if not LANGUAGE.fullmatch(str(language)):
                self.fail(f"{path}/{language}", f"{language!r} is not a BCP 47 tag or 'none'")
            if not isinstance(strings, list) or not strings:
                self.fail(f"{path}/{language}", "must be a non-empty list of strings")
                continue
            for index, text in enumerate(strings):
                if not isinstance(text, str):
                    self.fail(f"{path}/{language}/{index}", f"{text!r} is not a string")
                elif html and text.startswith("<"):
                    for problem in html_problems(text):
                        self.fail(f"{path}/{language}/{index}", problem)

    def list_of(
        self,
        node: Mapping[str, Any],
        key: str,
        path: str,
        required: bool = False,
        non_empty: bool = False,
    ) -> list[Any]:
        if key not in node:
            if required:
                self.fail(f"{path}/{key}", "is required")
            return []
        value = node[key]
        if not isinstance(value, list):
            self.fail(f"{path}/{key}", "must be a list")
            return []
        if non_empty and not value:
            self.fail(f"{path}/{key}", "must list at least one item")
        return value

    def positive_integer(
        self, node: Mapping[str, Any], key: str, path: str, required: bool
    ) -> None:
        value = node.get(key)
        if value is None and not required:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.fail(f"{path}/{key}", f"{value!r} is not a positive integer")


def html_problems(text: str) -> list[str]:
    """Why an HTML value breaks section 4.4 (one element; no markup clients must drop)."""
    found: list[str] = []
    if not text.endswith(">"):
        found.append("an HTML value must be one element: it starts with '<' and ends with '>'")
    parser = _TagLister()
    parser.feed(text)
    parser.close()
    for tag, attributes in parser.tags:
        if tag not in HTML_TAGS:
            found.append(f"<{tag}> is not a tag IIIF clients keep")
            continue
        for name, value in attributes:
            if name not in HTML_ATTRIBUTES.get(tag, set()):
                found.append(f"<{tag} {name}=…> is not an attribute IIIF clients keep")
            elif not is_http_uri(value) and name in ("href", "src"):
                found.append(f"<{tag} {name}={value!r}> is not an HTTP(S) link")
    return found


class _TagLister(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
