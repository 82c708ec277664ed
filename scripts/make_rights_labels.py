"""Derive ``glampub/rights/data/official_labels.tsv`` from the two reference tables.

The rights engine reads the official labels of the RightsStatements.org
statements and the official titles of the Creative Commons 4.0 licences, CC0
and the Public Domain Mark as data. An installed glampub has no ``../shared/``,
so the rows are copied into the package by this script, with a header naming
where they come from; a test checks that the shipped file equals what this
script makes, so the two cannot drift apart.

    uv run python scripts/make_rights_labels.py          # write the file
    uv run python scripts/make_rights_labels.py --check  # exit 1 if it is stale
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference"
OUTPUT = ROOT / "glampub" / "rights" / "data" / "official_labels.tsv"

#: (source name, table under the reference folder, text column, provenance lines).
SOURCES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "rightsstatements",
        "rightsstatements/labels.tsv",
        "label",
        (
            "RightsStatements.org labels (prefLabel, every language of the data model):",
            "  https://github.com/rightsstatements/data-model",
            "  commit 9521dff2270b795cd0f30e97849f3015089202d3; licence CC0 1.0 Universal",
        ),
    ),
    (
        "creativecommons",
        "creativecommons/titles.tsv",
        "title",
        (
            "Creative Commons titles (CC 4.0 licences, CC0 1.0, Public Domain Mark 1.0):",
            "  https://github.com/creativecommons/cc-legal-tools-data (current titles),",
            "  https://github.com/creativecommons/cc.licenserdf commit",
            "  3ac4d56e69a98294d910973c049b45f7e2bf6767 (older translations filling gaps);",
            "  the legal tools' text is dedicated to the public domain under CC0 1.0 Universal",
        ),
    ),
)


def _rows(path: Path, column: str) -> list[tuple[str, str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        rows = [(row["uri"], row["language"], row[column]) for row in reader]
    for uri, language, text in rows:
        if not (uri and language and text) or "\t" in text or "\n" in text:
            raise ValueError(f"{path}: bad row {uri!r} {language!r} {text!r}")
    return rows


def render(reference: Path = REFERENCE) -> str:
    """The whole data file, made from the reference tables under ``reference``."""
    lines = [
        "# Official labels and titles of rights statements and licences, one per language.",
        "# Made by scripts/make_rights_labels.py from ../shared/reference; do not edit.",
    ]
    body = ["uri\tlanguage\tlabel\tsource"]
    for source, table, column, provenance in SOURCES:
        lines.extend(f"# {line}" for line in provenance)
        body.extend(
            f"{uri}\t{language}\t{text}\t{source}"
            for uri, language, text in _rows(reference / table, column)
        )
    return "\n".join(lines + body) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    text = render(args.reference)
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is stale: run {Path(__file__).name}")
            return 1
        print(f"{OUTPUT.relative_to(ROOT)} is up to date")
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    rows = sum(1 for line in text.splitlines() if not line.startswith("#")) - 1
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {rows} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
