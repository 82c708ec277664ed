"""The import use case: an export file in, published objects out.

run (the use case: ``run_import``; it reads a small export in this process),
reader (a large export parsed in a reader process of its own), writer (batches
of records into the tables), staging, lock (one import at a time per
institution), report, history, problem_log, withdrawn_log, record_mapping (a
source record to row values), record_images, bulk_sql, bulk_memory,
export_folder, progress, preview, column_profiles, uploads, demo (the sample
collections), finishing (the page boundaries counted before a publishing
commit, VACUUM after a large one).
"""
