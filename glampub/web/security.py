"""HTTP hardening in one place: security headers, caching of private answers, proxies.

What a request must pass before a view runs (its size, NUL characters, who
may upload) is checked in :mod:`glampub.web.edge`.

Every answer gets a Content Security Policy that allows scripts, styles,
images and fetches from this site only (an object page whose viewer zooms
into a museum's own IIIF Image API service also allows that service's origin
for images and fetches, and nothing else of it): no inline script (the pages use
``static/glampub.js`` and the viewer's own file; JSON-LD blocks are data, not
script, and are never executed), no inline style attributes (the templates
have none; OpenSeadragon styles its elements through the DOM, which a policy
does not restrict, and adds one fixed ``<style>`` element, allowed by its
hash and nothing else), no plugins, no framing by other sites. HSTS is sent only
on HTTPS requests: on plain HTTP a browser ignores it, and sending it from a
development machine would pin ``localhost`` to HTTPS.

Behind a reverse proxy the request only looks like HTTPS when the proxy's
``X-Forwarded-Proto`` is believed; ``PROXIES`` (``GLAMPUB_PROXIES``) says how
many proxies to believe, so nobody can claim HTTPS (or another host) by
sending the header straight to the app.
"""

from __future__ import annotations

import base64
import hashlib

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

#: The one style element OpenSeadragon (the pinned version in
#: glampub.web.vendor) adds to the page: it hides the focus ring on touch
#: screens. Allowed by its hash, so no other inline style is.
VIEWER_INLINE_STYLE = (
    "@media (hover: none) {    .openseadragon-canvas:focus {        outline: none !important;    }}"
)


def style_hash(text: str) -> str:
    """The CSP source expression that allows exactly one inline style text."""
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def content_security_policy(image_origins: tuple[str, ...] = ()) -> str:
    """The policy; ``image_origins`` are museums' IIIF Image API services that an
    object page's viewer reads (info.json by fetch, tiles as images), already
    reduced to plain ``scheme://host[:port]`` by glampub.publishing.viewer_sources."""
    extra = "".join(f" {origin}" for origin in image_origins)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src 'self' {style_hash(VIEWER_INLINE_STYLE)}",
            # data: for the tiny images the viewer draws its controls with.
            f"img-src 'self' data:{extra}",
            f"connect-src 'self'{extra}",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()

#: For documents that are data, not pages (an object's source record): a
#: browser that renders one (XML may hold XHTML script elements) gets a
#: sandbox with nothing allowed to load or run.
DATA_DOCUMENT_POLICY = "sandbox; default-src 'none'"

#: A year, the value HSTS preload lists ask for.
HSTS = "max-age=31536000; includeSubDomains"

#: Blueprints whose answers are for one signed-in account (or token): never
#: kept by a browser's or a proxy's cache, where the next user of the
#: computer, or another client of the proxy, could be shown them.
PRIVATE_BLUEPRINTS = frozenset({"staff", "api"})


def init_security(app: Flask) -> None:
    """Install the proxy fix and the headers (request limits: glampub.web.edge)."""
    proxies = int(app.config.get("PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    @app.after_request
    def security_headers(response: Response) -> Response:
        if request.blueprint in PRIVATE_BLUEPRINTS:
            response.headers["Cache-Control"] = "no-store"
        return add_security_headers(response, secure=request.is_secure)


def header_pairs(*, secure: bool) -> list[tuple[str, str]]:
    """The headers every answer carries; also sent by the fast path in front of Flask."""
    pairs = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        # For browsers that predate frame-ancestors.
        ("X-Frame-Options", "SAMEORIGIN"),
    ]
    if secure:
        pairs.append(("Strict-Transport-Security", HSTS))
    return pairs


def add_security_headers(response: Response, *, secure: bool) -> Response:
    """Set :func:`header_pairs` on a response, where a view left them unset."""
    for name, value in header_pairs(secure=secure):
        response.headers.setdefault(name, value)
    return response
