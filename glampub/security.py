"""HTTP hardening in one place: security headers, request size limits, proxies.

Every answer gets a Content Security Policy that allows scripts, styles,
images and fetches from this site only: no inline script (the pages use
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
#: glampub.services.vendor) adds to the page: it hides the focus ring on touch
#: screens. Allowed by its hash, so no other inline style is.
VIEWER_INLINE_STYLE = (
    "@media (hover: none) {    .openseadragon-canvas:focus {        outline: none !important;    }}"
)


def style_hash(text: str) -> str:
    """The CSP source expression that allows exactly one inline style text."""
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        f"style-src 'self' {style_hash(VIEWER_INLINE_STYLE)}",
        # data: for the tiny images the viewer draws its controls with.
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)

#: For documents that are data, not pages (an object's source record): a
#: browser that renders one (XML may hold XHTML script elements) gets a
#: sandbox with nothing allowed to load or run.
DATA_DOCUMENT_POLICY = "sandbox; default-src 'none'"

#: A year, the value HSTS preload lists ask for.
HSTS = "max-age=31536000; includeSubDomains"

#: Endpoints that accept a whole export (with its images): they get the full
#: ``MAX_CONTENT_LENGTH``; every other request gets ``MAX_REQUEST_BYTES``.
UPLOAD_ENDPOINTS = frozenset({"staff.upload", "api.create_upload"})


def init_security(app: Flask) -> None:
    """Install the proxy fix, the per-request size limit and the headers."""
    proxies = int(app.config.get("PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    def limit_request_size() -> None:
        # A login form or a JSON body cannot be gigabytes just because an
        # export upload may be.
        if request.endpoint not in UPLOAD_ENDPOINTS:
            request.max_content_length = app.config["MAX_REQUEST_BYTES"]

    # First of all hooks: CSRF protection reads the form in its own hook.
    app.before_request_funcs.setdefault(None, []).insert(0, limit_request_size)

    @app.after_request
    def security_headers(response: Response) -> Response:
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
