"""Which origins an object page's policy may add for a museum's IIIF service:
only a plain scheme://host[:port], never anything that would widen or break
the Content Security Policy, and no plain HTTP on a page served over HTTPS."""

from __future__ import annotations

import pytest

from glampub.publishing.viewer_sources import service_origin
from glampub.web.security import content_security_policy


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://images.museum.example/iiif/3/a", "https://images.museum.example"),
        ("https://Images.Museum.Example:8443/iiif/a", "https://images.museum.example:8443"),
        ("http://127.0.0.1:8182/iiif/2/b", "http://127.0.0.1:8182"),
        ("https://[2001:db8::1]/iiif/a", "https://[2001:db8::1]"),
    ],
)
def test_a_plain_origin_is_kept(url: str, origin: str) -> None:
    assert service_origin(url, secure_page=False) == origin


@pytest.mark.parametrize(
    "url",
    [
        "https://images.museum.example;script-src */iiif/a",
        "https://images.museum.example%20'unsafe-inline'/iiif",
        "https://user:secret@images.museum.example/iiif/a",
        "javascript:alert(1)",
        "data:image/jpeg;base64,AAAA",
        "ftp://images.museum.example/iiif/a",
        "https://images.museum.example:99999/iiif/a",
        "https:///iiif/a",
        "https://*.museum.example/iiif/a",
    ],
)
def test_anything_a_policy_could_not_hold_safely_is_refused(url: str) -> None:
    assert service_origin(url, secure_page=False) is None


def test_a_page_served_over_https_uses_no_plain_http_service() -> None:
    assert service_origin("http://images.museum.example/iiif/a", secure_page=True) is None
    assert service_origin("https://images.museum.example/iiif/a", secure_page=True) == (
        "https://images.museum.example"
    )


def test_the_origins_are_added_to_images_and_fetches_only() -> None:
    policy = content_security_policy(("https://a.example", "http://b.example:81"))
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives["img-src"] == "'self' data: https://a.example http://b.example:81"
    assert directives["connect-src"] == "'self' https://a.example http://b.example:81"
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
