"""Image references classified by their text (the network tells the rest: see
tests/test_remote_images.py), and answers by their bytes, never their names."""

from __future__ import annotations

import pytest

from glampub.images.reference_class import (
    ReferenceClass,
    classify_reference,
    describe_other,
    iiif_kind,
    image_type,
    service_base,
)

M = "https://images.museum.example"


@pytest.mark.parametrize(
    ("reference", "hint", "kind"),
    [
        ("IMG_0042.JPG", None, ReferenceClass.FILE),
        ("images/a b.tif", None, ReferenceClass.FILE),
        (f"{M}/iiif/3/abc/info.json", None, ReferenceClass.IIIF_IMAGE),
        (f"{M}/iiif/2/abc/full/full/0/default.jpg", None, ReferenceClass.IIIF_IMAGE),
        (f"{M}/iiif/3/abc/full/max/0/default.jpg", None, ReferenceClass.IIIF_IMAGE),
        (f"{M}/iiif/abc/0,0,512,512/!256,256/90/gray.png", None, ReferenceClass.IIIF_IMAGE),
        (f"{M}/iiif/abc/pct:10,10,50,50/pct:50/!0/color.webp", None, ReferenceClass.IIIF_IMAGE),
        (f"{M}/iiif/abc/square/^max/0/bitonal.jpg", None, ReferenceClass.IIIF_IMAGE),
        (f"{M}/iiif/abc", "http://iiif.io/api/image/3/level1", ReferenceClass.IIIF_IMAGE),
        (f"{M}/m/1", 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"',
         ReferenceClass.IIIF_MANIFEST),
        (f"{M}/m/1", "IIIF Manifest", ReferenceClass.IIIF_MANIFEST),
        # Not by the extension: a .jpg may be an HTML page, a bare URL an image.
        (f"{M}/photo.jpg", "image/jpeg", ReferenceClass.URL),
        (f"{M}/default.jpg", None, ReferenceClass.URL),
        (f"{M}/object?id=7", None, ReferenceClass.URL),
    ],
)  # fmt: skip
def test_what_a_reference_says_by_its_text(reference, hint, kind) -> None:
    assert classify_reference(reference, hint) is kind


def test_the_service_of_an_info_json_or_a_request_url() -> None:
    assert service_base(f"{M}/iiif/3/abc/info.json") == f"{M}/iiif/3/abc"
    assert service_base(f"{M}/iiif/2/abc/full/full/0/default.jpg?x=1") == f"{M}/iiif/2/abc"
    assert service_base(f"{M}/iiif/3/abc/") == f"{M}/iiif/3/abc"


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"II*\x00\x08\x00", "image/tiff"),
        (b"MM\x00*\x00\x00", "image/tiff"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "image/jp2"),
        (b"\xffO\xffQ\x00", "image/jp2"),
        (b"<!DOCTYPE html><html>", None),
        (b"%PDF-1.7", None),
    ],
)
def test_an_answer_is_an_image_by_its_magic_bytes(head, kind) -> None:
    assert image_type(head) == kind


def test_what_a_json_answer_is() -> None:
    assert iiif_kind({"type": "ImageService3", "id": "x"}) is ReferenceClass.IIIF_IMAGE
    v2 = {"@context": "http://iiif.io/api/image/2/context.json", "@id": "x"}
    assert iiif_kind(v2) is ReferenceClass.IIIF_IMAGE
    assert iiif_kind({"type": "Manifest"}) is ReferenceClass.IIIF_MANIFEST
    assert iiif_kind({"@type": "sc:Manifest"}) is ReferenceClass.IIIF_MANIFEST
    assert iiif_kind({"type": "Collection"}) is None
    assert describe_other("text/html", b"<html>") == "an HTML page"
    assert describe_other("application/octet-stream", b"%PDF-1.4") == "a PDF document"
