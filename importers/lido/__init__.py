"""The LIDO XML importer (LIDO 1.0 and 1.1).

importer (``LidoImporter``), draft (a record being mapped), descriptive,
administrative, events (LIDO's three parts), fields (small readers for its
recurring building blocks).
"""
