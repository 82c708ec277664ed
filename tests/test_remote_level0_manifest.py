"""A manifest whose canvases paint level 0 Image API services that it describes
without their sizes (most manifests name only id, type and profile): a level 0
service renders only the sizes its info.json lists, or its full size when it
lists none, so glampub reads that info.json and asks for one of those for its
thumbnail, never ``!400,400`` (which a static level 0 server answers 404)."""

from __future__ import annotations

import json

from glampub.cli import main
from tests.image_server import image_server, jpeg_bytes


def test_a_manifests_level0_service_is_thumbnailed_at_a_size_it_lists(runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server, report = _import_level0_manifest(
        runner, tmp_path, [{"width": 400, "height": 300}, {"width": 1600, "height": 1200}]
    )
    assert report["problems"] == []
    assert "/iiif3/page/info.json" in server.requests
    assert "/iiif3/page/full/400,300/0/default.jpg" in server.requests
    assert "/iiif3/page/full/!400,400/0/default.jpg" not in server.requests
    assert "/iiif3/page/full/max/0/default.jpg" not in server.requests


def test_a_level0_service_listing_no_sizes_is_thumbnailed_from_its_full_size(
    runner, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    server, report = _import_level0_manifest(runner, tmp_path, None)
    assert report["problems"] == []
    assert "/iiif3/page/info.json" in server.requests
    # Image API 3 level 0 promises only "max" when it lists no sizes.
    assert "/iiif3/page/full/max/0/default.jpg" in server.requests
    assert "/iiif3/page/full/!400,400/0/default.jpg" not in server.requests


def _import_level0_manifest(runner, tmp_path, sizes):  # type: ignore[no-untyped-def]
    """Import a CSV naming a manifest with one level 0 service; the server and report."""
    with image_server() as server:
        service = server.url("/iiif3/page")
        info = {
            "@context": "http://iiif.io/api/image/3/context.json",
            "id": service,
            "type": "ImageService3",
            "protocol": "http://iiif.io/api/image",
            "profile": "level0",
            "width": 1600,
            "height": 1200,
        }
        if sizes is not None:
            info["sizes"] = sizes
        server.answers["/iiif3/page/info.json"] = (
            200,
            "application/json",
            json.dumps(info).encode(),
        )
        # A static level 0 server: files for the listed sizes and the full size only.
        for size in ("400,300", "1600,1200", "max"):
            width, height = (400, 300) if size == "400,300" else (1600, 1200)
            server.answers[f"/iiif3/page/full/{size}/0/default.jpg"] = (
                200,
                "image/jpeg",
                jpeg_bytes(width, height),
            )
        canvas = server.url("/m/canvas/1")
        manifest = {
            "@context": "http://iiif.io/api/presentation/3/context.json",
            "id": server.url("/m.json"),
            "type": "Manifest",
            "label": {"en": ["A sketchbook"]},
            "items": [
                {
                    "id": canvas,
                    "type": "Canvas",
                    "width": 1600,
                    "height": 1200,
                    "items": [
                        {
                            "id": f"{canvas}/page",
                            "type": "AnnotationPage",
                            "items": [
                                {
                                    "id": f"{canvas}/painting",
                                    "type": "Annotation",
                                    "motivation": "painting",
                                    "target": canvas,
                                    "body": {
                                        "id": f"{service}/full/max/0/default.jpg",
                                        "type": "Image",
                                        "format": "image/jpeg",
                                        "service": [
                                            {
                                                "id": service,
                                                "type": "ImageService3",
                                                "profile": "level0",
                                            }
                                        ],
                                    },
                                }
                            ],
                        }
                    ],
                }
            ],
        }
        server.answers["/m.json"] = (200, "application/ld+json", json.dumps(manifest).encode())
        export = tmp_path / "book.csv"
        export.write_text(
            f"identifier,title,rights,images\nbook,A sketchbook,CC0,{server.url('/m.json')}\n",
            "utf-8",
        )
        runner.invoke(main, ["institution", "add", "tm", "--name", "T"])
        done = runner.invoke(
            main, ["import", str(export), "--institution", "tm", "--fetch-images", "--json"]
        )
    assert done.exit_code == 0, done.output
    return server, json.loads(done.stdout)
