"""``glampub export-static``: the published collection as a static web site.

export (the use case), pages (the HTML and its assets), tree (the folder,
written only where bytes changed), tiles (level 0 image files).
"""
