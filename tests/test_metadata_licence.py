"""No metadata licence nobody gave (issue 21): an institution's metadata
licence is a setting, "not stated" until chosen; a record's own licence wins;
one that cannot be mapped is reported and never replaced by CC0. Through
`glampub institution add`, `glampub import` and the site over HTTP.

Fixture of ours: tests/data/metadata_licence/record-rights.xml (three LIDO
records: an unmappable recordRights, none, CC BY 4.0).
"""

from __future__ import annotations

import json
from pathlib import Path

from glampub import create_app
from glampub.cli import main
from tests.conftest import BASE_URL, database
from tests.staff_helpers import csrf_token, login, make_staff

LIDO = Path(__file__).resolve().parent / "data" / "metadata_licence" / "record-rights.xml"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
BY4 = "http://creativecommons.org/licenses/by/4.0/"


def _licences(client) -> dict[str, str | None]:
    """Each object's metadata licence as its record JSON states it (None: not at all)."""
    found = {}
    for identifier in ("ML-1", "ML-2", "ML-3"):
        response = client.get(f"/iiif/3/mill/{identifier}/record")
        assert response.status_code == 200
        found[identifier] = response.get_json().get("metadata_licence")
        page = client.get(f"/objects/mill/{identifier}").get_data(as_text=True)
        if found[identifier] is None:
            # Neither the page nor its JSON-LD says anything about a metadata licence.
            assert "publicdomain/zero" not in page and "Metadata licence" not in page
    return found


def test_a_fresh_institution_publishes_no_metadata_licence_until_one_is_chosen(
    runner, tmp_path: Path
) -> None:
    added = runner.invoke(main, ["institution", "add", "mill", "--name", "Mill Museum"])
    assert added.exit_code == 0, added.stderr
    result = runner.invoke(main, ["import", str(LIDO), "--institution", "mill", "--json"])
    report = json.loads(result.stdout)
    assert report["created"] == 3
    (problem,) = [p for p in report["problems"] if p["code"] == "metadata-licence-needs-review"]
    assert problem["record"] == "ML-1"
    assert "Nutzung nach Absprache" in problem["message"]

    app = create_app({"TESTING": True, "BASE_URL": BASE_URL})
    client = app.test_client()
    try:
        assert _licences(client) == {"ML-1": None, "ML-2": None, "ML-3": BY4}

        # Chosen on `institution add`: used where a record states none, and only there.
        chosen = runner.invoke(
            main,
            ["institution", "add", "mill", "--name", "Mill Museum", "--metadata-licence", "cc0"],
        )
        assert chosen.exit_code == 0, chosen.stderr
        assert _licences(client) == {"ML-1": None, "ML-2": CC0, "ML-3": BY4}
        # Updating the institution without the option keeps what was chosen.
        kept = runner.invoke(main, ["institution", "add", "mill", "--name", "Mill Museum"])
        assert kept.exit_code == 0
        assert _licences(client)["ML-2"] == CC0

        # And in the staff settings page, back to "not stated".
        make_staff(app, "mill", "registrar@mill.example")
        login(client, "registrar@mill.example")
        page = client.get("/staff/mill/settings").get_data(as_text=True)
        assert '<option selected value="cc0">' in page
        saved = client.post(
            "/staff/mill/settings",
            data={
                "csrf_token": csrf_token(page),
                "name": "Mill Museum",
                "copyright_term": "70",
                "metadata_licence": "none",
            },
        )
        assert saved.status_code == 302
        assert _licences(client) == {"ML-1": None, "ML-2": None, "ML-3": BY4}
        page = client.get("/staff/mill/settings").get_data(as_text=True)
        assert '<option selected value="none">' in page
        refused = client.post(
            "/staff/mill/settings",
            data={
                "csrf_token": csrf_token(page),
                "name": "Mill Museum",
                "copyright_term": "70",
                "metadata_licence": "cc-by-nc",
            },
        )
        assert refused.status_code == 400
    finally:
        database(app).dispose()

    wrong = runner.invoke(
        main, ["institution", "add", "mill", "--name", "M", "--metadata-licence", "cc-by-nc"]
    )
    assert wrong.exit_code == 2
