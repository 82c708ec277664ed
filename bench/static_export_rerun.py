"""What re-running ``glampub export-static`` costs: first run, a re-run with
nothing changed, a re-run after one object changed.

    uv run python bench/static_export_rerun.py [--objects 300] [--size 1600x1200]

Imports the sample collections and a synthetic institution of ``--objects``
objects, each with one image of ``--size`` pixels, exports the lot, then
exports it again twice and prints, for each run, the files written and left
unchanged, the objects rendered and reused, and the seconds it took (wall, and
CPU time of this process, steadier on a shared machine).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw  # noqa: E402

from glampub import create_app  # noqa: E402
from glampub.importing.demo import load_demo  # noqa: E402
from glampub.importing.run import ImportOptions, run_import  # noqa: E402
from glampub.institutions.registry import add_institution  # noqa: E402
from glampub.static_site.export import export_static  # noqa: E402


def make_images(folder: Path, count: int, size: tuple[int, int]) -> None:
    """Pictures that compress like photographs do not, but are not flat either."""
    folder.mkdir(parents=True)
    chance = random.Random(7)
    for n in range(count):
        picture = Image.new("RGB", size, (chance.randrange(256), 90, 140))
        draw = ImageDraw.Draw(picture)
        for _ in range(60):
            x, y = chance.randrange(size[0]), chance.randrange(size[1])
            colour = tuple(chance.randrange(256) for _ in range(3))
            draw.ellipse(
                (x, y, x + chance.randrange(40, 400), y + chance.randrange(40, 300)), colour
            )
        picture.save(folder / f"img-{n}.jpg", quality=85)


def write_export(path: Path, count: int, changed: int | None = None) -> None:
    lines = ["identifier,title,creator,rights,images"]
    for n in range(count):
        title = f"Synthetic object {n}" + (" (revised)" if n == changed else "")
        lines.append(f"S{n},{title},Maker {n % 17},CC0,img-{n}.jpg")
    path.write_text("\n".join(lines) + "\n", "utf-8")


def timed(app, out: Path, base: str, label: str) -> None:  # type: ignore[no-untyped-def]
    start, cpu = time.perf_counter(), time.process_time()
    report = export_static(app, out, base)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    rendered = getattr(report, "objects_rendered", "?")
    reused = getattr(report, "objects_reused", "?")
    print(
        f"{label:<28} {took:7.1f} s ({cpu:6.1f} s CPU)  {report.written:6d} written"
        f"  {report.unchanged:6d} unchanged"
        f"  objects: {rendered} rendered, {reused} reused"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=300)
    parser.add_argument("--size", default="1600x1200")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="bench-rerun-") as tmp:
        data_dir, out = Path(tmp) / "data", Path(tmp) / "www"
        app = create_app({"DATA_DIR": str(data_dir)})
        database = app.extensions["glampub.db"]
        load_demo(database, data_dir)
        images, export = Path(tmp) / "images", Path(tmp) / "synthetic.csv"
        make_images(images, args.objects, size)  # type: ignore[arg-type]
        with database.transaction() as session:
            add_institution(session, "synthetic", "Synthetic Museum", data_dir)
        write_export(export, args.objects)
        run_import(database, data_dir, ImportOptions("synthetic", export, images=images))
        base = "https://cdn.example/museum"
        print(f"sample collections + {args.objects} objects with {args.size} images")
        timed(app, out, base, "first export")
        files = sum(1 for path in out.rglob("*") if path.is_file())
        timed(app, out, base, "again, nothing changed")
        write_export(export, args.objects, changed=args.objects // 2)
        run_import(database, data_dir, ImportOptions("synthetic", export, images=images))
        timed(app, out, base, "again, one object changed")
        print(f"{files} files in the export")
        database.dispose()


if __name__ == "__main__":
    main()
