"""Remote Image API services read from info.json (API 2 and 3) and from the canvases
of Presentation 2 and 3 manifests; the thumbnail glampub asks each for."""

from __future__ import annotations

from dataclasses import replace

from glampub.images.remote_iiif import RemoteService, manifest_services, service_from_info

S = "https://images.museum.example/iiif"


def test_an_image_api_2_and_3_info_json() -> None:
    v2 = service_from_info(
        {
            "@context": "http://iiif.io/api/image/2/context.json",
            "@id": f"{S}/2/a/",
            "profile": ["http://iiif.io/api/image/2/level0.json", {"formats": ["jpg"]}],
            "width": 3000,
            "height": 2000,
            "sizes": [{"width": 150, "height": 100}, {"width": 600, "height": 400}],
        }
    )
    assert v2 == RemoteService(
        f"{S}/2/a",
        "ImageService2",
        "http://iiif.io/api/image/2/level0.json",
        3000,
        2000,
        ((150, 100), (600, 400)),
    )
    # Level 0 renders only the sizes it lists: the largest within 400 px.
    assert v2.thumbnail_url() == f"{S}/2/a/full/150,/0/default.jpg"
    v3 = service_from_info(
        {"id": f"{S}/3/b", "type": "ImageService3", "profile": "level1", "width": 10, "height": 5}
    )
    assert v3 is not None and v3.thumbnail_url() == f"{S}/3/b/full/!400,400/0/default.jpg"
    assert RemoteService.from_json(v3.to_json()) == v3
    # Level 0 listing no sizes promises only its full size: "max" in 3, "full" in 2.
    bare3 = RemoteService(f"{S}/3/d", "ImageService3", "level0", 900, 600)
    assert bare3.full_size_only and bare3.thumbnail_url() == f"{S}/3/d/full/max/0/default.jpg"
    bare2 = replace(bare3, type="ImageService2", profile="http://iiif.io/api/image/2/level0.json")
    assert bare2.thumbnail_url() == f"{S}/3/d/full/full/0/default.jpg"
    assert not v2.full_size_only and not v3.full_size_only
    assert service_from_info({"id": f"{S}/3/c", "type": "ImageService3", "width": 10}) is None
    assert service_from_info({"id": "file:///etc/x", "width": 1, "height": 1}) is None


def test_the_services_a_presentation_2_manifest_paints() -> None:
    manifest = {
        "@type": "sc:Manifest",
        "sequences": [
            {
                "canvases": [
                    {
                        "width": 800,
                        "height": 600,
                        "images": [
                            {
                                "resource": {
                                    "@id": f"{S}/2/p1/full/full/0/default.jpg",
                                    "service": {
                                        "@id": f"{S}/2/p1",
                                        "profile": "http://iiif.io/api/image/2/level2.json",
                                    },
                                }
                            }
                        ],
                    },
                    {"width": 1, "height": 1, "images": [{"resource": {"@id": "x.jpg"}}]},
                ]
            }
        ],
    }
    assert manifest_services(manifest) == (
        RemoteService(
            f"{S}/2/p1", "ImageService2", "http://iiif.io/api/image/2/level2.json", 800, 600
        ),
    )
