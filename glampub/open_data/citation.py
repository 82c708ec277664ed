"""How to cite a dataset: one line, ready to copy, naming who publishes it."""

from __future__ import annotations


def citation(publishers: list[str], title: str, created: str, records: int, url: str) -> str:
    """``Kestrel Museum (2026). Kestrel Museum: published objects [Data set], version of
    2026-12-06, 1,204 records. https://…/datapackage.json``"""
    names = "; ".join(publishers) if publishers else "glampub"
    year, day = created[:4], created[:10]
    noun = "record" if records == 1 else "records"
    return f"{names} ({year}). {title} [Data set], version of {day}, {records:,} {noun}. {url}"
