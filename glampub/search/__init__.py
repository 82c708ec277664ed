"""Finding published objects.

index (the full-text index and its triggers, created beside the tables),
query (search with facets, sorting and pages), sql (what differs between
SQLite and PostgreSQL), summaries (totals and facet counts kept in the
database), estimates (PostgreSQL: counts beyond a threshold from a sample),
facet_labels.

Nothing is imported here: glampub.db and the migrations import search.index,
and an import in this file would bring the rest of search along with it.
"""
