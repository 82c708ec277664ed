"""Publishing institutions.

registry (create, find, describe), settings (what staff change in the browser).
"""
