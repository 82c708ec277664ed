"""Open data: the published collection as downloadable datasets for researchers.

Modules: ``rows`` (one published object as a JSON Lines record and a CSV row),
``source`` (the published objects, read in key-set pages), ``package`` (one
Frictionless Data Package written as a stream: gzip files, their sha256, the
descriptor and ``SHA256SUMS``), ``citation`` (how to cite a dataset),
``builds`` (the datasets served under ``/datasets/``: built into the data
folder, swapped in atomically, stale when the publication stamp moves) and
``export`` (``glampub export-dataset``).
"""
