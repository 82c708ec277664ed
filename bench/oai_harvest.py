"""A full OAI-PMH harvest: how fast /oai hands out every record, and in how
much memory.

    uv run python bench/oai_harvest.py --records 100000 [--page-size 100]

Generates a CSV export of ``--records`` objects (bench/_synthetic.py: varied
titles, people, dates and rights), imports it into a fresh SQLite database,
serves it from a process of its own (werkzeug, one thread: one harvester)
and harvests ``ListRecords`` in ``oai_dc`` and then in ``edm`` through every
resumption token, as an aggregator would. Printed per format: records (and
pages) received, records per second, and the serving process's resident
memory after the first page and at the end, with its peak: flat memory means
the serving process holds one page at a time, whatever the list's length.
The objects carry no images (as in a metadata-only export), so EDM records
have no web resources; records whose rights Europeana refuses are left out
of ``edm``, which is why it holds fewer.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._servers import free_port, process, wait_for  # noqa: E402
from bench._synthetic import write_csv  # noqa: E402

OAI = "{http://www.openarchives.org/OAI/2.0/}"


def prepare(data_dir: Path, records: int) -> None:
    from glampub import create_app
    from glampub.importing.run import ImportOptions, run_import
    from glampub.institutions.registry import add_institution

    app = create_app({"DATA_DIR": str(data_dir)})
    database = app.extensions["glampub.db"]
    with database.transaction() as session:
        add_institution(session, "bench", "Bench Museum", data_dir)
    export = write_csv(data_dir.parent / "export.csv", records)
    started = time.perf_counter()
    report = run_import(database, data_dir, ImportOptions(institution="bench", path=export))
    print(f"imported {report.created:,} records in {time.perf_counter() - started:.1f} s")
    database.dispose()


def serve(data_dir: str, port: int, page_size: int) -> None:
    """The serving process: the app on werkzeug, one request at a time."""
    from werkzeug.serving import make_server

    from glampub import create_app

    app = create_app(
        {"DATA_DIR": data_dir, "BASE_URL": "http://bench.example", "OAI_PAGE_SIZE": page_size}
    )
    make_server("127.0.0.1", port, app).serve_forever()


def memory_mb(pid: int, field: str) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(rf"{field}:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


def harvest(base: str, prefix: str, pid: int) -> None:
    query = {"verb": "ListRecords", "metadataPrefix": prefix}
    records = deleted = pages = 0
    first_page_rss = 0.0
    started = time.perf_counter()
    while True:
        url = f"{base}/oai?{urllib.parse.urlencode(query)}"
        with urllib.request.urlopen(url, timeout=300) as answer:
            root = etree.fromstring(answer.read())
        error = root.find(f"{OAI}error")
        if error is not None:
            raise SystemExit(f"{prefix}: {error.get('code')}: {error.text}")
        listing = root.find(f"{OAI}ListRecords")
        for record in listing.iterfind(f"{OAI}record"):
            records += 1
            deleted += record.find(f"{OAI}header").get("status") == "deleted"
        pages += 1
        if pages == 1:
            first_page_rss = memory_mb(pid, "VmRSS")
        token = listing.findtext(f"{OAI}resumptionToken")
        if not token:
            break
        query = {"verb": "ListRecords", "resumptionToken": token}
    seconds = time.perf_counter() - started
    print(
        f"{prefix:>6}: {records:,} records ({deleted:,} deleted) in {pages:,} pages, "
        f"{seconds:.1f} s: {records / seconds:,.0f} records/s; serving process "
        f"{first_page_rss:.0f} MB after the first page, {memory_mb(pid, 'VmRSS'):.0f} MB "
        f"at the end, peak {memory_mb(pid, 'VmHWM'):.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--serve", nargs=2, metavar=("DATA_DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.page_size)
        return
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        prepare(data_dir, args.records)
        port = free_port()
        command = [sys.executable, __file__, "--page-size", str(args.page_size)]
        with process([*command, "--serve", str(data_dir), str(port)]) as server:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/healthz", timeout=120)
            rest = memory_mb(server.pid, "VmRSS")
            print(f"page size {args.page_size}; serving process {rest:.0f} MB at rest")
            for prefix in ("oai_dc", "edm"):
                harvest(base, prefix, server.pid)


if __name__ == "__main__":
    main()
