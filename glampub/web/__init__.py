"""Pieces of the web app that are not views: the request class, extensions."""
