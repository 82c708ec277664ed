"""A LIDO profile written in the staff pages is checked when saved and used
for an upload, over HTTP; without it, the placeholder file fails with advice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.staff_helpers import (
    csrf_token,
    form_action,
    login,
    make_staff,
    post_multipart,
    wait_for_upload,
)

STAFF = "registrar@kestrel.example"
PLACEHOLDERS = Path(__file__).parent / "data" / "lido-identity" / "placeholder-record-ids.xml"
PROFILE = Path(__file__).parent / "data" / "profiles" / "lido-inventory-numbers.toml"


@pytest.fixture
def client(app):
    make_staff(app, "kestrel-museum", STAFF)
    client = app.test_client()
    login(client, STAFF)
    return client


def _save(client, toml: str):  # type: ignore[no-untyped-def]
    page = client.get("/staff/kestrel-museum/profiles/edit").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "name": "museu", "toml": toml}
    return client.post("/staff/kestrel-museum/profiles/edit", data=data)


def _upload(client, profile: str) -> int:
    page = client.get("/staff/kestrel-museum/upload").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "format": "auto", "profile": profile}
    with PLACEHOLDERS.open("rb") as handle:
        data["export"] = (handle, PLACEHOLDERS.name)
        response = post_multipart(client, form_action(page), data)
    match = re.search(r"/uploads/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def test_a_lido_profile_is_checked_when_saved_and_used_for_an_upload(app, client) -> None:
    bad = _save(client, 'identifier = "inventoryNumber"\n')
    assert bad.status_code == 400
    assert "is not one of lidoRecID" in bad.get_data(as_text=True)
    assert _save(client, PROFILE.read_text("utf-8")).status_code == 302
    page = client.get("/staff/kestrel-museum/upload").get_data(as_text=True)
    choice = re.search(r'<option value="(profile:\d+)">[^<]*museu</option>', page)
    assert choice, page

    refused = wait_for_upload(app, _upload(client, ""))
    assert refused.status == "failed"
    assert "recordID is unique in all of them" in refused.message
    shown = client.get(f"/staff/kestrel-museum/uploads/{refused.id}").get_data(as_text=True)
    assert "choose a LIDO profile with identifier = &#34;recordID&#34;" in shown

    upload = wait_for_upload(app, _upload(client, choice.group(1)))
    assert upload.status != "failed", upload.message
    html = client.get(f"/staff/kestrel-museum/uploads/{upload.id}").get_data(as_text=True)
    assert '<tr><th scope="row">New</th><td>4</td></tr>' in html
