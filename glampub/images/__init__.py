"""Images: from the import's source files to the bytes an Image API request gets.

files (verify, orient, measure, store with Pillow), credit (the credit
embedded in every file), original (the original with the credit spliced in),
policy (which images are published in full), pyramid (reduced levels and
tiles), sources (a folder or ZIP the import reads images from), fetch (http(s)
images an export names, resolved into what they are), http_fetch (polite and
safe GETs), reference_class (file, IIIF service or manifest, image URL, link),
remote_iiif (remote Image API services, referenced not copied), cache (the
derivative cache on disk), delivery (the Image API use case), render_lanes
(cheap renders never wait behind expensive ones).
"""
