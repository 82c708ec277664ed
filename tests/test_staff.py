"""The staff workflow over HTTP: sign-in, upload, dry-run preview, publish, and isolation."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image as PILImage
from sqlalchemy import func, select

from glampub.models import ChangeEvent, CollectionObject, ImportRun, RightsRule, Upload, User
from tests.staff_helpers import (
    KESTREL,
    OTHER,
    PASSWORD,
    STAFF,
    csrf_token,
    form_action,
    login,
    make_staff,
    make_two_institutions_staff,
    post_multipart,
    sample_zip,
    signed_in,
    wait_for_upload,
)

PDM = "http://creativecommons.org/publicdomain/mark/1.0/"


@pytest.fixture
def staff_app(app):
    return make_two_institutions_staff(app)


def _count(app, *where) -> int:
    with app.app_context():
        session = app.extensions["glampub.db"].session()
        return session.scalar(select(func.count(CollectionObject.id)).where(*where)) or 0


def _upload(client, path: Path, name: str | None = None, **fields) -> object:
    page = client.get("/staff/kestrel-museum/upload").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "format": "auto", "profile": "", **fields}
    with path.open("rb") as handle:
        data["export"] = (handle, name or path.name)
        return post_multipart(client, form_action(page), data)


def _upload_id(response) -> int:
    match = re.search(r"/staff/kestrel-museum/uploads/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def test_pages_need_a_sign_in(staff_app) -> None:
    response = staff_app.test_client().get("/staff/kestrel-museum/upload")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=")


def test_login_without_csrf_token_is_refused(staff_app) -> None:
    client = staff_app.test_client()
    response = client.post("/staff/login", data={"email": STAFF, "password": PASSWORD})
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.get_data(as_text=True)


def test_login_sets_a_http_only_same_site_cookie_and_passwords_are_hashed(staff_app) -> None:
    client = staff_app.test_client()
    response = login(client, STAFF)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with staff_app.app_context():
        user = (
            staff_app.extensions["glampub.db"]
            .session()
            .scalar(select(User).where(User.email == STAFF))
        )
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
        assert PASSWORD not in user.password_hash
    assert client.get("/staff/").headers["Location"] == "/staff/kestrel-museum/"


def test_session_cookie_is_secure_on_a_public_host(staff_app) -> None:
    client = staff_app.test_client()
    page = client.get("/staff/login", base_url="http://museum.example").get_data(as_text=True)
    response = client.post(
        "/staff/login",
        base_url="http://museum.example",
        data={"email": STAFF, "password": PASSWORD, "csrf_token": csrf_token(page)},
    )
    assert "; Secure" in response.headers["Set-Cookie"]


def test_a_wrong_password_is_refused_and_repeated_failures_are_slowed_down(staff_app) -> None:
    client = staff_app.test_client()
    response = login(client, STAFF, "not the password")
    assert response.status_code == 401
    assert "That e-mail and password do not match an account." in response.get_data(as_text=True)
    for _ in range(4):
        assert login(client, STAFF, "still wrong").status_code == 401
    blocked = login(client, STAFF)  # the right password, but too late
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins. Try again in 15 minutes." in blocked.get_data(as_text=True)
    # Another account from the same address is not blocked by this one's failures.
    assert login(client, OTHER).status_code == 302


def test_upload_preview_then_publish(staff_app, tmp_path: Path) -> None:
    client = signed_in(staff_app, STAFF)
    response = _upload(client, sample_zip(tmp_path))
    assert response.status_code == 302
    upload = wait_for_upload(staff_app, _upload_id(response))
    assert upload.status == "previewed", upload.message
    # The dry run published nothing.
    assert _count(staff_app) == 0
    # Stored under a generated name in the data folder, the temporary part removed.
    data_dir = Path(staff_app.config["DATA_DIR"])
    assert re.fullmatch(r"uploads/[0-9a-f]{32}/export\.csv", upload.export_path)
    assert re.fullmatch(r"uploads/[0-9a-f]{32}/upload\.zip", upload.images_path)
    assert (data_dir / upload.export_path).read_bytes() == (KESTREL / "objects.csv").read_bytes()
    assert list((data_dir / "uploads" / "incoming").iterdir()) == []

    progress = client.get(f"/staff/kestrel-museum/uploads/{upload.id}/progress").get_json()
    assert progress == {
        "status": "previewed",
        "finished": True,
        "percent": 100,
        "records": 22,
        "text": "22 records read",
    }
    html = client.get(f"/staff/kestrel-museum/uploads/{upload.id}").get_data(as_text=True)
    assert '<tr><th scope="row">New</th><td>22</td></tr>' in html
    assert '<tr><th scope="row">Rejected</th><td>0</td></tr>' in html
    assert (
        '<a href="http://creativecommons.org/publicdomain/mark/1.0/">Public Domain Mark 1.0</a>'
        in html
    )
    assert "<td>Contact the registrar before use</td><td>1</td>" in html
    assert "<h3>Portrait of a Ferryman</h3>" in html
    assert "A sample of records as they will look" in html
    assert '<button type="submit" class="primary">Publish these records</button>' in html
    assert re.search(r"<td>\d+</td>\s*<td>[^<]+</td>\s*<td><code>rights-warning</code>", html)

    token = csrf_token(html)
    response = client.post(
        f"/staff/kestrel-museum/uploads/{upload.id}/publish", data={"csrf_token": token}
    )
    assert response.status_code == 302
    upload = wait_for_upload(staff_app, upload.id)
    assert upload.status == "published", upload.message
    assert _count(staff_app, CollectionObject.status == "published") == 22
    with staff_app.app_context():
        session = staff_app.extensions["glampub.db"].session()
        runs = session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
        assert [(r.dry_run, r.status, r.created) for r in runs] == [
            (True, "done", 22),
            (False, "done", 22),
        ]
    page = client.get("/objects/kestrel-museum/1887.12")
    assert page.status_code == 200
    history = client.get("/staff/kestrel-museum/imports").get_data(as_text=True)
    assert (
        f'/staff/kestrel-museum/imports/{upload.publish_run_id}">{upload.publish_run_id}</a>'
        in history
    )
    report = client.get(f"/staff/kestrel-museum/imports/{upload.publish_run_id}").get_data(
        as_text=True
    )
    assert '<tr><th scope="row">New</th><td>22</td></tr>' in report


def test_publishing_needs_the_csrf_token(staff_app, tmp_path: Path) -> None:
    client = signed_in(staff_app, STAFF)
    upload = wait_for_upload(staff_app, _upload_id(_upload(client, KESTREL / "objects.csv")))
    response = client.post(f"/staff/kestrel-museum/uploads/{upload.id}/publish")
    assert response.status_code == 400
    assert _count(staff_app) == 0


def test_a_file_that_is_no_export_gets_a_clear_error(staff_app, tmp_path: Path) -> None:
    client = signed_in(staff_app, STAFF)
    notes = tmp_path / "notes.pdf"
    notes.write_bytes(b"%PDF-1.4")
    response = _upload(client, notes)
    assert response.status_code == 400
    assert "Upload a .csv or LIDO .xml file, or a .zip with one of them and the images." in (
        response.get_data(as_text=True)
    )
    empty_zip = tmp_path / "photos.zip"
    import zipfile

    with zipfile.ZipFile(empty_zip, "w") as zf:
        zf.writestr("a.jpg", b"not really")
    response = _upload(client, empty_zip)
    assert response.status_code == 400
    assert "holds no export: put one CSV or LIDO XML file in the ZIP beside the images" in (
        response.get_data(as_text=True)
    )
    with staff_app.app_context():
        assert (
            staff_app.extensions["glampub.db"].session().scalar(select(func.count(Upload.id))) == 0
        )


def test_a_broken_export_fails_with_its_reason_on_the_page(staff_app, tmp_path: Path) -> None:
    client = signed_in(staff_app, STAFF)
    broken = tmp_path / "objects.xml"
    broken.write_text("<lido:lidoWrap xmlns:lido='http://www.lido-schema.org'><lido:lido>")
    upload = wait_for_upload(staff_app, _upload_id(_upload(client, broken)))
    html = client.get(f"/staff/kestrel-museum/uploads/{upload.id}").get_data(as_text=True)
    if upload.status == "failed":
        assert upload.message and upload.message in html.replace("&#39;", "'")
    else:  # read as far as it goes: the break is a problem with its line
        assert "malformed-xml" in html or "truncated-file" in html


def _published_demo(app, *, with_images: bool = False) -> None:
    from glampub.importing.demo import _image_maker
    from glampub.importing.run import ImportOptions, run_import

    data_dir = Path(app.config["DATA_DIR"])
    images = None
    if with_images:
        images = data_dir / "sample-images"
        _image_maker(KESTREL.parent).make_images(KESTREL, images)
    run_import(
        app.extensions["glampub.db"],
        data_dir,
        ImportOptions(institution="kestrel-museum", path=KESTREL / "objects.csv", images=images),
    )


STAFF_PAGES = [
    ("get", "/staff/kestrel-museum/"),
    ("get", "/staff/kestrel-museum/upload"),
    ("get", "/staff/kestrel-museum/imports"),
    ("get", "/staff/kestrel-museum/review"),
    ("get", "/staff/kestrel-museum/objects"),
    ("get", "/staff/kestrel-museum/settings"),
    ("get", "/staff/kestrel-museum/profiles"),
    ("get", "/staff/kestrel-museum/uploads/1"),
    ("get", "/staff/kestrel-museum/imports/1"),
]


def test_staff_of_another_institution_see_and_change_nothing(staff_app) -> None:
    _published_demo(staff_app)
    client = signed_in(staff_app, OTHER)
    for method, url in STAFF_PAGES:
        response = getattr(client, method)(url)
        assert response.status_code == 403, url
        assert "This belongs to another institution; you cannot see or change it." in (
            response.get_data(as_text=True)
        )
    token = csrf_token(client.get("/staff/harbour-museum/objects").get_data(as_text=True))
    response = client.post(
        "/staff/kestrel-museum/objects",
        data={"csrf_token": token, "identifier": "1923.5", "action": "withdraw"},
    )
    assert response.status_code == 403
    response = client.post(
        "/staff/kestrel-museum/settings",
        data={"csrf_token": token, "name": "Taken over", "copyright_term": "70"},
    )
    assert response.status_code == 403
    assert _count(staff_app, CollectionObject.status == "published") == 22
    assert client.get("/").get_data(as_text=True).count("Kestrel Museum</a>") == 1


def test_withdraw_and_publish_again(staff_app) -> None:
    _published_demo(staff_app)
    client = signed_in(staff_app, STAFF)
    page = client.get("/staff/kestrel-museum/objects?q=orchard").get_data(as_text=True)
    assert '<p role="status">1 object</p>' in page
    response = client.post(
        "/staff/kestrel-museum/objects",
        data={"csrf_token": csrf_token(page), "identifier": "1923.5", "action": "withdraw"},
    )
    assert response.status_code == 302
    assert client.get("/objects/kestrel-museum/1923.5").status_code == 410
    assert client.get("/iiif/3/kestrel-museum/1923.5/manifest").status_code == 410
    assert "The Orchard Gate" not in client.get("/search?q=orchard").get_data(as_text=True)
    client.post(
        "/staff/kestrel-museum/objects",
        data={"csrf_token": csrf_token(page), "identifier": "1923.5", "action": "publish"},
    )
    assert client.get("/objects/kestrel-museum/1923.5").status_code == 200
    with staff_app.app_context():
        session = staff_app.extensions["glampub.db"].session()
        kinds = session.scalars(
            select(ChangeEvent.kind)
            .join(CollectionObject, CollectionObject.id == ChangeEvent.object_id)
            .where(CollectionObject.identifier == "1923.5")
            .order_by(ChangeEvent.id)
        ).all()
    assert kinds == ["Create", "Delete", "Create"]


def test_a_review_decision_applies_to_every_object_and_is_remembered(staff_app) -> None:
    _published_demo(staff_app)
    client = signed_in(staff_app, STAFF)
    page = client.get("/staff/kestrel-museum/review").get_data(as_text=True)
    # The demo's records without a statement come first (the most frequent), named so.
    assert '<h2 id="statement-1">No rights statement at all</h2>' in page
    assert "“Contact the registrar before use”" in page
    response = client.post(
        "/staff/kestrel-museum/review",
        data={
            "csrf_token": csrf_token(page),
            "statement": "Contact the registrar before use",
            "target": "http://rightsstatements.org/vocab/InC/1.0/",
            "note": "Our registrar says: in copyright",
        },
    )
    assert response.status_code == 302
    with staff_app.app_context():
        session = staff_app.extensions["glampub.db"].session()
        rule = session.scalar(select(RightsRule))
        assert (rule.kind, rule.origin, rule.decided_by, rule.note) == (
            "exact",
            "review",
            STAFF,
            "Our registrar says: in copyright",
        )
        uris = session.scalars(
            select(CollectionObject.rights_uri).where(
                CollectionObject.rights_statement == "Contact the registrar before use"
            )
        ).all()
        assert uris == ["http://rightsstatements.org/vocab/InC/1.0/"]
    page = client.get("/staff/kestrel-museum/review").get_data(as_text=True)
    assert (
        "Decided: “Contact the registrar before use” is now In Copyright; 1 object changed." in page
    )
    assert "“Contact the registrar before use”</h2>" not in page


def _import_csv(app, tmp_path: Path, text: str) -> None:
    from glampub.importing.run import ImportOptions, run_import

    export = tmp_path / "objects.csv"
    export.write_text(text, encoding="utf-8")
    run_import(
        app.extensions["glampub.db"],
        Path(app.config["DATA_DIR"]),
        ImportOptions(institution="kestrel-museum", path=export),
    )


def test_records_without_a_statement_are_decided_on_the_review_page(staff_app, tmp_path) -> None:
    _import_csv(staff_app, tmp_path, "identifier,title,rights\n1,Jug,\n2,Bowl,\n3,Cup,Ask us\n")
    client = staff_app.test_client()
    login(client, STAFF)
    page = client.get("/staff/kestrel-museum/review").get_data(as_text=True)
    assert ">No rights statement at all</h2>" in page
    assert 'name="no_statement" type="hidden" value="1"' in page
    # An empty statement without the mark is no item of the queue.
    refused = client.post(
        "/staff/kestrel-museum/review",
        data={"csrf_token": csrf_token(page), "statement": "", "target": PDM},
    )
    assert refused.status_code == 400
    response = client.post(
        "/staff/kestrel-museum/review",
        data={
            "csrf_token": csrf_token(page),
            "statement": "",
            "no_statement": "1",
            "target": PDM,
            "note": "all ours are old photographs",
        },
    )
    assert response.status_code == 302
    page = client.get("/staff/kestrel-museum/review").get_data(as_text=True)
    assert (
        "Decided: records without a rights statement are now Public Domain Mark 1.0; "
        "2 objects changed." in page
    )
    assert "No rights statement at all" not in page and "“Ask us”" in page
    with staff_app.app_context():
        session = staff_app.extensions["glampub.db"].session()
        rule = session.scalar(select(RightsRule))
        assert (rule.kind, rule.match, rule.decided_by, rule.target) == ("unstated", "", STAFF, PDM)
        uris = dict(
            session.execute(select(CollectionObject.identifier, CollectionObject.rights_uri)).all()
        )
    assert uris == {"1": PDM, "2": PDM, "3": None}


def test_settings_change_the_credit_line_and_bad_templates_are_explained(staff_app) -> None:
    _published_demo(staff_app, with_images=True)
    client = signed_in(staff_app, STAFF)
    page = client.get("/staff/kestrel-museum/settings").get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(page),
        "name": "Kestrel Museum of Art",
        "homepage": "https://kestrel.example/",
        "credit_template": "{institution}: {title} ({identifier})",
        "copyright_term": "70",
    }
    bad = client.post("/staff/kestrel-museum/settings", data={**form, "credit_template": "{owner}"})
    assert bad.status_code == 400
    assert (
        "the credit line template may only use {title}, {creator}, {date}, {identifier}, "
        "{institution}, {rights_holder}; not {owner}" in bad.get_data(as_text=True)
    )
    assert client.post("/staff/kestrel-museum/settings", data=form).status_code == 302
    html = client.get("/objects/kestrel-museum/1923.5").get_data(as_text=True)
    credit = (
        "Kestrel Museum of Art: The Orchard Gate (1923.5), http://glampub.test/objects/"
        "kestrel-museum/1923.5 (Public Domain Mark 1.0)"
    )
    assert f"{credit}</textarea>" in html
    # The manifest says the same, and so does the image file's own metadata.
    manifest = client.get("/iiif/3/kestrel-museum/1923.5/manifest").get_json()
    reference = next(
        pair["value"]["en"][0]
        for pair in manifest["metadata"]
        if pair["label"]["en"] == ["How to reference"]
    )
    assert "Kestrel Museum of Art: The Orchard Gate (1923.5)" in reference
    image = manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
    with client.get(image.removeprefix("http://glampub.test") + "/full/200,/0/default.jpg") as jpeg:
        assert jpeg.status_code == 200
        xmp = PILImage.open(io.BytesIO(jpeg.data)).info["xmp"].decode("utf-8")
    assert "Kestrel Museum of Art: The Orchard Gate (1923.5)" in xmp
    # Harvesters are told: each published object of the institution was updated.
    changes = client.get("/iiif/discovery/all-changes").get_json()
    last = client.get(changes["last"]["id"].removeprefix("http://glampub.test")).get_json()
    assert last["orderedItems"][-1]["type"] == "Update"


def test_a_column_profile_is_checked_when_saved(staff_app) -> None:
    client = signed_in(staff_app, STAFF)
    page = client.get("/staff/kestrel-museum/profiles/edit?from=met").get_data(as_text=True)
    assert "Object Number" in page or "[fields]" in page
    bad = client.post(
        "/staff/kestrel-museum/profiles/edit",
        data={"csrf_token": csrf_token(page), "name": "ours", "toml": "[fields]\nidentifier = 3\n"},
    )
    assert bad.status_code == 400
    assert "the profile" in bad.get_data(as_text=True)
    good = client.post(
        "/staff/kestrel-museum/profiles/edit",
        data={
            "csrf_token": csrf_token(page),
            "name": "ours",
            "toml": '[profile]\nname = "ours"\n[fields]\nidentifier = "Inv"\ntitle = "Titel"\n',
        },
    )
    assert good.status_code == 302
    listing = client.get("/staff/kestrel-museum/profiles").get_data(as_text=True)
    assert ">ours</a>" in listing
    upload_page = client.get("/staff/kestrel-museum/upload").get_data(as_text=True)
    assert re.search(r'<option value="profile:\d+">Ours: ours</option>', upload_page)


def test_only_admins_manage_institutions(staff_app) -> None:
    client = signed_in(staff_app, STAFF)
    assert client.get("/staff/institutions").status_code == 403
    make_staff(staff_app, "kestrel-museum", "admin@glampub.example", admin=True)
    admin = staff_app.test_client()
    login(admin, "admin@glampub.example")
    page = admin.get("/staff/institutions").get_data(as_text=True)
    response = admin.post(
        "/staff/institutions",
        data={"csrf_token": csrf_token(page), "slug": "new-museum", "name": "New Museum"},
    )
    assert response.status_code == 302
    assert "New Museum</a> <code>new-museum</code>" in admin.get("/staff/institutions").get_data(
        as_text=True
    )
    # An admin may open any institution's pages.
    assert admin.get("/staff/harbour-museum/").status_code == 200


def test_the_guide_is_linked_and_served(staff_app) -> None:
    client = signed_in(staff_app, STAFF)
    page = client.get("/staff/kestrel-museum/").get_data(as_text=True)
    assert '<a href="/staff/guide">Guide for collection managers</a>' in page
    guide = client.get("/staff/guide").get_data(as_text=True)
    assert '<h2 id="preparing-an-export">Preparing an export</h2>' in guide
    assert '<h2 id="deciding-rights-in-the-review-queue">' in guide


def test_html_in_an_uploaded_title_is_shown_escaped_in_the_preview(staff_app, tmp_path) -> None:
    export = tmp_path / "objects.csv"
    export.write_text(
        'identifier,title,rights\nX-1,"<script>alert(1)</script> & <b>bold</b>",Public domain\n',
        "utf-8",
    )
    client = signed_in(staff_app, STAFF)
    upload = wait_for_upload(staff_app, _upload_id(_upload(client, export)))
    html = client.get(f"/staff/kestrel-museum/uploads/{upload.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "<h3>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;</h3>" in html


def test_another_institutions_upload_is_not_found_under_ones_own(staff_app) -> None:
    kestrel = staff_app.test_client()
    login(kestrel, STAFF)
    upload = wait_for_upload(staff_app, _upload_id(_upload(kestrel, KESTREL / "objects.csv")))
    harbour = staff_app.test_client()
    login(harbour, OTHER)
    for url in (
        f"/staff/harbour-museum/uploads/{upload.id}",
        f"/staff/harbour-museum/uploads/{upload.id}/progress",
        f"/staff/harbour-museum/imports/{upload.preview_run_id}",
    ):
        response = harbour.get(url)
        assert response.status_code == 404, url
        assert "objects.csv" not in response.get_data(as_text=True)
    page = harbour.get("/staff/harbour-museum/objects").get_data(as_text=True)
    response = harbour.post(
        f"/staff/harbour-museum/uploads/{upload.id}/publish", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 404
    assert _count(staff_app) == 0


def test_a_logo_uploaded_in_the_settings_is_stored_and_served(staff_app, tmp_path) -> None:
    import io

    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (120, 60), (11, 92, 138)).save(buffer, "PNG")
    buffer.seek(0)
    client = signed_in(staff_app, STAFF)
    page = client.get("/staff/kestrel-museum/settings").get_data(as_text=True)
    response = post_multipart(
        client,
        "/staff/kestrel-museum/settings",
        {
            "csrf_token": csrf_token(page),
            "name": "Kestrel Museum",
            "copyright_term": "70",
            "courtesy_statement": "y",
            "logo": (buffer, "logo.png"),
        },
    )
    assert response.status_code == 302
    with staff_app.app_context():
        from glampub.models import Institution

        inst = (
            staff_app.extensions["glampub.db"]
            .session()
            .scalar(select(Institution).where(Institution.slug == "kestrel-museum"))
        )
        assert (inst.logo_width, inst.logo_height, inst.courtesy_statement) == (120, 60, True)
        assert inst.logo_path.startswith("logos/")
    info = client.get("/iiif/image/3/logo-kestrel-museum/info.json").get_json()
    assert (info["width"], info["height"]) == (120, 60)
