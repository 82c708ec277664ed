"""Search at scale: N published objects, then typical searches, timed.

    uv run python bench/search_speed.py --objects 100000 [--database-url postgresql+psycopg://…]

Objects are written straight into the tables (with the same text columns an
import fills, so the index sees what it would), not through an import: this
measures search, not importing. Prints the median of several runs of each query,
the first (uncached facets) and the later (cached facets) separately.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from glampub import create_app
from glampub.models import ChangeEvent, CollectionObject, Institution
from glampub.search.query import SearchQuery, search

_VOCABULARY = """
portrait landscape estuary harbour ferry boat church tower orchard gate garden river bridge
mill storm sea shore village market street window interior still life flowers fruit vase jug
bowl figure woman man child dog horse cattle field hill moor forest tree winter summer evening
morning night study sketch view of the with and a in on by at
"""
WORDS = re.findall(r"[a-z]+", _VOCABULARY)
TYPES = ["painting", "drawing", "print", "photograph", "sculpture", "textile", "ceramic", "coin"]
LICENCES = [
    ("http://creativecommons.org/publicdomain/mark/1.0/", "Public Domain Mark 1.0", "free"),
    ("http://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0", "free"),
    ("http://creativecommons.org/licenses/by/4.0/", "CC BY 4.0", "free"),
    ("http://creativecommons.org/licenses/by-nc-nd/4.0/", "CC BY-NC-ND 4.0", "conditions"),
    ("http://rightsstatements.org/vocab/InC/1.0/", "In Copyright", "permission"),
]


def populate(app, count: int, seed: int = 7) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    creators = [f"{rng.choice(WORDS).title()}, {rng.choice(WORDS).title()}" for _ in range(3000)]
    database = app.extensions["glampub.db"]
    with database.transaction() as session:
        ids = []
        for n in range(5):
            inst = Institution(slug=f"museum-{n}", name=f"Museum {n}")
            session.add(inst)
            session.flush()
            ids.append(inst.id)
        now = datetime.now(UTC)
        batch = []
        for number in range(count):
            title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))).capitalize()
            description = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
            creator = rng.choice(creators)
            kind = rng.choice(TYPES)
            year = rng.randint(1450, 2020)
            uri, label, reuse = rng.choice(LICENCES)
            identifier = f"OBJ-{number:07d}"
            batch.append(
                {
                    "institution_id": ids[number % 5],
                    "identifier": identifier,
                    "title": {"en": [title]},
                    "description": {"en": [description]},
                    "creators": [{"name": creator, "role": "artist"}],
                    "date_display": str(year),
                    "date_earliest": year,
                    "date_latest": year,
                    "object_type": {"en": [kind]},
                    "rights_uri": uri,
                    "rights_label": label,
                    "rights_reuse": reuse,
                    "rights_status": "mapped",
                    "search_text": " ".join(
                        [identifier, title, description, kind, creator]
                    ).lower(),
                    "content_hash": f"{number:064d}",
                    "status": "published",
                    "created_at": now,
                    "updated_at": now - timedelta(seconds=number),
                }
            )
            if len(batch) == 5000:
                session.execute(insert(CollectionObject), batch)
                batch = []
        if batch:
            session.execute(insert(CollectionObject), batch)
        session.add(ChangeEvent(institution_id=ids[0], object_id=1, kind="Create", revision=1))


QUERIES = {
    "everything (no words)": SearchQuery(),
    "one word": SearchQuery(text="harbour"),
    "two words": SearchQuery(text="portrait woman"),
    "word + reuse facet": SearchQuery(text="river", reuse="free"),
    "object type + date range": SearchQuery(object_type="painting", date_from=1600, date_to=1700),
    "creator, sorted by date": SearchQuery(creator="Harbour, Mill", sort="date-asc"),
    "deep page": SearchQuery(text="the", page=200),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = {"DATA_DIR": str(Path(folder) / "data"), "TESTING": True}
        if args.database_url:
            config["DATABASE_URL"] = args.database_url
        app = create_app(config)
        started = time.perf_counter()
        populate(app, args.objects)
        print(
            f"{args.objects} objects written and indexed in {time.perf_counter() - started:.1f} s"
        )
        with app.app_context():
            session = app.extensions["glampub.db"].session()
            for name, query in QUERIES.items():
                times = []
                for _ in range(args.runs):
                    began = time.perf_counter()
                    result = search(session, query)
                    times.append((time.perf_counter() - began) * 1000)
                print(
                    f"{name:28} {result.total:7} hits  first {times[0]:7.1f} ms"
                    f"  then {statistics.median(times[1:] or times):7.1f} ms"
                )
        app.extensions["glampub.db"].dispose()


if __name__ == "__main__":
    main()
