"""IIIF output: pure functions from plain values to IIIF JSON (no Flask, no database).

iiif-prezi3 is imported by the functions that build with it, not at the top of
their modules: it builds its pydantic models on import, about a second that every
glampub process paid on start (each CLI import, each job), most of which never
build a manifest. The web app, whose workers do, loads it when it starts
(glampub.app), so that no visitor's request waits for it.
"""
