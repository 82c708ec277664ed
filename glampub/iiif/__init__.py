"""IIIF output: pure functions from plain values to IIIF JSON (no Flask, no database)."""
