"""The CSV importer: delimited exports read through a column-mapping profile.

importer (``CsvImporter``), text (bytes to decoded lines), profile (the TOML
profiles), columns (header to fields), extract (profile sources compiled),
mapping (rows to a SourceRecord), aligned (several values per cell, paired),
rejoin (rows a broken re-export split off), media_type (the stored record's
media type, naming its delimiter).
"""
