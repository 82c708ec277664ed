"""IIIF output: pure functions from plain values to IIIF JSON (no Flask, no database).

iiif-prezi3 is imported by the functions that build with it, not at the top of
their modules: it builds its pydantic models on import, half a second that every
glampub process paid on start (each CLI import, each worker), most of which never
build a manifest.
"""
