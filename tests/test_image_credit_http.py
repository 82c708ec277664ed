"""A file downloaded from the Image API carries its credit, as exiftool reads it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

PDM = "http://creativecommons.org/publicdomain/mark/1.0/"
BY = "http://creativecommons.org/licenses/by/4.0/"


def _first_image(client, path: str) -> tuple[str, str]:
    manifest = client.get(path).get_json()
    body = manifest["items"][0]["items"][0]["items"][0]["body"]
    return body["id"].removeprefix("http://glampub.test"), manifest["homepage"][0]["id"]


def _exif(tmp_path: Path, data: bytes, name: str) -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    result = subprocess.run(
        ["exiftool", "-j", "-struct", str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)[0]


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed")
@pytest.mark.parametrize("fmt", ["jpg", "png", "webp"])
def test_a_public_domain_download_asks_for_a_reference_without_claiming_rights(
    demo_client, tmp_path, fmt
) -> None:
    url, page = _first_image(demo_client, "/iiif/3/kestrel-museum/1923.5/manifest")
    with demo_client.get(url.replace("/full/max/", "/full/300,/").replace(".jpg", f".{fmt}")) as r:
        assert r.status_code == 200
        assert f'<{PDM}>;rel="license"' in r.headers["Link"]
        tags = _exif(tmp_path, r.data, f"download.{fmt}")
    assert tags["License"] == PDM
    assert tags["Marked"] is False  # no rights are claimed over the public domain
    assert tags["UseGuidelines"] == page  # where the reference request lives
    assert "Kestrel Museum of Art" in tags["AttributionName"]
    assert tags["WebStatement"] == page
    assert tags["Title"]


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed")
def test_a_licensed_download_names_the_creator_and_the_licence(demo_client, tmp_path) -> None:
    url, _page = _first_image(demo_client, "/iiif/3/kestrel-museum/2019.3/manifest")
    with demo_client.get(url) as response:
        tags = _exif(tmp_path, response.data, "by.jpg")
    assert tags["License"] == BY
    assert tags["Marked"] is True
    assert "UseGuidelines" not in tags
    assert "Achterberg" in str(tags["Creator"])


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed")
@pytest.mark.parametrize("identifier", ["1923.5", "2020.11"], ids=["jpeg", "png"])
def test_a_downloaded_original_shows_the_credit_in_exiftool(
    demo_client, tmp_path, identifier
) -> None:
    manifest = demo_client.get(f"/iiif/3/kestrel-museum/{identifier}/manifest").get_json()
    download = manifest["items"][0]["rendering"][0]["id"].removeprefix("http://glampub.test")
    with demo_client.get(download) as response:
        assert response.status_code == 200
        tags = _exif(tmp_path, response.data, download.rsplit("/", 1)[1])
    page = manifest["homepage"][0]["id"]
    assert tags["WebStatement"] == page
    assert tags["License"] == manifest["rights"]
    assert tags["Title"] and tags["AttributionName"]
    assert tags["Marked"] is (manifest["rights"] != PDM)
    if manifest["rights"] == PDM:
        assert tags["UseGuidelines"] == page
