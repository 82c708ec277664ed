"""Published documents, built from the tables and served from their caches.

documents (manifests and collections, built once per object revision),
document_cache (built documents stored with their ETag), served_cache (what a
worker has just served), object_values (rows turned into the plain values the
IIIF builders and pages take), record_json, object_page, institution_page,
discovery (the Change Discovery stream), withdrawal (withdraw or publish one
object again), csv_formulas (source records handed back out, formulas made
plain text).
"""
