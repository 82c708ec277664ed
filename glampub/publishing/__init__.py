"""Published documents, built from the tables and served from one cache.

documents (a document, the one cache it is served from: stored in the
database per version, remembered per worker per publication stamp; an
object's manifest and record), collections (the IIIF collections and their
paging), object_values (rows turned into the plain values the IIIF builders
and pages take), record_json, object_page, institution_page, discovery (the
Change Discovery stream), withdrawal (withdraw or publish one object again),
csv_formulas (source records handed back out, formulas made plain text).
"""
