"""Manifests over HTTP: glampub under gunicorn against a bare Flask app that
returns the same bytes from memory, under the same gunicorn configuration.

    uv run --with gunicorn python bench/manifest_http.py [--seconds 5]

wrk (installed with apt-get when missing and run as root) asks for every
published manifest in turn: the sample collections plus objects of ten
canvases each. Printed: requests per second, p50 and p99 latency and the
status of every answer for both servers and their ratio (target: glampub at
least 70 % of the bare app, no 5xx); the same with If-None-Match (304s) and
with gzip; how long a ten-canvas manifest takes when it must first be built
(target: within 50 ms); and the resident memory of each glampub worker
afterwards.

Every run is taken twice, interleaved with the others, and the better one is
printed. All glampub runs go through the same wrk script and send
If-None-Match: the 200 and gzip runs an ETag that matches nothing, the 304 run
the manifests' own, so the client's cost per request is the same for all.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._servers import children_rss_mb, gunicorn, ratio, wrk  # noqa: E402
from glampub import create_app  # noqa: E402

TEN_CANVAS_OBJECTS = 20


def prepare(data_dir: Path, base_url: str) -> None:
    """The sample collections, and an institution whose objects have ten images each."""
    from PIL import Image

    from glampub.importing.demo import load_demo
    from glampub.importing.run import ImportOptions, run_import
    from glampub.institutions.registry import add_institution

    app = create_app({"DATA_DIR": str(data_dir), "BASE_URL": base_url})
    database = app.extensions["glampub.db"]
    load_demo(database, data_dir)
    images = data_dir.parent / "ten-canvas-images"
    images.mkdir()
    rows = ["identifier,title,creator,date,rights,images"]
    for n in range(TEN_CANVAS_OBJECTS):
        names = []
        for page in range(10):
            name = f"book-{n}-{page}.jpg"
            Image.new("RGB", (800 + page, 1100 + n), (n * 10 % 255, page * 20, 90)).save(
                images / name
            )
            names.append(name)
        rows.append(f"B{n},Sketchbook {n},Ashdown Margaret,1870,CC BY 4.0,{'|'.join(names)}")
    export = data_dir.parent / "ten-canvas.csv"
    export.write_text("\n".join(rows) + "\n", "utf-8")
    with database.transaction() as session:
        add_institution(session, "bench-library", "Bench Library", data_dir)
    run_import(
        database, data_dir, ImportOptions(institution="bench-library", path=export, images=images)
    )
    database.dispose()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def manifest_paths(base: str) -> list[str]:
    """Every manifest, found by walking the collections like a harvester."""
    found: list[str] = []
    pending = [f"{base}/iiif/3/collection"]
    while pending:
        _status, _headers, body = get(pending.pop())
        for item in json.loads(body)["items"]:
            if item["type"] == "Manifest":
                found.append(item["id"].removeprefix(base))
            else:
                pending.append(item["id"])
    return sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-manifests-") as tmp:
        data_dir = Path(tmp) / "data"
        print("importing the sample collections and ten-canvas objects ...", flush=True)
        # ids in the documents name the server that serves them, whatever its port
        env = {"GLAMPUB_DATA_DIR": str(data_dir)}
        prepare(data_dir, "http://placeholder.invalid")
        with gunicorn("glampub:create_app()", env) as ours:
            base = ours.base_url
            # Both workers start (and import glampub) before anything is timed.
            for _ in range(8):
                get(f"{base}/iiif/3/collection")
            paths = manifest_paths(base)
            ten = [p for p in paths if p.startswith("/iiif/3/bench-library/")]
            cold = []
            for path in ten:
                start = time.perf_counter()
                status, _headers, body = get(base + path)
                cold.append((time.perf_counter() - start) * 1000)
                canvases = len(json.loads(body)["items"])
                assert status == 200 and canvases == 10, (path, status, canvases)
            documents, etags = {}, []
            for path in paths:
                status, headers, body = get(base + path)
                assert status == 200, (path, status)
                documents[path] = [headers["Content-Type"], body.decode("utf-8")]
                etags.append(headers["ETag"])
            doc_file = Path(tmp) / "documents.json"
            doc_file.write_text(json.dumps(documents), "utf-8")
            sizes = [len(body) for _type, body in documents.values()]
            print(
                f"{len(paths)} manifests, median {statistics.median(sizes) / 1024:.1f} KB; "
                f"gunicorn gthread, 2 workers x 4 threads; wrk 2 threads, "
                f"{args.connections} connections, {args.seconds} s per run\n"
            )
            print(
                f"ten-canvas manifest, first request (built then stored), n={len(cold)}: "
                f"median {statistics.median(cold):.1f} ms, max {max(cold):.1f} ms "
                "(target: within 50 ms)\n"
            )
            # Every glampub run sends If-None-Match through the same wrk script:
            # the 200 runs with an ETag no document has, so client and server do
            # the same work per request and only the answer differs.
            stale = ['"0"'] * len(paths)
            variants = {
                "200": {"etags": stale},
                "304": {"etags": etags},
                "gzip": {"etags": stale, "gzip": True},
            }
            runs: dict[str, list] = {"bare": [], **{name: [] for name in variants}}
            with gunicorn(
                "bench._bare_app:create_app()", {"BENCH_DOCUMENTS": str(doc_file)}
            ) as bare:
                for _round in range(2):  # interleaved, so drift in the machine's load hits all
                    runs["bare"].append(
                        wrk(
                            bare.base_url, paths, seconds=args.seconds, connections=args.connections
                        )
                    )
                    for name, options in variants.items():
                        runs[name].append(
                            wrk(
                                base,
                                paths,
                                seconds=args.seconds,
                                connections=args.connections,
                                **options,
                            )
                        )
            best = {k: max(v, key=lambda r: r.requests_per_s) for k, v in runs.items()}
            print(best["bare"].line("bare Flask, same bytes from memory"))
            print(best["200"].line("glampub manifests (200, stale If-None-Match)"))
            print(
                f"  -> glampub at {ratio(best['200'].requests_per_s, best['bare'].requests_per_s)}"
                " of the bare app (target: at least 0.70x)"
            )
            print(best["304"].line("glampub manifests with If-None-Match (304)"))
            print(
                f"  -> 304 at {ratio(best['304'].requests_per_s, best['200'].requests_per_s)}"
                " of the 200 (target: above 1.00x)"
            )
            print(best["gzip"].line("glampub manifests, Accept-Encoding: gzip"))
            errors = sum(
                n
                for name in variants
                for r in runs[name]
                for s, n in r.status_counts.items()
                if s >= 500
            )
            print(f"5xx answers from glampub in all runs: {errors}")
            rss = children_rss_mb(ours.pid)
            print("glampub worker memory (RSS): " + ", ".join(f"{m:.0f} MB" for m in rss))


if __name__ == "__main__":
    main()
